"""Data as the release before migration s11c wrote it (raw rows: today's services write
columns that schema lacks): members whose change-log data carries the fast HMAC and the
first digits, staff whose changes reach every terminal."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import MetaData, insert, text

from shared.domain.member_code import mint_member_code
from sync_server.db import Database
from sync_server.migrate import alembic_config


def server_at(database: Database, revision: str) -> None:
    """Create the schema up to ``revision`` only."""
    config = alembic_config()
    with database.write_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def seed_before_s11c(database: Database, members: int) -> dict[str, str]:
    """The deployment, stores S001 and S002, ``members`` members of S001 and one manager
    of each store; returns member id -> E.164 phone."""
    now = datetime.now(UTC).replace(tzinfo=None)
    phones: dict[str, str] = {}
    key = secrets.token_bytes(32)
    with database.write_engine.begin() as conn:
        meta = MetaData()
        meta.reflect(conn, only=["members", "changes", "staff", "deployment", "stores"])
        conn.execute(text("INSERT INTO sync_counter (id, value, purged_through) VALUES (1, 0, 0)"))
        conn.execute(
            insert(meta.tables["deployment"]).values(
                id=1, phone_hash_key=key.hex(), head_office_prefix="100000", created_at=now
            )
        )
        for code in ("S001", "S002"):
            conn.execute(
                insert(meta.tables["stores"]).values(
                    code=code, name=code, currency="CNY", timezone="Asia/Shanghai",
                    phone_region="CN", language="zh_CN", closing_time="23:00", created_at=now,
                )
            )  # fmt: skip
        count = members + 2
        conn.execute(text("UPDATE sync_counter SET value = value + :n"), {"n": count})
        top = int(conn.execute(text("SELECT value FROM sync_counter")).scalar_one())
        version = top - count
        for index in range(members):
            version += 1
            member_id, phone = str(uuid.uuid4()), f"+861380013{index:04d}"
            phones[member_id] = phone
            row = {
                "id": member_id, "member_code": mint_member_code("100000", index + 1),
                "name": f"Member {index}", "phone_e164": phone,
                "phone_hash": hmac.new(key, phone.encode(), hashlib.sha256).hexdigest(),
                "phone_last4": phone[-4:], "phone_masked": phone[3:6] + "****" + phone[-4:],
                "email": None, "birthday": None, "consent_marketing": False, "balance": 0,
                "lifetime_points": 0, "tier": "member", "status": "active", "version": version,
                "store_code": "S001", "enrolled_at": now, "updated_at": now,
            }  # fmt: skip
            conn.execute(insert(meta.tables["members"]).values(row))
            data = {
                "member_id": member_id, "member_code": row["member_code"],
                "display_name": row["name"], "phone_last4": row["phone_last4"],
                "phone_hash": row["phone_hash"], "tier": "member", "balance": 0,
                "lifetime_points": 0, "status": "active", "phone_masked": row["phone_masked"],
            }  # fmt: skip
            conn.execute(
                insert(meta.tables["changes"]).values(
                    entity="member", entity_id=member_id, version=version, op="upsert",
                    data=json.dumps(data), changed_at=now,
                )
            )  # fmt: skip
        for code, store in (("M101", "S001"), ("M202", "S002")):
            version += 1
            staff = {
                "id": str(uuid.uuid4()), "staff_code": code, "name": code, "role": "manager",
                "pin_hash": "$argon2id$old", "active": True, "store_code": store,
            }  # fmt: skip
            conn.execute(insert(meta.tables["staff"]).values(version=version, **staff))
            staff = dict(staff)
            conn.execute(
                insert(meta.tables["changes"]).values(
                    entity="staff", entity_id=staff["id"], version=version, op="upsert",
                    data=json.dumps({"staff_id": staff.pop("id"), **staff}), changed_at=now,
                )
            )  # fmt: skip
    return phones
