"""A new till loads a whole chain's members: the secondary indexes of members and
coupons are dropped for the load and built once at the end; whatever interrupts the
load, the replica gets them back, and the till ends up with every member."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from sync_server.models import Member as ServerMember
from sync_server.services.seed import SeedService
from terminal.config import Argon2Params, TerminalSettings
from terminal.offline.db import Replica
from terminal.offline.models import Member
from terminal.services.sync import SyncFailed, SyncService
from tests.contract.conftest import HeadOffice


def _indexes(replica: Replica) -> set[str]:
    with replica.engine.connect() as conn:
        return set(
            conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "AND tbl_name IN ('members', 'coupons')"
            ).scalars()
        )


def _deferred(replica: Replica) -> list[str]:
    with replica.engine.connect() as conn:
        return list(conn.exec_driver_sql("SELECT name FROM deferred_indexes").scalars())


def _new_till(
    head_office: HeadOffice, tmp_path: Path, *, bulk_commit_changes: int = 1
) -> tuple[Replica, SyncService]:
    """A paired till pulling 100 changes a page; by default each page of a bulk load is
    its own transaction (``bulk_commit_changes``)."""
    settings = TerminalSettings(
        data_dir=tmp_path / "till",
        keyring_service=f"pos-test-{uuid.uuid4().hex[:8]}",
        argon2=Argon2Params(time_cost=1, memory_cost_kib=8, parallelism=1),
    )
    replica = Replica(settings.replica_path)
    sync = SyncService(  # many pages from few members
        replica, settings, pull_limit=100, bulk_commit_changes=bulk_commit_changes
    )
    sync.pair(head_office.server.url, head_office.new_pairing_code("bulk"), device_name="bulk")
    return replica, sync


def _spy_pages(sync: SyncService, replica: Replica, after_page: Any = None) -> list[set[str]]:
    """Record the indexes present while each page is applied."""
    seen: list[set[str]] = []
    apply = sync.store.apply_pulled
    sizes = _SIZES[id(sync)] = []

    def spy(changes: Sequence[Any], cursor: str | None = None) -> None:
        seen.append(_indexes(replica))
        sizes.append(len(changes))
        apply(changes, cursor)
        if after_page is not None:
            after_page(len(seen))

    sync.store.apply_pulled = spy  # type: ignore[method-assign]
    return seen


_SIZES: dict[int, list[int]] = {}  # changes per apply_pulled call, by SyncService


def _server_members(head_office: HeadOffice) -> int:
    with head_office.database.read() as session:
        return int(session.scalar(select(func.count()).select_from(ServerMember)) or 0)


def _till_members(replica: Replica) -> int:
    with replica.read() as session:
        return int(session.scalar(select(func.count()).select_from(Member)) or 0)


def test_a_bootstrap_builds_the_indexes_once_at_the_end(
    head_office: HeadOffice, tmp_path: Path
) -> None:
    SeedService(head_office.database).seed(600, store_code="S001", rng_seed=11, phone_lookup=None)
    replica, sync = _new_till(head_office, tmp_path)
    try:
        full = _indexes(replica)
        assert {"ix_members_phone_hash", "ix_members_name_key", "ix_coupons_member_id"} <= full
        seen = _spy_pages(sync, replica)
        report = sync.sync_once()
        assert len(seen) >= 6
        assert all(not (page & full) for page in seen)
        assert _indexes(replica) == full
        assert _deferred(replica) == []
        assert _till_members(replica) == _server_members(head_office) == 640
        assert report.pulled >= 640
        with replica.engine.connect() as conn:  # lookups by phone use the rebuilt index
            plan = " ".join(
                str(row[-1])
                for row in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT member_id FROM members WHERE phone_hash = 'x'"
                )
            )
        assert "ix_members_phone_hash" in plan
        # The next sync starts from a cursor: no bulk load, indexes untouched.
        seen.clear()
        sync.sync_once()
        assert all(page == full for page in seen)
    finally:
        replica.close()


def test_a_bootstrap_cut_off_midway_still_ends_with_every_index_and_member(
    head_office: HeadOffice, tmp_path: Path
) -> None:
    SeedService(head_office.database).seed(600, store_code="S001", rng_seed=12, phone_lookup=None)
    replica, sync = _new_till(head_office, tmp_path)
    try:
        full = _indexes(replica)

        def cut(pages: int) -> None:
            if pages == 3:
                head_office.server.kill()  # the server dies in the middle of the load

        _spy_pages(sync, replica, after_page=cut)
        with pytest.raises(SyncFailed):
            sync.sync_once()
        assert _indexes(replica) == full
        assert _deferred(replica) == []
        assert 0 < _till_members(replica) < 640
        head_office.server.start()
        sync.sync_once()  # carries on from the cursor of the last page applied
        assert _till_members(replica) == 640
        assert _indexes(replica) == full
    finally:
        replica.close()


def test_a_bulk_load_commits_several_pages_at_a_time_and_resumes_after_a_cut(
    head_office: HeadOffice, tmp_path: Path
) -> None:
    SeedService(head_office.database).seed(600, store_code="S001", rng_seed=13, phone_lookup=None)
    replica, sync = _new_till(head_office, tmp_path, bulk_commit_changes=250)
    try:
        full = _indexes(replica)

        kills: list[int] = []

        def cut(applied: int) -> None:
            if applied == 1 and not kills:
                kills.append(applied)
                head_office.server.kill()  # after the first transaction of three pages

        seen = _spy_pages(sync, replica, after_page=cut)
        with pytest.raises(SyncFailed):
            sync.sync_once()
        assert _SIZES[id(sync)] == [300]  # pages of 100, held until 250 or more
        assert 0 < _till_members(replica) <= 300  # members among those changes
        assert _indexes(replica) == full
        assert _deferred(replica) == []
        head_office.server.start()
        seen.clear()
        sync.sync_once()  # from the cursor of the last page of that transaction
        assert _till_members(replica) == _server_members(head_office) == 640
        assert _indexes(replica) == full
    finally:
        replica.close()
