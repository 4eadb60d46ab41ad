"""The cashier's hot paths (look-up by code, earn) run plain SQL on the replica's own
DB-API connection; they must give exactly what the ORM path gives and write exactly
the rows it writes."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from shared.errors import DomainError
from terminal.offline.db import CHECKPOINT_EVERY
from terminal.offline.outbox import NewEvent, record_event
from terminal.offline.repositories import ProgramRepository, StoreRepository
from terminal.offline.repositories.hot import MEMBER_BY_CODE
from terminal.services.base import require_member
from tests.terminal.conftest import Till, make_till, snapshot


def _rows(till: Till, seq: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The local event and outbox row with this seq, as plain dicts."""
    with sqlite3.connect(till.replica.path) as conn:
        conn.row_factory = sqlite3.Row
        event = dict(conn.execute("SELECT * FROM local_events WHERE seq = ?", (seq,)).fetchone())
        outbox = dict(conn.execute("SELECT * FROM outbox WHERE seq = ?", (seq,)).fetchone())
    return event, outbox


class _Undo(Exception):
    pass


def _reference_earn(till: Till, member_id: str, amount: int, ref: str) -> tuple[dict, dict]:
    """The rows the ORM path (``record_event``) writes for this earn, rolled back after."""
    staff = till.cashier()
    captured: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    with contextlib.suppress(_Undo), till.replica.write() as session:
        program = ProgramRepository(session).current()
        member, pending = require_member(session, member_id, active=True)
        points = program.points_for_sale(amount, member.lifetime_points + pending.lifetime)
        data = {
            "sale_ref": ref,
            "amount_cents": amount,
            "currency": StoreRepository(session).require().currency,
            "points": points,
            "rule_version": program.rule_version,
        }
        new = NewEvent(
            type="points.earned",
            member_id=member_id,
            staff_id=staff.staff_id,
            data=data,
            points_delta=points,
            lifetime_delta=points,
            amount_cents=amount,
            sale_ref=ref,
        )
        local = record_event(session, new, occurred_at=till.clock())
        conn = session.connection().connection.driver_connection
        assert isinstance(conn, sqlite3.Connection)
        cursor = conn.execute("SELECT * FROM local_events WHERE seq = ?", (local.seq,))
        names = [d[0] for d in cursor.description]
        event = dict(zip(names, cursor.fetchone(), strict=True))
        cursor = conn.execute("SELECT * FROM outbox WHERE seq = ?", (local.seq,))
        names = [d[0] for d in cursor.description]
        captured["rows"] = (event, dict(zip(names, cursor.fetchone(), strict=True)))
        raise _Undo
    return captured["rows"]  # KeyError if the block did not run to the end


def _without_ids(event: dict[str, Any], outbox: dict[str, Any]) -> tuple[dict, dict, dict]:
    payload = json.loads(outbox["payload"])
    payload.pop("event_id")
    return (
        {k: v for k, v in event.items() if k != "event_id"},
        {k: v for k, v in outbox.items() if k not in ("event_id", "payload")},
        payload,
    )


def test_earn_writes_the_rows_record_event_writes(till: Till) -> None:
    member_id = till.seed.members[2].member_id
    till.services.sales.earn(till.cashier(), member_id, amount_cents=5_000, sale_ref="before")
    expected = _reference_earn(till, member_id, 12_345, "R-1")
    receipt = till.services.sales.earn(
        till.cashier(), member_id, amount_cents=12_345, sale_ref="R-1"
    )
    assert receipt.seq == expected[0]["seq"]
    assert _without_ids(*_rows(till, receipt.seq)) == _without_ids(*expected)
    event, outbox = _rows(till, receipt.seq)
    assert event["event_id"] == outbox["event_id"] == receipt.event_id
    assert json.loads(outbox["payload"])["event_id"] == receipt.event_id


