"""A journey stage for people recalled to prison while on licence.

Revision ID: 0006_recalled_stage
Revises: 0005_sign_in_failures
Create Date: 2026-11-26 12:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006_recalled_stage"
down_revision: str | Sequence[str] | None = "0005_sign_in_failures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = ("in_court", "on_remand", "in_prison", "release_day", "hdc", "on_licence", "post_sentence_supervision",
           "community_order", "sentence_ended")
_AFTER = ("in_court", "on_remand", "in_prison", "release_day", "hdc", "on_licence", "recalled",
          "post_sentence_supervision", "community_order", "sentence_ended")


def _known(stages: tuple[str, ...]) -> str:
    return "stage IN (" + ", ".join(f"'{stage}'" for stage in stages) + ")"


def _allow(stages: tuple[str, ...]) -> None:
    # SQLite cannot change a CHECK in place, so batch mode copies the table; PostgreSQL alters it.
    with op.batch_alter_table("journey_positions") as batch:
        batch.drop_constraint(op.f("ck_journey_positions_stage_known"), type_="check")
        batch.create_check_constraint("stage_known", _known(stages))


def upgrade() -> None:
    _allow(_AFTER)


def downgrade() -> None:
    op.execute("UPDATE journey_positions SET stage = 'in_prison' WHERE stage = 'recalled'")
    _allow(_BEFORE)
