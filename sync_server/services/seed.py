"""Demo data: realistic members (Chinese and English names, +86 mobiles), coupons, staff."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shared.domain.member_code import mint_member_code
from shared.domain.phone import phone_hash, phone_slow_hash
from shared.domain.program import LoyaltyProgram
from sync_server.db import Database
from sync_server.repositories import catalog
from sync_server.repositories import changes as changes_repo
from sync_server.repositories import events as events_repo
from sync_server.repositories import members as members_repo
from sync_server.services.common import (
    coupon_data,
    dumps,
    member_data,
    server_event,
    utcnow,
)
from sync_server.services.phone_backfill import PhoneLookupHash, slow_hash_many

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢岳齐梅莫庄辛管祝左涂谷祁时舒耿牟卜路詹关苗凌费纪靳盛童欧甄项曲成游阳裴席卫查屈鲍位覃霍翁隋植甘景薄单包司柏宁柯阮桂闵欧阳解强丰"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英玉兰萍毅浩宇轩然欣怡子涵梓萱一诺雨桐思远嘉怡俊杰晨曦佳琪浩然文博雅婷志强海燕丹丹建华晓明"
FIRST = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Susan",
    "Richard",
    "Jessica",
    "Joseph",
    "Sarah",
    "Thomas",
    "Karen",
    "Charles",
    "Lisa",
    "Daniel",
    "Nancy",
    "Matthew",
    "Emily",
    "Anthony",
    "Olivia",
    "Kevin",
    "Grace",
    "Jason",
    "Chloe",
    "Eric",
    "Sophie",
    "Alex",
    "Hannah",
    "Ryan",
    "Amy",
    "Leo",
    "Lucy",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Martin",
    "Jackson",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Campbell",
    "Mitchell",
    "Roberts",
    "Carter",
    "Phillips",
    "Evans",
]
MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
]

DEMO_STAFF = (
    ("M001", "王芳", "manager", "123456"),  # names only: the till labels the role
    ("C001", "李娜", "cashier", "1111"),
    ("C002", "Cashier Tom Chen", "cashier", "2222"),
)


# Benchmarks that seed a million members: the slow hash would take hours there, and what
# they measure (pull, apply, replica size) needs only its size: 64 hex characters.
SAME_SIZE_STAND_IN: PhoneLookupHash = phone_hash


@dataclass
class SeedReport:
    members: int = 0
    coupons: int = 0
    staff: list[dict[str, str]] = field(default_factory=list)


def _name(rng: random.Random) -> str:
    if rng.random() < 0.75:
        given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        return rng.choice(SURNAMES) + given
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


# Demo coupons: each title states exactly what the coupon takes off (coupons carry a
# value, no minimum spend, so no title promises one).
DEMO_COUPONS: tuple[tuple[str, int], ...] = (
    ("减10元 ¥10 off", 1000),
    ("生日礼券减20元 Birthday ¥20 off", 2000),
    ("咖啡券减5元 Coffee ¥5 off", 500),
)


class SeedService:
    def __init__(self, database: Database) -> None:
        self.database = database

    def seed(
        self,
        members: int = 3000,
        *,
        store_code: str = "S001",
        coupons_every: int = 10,
        opening_events: bool = True,
        with_staff: bool = True,
        chunk: int = 5000,
        rng_seed: int = 20240501,
        phone_lookup: PhoneLookupHash | None = phone_slow_hash,
    ) -> SeedReport:
        """``phone_lookup`` computes each member's ``phone_slow_hash`` (argon2id, tens of
        ms per member on every core); None leaves it empty (tills then find those members
        by last 4 digits and name only, as before ``sync-server phones backfill``)."""
        rng = random.Random(rng_seed)
        report = SeedReport()
        with self.database.read() as session:
            deployment = catalog.deployment(session)
            assert deployment is not None
            key = bytes.fromhex(deployment.phone_hash_key)
            prefix = deployment.head_office_prefix
            start = members_repo.max_code_counter(session, prefix) + 1
            row = catalog.get_program(session, catalog.latest_program_version(session))
            assert row is not None
            program = LoyaltyProgram.model_validate_json(row.body)
        used_phones: set[str] = set()
        now = utcnow()
        for first in range(0, members, chunk):
            count = min(chunk, members - first)
            made = [
                self._member(
                    rng, key, prefix, start + first + i, program, now, used_phones, store_code
                )
                for i in range(count)
            ]
            if phone_lookup is not None:
                slow = slow_hash_many(key, [m["phone_e164"] for m in made], phone_lookup)
                for member in made:
                    member["phone_slow_hash"] = slow[member["phone_e164"]]
            report.coupons += self._write_chunk(made, rng, coupons_every, opening_events, now)
            report.members += count
        if with_staff:
            report.staff = self._staff(store_code)
        return report

    @staticmethod
    def _member(
        rng: random.Random,
        key: bytes,
        prefix: str,
        counter: int,
        program: LoyaltyProgram,
        now: datetime,
        used: set[str],
        store_code: str,
    ) -> dict[str, Any]:
        while True:
            national = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if national not in used:
                used.add(national)
                break
        e164 = "+86" + national
        lifetime = rng.choice(
            (0, 0, rng.randrange(50, 900), rng.randrange(900, 6000), rng.randrange(5000, 20000))
        )
        balance = rng.randrange(0, lifetime + 1) if lifetime else 0
        enrolled = now - timedelta(days=rng.randrange(1, 1000))
        return {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "member_code": mint_member_code(prefix, counter),
            "name": _name(rng),
            "phone_e164": e164,
            "phone_hash": phone_hash(key, e164),
            "phone_last4": national[-4:],
            "phone_masked": national[:3] + "****" + national[-4:],
            "phone_slow_hash": "",
            "email": None,
            "birthday": None,
            "consent_marketing": rng.random() < 0.5,
            "balance": balance,
            "lifetime_points": lifetime,
            "tier": program.tier_for(lifetime).code,
            "status": "active",
            "version": 0,
            "store_code": store_code,
            "enrolled_at": enrolled,
            "updated_at": now,
        }

    def _write_chunk(
        self,
        made: list[dict[str, Any]],
        rng: random.Random,
        coupons_every: int,
        opening_events: bool,
        now: datetime,
    ) -> int:
        coupons = []
        if coupons_every:
            for member in made[::coupons_every]:
                title, value_cents = rng.choice(DEMO_COUPONS)
                coupons.append(
                    {
                        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        "member_id": member["id"],
                        "title": title,
                        "value_cents": value_cents,
                        "currency": "CNY",
                        "expires_at": now + timedelta(days=rng.randrange(10, 365)),
                        "status": "available",
                        "redeemed_event_id": None,
                        "version": 0,
                        "created_at": now,
                    }
                )
        with self.database.write() as session:
            total = len(made) + len(coupons)
            base = changes_repo.allocate_versions(session, total)
            rows = []
            for index, member in enumerate(made):
                member["version"] = base + index
                rows.append(("member", member["id"], member["version"], dumps(member_data(member))))
            for index, coupon in enumerate(coupons):
                coupon["version"] = base + len(made) + index
                rows.append(("coupon", coupon["id"], coupon["version"], dumps(coupon_data(coupon))))
            ledger = [
                self._opening(m, rng, now) for m in made if opening_events and m["balance"] > 0
            ]
            members_repo.insert_many(session, made)
            catalog.insert_coupons(session, coupons)
            events_repo.insert_many(session, ledger)
            changes_repo.upsert_changes(
                session,
                [
                    {
                        "entity": e,
                        "entity_id": i,
                        "version": v,
                        "op": "upsert",
                        "data": d,
                        "changed_at": now,
                    }
                    for e, i, v, d in rows
                ],
            )
        return len(coupons)

    @staticmethod
    def _opening(member: dict[str, Any], rng: random.Random, now: datetime) -> dict[str, Any]:
        event_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        occurred = now - timedelta(days=rng.randrange(1, 900))
        data = {"points": member["balance"], "reason": "demo opening balance"}
        return server_event(
            event_id,
            "points.adjusted",
            member["id"],
            data,
            occurred,
            now,
            member,
            points_delta=member["balance"],
        )

    def _staff(self, store_code: str) -> list[dict[str, str]]:
        from sync_server.services.admin import AdminService

        admin = AdminService(self.database)
        with self.database.read() as session:
            existing = catalog.staff_codes(session)
            store_exists = catalog.get_store(session, store_code) is not None
        if not store_exists:  # staff reach the tills of their store only: it must exist
            admin.add_store(store_code, "Downtown 市中心店")
        made = []
        for code, name, role, pin in DEMO_STAFF:
            if code not in existing:
                admin.add_staff(code, name, role, pin, store_code)
            made.append({"staff_code": code, "name": name, "role": role, "pin": pin})
        return made
