"""The provider pull goes through the fetch guard: a source_url pointing at the hub's own
files, internal services, a slow or a huge source keeps nothing and says why in German;
one slow source never holds up the providers after it beyond the run's budget."""
from __future__ import annotations

import time
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bildungsdaten.hub.jobs.pull import pull_provider_sources
from bildungsdaten.hub.models import Provider
from tests.fetch_support import answer, drip, endless, redirect, serve
from tests.import_support import add_provider, fixture_bytes, live_offers, uploads


def set_sources(engine: Any, urls: dict[int, str]) -> None:
    with Session(engine) as session, session.begin():
        for pid, url in urls.items():
            session.execute(sa.update(Provider).where(Provider.id == pid).values(source_url=url))


@pytest.fixture
def settings(app: Any) -> Any:
    return app.extensions["hub"].settings


def test_a_file_url_to_the_secret_key_is_refused_and_nothing_is_stored(app, engine, settings):
    secret = settings.instance_path / "secret_key"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text("angebot_id;titel\nX;geheim\n")
    pid = add_provider(engine, "kvhs")
    set_sources(engine, {pid: secret.as_uri()})

    (result,) = pull_provider_sources(app)
    assert (result.outcome, result.code) == ("refused", "scheme-not-allowed")
    assert "nur http- und https-Adressen" in result.detail
    assert uploads(engine, pid) == []


def test_a_loopback_source_is_refused_unless_allowed(app, engine, settings, monkeypatch):
    pid = add_provider(engine, "kvhs")
    with serve({"/kurse.csv": answer(fixture_bytes("valid_cp1252.csv"))}) as server:
        set_sources(engine, {pid: server.url("/kurse.csv")})
        (refused,) = pull_provider_sources(app)
        assert server.seen == []
        monkeypatch.setattr(settings, "fetch_allow_hosts", "127.0.0.1")
        (allowed,) = pull_provider_sources(app)
    assert (refused.outcome, refused.code) == ("refused", "address-not-allowed")
    assert "keine öffentliche Adresse (Loopback)" in refused.detail
    assert allowed.outcome == "done" and len(live_offers(engine, pid)) == 3


def test_a_redirect_to_the_metadata_service_is_refused(app, engine, settings, monkeypatch):
    monkeypatch.setattr(settings, "fetch_allow_hosts", "127.0.0.1")
    pid = add_provider(engine, "kvhs")
    with serve({"/k.csv": redirect("http://169.254.169.254/latest/meta-data/")}) as server:
        set_sources(engine, {pid: server.url("/k.csv")})
        (result,) = pull_provider_sources(app)
    assert (result.outcome, result.code) == ("refused", "address-not-allowed")
    assert "Metadaten-Dienst" in result.detail
    assert uploads(engine, pid) == []


def test_too_large_sources_keep_nothing(app, engine, settings, monkeypatch):
    monkeypatch.setattr(settings, "fetch_allow_hosts", "127.0.0.1")
    monkeypatch.setattr(settings, "upload_max_bytes", 64 * 1024)
    first, second = add_provider(engine, "kvhs"), add_provider(engine, "musikschule")
    with serve({"/declared": answer(b"x;" * 40_000), "/endless": endless()}) as server:
        set_sources(engine, {first: server.url("/declared"), second: server.url("/endless")})
        results = pull_provider_sources(app)
    assert [(r.outcome, r.code) for r in results] == [("too-large", "too-large")] * 2
    assert "größer als 65.536 Bytes" in results[1].detail
    assert uploads(engine, first) == uploads(engine, second) == []


def test_a_slow_drip_is_cut_and_the_next_provider_is_still_pulled(app, engine, settings,
                                                                   monkeypatch):
    monkeypatch.setattr(settings, "fetch_allow_hosts", "127.0.0.1")
    monkeypatch.setattr(settings, "fetch_deadline_seconds", 1)
    slow, fine = add_provider(engine, "langsam"), add_provider(engine, "kvhs")
    routes = {"/slow.csv": drip(fixture_bytes("valid_cp1252.csv")[:18], 0.3),
              "/kurse.csv": answer(fixture_bytes("valid_cp1252.csv"))}
    with serve(routes) as server:
        set_sources(engine, {slow: server.url("/slow.csv"), fine: server.url("/kurse.csv")})
        started = time.monotonic()
        results = pull_provider_sources(app)
        elapsed = time.monotonic() - started
    assert [(r.slug, r.outcome, r.code) for r in results] == [
        ("langsam", "fetch-failed", "deadline"), ("kvhs", "done", None)]
    assert "nicht innerhalb von 1 s vollständig geliefert" in results[0].detail
    assert elapsed < 4
    assert uploads(engine, slow) == [] and len(live_offers(engine, fine)) == 3


def test_the_run_budget_bounds_the_whole_job(app, engine, settings, monkeypatch):
    monkeypatch.setattr(settings, "fetch_allow_hosts", "127.0.0.1")
    monkeypatch.setattr(settings, "fetch_run_deadline_seconds", 1)
    pids = [add_provider(engine, f"langsam-{i}") for i in range(3)]
    with serve({"/slow.csv": drip(b"x" * 100, 0.2)}) as server:
        set_sources(engine, {pid: server.url("/slow.csv") for pid in pids})
        started = time.monotonic()
        results = pull_provider_sources(app)
        elapsed = time.monotonic() - started
    assert [r.code for r in results] == ["run-deadline"] * 3
    assert "Zeitbudget dieses Laufs (1 s)" in results[-1].detail
    assert elapsed < 3
