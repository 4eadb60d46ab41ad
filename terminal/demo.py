"""``make demo``: a scripted console walk-through of the terminal's services.

Everything happens on a temporary replica with an in-process keyring, so the demo
touches neither your data directory nor your OS keyring.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import keyring

from shared.domain.member_code import qr_payload
from shared.domain.money import Money
from shared.errors import DomainError
from terminal.config import Argon2Params, TerminalSettings
from terminal.offline.credentials import CredentialStore, ProcessKeyring
from terminal.offline.db import Replica
from terminal.offline.pins import PinHasher
from terminal.services import MemberView, Services, build_services
from terminal.services.seed import seed_replica
from terminal.services.sync_store import SyncStore

T = TypeVar("T")


def _step(title: str) -> None:
    print(f"\n== {title}")


def _show(member: MemberView) -> None:
    print(
        f"   {member.display_name} [{member.member_code}] {member.phone_masked} tier={member.tier}"
        f" balance={member.balance} (server {member.server_balance}"
        f" + pending {member.pending_points})"
    )


def _refused(action: Callable[[], T]) -> None:
    try:
        action()
    except DomainError as exc:
        print(f"   refused [{exc.code}]: {exc.message}")
    else:  # pragma: no cover - the demo expects a refusal here
        print("   (unexpectedly accepted)")


def run(services: Services, sync: SyncStore) -> None:
    _step("Sign in")
    _refused(lambda: services.staff.sign_in("C01", "0000"))
    cashier = services.staff.sign_in("C01", "1234")
    print(f"   signed in: {cashier.name} ({cashier.role})")

    _step("Look up members")
    first = services.lookup.by_name("王").items[0]
    scanned = services.lookup.by_scan(qr_payload(first.member_code))
    print(f"   scan {qr_payload(first.member_code)} ->")
    _show(scanned)
    tail = services.lookup.by_phone_last4(scanned.phone_masked[-4:])
    print(f"   phone ending {scanned.phone_masked[-4:]}: {len(tail.items)} match(es)")
    _refused(lambda: services.lookup.by_scan("MBR:123456789012"))

    _step("Enroll a new member")
    enrolled = services.enrollment.enroll(
        cashier, name="Zoë 李", phone="138 0013 8000", email="zoe@example.com",
        consent_marketing=True,
    )  # fmt: skip
    _show(enrolled.member)
    member_id = enrolled.member.member_id

    _step("Earn points for a sale of 268.00 CNY")
    earn = services.sales.earn(cashier, member_id, amount_cents=26_800, sale_ref="T1-0001")
    print(f"   +{earn.points_delta} points")
    _show(earn.member)
    _refused(
        lambda: services.sales.earn(cashier, member_id, amount_cents=26_800, sale_ref="T1-0001")
    )

    _step("Redeem points")
    big = services.sales.earn(cashier, member_id, amount_cents=250_000, sale_ref="T1-0002")
    print(f"   a big sale earns +{big.points_delta}")
    limits = services.sales.redeem_limits(member_id, sale_amount_cents=2_000)
    print(f"   on a 20.00 sale at most {limits.max_points} points ({limits.binding_limit})")
    spent = services.sales.redeem(
        cashier, member_id, points=limits.max_points, sale_amount_cents=2_000, sale_ref="T1-0003"
    )
    value = Money(spent.value_cents or 0, "CNY").format()
    print(f"   redeemed {-spent.points_delta} points = {value}")
    print("   600 points on a 10.00 sale:")
    _refused(
        lambda: services.sales.redeem(
            cashier, member_id, points=600, sale_amount_cents=1_000, sale_ref="T1-0004"
        )
    )
    print("   1500 more points today while offline:")
    _refused(
        lambda: services.sales.redeem(
            cashier, member_id, points=1500, sale_amount_cents=100_000, sale_ref="T1-0005"
        )
    )

    _step("Redeem a coupon")
    holder = next(
        m for m in services.lookup.by_name("a").items if services.lookup.coupons(m.member_id)
    )
    coupon = services.lookup.coupons(holder.member_id)[0]
    used = services.sales.redeem_coupon(
        cashier, holder.member_id, coupon_id=coupon.coupon_id, sale_ref="T1-0006"
    )
    print(f"   {coupon.title} used by {holder.display_name}")
    _refused(lambda: services.sales.redeem_coupon(
        cashier, holder.member_id, coupon_id=coupon.coupon_id, sale_ref="T1-0007"))  # fmt: skip

    _step("Void with a manager")
    _refused(lambda: services.manager.void(cashier, earn.event_id, reason="wrong member"))
    manager = services.staff.approve("M01", "999999")
    void = services.manager.void(manager, earn.event_id, reason="wrong member")
    print(f"   {manager.name} voided the first sale: {void.points_delta} points")
    services.manager.void(manager, used.event_id, reason="coupon scanned twice")
    print(f"   coupon is {services.lookup.coupons(holder.member_id)[0].status} again")
    _show(void.member)

    _step("Outbox (nothing has reached the server yet)")
    summary = services.activity.outbox()
    print(
        f"   pending={summary.pending} acknowledged={summary.acknowledged} rejected={summary.rejected}"
    )
    for event in reversed(services.activity.recent(limit=8)):
        print(f"   #{event.seq:<3} {event.type:<16} {event.points_delta:+6d}  {event.status}")

    _step("Pretend the server accepted the batch")
    batch = sync.pending_batch()
    sync.apply_push_results([{"event_id": e["event_id"], "status": "accepted"} for e in batch])
    summary = services.activity.outbox()
    print(f"   pushed {len(batch)}: pending={summary.pending} acknowledged={summary.acknowledged}")
    _show(services.lookup.member(member_id))


def main() -> None:
    keyring.set_keyring(ProcessKeyring())
    with tempfile.TemporaryDirectory(prefix="pos-demo-") as tmp:
        settings = TerminalSettings(
            data_dir=Path(tmp),
            keyring_service="pos-terminal-demo",
            argon2=Argon2Params(time_cost=2, memory_cost_kib=19_456, parallelism=1),
        )
        print(f"Temporary replica: {settings.replica_path}")
        with Replica(settings.replica_path) as replica:
            credentials = CredentialStore(settings.keyring_service)
            params = settings.argon2
            seed_replica(
                replica,
                credentials,
                PinHasher(
                    time_cost=params.time_cost,
                    memory_cost_kib=params.memory_cost_kib,
                    parallelism=params.parallelism,
                ),
                members=30,
            )
            run(build_services(replica, settings, credentials=credentials), SyncStore(replica))
    print("\nDone.")


if __name__ == "__main__":
    main()
