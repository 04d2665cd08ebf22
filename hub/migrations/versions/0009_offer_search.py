"""Full-text search index of live offers (hub.search): SQLite FTS5 / PostgreSQL tsvector + GIN,
and the words for spelling suggestions; built here for the offers already stored

Revision ID: 0009_offer_search
Revises: 0008_monitoring
Create Date: 2026-12-06 23:00:00

The tokens are made in Python (hub.search.text: folded, Snowball-stemmed) so both databases
compare the same strings. SQLite's `ascii` tokenizer only splits at the spaces between our
tokens (they hold no other ASCII separator); `detail=column` keeps what column filters need
(title ranking) and leaves out positions, which no query uses. PostgreSQL builds tsvectors
from the token arrays with array_to_tsvector (no text search parser or dictionary).
The trigram indexes of 0005 served the LIKE search this replaces: dropped, as they only cost
time on every write (downgrade makes them again where pg_trgm is installed).
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_offer_search'
down_revision = '0008_monitoring'
branch_labels = None
depends_on = None

TRIGRAM_INDEXES = {"ix_offers_title_trgm": "title", "ix_offers_description_trgm": "description"}


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table('search_words', sa.Column('word', sa.String(length=100), nullable=False),
                    sa.PrimaryKeyConstraint('word', name=op.f('pk_search_words')))
    if bind.dialect.name == 'sqlite':
        op.execute("CREATE VIRTUAL TABLE offer_search USING fts5("
                   "title, body, tokenize = 'ascii', detail = column)")
    else:
        op.execute("CREATE TABLE offer_search ("
                   "offer_id integer PRIMARY KEY REFERENCES offers (id) ON DELETE CASCADE, "
                   "title tsvector NOT NULL, doc tsvector NOT NULL)")
        op.execute("CREATE INDEX ix_offer_search_doc ON offer_search USING gin (doc)")
        for name in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    # The offers stored before this revision; later writes keep the index themselves.
    from bildungsdaten.hub.search.index import rebuild_index
    rebuild_index(bind)


def downgrade() -> None:
    bind = op.get_bind()
    op.execute("DROP TABLE offer_search")
    op.drop_table('search_words')
    if bind.dialect.name == 'postgresql' and bind.exec_driver_sql(
            "SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").first() is not None:
        for name, column in TRIGRAM_INDEXES.items():
            op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON offers "
                       f"USING gin (lower({column}) gin_trgm_ops)")
