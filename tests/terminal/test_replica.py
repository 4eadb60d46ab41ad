from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from terminal.offline.db import Replica, make_engine
from terminal.offline.migrate import current_revision, head_revision
from terminal.offline.models import Base
from terminal.services.sync_store import SyncStore
from tests.schema import schema_of
from tests.terminal.conftest import Till


def test_empty_database_upgrades_to_head_and_matches_models(tmp_path: Path) -> None:
    replica = Replica(tmp_path / "r.sqlite3")
    try:
        assert current_revision(replica.engine) == head_revision()
        with replica.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        replica.close()


def test_downgrade_to_nothing_and_upgrade_again_builds_the_fresh_schema(tmp_path: Path) -> None:
    from alembic import command

    from terminal.offline.migrate import alembic_config

    replica = Replica(tmp_path / "r.sqlite3")
    replica.close()
    engine = make_engine(tmp_path / "r.sqlite3")
    try:
        with engine.connect() as conn:
            fresh = schema_of(conn)
        assert {"members", "local_events", "outbox", "day_closes"} <= set(fresh)
        with engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
            assert schema_of(conn) == {}
            command.upgrade(config, "head")
        with engine.connect() as conn:
            assert schema_of(conn) == fresh
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        engine.dispose()


def test_pragmas_are_durable_wal_with_foreign_keys(tmp_path: Path) -> None:
    replica = Replica(tmp_path / "r.sqlite3")
    try:
        with replica.read() as session:
            conn = session.connection()
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    finally:
        replica.close()


def test_reopening_a_migrated_replica_does_no_migration_work(tmp_path: Path) -> None:
    """What made a reopen slow (a backup copy, Alembic) is skipped when the replica is at
    head; test_store checks that Alembic is not even imported. No wall-clock limit here:
    timing belongs in bench/."""
    Replica(tmp_path / "r.sqlite3").close()
    files = sorted(p.name for p in tmp_path.rglob("*"))
    replica = Replica(tmp_path / "r.sqlite3")
    try:
        assert replica.backup is None
        assert current_revision(replica.engine) == head_revision()
    finally:
        replica.close()
    assert sorted(p.name for p in tmp_path.rglob("*")) == files


def test_write_transactions_take_the_write_lock_up_front(till: Till) -> None:
    """While one writer holds BEGIN IMMEDIATE, another connection cannot start writing."""
    other = sqlite3.connect(till.replica.path, timeout=0.05, isolation_level=None)
    try:
        with till.replica.write():
            try:
                other.execute("BEGIN IMMEDIATE")
                locked = False
            except sqlite3.OperationalError:
                locked = True
        assert locked
    finally:
        other.close()


def test_concurrent_writers_get_gapless_seqs(till: Till) -> None:
    cashier = till.cashier()
    member = till.seed.members[0]
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for n in range(10):
                till.services.sales.earn(
                    cashier, member.member_id, amount_cents=1000, sale_ref=f"W{worker}-{n}"
                )
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with till.replica.engine.connect() as conn:
        seqs = [r[0] for r in conn.exec_driver_sql("SELECT seq FROM outbox ORDER BY seq")]
        events = [r[0] for r in conn.exec_driver_sql("SELECT seq FROM local_events ORDER BY seq")]
    assert seqs == list(range(1, 41)) == events


def test_no_full_phone_email_or_birthday_columns_on_members(till: Till) -> None:
    with till.replica.engine.connect() as conn:
        columns = {row[1] for row in conn.exec_driver_sql("PRAGMA table_info(members)")}
    # no first digits either (phone_masked went in t11c: issue 11)
    assert not columns & {"phone", "email", "birthday", "phone_masked"}
    assert {"phone_last4", "phone_hash", "name_key"} <= columns


def test_a_replica_made_by_the_first_release_upgrades_in_place(tmp_path: Path) -> None:
    """Revision 0001 databases (with data) open fine and gain the later columns."""
    from alembic import command

    from terminal.offline.db import make_engine
    from terminal.offline.migrate import alembic_config

    path = tmp_path / "old.sqlite3"
    engine = make_engine(path)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.exec_driver_sql(
            "INSERT INTO terminal_state (id, next_member_counter, next_seq, watermark, online)"
            " VALUES (1, 7, 42, 3, 0)"
        )
    engine.dispose()
    replica = Replica(path)
    try:
        assert current_revision(replica.engine) == head_revision()
        with replica.engine.connect() as conn:
            row = conn.exec_driver_sql("SELECT next_seq, last_sync_error FROM terminal_state").one()
            assert tuple(row) == (42, None)
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        replica.close()


def test_migrations_keep_child_rows_and_foreign_keys_stay_on(tmp_path: Path) -> None:
    from alembic import command

    from terminal.offline.db import make_engine
    from terminal.offline.migrate import alembic_config

    path = tmp_path / "old.sqlite3"
    engine = make_engine(path)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.exec_driver_sql(
            "INSERT INTO members VALUES ('m1', '800000000018', 'A', 'a', '0001', 'h', '****0001',"
            " 'member', 0, 0, 'active', 1)"
        )
        conn.exec_driver_sql(
            "INSERT INTO coupons VALUES ('c1', 'm1', 'T', 100, 'CNY', NULL, 'available', 1)"
        )
    engine.dispose()
    replica = Replica(path)
    try:
        with replica.read() as session:
            conn = session.connection()
            assert conn.exec_driver_sql("SELECT count(*) FROM coupons").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        replica.close()


def test_a_bulk_load_killed_midway_gets_its_indexes_back_on_the_next_open(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.sqlite3"
    replica = Replica(path)
    dropped = SyncStore(replica).begin_bulk_load()
    assert {"ix_members_phone_hash", "ix_members_last4_name", "ix_coupons_member_id"} <= set(
        dropped
    )
    with replica.engine.connect() as conn:
        left = set(conn.exec_driver_sql("SELECT name FROM sqlite_master").scalars())
    assert not left & set(dropped)
    replica.close()  # the process dies here: end_bulk_load never runs
    reopened = Replica(path)
    try:
        with reopened.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
            assert conn.exec_driver_sql("SELECT count(*) FROM deferred_indexes").scalar() == 0
    finally:
        reopened.close()


def test_pulled_pages_commit_without_fsync_and_everything_else_durably(tmp_path: Path) -> None:
    replica = Replica(tmp_path / "r.sqlite3")
    try:
        level = "PRAGMA synchronous"
        with replica.write(durable=False) as session:
            assert session.connection().exec_driver_sql(level).scalar() == 1  # NORMAL
        with replica.write() as session:  # the same pooled connection, a cashier's write
            assert session.connection().exec_driver_sql(level).scalar() == 2  # FULL
        with replica.read() as session:
            assert session.connection().exec_driver_sql(level).scalar() == 2
    finally:
        replica.close()
