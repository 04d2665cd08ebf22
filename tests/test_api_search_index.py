"""PostgreSQL: the API's free-text search is served by the GIN index of the search table
(migration 0007), which replaces the trigram indexes of 0005; both migrate both ways."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bildungsdaten.hub.db import make_engine, make_sessionmaker, transaction
from bildungsdaten.hub.migrate import downgrade, upgrade
from bildungsdaten.hub.offers.filters import OfferFilters
from bildungsdaten.hub.offers.store import ensure_provider, write_offers
from bildungsdaten.vocab.records import OfferRecord
from tests.search_sample import VHS
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
            with transaction(make_sessionmaker(engine)) as session:
                write_offers(session, ensure_provider(session, VHS), [
                    OfferRecord(angebot_id=f"o{n}", title=f"Kurs {n}", description="Text",
                                provider=VHS) for n in range(2000)])
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
            with Session(engine) as session:
                stmt = OfferFilters(q="Englisch Kurs").select_ids(session).limit(50)
                compiled = stmt.compile(dialect=engine.dialect)
                session.execute(sa.text("SET enable_seqscan = off"))
                plan = "\n".join(session.connection().exec_driver_sql(
                    f"EXPLAIN {compiled.string}", compiled.params).scalars())
            assert "ix_offer_search_doc" in plan, plan
            downgrade(engine, "0008_monitoring")
            assert TRGM <= _indexes(engine, "offers")
            assert _indexes(engine, "offer_search") == set()
            upgrade(engine)
            assert "ix_offer_search_doc" in _indexes(engine, "offer_search")
        finally:
            engine.dispose()