def test_earn_and_orm_events_share_one_seq_counter(till: Till) -> None:
    member_id = till.seed.members[3].member_id
    first = till.services.sales.earn(till.cashier(), member_id, amount_cents=1_000, sale_ref="1")
    adjusted = till.services.manager.adjust(till.manager(), member_id, points=5, reason="x")
    second = till.services.sales.earn(till.cashier(), member_id, amount_cents=1_000, sale_ref="2")
    assert [first.seq, adjusted.seq, second.seq] == [first.seq, first.seq + 1, first.seq + 2]
    assert [e["seq"] for e in till.sync.pending_batch()][-3:] == [
        first.seq,
        first.seq + 1,
        second.seq,
    ]


def test_lookup_by_code_equals_the_orm_view_with_pending_events(till: Till) -> None:
    cashier = till.cashier()
    target = till.seed.members[4]
    # enough pending lifetime points to move the member up a tier
    receipt = till.services.sales.earn(
        cashier, target.member_id, amount_cents=150_000, sale_ref="big"
    )
    till.services.manager.adjust(till.manager(), target.member_id, points=-7, reason="y")
    for member in till.seed.members:
        assert till.services.lookup.by_code(member.member_code) == till.services.lookup.member(
            member.member_id
        )
    view = till.services.lookup.by_code(target.member_code)
    assert view.pending_points == receipt.points_delta - 7
    assert view.balance == view.server_balance + view.pending_points
    # acknowledged: the server's figures stand alone, look-up and ORM view still agree
    till.sync.apply_push_results(
        [{"event_id": e["event_id"], "status": "accepted"} for e in till.sync.pending_batch()]
    )
    after = till.services.lookup.by_code(target.member_code)
    assert after.pending_points == 0
    assert after == till.services.lookup.member(target.member_id)


def test_earn_receipt_shows_the_member_as_a_look_up_then_does(till: Till) -> None:
    member = till.seed.members[1]
    receipt = till.services.sales.earn(
        till.cashier(), member.member_id, amount_cents=99_900, sale_ref="A"
    )
    assert receipt.member == till.services.lookup.by_code(member.member_code)


def test_refusals_come_in_the_orm_order_and_write_nothing(till: Till) -> None:
    cashier = till.cashier()
    member_id = till.seed.members[0].member_id
    till.services.sales.earn(cashier, member_id, amount_cents=1_000, sale_ref="dup")
    with sqlite3.connect(till.replica.path) as conn:
        conn.execute("UPDATE members SET status = 'blocked' WHERE member_id = ?", (member_id,))
    before = snapshot(till.replica)
    # the amount is checked first, then the staff member, the member, then the sale
    for amount, ref, code in ((-1, "x", "invalid_amount"), (1_000, "dup", "member_inactive")):
        with pytest.raises(DomainError) as err:
            till.services.sales.earn(cashier, member_id, amount_cents=amount, sale_ref=ref)
        assert err.value.code == code
    with pytest.raises(DomainError) as err:
        till.services.sales.earn(
            cashier, "00000000-0000-4000-8000-000000000000", amount_cents=1, sale_ref="z"
        )
    assert err.value.code == "unknown_member"
    assert snapshot(till.replica) == before
    with sqlite3.connect(till.replica.path) as conn:
        conn.execute("UPDATE staff SET active = 0 WHERE staff_id = ?", (cashier.staff_id,))
    before = snapshot(till.replica)
    with pytest.raises(DomainError) as err:
        till.services.sales.earn(cashier, member_id, amount_cents=1_000, sale_ref="dup")
    assert err.value.code == "sign_in_required"
    assert snapshot(till.replica) == before


def test_unpaired_terminal_refuses_an_earn(till: Till) -> None:
    cashier = till.cashier()
    with sqlite3.connect(till.replica.path) as conn:
        conn.execute("UPDATE terminal_state SET terminal_id = NULL")
    before = snapshot(till.replica)
    with pytest.raises(DomainError) as err:
        till.services.sales.earn(
            cashier, till.seed.members[0].member_id, amount_cents=1_000, sale_ref="p"
        )
    assert err.value.code == "terminal_not_paired"
    assert snapshot(till.replica) == before


