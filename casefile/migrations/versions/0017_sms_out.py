"""Text messages out through GOV.UK Notify: each outbox row keeps its text's Notify id, state and fragments.

A reminder to a person with a text-message link goes by SMS too. Notify answers a send with an id and
later posts a delivery receipt naming it, so the row keeps the id (indexed: a receipt finds its row by
it), the state the last receipt gave, and how many fragments the text cost (the outcomes report counts them).

Revision ID: 0017_sms_out
Revises: 0015_password_change
Create Date: 2026-12-07 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_sms_out"
down_revision: str | Sequence[str] | None = "0016_staff_totp"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, not batch mode: a SQLite batch copies and drops the table, and the outbox is
# referred to by nothing, but the rule is kept the same everywhere.
def upgrade() -> None:
    op.add_column("outbox", sa.Column("notify_id", sa.String(length=36), nullable=True))
    op.add_column("outbox", sa.Column("sms_state", sa.String(length=20), nullable=True))
    op.add_column("outbox", sa.Column("sms_fragments", sa.Integer(), nullable=True))
    op.create_index("ix_outbox_notify_id", "outbox", ["notify_id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_notify_id", table_name="outbox")
    op.drop_column("outbox", "sms_fragments")
    op.drop_column("outbox", "sms_state")
    op.drop_column("outbox", "notify_id")
