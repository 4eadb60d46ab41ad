"""The till's half of scheduled and staged publishing, on a real replica: a version
received ahead applies from its effective time by the till's clock (nothing to pull
then), a version received twice applies from the earlier time, and store settings
from head office replace the store's, except ones the till could not work with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.domain import program_schedule
from shared.domain.program import DEFAULT_PROGRAM
from shared.domain.program_schedule import Rollout
from terminal.offline.repositories import ProgramRepository
from tests.terminal.conftest import Till

START = datetime(2030, 1, 1, 1, 0, tzinfo=UTC)


def program_change(version: int, change_id: str, at: datetime | None, seq: int) -> dict:
    body = {**DEFAULT_PROGRAM.model_dump(mode="json"), "rule_version": version}
    change = {"entity": "program", "op": "upsert", "id": change_id, "version": seq, "data": body}
    if at is not None:
        change["effective_from"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return change


def in_force(till: Till, at: datetime) -> int:
    with till.replica.read() as session:
        return ProgramRepository(session).current(at).rule_version


def test_a_version_received_ahead_applies_at_its_time_and_the_earlier_time_wins(
    till: Till,
) -> None:
    held = till.services.store.program().rule_version
    staged = program_change(held + 1, f"{held + 1}@S001", START, 900)
    till.sync.apply_changes([staged], "c1")
    assert in_force(till, START - timedelta(microseconds=1)) == held
    assert in_force(till, START) == held + 1
    assert till.services.store.program().rule_version == held  # now is before 2030
    # The roll-out to every store, a day later: this store keeps its earlier time.
    everywhere = program_change(held + 1, str(held + 1), START + timedelta(days=1), 901)
    till.sync.apply_changes([everywhere], "c2")
    assert in_force(till, START) == held + 1
    # A version published at once applies at once.
    till.sync.apply_changes([program_change(held + 2, str(held + 2), None, 902)], "c3")
    assert till.services.store.program().rule_version == held + 2


def test_store_settings_from_head_office_replace_the_stores(till: Till) -> None:
    before = till.services.store.store_settings()
    assert before is not None
    settings = {**before.model_dump(), "name": "新名字", "closing_time": "22:15"}
    till.sync.apply_changes(
        [{"entity": "store", "op": "upsert", "id": before.store_code, "version": 950,
          "data": settings}],
        "c1",
    )  # fmt: skip
    after = till.services.store.store_settings()
    assert after is not None
    assert (after.name, after.closing_time) == ("新名字", "22:15")
    unusable = {**settings, "timezone": "Mars/Olympus"}
    other = {**settings, "store_code": "S999", "name": "Another store"}
    till.sync.apply_changes(
        [
            {"entity": "store", "op": "upsert", "id": before.store_code, "version": 951,
             "data": unusable},
            {"entity": "store", "op": "upsert", "id": "S999", "version": 952, "data": other},
        ],
        "c2",
    )  # fmt: skip
    kept = till.services.store.store_settings()
    assert kept is not None
    assert (kept.name, kept.timezone) == ("新名字", before.timezone)


def test_the_rule_of_which_version_is_in_force() -> None:
    rollouts = [
        Rollout(1),
        Rollout(2, None, "S001"),
        Rollout(3, START),
        Rollout(4, START + timedelta(days=1), "S002"),
    ]
    s1 = program_schedule.for_store(rollouts, "S001")
    s2 = program_schedule.for_store(rollouts, "S002")
    assert program_schedule.in_force(s1, START - timedelta(seconds=1)) == 2
    assert program_schedule.in_force(s2, START - timedelta(seconds=1)) == 1
    assert program_schedule.in_force(s2, START) == 3
    assert program_schedule.in_force(s2, START + timedelta(days=1)) == 4
    assert program_schedule.in_force(s1, START + timedelta(days=1)) == 3
    assert program_schedule.applied_by(s1, 1, START)  # an older version still stands
    assert not program_schedule.applied_by(s2, 2, START)  # never rolled out there
    assert not program_schedule.applied_by(s2, 3, START - timedelta(seconds=1))
    assert program_schedule.in_force([], START) is None
    assert program_schedule.earliest_start(START, None) is None
    assert program_schedule.earliest_start(START, START + timedelta(hours=1)) == START
