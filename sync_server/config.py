"""Server settings: one typed object, read from the environment (SYNC_*) and an optional
TOML file, and passed down.

Precedence (highest first): constructor arguments, environment, the TOML file. The file
is ``--config FILE`` (which sets ``SYNC_CONFIG`` for the workers), else ``$SYNC_CONFIG``,
else ``/etc/pos-sync-server/sync-server.toml`` when it exists. Every setting is
documented in docs/CONFIGURATION.md and installers/server/sync-server.example.toml.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_ENV = "SYNC_CONFIG"
DEFAULT_CONFIG = Path("/etc/pos-sync-server/sync-server.toml")


def config_file() -> Path | None:
    """The TOML file in force: ``$SYNC_CONFIG``, else the default path if it exists."""
    named = os.environ.get(CONFIG_ENV)
    if named:
        return Path(named)
    return DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None


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
    # Wrong pairing codes per address before it waits pair_block_seconds (doubling with
    # each further one, at most pair_failure_window_seconds; forgotten after that long).
    pair_max_failures: int = 5
    pair_block_seconds: int = 60
    pair_failure_window_seconds: int = 900
    pull_default_limit: int = 1000
    pull_max_limit: int = 5000
    # Long poll: GET /v1/changes?wait=S holds an up-to-date cursor this long at most
    # (larger asks get this), answering as soon as something changes. Tills ask about
    # 45-55 s: under the 60 s idle timeout of common proxies, few requests per idle till.
    pull_max_wait_seconds: float = 60.0
    # Bearer tokens are checked against the database at most this often per token and
    # worker (a revocation made elsewhere takes effect within it), for this many tokens.
    auth_cache_seconds: float = 5.0
    auth_cache_size: int = 10_000
    # Last-seen, version and queue depth of terminals are written in one batch this often.
    seen_flush_seconds: float = 1.0
    # Per worker. 15 covers the bursts of bench/load.py (500 terminals) without opening
    # and closing overflow connections (a new PostgreSQL backend each) on every burst.
    db_pool_size: int = 15
    # What a terminal may push (docs/SYNC_SERVER.md, "Limits"): how far its seqs may run
    # ahead of its watermark, and how old or how far ahead of the server's clock an
    # event's occurred_at may be (tills work offline for days; clocks drift).
    push_seq_window: int = Field(default=10_000, ge=500)
    event_max_age_days: int = Field(default=30, ge=1, le=36_500)
    event_max_ahead_hours: int = Field(default=24, ge=1, le=24 * 366)
    # Webhooks (docs/PARTNER_API.md): each server process runs a delivery worker; a
    # failed delivery is tried again after base * 2^(n-1) seconds (at most max, with
    # jitter) until give_up hours after its first try, then dead-lettered.
    webhook_worker: bool = True
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_retry_base_seconds: float = Field(default=5.0, gt=0)
    webhook_retry_max_seconds: float = Field(default=3600.0, gt=0)
    webhook_give_up_hours: float = Field(default=72.0, gt=0)
    # Notices of the maintenance run (services/notices.py), each once per occasion:
    # points.expiring this many days ahead, member.churn_risk after this many days
    # without a visit (0: not sent).
    notice_expiring_days: int = Field(default=30, ge=0, le=366)
    notice_churn_days: int = Field(default=90, ge=0, le=3650)
    # The message broker (RabbitMQ, docs/PARTNER_API.md): empty, off. amqp://user:pass@host/vhost
    broker_url: str = ""
    broker_exchange: str = "pos.events"
    # Fault injection for tests only: a push sleeps this long after writing everything
    # and before committing, so a test can kill the server mid-batch. Keep it 0.
    fault_pause_before_commit_seconds: float = 0.0
    # Operations: log format and level, Prometheus metrics at /metrics.
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    metrics_enabled: bool = True
    # /metrics answers only `Authorization: Bearer <metrics_token>`; empty: nobody.
    metrics_token: str = ""
    # FastAPI's /docs and /redoc pages (they load their scripts from a public CDN).
    docs_enabled: bool = False
    # One access-log line per request (off: only 5xx answers are logged).
    access_log: bool = False
    # GET /v1/changes and POST /v1/events answered as plain ASGI (sync_server/api/hot.py)
    # instead of through FastAPI's routing; off: FastAPI answers them (same answers).
    hot_routes: bool = True
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are trusted (comma list, "*").
    forwarded_allow_ips: str = "127.0.0.1"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path = config_file()
        if path is None:
            return (init_settings, env_settings, dotenv_settings, file_secret_settings)
        if not path.is_file():
            raise FileNotFoundError(f"configuration file not found: {path}")
        toml = TomlConfigSettingsSource(settings_cls, toml_file=path)
        return (init_settings, env_settings, dotenv_settings, toml, file_secret_settings)

    def resolved_database_url(self) -> str:
        """The configured URL, or an embedded SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir.resolve() / 'sync.db'}"
