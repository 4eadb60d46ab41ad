"""Server settings: one typed object, read from the environment (SYNC_*) and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "pos-sync-server"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SYNC_", extra="ignore")

    database_url: str = ""
    data_dir: Path = Field(default_factory=default_data_dir)
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    # Points expiry and tombstone purge run inside `serve` this often (0 disables).
    maintenance_interval_seconds: float = 3600.0
    tombstone_retention_days: int = 90
    pairing_code_ttl_hours: int = 24
    pair_max_failures: int = 5
    pair_failure_window_seconds: int = 900
    pull_default_limit: int = 1000
    pull_max_limit: int = 5000
    db_pool_size: int = 5
    # Fault injection for tests only: a push sleeps this long after writing everything
    # and before committing, so a test can kill the server mid-batch. Keep it 0.
    fault_pause_before_commit_seconds: float = 0.0

    def resolved_database_url(self) -> str:
        """The configured URL, or an embedded SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir.resolve() / 'sync.db'}"
