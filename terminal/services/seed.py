"""A ready-to-use replica for tests, the demo and the benchmark.

It plays what pairing and a first pull would do: store settings, terminal identity,
the phone key in the keyring, the program, staff with PINs and some members (as the
server would send them: no full phone number at rest).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from uuid import UUID

from shared.domain.member_code import next_member_code
from shared.domain.money import Money
from shared.domain.phone import phone_last4, phone_slow_hash
from shared.domain.program import DEFAULT_PROGRAM, LoyaltyProgram
from shared.ids import uuid7
from shared.protocol import Change, StoreSettings
from terminal.offline.credentials import CredentialStore
from terminal.offline.db import Replica
from terminal.offline.pins import PinHasher
from terminal.services.sync_store import SyncStore

HEAD_OFFICE_PREFIX = "800000"  # stands in for head office's own prefix
DEMO_PHONE_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


@dataclass(frozen=True, slots=True)
class SeedStaff:
    staff_code: str
    pin: str
    role: str
    name: str


@dataclass(frozen=True, slots=True)
class SeedMember:
    member_id: str
    member_code: str
    name: str
    phone: str
    balance: int


DEFAULT_STAFF = (
    SeedStaff("C01", "1234", "cashier", "Li Na"),
    SeedStaff("C02", "2345", "cashier", "Chen Wei"),
    SeedStaff("M01", "999999", "manager", "Wang Fang"),
)
DEMO_NAMES = ("Zhang Wei", "王芳", "Li Qiang", "刘洋", "Chen Jing", "Anna Müller", "Ólafur")


@dataclass(slots=True)
class SeedResult:
    terminal_id: str
    store_code: str
    member_code_prefix: str
    staff: dict[str, str] = field(default_factory=dict)  # staff_code -> staff_id
    members: list[SeedMember] = field(default_factory=list)
    coupons: dict[str, str] = field(default_factory=dict)  # coupon_id -> member_id


def seed_replica(
    replica: Replica,
    credentials: CredentialStore,
    hasher: PinHasher,
    *,
    members: int = 5,
    store: StoreSettings | None = None,
    prefix: str = "100001",
    program: LoyaltyProgram = DEFAULT_PROGRAM,
    staff: tuple[SeedStaff, ...] = DEFAULT_STAFF,
    phone_key_hex: str = DEMO_PHONE_KEY,
    terminal_id: UUID | None = None,
    rng_seed: int = 7,
) -> SeedResult:
    store = store or StoreSettings(store_code="S001", name="Downtown")
    sync = SyncStore(replica)
    tid = str(terminal_id or uuid7())
    sync.set_identity(terminal_id=tid, store_code=store.store_code, member_code_prefix=prefix)
    sync.save_store_settings(store)
    credentials.set_phone_hash_key(phone_key_hex)
    credentials.set_token("seed-token-" + tid)
    key = credentials.phone_hash_key()
    result = SeedResult(terminal_id=tid, store_code=store.store_code, member_code_prefix=prefix)

    changes: list[Change] = [
        Change(
            entity="program",
            op="upsert",
            id=str(program.rule_version),
            version=1,
            data=program.model_dump(mode="json"),
        ),
    ]
    for person in staff:
        staff_id = str(uuid7())
        result.staff[person.staff_code] = staff_id
        changes.append(Change(entity="staff", op="upsert", id=staff_id, version=1, data={
            "staff_id": staff_id, "staff_code": person.staff_code, "name": person.name,
            "role": person.role, "pin_hash": hasher.hash(person.pin),
        }))  # fmt: skip
    rng = random.Random(rng_seed)
    counter = 1
    for index in range(1, members + 1):
        member_id = str(uuid7())
        phone = f"+86139{index:08d}"
        name = f"{DEMO_NAMES[index % len(DEMO_NAMES)]} {index}"
        balance = rng.randrange(0, 40) * 100
        code, counter = next_member_code(HEAD_OFFICE_PREFIX, counter)
        result.members.append(SeedMember(member_id, code, name, phone, balance))
        changes.append(Change(entity="member", op="upsert", id=member_id, version=1, data={
            "member_id": member_id, "member_code": code, "display_name": name,
            "phone_last4": phone_last4(phone), "phone_hash": "",
            "phone_slow_hash": phone_slow_hash(key, phone), "tier": "member", "balance": balance,
            "lifetime_points": balance, "status": "active",
        }))  # fmt: skip
        if index % 2 == 1:
            coupon_id = str(uuid7())
            result.coupons[coupon_id] = member_id
            changes.append(Change(entity="coupon", op="upsert", id=coupon_id, version=1, data={
                "coupon_id": coupon_id, "member_id": member_id, "title": f"{Money(1000, store.currency).format()} off",
                "value_cents": 1000, "currency": store.currency, "status": "available",
            }))  # fmt: skip
    sync.apply_changes(changes)
    return result
