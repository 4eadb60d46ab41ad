"""No usable OS keyring: a clear error, and the secrets are never put anywhere else."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from keyring.backends.fail import Keyring as NoKeyring

from shared.errors import DomainError
from terminal.config import TerminalSettings
from terminal.offline.credentials import CredentialStore
from terminal.offline.db import Replica
from terminal.services.sync import SyncService


def test_secrets_without_a_keyring_are_refused_and_never_written_elsewhere(tmp_path: Path) -> None:
    keyring.set_keyring(NoKeyring())  # the autouse fixture restores the test keyring
    settings = TerminalSettings(data_dir=tmp_path, keyring_service="pos-test")
    credentials = CredentialStore(settings.keyring_service)
    with pytest.raises(DomainError) as err:
        credentials.set_token("secret-token")
    assert err.value.code == "keyring_unavailable"
    assert "never written to a file" in err.value.message
    with pytest.raises(DomainError):
        credentials.token()
    with Replica(settings.replica_path) as replica:
        assert SyncService(replica, settings).store.state().terminal_id is None
    stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert b"secret-token" not in stored
