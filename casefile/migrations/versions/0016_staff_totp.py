"""A second factor for staff accounts: a TOTP secret (optional for workers and editors, required for
admins), one being set up, the time step of the last code used (each code works once), and when it was set up.

Revision ID: 0016_staff_totp
Revises: 0015_password_change
Create Date: 2026-12-07 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from casefile.types import UTCDateTime

revision: str = "0016_staff_totp"
down_revision: str | Sequence[str] | None = "0016_shared_sending"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain ALTER TABLE, not batch mode: a batch copies and drops staff_accounts, and on SQLite dropping it
# would cascade to the sign-in links that refer to it.


def upgrade() -> None:
    op.add_column("staff_accounts", sa.Column("totp_secret", sa.String(length=64), nullable=True))
    op.add_column("staff_accounts", sa.Column("totp_pending_secret", sa.String(length=64), nullable=True))
    op.add_column("staff_accounts", sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    op.add_column("staff_accounts", sa.Column("totp_set_up_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("staff_accounts", "totp_set_up_at")
    op.drop_column("staff_accounts", "totp_last_step")
    op.drop_column("staff_accounts", "totp_pending_secret")
    op.drop_column("staff_accounts", "totp_secret")
