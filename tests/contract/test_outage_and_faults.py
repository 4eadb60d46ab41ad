"""Outages and faults between a terminal and a live server: nothing queued is lost
or applied twice."""

from __future__ import annotations

import pytest

from shared.errors import DomainError
from tests.contract.conftest import DEAD_URL, HeadOffice
from tests.contract.support import a_member, server_balance, server_events
from tests.sync_server.live import DroppingProxy

pytestmark = pytest.mark.slow


def test_a_long_outage_queues_thousands_then_drains_in_order(
    make_till, head_office: HeadOffice
) -> None:
    till = make_till("Till 1")
    code = a_member(till)
    member_id = till.services.lookup.by_code(code).member_id
    before = till.balance(code)
    till.point_at(DEAD_URL)
    total = 0
    for n in range(1500):
        receipt = till.services.sales.earn(
            till.cashier, member_id, amount_cents=1000 + n, sale_ref=f"OUT-{n}"
        )
        total += receipt.points_delta
    with pytest.raises(DomainError) as err:
        till.sync.sync_once()
    assert err.value.code == "sync_failed"
    status = till.sync.status()
    assert status.pending == 1500
    assert not status.online
    assert status.last_error
    assert till.balance(code) == before + total  # pending points are shown meanwhile

    till.point_at(head_office.server.url)
    report = till.sync.sync_once()
    assert (report.accepted, report.rejected) == (1500, 0)
    status = till.sync.status()
    assert status.pending == 0
    assert status.watermark == 1500
    assert status.online
    assert [seq for seq, _ in server_events(head_office, status.terminal_id)] == list(
        range(1, 1501)
    )
    assert server_balance(till, code) == before + total


def test_a_response_lost_after_commit_is_retried_as_duplicate(
    make_till, head_office: HeadOffice
) -> None:
    till = make_till("Till 1")
    code = a_member(till)
    before = till.balance(code)
    member_id = till.services.lookup.by_code(code).member_id
    receipt = till.services.sales.earn(till.cashier, member_id, amount_cents=8800, sale_ref="L-1")
    proxy = DroppingProxy(head_office.server.port)
    till.point_at(proxy.url)
    with pytest.raises(DomainError):
        till.sync.sync_once()
    assert till.sync.status().pending == 1  # the server committed, but we never heard

    till.point_at(head_office.server.url)
    report = till.sync.sync_once()
    assert (report.accepted, report.duplicates) == (0, 1)
    assert server_balance(till, code) == before + receipt.points_delta
    assert len(server_events(head_office, till.sync.status().terminal_id)) == 1


KILL_AFTER_PUSH = """
import os, signal, sys
import keyring
from tests.conftest import MemoryKeyring
from terminal.config import TerminalSettings
from terminal.offline.db import Replica
from terminal.offline.sync_client import SyncClient
from terminal.services.sync import SyncService

backend = MemoryKeyring()
keyring.set_keyring(backend)
settings = TerminalSettings(data_dir=sys.argv[1], keyring_service=sys.argv[2])
backend.set_password(settings.keyring_service, "token", os.environ["TILL_TOKEN"])
real_push = SyncClient.push

def push_then_die(self, events, **kwargs):
    real_push(self, events, **kwargs)   # the server has committed and answered...
    os.kill(os.getpid(), signal.SIGKILL)  # ...and the terminal dies before applying it

SyncClient.push = push_then_die
SyncService(Replica(settings.replica_path), settings).sync_once()
"""


def test_a_terminal_killed_between_push_and_ack_settles_on_restart(
    make_till, head_office: HeadOffice
) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    till = make_till("Till 1")
    code = a_member(till)
    member_id = till.services.lookup.by_code(code).member_id
    before = till.balance(code)
    points = sum(
        till.services.sales.earn(
            till.cashier, member_id, amount_cents=2000 + n, sale_ref=f"K-{n}"
        ).points_delta
        for n in range(30)
    )
    settings = till.sync.settings
    child = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_PUSH, str(settings.data_dir), settings.keyring_service],
        env={**os.environ, "TILL_TOKEN": till.sync.credentials.token() or ""},
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        timeout=60,
    )
    assert child.returncode == -9, child.stderr.decode()[-2000:]
    assert till.sync.status().pending == 30  # the acknowledgement never reached the replica

    report = till.sync.sync_once()
    assert (report.duplicates, report.accepted) == (30, 0)
    assert server_balance(till, code) == before + points
    assert len(server_events(head_office, till.sync.status().terminal_id)) == 30
