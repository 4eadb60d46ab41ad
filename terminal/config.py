"""Terminal settings: one typed object, read from the environment (``POS_TERMINAL_*``)
or an optional ``.env`` file, and passed down. No module-level singletons."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "pos-terminal"


class Argon2Params(BaseSettings):
    """Cost of the PIN hashes the terminal creates (verification reads them from the hash)."""

    model_config = SettingsConfigDict(extra="ignore")

    time_cost: int = Field(default=3, ge=1)
    memory_cost_kib: int = Field(default=65_536, ge=8)
    parallelism: int = Field(default=4, ge=1)


class TerminalSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="POS_TERMINAL_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    data_dir: Path = Field(default_factory=_default_data_dir)
    replica_file: str = "replica.sqlite3"
    server_url: str = "http://127.0.0.1:8000"
    keyring_service: str = "pos-terminal"
    busy_timeout_ms: int = Field(default=5_000, ge=0)
    page_size: int = Field(default=20, ge=1, le=200)
    staff_max_failed_pins: int = Field(default=5, ge=1)
    staff_lock_seconds: int = Field(default=300, ge=1)
    argon2: Argon2Params = Field(default_factory=Argon2Params)

    @property
    def replica_path(self) -> Path:
        return self.data_dir / self.replica_file
