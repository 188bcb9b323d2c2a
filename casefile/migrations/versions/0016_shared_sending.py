"""Several processes sending as one bot: a shared send budget, a sending lease, and each chat's last update.

Revision ID: 0016_shared_sending
Revises: 0015_password_change
Create Date: 2026-12-07 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from casefile.types import UTCDateTime

revision: str = "0016_shared_sending"
down_revision: str | Sequence[str] | None = "0015_password_change"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handled_updates",
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=100), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("handled_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "chat_id", name=op.f("pk_handled_updates")),
    )
    op.create_index(op.f("ix_handled_updates_handled_at"), "handled_updates", ["handled_at"])
    op.create_table(
        "send_budgets",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("next_slot", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_send_budgets")),
    )
    op.create_table(
        "send_budget_chats",
        sa.Column("budget", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=100), nullable=False),
        sa.Column("next_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("budget", "chat_id", name=op.f("pk_send_budget_chats")),
    )
    op.create_index(op.f("ix_send_budget_chats_next_at"), "send_budget_chats", ["next_at"])
    op.create_table(
        "sending_leases",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sending_leases")),
    )


def downgrade() -> None:
    op.drop_table("sending_leases")
    op.drop_index(op.f("ix_send_budget_chats_next_at"), table_name="send_budget_chats")
    op.drop_table("send_budget_chats")
    op.drop_table("send_budgets")
    op.drop_index(op.f("ix_handled_updates_handled_at"), table_name="handled_updates")
    op.drop_table("handled_updates")
