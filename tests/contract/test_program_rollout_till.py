"""A real till against a real `sync-server serve`: a store setting changed at head
office arrives at the store's till with its next sync; a version scheduled for later
arrives ahead and the till applies it from its effective time, offline or not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.program import LoyaltyProgram
from sync_server.services.admin import AdminService
from terminal.offline.repositories import ProgramRepository
from tests.contract.conftest import DEAD_URL, HeadOffice

pytestmark = pytest.mark.slow


def test_a_store_setting_change_arrives_and_a_scheduled_version_applies_on_time(
    make_till, head_office: HeadOffice
) -> None:
    till = make_till("Till A")
    admin = AdminService(head_office.database)
    before = till.services.store.store_settings()
    assert before is not None
    assert before.closing_time != "21:30"
    admin.update_store(
        "S001",
        name="市中心 Downtown (new)",
        currency=before.currency,
        timezone="Asia/Hong_Kong",
        phone_region="HK",
        language="en",
        closing_time="21:30",
    )
    body = admin.current_program().model_dump(mode="json")
    current = body["rule_version"]
    body["rule_version"] = current + 1
    body["points_per_unit"] = body["points_per_unit"] * 3
    start = datetime.now(UTC) + timedelta(hours=2)
    admin.publish_program(LoyaltyProgram.model_validate(body), effective_from=start)

    till.sync.sync_once()
    after = till.services.store.store_settings()
    assert after is not None
    assert (after.name, after.timezone, after.phone_region, after.language, after.closing_time) == (
        "市中心 Downtown (new)",
        "Asia/Hong_Kong",
        "HK",
        "en",
        "21:30",
    )
    assert till.services.store.info().timezone == "Asia/Hong_Kong"
    # Received ahead, not yet in force: the till keeps applying the current version.
    assert till.services.store.program().rule_version == current
    till.point_at(DEAD_URL)  # offline from now on
    with till.replica.read() as session:
        programs = ProgramRepository(session)
        assert programs.current(start - timedelta(seconds=1)).rule_version == current
        assert programs.current(start).rule_version == current + 1
        assert (
            programs.current(start + timedelta(days=1)).points_per_unit == body["points_per_unit"]
        )
