"""A database that is gone answers 503 with Retry-After (problem+json or a German page),
never 500 (issue 11, "a database outage answers 500 instead of 503")."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from bildungsdaten.hub.app import create_app
from bildungsdaten.hub.db import make_engine
from bildungsdaten.hub.migrate import upgrade
from tests.support import fresh_postgres_database

URLS = ["/api/v1/offers", "/feeds/offers/rpde", "/catalog", "/", "/survey/", "/feeds"]


def _app(url: str, tmp_path: Path) -> Any:
    app = create_app({"database_url": url, "instance_path": tmp_path / "instance",
                      "hub_base_uri": "http://hub.test", "secret_key": "test-secret"})
    app.config["TESTING"] = True
    return app


def _assert_outage(app: Any) -> None:
    client = app.test_client()
    for url in URLS:
        resp = client.get(url)
        assert resp.status_code == 503, (url, resp.status_code)
        assert int(resp.headers["Retry-After"]) > 0
        if url.startswith(("/api/", "/feeds/", "/catalog")):
            assert resp.mimetype == "application/problem+json"
            assert resp.get_json()["code"] == "database-unavailable"
        else:
            assert resp.mimetype == "text/html"
            assert "nicht erreichbar" in resp.get_data(as_text=True)


def test_dropped_postgres_database_is_503(tmp_path):
    with fresh_postgres_database("outage") as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        app = _app(url, tmp_path)
        assert app.test_client().get("/api/v1/offers").status_code == 200
    # The context manager dropped the database (WITH FORCE: open connections were cut).
    try:
        _assert_outage(app)
    finally:
        app.extensions["hub"].engine.dispose()


def test_unreachable_postgres_server_is_503(tmp_path):
    app = _app("postgresql+psycopg://postgres@127.0.0.1:1/nothing?connect_timeout=2", tmp_path)
    _assert_outage(app)


def test_unreadable_sqlite_file_is_503(tmp_path, sqlite_template):
    path = tmp_path / "hub.sqlite"
    shutil.copy(sqlite_template, path)
    app = _app(f"sqlite:///{path}", tmp_path)
    assert app.test_client().get("/api/v1/offers").status_code == 200
    app.extensions["hub"].engine.dispose()
    # A directory where the file was: unreadable as a database even for root (chmod is not).
    path.unlink()
    path.mkdir()
    try:
        _assert_outage(app)
    finally:
        app.extensions["hub"].engine.dispose()

