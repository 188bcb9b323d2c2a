"""Staff console accounts and one-time sign-in links.

Revision ID: 0004_staff_accounts
Revises: 0003_outbox
Create Date: 2026-11-27 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from casefile.types import UTCDateTime

revision: str = "0004_staff_accounts"
down_revision: str | Sequence[str] | None = "0003_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_sign_in_at", UTCDateTime(), nullable=True),
        sa.Column("sessions_valid_after", UTCDateTime(), nullable=True),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.CheckConstraint("role IN ('worker', 'editor', 'admin')", name=op.f("ck_staff_accounts_role_known")),
        sa.CheckConstraint("role <> 'worker' OR worker_id IS NOT NULL",
                           name=op.f("ck_staff_accounts_worker_has_worker")),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"], name=op.f("fk_staff_accounts_worker_id_workers"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_accounts")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_accounts_email")),
        sa.UniqueConstraint("worker_id", name=op.f("uq_staff_accounts_worker_id")),
    )
    op.create_table(
        "sign_in_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["staff_accounts.id"],
                                name=op.f("fk_sign_in_tokens_account_id_staff_accounts"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sign_in_tokens_token_hash")),
    )
    op.create_index(op.f("ix_sign_in_tokens_account_id"), "sign_in_tokens", ["account_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sign_in_tokens_account_id"), table_name="sign_in_tokens")
    op.drop_table("sign_in_tokens")
    op.drop_table("staff_accounts")
