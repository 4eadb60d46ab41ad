"""What a stolen till gives away: no first digits of phones (phone_masked goes), no fast
phone HMAC (phone_hash is emptied: it is the slow hash from now on), and only this
store's staff. The pull starts again from the beginning: every member comes back with
its slow hash (members keep showing meanwhile: found by last 4 digits and name), and
staff the server no longer sends this till (other stores') go after that full pull
(``SyncStore.drop_unconfirmed_staff``). Settled member.updated payloads lose the phone.

Revision ID: t11c
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "t11c"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_column("members", "phone_masked")
    # version 0: the re-pull overwrites every row (a change applies only when newer)
    op.execute("UPDATE members SET phone_hash = '', version = 0")
    op.execute("UPDATE staff SET version = 0")
    op.execute("UPDATE program_versions SET version = 0")
    op.execute("UPDATE terminal_state SET pull_cursor = NULL")
    op.execute(
        "UPDATE outbox SET payload = json_remove(payload, '$.data.phone', '$.data.email', "
        "'$.data.birthday') "
        "WHERE status != 'pending' AND json_extract(payload, '$.type') = 'member.updated'"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE members ADD COLUMN phone_masked VARCHAR(32) NOT NULL DEFAULT ''")
