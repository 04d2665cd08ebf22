"""Monitoring: the indicator time series (one immutable snapshot of values per day)

Revision ID: 0008_monitoring
Revises: 0007_barrier_reports
Create Date: 2026-12-07 00:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_monitoring'
down_revision = '0007_barrier_reports'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitoring_snapshots",
        sa.Column("stichtag", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("live_offers", sa.Integer(), nullable=False),
        sa.Column("radius_km", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("stichtag", name=op.f("pk_monitoring_snapshots")),
    )
    op.create_table(
        "monitoring_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stichtag", sa.Date(), nullable=False),
        sa.Column("indikator", sa.String(64), nullable=False),
        sa.Column("gemeinde_ags", sa.String(8), nullable=False),
        sa.Column("lebensphase", sa.String(32), nullable=False),
        sa.Column("wert", sa.Float(), nullable=False),
        sa.Column("zaehler", sa.Integer(), nullable=False),
        sa.Column("nenner", sa.Integer(), nullable=True),
        sa.Column("einheit", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(["stichtag"], ["monitoring_snapshots.stichtag"],
                                name=op.f("fk_monitoring_values_stichtag_monitoring_snapshots"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_values")),
        sa.UniqueConstraint("stichtag", "indikator", "gemeinde_ags", "lebensphase",
                            name="uq_monitoring_values_key"),
    )


def downgrade() -> None:
    op.drop_table("monitoring_values")
    op.drop_table("monitoring_snapshots")
