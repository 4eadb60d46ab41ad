"""Pull: pages of the compacted change log, following an opaque cursor.

The cursor is the last version the reader has seen. Versions are handed out in commit
order (see repositories.changes.allocate_versions), so a reader that follows cursors
never skips a change. The page is assembled as JSON text around the stored entity data,
so a page of 5,000 members costs one indexed range scan and no re-serialisation.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import UTC

from sqlalchemy.orm import Session

from sync_server.db import Database
from sync_server.errors import CursorExpired, InvalidCursor
from sync_server.repositories import catalog
from sync_server.repositories import changes as changes_repo
from sync_server.services.change_feed import ChangeFeed
from sync_server.services.change_tail import ChangeTail, TailRead, TailRow, fragment

_CURSOR_TAG = b"pos-sync-cursor-v1:"


def encode_cursor(version: int) -> str:
    body = str(version).encode("ascii")
    check = hashlib.sha256(_CURSOR_TAG + body).hexdigest()[:8].encode("ascii")
    return base64.urlsafe_b64encode(b"v1." + body + b"." + check).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        tag, body, check = raw.split(b".")
    except (ValueError, binascii.Error):
        raise InvalidCursor("This cursor is not one this server issued.") from None
    expected = hashlib.sha256(_CURSOR_TAG + body).hexdigest()[:8].encode("ascii")
    # Versions are BIGINT: a longer number is no cursor this server issued (and would
    # overflow the query's parameter).
    if tag != b"v1" or check != expected or not body.isdigit() or len(body) > 18:
        raise InvalidCursor("This cursor is not one this server issued.")
    return int(body)


def staff_left_id(staff_id: str, store_code: str | None) -> str:
    """The change-log key of "this staff member left ``store_code``" (a delete that only
    that store's terminals receive; None: chain-wide staff). Fits the 64-character key."""
    store = hashlib.sha256((store_code or "").encode("utf-8")).hexdigest()[:16]
    return f"{staff_id}@{store if store_code is not None else '*'}"


def staff_id_of(entity_id: str) -> str:
    return entity_id.partition("@")[0]


def _program_starts(session: Session) -> dict[str, str]:
    """The change-log key of each scheduled program roll-out -> its ``effective_from``
    (RFC 3339, UTC). Roll-outs in force at once have none. Read only for a page that
    carries a program (rare: a handful of rows)."""
    starts = {}
    for rollout in catalog.rollouts(session):
        if rollout.effective_from is None:
            continue
        key = (
            str(rollout.rule_version)
            if rollout.store_code is None
            else catalog.program_change_id(rollout.rule_version, rollout.store_code)
        )
        starts[key] = rollout.effective_from.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return starts


# Pages kept for the herd: when a change wakes every long-polling till at once they all
# ask for the page after the same cursor; it is read once per process, while no newer
# version is known. Small pages only (the herd's are one or a few changes).
_KEPT_PAGES = 64
_KEPT_PAGE_BYTES = 64 * 1024


class PullService:
    def __init__(
        self,
        database: Database,
        *,
        max_limit: int,
        feed: ChangeFeed | None = None,
        tail: bool = False,
    ) -> None:
        """``tail``: answer pulls of recent cursors from the log's tail held in memory
        (``services/change_tail.py``; needs the feed and a tombstone retention of days)."""
        self.database = database
        self.max_limit = max_limit
        self.feed = feed
        self.tail = ChangeTail(self._read_tail, _shown) if tail and feed is not None else None
        # (after, limit, store) -> (the latest version when built, the page)
        self._kept: dict[tuple[int, int, str | None], tuple[int, str]] = {}

    def at_latest(self, cursor: str | None) -> int | None:
        """The cursor's version if it is the latest one (known without the database)."""
        if not cursor or self.feed is None:
            return None
        after = decode_cursor(cursor)
        return after if self.feed.latest() == after else None

    def known_page(self, cursor: str | None, limit: int, store_code: str | None) -> str | None:
        """The page after ``cursor`` if it is known without the database: empty when the
        cursor is the latest version (an idle till), or one built since that version
        (the herd a change wakes); else None (ask ``changes_json``)."""
        if not cursor or self.feed is None:
            return None
        after = decode_cursor(cursor)
        latest = self.feed.latest()
        if latest is None:
            return None
        if latest == after:
            return f'{{"changes":[],"cursor":"{encode_cursor(after)}","more":false}}'
        kept = self._kept.get((after, max(1, min(limit, self.max_limit)), store_code))
        return kept[1] if kept is not None and kept[0] == latest else None

    @staticmethod
    def is_empty(body: str) -> bool:
        return body.startswith('{"changes":[],')

    def changes_json(self, cursor: str | None, limit: int, store_code: str | None = None) -> str:
        """The ChangesResponse as JSON text, as a terminal of ``store_code`` sees it: the
        changes for every terminal and its own store's staff (None: no store's staff)."""
        known = self.known_page(cursor, limit, store_code)
        if known is not None:  # nothing committed since this cursor: no database needed
            return known
        after = decode_cursor(cursor) if cursor else 0
        limit = max(1, min(limit, self.max_limit))
        if cursor and self.tail is not None and self.feed is not None:
            held = self.tail.page(after, limit, store_code, self.feed.latest())
            if held is not None:
                found_parts, last, more = held
                return _page(found_parts, last, more)
        stamp = self.feed.stamp() if self.feed is not None else None
        with self.database.read() as session:
            # One statement, one snapshot: the counter state and the page agree even
            # under READ COMMITTED (a purge committing meanwhile is in both or neither).
            found = changes_repo.page_with_state(session, after, limit + 1, store_code)
            starts = (
                _program_starts(session)
                if any(row[0] == "program" for row in found.rows[:limit])
                else {}
            )
        if self.feed is not None:
            self.feed.confirm(found.current, stamp)
        if after > found.current:
            raise InvalidCursor("This cursor is ahead of the server: not one it issued.")
        if cursor and after < found.purged_through:
            raise CursorExpired(
                "This cursor is older than the change log keeps; rebuild the replica "
                "from the start (keep your unacknowledged events).",
            )
        rows = found.rows
        more = len(rows) > limit
        rows = rows[:limit]
        # An empty page moves the cursor to the counter: nothing below it is left to
        # commit (versions commit in order) even if its last change was purged since.
        last = rows[-1][2] if rows else max(after, found.current)
        parts = [
            fragment(
                entity,
                _shown(entity, entity_id),
                version,
                op,
                data,
                starts.get(entity_id) if entity == "program" else None,
            )
            for entity, entity_id, version, op, data in rows
        ]
        page = _page(parts, last, more)
        if cursor and len(page) <= _KEPT_PAGE_BYTES:
            self._keep((after, limit, store_code), found.current, page)
        return page

    def _read_tail(self, after: int, limit: int) -> TailRead:
        stamp = self.feed.stamp() if self.feed is not None else None
        with self.database.read() as session:
            current, rows = changes_repo.tail_with_state(session, after, limit + 1)
            kept = rows[:limit]
            starts = _program_starts(session) if any(r[0] == "program" for r in kept) else {}
        if self.feed is not None:
            self.feed.confirm(current, stamp)
        held = [
            TailRow(*row, effective_from=starts.get(row[1]) if row[0] == "program" else None)
            for row in kept
        ]
        return TailRead(current, held, len(rows) <= limit)

    def _keep(self, key: tuple[int, int, str | None], version: int, page: str) -> None:
        kept = self._kept
        if len(kept) >= _KEPT_PAGES:
            # Whole-dict swap: other threads may read it meanwhile (no lock needed).
            kept = self._kept = {k: v for k, v in kept.items() if v[0] >= version}
            if len(kept) >= _KEPT_PAGES:
                kept = self._kept = {}
        kept[key] = (version, page)


def _shown(entity: str, entity_id: str) -> str:
    """An entity id as the till sees it ("<staff id>@<store>": a staff member left that
    store, shown as the staff id)."""
    return staff_id_of(entity_id) if entity == "staff" else entity_id


def _page(parts: list[str], last: int, more: bool) -> str:
    return (
        f'{{"changes":[{",".join(parts)}],"cursor":"{encode_cursor(last)}",'
        f'"more":{"true" if more else "false"}}}'
    )
