"""Every page of a realistic catalogue passes ../shared/standards/dcat-ap-de/check.py --strict.

The kit comes from ../shared (tests.support.shared_path: skipped on a dev machine without it,
a failure under CI=true).
"""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bildungsdaten.feeds.dcat.model import FILE_TYPE, FREQ_IRREG, MEDIA_TYPE, Distribution
from bildungsdaten.hub.catalog import district_dataset
from bildungsdaten.hub.db import make_sessionmaker, transaction
from bildungsdaten.hub.offers.store import ensure_provider, write_offers
from tests.catalog_data import add_empty_provider, provider, seed
from tests.support import shared_path


def survey_tables(session, settings) -> list:
    """What the survey area registers: a published table with a known byte size."""
    ds = district_dataset(
        settings, "umfrage-weiterbildung-2025", {"de": "Umfrage Weiterbildung 2025: Tabelle 1"},
        {"de": "Anonymisierte Aggregate; kleine Zellen unterdrückt."},
        keywords={"de": ["Umfrage", "Weiterbildung"]}, accrual_periodicity=FREQ_IRREG)
    url = settings.url("/survey/tables/t1.csv")
    ds.distributions = [Distribution(
        iri=ds.iri + "#csv", title={"de": "Tabelle 1 (CSV)"}, access_url=url, download_url=url,
        format=FILE_TYPE + "CSV", media_type=MEDIA_TYPE + "text/csv",
        licence=settings.default_licence, licence_attribution=settings.licence_attribution,
        byte_size=4711)]
    return [ds]


@pytest.fixture
def realistic(app, engine) -> Iterator[None]:
    """7 providers (mixed licence spellings), one without offers, one whose offers were all
    withdrawn, a registered survey table; 3 datasets a page."""
    seed(engine, 7, 3, licences={1: "https://creativecommons.org/licenses/by/4.0/",
                                 2: "http://dcat-ap.de/def/licenses/dl-zero-de/2.0/"})
    add_empty_provider(engine)
    with transaction(make_sessionmaker(engine)) as session:
        write_offers(session, ensure_provider(session, provider(6)), [], replace=True)
    app.extensions["hub"].settings.catalog_page_size = 3
    app.extensions["hub"].dataset_sources.append(survey_tables)
    yield


def _check(kit: Path, document: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(kit), str(document), "--strict", *extra],
                          check=False, capture_output=True, text=True, timeout=120)


def test_every_catalogue_page_conforms_strictly(client, realistic, tmp_path):
    kit = shared_path("standards", "dcat-ap-de", "check.py")
    page, pages = 1, 0
    while True:
        resp = client.get(f"/catalog.ttl?page={page}")
        if resp.status_code == 404:
            break
        document = tmp_path / f"catalog-{page}.ttl"
        document.write_bytes(resp.data)
        result = _check(kit, document)
        assert result.returncode == 0, result.stdout
        assert "0 violations, 0 warnings" in result.stdout
        page, pages = page + 1, pages + 1
    assert pages == 3  # 1 + 6 providers with offers + 1 survey table = 8 datasets


def test_jsonld_catalogue_conforms_strictly(client, realistic, tmp_path):
    kit = shared_path("standards", "dcat-ap-de", "check.py")
    document = tmp_path / "catalog.jsonld"
    document.write_bytes(client.get("/catalog.jsonld?page=1").data)
    result = _check(kit, document, "--format", "json-ld")
    assert result.returncode == 0, result.stdout


def test_dataset_document_conforms_strictly(client, realistic, tmp_path):
    kit = shared_path("standards", "dcat-ap-de", "check.py")
    document = tmp_path / "dataset.ttl"
    document.write_bytes(client.get("/datasets/bildungsangebote.ttl").data)
    result = _check(kit, document)
    assert result.returncode == 0, result.stdout
