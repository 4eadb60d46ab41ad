"""Day close: store what a terminal reports and compare it with the ledger."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from shared.domain.day_totals import DayEvent, DayTotals, day_totals
from shared.errors import ValidationFailed
from shared.protocol import DayCloseRequest, DayCloseResponse
from sync_server.db import Database
from sync_server.models import DayClose, Terminal
from sync_server.repositories import catalog
from sync_server.repositories import events as events_repo
from sync_server.repositories import notices as notices_repo
from sync_server.services.common import EventSink, dumps, utcnow


def compare_day(
    request: DayCloseRequest, held: list[dict[str, Any]]
) -> tuple[str, list[int], dict[str, Any]]:
    seqs = {int(row["seq"]) for row in held}
    missing = [s for s in range(request.first_seq, request.last_seq + 1) if s not in seqs]
    if request.last_seq == 0 or request.first_seq == 0:
        missing = []
    if missing:
        return (
            "pending",
            missing[:1000],
            {"reason": "events not yet received", "missing": len(missing)},
        )
    server = day_totals(DayEvent.from_payload(json.loads(row["payload"])) for row in held).figures()
    reported = DayTotals(
        first_seq=request.first_seq,
        last_seq=request.last_seq,
        counts=request.counts,
        points_earned=request.points_earned,
        points_redeemed=request.points_redeemed,
        amount_cents=request.amount_cents,
        event_digest=request.event_digest,
    ).figures()
    differences = [key for key in server if server[key] != reported[key]]
    if differences:
        return "mismatch", [], {"differences": differences, "server": server, "reported": reported}
    return "matched", [], {"server": server}


class DayCloseService:
    def __init__(self, database: Database, events: EventSink | None = None) -> None:
        self.database = database
        self.events = events  # day_close.mismatch for webhooks and the broker

    def close(self, terminal_id: str, request: DayCloseRequest) -> DayCloseResponse:
        if request.last_seq < request.first_seq:
            raise ValidationFailed("last_seq is before first_seq.", code="invalid_seq_range")
        if request.last_seq - request.first_seq > 1_000_000:
            raise ValidationFailed(
                "A business day of over a million events?", code="invalid_seq_range"
            )
        with self.database.write() as session:
            held = events_repo.terminal_range(
                session, terminal_id, request.first_seq, request.last_seq
            )
            status, missing, details = compare_day(request, held)
            row = catalog.get_day_close(session, terminal_id, request.business_date)
            if row is None:
                row = DayClose(terminal_id=terminal_id, business_date=request.business_date)
                session.add(row)
            row.payload = request.model_dump_json()
            row.status = status
            row.missing_seqs = dumps(missing)
            row.details = dumps(details)
            row.received_at = now = utcnow()
            if status == "mismatch" and self.events is not None:
                self._tell_mismatch(session, terminal_id, request, details, now)
        return DayCloseResponse(status=status, missing_seqs=missing, details=details)

    def _tell_mismatch(
        self,
        session: Session,
        terminal_id: str,
        request: DayCloseRequest,
        details: dict[str, Any],
        now: datetime,
    ) -> None:
        """``day_close.mismatch``, once per terminal and business date (ordered among
        that terminal's notices: the delivery key is the terminal's id)."""
        assert self.events is not None
        day = request.business_date.isoformat()
        if not notices_repo.claim(session, "day_close.mismatch", terminal_id, day, now):
            return
        terminal = session.get(Terminal, terminal_id)
        data = {
            "terminal_id": terminal_id,
            "terminal_name": terminal.name if terminal is not None else None,
            "store": terminal.store_code if terminal is not None else None,
            "business_date": day,
            "differences": details["differences"],
            "server": details["server"],
            "reported": details["reported"],
        }
        message = f"msg_dayclose_{terminal_id}_{day}"
        self.events(session, "day_close.mismatch", terminal_id, message, data, now)
