"""`bildungsdaten dcat check` validates every page of the hub's own catalogue, in German."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from bildungsdaten.hub.catalog import (
    district_dataset,
    register_dataset_source,
    unregister_dataset_source,
)
from bildungsdaten.hub.cli import main
from tests.catalog_data import seed
from tests.support import shared_path


@pytest.fixture
def run(db_url, tmp_path):
    def invoke(*args: str, page_size: int = 3):
        env = {"DATABASE_URL": db_url, "INSTANCE_PATH": str(tmp_path / "instance"),
               "HUB_BASE_URI": "http://hub.test", "SECRET_KEY": "test",
               "CATALOG_PAGE_SIZE": str(page_size)}
        return CliRunner().invoke(main, ["dcat", "check", *args], env=env)
    return invoke


def _kit() -> str:
    return str(shared_path("standards", "dcat-ap-de"))


def test_conforming_catalogue_passes_on_every_page(run, engine):
    seed(engine, 4)
    result = run("--shapes", _kit())
    assert result.exit_code == 0, result.output
    assert "Seite 2: 0 Verstöße, 0 Warnungen" in result.output
    assert "0 Verstöße, 0 Warnungen auf 2 Seiten" in result.output


def test_violations_are_listed_in_german_and_fail(run, engine):
    seed(engine, 1)

    def bad(session, settings):
        return [district_dataset(settings, "kaputt", {"de": "Kaputt"}, {"de": "Fehlerhaft"},
                                 languages=["http://example.org/sprache/klingonisch"])]

    register_dataset_source(bad)
    try:
        result = run("--shapes", _kit())
    finally:
        unregister_dataset_source(bad)
    assert result.exit_code == 1
    assert "1 Verstoß" in result.output
    assert "Verstoß: Knoten <http://example.org/sprache/klingonisch>" in result.output
    assert "Pfad: skos:inScheme" in result.output
    assert "dcterms:language MUSS" in result.output


def test_missing_shapes_is_a_clear_error(run, engine, tmp_path):
    result = run("--shapes", str(tmp_path / "fehlt"))
    assert result.exit_code == 1
    assert "Keine Prüfregeln" in result.output
