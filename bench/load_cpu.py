"""Server CPU per request, in-process: what bench/load.py's requests cost the server.

    .venv/bin/python bench/load_cpu.py [--db postgres|sqlite] [--calls 200] [--rounds 5]

One thread, no HTTP: PushService.push (1-3 points.adjusted events for seeded members,
plus an enrolment every 10th push), PullService.changes_json (a page of the last 200
changes) and TerminalService.authenticate, on a fresh database with 1,000 seeded
members (bench/load_setup.py's Backend). Prints the process CPU time per call (the
least and the median of ``--rounds`` rounds; the least is the least disturbed by other
load on the machine) and the wall time. HTTP, uvicorn and FastAPI come on top.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_setup import Backend
from sqlalchemy import select

from shared.domain.member_code import mint_member_code
from shared.protocol import Event
from sync_server.models import Member
from sync_server.repositories import changes as changes_repo
from sync_server.services.pull import PullService, encode_cursor
from sync_server.services.push import PushService
from sync_server.services.terminals import TerminalService


class Till:
    def __init__(self, terminal_id: str, token: str, prefix: str, manager_id: str) -> None:
        self.terminal_id, self.token, self.prefix = terminal_id, token, prefix
        self.manager_id = manager_id
        self.seq = self.codes = 0

    def event(self, type_: str, member_id: str, data: dict[str, Any]) -> Event:
        self.seq += 1
        return Event.model_validate(
            {
                "event_id": str(uuid.uuid4()),
                "terminal_id": self.terminal_id,
                "seq": self.seq,
                "type": type_,
                "occurred_at": datetime.now(UTC).isoformat(),
                "staff_id": self.manager_id if type_ == "points.adjusted" else None,
                "member_id": member_id,
                "data": data,
            }
        )

    def enrol(self, phone: str) -> Event:
        self.codes += 1
        data = {
            "member_code": mint_member_code(self.prefix, self.codes),
            "name": "Load",
            "phone": phone,
            "consent_marketing": False,
        }
        return self.event("member.enrolled", str(uuid.uuid4()), data)


def measure(name: str, call: Callable[[int], None], calls: int, rounds: int) -> None:
    for i in range(20):
        call(i)
    cpu, wall = [], []
    for _ in range(rounds):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for i in range(calls):
            call(i)
        cpu.append(1000 * (time.process_time() - cpu0) / calls)
        wall.append(1000 * (time.perf_counter() - wall0) / calls)
    print(
        f"{name:<24} cpu {min(cpu):5.2f} ms (median {statistics.median(cpu):5.2f})"
        f"   wall median {statistics.median(wall):5.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    backend = Backend(args.db, Path(tempfile.mkdtemp(prefix="load-cpu-")))
    try:
        backend.seed(1000, 20)
        database = backend.database
        terminals = TerminalService(database, backend.settings)
        tills = []
        for i in range(20):
            code = backend.pairing_code(f"L{i:04d}", f"Till {i}")
            paired = terminals.pair(code, f"Till {i}", "127.0.0.1")
            tills.append(
                Till(
                    str(paired.terminal_id),
                    paired.token,
                    paired.member_code_prefix,
                    backend.manager_id,
                )
            )
        with database.read() as session:
            members = [row[0] for row in session.execute(select(Member.id))]
        push, pull = PushService(database), PullService(database, max_limit=5000)
        rng = random.Random(1)

        def one_push(i: int) -> None:
            till = tills[i % len(tills)]
            events = [
                till.event("points.adjusted", rng.choice(members), {"points": 5, "reason": "x"})
                for _ in range(rng.choice((1, 1, 2, 3)))
            ]
            if i % 10 == 0:
                events.append(till.enrol(f"139{rng.randrange(10**8):08d}"))
            push.push(till.terminal_id, events)

        measure("push (1-3 events)", one_push, args.calls, args.rounds)
        with database.read() as session:
            head = changes_repo.page_with_state(session, 0, 1).current
        cursor = encode_cursor(max(0, head - 200))

        def one_pull(_i: int) -> None:
            pull.changes_json(cursor, 2000)

        def one_authentication(i: int) -> None:
            terminals.authenticate(tills[i % len(tills)].token)

        measure("pull (200 changes)", one_pull, args.calls, args.rounds)
        measure("authenticate", one_authentication, args.calls, args.rounds)
    finally:
        backend.close()


if __name__ == "__main__":
    main()
