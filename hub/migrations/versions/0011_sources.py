"""Harvested sources (neighbours' RPDE feeds) with their health, each harvested offer's
provenance, and the index deduplication looks up direct offers by

Revision ID: 0011_sources
Revises: 0010_accounts
Create Date: 2026-12-07 01:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_sources'
down_revision = '0010_accounts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sources',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=30), nullable=False),
        sa.Column('rpde_url', sa.String(length=1000), nullable=False),
        sa.Column('licence', sa.String(length=200), nullable=True),
        sa.Column('attribution', sa.String(length=500), nullable=True),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('interval_minutes', sa.Integer(), nullable=False),
        sa.Column('next_url', sa.String(length=2000), nullable=True),
        sa.Column('not_before', sa.DateTime(), nullable=True),
        sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
        sa.Column('last_success_at', sa.DateTime(), nullable=True),
        sa.Column('last_error_code', sa.String(length=40), nullable=True),
        sa.Column('last_error_message', sa.Text(), nullable=True),
        sa.Column('last_error_url', sa.String(length=2000), nullable=True),
        sa.Column('items_seen', sa.BigInteger(), nullable=False),
        sa.Column('pages_read', sa.BigInteger(), nullable=False),
        sa.Column('last_run', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sources')),
        sa.UniqueConstraint('name', name=op.f('uq_sources_name')),
    )
    op.create_table(
        'offer_sources',
        sa.Column('offer_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.String(length=200), nullable=False),
        sa.Column('item_url', sa.String(length=1000), nullable=True),
        sa.Column('modified', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], ondelete='CASCADE',
                                name=op.f('fk_offer_sources_offer_id_offers')),
        sa.ForeignKeyConstraint(['source_id'], ['sources.id'], ondelete='CASCADE',
                                name=op.f('fk_offer_sources_source_id_sources')),
        sa.PrimaryKeyConstraint('offer_id', name=op.f('pk_offer_sources')),
        sa.UniqueConstraint('source_id', 'item_id', name=op.f('uq_offer_sources_source_id_item_id')),
    )
    op.create_index('ix_offers_title_first_date', 'offers', ['title', 'first_date'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_offers_title_first_date', table_name='offers')
    op.drop_table('offer_sources')
    op.drop_table('sources')
