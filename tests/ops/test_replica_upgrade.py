"""A replica made by the previous release (the schema just before head) upgrades to head:
it is backed up first, its data survives, and the services work on it."""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from shared.domain.member_code import mint_member_code
from terminal.config import Argon2Params, TerminalSettings
from terminal.offline.backup import prune
from terminal.offline.db import Replica, make_engine
from terminal.offline.migrate import alembic_config, current_revision, head_revision
from terminal.services import build_services

# The replica head of the last release: this round's migrations (t11c, t12a) upgrade it.
PREVIOUS = "0006"


def test_previous_is_an_ancestor_of_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    chain = {rev.revision for rev in script.iterate_revisions(script.get_current_head(), "base")}
    assert PREVIOUS in chain
    assert script.get_current_head() != PREVIOUS


def replica_at(path: Path, revision: str) -> None:
    """A new replica file whose schema stops at ``revision``."""
    engine = make_engine(path)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    engine.dispose()


def make_previous_replica(path: Path) -> str:
    replica_at(path, PREVIOUS)
    code = mint_member_code("123456", 7)
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO members (member_id, member_code, display_name, name_key, phone_last4,"
            " phone_hash, phone_masked, tier, balance, lifetime_points, status, version)"
            " VALUES (?, ?, 'Wang Fang', 'wang fang', '5678', ?, '138****5678', 'member',"
            " 420, 420, 'active', 3)",
            (str(uuid.uuid4()), code, "ab" * 32),
        )
    return code


def settings_for(tmp_path: Path) -> TerminalSettings:
    return TerminalSettings(
        data_dir=tmp_path, argon2=Argon2Params(time_cost=1, memory_cost_kib=8, parallelism=1)
    )


def test_previous_replica_is_backed_up_then_upgraded(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    code = make_previous_replica(settings.replica_path)

    with Replica(settings.replica_path) as replica:
        assert current_revision(replica.engine) == head_revision()
        assert replica.backup is not None
        assert replica.backup.parent == tmp_path / "backups"
        assert replica.backup.name.startswith(f"replica-{PREVIOUS}-")
        member = build_services(replica, settings).lookup.by_code(code)
        assert (member.balance, member.display_name) == (420, "Wang Fang")

    with sqlite3.connect(replica.backup) as copy:
        (revision,) = copy.execute("SELECT version_num FROM alembic_version").fetchone()
        (count,) = copy.execute("SELECT count(*) FROM members").fetchone()
    assert (revision, count) == (PREVIOUS, 1)

    with Replica(settings.replica_path) as again:  # already at head: no second copy
        assert again.backup is None
    assert len(list((tmp_path / "backups").iterdir())) == 1


def test_new_replica_is_not_backed_up(tmp_path: Path) -> None:
    with Replica(tmp_path / "replica.sqlite3") as replica:
        assert replica.backup is None
    assert not (tmp_path / "backups").exists()


def test_only_the_newest_backups_are_kept(tmp_path: Path) -> None:

    for n in range(7):
        path = tmp_path / f"replica-0003-{n}.sqlite3"
        path.write_bytes(b"x")
        os.utime(path, (1_000 + n, 1_000 + n))
    deleted = prune(tmp_path, keep=3)
    assert len(deleted) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"replica-0003-{n}.sqlite3" for n in (4, 5, 6)
    ]
