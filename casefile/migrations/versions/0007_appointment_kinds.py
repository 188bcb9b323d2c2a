"""Appointment kinds from one list: the chat's "drugs" becomes "drugs_alcohol", and the database checks it.

Before this, the chat booked `drugs`, the console `drugs_alcohol`, and the case file took any text.
Stored `drugs` rows become `drugs_alcohol` (the name the console, feeds and demo data use); any other
unknown kind becomes `other`, so the new CHECK can hold. The downgrade drops the CHECK only: the
renamed rows stay valid under the old rules.

Revision ID: 0007_appointment_kinds
Revises: 0006_recalled_stage
Create Date: 2026-12-05 01:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007_appointment_kinds"
down_revision: str | Sequence[str] | None = "0006_recalled_stage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out, not imported: a migration must keep meaning what it meant when it was written.
_KINDS = ("probation", "housing", "health", "drugs_alcohol", "jobcentre", "unpaid_work", "mentor", "other")
_LISTED = ", ".join(f"'{kind}'" for kind in _KINDS)


def upgrade() -> None:
    op.execute("UPDATE appointments SET kind = 'drugs_alcohol' WHERE kind = 'drugs'")
    op.execute(f"UPDATE appointments SET kind = 'other' WHERE kind NOT IN ({_LISTED})")
    # SQLite cannot add a CHECK in place, so batch mode copies the table; PostgreSQL alters it.
    with op.batch_alter_table("appointments") as batch:
        batch.create_check_constraint("kind_known", f"kind IN ({_LISTED})")


def downgrade() -> None:
    with op.batch_alter_table("appointments") as batch:
        batch.drop_constraint(op.f("ck_appointments_kind_known"), type_="check")
