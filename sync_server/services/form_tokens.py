"""The sign-in form's CSRF token, bound to its pre-session cookie by a server key.

Before sign-in there is no session to hold a CSRF token, so the form uses a double
submit: the cookie holds a random pre-session id, the form a token derived from it,
``ISSUED.HMAC-SHA256(form_key, id.ISSUED)``. Someone who can plant a cookie cannot
make the matching token without the deployment's ``form_key`` (table ``server_keys``,
the same for every worker), and a token is good for ``TTL`` only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from sync_server.db import Database
from sync_server.repositories import catalog

TTL_SECONDS = 3600


class FormTokens:
    def __init__(self, database: Database) -> None:
        self.database = database
        self._key: bytes | None = None

    def _form_key(self) -> bytes:
        if self._key is None:
            with self.database.read() as session:
                self._key = catalog.server_key(session, "form_key")
        return self._key

    def _mac(self, pre_session: str, issued: int) -> str:
        message = f"{pre_session}.{issued}".encode()
        return hmac.new(self._form_key(), message, hashlib.sha256).hexdigest()

    @staticmethod
    def new_pre_session() -> str:
        return secrets.token_urlsafe(32)

    def token(self, pre_session: str, *, now: float | None = None) -> str:
        issued = int(time.time() if now is None else now)
        return f"{issued}.{self._mac(pre_session, issued)}"

    def valid(self, pre_session: str | None, token: object, *, now: float | None = None) -> bool:
        if not pre_session or not isinstance(token, str) or "." not in token:
            return False
        issued_text, mac = token.split(".", 1)
        if not issued_text.isdigit() or len(issued_text) > 12:
            return False
        issued = int(issued_text)
        age = (time.time() if now is None else now) - issued
        if not -60 <= age <= TTL_SECONDS:  # a little skew between hosts
            return False
        return hmac.compare_digest(mac, self._mac(pre_session, issued))
