"""The scheduler job fetches a provider's published file over real HTTP, imports it as a
"pull" upload, and asks with If-None-Match next time (304: nothing to do)."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bildungsdaten.hub.jobs.pull import JOBS, pull_provider_sources
from bildungsdaten.hub.models import Provider
from tests.import_support import add_provider, fixture_bytes, live_offers, uploads


@pytest.fixture
def source_server():
    seen: list[dict[str, str]] = []
    body = fixture_bytes("valid_cp1252.csv")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append(dict(self.headers))
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("ETag", '"v1"')
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/kurse.csv", seen
    server.shutdown()


def test_pull_imports_the_published_file_then_asks_if_changed(app, engine, source_server,
                                                               monkeypatch):
    url, seen = source_server
    # The fetch guard refuses loopback unless listed, as a test or intranet setup does.
    monkeypatch.setattr(app.extensions["hub"].settings, "fetch_allow_hosts", "127.0.0.1")
    pid = add_provider(engine, "kvhs")
    with Session(engine) as session, session.begin():
        session.execute(sa.update(Provider).values(source_url=url))

    first = pull_provider_sources(app)
    assert [(r.slug, r.outcome) for r in first] == [("kvhs", "done")]
    assert len(live_offers(engine, pid)) == 3
    (upload,) = uploads(engine, pid)
    assert (upload.source, upload.mode, upload.filename) == ("pull", "replace", "kurse.csv")

    second = pull_provider_sources(app)
    assert [r.outcome for r in second] == ["not-modified"]
    assert seen[-1]["If-None-Match"] == '"v1"'
    assert len(uploads(engine, pid)) == 1


def test_pull_job_is_exposed_for_the_scheduler():
    assert JOBS == [("pull-provider-sources", pull_provider_sources, {"minutes": 60})]
