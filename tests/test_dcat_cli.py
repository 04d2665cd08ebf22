"""`bildungsdaten dcat check` validates every page of the hub's own catalogue, in German."""
from __future__ import annotations

import shutil

import pytest
import rdflib
from click.testing import CliRunner

from bildungsdaten.hub.cli import main
from tests.catalog_data import seed
from tests.support import shared_path
from tests.survey_synth import SMALL_DEFINITION, import_export, release


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


# A shape of our own on top of the official kit: every dataset MUST name a language that no
# dataset of the hub has, so each one is a violation reported in German.
STRICTER = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<urn:test:klingonisch> a sh:NodeShape ; sh:targetClass dcat:Dataset ;
  sh:property [ sh:path dcterms:language ;
    sh:hasValue <http://example.org/sprache/klingonisch> ;
    sh:message "dcterms:language MUSS Klingonisch enthalten"@de ] .
"""


def test_violations_are_listed_in_german_and_fail(run, engine, tmp_path):
    seed(engine, 1)
    kit = tmp_path / "kit"
    shutil.copytree(_kit(), kit)
    shapes = kit / "shapes" if (kit / "shapes").is_dir() else kit
    (shapes / "zzz_klingonisch.ttl").write_text(STRICTER, encoding="utf-8")
    result = run("--shapes", str(kit))
    assert result.exit_code == 1
    assert "2 Verstöße" in result.output  # the offers' dataset and the provider's
    assert "Verstoß: Knoten <http://hub.test/datasets/bildungsangebote>" in result.output
    assert "Pfad: dcterms:language" in result.output
    assert "dcterms:language MUSS Klingonisch enthalten" in result.output


def test_checks_exactly_what_the_catalogue_serves_survey_tables_included(run, engine, client):
    """The CLI builds the catalogue through the app: the survey's datasets (registered by
    hub.survey.init_app) are in /catalog and in what `dcat check` validates."""
    seed(engine, 1)
    import_export(engine, n=400, status="collecting")
    release(engine, SMALL_DEFINITION)
    served = rdflib.Graph().parse(data=client.get("/catalog.ttl").get_data(as_text=True),
                                  format="turtle")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    datasets = {str(d) for d in served.subjects(rdflib.RDF.type, dcat.Dataset)}
    surveys = {d for d in datasets if "/datasets/umfrage-" in d}
    assert len(surveys) == len(SMALL_DEFINITION["tabellen"])
    result = run("--shapes", _kit(), page_size=100)
    assert result.exit_code == 0, result.output
    checked = "0 Verstöße, 0 Warnungen auf 1 Seite"
    assert checked in result.output
    # the same datasets were checked: the CLI's catalogue page lists every served dataset
    assert f"{len(datasets)} Datensätze geprüft" in result.output


def test_missing_shapes_is_a_clear_error(run, engine, tmp_path):
    result = run("--shapes", str(tmp_path / "fehlt"))
    assert result.exit_code == 1
    assert "Keine Prüfregeln" in result.output
