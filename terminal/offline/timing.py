"""When a till asks the server again while it is away, and when it comes back: so that a
whole chain's tills, after an outage that hit them all, neither hammer the returning
server with probes nor push their backlogs at the same moment.

Pure functions of how long the server has been away and a random source; the sync loop
(``sync_engine.SyncLoop``), the change watcher (``change_watch.ChangeWatcher``) and the
load benchmark's simulated tills (bench/load_sim.py) all use them.
"""

from __future__ import annotations

import random

# An idle till: the change watcher's long poll (+-10 %), under the 60 s idle timeout of
# common proxies; the sync loop's own cycle while the watcher works; after a wake, the
# watcher asks again no sooner than this (+-20 %), and a wake is spread over 0-this.
LONG_POLL_SECONDS = 50.0
WATCHED_INTERVAL_SECONDS = 300.0
WATCH_MIN_GAP_SECONDS = 10.0
WAKE_SPREAD_SECONDS = 2.0

OFFLINE_PROBE_SECONDS = 2.0
# A long outage: probes every 5-15 s (the ceiling, +-50 %) instead of every 1-3 s.
OFFLINE_PROBE_CEILING_SECONDS = 10.0
# After an outage: the first sync waits a random part of a twentieth of it, at most 30 s.
RETURN_SPREAD_MAX_SECONDS = 30.0


def probe_delay(base: float, away_for: float, rng: random.Random) -> float:
    """Seconds until the next probe while the server has not answered for ``away_for``
    seconds: ``base`` at first, growing with the outage to a twentieth of it (at most
    ``OFFLINE_PROBE_CEILING_SECONDS``), +-50 % so a chain's probes do not come in step.
    A short outage is noticed within seconds; a long one costs the server a probe per
    till every ~10 s when it returns, not one every 2 s."""
    ceiling = min(OFFLINE_PROBE_CEILING_SECONDS, max(base, away_for / 20))
    return ceiling * rng.uniform(0.5, 1.5)


def return_delay(away_for: float, rng: random.Random) -> float:
    """Seconds to wait, once the server answers again after ``away_for`` seconds away,
    before the first sync: a random part of a twentieth of the outage, at most
    ``RETURN_SPREAD_MAX_SECONDS``. After 20 s away that is under a second; after ten
    minutes, when every till of the chain has a backlog, the chain's pushes arrive
    spread over half a minute instead of all at once."""
    return rng.uniform(0, min(RETURN_SPREAD_MAX_SECONDS, away_for / 20))
