"""Agency references for imported rows, and closing a file.

Appointments and assignments that arrive in an agency feed keep the agency and the agency's own
reference, so importing the same feed again finds the same rows instead of adding copies.
`people.closed_at` marks a file closed by `signpost casefile forget`.

Revision ID: 0002_feeds_and_closing
Revises: 0001_case_file
Create Date: 2026-11-26 09:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_feeds_and_closing"
down_revision: str | Sequence[str] | None = "0001_case_file"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SOURCED_TABLES = ("appointments", "assignments")


def upgrade() -> None:
    op.add_column("people", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    for table in _SOURCED_TABLES:
        # batch_alter_table: SQLite cannot add a named foreign key in place, so it rebuilds the table.
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("source_agency_id", sa.Integer(), nullable=True))
            batch.add_column(sa.Column("source_ref", sa.String(length=80), nullable=True))
            batch.create_foreign_key(
                op.f(f"fk_{table}_source_agency_id_agencies"), "agencies", ["source_agency_id"], ["id"],
                ondelete="SET NULL",
            )
        op.create_index(f"uq_{table}_source", table, ["source_agency_id", "source_ref"], unique=True)


def downgrade() -> None:
    for table in _SOURCED_TABLES:
        op.drop_index(f"uq_{table}_source", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"fk_{table}_source_agency_id_agencies"), type_="foreignkey")
            batch.drop_column("source_ref")
            batch.drop_column("source_agency_id")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("closed_at")
