"""Stores, programs, coupons, staff, the deployment row and the server keys."""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.orm import Session

from shared.domain import program_schedule
from shared.domain.program_schedule import Rollout
from sync_server.models import (
    Coupon,
    DayClose,
    Deployment,
    Program,
    ProgramRollout,
    ServerKey,
    Staff,
    Store,
    SyncCounter,
    Terminal,
    table_of,
)
from sync_server.repositories import bulk, dashboard, direct, lite
from sync_server.repositories.changes import Stamp


def deployment(session: Session) -> Deployment | None:
    return session.get(Deployment, 1)


def server_key(session: Session, name: str) -> bytes:
    row = session.get(ServerKey, name)
    if row is None:
        raise RuntimeError(f"server key {name!r} is missing: run `sync-server migrate`")
    return bytes.fromhex(row.value)


def counter_exists(session: Session) -> bool:
    return session.get(SyncCounter, 1) is not None


def get_store(session: Session, code: str) -> Store | None:
    return session.get(Store, code)


def live_terminal_count(session: Session, store_code: str) -> int:
    """Terminals of the store that are not revoked."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Terminal)
            .where(Terminal.store_code == store_code, Terminal.revoked_at.is_(None))
        )
        or 0
    )


def list_stores(session: Session) -> list[Store]:
    return list(session.execute(select(Store).order_by(Store.code)).scalars())


def programs(session: Session) -> list[Program]:
    return list(session.execute(select(Program).order_by(Program.rule_version)).scalars())


def program_change_id(rule_version: int, store_code: str) -> str:
    """The change-log key of a version's roll-out to one store (every store: the rule
    version alone, as before staged roll-outs)."""
    return f"{rule_version}@{store_code}"


def rollouts(session: Session, store_code: str | None = None) -> list[Rollout]:
    """Every program roll-out (``store_code``: only those reaching that store), oldest
    first; a published version without one counts as published everywhere at once."""
    statement = select(
        ProgramRollout.rule_version, ProgramRollout.effective_from, ProgramRollout.store_code
    ).order_by(ProgramRollout.id)
    if store_code is not None:
        statement = statement.where(
            ProgramRollout.store_code.is_(None) | (ProgramRollout.store_code == store_code)
        )
    found = [Rollout(row[0], row[1], row[2]) for row in session.execute(statement)]
    # A version written without a roll-out (the bootstrap's first program, a seed) was
    # published as before roll-outs existed: to every store, at once.
    bare = session.execute(
        select(Program.rule_version)
        .where(
            ~select(ProgramRollout.id)
            .where(ProgramRollout.rule_version == Program.rule_version)
            .exists()
        )
        .order_by(Program.rule_version)
    ).scalars()
    return [Rollout(v) for v in bare] + found


def add_rollout(
    session: Session,
    rule_version: int,
    store_code: str | None,
    effective_from: datetime | None,
    now: datetime,
    actor: str,
) -> None:
    session.add(
        ProgramRollout(
            rule_version=rule_version,
            store_code=store_code,
            effective_from=effective_from,
            created_at=now,
            created_by=actor[:100],
        )
    )


def program_version_in_force(session: Session, at: datetime) -> int:
    """The rule version in force for the whole chain at ``at`` (roll-outs to every
    store only; staged and scheduled versions wait); the latest if none has started."""
    chain = [r for r in rollouts(session) if r.store_code is None]
    return program_schedule.in_force(chain, at) or latest_program_version(session)


def latest_program_version(session: Session) -> int:
    return int(
        session.execute(select(func.coalesce(func.max(Program.rule_version), 0))).scalar_one()
    )


@dataclass(frozen=True)
class PushContext:
    store_code: str
    revoked: bool
    watermark: int
    max_seq: int
    phone_region: str
    timezone: str
    closing_time: str
    phone_hash_key: str
    latest_program: int
    currency: str = "CNY"
    rollout_mark: int = 0  # how many program roll-outs exist: rises with every roll-out


@functools.cache
def _push_context_statement() -> Any:
    terminals, stores, deployments = table_of(Terminal), table_of(Store), table_of(Deployment)
    # Core columns only (no ORM entity): an ORM-enabled statement pays the ORM's
    # execution path on every push.
    programs = table_of(Program)
    latest = select(func.coalesce(func.max(programs.c.rule_version), 0)).scalar_subquery()
    rollout_rows = table_of(ProgramRollout)
    # How many roll-outs are committed: never deleted, so it rises with each one (an id
    # could commit out of order on PostgreSQL, a count cannot).
    rollout_mark = select(func.count(rollout_rows.c.id)).scalar_subquery()
    return (
        select(
            terminals.c.store_code,
            terminals.c.revoked_at,
            terminals.c.watermark,
            terminals.c.max_seq,
            stores.c.phone_region,
            stores.c.timezone,
            stores.c.closing_time,
            deployments.c.phone_hash_key,
            latest,
            stores.c.currency,
            rollout_mark,
        )
        .select_from(
            terminals.join(stores, stores.c.code == terminals.c.store_code).join(
                deployments, deployments.c.id == 1
            )
        )
        .where(terminals.c.id == bindparam("terminal_id"))
        .with_for_update(of=terminals)
    )


def push_context(session: Session, terminal_id: str) -> PushContext | None:
    """What a push needs besides its rows, in one statement: the terminal's row (locked
    FOR UPDATE: pushes of one terminal run one at a time), its store's phone region and
    business day, the deployment's phone hash key, the latest program version and how
    many program roll-outs exist (``rollout_mark``: cached roll-outs are current while it
    is unchanged)."""
    if bulk.is_postgres(session):
        found = direct.rows(session, _push_context_statement(), terminal_id=terminal_id)
        row = found[0] if found else None
    else:
        sql, params = lite.compiled(session, _push_context_statement(), terminal_id=terminal_id)
        found = lite.rows(session, sql, params)
        row = found[0] if found else None
    if row is None:
        return None
    return PushContext(
        store_code=row[0],
        revoked=row[1] is not None,
        watermark=int(row[2]),
        max_seq=int(row[3]),
        phone_region=row[4],
        timezone=row[5],
        closing_time=row[6],
        phone_hash_key=row[7],
        latest_program=int(row[8]),
        currency=row[9],
        rollout_mark=int(row[10]),
    )


def get_program(session: Session, rule_version: int) -> Program | None:
    return session.get(Program, rule_version)


def lock_coupon_rows(session: Session, coupon_ids: Collection[str]) -> Sequence[Row[Any]]:
    """Rows of these coupons, locked FOR UPDATE in id order."""
    return bulk.lock_by_id(session, table_of(Coupon), coupon_ids)


def update_coupons(
    session: Session, rows: Sequence[dict[str, Any]], *, version: bool = True
) -> None:
    """``version=False``: leave ``version`` to ``changes.stamp_versions``."""
    columns = ("status", "redeemed_event_id") + (("version",) if version else ())
    bulk.update_rows(session, table_of(Coupon), "id", columns, rows)


def update_coupon_rows(
    session: Session, rows: Sequence[Sequence[Any]], *, with_version: bool
) -> None:
    """(id, status, redeemed_event_id[, version]) of coupons."""
    columns = ("status", "redeemed_event_id") + (("version",) if with_version else ())
    bulk.update_tuples(session, table_of(Coupon), "id", columns, rows)


def coupon_version_stamp(slots: dict[str, int]) -> Stamp:
    """Coupons whose ``version`` becomes ``base + slot`` (``changes.stamp_versions``)."""
    return Stamp(table_of(Coupon), slots)


def coupon_code_taken(session: Session, code: str) -> bool:
    return session.scalar(select(Coupon.id).where(Coupon.code == code).limit(1)) is not None


def insert_coupons(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert coupons and count them in the dashboard's roll-up (same transaction)."""
    bulk.insert_rows(session, table_of(Coupon), rows)
    dashboard.coupons_issued(session, rows)


