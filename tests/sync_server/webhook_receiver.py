"""A webhook receiver on loopback that misbehaves at random: it fails (500), answers
after the sender's timeout (the event was processed, the sender does not know), or
answers slowly; it verifies every signature with the standardwebhooks library and keeps
what it processed, in arrival order."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass(frozen=True)
class Received:
    message_id: str
    body: bytes
    valid: bool
    at: float


@dataclass
class Behaviour:
    fail: float = 0.0  # answer 500 (not processed)
    hang: float = 0.0  # process, then answer only after hang_seconds
    slow: float = 0.0  # process, answer after slow_seconds (within the timeout)
    hang_seconds: float = 1.0
    slow_seconds: float = 0.1
    seed: int = 7


@dataclass
class Receiver:
    secret: str = ""
    behaviour: Behaviour = field(default_factory=Behaviour)
    received: list[Received] = field(default_factory=list)
    requests: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(self.behaviour.seed)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                receiver.handle(self, body)

            def log_message(self, *_args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def handle(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        with self._lock:
            self.requests += 1
            roll = self._rng.random()
        b = self.behaviour
        if roll < b.fail:
            self._answer(request, 500)
            return
        headers = {k.lower(): v for k, v in request.headers.items()}
        valid = True
        try:
            Webhook(self.secret).verify(body, headers, json_parse=False)
        except WebhookVerificationError:
            valid = False
        with self._lock:
            self.received.append(Received(headers.get("webhook-id", ""), body, valid, time.time()))
        if roll < b.fail + b.hang:
            time.sleep(b.hang_seconds)
        elif roll < b.fail + b.hang + b.slow:
            time.sleep(b.slow_seconds)
        self._answer(request, 200)

    @staticmethod
    def _answer(request: BaseHTTPRequestHandler, status: int) -> None:
        try:
            request.send_response(status)
            request.send_header("content-length", "0")
            request.end_headers()
        except OSError:
            pass  # the sender gave up waiting

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
