from __future__ import annotations

import json
from pathlib import Path

import pytest

from terminal import cli, demo
from terminal.offline.migrate import head_revision


def test_init_then_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--data-dir", str(tmp_path), "init", "--store-code", "S009"]) == 0
    assert (tmp_path / "replica.sqlite3").exists()
    capsys.readouterr()
    assert cli.main(["--data-dir", str(tmp_path), "status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["schema_revision"] == head_revision() and report["paired"] is False
    assert report["store"]["store_code"] == "S009"
    assert report["outbox"]["pending"] == 0


def test_status_without_replica(tmp_path: Path) -> None:
    assert cli.main(["--data-dir", str(tmp_path), "status"]) == 1


def test_bad_store_settings_are_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--data-dir", str(tmp_path), "init", "--timezone", "Mars/Olympus"]) == 2
    assert "invalid_setting" in capsys.readouterr().err


def test_registry_accepts_new_subcommands(tmp_path: Path) -> None:
    seen: list[str] = []

    def hello(args: object, settings: object) -> int:
        seen.append(args.who)
        return 0

    registry = dict(cli.REGISTRY)
    registry["hello"] = cli.Subcommand("hello", "say hello", hello, (cli.arg("--who"),))
    args = cli.build_parser(registry).parse_args(["hello", "--who", "sync"])
    assert args.handler(args, None) == 0 and seen == ["sync"]


def test_demo_runs(capsys: pytest.CaptureFixture[str]) -> None:
    demo.main()
    out = capsys.readouterr().out
    for expected in ("offline_daily_cap", "exceeds_sale_cap", "manager_required", "Done."):
        assert expected in out
