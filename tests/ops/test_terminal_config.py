"""TOML settings for the terminal: file, environment override, --config, --version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from terminal.cli import main
from terminal.config import TerminalSettings

EXAMPLE = Path(__file__).parents[2] / "installers" / "terminal.example.toml"


def write_config(path: Path, data_dir: Path) -> Path:
    path.write_text(
        f'data_dir = "{data_dir.as_posix()}"\n'
        'server_url = "https://sync.example.com"\n'
        "page_size = 50\n"
        "[argon2]\n"
        "time_cost = 1\n"
        "memory_cost_kib = 8\n"
        "parallelism = 1\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("POS_TERMINAL_CONFIG", "POS_TERMINAL_SERVER_URL", "POS_TERMINAL_PAGE_SIZE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))  # no default file


def test_file_values_are_read(tmp_path: Path) -> None:
    config = write_config(tmp_path / "terminal.toml", tmp_path / "data")
    settings = TerminalSettings.load(config)
    assert settings.server_url == "https://sync.example.com"
    assert settings.page_size == 50
    assert settings.argon2.time_cost == 1
    assert settings.replica_path == tmp_path / "data" / "replica.sqlite3"


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_config(tmp_path / "terminal.toml", tmp_path / "data")
    monkeypatch.setenv("POS_TERMINAL_CONFIG", str(config))
    monkeypatch.setenv("POS_TERMINAL_PAGE_SIZE", "30")
    monkeypatch.setenv("POS_TERMINAL_ARGON2__TIME_COST", "2")
    settings = TerminalSettings.load()
    assert settings.page_size == 30
    assert settings.argon2.time_cost == 2
    assert settings.server_url == "https://sync.example.com"


def test_default_location_is_used_when_present(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = tmp_path / "xdg" / "pos-terminal" / "terminal.toml"
    default.parent.mkdir(parents=True)
    write_config(default, tmp_path / "data")
    assert TerminalSettings().page_size == 50


def test_named_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        TerminalSettings.load(tmp_path / "missing.toml")


def test_example_file_is_valid_and_matches_the_defaults(tmp_path: Path) -> None:
    settings = TerminalSettings.load(EXAMPLE)
    defaults = TerminalSettings()
    assert settings.model_dump(exclude={"data_dir"}) == defaults.model_dump(exclude={"data_dir"})


def test_cli_reads_config_and_prints_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path / "terminal.toml", tmp_path / "data")
    assert main(["--config", str(config), "init"]) == 0
    assert main(["--config", str(config), "status", "--json"]) == 0
    out = capsys.readouterr().out
    report = json.loads(out[out.index("{") :])
    assert report["replica"] == str(tmp_path / "data" / "replica.sqlite3")
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("pos-terminal ")
    assert main(["--config", str(tmp_path / "nope.toml"), "status"]) == 2


def test_every_setting_is_documented() -> None:
    example = EXAMPLE.read_text(encoding="utf-8")
    guide = (EXAMPLE.parents[1] / "docs" / "CONFIGURATION.md").read_text(encoding="utf-8")
    for name in TerminalSettings.model_fields:
        assert f"{name} =" in example or f"[{name}]" in example, name
        assert f"`{name}" in guide, name


def test_the_shells_own_variables_do_not_reach_nested_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A terminal window exports COLUMNS; PORT, HOST and TIME_COST are common too. Only the
    # POS_TERMINAL_ prefix (with __ for a nested group) sets the till's settings.
    for name, value in {"COLUMNS": "80", "PORT": "1", "HOST": "x", "TIME_COST": "9"}.items():
        monkeypatch.setenv(name, value)
    settings = TerminalSettings()
    assert settings.receipt_printer.columns == 48
    assert settings.receipt_printer.port == 9100
    assert settings.receipt_printer.host == ""
    assert settings.argon2.time_cost == 3
    monkeypatch.setenv("POS_TERMINAL_RECEIPT_PRINTER__COLUMNS", "32")
    assert TerminalSettings().receipt_printer.columns == 32
