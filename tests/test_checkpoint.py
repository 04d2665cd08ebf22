"""SQLite: a large import commits without checkpointing; a background thread does it after."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bildungsdaten.hub.db import make_engine
from bildungsdaten.hub.offers.checkpoint import (
    checkpoint_soon,
    defer_checkpoint,
    wait_for_checkpoints,
)


def _write_pages(session: Session) -> None:
    session.execute(sa.text("CREATE TABLE IF NOT EXISTS filler (x BLOB)"))
    session.execute(sa.text("INSERT INTO filler VALUES (randomblob(3000000))"))  # ~750 pages
    session.execute(sa.text("INSERT INTO filler VALUES (randomblob(3000000))"))


def test_deferred_commit_leaves_the_database_file_to_the_background(tmp_path: Path) -> None:
    path = tmp_path / "hub.sqlite"
    engine = make_engine(f"sqlite:///{path}", pool_size=1, max_overflow=0)
    with Session(engine) as session, session.begin():
        session.execute(sa.text("CREATE TABLE marker (x INTEGER)"))
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    size_before = path.stat().st_size
    with Session(engine) as session, session.begin():
        assert defer_checkpoint(session) is True
        _write_pages(session)
    # Committed, but still only in the WAL: the commit itself did not copy it over.
    assert path.stat().st_size == size_before
    assert Path(f"{path}-wal").stat().st_size > 6_000_000
    with engine.connect() as conn:  # the same pooled connection, default restored
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
    checkpoint_soon(engine)
    wait_for_checkpoints(30)
    assert path.stat().st_size > size_before + 6_000_000
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM filler").scalar() == 2
    engine.dispose()


def test_without_deferring_the_commit_checkpoints_itself(tmp_path: Path) -> None:
    path = tmp_path / "hub.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine) as session, session.begin():
        session.execute(sa.text("CREATE TABLE marker (x INTEGER)"))
    size_before = path.stat().st_size
    with Session(engine) as session, session.begin():
        _write_pages(session)
    assert path.stat().st_size > size_before + 6_000_000
    engine.dispose()


def test_postgresql_needs_no_deferring(engine) -> None:
    with Session(engine) as session, session.begin():
        assert defer_checkpoint(session) is (engine.dialect.name == "sqlite")
