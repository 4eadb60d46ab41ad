from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from terminal import cli, demo
from terminal.config import TerminalSettings
from terminal.offline.migrate import head_revision


def test_init_then_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--data-dir", str(tmp_path), "init", "--store-code", "S009"]) == 0
    assert (tmp_path / "replica.sqlite3").exists()
    capsys.readouterr()
    assert cli.main(["--data-dir", str(tmp_path), "status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["schema_revision"] == head_revision()
    assert report["paired"] is False
    assert report["store"]["store_code"] == "S009"
    assert report["outbox"]["pending"] == 0


def test_status_without_replica(tmp_path: Path) -> None:
    assert cli.main(["--data-dir", str(tmp_path), "status"]) == 1


def test_bad_store_settings_are_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--data-dir", str(tmp_path), "init", "--timezone", "Mars/Olympus"]) == 2
    assert "invalid_setting" in capsys.readouterr().err


def test_registry_accepts_new_subcommands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command listed in the registry joins `pos-terminal`: parsed, given the settings
    with the --data-dir applied, its exit code returned, its DomainError a clear message."""
    from shared.errors import ValidationFailed

    seen: list[tuple[str, Path]] = []

    def hello(args: argparse.Namespace, settings: TerminalSettings) -> int:
        if args.who == "nobody":
            raise ValidationFailed("Nobody to greet.", code="invalid_input")
        seen.append((args.who, settings.data_dir))
        return 7

    listed = cli.Subcommand("hello", "say hello", hello, (cli.arg("--who"),))
    monkeypatch.setattr(cli, "REGISTRY", cli.registry(cli.REGISTRY.values(), [listed]))

    assert cli.main(["--data-dir", str(tmp_path), "hello", "--who", "sync"]) == 7
    assert seen == [("sync", tmp_path)]
    assert cli.main(["hello", "--who", "nobody"]) == 2
    assert "error [invalid_input]: Nobody to greet." in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "hello" in capsys.readouterr().out
    assert "init" in cli.REGISTRY


def test_every_command_is_listed_once_and_importing_registers_nothing() -> None:
    """The registry is the explicit list of the command modules' tables: importing a
    command module adds nothing to it, and a name listed twice is refused."""
    import importlib

    from terminal.cli import day_close, gui, local, ops, sync

    names = sorted(cli.REGISTRY)
    assert names == sorted(
        {"init", "status", "pair", "sync", "day-close", "rebuild-replica", "backup", "gui"}
    )
    for module in (day_close, gui, local, ops, sync):
        importlib.reload(module)
    assert sorted(cli.REGISTRY) == names
    with pytest.raises(ValueError, match="listed twice"):
        cli.registry(local.COMMANDS, local.COMMANDS)


def test_demo_runs(capsys: pytest.CaptureFixture[str]) -> None:
    demo.main()
    out = capsys.readouterr().out
    for expected in ("offline_daily_cap", "exceeds_sale_cap", "manager_required", "Done."):
        assert expected in out
