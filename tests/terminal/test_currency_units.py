"""A till in a Hong Kong dollar store earns and redeems at the rates head office set for
HKD (``LoyaltyProgram.currencies``), on the durable earn's fast path (no promotions),
on the promoted path and in the preview: the shared function with the store's currency."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.domain.program import DEFAULT_PROGRAM, CurrencyUnits, LoyaltyProgram
from shared.errors import RuleViolation
from shared.protocol import StoreSettings
from terminal.offline.credentials import CredentialStore
from terminal.offline.db import Replica
from terminal.offline.pins import PinHasher
from terminal.services import build_services
from terminal.services.seed import seed_replica
from terminal.services.sync_store import SyncStore
from tests.terminal.conftest import FakeClock, make_settings

HKD = CurrencyUnits(
    earn_unit_cents=1_000,
    points_per_unit=9,
    redeem_points_unit=100,
    redeem_value_cents_per_unit=110,
)
GIFT = {"code": "gift", "name": "Gift", "kind": "bonus", "bonus_points": 50, "stacks": True}


def program_with(promotions: list[dict[str, object]]) -> LoyaltyProgram:
    body = DEFAULT_PROGRAM.model_dump(mode="json")
    return LoyaltyProgram.model_validate(
        {**body, "currencies": {"HKD": HKD.model_dump()}, "promotions": promotions}
    )


@pytest.mark.parametrize("promotions", [[], [GIFT]], ids=["fast path", "promoted"])
def test_an_hkd_store_earns_and_redeems_at_the_hkd_rates(
    tmp_path: Path, promotions: list[dict[str, object]]
) -> None:
    program = program_with(promotions)
    settings = make_settings(tmp_path)
    credentials = CredentialStore(settings.keyring_service)
    with Replica(settings.replica_path) as replica:
        seed = seed_replica(
            replica,
            credentials,
            PinHasher(time_cost=1, memory_cost_kib=8, parallelism=1),
            members=3,
            store=StoreSettings(
                store_code="H001", name="Causeway Bay", currency="HKD", timezone="Asia/Hong_Kong"
            ),
            program=program,
        )
        clock = FakeClock(datetime(2026, 3, 10, 4, 0, tzinfo=UTC))
        SyncStore(replica, clock=clock).set_online(True)  # no offline daily cap
        services = build_services(replica, settings, clock=clock, credentials=credentials)
        cashier = services.staff.sign_in("C01", "1234")
        member = services.lookup.member(seed.members[0].member_id)
        lifetime = member.lifetime_points
        bonus = 50 if promotions else 0
        expected = program.points_for_sale(12_800, lifetime, "HKD") + bonus
        at_cny_rates = program.points_for_sale(12_800, lifetime) + bonus
        assert expected != at_cny_rates  # 9 pts per HK$10, not 1 per ¥1
        assert services.sales.earn_preview(member.member_id, 12_800) == expected
        receipt = services.sales.earn(
            cashier, member.member_id, amount_cents=12_800, sale_ref="HK-1"
        )
        assert receipt.points_delta == expected
        services.sales.earn(
            cashier, member.member_id, amount_cents=10_000_000, sale_ref="HK-2"
        )  # enough points for what follows
        limits = services.sales.redeem_limits(member.member_id, sale_amount_cents=10_000)
        # half of HK$100 at HK$1.10 per 100 pts: 4,545 pts, not the program's own 5,000
        assert (limits.binding_limit, limits.max_points) == ("exceeds_sale_cap", 4_545)
        assert limits.max_value_cents == 4_999
        with pytest.raises(RuleViolation) as caught:
            services.sales.redeem(
                cashier, member.member_id, points=4_600, sale_amount_cents=10_000, sale_ref="HK-3"
            )
        assert caught.value.code == "exceeds_sale_cap"  # HK$50.60: over half of HK$100
        receipt = services.sales.redeem(
            cashier, member.member_id, points=4_545, sale_amount_cents=10_000, sale_ref="HK-4"
        )
        assert receipt.value_cents == 4_999
