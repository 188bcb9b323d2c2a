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


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("nation", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("nation")
