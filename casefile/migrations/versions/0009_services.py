"""The directory of local services, in the shape of Open Referral UK, for "Places open now".

Organisations, their services, the services' categories, places, phone numbers, weekly opening hours
(London wall-clock times, possibly past midnight) and holiday changes. Imported whole from an Open
Referral UK file or the editors' YAML (`signpost services import`); nobody's case file refers to it.

Revision ID: 0009_services
Revises: 0008_chat_states
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from casefile.types import UTCDateTime

revision: str = "0009_services"
down_revision: str | Sequence[str] | None = "0008_chat_states"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CATEGORIES = "'housing', 'food', 'money', 'drugs_alcohol', 'mental_health', 'id_documents', 'legal', 'health'"


def upgrade() -> None:
    op.create_table(
        "service_organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_organisations")),
        sa.UniqueConstraint("ref", name=op.f("uq_service_organisations_ref")),
    )
    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=100), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=300), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("eligibility", sa.Text(), nullable=False),
        sa.Column("minimum_age", sa.Integer(), nullable=True),
        sa.Column("maximum_age", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("minimum_age IS NULL OR minimum_age >= 0",
                           name=op.f("ck_services_minimum_age_not_negative")),
        sa.CheckConstraint("maximum_age IS NULL OR maximum_age >= 0",
                           name=op.f("ck_services_maximum_age_not_negative")),
        sa.ForeignKeyConstraint(["organisation_id"], ["service_organisations.id"],
                                name=op.f("fk_services_organisation_id_service_organisations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
        sa.UniqueConstraint("ref", name=op.f("uq_services_ref")),
    )
    op.create_index(op.f("ix_services_organisation_id"), "services", ["organisation_id"])
    op.create_table(
        "service_categories",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.CheckConstraint(f"category IN ({CATEGORIES})", name=op.f("ck_service_categories_category_known")),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"],
                                name=op.f("fk_service_categories_service_id_services"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("service_id", "category", name=op.f("pk_service_categories")),
    )
    op.create_table(
        "service_locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=400), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"],
                                name=op.f("fk_service_locations_service_id_services"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_locations")),
    )
    op.create_index(op.f("ix_service_locations_service_id"), "service_locations", ["service_id"])
    op.create_table(
        "service_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"],
                                name=op.f("fk_service_contacts_service_id_services"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_contacts")),
    )
    op.create_index(op.f("ix_service_contacts_service_id"), "service_contacts", ["service_id"])
    op.create_table(
        "service_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("opens_at", sa.Time(), nullable=False),
        sa.Column("closes_at", sa.Time(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("bank_holidays", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.CheckConstraint("weekday >= 0 AND weekday <= 6", name=op.f("ck_service_schedules_weekday_range")),
        sa.CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from",
                           name=op.f("ck_service_schedules_valid_order")),
        sa.ForeignKeyConstraint(["location_id"], ["service_locations.id"],
                                name=op.f("fk_service_schedules_location_id_service_locations"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"],
                                name=op.f("fk_service_schedules_service_id_services"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_schedules")),
    )
    op.create_index(op.f("ix_service_schedules_service_id"), "service_schedules", ["service_id"])
    op.create_table(
        "service_holidays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("opens_at", sa.Time(), nullable=True),
        sa.Column("closes_at", sa.Time(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_service_holidays_day_order")),
        sa.CheckConstraint("closed OR (opens_at IS NOT NULL AND closes_at IS NOT NULL)",
                           name=op.f("ck_service_holidays_hours_when_open")),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"],
                                name=op.f("fk_service_holidays_service_id_services"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_holidays")),
    )
    op.create_index(op.f("ix_service_holidays_service_id"), "service_holidays", ["service_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_service_holidays_service_id"), table_name="service_holidays")
    op.drop_table("service_holidays")
    op.drop_index(op.f("ix_service_schedules_service_id"), table_name="service_schedules")
    op.drop_table("service_schedules")
    op.drop_index(op.f("ix_service_contacts_service_id"), table_name="service_contacts")
    op.drop_table("service_contacts")
    op.drop_index(op.f("ix_service_locations_service_id"), table_name="service_locations")
    op.drop_table("service_locations")
    op.drop_table("service_categories")
    op.drop_index(op.f("ix_services_organisation_id"), table_name="services")
    op.drop_table("services")
    op.drop_table("service_organisations")
