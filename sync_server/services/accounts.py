"""Head-office console accounts: argon2 passwords, throttled sign-in, sessions, roles, audit log.

Roles: ``admin`` may do everything; ``support`` handles members and terminals;
``auditor`` reads (no personal data, no changes). ``PERMISSIONS`` is the one table that
every console page and form checks.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from shared.errors import DomainError, NotFound, ValidationFailed
from sync_server.db import Database
from sync_server.errors import Conflict
from sync_server.models import AdminAccount, AdminSession, AuditEntry
from sync_server.repositories import accounts as repo
from sync_server.services import throttle
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
    # issue 17: operations in the console
    "view_stores": frozenset({"admin", "support", "auditor"}),
    "manage_stores": frozenset({"admin"}),
    "view_staff": frozenset({"admin", "support", "auditor"}),
    "manage_staff": frozenset({"admin"}),
    "edit_members": frozenset({"admin", "support"}),
    "merge_members": frozenset({"admin", "support"}),
    "manage_accounts": frozenset({"admin"}),
    "view_dashboard": frozenset({"admin", "auditor"}),
}
LANGUAGES = ("en", "zh_CN")
# Sign-in throttling (no account is ever locked by others' guesses): wrong passwords
# for one name from one address; from one address for any name; for one name from any
# address (bounded: many addresses can slow an account to one try per 30 s, not lock it).
MAX_FAILURES = 5
NAME_AT_ADDRESS = throttle.Policy(
    free=MAX_FAILURES, base_seconds=2, longest_seconds=900, forget_after_seconds=3600
)
ADDRESS = throttle.Policy(free=20, base_seconds=1, longest_seconds=300, forget_after_seconds=3600)
NAME = throttle.Policy(free=100, base_seconds=1, longest_seconds=30, forget_after_seconds=3600)
SESSION_TTL = timedelta(hours=8)
_NAME = re.compile(r"^[A-Za-z0-9._@-]{2,64}$")


class SignInFailed(DomainError):
    code = "sign_in_failed"
    status = 401


class SignInThrottled(DomainError):
    code = "sign_in_throttled"
    status = 429


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
    language: str = "en"

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

    def add(
        self, name: str, role: str, password: str, *, actor: str = "cli", language: str = "en"
    ) -> AdminAccount:
        if not _NAME.match(name):
            raise ValidationFailed(
                "An account name is 2-64 letters, digits or . _ @ -.", code="invalid_name"
            )
        if role not in ROLES:
            raise ValidationFailed("Role is admin, support or auditor.", code="invalid_role")
        _check_password(password)
        _check_language(language)
        account = AdminAccount(
            id=new_id(),
            name=name,
            role=role,
            password_hash=self.hasher.hash(password),
            failed_attempts=0,
            disabled=False,
            created_at=utcnow(),
            language=language,
        )
        with self.database.write() as session:
            if repo.by_name(session, name) is not None:
                raise Conflict(f"Account {name} exists.", code="account_exists")
            session.add(account)
            repo.add_audit(session, utcnow(), actor, "account.add", name, "", f"role={role}")
        return account

    def set_language(self, principal: Principal, language: str) -> None:
        """The console speaks ``language`` to this account from its next page on."""
        _check_language(language)
        with self.database.write() as session:
            account = repo.lock_by_name(session, principal.name)
            if account is None:
                raise NotFound("No such account.", code="unknown_account")
            account.language = language

    def change(
        self,
        principal: Principal,
        name: str,
        *,
        role: str | None = None,
        disabled: bool | None = None,
        password: str | None = None,
    ) -> AdminAccount:
        """An admin changes another account's role, enables or disables it, or sets a
        new password; disabling or a new password ends its sessions. Audited."""
        principal.require("manage_accounts")
        if name == principal.name and (role is not None or disabled is not None):
            raise ValidationFailed(
                "You cannot disable your own account or change its role.",
                code="cannot_change_self",
            )
        if role is not None and role not in ROLES:
            raise ValidationFailed("Role is admin, support or auditor.", code="invalid_role")
        if password is not None:
            _check_password(password)
        hashed = self.hasher.hash(password) if password is not None else None
        with self.database.write() as session:
            account = repo.lock_by_name(session, name)
            if account is None:
                raise NotFound(f"No account {name}.", code="unknown_account")
            details = []
            if role is not None and role != account.role:
                account.role = role
                details.append(f"role={role}")
            if disabled is not None and disabled != account.disabled:
                account.disabled = disabled
                details.append("disabled" if disabled else "enabled")
            if hashed is not None:
                account.password_hash = hashed
                details.append("password")
            if not details:
                raise ValidationFailed("Nothing was changed.", code="nothing_changed")
            if disabled or hashed is not None:
                repo.delete_sessions_of(session, account.id)
            repo.add_audit(
                session, utcnow(), principal.name, "account.change", name, "", ",".join(details)
            )
            return account

    def accounts(self) -> list[AdminAccount]:
        with self.database.read() as session:
            return repo.list_accounts(session)

    def sign_in(self, name: str, password: str, client: str) -> tuple[str, Principal]:
        """A new session token and its principal; ``SignInFailed`` (one message for every
        reason) or ``SignInThrottled`` (with ``retry_after``).

        The attempt is counted before the password is checked, per name at this
        address, per address and per name (sync_server/services/throttle.py). Unknown
        and disabled names are checked against a dummy hash of the same cost, so the
        answer's time tells nothing; a throttled answer depends only on the attempts
        made, never on whether the name exists.
        """
        now = utcnow()
        name = name[:64]
        client = client[:64]
        keys = self._throttle_keys(name, client)
        with self.database.write() as session:
            wait = throttle.attempt(session, keys, now)
            account = repo.by_name(session, name) if wait is None else None
            sample = repo.any_password_hash(session) if self._dummy is None else None
            if wait is not None:
                repo.add_audit(session, now, name, "sign_in.throttled", name, "", client)
        if wait is not None:
            raise SignInThrottled(
                f"Too many failed sign-ins; try again in {wait} seconds.", retry_after=wait
            )
        stored = account.password_hash if account is not None else self._dummy_hash(sample)
        right = self._verify(stored, password) and account is not None and not account.disabled
        with self.database.write() as session:
            found = repo.lock_by_name(session, name) if right else None
            if found is None:
                throttle.purge(session, now)
                repo.add_audit(session, now, name, "sign_in.failed", name, "", client)
            else:
                name_here, address, whole_name = keys
                throttle.succeeded(session, now, [name_here[0]], [address, whole_name])
                outcome = self._open_session(session, found, now, client)
        if found is None:
            raise SignInFailed("Wrong name or password.")
        return outcome

    @staticmethod
    def _throttle_keys(name: str, client: str) -> list[tuple[str, throttle.Policy]]:
        return [
            (f"login:{name}@{client}", NAME_AT_ADDRESS),
            (f"login-from:{client}", ADDRESS),
            (f"login:{name}", NAME),
        ]

    def _dummy_hash(self, sample: str | None) -> str:
        """A hash of a random password with the parameters of ``sample`` (an account's own
        hash), made once, outside any transaction."""
        if self._dummy is None:
            hasher = self.hasher
            if sample is not None:
                with contextlib.suppress(InvalidHashError):
                    hasher = PasswordHasher.from_parameters(extract_parameters(sample))
            self._dummy = hasher.hash(secrets.token_hex(16))
        return self._dummy

    @staticmethod
    def _open_session(
        session: Session, account: AdminAccount, now: datetime, client: str
    ) -> tuple[str, Principal]:
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
        return token, Principal(
            account.id, account.name, account.role, csrf, sha256_hex(token), account.language
        )

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
            return Principal(
                account.id,
                account.name,
                account.role,
                row.csrf_token,
                row.token_hash,
                account.language,
            )

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


def _check_password(password: str) -> None:
    if len(password) < 12:
        raise ValidationFailed("A password has at least 12 characters.", code="weak_password")


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValidationFailed("Language is en or zh_CN.", code="invalid_language")
