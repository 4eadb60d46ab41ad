"""Wrong manager PINs on an approval (the void screen) pause approvals with a growing
delay and tell head office, but never lock the manager out of signing in."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shared.errors import DomainError
from terminal.offline.models import StaffAlert
from terminal.services.staff import approval_pause_seconds
from tests.terminal.conftest import Till


def _wrong_approval(till: Till) -> DomainError:
    with pytest.raises(DomainError) as err:
        till.services.staff.approve("M01", "0000")
    return err.value


def test_the_pause_grows_with_each_wrong_pin() -> None:
    assert [approval_pause_seconds(n) for n in range(1, 8)] == [0, 0, 30, 60, 120, 240, 480]
    assert approval_pause_seconds(40) == 3_600


def test_wrong_approval_pins_never_lock_the_manager_out_of_signing_in(till: Till) -> None:
    first = _wrong_approval(till)
    assert first.code == "invalid_pin"
    assert first.params["approval_attempts_left"] == 2
    _wrong_approval(till)
    third = _wrong_approval(till)
    assert third.code == "approval_paused"
    assert third.params["seconds_left"] == 30
    # Paused: even the right PIN waits, so guessing cannot go on.
    assert _wrong_approval(till).code == "approval_paused"
    with pytest.raises(DomainError) as err:
        till.services.staff.approve("M01", "999999")
    assert err.value.code == "approval_paused"
    # Far more wrong approvals than the sign-in limit (5): the manager still signs in.
    for _ in range(6):
        till.clock.advance(hours=1)
        _wrong_approval(till)
    assert till.services.staff.sign_in("M01", "999999").is_manager
    till.clock.advance(hours=2)
    assert till.services.staff.approve("M01", "999999").is_manager  # and the count restarts
    assert _wrong_approval(till).code == "invalid_pin"


def test_each_pause_is_an_alert_for_head_office(till: Till) -> None:
    for _ in range(3):
        _wrong_approval(till)
    till.clock.advance(seconds=31)
    _wrong_approval(till)
    with till.replica.read() as session:
        alerts = session.scalars(select(StaffAlert).order_by(StaffAlert.attempts)).all()
        seen = [(a.type, a.staff_code, a.attempts, a.pause_seconds, a.sent_at) for a in alerts]
    assert seen == [
        ("staff.approval_pins_failed", "M01", 3, 30, None),
        ("staff.approval_pins_failed", "M01", 4, 60, None),
    ]


def test_sign_in_failures_still_lock_as_before_and_approvals_do_not_add_to_them(
    till: Till,
) -> None:
    for _ in range(2):
        _wrong_approval(till)
    for _ in range(4):  # one short of the sign-in limit
        with pytest.raises(DomainError) as err:
            till.services.staff.sign_in("M01", "0000")
        assert err.value.code == "invalid_pin"
    assert till.services.staff.sign_in("M01", "999999").is_manager
