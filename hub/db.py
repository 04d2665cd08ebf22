"""Database wiring: engine, sessions, the declarative base, and the migration check."""
from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import orjson
import psycopg
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.visitors import InternalTraversal

# JSON lists on both dialects; JSONB on PostgreSQL for containment filters.
T = TypeVar("T")
JSONList = sa.JSON().with_variant(JSONB(), "postgresql")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for SQLite (WAL, foreign keys, busy timeout) or PostgreSQL."""
    # JSON list columns are read in bulk by the feeds; orjson parses them several times faster.
    kwargs.setdefault("json_deserializer", orjson.loads)
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Python's sqlite3 opens transactions lazily; BEGIN IMMEDIATE below takes the write
            # lock at the start so concurrent writers queue instead of failing on upgrade.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            _math_functions(dbapi_conn)

        @event.listens_for(engine, "checkin")
        def _sqlite_restore_autocheckpoint(dbapi_conn: Any, record: Any) -> None:
            # A writer that deferred its checkpoint (hub.offers.checkpoint) gives the default back.
            if record.info.pop("autocheckpoint_deferred", False) and dbapi_conn is not None:
                dbapi_conn.execute("PRAGMA wal_autocheckpoint=1000")

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN")

        return engine
    return sa.create_engine(url, pool_pre_ping=True, **kwargs)


def _math_functions(dbapi_conn: Any) -> None:
    """The place search's distance SQL (hub.search.geo) needs sin, cos, asin, sqrt, radians
    and power: an SQLite built without its math functions gets them from Python."""
    try:
        dbapi_conn.execute("SELECT sin(0), cos(0), asin(0), sqrt(4), radians(0), power(2, 2)")
    except sqlite3.OperationalError:  # "no such function"
        for name in ("sin", "cos", "asin", "sqrt", "radians"):
            dbapi_conn.create_function(name, 1, getattr(math, name), deterministic=True)
        dbapi_conn.create_function("power", 2, math.pow, deterministic=True)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits at the end, or rolls back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def begin_write(session: Session) -> None:
    """Take SQLite's write lock now (BEGIN IMMEDIATE semantics); a no-op on PostgreSQL."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        # Any write takes the database lock; an empty UPDATE does it at the start.
        session.execute(sa.text("UPDATE feed_clock SET last = last WHERE id = 0"))


@contextmanager
def custom_plans(session: Session) -> Iterator[None]:
    """PostgreSQL: within the block, psycopg prepares none of the session's statements, so each
    is planned for its own values (a no-op on SQLite). For bulk writes whose tables grow under
    them: a plan prepared while a table was nearly empty scans it. Not `SET plan_cache_mode =
    force_custom_plan`: that also re-plans every foreign-key check of every row written
    (PostgreSQL's own cached statements), ten times the harvest's server time."""
    dbapi = session.connection().connection.dbapi_connection
    if session.get_bind().dialect.name != "postgresql" or dbapi is None:
        yield
        return
    before = dbapi.prepare_threshold  # type: ignore[attr-defined]
    dbapi.prepare_threshold = None  # type: ignore[attr-defined]
    try:
        yield
    finally:
        dbapi.prepare_threshold = before  # type: ignore[attr-defined]


def json_list_contains(column: Any, value: str) -> Any:
    """SQL: the JSON list in `column` contains `value` (SQLite json_each / PostgreSQL @>)."""
    return _JsonContains(column, value)


class _JsonContains(sa.sql.expression.ColumnElement[bool]):
    inherit_cache = True
    type = sa.Boolean()
    # Its parts make the statement's cache key: without them SQLAlchemy compiles every
    # statement holding one anew ("no key"), some milliseconds per search statement. The
    # value is in the key, since the compiler makes its bound parameter from it.
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("value", InternalTraversal.dp_string)]

    def __init__(self, column: Any, value: str) -> None:
        self.column = column
        self.value = value


@compiles(_JsonContains, "sqlite")  # type: ignore[misc]
def _contains_sqlite(element: _JsonContains, compiler: Any, **kw: Any) -> str:
    col = compiler.process(element.column, **kw)
    val = compiler.process(sa.bindparam(None, element.value, type_=sa.String()), **kw)
    return f"EXISTS (SELECT 1 FROM json_each({col}) WHERE json_each.value = {val})"


@compiles(_JsonContains, "postgresql")  # type: ignore[misc]
def _contains_pg(element: _JsonContains, compiler: Any, **kw: Any) -> str:
    col = compiler.process(element.column, **kw)
    val = compiler.process(sa.bindparam(None, [element.value], type_=JSONB()), **kw)
    return f"({col} @> {val})"


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """`items` in consecutive slices of at most `size` (for `among` lists and bulk writes)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def among(bind: Session | sa.Connection, column: Any, values: Any) -> Any:
    """`column IN (values)`; on PostgreSQL `column = ANY(:array)`: one parameter instead of
    one per value, so the statement text stays the same and psycopg converts it once (a
    500-value IN list is longer than psycopg's statement cache takes and was parsed anew for
    every chunk: about half the harvest's client CPU on PostgreSQL)."""
    dialect = (bind.get_bind() if isinstance(bind, Session) else bind).dialect
    if dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def copy_rows(conn: sa.Connection, table: str, names: Sequence[str],
              rows: Iterable[Sequence[Any]],
              prepare: Callable[[psycopg.Cursor[Any]], None] | None = None) -> None:
    """PostgreSQL with psycopg: COPY FROM STDIN of `rows` (database values) into the columns
    `names` of `table`, in the connection's transaction; several times faster than INSERT for
    thousands of rows. `prepare(cursor)` may set the cursor's adapters first. A psycopg error
    is raised as SQLAlchemy itself would raise it."""
    quote = conn.dialect.identifier_preparer.quote
    sql = f"COPY {quote(table)} ({', '.join(map(quote, names))}) FROM STDIN"
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    try:
        with dbapi.cursor() as cursor:  # type: ignore[attr-defined]
            if prepare is not None:
                prepare(cursor)
            with cursor.copy(sql) as copy:
                write_row = copy.write_row
                for row in rows:
                    write_row(row)
    except psycopg.Error as exc:
        raise sa.exc.DBAPIError.instance(sql, None, exc, psycopg.Error) from exc
