"""Urgent requests ("Tell my worker now"), glossary gaps that are words, never sentences, and the
questions people chose to send to the editors.

Before this, a whole message Signpost could not answer was stored as an "unknown term" for editors,
even one saying the person wanted to die. Gaps keep only terms of one to three words from now on, and
this migration deletes the stored rows of four words or more. The downgrade cannot bring them back.

Revision ID: 0010_urgent_help
Revises: 0009_services
Create Date: 2026-12-06 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from casefile.types import UTCDateTime

revision: str = "0010_urgent_help"
down_revision: str | Sequence[str] | None = "0009_services"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out, not imported: a migration must keep meaning what it meant when it was written.
_KINDS = ("suicide", "overdose", "relapse", "no_bed", "no_food", "violence", "medical", "other")


def upgrade() -> None:
    op.create_table(
        "urgent_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("raised_at", UTCDateTime(), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=True),
        sa.Column("seen_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN (" + ", ".join(f"'{kind}'" for kind in _KINDS) + ")",
                           name=op.f("ck_urgent_requests_kind_known")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_urgent_requests_person_id_people"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["seen_by"], ["workers.id"], name=op.f("fk_urgent_requests_seen_by_workers"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_urgent_requests")),
    )
    op.create_index(op.f("ix_urgent_requests_person_id"), "urgent_requests", ["person_id"])
    op.create_table(
        "editor_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("asked_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_editor_questions")),
    )
    op.create_index(op.f("ix_editor_questions_asked_at"), "editor_questions", ["asked_at"])
    # Four words or more is a sentence someone typed, not a term to explain.
    op.execute("DELETE FROM unknown_terms WHERE term LIKE '% % % %'")


def downgrade() -> None:
    op.drop_index(op.f("ix_editor_questions_asked_at"), table_name="editor_questions")
    op.drop_table("editor_questions")
    op.drop_index(op.f("ix_urgent_requests_person_id"), table_name="urgent_requests")
    op.drop_table("urgent_requests")
