"""The release landing page `survey release` prints, the method text on the pages, and the
deletion of raw responses once a closed survey is released."""
from __future__ import annotations

import json
import re
from typing import Any

import sqlalchemy as sa
from click.testing import CliRunner

from bildungsdaten.hub.survey.models import (
    Survey,
    SurveyReleaseCell,
    SurveyReleaseTable,
    SurveyResponse,
)
from tests.survey_synth import SMALL_DEFINITION, import_export, release, write_export

METHOD = ["Methode", "abgeschlossene Fragebögen", "keine Angabe", "Basis", "„.“", "„–“",
          "Zahlenwert unbekannt oder geheim zu halten", "nichts vorhanden", "Selbstauswahl",
          "nicht repräsentativ", "Freitexte", "unter 18"]


def raw_responses(engine: Any) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(SurveyResponse)).scalar_one()


def run_cli(db_url: str, tmp_path: Any, monkeypatch: Any, status: str, *extra: str) -> str:
    from bildungsdaten.hub.cli import main

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("HUB_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("HUB_BASE_URI", "http://hub.test")
    csv_path, lss_path = write_export(tmp_path, n=400)
    definition = tmp_path / "tabellen.json"
    definition.write_text(json.dumps(SMALL_DEFINITION), encoding="utf-8")
    runner = CliRunner()
    out = runner.invoke(main, ["survey", "import", "--survey", "bu2026", "--responses",
                               str(csv_path), "--structure", str(lss_path), "--status", status])
    assert out.exit_code == 0, out.output
    out = runner.invoke(main, ["survey", "release", "--survey", "bu2026", "--definition",
                               str(definition), *extra])
    assert out.exit_code == 0, out.output
    return out.output


def test_the_link_survey_release_prints_answers_with_the_release_page(db_url, tmp_path,
                                                                      monkeypatch, app):
    output = run_cli(db_url, tmp_path, monkeypatch, "collecting")
    link = re.search(r"Veröffentlicht unter (\S+)", output).group(1)
    assert link == "http://hub.test/survey/bu2026/1/"
    resp = app.test_client().get(link.removeprefix("http://hub.test"))
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    for t in SMALL_DEFINITION["tabellen"]:
        href = f"/survey/bu2026/1/{t['name']}"
        for suffix in ("", ".csv", ".schema.json", ".jsonld"):
            assert f'href="{href}{suffix}"' in page, (href, suffix)
            assert app.test_client().get(href + suffix).status_code == 200
    for words in METHOD:
        assert words in page, words
    assert "Basis (n)" in page


def test_unknown_or_oversized_release_versions_answer_404(app):
    import_export(app.extensions["hub"].engine, n=400, status="collecting")
    release(app.extensions["hub"].engine, SMALL_DEFINITION)
    client = app.test_client()
    assert client.get("/survey/bu2026/1/").status_code == 200
    assert client.get("/survey/bu2026/2/").status_code == 404
    assert client.get("/survey/anders/1/").status_code == 404
    assert client.get("/survey/bu2026/99999999999999999999999/").status_code == 404
    assert client.get("/survey/bu2026/99999999999999999999999/x").status_code == 404


def test_the_table_page_explains_the_method_the_base_and_shows_zero_as_a_dash(app):
    engine = app.extensions["hub"].engine
    import_export(engine, n=400, status="collecting")
    release(engine, SMALL_DEFINITION)
    with engine.connect() as conn:
        zero_tables = {r[0] for r in conn.execute(
            sa.select(SurveyReleaseTable.slug).join(SurveyReleaseCell)
            .where(SurveyReleaseCell.count == 0))}
        grand = dict(conn.execute(
            sa.select(SurveyReleaseTable.slug, SurveyReleaseCell.count).join(SurveyReleaseCell)
            .where(SurveyReleaseTable.slug == "lernwunsch-region",
                   SurveyReleaseCell.position == 14)).all())  # (Insgesamt, Insgesamt)
    client = app.test_client()
    page = client.get("/survey/bu2026/1/lernwunsch-region").get_data(as_text=True)
    for words in METHOD:
        assert words in page, words
    assert f"n = {grand['lernwunsch-region']}" in page
    assert 'href="/survey/bu2026/1/"' in page
    assert zero_tables, "the synthetic release has empty cells"
    for slug in zero_tables:
        body = client.get(f"/survey/bu2026/1/{slug}").get_data(as_text=True)
        assert '<abbr title="nichts vorhanden">–</abbr></td>' in body
        assert ">0</td>" not in body


def test_releasing_a_closed_survey_deletes_its_raw_responses_and_the_tables_still_serve(app):
    engine = app.extensions["hub"].engine
    import_export(engine, n=400, status="closed")
    assert raw_responses(engine) > 0
    summary = release(engine, SMALL_DEFINITION)
    assert summary.deleted_responses == 400
    assert raw_responses(engine) == 0
    with engine.connect() as conn:
        deleted_at, count = conn.execute(sa.select(Survey.responses_deleted_at,
                                                   Survey.response_count)).one()
    assert deleted_at is not None and count == 0
    client = app.test_client()
    for path in ("/survey/", "/survey/bu2026/1/", "/survey/bu2026/1/lernwunsch-region",
                 "/survey/bu2026/1/lernwunsch-region.csv",
                 "/survey/bu2026/1/lernwunsch-region.jsonld"):
        assert client.get(path).status_code == 200, path
    csv_body = client.get("/survey/bu2026/1/lernwunsch-region.csv").get_data(as_text=True)
    assert csv_body.count("\n") == 16  # header + (4 regions + total) × 3 answer columns


def test_a_collecting_survey_keeps_its_raw_responses(engine):
    import_export(engine, n=400, status="collecting")
    assert release(engine, SMALL_DEFINITION).deleted_responses is None
    assert raw_responses(engine) == 400


def test_raw_responses_are_kept_only_when_asked(db_url, tmp_path, monkeypatch, engine):
    output = run_cli(db_url, tmp_path, monkeypatch, "closed", "--rohdaten-behalten")
    assert "Rohantworten behalten" in output and raw_responses(engine) == 400
    # A further release over the same respondents deletes them unless kept again.
    definition = tmp_path / "tabellen.json"
    from bildungsdaten.hub.cli import main

    out = CliRunner().invoke(main, ["survey", "release", "--survey", "bu2026", "--definition",
                                    str(definition)])
    assert out.exit_code == 0, out.output
    assert "400 Rohantworten gelöscht" in out.output and raw_responses(engine) == 0


def test_the_served_cube_marks_every_suppressed_cell_of_a_release_confidential(app):
    import rdflib

    from tests.survey_synth import published_cells

    engine = app.extensions["hub"].engine
    import_export(engine, n=400, status="collecting")
    release(engine, SMALL_DEFINITION)
    conf = rdflib.URIRef("http://purl.org/linked-data/sdmx/2009/attribute#confStatus")
    code_c = rdflib.URIRef("http://purl.org/linked-data/sdmx/2009/code#confStatus-C")
    hidden_total = 0
    for t in SMALL_DEFINITION["tabellen"]:
        cells = published_cells(engine, t["name"])
        body = app.test_client().get(f"/survey/bu2026/1/{t['name']}.jsonld").get_data(as_text=True)
        g = rdflib.Graph().parse(data=body, format="json-ld")
        hidden = sum(1 for n in cells.values() if n is None)
        assert len(set(g.subjects(conf, code_c))) == hidden, t["name"]
        hidden_total += hidden
    assert hidden_total > 0
