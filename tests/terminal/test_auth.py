from __future__ import annotations

from pathlib import Path

import pytest

from shared.errors import DomainError
from terminal.offline.db import Replica
from terminal.services import build_services
from tests.terminal.conftest import Till, snapshot


def test_cashier_and_manager_sign_in(till: Till) -> None:
    cashier = till.services.staff.sign_in("C01", "1234")
    assert (cashier.role, cashier.is_manager, cashier.name) == ("cashier", False, "Li Na")
    manager = till.services.staff.sign_in(" M01 ", "999999")
    assert manager.is_manager


@pytest.mark.parametrize(
    ("code", "pin"),
    [
        ("C01", "0000"),
        ("C01", ""),
        ("NOPE", "1234"),
        ("C01", "1234 "),
        ("'; DROP TABLE staff;--", "1"),
    ],
)
def test_wrong_pin_or_unknown_code_is_invalid_pin(till: Till, code: str, pin: str) -> None:
    with pytest.raises(DomainError) as err:
        till.services.staff.sign_in(code, pin)
    assert err.value.code == "invalid_pin"


def test_non_string_pin_is_refused(till: Till) -> None:
    with pytest.raises(DomainError) as err:
        till.services.staff.sign_in("C01", 1234)  # type: ignore[arg-type]
    assert err.value.code == "invalid_pin"


def test_five_wrong_pins_lock_for_five_minutes_and_survive_restart(
    till: Till, tmp_path: Path
) -> None:
    staff = till.services.staff
    for attempt in range(4):
        with pytest.raises(DomainError) as err:
            staff.sign_in("C01", "0000")
        assert err.value.code == "invalid_pin"
        assert err.value.params["attempts_left"] == 4 - attempt
    with pytest.raises(DomainError) as err:
        staff.sign_in("C01", "0000")
    assert err.value.code == "staff_locked"
    # The right PIN does not help while locked, even after a restart.
    till.replica.close()
    reopened = Replica(till.settings.replica_path)
    try:
        services = build_services(
            reopened, till.settings, clock=till.clock, credentials=till.credentials
        )
        with pytest.raises(DomainError) as err:
            services.staff.sign_in("C01", "1234")
        assert err.value.code == "staff_locked"
        assert 0 < err.value.params["seconds_left"] <= 300
        # Other staff are not affected.
        assert services.staff.sign_in("C02", "2345").staff_code == "C02"
        till.clock.advance(minutes=4, seconds=59)
        with pytest.raises(DomainError):
            services.staff.sign_in("C01", "1234")
        till.clock.advance(seconds=2)
        assert services.staff.sign_in("C01", "1234").staff_code == "C01"
    finally:
        reopened.close()


def test_success_resets_the_failure_count(till: Till) -> None:
    staff = till.services.staff
    for _ in range(4):
        with pytest.raises(DomainError):
            staff.sign_in("C01", "0000")
    staff.sign_in("C01", "1234")
    for _ in range(4):
        with pytest.raises(DomainError) as err:
            staff.sign_in("C01", "0000")
        assert err.value.code == "invalid_pin"


def test_approve_needs_a_manager(till: Till) -> None:
    with pytest.raises(DomainError) as err:
        till.services.staff.approve("C01", "1234")
    assert err.value.code == "manager_required"
    assert till.services.staff.approve("M01", "999999").is_manager


def test_cashier_cannot_void_or_adjust(till: Till) -> None:
    cashier = till.cashier()
    member = till.seed.members[0]
    receipt = till.services.sales.earn(cashier, member.member_id, amount_cents=1000, sale_ref="A1")
    before = snapshot(till.replica)
    with pytest.raises(DomainError) as err:
        till.services.manager.void(cashier, receipt.event_id, reason="oops")
    assert err.value.code == "manager_required"
    with pytest.raises(DomainError) as err:
        till.services.manager.adjust(cashier, member.member_id, points=10, reason="x")
    assert err.value.code == "manager_required"
    assert snapshot(till.replica) == before


def test_pin_hashes_are_argon2(till: Till) -> None:
    with till.replica.engine.connect() as conn:
        hashes = [r[0] for r in conn.exec_driver_sql("SELECT pin_hash FROM staff")]
    assert hashes
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert not any("1234" in h or "999999" in h for h in hashes)
