"""Reminder outbox, and whether a chat link still reaches the person.

Revision ID: 0003_outbox
Revises: 0002_feeds_and_closing
Create Date: 2026-11-26 09:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from casefile.types import UTCDateTime

revision: str = "0003_outbox"
down_revision: str | Sequence[str] | None = "0002_feeds_and_closing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATES = "'pending', 'claimed', 'sent', 'failed', 'cancelled'"
_KINDS = ("'appointment_reminder', 'appointment_missed', 'release_day', 'money_step', 'pharmacy_pickup', "
          "'pharmacy_change', 'worker_message', 'worker_notice'")


def upgrade() -> None:
    with op.batch_alter_table("chat_links") as batch:
        batch.add_column(sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False))
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("offset_minutes", sa.Integer(), nullable=True),
        sa.Column("ref_starts_at", UTCDateTime(), nullable=True),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(f"state IN ({_STATES})", name=op.f("ck_outbox_state_known")),
        sa.CheckConstraint(f"kind IN ({_KINDS})", name=op.f("ck_outbox_kind_known")),
        sa.CheckConstraint("(person_id IS NULL) <> (worker_id IS NULL)", name=op.f("ck_outbox_one_recipient")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_outbox_person_id_people"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"], name=op.f("fk_outbox_worker_id_workers"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["appointment_id"], ["appointments.id"],
                                name=op.f("fk_outbox_appointment_id_appointments"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    op.create_index("ix_outbox_state_due", "outbox", ["state", "due_at"])
    op.create_index("ix_outbox_appointment", "outbox", ["appointment_id"])
    op.create_index("ix_outbox_person_due", "outbox", ["person_id", "due_at"])
    op.create_index(op.f("ix_outbox_worker_id"), "outbox", ["worker_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_worker_id"), table_name="outbox")
    op.drop_index("ix_outbox_person_due", table_name="outbox")
    op.drop_index("ix_outbox_appointment", table_name="outbox")
    op.drop_index("ix_outbox_state_due", table_name="outbox")
    op.drop_table("outbox")
    with op.batch_alter_table("chat_links") as batch:
        batch.drop_column("active")
