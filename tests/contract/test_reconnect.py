"""The background loop against a real `sync-server serve` process that goes away and comes
back: the queue drains within seconds of the server's return, not after a long backoff."""

from __future__ import annotations

import time

import pytest

from terminal.offline.sync_client import TransientSyncError
from terminal.offline.sync_engine import Backoff, next_delay, unreachable
from tests.contract.conftest import HeadOffice
from tests.contract.support import a_member

pytestmark = pytest.mark.slow

OUTAGE_SECONDS = 20.0  # long enough for an exponential backoff to reach tens of seconds
DRAIN_LIMIT_SECONDS = 10.0


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_queue_drains_within_seconds_after_the_server_returns(
    make_till, head_office: HeadOffice
) -> None:
    till = make_till("Till 1")
    code = a_member(till)
    member_id = till.services.lookup.by_code(code).member_id
    server = head_office.server
    server.stop()
    for n in range(40):
        till.services.sales.earn(till.cashier, member_id, amount_cents=2000 + n, sale_ref=f"D-{n}")
    loop = till.sync.loop()  # the product's own intervals and backoff
    loop.start()
    try:
        assert _wait_for(lambda: not till.sync.status().online, 10)
        time.sleep(OUTAGE_SECONDS)  # the loop keeps failing all this time
        assert till.sync.status().pending == 40
        server.start()
        back = time.monotonic()
        assert _wait_for(lambda: till.sync.status().pending == 0, 30)
        drained = time.monotonic() - back
    finally:
        loop.stop()
    print(f"drain after the server returned: {drained:.2f} s (outage {OUTAGE_SECONDS:.0f} s)")
    assert drained < DRAIN_LIMIT_SECONDS
    assert till.sync.status().online


def test_only_errors_the_server_returns_back_off() -> None:
    backoff = Backoff(base=1.0, cap=300.0)
    away = TransientSyncError("cannot be reached")
    busy = TransientSyncError("overloaded (HTTP 503)", status=503)
    assert unreachable(away)
    assert not unreachable(busy)
    for _ in range(20):  # however long the outage, the probe interval stays short
        assert next_delay(away, backoff, interval=5.0, probe_interval=2.0) == 2.0
    ceilings = [next_delay(busy, Backoff(base=1.0, cap=300.0), interval=5, probe_interval=2)]
    assert 0 <= ceilings[0] <= 1.0
    for _ in range(10):
        next_delay(busy, backoff, interval=5.0, probe_interval=2.0)
    assert next_delay(None, backoff, interval=5.0, probe_interval=2.0) == 5.0  # reset
    assert 0 <= next_delay(busy, backoff, interval=5.0, probe_interval=2.0) <= 1.0
