"""`pos-terminal pair` never puts the secrets in memory or a plain file by itself: with no
OS keyring (and keyrings.alt installed, whose PlaintextKeyring is then what `keyring`
selects) it refuses with keyring_unavailable *before* asking the server, so the one-time
code is not spent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import keyring
import keyring.backend
import pytest
from keyring.backends import null
from keyrings.alt.file import PlaintextKeyring

from shared.errors import DomainError
from sync_server.config import Settings
from sync_server.db import Database
from terminal.config import TerminalSettings
from terminal.offline.credentials import CredentialStore, ProcessKeyring, secure_backend
from terminal.offline.db import Replica
from terminal.services.sync import SyncService
from tests.sync_server.conftest import (  # noqa: F401  (fixtures)
    database,
    db_url,
    live_server,
    postgres_available,
    server_factory,
)
from tests.sync_server.helpers import new_terminal
from tests.sync_server.live import ServerProcess

ROOT = Path(__file__).resolve().parents[2]


def _still_pairs(server: ServerProcess, code: str) -> None:
    answer = httpx.post(
        server.url + "/v1/pair", json={"pairing_code": code, "device_name": "later"}, timeout=30
    )
    assert answer.status_code == 201, answer.text  # the code was not spent


@pytest.fixture
def code(database: Database, db_url: str, tmp_path: Path) -> str:  # noqa: F811
    """A pending pairing code of a new terminal."""
    return new_terminal(database, Settings(database_url=db_url, data_dir=tmp_path))[1]


def test_the_memory_keyring_is_never_selected_by_itself() -> None:
    candidates = keyring.backend.get_all_keyring()
    assert not any(isinstance(b, ProcessKeyring) for b in candidates)
    keyring.set_keyring(ProcessKeyring())  # explicitly, as tests and the demo do: allowed
    assert isinstance(secure_backend(), ProcessKeyring)


@pytest.mark.parametrize("backend", [PlaintextKeyring, null.Keyring])
def test_file_and_null_backends_are_refused(backend: type, tmp_path: Path) -> None:
    keyring.set_keyring(backend())
    with pytest.raises(DomainError) as refused:
        CredentialStore("pos-test").set_token("secret-token")
    assert refused.value.code == "keyring_unavailable"


def test_pair_without_an_os_keyring_refuses_before_spending_the_code(
    live_server: ServerProcess,  # noqa: F811
    code: str,
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON_KEYRING", "DBUS"))}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        POS_TERMINAL_DATA_DIR=str(tmp_path / "till"),
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        [sys.executable, "-m", "terminal.cli", "pair", "--server", live_server.url, "--code", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0, done.stdout
    assert "keyring_unavailable" in done.stderr
    assert "PlaintextKeyring" in done.stderr
    _still_pairs(live_server, code)
    # Nothing was written to a keyring file either.
    assert not list(home.rglob("*.cfg"))


def test_pair_with_a_plaintext_keyring_refuses_in_process(
    live_server: ServerProcess,  # noqa: F811
    code: str,
    tmp_path: Path,
) -> None:
    keyring.set_keyring(PlaintextKeyring())  # the autouse fixture restores the test keyring
    till = TerminalSettings(data_dir=tmp_path / "till", keyring_service="pos-test-plain")
    with Replica(till.replica_path) as replica, pytest.raises(DomainError) as refused:
        SyncService(replica, till).pair(live_server.url, code)
    assert refused.value.code == "keyring_unavailable"
    _still_pairs(live_server, code)
