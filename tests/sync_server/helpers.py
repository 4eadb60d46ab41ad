"""Builders for terminals and events, shared by the server tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shared.domain.member_code import mint_member_code
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.errors import Conflict
from sync_server.models import Staff
from sync_server.services.admin import AdminService
from sync_server.services.terminals import TerminalService


class HttpClient(Protocol):
    def post(self, url: str, **kwargs: Any) -> Any: ...
    def get(self, url: str, **kwargs: Any) -> Any: ...


@dataclass
class Pairing:
    terminal_id: str
    token: str
    prefix: str
    phone_hash_key: str
    body: dict[str, Any]
    # Makes (once) the store's manager that adjustments and voids name.
    manager: Callable[[], str] | None = None
    events: EventFactory = field(init=False)

    def __post_init__(self) -> None:
        self.events = EventFactory(self.terminal_id, self.prefix, self.manager)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def ensure_store(database: Database, code: str = "S001") -> None:
    admin = AdminService(database)
    if code not in {s.code for s in admin.stores()}:
        admin.add_store(code, "Downtown 市中心")


def ensure_manager(database: Database, store: str = "S001") -> str:
    """An active manager of ``store`` on the server (a seeded one, else one made now);
    returns the staff id."""
    for _ in range(2):
        with database.read() as session:
            found = session.scalars(
                select(Staff.id)
                .where(Staff.store_code == store, Staff.role == "manager", Staff.active.is_(True))
                .order_by(Staff.staff_code)
            ).first()
        if found is not None:
            return str(found)
        try:
            made = AdminService(database).add_staff(
                f"MGR-{store}", "Wang Fang", "manager", "246810", store
            )
        except (Conflict, IntegrityError):  # another thread made it meanwhile
            continue
        return str(made["staff_id"])
    raise AssertionError(f"no manager of {store} could be made")


def new_terminal(
    database: Database, settings: Settings, store: str = "S001", name: str = "Till"
) -> tuple[str, str]:
    ensure_store(database, store)
    made = TerminalService(database, settings).add(store, name)
    return made.terminal_id, made.pairing_code


def pair_terminal(
    client: HttpClient, database: Database, settings: Settings, base: str = "", name: str = "Till"
) -> Pairing:
    _, code = new_terminal(database, settings, name=name)
    response = client.post(base + "/v1/pair", json={"pairing_code": code, "device_name": name})
    assert response.status_code == 201, response.text
    body = response.json()
    return Pairing(
        body["terminal_id"],
        body["token"],
        body["member_code_prefix"],
        body["phone_hash_key"],
        body,
        lambda: ensure_manager(database, body["store_code"]),
    )


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class EventFactory:
    """Events stamped with one terminal's id and consecutive seqs."""

    def __init__(
        self, terminal_id: str, prefix: str, manager: Callable[[], str] | None = None
    ) -> None:
        self.terminal_id = terminal_id
        self.prefix = prefix
        self.seq = 0
        self.codes = 0
        self._manager = manager
        self._manager_id: str | None = None

    def manager_id(self) -> str | None:
        """The staff id adjustments and voids carry: the store's manager, when known."""
        if self._manager_id is None and self._manager is not None:
            self._manager_id = self._manager()
        return self._manager_id

    def make(
        self,
        type_: str,
        member_id: str,
        data: dict[str, Any],
        occurred_at: str | None = None,
        staff_id: str | None = None,
    ) -> dict[str, Any]:
        self.seq += 1
        return {
            "event_id": str(uuid.uuid4()),
            "terminal_id": self.terminal_id,
            "seq": self.seq,
            "type": type_,
            "occurred_at": occurred_at or now_iso(),
            "staff_id": staff_id,
            "member_id": member_id,
            "data": data,
        }

    def next_code(self) -> str:
        self.codes += 1
        return mint_member_code(self.prefix, self.codes)

    def enrol(
        self, member_id: str | None = None, phone: str = "13812345678", **data: Any
    ) -> dict[str, Any]:
        body = {
            "member_code": self.next_code(),
            "name": "张伟",
            "phone": phone,
            "consent_marketing": True,
        }
        body.update(data)
        return self.make("member.enrolled", member_id or str(uuid.uuid4()), body)

    def earn(
        self, member_id: str, amount_cents: int, points: int, rule_version: int = 1, **kw: Any
    ) -> dict[str, Any]:
        data = {
            "sale_ref": f"S-{uuid.uuid4().hex[:8]}",
            "amount_cents": amount_cents,
            "currency": "CNY",
            "points": points,
            "rule_version": rule_version,
        }
        return self.make("points.earned", member_id, data, **kw)

    def redeem(self, member_id: str, points: int) -> dict[str, Any]:
        data = {"sale_ref": f"S-{uuid.uuid4().hex[:8]}", "points": points, "value_cents": points}
        return self.make("points.redeemed", member_id, data)

    def adjust(self, member_id: str, points: int, **kw: Any) -> dict[str, Any]:
        data = {"points": points, "reason": "correction"}
        kw.setdefault("staff_id", self.manager_id())
        return self.make("points.adjusted", member_id, data, **kw)

    def coupon(self, member_id: str, coupon_id: str) -> dict[str, Any]:
        return self.make("coupon.redeemed", member_id, {"coupon_id": coupon_id, "sale_ref": "S-1"})

    def void(self, member_id: str, event_id: str) -> dict[str, Any]:
        data = {"voided_event_id": event_id, "reason": "mistake"}
        return self.make("event.voided", member_id, data, staff_id=self.manager_id())


def push(
    client: HttpClient, pairing: Pairing, events: list[dict[str, Any]], base: str = ""
) -> dict[str, Any]:
    response = client.post(base + "/v1/events", json={"events": events}, headers=pairing.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def pull_all(
    client: HttpClient,
    pairing: Pairing,
    base: str = "",
    cursor: str | None = None,
    limit: int = 1000,
) -> tuple[dict[tuple[str, str], dict[str, Any]], str]:
    """Follow cursors to the end; returns {(entity, id): change} and the last cursor."""
    state: dict[tuple[str, str], dict[str, Any]] = {}
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = client.get(base + "/v1/changes", params=params, headers=pairing.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        for change in body["changes"]:
            key = (change["entity"], change["id"])
            if key not in state or state[key]["version"] < change["version"]:
                state[key] = change
        cursor = body["cursor"]
        if not body["more"]:
            return state, cursor
