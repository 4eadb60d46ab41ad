"""Console accounts, sessions and the audit log (queries only; never commit)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from sync_server.models import AdminAccount, AdminSession, AuditEntry, table_of


def by_name(session: Session, name: str) -> AdminAccount | None:
    return session.scalars(select(AdminAccount).where(AdminAccount.name == name)).one_or_none()


def lock_by_name(session: Session, name: str) -> AdminAccount | None:
    return session.scalars(
        select(AdminAccount).where(AdminAccount.name == name).with_for_update()
    ).one_or_none()


def any_password_hash(session: Session) -> str | None:
    """The newest account's password hash (its argon2 parameters), if there is one."""
    return session.scalars(
        select(AdminAccount.password_hash).order_by(AdminAccount.created_at.desc()).limit(1)
    ).first()


def list_accounts(session: Session) -> list[AdminAccount]:
    return list(session.scalars(select(AdminAccount).order_by(AdminAccount.name)).all())


def session_with_account(
    session: Session, token_hash: str, now: datetime
) -> tuple[AdminSession, AdminAccount] | None:
    row = session.execute(
        select(AdminSession, AdminAccount)
        .join(AdminAccount, AdminAccount.id == AdminSession.account_id)
        .where(AdminSession.token_hash == token_hash, AdminSession.expires_at > now)
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def delete_session(session: Session, token_hash: str) -> None:
    session.execute(delete(AdminSession).where(AdminSession.token_hash == token_hash))


def delete_sessions_of(session: Session, account_id: str) -> None:
    session.execute(delete(AdminSession).where(AdminSession.account_id == account_id))


def delete_expired_sessions(session: Session, now: datetime) -> None:
    session.execute(delete(AdminSession).where(AdminSession.expires_at <= now))


def add_audit(
    session: Session, at: datetime, actor: str, action: str, target: str, reason: str, detail: str
) -> None:
    session.execute(
        insert(table_of(AuditEntry)).values(
            at=at, actor=actor, action=action, target=target, reason=reason, detail=detail
        )
    )


def audit_entries(session: Session, limit: int, before_id: int | None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(session.scalars(query).all())
