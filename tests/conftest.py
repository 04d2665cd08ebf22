"""Fixtures: a fresh, migrated database on SQLite and (with TEST_DATABASE_URL) PostgreSQL."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bildungsdaten.hub.db import make_engine
from bildungsdaten.hub.migrate import upgrade
from tests.support import fresh_postgres_database, served_app


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for every test (migrating each time is slower)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A private PostgreSQL database for this test process, migrated once, dropped at the end."""
    with fresh_postgres_database("hubtest") as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


def _reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        tables = [r[0] for r in conn.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'")]
        if tables:
            conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                                 + " RESTART IDENTITY CASCADE")
        conn.exec_driver_sql("INSERT INTO feed_clock (id, last) VALUES (1, 0)")
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh, migrated, empty database (each test runs on both backends)."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "hub.sqlite"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database")
    _reset_postgres(url)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.engine.Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Iterator[Any]:
    from bildungsdaten.hub.app import create_app

    application = create_app({
        "database_url": db_url, "instance_path": tmp_path / "instance",
        "hub_base_uri": "http://hub.test", "secret_key": "test-secret",
    })
    application.config["TESTING"] = True
    yield application
    application.extensions["hub"].engine.dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    """The app served over real HTTP on a free loopback port; yields its base URL."""
    with served_app(app) as base:
        yield base
