"""PostgreSQL: the API's free-text search is served by the GIN index of the search table
(migration 0006), which replaces the trigram indexes of 0005; both migrate both ways."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bildungsdaten.hub.db import make_engine
from bildungsdaten.hub.migrate import downgrade, upgrade
from bildungsdaten.hub.offers.filters import OfferFilters
from tests.support import fresh_postgres_database

TRGM = {"ix_offers_title_trgm", "ix_offers_description_trgm"}


def _indexes(engine: sa.Engine, table: str) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.text(
            "SELECT indexname FROM pg_indexes WHERE tablename = :t"), {"t": table}).scalars())


def test_search_uses_the_gin_index_and_it_migrates_both_ways() -> None:
    with fresh_postgres_database("hubgin") as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            assert "ix_offer_search_doc" in _indexes(engine, "offer_search")
            assert not TRGM & _indexes(engine, "offers")
            with Session(engine) as session:
                stmt = OfferFilters(q="Englisch Kurs").select_ids(session).limit(50)
                compiled = stmt.compile(dialect=engine.dialect)
                # An empty table: make the planner show whether the index can serve the query.
                session.execute(sa.text("SET enable_seqscan = off"))
                session.execute(sa.text("SET enable_indexscan = off"))
                plan = "\n".join(session.connection().exec_driver_sql(
                    f"EXPLAIN {compiled.string}", compiled.params).scalars())
            assert "ix_offer_search_doc" in plan, plan
            downgrade(engine, "0005_search_trigrams")
            assert TRGM <= _indexes(engine, "offers")
            assert _indexes(engine, "offer_search") == set()
            upgrade(engine)
            assert "ix_offer_search_doc" in _indexes(engine, "offer_search")
        finally:
            engine.dispose()
