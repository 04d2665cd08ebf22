"""barrier_reports: what citizens report through "Barriere melden" (answer within six weeks)

Revision ID: 0007_barrier_reports
Revises: 0006_web_sessions
Create Date: 2026-12-06 23:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_barrier_reports'
down_revision = '0006_web_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('barrier_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page', sa.String(length=500), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_barrier_reports'))
    )
    with op.batch_alter_table('barrier_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_barrier_reports_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('barrier_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_barrier_reports_created_at'))
    op.drop_table('barrier_reports')
