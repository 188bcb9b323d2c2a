"""Where a person's probation is: England or Wales, so the chat gives Wales's rules to people in Wales.

Some facts differ by nation (local welfare, the duty to refer, housing law). Nothing in the case file
said which applies, so a person gets `nation`: "england", "wales", or empty when not known (then the
chat gives the text as written, which says when it is England's).

Revision ID: 0014_person_nation
Revises: 0010_urgent_help
Create Date: 2026-12-07 15:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_person_nation"
down_revision: str | Sequence[str] | None = "0010_urgent_help"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, not batch mode: on SQLite a batch copies the table and drops the old one, and
# dropping `people` would cascade to every row that refers to a person (SQLite 3.35+ drops a column itself).
def upgrade() -> None:
    op.add_column("people", sa.Column("nation", sa.String(8), nullable=True))


def downgrade() -> None:
    op.drop_column("people", "nation")
