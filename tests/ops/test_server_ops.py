"""Server operations: TOML settings with environment overrides, SQLite backup/restore,
/metrics, JSON logs."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sync_server import cli
from sync_server.app import build_services, create_app
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.migrate import migrate
from sync_server.observability import JsonFormatter, configure_logging
from sync_server.operations import OperationRefused, backup, restore, serving_lock
from sync_server.services.admin import AdminService
from tests.sync_server.helpers import ensure_store, pair_terminal, push

EXAMPLE = Path(__file__).parents[2] / "installers" / "server" / "sync-server.example.toml"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SYNC_CONFIG", "SYNC_PORT", "SYNC_LOG_FORMAT", "SYNC_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Iterator[Settings]:
    settings = Settings(data_dir=tmp_path, maintenance_interval_seconds=0)
    database = Database(settings.resolved_database_url())
    migrate(database)
    database.dispose()
    return settings


# --- configuration ------------------------------------------------------------------


def test_toml_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "sync-server.toml"
    config.write_text('port = 9000\nworkers = 4\nlog_format = "json"\n', encoding="utf-8")
    monkeypatch.setenv("SYNC_CONFIG", str(config))
    assert (Settings().port, Settings().workers, Settings().log_format) == (9000, 4, "json")
    monkeypatch.setenv("SYNC_PORT", "9100")
    assert (Settings().port, Settings().workers) == (9100, 4)


def test_missing_named_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNC_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(FileNotFoundError):
        Settings()


def test_example_file_is_valid_and_matches_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNC_CONFIG", str(EXAMPLE))
    from_file = Settings().model_dump(exclude={"data_dir"})
    monkeypatch.delenv("SYNC_CONFIG")
    assert from_file == Settings().model_dump(exclude={"data_dir"})


def test_cli_config_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "sync-server.toml"
    config.write_text(f'data_dir = "{tmp_path.as_posix()}/from-file"\n', encoding="utf-8")
    monkeypatch.setenv("SYNC_CONFIG", "")  # restored after the test (cli sets it)
    assert cli.main(["store", "list", "--config", str(config)]) == 0
    assert (tmp_path / "from-file" / "sync.db").exists()
    assert cli.main(["store", "list", "--config", str(tmp_path / "missing.toml")]) == 2


# --- backup and restore ---------------------------------------------------------------


def test_backup_and_restore(sqlite_settings: Settings, tmp_path: Path) -> None:
    database = Database(sqlite_settings.resolved_database_url())
    ensure_store(database, "S001")
    copy = backup(sqlite_settings, tmp_path / "copies" / "sync-backup.sqlite3")
    ensure_store(database, "S002")  # after the backup: gone after the restore
    database.dispose()

    with serving_lock(sqlite_settings), pytest.raises(OperationRefused) as refused:
        restore(sqlite_settings, copy)
    assert refused.value.code == "server_running"

    restore(sqlite_settings, copy)
    database = Database(sqlite_settings.resolved_database_url())
    try:
        assert {store.code for store in AdminService(database).stores()} == {"S001"}
    finally:
        database.dispose()


def test_restore_refuses_what_is_not_a_backup(sqlite_settings: Settings, tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(OperationRefused) as refused:
        restore(sqlite_settings, junk)
    assert refused.value.code == "bad_backup"


def test_backup_refuses_postgresql(tmp_path: Path) -> None:
    settings = Settings(database_url="postgresql+psycopg://u@h/db", data_dir=tmp_path)
    with pytest.raises(OperationRefused) as refused:
        backup(settings, tmp_path / "x.sqlite3")
    assert refused.value.code == "not_sqlite"


def test_backup_and_restore_commands(sqlite_settings: Settings, tmp_path: Path) -> None:
    target = tmp_path / "cli-backup.sqlite3"
    assert cli.main(["backup", str(target), "--data-dir", str(tmp_path)]) == 0
    assert target.exists()
    assert cli.main(["restore", str(target), "--data-dir", str(tmp_path)]) == 0


# --- metrics and logs ----------------------------------------------------------------


def sample(body: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in body.splitlines():
        match = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if match and ",".join(sorted(match.group(1).split(","))) == wanted:
            return float(match.group(2))
    return 0.0


def test_metrics_endpoint(sqlite_settings: Settings) -> None:
    settings = sqlite_settings.model_copy(update={"metrics_token": "scrape-secret"})
    database = Database(settings.resolved_database_url())
    app = create_app(settings, services=build_services(settings, database), background=False)
    scraper = {"Authorization": "Bearer scrape-secret"}
    with TestClient(app) as client:
        before = client.get("/metrics", headers=scraper).text
        till = pair_terminal(client, database, settings)
        enrol = till.events.enrol()
        push(client, till, [enrol])
        push(client, till, [enrol])  # the same event again: duplicate
        response = client.get("/metrics", headers=scraper)
        for refused in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "scrape-secret"}):
            closed = client.get("/metrics", headers=refused)
            assert closed.status_code == 401
            assert "sync_http" not in closed.text
    database.dispose()
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    body = response.text
    for status in ("accepted", "duplicate"):
        delta = sample(body, "sync_push_events_total", status=status) - sample(
            before, "sync_push_events_total", status=status
        )
        assert delta == 1, status
    route = {"method": "POST", "route": "/v1/events"}
    assert sample(body, "sync_http_requests_total", status="200", **route) >= 2
    assert sample(body, "sync_http_request_duration_seconds_count", **route) >= 2
    assert "process_cpu_seconds_total" in body  # one process: process metrics included


def test_json_log_lines(sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    json_settings = sqlite_settings.model_copy(update={"log_format": "json", "access_log": True})
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging(json_settings)
        stream = io.StringIO()
        root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
        database = Database(json_settings.resolved_database_url())
        app = create_app(
            json_settings, services=build_services(json_settings, database), background=False
        )
        with TestClient(app) as client:
            client.get("/v1/health", headers={"X-Forwarded-For": "203.0.113.9"})
        database.dispose()
        logging.getLogger("sync_server").warning("disk %s", "low", extra={"free_mb": 12})
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = next(r for r in records if r["logger"] == "sync_server.access")
    assert access["route"] == "/v1/health"
    assert access["status"] == 200
    assert access["method"] == "GET"
    assert isinstance(access["duration_ms"], float)
    warning = next(r for r in records if r["logger"] == "sync_server")
    assert (warning["level"], warning["message"], warning["free_mb"]) == ("WARNING", "disk low", 12)
    assert {"time", "pid"} <= set(warning)


def test_json_formatter_includes_the_exception() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "failed", (), exc_info=__import__("sys").exc_info()
        )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "failed"
    assert "ValueError: boom" in entry["exception"]


def test_every_setting_is_documented() -> None:
    example = EXAMPLE.read_text(encoding="utf-8")
    guide = (EXAMPLE.parents[2] / "docs" / "CONFIGURATION.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"{name} =" in example, name
        assert f"`{name}`" in guide, name
