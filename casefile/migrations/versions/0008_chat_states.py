"""Chat state in the case file: where each chat is in the conversation, and its Listen answers.

Before this, both lived in one server process's memory: a restart lost a key worker's half-done
booking, and a second `signpost serve` behind the same webhook did not see the first one's state.

Revision ID: 0008_chat_states
Revises: 0007_appointment_kinds
Create Date: 2026-12-06 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from casefile.types import UTCDateTime

revision: str = "0008_chat_states"
down_revision: str | Sequence[str] | None = "0007_appointment_kinds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_states",
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=100), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "chat_id", name=op.f("pk_chat_states")),
    )
    op.create_index(op.f("ix_chat_states_expires_at"), "chat_states", ["expires_at"])
    op.create_table(
        "spoken_answers",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_spoken_answers")),
    )
    op.create_index("ix_spoken_answers_chat", "spoken_answers", ["channel", "chat_id"])
    op.create_index(op.f("ix_spoken_answers_expires_at"), "spoken_answers", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_spoken_answers_expires_at"), table_name="spoken_answers")
    op.drop_index("ix_spoken_answers_chat", table_name="spoken_answers")
    op.drop_table("spoken_answers")
    op.drop_index(op.f("ix_chat_states_expires_at"), table_name="chat_states")
    op.drop_table("chat_states")
