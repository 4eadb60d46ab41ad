"""A redemption made offline says so: the server re-checks the offline daily cap."""

from __future__ import annotations

from tests.terminal.conftest import Till


def redeemed_data(till: Till) -> dict[str, object]:
    return [e for e in till.sync.pending_batch() if e["type"] == "points.redeemed"][-1]["data"]


def test_offline_and_online_redemptions(till: Till) -> None:
    rich = max(till.seed.members, key=lambda m: m.balance)
    cashier = till.cashier()
    till.services.sales.redeem(
        cashier, rich.member_id, points=100, sale_amount_cents=10_000, sale_ref="R-1"
    )
    assert redeemed_data(till)["offline"] is True
    till.sync.set_online(True)
    till.services.sales.redeem(
        cashier, rich.member_id, points=100, sale_amount_cents=10_000, sale_ref="R-2"
    )
    assert "offline" not in redeemed_data(till)
