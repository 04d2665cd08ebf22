"""Alembic environment: runs with the connection or URL given by hub.migrate."""
from __future__ import annotations

from alembic import context

from bildungsdaten.hub import models  # noqa: F401 - registers every table on Base.metadata
from bildungsdaten.hub.auth import models as account_models  # noqa: F401 - users, audit log
from bildungsdaten.hub.auth import web_sessions  # noqa: F401 - server-side sign-ins
from bildungsdaten.hub.db import Base, make_engine
from bildungsdaten.hub.monitoring import models as monitoring_models  # noqa: F401 - time series
from bildungsdaten.hub.offers import documents  # noqa: F401 - stored JSON-LD documents
from bildungsdaten.hub.portal import models as portal_models  # noqa: F401 - barrier reports
from bildungsdaten.hub.sources import models as source_models  # noqa: F401 - harvested sources
from bildungsdaten.hub.survey import models as survey_models  # noqa: F401 - survey tables

config = context.config
target_metadata = Base.metadata
# Made by migrations only, where the database allows (see 0005_search_trigrams): not in the
# models, so autogenerate must not count them as differences.
MIGRATION_ONLY_INDEXES = {"ix_offers_title_trgm", "ix_offers_description_trgm"}
# The search index (0009_offer_search) has a different shape on each database (SQLite: an
# FTS5 table and its offer_search_* shadow tables): hub.search.index describes it.
MIGRATION_ONLY_TABLES = {"offer_search", "search_words"}


def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                   compare_to: object) -> bool:
    if type_ == "table" and name is not None and (
            name in MIGRATION_ONLY_TABLES or name.startswith("offer_search_")):
        return False
    return not (type_ == "index" and name in MIGRATION_ONLY_INDEXES)


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True, include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True,
                          include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
