"""/metrics of a real `sync-server serve --workers 2`: samples of both workers are summed
(prometheus_client multiprocess mode, set up by `serve`)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from sync_server.db import Database
from sync_server.migrate import migrate
from tests.ops.test_server_ops import sample
from tests.sync_server.live import ServerProcess

pytestmark = pytest.mark.slow


def test_two_workers_share_their_counters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    url = f"sqlite:///{tmp_path / 'sync.db'}"
    database = Database(url)
    migrate(database)
    database.dispose()
    env = {"SYNC_LOG_FORMAT": "json", "SYNC_METRICS_TOKEN": "scrape-secret"}
    server = ServerProcess(url, tmp_path, workers=2, env=env)
    server.start()
    try:
        health = {"method": "GET", "route": "/v1/health"}
        scraper = {"Authorization": "Bearer scrape-secret"}
        with httpx.Client(base_url=server.url, headers=scraper) as first:
            before = sample(
                first.get("/metrics").text, "sync_http_requests_total", status="200", **health
            )
        sent = 0
        while sent < 30 or (len(worker_files(tmp_path)) < 2 and sent < 300):
            # New connections: uvicorn's workers take turns accepting them.
            with httpx.Client(base_url=server.url) as client:
                assert client.get("/v1/health").status_code == 200
            sent += 1
        with httpx.Client(base_url=server.url, headers=scraper) as last:
            body = last.get("/metrics").text
    finally:
        server.stop()
    after = sample(body, "sync_http_requests_total", status="200", **health)
    assert len(worker_files(tmp_path)) == 2  # both workers answered ...
    assert after - before == sent  # ... and /metrics sums them, whichever one answers


def worker_files(data_dir: Path) -> set[str]:
    return {p.name for p in (data_dir / "prometheus").glob("counter_*.db")}
