"""Failed console sign-ins by hashed client address, so every console process counts the same tries.

Revision ID: 0005_sign_in_failures
Revises: 0004_staff_accounts
Create Date: 2026-11-26 12:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from casefile.types import UTCDateTime

revision: str = "0005_sign_in_failures"
down_revision: str | Sequence[str] | None = "0004_staff_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=False),
        sa.Column("failed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    op.create_index("ix_sign_in_failures_client_at", "sign_in_failures", ["client_key", "failed_at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_client_at", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
