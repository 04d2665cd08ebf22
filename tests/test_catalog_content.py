"""What the catalogue description says comes from the data: dates, coverage, licences, sources."""
from __future__ import annotations

from datetime import UTC, date

from bildungsdaten.hub.catalog import (
    BERLIN,
    all_datasets,
    build_catalogue,
    district_dataset,
)
from bildungsdaten.hub.db import make_sessionmaker, transaction
from bildungsdaten.hub.models import Offer
from bildungsdaten.hub.offers.store import ensure_provider, write_offers
from tests.catalog_data import offer, provider, seed


def _datasets(app) -> dict:
    hub = app.extensions["hub"]
    with hub.sessions() as session:
        return {d.id: d for d in all_datasets(session, hub.settings, hub.dataset_sources)}


def test_temporal_coverage_spans_the_offer_dates(app, engine):
    prov = provider(0)
    with transaction(make_sessionmaker(engine)) as session:
        write_offers(session, ensure_provider(session, prov), [
            offer(prov, 1, date(2025, 9, 1), date(2025, 9, 30)),
            offer(prov, 2, date(2026, 1, 10), date(2026, 6, 30))])
    temporal = _datasets(app)["anbieter-kvhs"].temporal
    assert (temporal.start, temporal.end) == (date(2025, 9, 1), date(2026, 6, 30))


def test_issued_and_modified_come_from_the_offers(app, engine):
    seed(engine, 1, 2)
    with engine.connect() as conn:
        created = min(r.created_at for r in conn.execute(Offer.__table__.select()))
        stamp = max(r.modified for r in conn.execute(Offer.__table__.select()))
    dataset = _datasets(app)["anbieter-kvhs"]
    assert dataset.issued == created.replace(tzinfo=UTC, microsecond=0).astimezone(BERLIN)
    assert dataset.issued.utcoffset() is not None  # written with its Europe/Berlin offset
    assert int(dataset.modified.timestamp()) == stamp // 1000


def test_withdrawn_offers_move_modified_but_drop_the_provider_dataset(app, engine):
    prov = seed(engine, 2)[1]
    before = _datasets(app)["bildungsangebote"].modified
    with transaction(make_sessionmaker(engine)) as session:
        write_offers(session, ensure_provider(session, prov), [], replace=True)
    after = _datasets(app)
    assert "anbieter-musikschule-bensheim" not in after
    assert after["bildungsangebote"].modified >= before
    assert after["bildungsangebote"].facts["Angebote"] == "1"


def test_provider_licence_is_normalised_and_default_applies(app, engine):
    seed(engine, 2, licences={1: "https://creativecommons.org/licenses/by/4.0/"})
    datasets = _datasets(app)
    assert {d.licence for d in datasets["anbieter-musikschule-bensheim"].distributions} == {
        "http://dcat-ap.de/def/licenses/cc-by/4.0"}
    assert {d.licence for d in datasets["anbieter-kvhs"].distributions} == {
        "http://dcat-ap.de/def/licenses/dl-by-de/2.0"}


def test_registered_source_adds_its_datasets_after_the_offers(app, engine):
    seed(engine, 1)

    def tables(session, settings):
        return [district_dataset(settings, "umfrage-t1", {"de": "Tabelle 1"}, {"de": "Aggregat"})]

    app.extensions["hub"].dataset_sources[:] = [tables]  # instead of the survey's
    assert list(_datasets(app)) == ["bildungsangebote", "anbieter-kvhs", "umfrage-t1"]


def test_a_failing_source_leaves_the_rest_of_the_catalogue(app, engine):
    seed(engine, 1)

    def broken(session, settings):
        raise RuntimeError("kaputt")

    app.extensions["hub"].dataset_sources.append(broken)
    assert list(_datasets(app)) == ["bildungsangebote", "anbieter-kvhs"]


def test_catalogue_dates_span_its_datasets(app, engine):
    seed(engine, 2)
    hub = app.extensions["hub"]
    with hub.sessions() as session:
        cat = build_catalogue(session, hub.settings, hub.dataset_sources)
    assert cat.modified == max(d.modified for d in cat.datasets)
    assert cat.issued == min(d.issued for d in cat.datasets)
