"""Text messages: which numbers said STOP, had the first text or wait for a worker's confirmation code;
which received texts were handled (ids and times only); and each person's SMS discreet mode and choice
of channel for reminders.

Revision ID: 0018_sms_consent
Revises: 0017_sms_out (S1's, merged into this branch; 0015_password_change before that)
Create Date: 2026-12-07 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from casefile.types import UTCDateTime

revision: str = "0018_sms_consent"
down_revision: str | Sequence[str] | None = "0017_sms_out"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sms_numbers",
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column("stopped_at", UTCDateTime(), nullable=True),
        sa.Column("introduced_at", UTCDateTime(), nullable=True),
        sa.Column("pending_person_id", sa.Integer(), nullable=True),
        sa.Column("pending_worker_id", sa.Integer(), nullable=True),
        sa.Column("pending_code_hash", sa.String(length=128), nullable=True),
        sa.Column("pending_expires_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["pending_person_id"], ["people.id"], ondelete="CASCADE",
                                name="fk_sms_numbers_pending_person_id_people"),
        sa.ForeignKeyConstraint(["pending_worker_id"], ["workers.id"], ondelete="SET NULL",
                                name="fk_sms_numbers_pending_worker_id_workers"),
        sa.PrimaryKeyConstraint("phone_number", name="pk_sms_numbers"),
    )
    op.create_index("ix_sms_numbers_pending_person_id", "sms_numbers", ["pending_person_id"])
    op.create_table(
        "sms_inbound",
        sa.Column("notification_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("handled_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("notification_id", name="pk_sms_inbound"),
    )
    op.create_index("ix_sms_inbound_received_at", "sms_inbound", ["received_at"])
    # Plain ALTER TABLE, not batch mode: a SQLite batch copies and drops people, cascading to every row.
    op.add_column("people", sa.Column("sms_discreet", sa.Boolean(), nullable=False, server_default=sa.text("true")))
    op.add_column("people", sa.Column("channel_choice", sa.String(length=10), nullable=False,
                                      server_default=sa.text("'both'")))


def downgrade() -> None:
    op.drop_column("people", "channel_choice")
    op.drop_column("people", "sms_discreet")
    op.drop_index("ix_sms_inbound_received_at", table_name="sms_inbound")
    op.drop_table("sms_inbound")
    op.drop_index("ix_sms_numbers_pending_person_id", table_name="sms_numbers")
    op.drop_table("sms_numbers")
