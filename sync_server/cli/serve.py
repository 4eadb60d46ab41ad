"""`sync-server serve`, `migrate`, `backup FILE` and `restore FILE`: running the server
and keeping its database (``sync_server.operations`` does the work of the last two)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from sync_server import operations
from sync_server.cli.common import AddCommand, open_database, output, settings_from
from sync_server.config import Settings


def cmd_serve(args: argparse.Namespace) -> int:
    settings, database = open_database(args)
    database.dispose()
    workers = args.workers or settings.workers
    operations.prepare_multiprocess_metrics(settings, workers)
    os.environ["SYNC_DATABASE_URL"] = settings.resolved_database_url()
    os.environ["SYNC_DATA_DIR"] = str(settings.data_dir)
    os.environ["SYNC_WORKERS"] = str(workers)  # each worker knows it has siblings
    with operations.serving_lock(settings):  # `restore` refuses while this is held
        _run_uvicorn(args, settings, workers)
    return 0


def _run_uvicorn(args: argparse.Namespace, settings: Settings, workers: int) -> None:
    import uvicorn

    uvicorn.run(
        "sync_server.app:app_from_environment",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=workers,
        proxy_headers=True,  # client address from X-Forwarded-For of trusted proxies
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_level=args.log_level,
        access_log=False,
        # Longer than a terminal's 5 s sync interval: with uvicorn's default (5 s) a
        # till's kept-alive connection was closed just as it was reused, and the sync
        # failed with "server disconnected" (seen under load, bench/load.py).
        timeout_keep_alive=75,
        # With several workers the supervisor kills a worker that does not answer its
        # health ping in time. uvicorn's default (5 s) is shorter than a worker's start
        # (imports) on a busy 2-core machine: every worker was killed while starting,
        # again and again, and the server never came up (seen at load average ~40).
        timeout_worker_healthcheck=30,
        # A stop (SIGTERM, a rolling restart) waits at most this long for requests in
        # flight: without it, every till's 50 s long poll held the stop up to 50 s. A
        # till whose poll is cut asks again (terminal/offline/timing.py).
        timeout_graceful_shutdown=5,
    )


def cmd_migrate(args: argparse.Namespace) -> int:
    settings, _ = open_database(args)
    output(args, {"migrated": True}, f"Database is up to date: {settings.resolved_database_url()}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    target = operations.backup(settings_from(args), Path(args.file))
    print(f"database copied to {target}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    revision = operations.restore(settings_from(args), Path(args.file))
    print(f"database restored from {args.file} (schema {revision}, upgraded to the current)")
    return 0


def register(sub: Any, add: AddCommand) -> None:
    """serve, migrate, backup, restore."""
    serve = add("serve", cmd_serve, help="run the HTTP server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.add_argument("--log-level", default="warning")
    add("migrate", cmd_migrate, help="create or upgrade the database schema")
    add("backup", cmd_backup, help="copy the SQLite database (online)").add_argument("file")
    add("restore", cmd_restore, help="replace the SQLite database (server stopped)").add_argument(
        "file"
    )