def insert_staff(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(table_of(Staff).insert(), list(rows))


def get_staff_by_code(session: Session, staff_code: str) -> Staff | None:
    return session.execute(select(Staff).where(Staff.staff_code == staff_code)).scalar_one_or_none()


def staff_by_ids(session: Session, staff_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """id -> role, active, store_code of these staff (ids not on file are absent)."""
    if not staff_ids:
        return {}
    ids = sorted(staff_ids)
    if not bulk.is_postgres(session):
        sql = f"SELECT id, role, active, store_code FROM staff WHERE id IN ({lite.marks(len(ids))})"  # noqa: S608  (? marks only)
        return {
            str(r[0]): {"id": r[0], "role": r[1], "active": bool(r[2]), "store_code": r[3]}
            for r in lite.rows(session, sql, ids)
        }
    return {
        str(r[0]): {"id": r[0], "role": r[1], "active": r[2], "store_code": r[3]}
        for r in direct.rows(session, _staff_statement(), ids=ids)
    }


@functools.cache
def _staff_statement() -> Any:
    table = table_of(Staff)
    return select(table.c.id, table.c.role, table.c.active, table.c.store_code).where(
        direct.any_of(table.c.id, "ids")
    )


def staff_codes(session: Session) -> set[str]:
    return set(session.execute(select(Staff.staff_code)).scalars())


def get_day_close(session: Session, terminal_id: str, business_date: Any) -> DayClose | None:
    return session.get(DayClose, (terminal_id, business_date))
