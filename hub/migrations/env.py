"""Alembic environment: runs with the connection or URL given by hub.migrate."""
from __future__ import annotations

from alembic import context

from bildungsdaten.hub import (
    models,  # noqa: F401 - registers every table on Base.metadata
    offer_documents,  # noqa: F401 - stored JSON-LD documents
)
from bildungsdaten.hub.db import Base, make_engine
from bildungsdaten.hub.survey import models as survey_models  # noqa: F401 - survey tables

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
