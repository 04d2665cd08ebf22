"""PostgreSQL: the API's free-text search is served by the trigram indexes of migration 0005
(the query's lower(...) LIKE matches the indexed expression), and they migrate both ways."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bildungsdaten.hub.db import make_engine
from bildungsdaten.hub.migrate import downgrade, upgrade
from bildungsdaten.hub.offers.filters import OfferFilters
from tests.support import fresh_postgres_database

TRGM = {"ix_offers_title_trgm", "ix_offers_description_trgm"}


def _indexes(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.text(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'offers'")).scalars())


def test_search_uses_the_trigram_indexes_and_they_migrate_both_ways() -> None:
    with fresh_postgres_database("hubtrgm") as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            assert TRGM <= _indexes(engine)
            with Session(engine) as session:
                stmt = OfferFilters(q="Englisch").select_ids(session).limit(50)
                compiled = stmt.compile(dialect=engine.dialect)
                # An empty table: make the planner show whether the indexes can serve the query.
                session.execute(sa.text("SET enable_seqscan = off"))
                session.execute(sa.text("SET enable_indexscan = off"))
                plan = "\n".join(session.connection().exec_driver_sql(
                    f"EXPLAIN {compiled.string}", compiled.params).scalars())
            assert "ix_offers_title_trgm" in plan and "ix_offers_description_trgm" in plan, plan
            downgrade(engine, "0004_import_speed")
            assert not TRGM & _indexes(engine)
            upgrade(engine)
            assert TRGM <= _indexes(engine)
        finally:
            engine.dispose()
