"""Terminal settings: one typed object, read from the environment (``POS_TERMINAL_*``),
an optional ``.env`` file and an optional TOML file, and passed down. No module-level
singletons.

Precedence (highest first): constructor arguments, environment, ``.env``, the TOML file.
The TOML file is ``--config FILE``, else ``$POS_TERMINAL_CONFIG``, else
``default_config_path()`` when it exists. Every setting is documented in
docs/CONFIGURATION.md and installers/terminal.example.toml.
"""

from __future__ import annotations

import os
import sys
from contextvars import ContextVar
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_ENV = "POS_TERMINAL_CONFIG"
_explicit_config: ContextVar[Path | None] = ContextVar("pos_terminal_config", default=None)


def default_config_path() -> Path:
    """Where the terminal looks for its TOML file when none is named."""
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "pos-terminal" / "terminal.toml"


def config_file() -> Path | None:
    """The TOML file in force: named explicitly, by the environment, or the default."""
    named = _explicit_config.get() or os.environ.get(CONFIG_ENV)
    if named:
        return Path(named)
    default = default_config_path()
    return default if default.is_file() else None


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "pos-terminal"


class Argon2Params(BaseSettings):
    """Cost of the PIN hashes the terminal creates (verification reads them from the hash)."""

    model_config = SettingsConfigDict(extra="ignore")

    time_cost: int = Field(default=3, ge=1)
    memory_cost_kib: int = Field(default=65_536, ge=8)
    parallelism: int = Field(default=4, ge=1)


class ReceiptPrinterSettings(BaseSettings):
    """The thermal receipt printer (ESC/POS) member slips go to when ``slip_printer`` is
    ``receipt``: how it is connected, and its paper's width in characters."""

    model_config = SettingsConfigDict(extra="ignore")

    connection: Literal["usb", "network", "serial", "file"] = "network"
    usb_vendor_id: int = Field(default=0, ge=0, le=0xFFFF)  # e.g. 0x04b8 (Epson)
    usb_product_id: int = Field(default=0, ge=0, le=0xFFFF)
    host: str = ""  # network: the printer's address (raw TCP, port 9100 on most)
    port: int = Field(default=9100, ge=1, le=65535)
    serial_device: str = ""  # serial: /dev/ttyUSB0, COM3
    baudrate: int = Field(default=9600, ge=1200, le=921_600)
    device_file: str = ""  # file: a printer device such as /dev/usb/lp0
    columns: int = Field(default=48, ge=24, le=80)  # 48 on 80 mm paper, 32 on 58 mm
    timeout_seconds: float = Field(default=5.0, gt=0, le=60)


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
    auto_lock_seconds: int = Field(default=180, ge=15)  # idle seconds before the till locks
    replica_backups_keep: int = Field(default=5, ge=1)
    # What this till's USB scanner sends around a code (its own configuration): characters
    # before it, the key after it, and the longest pause between its keys.
    scanner_prefix: str = Field(default="", max_length=8)
    scanner_suffix: Literal["enter", "tab", "none"] = "enter"
    scanner_max_gap_ms: int = Field(default=40, ge=5, le=200)
    kiosk: bool = False  # full screen without a title bar (a till with no window manager)
    # Member slips after a transaction: where "Print slip" sends them (Qt's printing,
    # any installed printer or PDF; or the ESC/POS receipt printer below), and whether
    # each transaction prints one without being asked.
    slip_printer: Literal["system", "receipt"] = "system"
    slip_auto_print: bool = False
    receipt_printer: ReceiptPrinterSettings = Field(default_factory=ReceiptPrinterSettings)
    # A second window for the customer (on the second screen when there is one).
    customer_display: bool = False

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources = [init_settings, env_settings, dotenv_settings]
        path = config_file()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return (*sources, file_secret_settings)

    @classmethod
    def load(cls, path: Path | None = None) -> TerminalSettings:
        """Settings from ``path`` (or the usual file) with environment overrides.

        A file that is named (argument or ``POS_TERMINAL_CONFIG``) must exist.
        """
        token = _explicit_config.set(path)
        try:
            named = config_file()
            if named is not None and not named.is_file():
                raise FileNotFoundError(f"configuration file not found: {named}")
            return cls()
        finally:
            _explicit_config.reset(token)

    @property
    def replica_path(self) -> Path:
        return self.data_dir / self.replica_file
