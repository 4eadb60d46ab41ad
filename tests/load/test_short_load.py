"""A short load run with faults, then the full reconciliation (bench/load.py).

20 terminals (2 of them full terminals with a replica and the real sync engine) for
12 s against a real server, with a worker (or the single-worker server) killed and the
network cut for some terminals: every event is on the server exactly once, every
balance equals its ledger, every terminal converges. The database restart of
`bench/load.py --faults` is left out here (it would disturb other suites).
Nothing here asserts timing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.services import require_service
from tests.sync_server.conftest import postgres_available  # noqa: F401  (fixture)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from load import Config, run

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_short_load_with_faults_loses_and_doubles_nothing(
    db: str,
    tmp_path: Path,
    postgres_available: str | None,  # noqa: F811
) -> None:
    if db == "postgres":
        require_service("PostgreSQL", postgres_available)
    config = Config(
        terminals=20,
        real=2,
        seconds=12.0,
        db=db,
        workers=2 if db == "postgres" else 1,
        faults=True,
        db_restart=False,
        members=150,
        op_interval=2.0,
        cut_fraction=0.2,
        workdir=tmp_path,
    )
    result = run(config)
    assert result.checks["problems"] == []
    assert result.ok
    assert result.checks["terminals"] == 20
    assert result.checks["events_checked"] >= 50  # the run really did something
    assert result.results.get("accepted", 0) > 0
    assert any("SIGKILL" in fault for fault in result.faults)
    assert any("network cut" in fault for fault in result.faults)
