"""The slow phone hash (``phone_slow_hash``) of members, computed once per member.

argon2id costs tens of milliseconds per number on purpose (a stolen till pays that per
guess), so it is never computed inside a request or a write transaction. A push stores
a new or changed phone with an empty slow hash and wakes this process's
:class:`PhoneHashWorker`, which computes it in the background and publishes the member
again (other tills receive it seconds later; the enrolling till computed its own). The
same backfill serves members that predate migration s11c (``sync-server phones
backfill``) and runs with the maintenance job, so a crash in between loses nothing. The
seed hashes before each chunk.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from shared.domain.phone import phone_slow_hash
from sync_server.db import Database
from sync_server.models import Member
from sync_server.repositories import catalog
from sync_server.repositories import members as members_repo
from sync_server.services.common import member_data, utcnow
from sync_server.services.versioning import ChangeBatch

PhoneLookupHash = Callable[[bytes, str], str]
log = logging.getLogger("sync_server")


def slow_hash_many(
    key: bytes, phones: Sequence[str], hash_of: PhoneLookupHash = phone_slow_hash
) -> dict[str, str]:
    """E.164 -> slow hash for each distinct number, on every core (argon2-cffi releases
    the GIL while it hashes)."""
    distinct = sorted(set(phones))
    if len(distinct) <= 1:
        return {phone: hash_of(key, phone) for phone in distinct}
    workers = min(len(distinct), os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        hashes = pool.map(lambda phone: hash_of(key, phone), distinct)
        return dict(zip(distinct, hashes, strict=True))


@dataclass(frozen=True)
class BackfillReport:
    members: int
    left: int


class PhoneHashBackfill:
    """Gives members without a slow hash (enrolled before s11c) theirs, and a new member
    version, so every till receives it at its next pull (and an older till's copy of the
    fast HMAC and of the first digits is overwritten)."""

    def __init__(self, database: Database, *, batch: int = 500, all_cores: bool = True) -> None:
        self.database = database
        self.batch = batch
        self.all_cores = all_cores

    def pending(self) -> int:
        with self.database.read() as session:
            return int(
                session.execute(
                    select(func.count()).select_from(_missing().subquery())
                ).scalar_one()
            )

    def run(self, limit: int | None = None) -> BackfillReport:
        with self.database.read() as session:
            deployment = catalog.deployment(session)
            assert deployment is not None
            key = bytes.fromhex(deployment.phone_hash_key)
        done = 0
        after = ""
        while limit is None or done < limit:
            size = self.batch if limit is None else min(self.batch, limit - done)
            with self.database.read() as session:
                found = session.execute(
                    _missing().where(Member.id > after).order_by(Member.id).limit(size)
                ).all()
            if not found:
                break
            after = str(found[-1][0])
            phones = {str(member_id): str(phone) for member_id, phone in found}
            if self.all_cores:
                hashes = slow_hash_many(key, list(phones.values()))
            else:
                hashes = {phone: phone_slow_hash(key, phone) for phone in phones.values()}
            done += self._write(phones, hashes)
        return BackfillReport(members=done, left=self.pending())

    def _write(self, phones: dict[str, str], hashes: dict[str, str]) -> int:
        now = utcnow()
        with self.database.write() as session:
            rows = members_repo.lock_many(session, phones)
            # A member changed meanwhile (new phone, erased) keeps what the push gave it.
            rows = {
                member_id: row
                for member_id, row in rows.items()
                if row["status"] == "active"
                and row["phone_e164"] == phones[member_id]
                and not row["phone_slow_hash"]
            }
            if not rows:
                return 0
            changes = ChangeBatch()
            slots = {member_id: changes.touch("member", member_id) for member_id in rows}
            for row in rows.values():
                row["phone_slow_hash"] = hashes[row["phone_e164"]]
                row["updated_at"] = now
            base = changes.write(session, lambda _e, m: member_data(rows[m]), now)
            for member_id, row in rows.items():
                row["version"] = base + slots[member_id]
            members_repo.update_many(session, list(rows.values()))
            return len(rows)


class PhoneHashWorker:
    """One background thread per server process: ``notify()`` after a commit that gave
    members a phone; the thread runs the backfill until nothing is missing. A push costs
    no argon2id, and a terminal pushing many phones delays only this queue."""

    def __init__(self, database: Database) -> None:
        # one core: requests keep the others (the bulk after an upgrade is the CLI's)
        self.backfill = PhoneHashBackfill(database, batch=50, all_cores=False)
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def notify(self) -> None:
        with self._lock:
            self._idle.clear()
            self._wake.set()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="phone-hashes", daemon=True)
                self._thread.start()

    def wait_idle(self, timeout: float) -> bool:
        """True once every notified phone has its slow hash (tests, shutdown)."""
        return self._idle.wait(timeout)

    def _loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            try:
                self.backfill.run()
            except Exception:  # the next notify or maintenance run retries
                log.exception("computing slow phone hashes failed")
            with self._lock:
                if not self._wake.is_set():
                    self._idle.set()


def _missing() -> Select[str, str | None]:
    return select(Member.id, Member.phone_e164).where(
        Member.status == "active",
        Member.phone_e164.is_not(None),
        Member.phone_e164 != "",
        Member.phone_slow_hash == "",
    )
