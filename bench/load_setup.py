"""Set-up for bench/load.py: a fresh server database (a PostgreSQL schema or a SQLite
file), head-office data, a real `sync-server serve` process, and terminal pairings."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psycopg
from sqlalchemy.engine import make_url

from sync_server.config import Settings
from sync_server.db import Database
from sync_server.migrate import migrate
from sync_server.services.admin import AdminService
from sync_server.services.seed import SAME_SIZE_STAND_IN, SeedService
from sync_server.services.terminals import TerminalService

ROOT = Path(__file__).resolve().parents[1]
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Backend:
    """A server database of its own: a new schema on PostgreSQL, a new file on SQLite."""

    def __init__(self, kind: str, workdir: Path, pg_url: str | None = None) -> None:
        self.kind = kind
        self.schema: str | None = None
        self.manager_id = ""  # set by seed()
        self.base = pg_url or os.environ.get("TEST_POSTGRES_URL", PG_DEFAULT)
        if kind == "sqlite":
            self.url = f"sqlite:///{workdir / 'load.db'}"
        elif kind == "postgres":
            self.schema = f"load_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(_libpq(self.base), autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{self.schema}"')
            url = make_url(self.base).update_query_dict({"options": f"-csearch_path={self.schema}"})
            self.url = url.render_as_string(hide_password=False)
        else:
            raise ValueError(f"unknown database kind {kind!r}")
        self.database = Database(self.url, pool_size=4)
        migrate(self.database)
        self.settings = Settings(database_url=self.url, data_dir=workdir)

    def seed(self, members: int, sim_stores: int) -> None:
        """Store S001 with staff and members (the full tills' store), and one store per
        simulated terminal: 500 stores' terminals."""
        admin = AdminService(self.database)
        admin.add_store("S001", "Flagship")
        SeedService(self.database).seed(
            members, store_code="S001", rng_seed=7, phone_lookup=SAME_SIZE_STAND_IN
        )
        for index in range(sim_stores):
            admin.add_store(f"L{index:04d}", f"Load store {index}")
        # A head-office manager (no store): the staff id the load tills' adjustments and
        # voids name, as the server accepts them only from an active manager.
        self.manager_id = str(
            admin.add_staff("HQ-LOAD", "Load manager", "manager", "246810", None)["staff_id"]
        )

    def pairing_code(self, store_code: str, name: str) -> str:
        made = TerminalService(self.database, self.settings).add(store_code, name)
        return str(made.pairing_code)

    def paired_in_database(self, store_codes: list[str]) -> list[dict[str, str]]:
        """Terminals already paired, one per store code, written straight into the
        database (what a pairing leaves: a token hash, no pending code), for benches
        that measure something else than pairing: each pairing costs two argon2 hashes
        (the code minted, then checked), minutes for thousands of tills on 2 cores.
        Prefixes as `terminal add` hands them out (transposition-safe, unused)."""
        from shared.domain.member_code import transposition_safe
        from sync_server.models import Terminal
        from sync_server.repositories import terminals as terminals_repo
        from sync_server.services.bootstrap import HEAD_OFFICE_PREFIX
        from sync_server.services.common import new_id, new_token, sha256_hex, utcnow

        now = utcnow()
        made = []
        with self.database.write() as session:
            used = terminals_repo.used_prefixes(session) | {HEAD_OFFICE_PREFIX}
            free = (
                f"{n:06d}"
                for n in range(int(HEAD_OFFICE_PREFIX) + 1, 1_000_000)
                if f"{n:06d}" not in used and transposition_safe(f"{n:06d}")
            )
            for index, store_code in enumerate(store_codes):
                token, prefix = new_token(), next(free)
                terminal = Terminal(
                    id=new_id(),
                    store_code=store_code,
                    name=f"Bench {index}",
                    member_code_prefix=prefix,
                    token_hash=sha256_hex(token),
                    device_name=f"bench-{index}",
                    created_at=now,
                    paired_at=now,
                    last_seen_at=now,
                    watermark=0,
                    max_seq=0,
                )
                session.add(terminal)
                made.append(
                    {
                        "terminal_id": terminal.id,
                        "token": token,
                        "member_code_prefix": prefix,
                        "store_code": store_code,
                    }
                )
        return made

    def close(self) -> None:
        self.database.dispose()
        if self.schema:
            with psycopg.connect(_libpq(self.base), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{self.schema}" CASCADE')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# The bench's server opens /metrics to this token (bench/load_net.py scrapes with it).
METRICS_TOKEN = "bench-load-metrics"


class Server:
    """`sync-server serve --workers N` on a loopback port (kept across restarts)."""

    def __init__(
        self,
        db_url: str,
        workdir: Path,
        workers: int,
        *,
        root: Path = ROOT,
        python_args: list[str] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.root = root  # the checkout whose server runs (another one: a "before")
        self.python_args = python_args or []  # e.g. ["-m", "cProfile", "-o", FILE]
        self.env = env or {}
        self.db_url = db_url
        self.workdir = workdir
        self.workers = workers
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = workdir / "server.log"
        self.restarts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 180.0) -> None:  # a loaded 2-core machine is slow
        env = dict(os.environ, SYNC_MAINTENANCE_INTERVAL_SECONDS="0")
        env.setdefault("SYNC_METRICS_TOKEN", METRICS_TOKEN)
        # Hundreds of stores' tills pair from this one loopback address (and a cut
        # connection may replay a pairing): the per-address pairing throttle is for
        # guessers, not for a load run.
        env.setdefault("SYNC_PAIR_MAX_FAILURES", "100000")
        env.update(self.env)
        env["PYTHONPATH"] = str(self.root) + os.pathsep + env.get("PYTHONPATH", "")
        command = [sys.executable, *self.python_args, "-m", "sync_server.cli", "serve"]
        command += ["--db", self.db_url]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--workers", str(self.workers), "--data-dir", str(self.workdir)]
        command += ["--log-level", "warning"]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=self.root,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/v1/health", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> None:
        self.kill()
        self.restarts += 1
        self.start()
