"""Pages of pulled changes: upserts typed in one pass, anything malformed refused whole."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.ids import uuid7
from shared.protocol import Change
from terminal.offline.sync_client import SyncClient, TransientSyncError


def _member(**data: Any) -> dict[str, Any]:
    member_id = str(uuid7())
    fields = {
        "member_id": member_id, "member_code": "100001", "display_name": "Li Lei",
        "phone_last4": "5678", "phone_hash": "ab" * 32, "tier": "member", "balance": 10,
        "lifetime_points": 10, "status": "active",
    }  # fmt: skip
    return {"entity": "member", "op": "upsert", "id": member_id, "version": 7,
            "data": {**fields, **data}}  # fmt: skip


def _page(*changes: dict[str, Any]) -> bytes:
    return json.dumps({"changes": list(changes), "cursor": "c9", "more": False}).encode()


def test_upserts_arrive_typed_and_everything_else_as_changes() -> None:
    member = _member(phone_masked="138****5678", added_by_a_newer_server=True)
    coupon_id = str(uuid7())
    coupon = {"entity": "coupon", "op": "upsert", "id": coupon_id, "version": 8,
              "data": {"coupon_id": coupon_id, "member_id": member["id"], "title": "5 off",
                       "value_cents": 500, "currency": "CNY", "status": "available"}}  # fmt: skip
    gone = {"entity": "member", "op": "delete", "id": str(uuid7()), "version": 9}
    page = SyncClient.parse_changes(_page(member, coupon, gone))
    typed_member, typed_coupon, other = page.changes
    assert isinstance(typed_member, dict)
    assert typed_member["data"]["balance"] == 10
    assert typed_member["data"]["phone_masked"] == "138****5678"
    assert "added_by_a_newer_server" not in typed_member["data"]
    assert isinstance(typed_coupon, dict)
    assert typed_coupon["data"]["value_cents"] == 500  # a CouponFields dict (was a model)
    assert isinstance(other, Change)
    assert other.op == "delete"
    assert page.cursor == "c9"
    assert page.more is False


@pytest.mark.parametrize(
    "body",
    [
        _page(_member(balance="lots")),  # a member upsert must not slip through as a Change
        _page(_member(member_id="not-a-uuid")),
        _page({**_member(), "version": "seven"}),
        b'{"changes": [',
        b'{"cursor": "c1", "more": false}',
    ],
)
def test_a_malformed_page_is_refused_whole_with_a_clear_error(body: bytes) -> None:
    with pytest.raises(TransientSyncError) as err:
        SyncClient.parse_changes(body)
    assert err.value.code == "bad_response"
    assert "cannot read" in str(err.value)
