"""``Idempotency-Key`` for every write of the partner API (docs/PARTNER_API.md):

- the first request with a key records the key and the hash of its body (committed at
  once, so every other worker and process sees it), runs, and records its answer;
- a repeat with the same body gets that first answer (status and body), again;
- the same key with another body is refused with 422 ``idempotency_key_reused``;
- a repeat while the first is still running is refused with 409
  ``idempotency_in_flight`` (try again later);
- a first request that died before it answered (a crash) leaves its record pending: after
  ``stale_after`` a repeat takes it over. The writes beneath are idempotent themselves
  (event ids derived from the order or the key), so running again changes nothing twice.

A server error (5xx) forgets the record: nothing was committed, the client may retry.
Answered keys are kept a day (``purge``, run by the server's maintenance loop).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from shared.errors import ValidationFailed
from sync_server.db import Database
from sync_server.errors import Conflict
from sync_server.models import PartnerRequest
from sync_server.repositories import partner as repo
from sync_server.services.common import utcnow

MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class Stored:
    status_code: int
    body: str


def check_key(idempotency_key: str | None) -> str:
    if idempotency_key is None or not idempotency_key.strip():
        raise ValidationFailed(
            "Every write needs an Idempotency-Key header (a unique value per operation).",
            code="idempotency_key_required",
        )
    key = idempotency_key.strip()
    if len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationFailed(
            f"An Idempotency-Key is 1 to {MAX_KEY_LENGTH} printable ASCII characters.",
            code="invalid_idempotency_key",
        )
    return key


class IdempotencyStore:
    def __init__(self, database: Database, stale_after: timedelta = timedelta(seconds=60)) -> None:
        self.database = database
        self.stale_after = stale_after

    def begin(self, key_id: str, idempotency_key: str, request_hash: str) -> Stored | None:
        """None: this request owns the key and must run, then ``finish`` or ``forget``.
        Else the first answer to replay. Raises on a reused key or one in flight."""
        for _ in range(3):
            now = utcnow()
            try:
                with self.database.write() as session:
                    session.add(
                        PartnerRequest(
                            key_id=key_id,
                            idempotency_key=idempotency_key,
                            request_hash=request_hash,
                            state="pending",
                            created_at=now,
                        )
                    )
                return None
            except IntegrityError:
                pass
            with self.database.write() as session:
                found = repo.request(session, key_id, idempotency_key)
                if found is None:
                    continue  # forgotten meanwhile: try to record it again
                if found.request_hash != request_hash:
                    raise ValidationFailed(
                        "This Idempotency-Key was used with a different request.",
                        code="idempotency_key_reused",
                    )
                if found.state == "done" and found.status_code is not None:
                    return Stored(found.status_code, found.body or "")
                if now - found.created_at >= self.stale_after and repo.take_over_request(
                    session, key_id, idempotency_key, found.created_at, now
                ):
                    return None
                raise Conflict(
                    "A request with this Idempotency-Key is still being processed; "
                    "repeat it later for its answer.",
                    code="idempotency_in_flight",
                    retry_after=1,
                )
        raise Conflict(
            "This Idempotency-Key is contended; try again.", code="idempotency_in_flight"
        )

    def finish(self, key_id: str, idempotency_key: str, status_code: int, body: str) -> None:
        with self.database.write() as session:
            found = repo.request(session, key_id, idempotency_key)
            if found is not None:
                found.state = "done"
                found.status_code = status_code
                found.body = body

    def purge(self, now: datetime, keep: timedelta = timedelta(days=1)) -> int:
        """Forget answered keys older than ``keep`` (a repeat after that is a new
        request; the event ids beneath still keep an order from counting twice)."""
        with self.database.write() as session:
            result = session.execute(
                delete(PartnerRequest).where(
                    PartnerRequest.state == "done", PartnerRequest.created_at < now - keep
                )
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def forget(self, key_id: str, idempotency_key: str) -> None:
        with self.database.write() as session:
            found = repo.request(session, key_id, idempotency_key)
            if found is not None and found.state == "pending":
                session.delete(found)
