"""foundation: providers, offers, instances, venues, clock, uploads, tokens

Revision ID: 0001_foundation
Revises: (none)
Create Date: 2026-11-26 04:07:25.198055
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0001_foundation'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('auth_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_failures'))
    )
    with op.batch_alter_table('auth_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_failures_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_auth_failures_client'), ['client'], unique=False)

    op.create_table('feed_clock',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_clock'))
    )
    # The single clock row every writer locks to stamp changes (hub.offers.changelog).
    op.execute("INSERT INTO feed_clock (id, last) VALUES (1, 0)")
    op.create_table('providers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('telephone', sa.String(length=50), nullable=True),
    sa.Column('licence', sa.String(length=200), nullable=True),
    sa.Column('source_url', sa.String(length=1000), nullable=True),
    sa.Column('source_etag', sa.String(length=200), nullable=True),
    sa.Column('source_last_modified', sa.String(length=100), nullable=True),
    sa.Column('source_checked_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_providers')),
    sa.UniqueConstraint('slug', name=op.f('uq_providers_slug'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_api_tokens_provider_id_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_provider_id'), ['provider_id'], unique=False)

    op.create_table('offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('angebot_id', sa.String(length=50), nullable=False),
    sa.Column('feed_id', sa.String(length=120), nullable=False),
    sa.Column('modified', sa.BigInteger(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('first_date', sa.Date(), nullable=True),
    sa.Column('last_date', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('keywords', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=True),
    sa.Column('image_url', sa.String(length=1000), nullable=True),
    sa.Column('life_phases', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=True),
    sa.Column('offer_form', sa.String(length=40), nullable=True),
    sa.Column('kursnet_code', sa.String(length=30), nullable=True),
    sa.Column('contact_email', sa.String(length=200), nullable=True),
    sa.Column('contact_phone', sa.String(length=50), nullable=True),
    sa.Column('audience', sa.String(length=500), nullable=True),
    sa.Column('audience_codes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('min_age', sa.Integer(), nullable=True),
    sa.Column('max_age', sa.Integer(), nullable=True),
    sa.Column('level', sa.String(length=20), nullable=True),
    sa.Column('languages', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('prerequisites', sa.Text(), nullable=True),
    sa.Column('funding', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('azav_number', sa.String(length=50), nullable=True),
    sa.Column('funding_note', sa.Text(), nullable=True),
    sa.Column('credential_type', sa.String(length=40), nullable=True),
    sa.Column('credential_name', sa.String(length=200), nullable=True),
    sa.Column('examining_body', sa.String(length=200), nullable=True),
    sa.Column('ects', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('date_modified', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_offers_provider_id_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offers')),
    sa.UniqueConstraint('feed_id', name=op.f('uq_offers_feed_id')),
    sa.UniqueConstraint('provider_id', 'angebot_id', name=op.f('uq_offers_provider_id_angebot_id'))
    )
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index('ix_offers_deleted_last_date', ['deleted', 'last_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_offers_first_date'), ['first_date'], unique=False)
        batch_op.create_index('ix_offers_modified_feed_id', ['modified', 'feed_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offers_provider_id'), ['provider_id'], unique=False)

    op.create_table('uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=True),
    sa.Column('content_type', sa.String(length=200), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('original', sa.LargeBinary(), nullable=True),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.Column('stats', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_uploads_provider_id_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_uploads'))
    )
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_uploads_provider_id'), ['provider_id'], unique=False)

    op.create_table('venues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('venue_key', sa.String(length=64), nullable=False),
    sa.Column('venue_name', sa.String(length=200), nullable=True),
    sa.Column('street', sa.String(length=200), nullable=True),
    sa.Column('postal_code', sa.String(length=5), nullable=True),
    sa.Column('locality', sa.String(length=100), nullable=True),
    sa.Column('ags', sa.String(length=8), nullable=True),
    sa.Column('lat', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('lon', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('venue_accessible', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_venues_provider_id_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_venues')),
    sa.UniqueConstraint('provider_id', 'venue_key', name=op.f('uq_venues_provider_id_venue_key'))
    )
    with op.batch_alter_table('venues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_venues_ags'), ['ags'], unique=False)

    op.create_table('offer_instances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('instance_key', sa.String(length=60), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=True),
    sa.Column('termin_id', sa.String(length=50), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('start_time', sa.Time(), nullable=True),
    sa.Column('end_time', sa.Time(), nullable=True),
    sa.Column('weekdays', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('rhythm', sa.String(length=20), nullable=True),
    sa.Column('sessions', sa.Integer(), nullable=True),
    sa.Column('teaching_units', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('schedule_note', sa.Text(), nullable=True),
    sa.Column('rolling_entry', sa.Boolean(), nullable=True),
    sa.Column('registration_deadline', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('mode', sa.String(length=30), nullable=True),
    sa.Column('time_forms', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('online_url', sa.String(length=1000), nullable=True),
    sa.Column('accessibility_features', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('accessibility_note', sa.Text(), nullable=True),
    sa.Column('min_participants', sa.Integer(), nullable=True),
    sa.Column('max_participants', sa.Integer(), nullable=True),
    sa.Column('price', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('price_kind', sa.String(length=20), nullable=True),
    sa.Column('reduced_price', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('price_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_offer_instances_offer_id_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['venue_id'], ['venues.id'], name=op.f('fk_offer_instances_venue_id_venues')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_instances')),
    sa.UniqueConstraint('offer_id', 'instance_key', name=op.f('uq_offer_instances_offer_id_instance_key'))
    )
    with op.batch_alter_table('offer_instances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_instances_mode'), ['mode'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_instances_start_date'), ['start_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_instances_venue_id'), ['venue_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('offer_instances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_instances_venue_id'))
        batch_op.drop_index(batch_op.f('ix_offer_instances_start_date'))
        batch_op.drop_index(batch_op.f('ix_offer_instances_mode'))

    op.drop_table('offer_instances')
    with op.batch_alter_table('venues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_venues_ags'))

    op.drop_table('venues')
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_uploads_provider_id'))

    op.drop_table('uploads')
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offers_provider_id'))
        batch_op.drop_index('ix_offers_modified_feed_id')
        batch_op.drop_index(batch_op.f('ix_offers_first_date'))
        batch_op.drop_index('ix_offers_deleted_last_date')

    op.drop_table('offers')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_provider_id'))

    op.drop_table('api_tokens')
    op.drop_table('providers')
    op.drop_table('feed_clock')
    with op.batch_alter_table('auth_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_failures_client'))
        batch_op.drop_index(batch_op.f('ix_auth_failures_at'))

    op.drop_table('auth_failures')

