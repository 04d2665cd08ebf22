"""Releases in the database: stored immutably, never a cell below k, refused (with nothing
written) for a second release over other respondents, bad definitions, or a survey in the field."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from bildungsdaten.hub.db import make_sessionmaker
from bildungsdaten.hub.survey.errors import SurveyError
from bildungsdaten.hub.survey.models import SurveyRelease, SurveyReleaseCell, SurveyReleaseTable
from tests.survey_synth import SMALL_DEFINITION, import_export, release, write_export


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def test_release_publishes_no_cell_below_k_and_one_symbol(engine):
    import_export(engine, n=400)
    summary = release(engine, SMALL_DEFINITION)
    assert summary.version == 1 and len(summary.tables) == 5
    with engine.connect() as conn:
        rows = conn.execute(sa.select(SurveyReleaseCell.count, SurveyReleaseCell.status,
                                      SurveyReleaseTable.spec).join(SurveyReleaseTable)).all()
    assert rows
    for n, status, spec in rows:
        assert (n is None and status == ".") or (n is not None and status == "")
        assert n is None or n == 0 or n >= spec["k"]
    assert any(n is None for n, _, _ in rows)


def test_second_release_400_and_403_responses_apart_is_refused(engine):
    import_export(engine, n=400, status="closed")
    release(engine, SMALL_DEFINITION)
    import_export(engine, n=403, status="closed")  # three late respondents
    with pytest.raises(SurveyError) as exc:
        release(engine, SMALL_DEFINITION)
    assert exc.value.code == "responses-differ"
    assert count(engine, SurveyRelease) == 1


def test_second_release_while_still_collecting_is_refused(engine):
    import_export(engine, n=400, status="collecting")
    release(engine, SMALL_DEFINITION)
    with pytest.raises(SurveyError) as exc:
        release(engine, SMALL_DEFINITION)
    assert exc.value.code == "still-collecting"
    assert count(engine, SurveyRelease) == 1


def test_second_release_over_the_same_closed_survey_is_audited_with_the_first(engine):
    import_export(engine, n=400, status="closed")
    release(engine, SMALL_DEFINITION, keep=True)  # kept explicitly, else deleted on release
    summary = release(engine, {**SMALL_DEFINITION, "tabellen": SMALL_DEFINITION["tabellen"][:2]})
    assert summary.version == 2


def test_unknown_question_in_the_definition_publishes_nothing(engine):
    import_export(engine, n=400)
    bad = {**SMALL_DEFINITION, "tabellen": SMALL_DEFINITION["tabellen"] + [
        {"name": "gibt-es-nicht", "frage": "Q42"}]}
    with pytest.raises(SurveyError, match="gibt-es-nicht"):
        release(engine, bad)
    assert count(engine, SurveyRelease) == 0 and count(engine, SurveyReleaseCell) == 0


def test_a_published_release_cannot_be_changed(engine):
    import_export(engine, n=400)
    release(engine, SMALL_DEFINITION)
    with make_sessionmaker(engine)() as session:
        cell = session.execute(sa.select(SurveyReleaseCell).limit(1)).scalar_one()
        cell.count = 999
        with pytest.raises(RuntimeError, match="unveränderlich"):
            session.flush()


def test_cli_imports_releases_lists_and_deletes(db_url, tmp_path, monkeypatch):
    from bildungsdaten.hub.cli import main

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("HUB_INSTANCE_PATH", str(tmp_path / "instance"))
    csv_path, lss_path = write_export(tmp_path, n=400)
    definition = tmp_path / "tabellen.json"
    definition.write_text(json.dumps(SMALL_DEFINITION), encoding="utf-8")
    runner = CliRunner()
    out = runner.invoke(main, ["survey", "import", "--survey", "bu2026", "--responses",
                               str(csv_path), "--structure", str(lss_path)])
    assert out.exit_code == 0, out.output
    assert "token" in out.output and "Importiert: 400" in out.output
    out = runner.invoke(main, ["survey", "release", "--survey", "bu2026", "--definition",
                               str(definition)])
    assert out.exit_code == 0, out.output
    assert "Veröffentlichung 1" in out.output and "Prüfung bestanden" in out.output
    out = runner.invoke(main, ["survey", "release", "--survey", "bu2026", "--definition",
                               str(definition)])
    assert out.exit_code != 0 and "nimmt noch Antworten an" in out.output
    out = runner.invoke(main, ["survey", "list"])
    assert "bu2026" in out.output and "1 Veröffentlichung" in out.output
    out = runner.invoke(main, ["survey", "delete-responses", "--survey", "bu2026", "--yes"])
    assert out.exit_code == 0 and "400 Rohantworten" in out.output


def test_cli_refuses_k_below_three_naming_the_table(db_url, tmp_path, monkeypatch):
    from bildungsdaten.hub.cli import main

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("HUB_INSTANCE_PATH", str(tmp_path / "instance"))
    csv_path, lss_path = write_export(tmp_path, n=100)
    runner = CliRunner()
    runner.invoke(main, ["survey", "import", "--survey", "bu2026", "--responses", str(csv_path),
                         "--structure", str(lss_path)])
    definition = tmp_path / "tabellen.toml"
    definition.write_text('k = 5\n[[tabellen]]\nname = "teilnahme"\nfrage = "Q4"\nk = 2\n',
                          encoding="utf-8")
    out = runner.invoke(main, ["survey", "release", "--survey", "bu2026", "--definition",
                               str(definition)])
    assert out.exit_code != 0
    assert "teilnahme" in out.output and "k = 2" in out.output
