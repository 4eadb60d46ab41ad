"""Change notification: a till's sync loop learns of another till's sale from the
server's long poll, without waiting for its next periodic sync."""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable

import pytest

from terminal.offline.change_watch import ChangeWatcher
from tests.contract.conftest import Till
from tests.contract.support import a_member

pytestmark = pytest.mark.slow


def test_a_sale_at_one_till_reaches_an_idle_till_through_the_long_poll(
    make_till: Callable[[str], Till],
) -> None:
    idle, busy = make_till("Idle"), make_till("Busy")
    code = a_member(busy)
    before = idle.balance(code)
    # A periodic sync every 30 s: without change notification the sale would take that.
    loop = idle.sync.loop(interval=30.0, long_poll=4.0)
    loop.start()
    try:
        watcher = loop.watcher
        assert watcher is not None
        deadline = time.monotonic() + 15
        while not watcher.healthy:  # the first empty long poll came back after its wait...
            assert time.monotonic() < deadline, "the server does not long-poll"
            time.sleep(0.05)
        member_id = busy.services.lookup.by_code(code).member_id
        busy.services.sales.earn(busy.cashier, member_id, amount_cents=10_000, sale_ref="N-1")
        busy.sync.sync_once()
        synced = time.monotonic()
        after = busy.balance(code)
        assert after > before
        while idle.balance(code) != after:  # ...and this one answers at once
            assert time.monotonic() - synced < 5, "the change did not wake the idle till"
            time.sleep(0.05)
    finally:
        loop.stop()


def test_in_a_busy_chain_the_watcher_wakes_its_loop_at_a_measured_pace(
    make_till: Callable[[str], Till],
) -> None:
    """Something has always changed: the watcher's long poll answers at once every time.
    It must not wake its loop as fast as the server answers, but about every
    ``min_gap`` seconds; each wake is spread by a random delay."""
    idle, busy = make_till("Idle"), make_till("Busy")
    code = a_member(busy)
    member_id = busy.services.lookup.by_code(code).member_id
    busy.services.sales.earn(busy.cashier, member_id, amount_cents=10_000, sale_ref="B-0")
    busy.sync.sync_once()  # the idle till's cursor is behind from now on (nobody pulls)
    wakes: list[float] = []
    watcher = ChangeWatcher(
        idle.sync.client(),
        idle.sync.store.pull_cursor,
        wait=2.0,
        poll_interval=0.2,  # how long it lets the (absent) loop move the cursor
        min_gap=1.0,
        wake_spread=0.3,
        rng=random.Random(4),
    )
    watcher.wake = lambda: wakes.append(time.monotonic())
    watcher.start()
    try:
        started = time.monotonic()
        while time.monotonic() - started < 6.0:
            time.sleep(0.05)
    finally:
        watcher.stop()
    gaps = [later - earlier for earlier, later in itertools.pairwise(wakes)]
    assert len(wakes) >= 3, wakes  # it does wake the loop, again and again...
    assert min(gaps) >= 0.8 - 0.3, gaps  # ...but never sooner than min_gap (-20 %, spread)
    assert len(wakes) <= 7, wakes  # about one a second, not one per answer
