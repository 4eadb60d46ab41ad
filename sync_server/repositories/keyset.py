"""Keyset paging for the console's lists: a page continues after the last row's sort
key (``WHERE (a, b) > (:a, :b) ORDER BY a, b LIMIT n``), never with OFFSET, so page
10,000 costs what page 1 costs when an index covers (a, b).

The cursor is the last row's key as URL-safe text; it is only ever bound as a query
parameter, and a cursor that does not decode to the key's types is refused.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, tuple_
from sqlalchemy.orm import Session

from sync_server.errors import BadRequest

T = TypeVar("T")
AnySelect = Select[*tuple[Any, ...]]
PAGE_SIZE = 50


class InvalidCursor(BadRequest):
    code = "invalid_cursor"


@dataclass(frozen=True)
class Order:
    """The sort key: columns whose values together are unique (the last one unique),
    each of kind ``str``, ``int`` or ``datetime``."""

    columns: tuple[Any, ...]  # columns or SQL expressions
    kinds: tuple[type, ...]


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    next_cursor: str | None


def encode(values: Sequence[Any]) -> str:
    plain = [v.astimezone(UTC).isoformat() if isinstance(v, datetime) else v for v in values]
    text = json.dumps(plain, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def decode(cursor: str, kinds: Sequence[type]) -> tuple[Any, ...]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError("shape")
        out: list[Any] = []
        for value, kind in zip(values, kinds, strict=True):
            if kind is datetime:
                moment = datetime.fromisoformat(str(value))
                out.append(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
            elif (kind is int and isinstance(value, int) and not isinstance(value, bool)) or (
                kind is str and isinstance(value, str)
            ):
                out.append(value)
            else:
                raise ValueError("kind")
        return tuple(out)
    except (ValueError, UnicodeError, binascii.Error, json.JSONDecodeError):
        raise InvalidCursor("This page link is out of date; start from the first page.") from None


def after(query: AnySelect, order: Order, cursor: str | None, descending: bool) -> AnySelect:
    """``query`` ordered by the key, starting after ``cursor``."""
    key = tuple_(*order.columns) if len(order.columns) > 1 else order.columns[0]
    if cursor:
        values = decode(cursor[:1000], order.kinds)
        bound: Any = tuple_(*values) if len(values) > 1 else values[0]
        query = query.where(key < bound if descending else key > bound)
    return query.order_by(*(c.desc() if descending else c.asc() for c in order.columns))


def page(
    session: Session,
    query: AnySelect,
    order: Order,
    key_of: Callable[[Any], Sequence[Any]],
    *,
    cursor: str | None,
    descending: bool = False,
    size: int = PAGE_SIZE,
) -> Page[Any]:
    """One page of ``query`` and the cursor of the next (None on the last page)."""
    rows = list(session.execute(after(query, order, cursor, descending).limit(size + 1)).all())
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, encode(key_of(rows[-1])) if more and rows else None)