def test_a_failed_write_rolls_back_and_the_connection_goes_on(till: Till) -> None:
    cashier = till.cashier()
    member_id = till.seed.members[0].member_id
    first = till.services.sales.earn(cashier, member_id, amount_cents=1_000, sale_ref="a")
    # a stale counter: the next seq is taken, the outbox insert fails after the event's
    with sqlite3.connect(till.replica.path) as conn:
        conn.execute("UPDATE terminal_state SET next_seq = ?", (first.seq,))
    before = snapshot(till.replica)
    with pytest.raises(sqlite3.IntegrityError):
        till.services.sales.earn(cashier, member_id, amount_cents=1_000, sale_ref="b")
    assert snapshot(till.replica) == before
    assert not till.replica.driver().in_transaction
    with sqlite3.connect(till.replica.path) as conn:
        conn.execute("UPDATE terminal_state SET next_seq = ?", (first.seq + 1,))
    again = till.services.sales.earn(cashier, member_id, amount_cents=1_000, sale_ref="b")
    assert again.seq == first.seq + 1


def test_concurrent_earns_from_threads_take_distinct_seqs(tmp_path: Path) -> None:
    till = make_till(tmp_path, members=8)
    try:
        cashier = till.cashier()
        receipts: list[int] = []
        errors: list[BaseException] = []

        def ring(index: int) -> None:
            try:
                for n in range(10):
                    r = till.services.sales.earn(
                        cashier,
                        till.seed.members[index].member_id,
                        amount_cents=1_000 + n,
                        sale_ref=f"t{index}-{n}",
                    )
                    receipts.append(r.seq)
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=ring, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert sorted(receipts) == list(range(min(receipts), min(receipts) + 40))
        assert len(till.sync.pending_batch()) >= 40
    finally:
        till.replica.close()


def test_close_closes_every_thread_connection(tmp_path: Path) -> None:
    till = make_till(tmp_path)
    mine = till.replica.driver()
    theirs: list[sqlite3.Connection] = []

    def borrow() -> None:
        theirs.append(till.replica.driver())

    for _ in range(2):  # two threads, one after the other
        worker = threading.Thread(target=borrow)
        worker.start()
        worker.join()
    assert theirs[0] is not mine
    assert till.replica.driver() is mine  # kept per thread
    with pytest.raises(sqlite3.ProgrammingError):  # its thread ended: closed for the next
        theirs[0].execute("SELECT 1")
    assert theirs[1].execute("SELECT 1").fetchall() == [(1,)]
    till.replica.close()
    for conn in (mine, theirs[1]):
        with pytest.raises(sqlite3.ProgrammingError):
            conn.execute("SELECT 1")


def test_the_benchmark_statement_is_the_service_one(till: Till) -> None:
    code = till.seed.members[0].member_code
    rows = till.replica.fetch(MEMBER_BY_CODE, (code,))
    assert rows[0][1] == code
    assert till.replica.fetch(MEMBER_BY_CODE, ("nope",)) == []


def test_earns_keep_the_wal_small_without_checkpointing_in_the_commit(tmp_path: Path) -> None:
    """Every commit adds pages to the WAL; checkpoints run on the checkpoint thread and
    the WAL starts again from its beginning, so it stays about CHECKPOINT_EVERY commits
    long (without them: ~60 KiB per earn, 25 MiB here)."""
    till = make_till(tmp_path, members=8)
    try:
        cashier = till.cashier()
        wal = Path(f"{till.replica.path}-wal")
        assert till.replica.driver().execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
        for n in range(6 * CHECKPOINT_EVERY):
            till.services.sales.earn(
                cashier,
                till.seed.members[n % 8].member_id,
                amount_cents=1_000 + n,
                sale_ref=f"w{n}",
            )
        assert till.replica.checkpointer.runs >= 2
        assert wal.stat().st_size < 3 * CHECKPOINT_EVERY * 64 * 1024
        # and everything is there, read from the file by a fresh connection
        with sqlite3.connect(till.replica.path) as conn:
            count = conn.execute("SELECT count(*) FROM outbox WHERE status = 'pending'")
            assert count.fetchone()[0] >= 6 * CHECKPOINT_EVERY
    finally:
        till.replica.close()
    assert not any(t.name == "replica-checkpoint" for t in threading.enumerate())
