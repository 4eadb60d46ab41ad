"""Change notification: a till's sync loop learns of another till's sale from the
server's long poll, without waiting for its next periodic sync."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

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
