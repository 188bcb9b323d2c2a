"""Planning from what changed, and keeping rows only as long as the settings say.

planning_marks: one row per person whose planned messages must be planned again, written with the change;
the planner reads these instead of every person. Indexes for the nightly prune (case updates and audit
events by age, finished outbox rows whose details are still kept) and for the dispatcher's claim (claimed
rows by lease, a partial index of claimed rows only; pending rows use ix_outbox_state_due), so claiming stays
quick with millions of sent rows kept.

Revision ID: 0019_retention
Revises: 0015_password_change
Create Date: 2026-12-07 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from casefile.types import UTCDateTime

revision: str = "0019_retention"
down_revision: str | Sequence[str] | None = "0018_sms_consent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out here, not imported: a migration must keep meaning what it meant when it was written.
CLAIMED_WHERE = "state = 'claimed'"
DETAILS_KEPT_WHERE = ("state IN ('sent', 'failed', 'cancelled') AND "
                      "(body <> '' OR telegram_message_id IS NOT NULL OR last_error IS NOT NULL)")


def upgrade() -> None:
    op.create_table(
        "planning_marks",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("marked_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_index("ix_planning_marks_marked_at", "planning_marks", ["marked_at"])
    op.create_index("ix_case_updates_at", "case_updates", ["at"])
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    for name, columns, where in (("ix_outbox_claimed_lease", ["lease_until"], CLAIMED_WHERE),
                                 ("ix_outbox_details_kept", ["due_at"], DETAILS_KEPT_WHERE)):
        op.create_index(name, "outbox", columns, postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def downgrade() -> None:
    for name in ("ix_outbox_details_kept", "ix_outbox_claimed_lease"):
        op.drop_index(name, table_name="outbox")
    op.drop_index("ix_audit_events_at", table_name="audit_events")
    op.drop_index("ix_case_updates_at", table_name="case_updates")
    op.drop_index("ix_planning_marks_marked_at", table_name="planning_marks")
    op.drop_table("planning_marks")
