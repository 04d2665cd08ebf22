"""Walk EVERY route of the app's URL map with real ids (published survey tables, existing
offers, datasets): no response contains a raw response value, a dropped column or free text."""
from __future__ import annotations

import itertools
from typing import Any

import pytest
import sqlalchemy as sa

from bildungsdaten.hub.db import begin_write, make_sessionmaker, transaction
from bildungsdaten.hub.demo.district import demo_records
from bildungsdaten.hub.models import Offer, Provider
from bildungsdaten.hub.offers.store import ensure_provider, write_offers
from bildungsdaten.hub.survey.models import SurveyRelease, SurveyReleaseTable
from tests.survey_synth import MARKERS, SMALL_DEFINITION, import_export, release

TOKEN = "admin-geheim-123"
# What only the raw export holds: identifying columns, free text, a raw numeric answer.
FORBIDDEN = [MARKERS[k] for k in ("token", "ipaddr", "refurl", "free", "other", "comment",
                                  "numeric", "date")]


@pytest.fixture
def published_app(app: Any) -> Any:
    app.extensions["hub"].settings.admin_token = TOKEN
    engine = app.extensions["hub"].engine
    import_export(engine, n=400, status="collecting")
    release(engine, SMALL_DEFINITION)
    sessions = make_sessionmaker(engine)
    for provider, records in itertools.islice(demo_records(12, seed=1), 2):
        with transaction(sessions) as session:
            begin_write(session)
            pid = ensure_provider(session, provider)
            write_offers(session, pid, records)
    return app


def candidates(app: Any) -> dict[str, list[Any]]:
    engine = app.extensions["hub"].engine
    with engine.connect() as conn:
        tables = conn.execute(sa.select(SurveyReleaseTable.slug, SurveyRelease.version)
                              .join(SurveyRelease)).all()
        offers = conn.execute(sa.select(Provider.slug, Offer.angebot_id).join(Provider)
                              .limit(3)).all()
    return {"survey_tables": [("bu2026", v, t) for t, v in tables],
            "offers": [(p, a) for p, a in offers]}


def urls(app: Any) -> list[tuple[str, str]]:
    """(method, url) for every rule, path arguments filled with real ids."""
    cand = candidates(app)
    simple: dict[str, list[str]] = {
        "filename": ["hub.css"], "ext": ["ttl", "rdf", "jsonld", "html"],
        "suffix": ["ttl", "jsonld", "rdf"], "name": ["bildungsangebote"] +
        [f"umfrage-{s}-{v}-{t}" for s, v, t in cand["survey_tables"]] +
        [f"umfrage-{s}-{v}-{t}.html" for s, v, t in cand["survey_tables"]] +
        ["themen", "gemeinden"], "upload_id": ["1"]}
    out = []
    for rule in app.url_map.iter_rules():
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        args = sorted(rule.arguments)
        if {"survey", "version", "table"} <= set(args):
            fills = [{"survey": s, "version": v, "table": t} for s, v, t in cand["survey_tables"]]
        elif {"survey", "version"} <= set(args):
            fills = [{"survey": s, "version": v} for s, v in {(s, v) for s, v, _ in
                                                              cand["survey_tables"]}]
        elif {"provider", "angebot_id"} <= set(args):
            fills = [{"provider": p, "angebot_id": a} for p, a in cand["offers"]]
        else:
            fills = [dict(zip(args, combo, strict=True))
                     for combo in itertools.product(*(simple.get(a, ["x"]) for a in args))]
        for fill in fills:
            path = rule.build(fill, append_unknown=False)[1] if hasattr(rule, "build") else None
            for method in methods:
                out.append((method, path))
    return out


def test_every_route_is_free_of_raw_answers_dropped_columns_and_free_text(published_app):
    client = published_app.test_client()
    seen = 0
    checked = set()
    for method, url in urls(published_app):
        for headers in ({}, {"Authorization": f"Bearer {TOKEN}"}):
            resp = client.open(url, method=method, headers=headers)
            body = resp.get_data().decode("utf-8", errors="replace")
            for marker in FORBIDDEN:
                assert marker not in body, (method, url, marker)
            assert resp.status_code < 500, (method, url, resp.status_code)
            seen += 1
        checked.add(url.split("?")[0])
    assert any(u.endswith(".csv") and "/survey/" in u for u in checked)
    assert "/survey/admin" in checked and seen > 50


def test_public_survey_routes_serve_only_released_tables(published_app):
    client = published_app.test_client()
    assert client.get("/survey/bu2026/1/lernwunsch-region").status_code == 200
    assert client.get("/survey/bu2026/2/lernwunsch-region").status_code == 404
    assert client.get("/survey/bu2026/1/antworten").status_code == 404


def test_admin_page_is_off_without_a_configured_token(app):
    assert app.test_client().get("/survey/admin").status_code == 403


def test_admin_page_needs_the_token(published_app):
    client = published_app.test_client()
    assert client.get("/survey/admin").status_code == 401
    assert client.get("/survey/admin", headers={"Authorization": "Bearer falsch"}).status_code == 401
    resp = client.get("/survey/admin", headers={"Authorization": f"Bearer {TOKEN}"})
    assert resp.status_code == 200 and "bu2026" in resp.get_data(as_text=True)


def test_catalogue_lists_one_dataset_per_published_table(published_app):
    body = published_app.test_client().get("/catalog.ttl").get_data(as_text=True)
    assert "umfrage-bu2026-1-lernwunsch-region" in body
    assert "/survey/bu2026/1/lernwunsch-region.jsonld" in body
