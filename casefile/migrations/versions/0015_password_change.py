"""Staff accounts an admin gave a temporary password: the person must choose their own at first sign-in.
And audit events say which address and console session a staff action came from; and case notes.

Admins no longer see anyone's one-time sign-in link (with it they could act as that worker while the
audit named the worker); they set a temporary password instead, which works only to choose a new one.

Revision ID: 0015_password_change
Revises: 0014_person_nation
Create Date: 2026-12-07 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from casefile.types import UTCDateTime

revision: str = "0015_password_change"
down_revision: str | Sequence[str] | None = "0014_person_nation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_notes_person_at", "case_notes", ["person_id", "created_at"])
    # Plain ALTER TABLE, not batch mode: a batch copies and drops the table, and dropping staff_accounts
    # on SQLite would cascade to the sign-in links that refer to it.
    op.add_column("staff_accounts", sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                              server_default=sa.text("false")))
    op.add_column("audit_events", sa.Column("client_address", sa.String(length=64), nullable=True))
    op.add_column("audit_events", sa.Column("session_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_index("ix_case_notes_person_at", table_name="case_notes")
    op.drop_table("case_notes")
    op.drop_column("audit_events", "session_id")
    op.drop_column("audit_events", "client_address")
    op.drop_column("staff_accounts", "must_change_password")
