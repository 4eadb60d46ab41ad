"""Sales as returns see them: the ledger rows of a receipt number, and the returns of
each sale (table ``sale_returns``)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from sync_server.models import LedgerEvent, Member, SaleReturn, Terminal, table_of
from sync_server.repositories import bulk

_E = table_of(LedgerEvent).c
_R = table_of(SaleReturn).c
SALE_TYPES = ("points.earned", "points.redeemed", "coupon.redeemed")
RETURN_COLUMNS = (
    "event_id",
    "sale_event_id",
    "redeemed_event_id",
    "member_id",
    "terminal_id",
    "accepted_cents",
    "excess_cents",
    "points_taken",
    "points_given",
    "coupon_restored",
    "occurred_at",
)


def returned_cents(session: Session, event_ids: Collection[str]) -> dict[str, int]:
    """How much of the sale of each of these events (its key event, or its redemption
    when that is another event) accepted returns have taken back so far."""
    if not event_ids:
        return {}
    ids = sorted(event_ids)
    by_sale = (
        select(_R.sale_event_id.label("key"), func.sum(_R.accepted_cents).label("cents"))
        .where(_R.sale_event_id.in_(ids))
        .group_by(_R.sale_event_id)
    )
    by_redemption = (
        select(_R.redeemed_event_id.label("key"), func.sum(_R.accepted_cents).label("cents"))
        .where(_R.redeemed_event_id.in_(ids))
        .group_by(_R.redeemed_event_id)
    )
    found: dict[str, int] = {}
    for key, total in session.execute(by_sale.union_all(by_redemption)):
        found[str(key)] = found.get(str(key), 0) + int(total or 0)
    return found


def insert_returns(session: Session, rows: Sequence[Sequence[Any]]) -> None:
    bulk.insert_tuples(session, table_of(SaleReturn), RETURN_COLUMNS, rows)


def events_of_receipt(session: Session, sale_ref: str, limit: int) -> Sequence[Row[Any]]:
    """The accepted earn, redemption and coupon rows carrying this receipt number (any
    store), with their member's code and name and their terminal's store."""
    member_table, terminal_table = table_of(Member), table_of(Terminal)
    members, terminals = member_table.c, terminal_table.c
    statement = (
        select(
            _E.event_id,
            _E.type,
            _E.member_id,
            _E.terminal_id,
            _E.occurred_at,
            _E.points_delta,
            _E.voided_by,
            _E.payload,
            members.member_code,
            members.name,
            terminals.store_code,
        )
        .join(member_table, members.id == _E.member_id)
        .outerjoin(terminal_table, terminals.id == _E.terminal_id)
        .where(_E.sale_ref == sale_ref, _E.type.in_(SALE_TYPES), _E.status == "accepted")
        .order_by(_E.occurred_at, _E.event_id)
        .limit(limit)
    )
    return list(session.execute(statement))


def store_events(
    session: Session, store_code: str, since: datetime, until: datetime
) -> Sequence[Row[Any]]:
    """The accepted events of a store's tills that occurred in [since, until)."""
    terminals = table_of(Terminal)
    returns = table_of(SaleReturn)
    statement = (
        select(
            _E.type,
            _E.terminal_id,
            _E.occurred_at,
            _E.points_delta,
            _E.voided_by,
            _E.payload,
            returns.c.accepted_cents,
        )
        .join(terminals, terminals.c.id == _E.terminal_id)
        .outerjoin(returns, returns.c.event_id == _E.event_id)
        .where(
            terminals.c.store_code == store_code,
            _E.status == "accepted",
            _E.occurred_at >= since,
            _E.occurred_at < until,
        )
    )
    return list(session.execute(statement))
