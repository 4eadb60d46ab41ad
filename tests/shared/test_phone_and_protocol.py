from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import get_type_hints

import pytest
from pydantic import TypeAdapter, ValidationError

from shared.domain.phone import mask_phone, normalize_phone, phone_hash, phone_last4
from shared.errors import ValidationFailed
from shared.protocol import Event, MemberData, MemberFields, PushRequest, event_digest


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("138 1234 5678", "CN", "+8613812345678"),
        ("+86 138-1234-5678", "CN", "+8613812345678"),
        ("0086 13812345678", "CN", "+8613812345678"),
        ("020 7946 0018", "GB", "+442079460018"),
        ("+1 650-253-0000", "CN", "+16502530000"),
    ],
)
def test_phones_normalise_in_the_store_region(raw: str, region: str, e164: str) -> None:
    assert normalize_phone(raw, region) == e164


@pytest.mark.parametrize("raw", ["", "12345", "not a phone", "138123456789999", "1" * 50])
def test_bad_phones_are_clear_errors(raw: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        normalize_phone(raw, "CN")
    assert err.value.code == "invalid_phone"


def test_masking_last4_and_keyed_hash() -> None:
    e164 = "+8613812345678"
    assert mask_phone(e164) == "138****5678"
    assert phone_last4(e164) == "5678"
    key = bytes(range(32))
    assert phone_hash(key, e164) == phone_hash(key, e164)
    assert phone_hash(key, e164) != phone_hash(bytes(32), e164)
    assert len(phone_hash(key, e164)) == 64


def _event(**overrides: object) -> dict[str, object]:
    event: dict[str, object] = {
        "event_id": str(uuid.uuid4()),
        "terminal_id": str(uuid.uuid4()),
        "seq": 1,
        "type": "points.earned",
        "occurred_at": datetime.now(UTC).isoformat(),
        "staff_id": None,
        "member_id": str(uuid.uuid4()),
        "data": {
            "sale_ref": "S-1",
            "amount_cents": 1000,
            "currency": "CNY",
            "points": 10,
            "rule_version": 1,
        },
    }
    event.update(overrides)
    return event


def test_events_validate_their_data_by_type() -> None:
    parsed = Event.model_validate(_event())
    assert parsed.data["points"] == 10
    for bad in [
        {"type": "points.exploded"},
        {"seq": 0},
        {"occurred_at": "2026-01-01T10:00:00"},  # no offset
        {
            "data": {
                "sale_ref": "S",
                "amount_cents": 10,
                "currency": "CNY",
                "points": 1.0,
                "rule_version": 1,
            }
        },
        {
            "data": {
                "sale_ref": "S",
                "amount_cents": 10,
                "currency": "CNY",
                "points": "1",
                "rule_version": 1,
            }
        },
        {
            "data": {
                "sale_ref": "S",
                "amount_cents": -5,
                "currency": "CNY",
                "points": 1,
                "rule_version": 1,
            }
        },
        {"type": "points.adjusted", "data": {"points": 0, "reason": "x"}},
        {"type": "event.voided", "data": {"voided_event_id": "nope", "reason": "x"}},
    ]:
        with pytest.raises(ValidationError):
            Event.model_validate(_event(**bad))


def test_a_push_holds_at_most_500_events() -> None:
    PushRequest.model_validate({"events": [_event(seq=i + 1) for i in range(500)]})
    with pytest.raises(ValidationError):
        PushRequest.model_validate({"events": [_event(seq=i + 1) for i in range(501)]})


def test_event_digest_is_order_independent() -> None:
    ids = [str(uuid.uuid4()) for _ in range(5)]
    assert event_digest(ids) == event_digest(list(reversed(ids)))
    assert len(event_digest(ids)) == 64


def test_member_fields_stay_in_step_with_member_data() -> None:
    """The terminal validates pulled members as ``MemberFields`` (a dict): the same
    fields, the same types and the same optional ones as ``MemberData``."""
    hints = get_type_hints(MemberFields)
    assert set(hints) == set(MemberData.model_fields)
    for name, field in MemberData.model_fields.items():
        assert hints[name] == field.annotation, name
    schema = TypeAdapter(MemberFields).core_schema
    while "fields" not in schema:  # through definitions/references to the typed-dict schema
        schema = schema["schema"]
    required = {name for name, field in schema["fields"].items() if field["required"]}
    assert required == {n for n, f in MemberData.model_fields.items() if f.is_required()}
