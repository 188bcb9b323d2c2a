"""Staff accounts an admin gave a temporary password: the person must choose their own at first sign-in.
And audit events say which address and console session a staff action came from.

Admins no longer see anyone's one-time sign-in link (with it they could act as that worker while the
audit named the worker); they set a temporary password instead, which works only to choose a new one.

Revision ID: 0015_password_change
Revises: 0010_urgent_help
Create Date: 2026-12-07 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_password_change"
down_revision: str | Sequence[str] | None = "0010_urgent_help"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_accounts") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.text("false")))
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("client_address", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("session_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("session_id")
        batch.drop_column("client_address")
    with op.batch_alter_table("staff_accounts") as batch:
        batch.drop_column("must_change_password")
