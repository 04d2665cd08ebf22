"""provider_defaults: a provider's presets for calendar uploads (column -> text)

Revision ID: 0012_provider_defaults
Revises: 0011_sources
Create Date: 2026-12-07 01:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_provider_defaults'
down_revision = '0011_sources'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('provider_defaults',
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('column', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=1000), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'],
                            name=op.f('fk_provider_defaults_provider_id_providers'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('provider_id', 'column', name=op.f('pk_provider_defaults'))
    )


def downgrade() -> None:
    op.drop_table('provider_defaults')
