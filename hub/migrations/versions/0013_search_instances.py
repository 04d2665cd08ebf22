"""offer_search_instances (SQLite): the text index's (term, offer, column) entries, read by
the search matrix to rank like bm25() without FTS5 ranking every match (hub.search.bm25)

Revision ID: 0013_search_instances
Revises: 0012_provider_defaults
Create Date: 2026-12-07 05:00:00
"""
from alembic import op

revision = '0013_search_instances'
down_revision = '0012_provider_defaults'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A view of the FTS5 index (fts5vocab): it stores nothing and needs no upkeep.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE offer_search_instances "
                   "USING fts5vocab(offer_search, 'instance')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE offer_search_instances")
