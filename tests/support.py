"""Helpers for tests: what CI provides must not be skipped silently there."""
from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("HUB_SHARED_DIR", REPO.parent / "shared"))
IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    """Skip with `reason` on a developer's machine; fail under CI=true, where it must exist."""
    if IN_CI:
        pytest.fail(f"CI must provide this, but: {reason}", pytrace=False)
    pytest.skip(reason)


def shared_path(*parts: str) -> Path:
    """A file of ../shared (the standards kit); skips, or fails in CI, when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        unavailable(f"{path} fehlt: ../shared (Standards-Kit) liegt nicht neben dem Repository")
    return path


PG_URL = os.environ.get("TEST_DATABASE_URL", "")


@contextmanager
def fresh_postgres_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database made from TEST_DATABASE_URL; dropped afterwards.

    Skips on a developer's machine without PostgreSQL, fails under CI=true.
    """
    if not PG_URL:
        unavailable("PostgreSQL-Tests brauchen TEST_DATABASE_URL "
                    "(z. B. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    admin_url = make_url(PG_URL)
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        unavailable(f"PostgreSQL unter {admin_url.render_as_string()} nicht erreichbar: {exc.orig}")
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def served_app(app: Any) -> Iterator[str]:
    """A WSGI app served over real HTTP on a free loopback port; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
