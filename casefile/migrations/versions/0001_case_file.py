"""Case file: first schema (people, teams, journeys, appointments, money, pharmacy, links, audit).

Revision ID: 0001_case_file
Revises: (none)
Create Date: 2026-11-26 09:02:53.338993
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001_case_file'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('agencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('short_name', sa.String(length=40), nullable=False),
    sa.Column('contact', sa.String(length=300), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agencies')),
    sa.UniqueConstraint('short_name', name=op.f('uq_agencies_short_name'))
    )
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_kind', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('subject', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_actor', ['actor_kind', 'actor_id'], unique=False)
        batch_op.create_index('ix_audit_events_person_at', ['person_id', 'at'], unique=False)

    op.create_table('link_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('chat_id', sa.String(length=100), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_attempts')),
    sa.UniqueConstraint('channel', 'chat_id', name='uq_link_attempts_channel_chat')
    )
    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=40), nullable=False),
    sa.Column('preferred_name', sa.String(length=100), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('discreet', sa.Boolean(), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('reminders_on', sa.Boolean(), nullable=False),
    sa.Column('remind_day_before', sa.Boolean(), nullable=False),
    sa.Column('remind_hours_before', sa.Integer(), nullable=False),
    sa.Column('voice_notes', sa.Boolean(), nullable=False),
    sa.Column('quiet_from', sa.Time(), nullable=True),
    sa.Column('quiet_until', sa.Time(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('remind_hours_before >= 0 AND remind_hours_before <= 72', name=op.f('ck_people_remind_hours_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('ref', name=op.f('uq_people_ref'))
    )
    op.create_table('unknown_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=80), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('first_asked', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_asked', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unknown_terms')),
    sa.UniqueConstraint('term', 'language', name='uq_unknown_terms_term_language')
    )
    op.create_table('benefit_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('claim_type', sa.String(length=40), nullable=False),
    sa.Column('claimed_on', sa.Date(), nullable=True),
    sa.Column('steps_done', sa.JSON(), nullable=False),
    sa.Column('expected_first_payment', sa.Date(), nullable=True),
    sa.Column('advance_requested', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("claim_type IN ('universal_credit')", name=op.f('ck_benefit_claims_claim_type_known')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_benefit_claims_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benefit_claims')),
    sa.UniqueConstraint('person_id', 'claim_type', name='uq_benefit_claims_person_type')
    )
    with op.batch_alter_table('benefit_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benefit_claims_person_id'), ['person_id'], unique=False)

    op.create_table('journey_positions',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=40), nullable=False),
    sa.Column('prison', sa.String(length=200), nullable=True),
    sa.Column('sentence_date', sa.Date(), nullable=True),
    sa.Column('release_date', sa.Date(), nullable=True),
    sa.Column('release_confirmed', sa.Boolean(), nullable=False),
    sa.Column('hdc_eligibility_date', sa.Date(), nullable=True),
    sa.Column('licence_end', sa.Date(), nullable=True),
    sa.Column('top_up_end', sa.Date(), nullable=True),
    sa.Column('community_order_end', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("stage IN ('in_court', 'on_remand', 'in_prison', 'release_day', 'hdc', 'on_licence', 'post_sentence_supervision', 'community_order', 'sentence_ended')", name=op.f('ck_journey_positions_stage_known')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_journey_positions_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_journey_positions'))
    )
    op.create_table('licence_conditions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('official_text', sa.Text(), nullable=False),
    sa.Column('plain_text', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_licence_conditions_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_licence_conditions'))
    )
    with op.batch_alter_table('licence_conditions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_licence_conditions_person_id'), ['person_id'], unique=False)

    op.create_table('pharmacy_plans',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('pharmacy_name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=400), nullable=False),
    sa.Column('open_days', sa.JSON(), nullable=False),
    sa.Column('opens_at', sa.Time(), nullable=True),
    sa.Column('closes_at', sa.Time(), nullable=True),
    sa.Column('pickup_days', sa.JSON(), nullable=False),
    sa.Column('pickup_time', sa.Time(), nullable=True),
    sa.Column('dose_mode', sa.String(length=20), nullable=False),
    sa.Column('script_start', sa.Date(), nullable=True),
    sa.Column('script_end', sa.Date(), nullable=True),
    sa.Column('prescriber_contact', sa.String(length=300), nullable=False),
    sa.Column('missed_in_a_row', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("dose_mode IN ('supervised', 'take_away')", name=op.f('ck_pharmacy_plans_dose_mode_known')),
    sa.CheckConstraint('missed_in_a_row >= 0', name=op.f('ck_pharmacy_plans_missed_not_negative')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_pharmacy_plans_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_pharmacy_plans'))
    )
    op.create_table('workers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=40), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=200), nullable=False),
    sa.Column('helps_with', sa.Text(), nullable=False),
    sa.Column('contact', sa.String(length=300), nullable=False),
    sa.Column('hours', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_workers_agency_id_agencies'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workers')),
    sa.UniqueConstraint('ref', name=op.f('uq_workers_ref'))
    )
    with op.batch_alter_table('workers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workers_agency_id'), ['agency_id'], unique=False)

    op.create_table('appointments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=400), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('bring', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('booked', 'confirmed', 'cant_make_it', 'moved', 'attended', 'missed', 'cancelled')", name=op.f('ck_appointments_status_known')),
    sa.CheckConstraint('minutes > 0 AND minutes <= 1440', name=op.f('ck_appointments_minutes_range')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_appointments_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_appointments_worker_id_workers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments'))
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index('ix_appointments_person_start', ['person_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointments_worker_id'), ['worker_id'], unique=False)

    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=200), nullable=False),
    sa.Column('is_lead', sa.Boolean(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_assignments_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_assignments_worker_id_workers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_worker_id'), ['worker_id'], unique=False)
        batch_op.create_index('uq_assignments_current_worker', ['person_id', 'worker_id'], unique=True, sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))
        batch_op.create_index('uq_assignments_one_lead', ['person_id'], unique=True, sqlite_where=sa.text('is_lead AND ended_at IS NULL'), postgresql_where=sa.text('is_lead AND ended_at IS NULL'))

    op.create_table('case_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('subject', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('field', sa.String(length=300), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('tell_person', sa.Boolean(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_case_updates_agency_id_agencies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_case_updates_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_case_updates_worker_id_workers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_updates'))
    )
    with op.batch_alter_table('case_updates', schema=None) as batch_op:
        batch_op.create_index('ix_case_updates_person_at', ['person_id', 'at'], unique=False)

    op.create_table('chat_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('chat_id', sa.String(length=100), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(person_id IS NULL) <> (worker_id IS NULL)', name=op.f('ck_chat_links_one_owner')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_chat_links_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_chat_links_worker_id_workers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_links')),
    sa.UniqueConstraint('channel', 'chat_id', name='uq_chat_links_channel_chat')
    )
    with op.batch_alter_table('chat_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_links_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chat_links_worker_id'), ['worker_id'], unique=False)

    op.create_table('link_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=128), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('issued_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.CheckConstraint('(person_id IS NULL) <> (worker_id IS NULL)', name=op.f('ck_link_codes_one_owner')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_link_codes_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_link_codes_worker_id_workers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_link_codes_code_hash'))
    )
    with op.batch_alter_table('link_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_codes_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_codes_worker_id'), ['worker_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('link_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_codes_worker_id'))
        batch_op.drop_index(batch_op.f('ix_link_codes_person_id'))

    op.drop_table('link_codes')
    with op.batch_alter_table('chat_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_links_worker_id'))
        batch_op.drop_index(batch_op.f('ix_chat_links_person_id'))

    op.drop_table('chat_links')
    with op.batch_alter_table('case_updates', schema=None) as batch_op:
        batch_op.drop_index('ix_case_updates_person_at')

    op.drop_table('case_updates')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('uq_assignments_one_lead', sqlite_where=sa.text('is_lead AND ended_at IS NULL'), postgresql_where=sa.text('is_lead AND ended_at IS NULL'))
        batch_op.drop_index('uq_assignments_current_worker', sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_assignments_worker_id'))
        batch_op.drop_index(batch_op.f('ix_assignments_person_id'))

    op.drop_table('assignments')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointments_worker_id'))
        batch_op.drop_index('ix_appointments_person_start')

    op.drop_table('appointments')
    with op.batch_alter_table('workers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workers_agency_id'))

    op.drop_table('workers')
    op.drop_table('pharmacy_plans')
    with op.batch_alter_table('licence_conditions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_licence_conditions_person_id'))

    op.drop_table('licence_conditions')
    op.drop_table('journey_positions')
    with op.batch_alter_table('benefit_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_benefit_claims_person_id'))

    op.drop_table('benefit_claims')
    op.drop_table('unknown_terms')
    op.drop_table('people')
    op.drop_table('link_attempts')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_person_at')
        batch_op.drop_index('ix_audit_events_actor')

    op.drop_table('audit_events')
    op.drop_table('agencies')
