"""Head-office console accounts: argon2 passwords, lockout, sessions, roles, audit log.

Roles: ``admin`` may do everything; ``support`` handles members and terminals;
``auditor`` reads (no personal data, no changes). ``PERMISSIONS`` is the one table that
every console page and form checks.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from shared.errors import DomainError, ValidationFailed
from sync_server.db import Database
from sync_server.errors import Conflict
from sync_server.models import AdminAccount, AdminSession, AuditEntry
from sync_server.repositories import accounts as repo
from sync_server.services.common import new_id, sha256_hex, utcnow

ROLES = ("admin", "support", "auditor")
PERMISSIONS: dict[str, frozenset[str]] = {
    "view_board": frozenset({"admin", "auditor"}),
    "view_exceptions": frozenset({"admin", "auditor"}),
    "view_terminals": frozenset({"admin", "support", "auditor"}),
    "manage_terminals": frozenset({"admin", "support"}),
    "view_members": frozenset({"admin", "support", "auditor"}),
    "view_personal_data": frozenset({"admin", "support"}),
    "export_member": frozenset({"admin", "support"}),
    "erase_member": frozenset({"admin", "support"}),
    "issue_coupons": frozenset({"admin"}),
    "view_churn": frozenset({"admin", "auditor"}),
    "view_program": frozenset({"admin", "auditor"}),
    "publish_program": frozenset({"admin"}),
    "view_audit": frozenset({"admin", "auditor"}),
}
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
SESSION_TTL = timedelta(hours=8)
_NAME = re.compile(r"^[A-Za-z0-9._@-]{2,64}$")


class SignInFailed(DomainError):
    code = "sign_in_failed"
    status = 401


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


@dataclass(frozen=True, slots=True)
class Principal:
    account_id: str
    name: str
    role: str
    csrf_token: str
    session_hash: str

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise Forbidden(f"The {self.role} role may not do this ({permission}).")


# Who acts from the server's command line (whoever can run it administers the database).
CLI_PRINCIPAL = Principal("cli", "cli", "admin", "", "")


class AccountService:
    def __init__(self, database: Database, *, hasher: PasswordHasher | None = None) -> None:
        self.database = database
        self.hasher = hasher or PasswordHasher()
        # Verified against when the name is unknown, so that timing does not tell.
        self._dummy: str | None = None

    def add(self, name: str, role: str, password: str) -> AdminAccount:
        if not _NAME.match(name):
            raise ValidationFailed(
                "An account name is 2-64 letters, digits or . _ @ -.", code="invalid_name"
            )
        if role not in ROLES:
            raise ValidationFailed("Role is admin, support or auditor.", code="invalid_role")
        if len(password) < 12:
            raise ValidationFailed("A password has at least 12 characters.", code="weak_password")
        account = AdminAccount(
            id=new_id(),
            name=name,
            role=role,
            password_hash=self.hasher.hash(password),
            failed_attempts=0,
            disabled=False,
            created_at=utcnow(),
        )
        with self.database.write() as session:
            if repo.by_name(session, name) is not None:
                raise Conflict(f"Account {name} exists.", code="account_exists")
            session.add(account)
            repo.add_audit(session, utcnow(), "cli", "account.add", name, "", f"role={role}")
        return account

    def accounts(self) -> list[AdminAccount]:
        with self.database.read() as session:
            return repo.list_accounts(session)

    def sign_in(self, name: str, password: str, client: str) -> tuple[str, Principal]:
        """A new session token and its principal, or ``SignInFailed`` (same message for all).

        Failures are counted and audited in a transaction that commits; the error is
        raised after it. ``MAX_FAILURES`` in a row lock the account for ``LOCKOUT``.
        """
        now = utcnow()
        outcome: tuple[str, Principal] | None = None
        with self.database.write() as session:
            account = repo.lock_by_name(session, name)
            if account is None:
                self._dummy = self._dummy or self.hasher.hash(secrets.token_hex(8))
                self._verify(self._dummy, password)
                repo.add_audit(session, now, name[:64], "sign_in.failed", name[:200], "", client)
            elif account.disabled or (account.locked_until and account.locked_until > now):
                repo.add_audit(session, now, name, "sign_in.locked", name, "", client)
            elif not self._verify(account.password_hash, password):
                account.failed_attempts += 1
                if account.failed_attempts >= MAX_FAILURES:
                    account.locked_until = now + LOCKOUT
                    account.failed_attempts = 0
                repo.add_audit(session, now, name, "sign_in.failed", name, "", client)
            else:
                outcome = self._open_session(session, account, now, client)
        if outcome is None:
            raise SignInFailed("Wrong name or password, or the account is locked.")
        return outcome

    @staticmethod
    def _open_session(
        session: Session, account: AdminAccount, now: datetime, client: str
    ) -> tuple[str, Principal]:
        account.failed_attempts = 0
        account.locked_until = None
        account.last_login_at = now
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        session.add(
            AdminSession(
                token_hash=sha256_hex(token),
                account_id=account.id,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + SESSION_TTL,
            )
        )
        repo.delete_expired_sessions(session, now)
        repo.add_audit(session, now, account.name, "sign_in", account.name, "", client)
        return token, Principal(account.id, account.name, account.role, csrf, sha256_hex(token))

    def _verify(self, hashed: str, password: str) -> bool:
        try:
            return self.hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False

    def principal(self, token: str | None) -> Principal | None:
        if not token:
            return None
        with self.database.read() as session:
            found = repo.session_with_account(session, sha256_hex(token), utcnow())
            if found is None or found[1].disabled:
                return None
            row, account = found
            return Principal(account.id, account.name, account.role, row.csrf_token, row.token_hash)

    def sign_out(self, principal: Principal) -> None:
        with self.database.write() as session:
            repo.delete_session(session, principal.session_hash)
            repo.add_audit(session, utcnow(), principal.name, "sign_out", principal.name, "", "")

    # --- audit log ------------------------------------------------------------------

    def audit(
        self, actor: str, action: str, target: str, *, reason: str = "", detail: str = ""
    ) -> None:
        with self.database.write() as session:
            repo.add_audit(session, utcnow(), actor, action, target[:200], reason, detail)

    def audit_log(self, limit: int = 200, before_id: int | None = None) -> list[AuditEntry]:
        with self.database.read() as session:
            return repo.audit_entries(session, limit, before_id)
