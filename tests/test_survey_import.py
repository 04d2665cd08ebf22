"""Importing the synthetic export: identifying columns and free text never reach the database;
a file that does not match its structure is refused with nothing written."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from bildungsdaten.hub.db import make_sessionmaker, transaction
from bildungsdaten.hub.survey.errors import SurveyError
from bildungsdaten.hub.survey.importer import delete_responses, import_survey
from bildungsdaten.hub.survey.limesurvey import parse_lss
from bildungsdaten.hub.survey.models import Survey, SurveyQuestion, SurveyResponse
from tests.survey_synth import MARKERS, import_export, responses_csv, structure_lss


def dump(engine) -> str:
    """Every value of every table, as text (what a database dump would show)."""
    out = []
    with engine.connect() as conn:
        for table in sa.inspect(engine).get_table_names():
            out += [repr(tuple(r)) for r in conn.execute(sa.text(f'SELECT * FROM "{table}"'))]
    return "\n".join(out)


def test_the_3000_respondent_export_imports(engine):
    result = import_export(engine, n=3000)
    assert result.responses == 3000 and 2800 < result.submitted < 3000
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(SurveyResponse)).scalar_one() == 3000


def test_identifying_columns_and_free_text_are_never_stored(engine):
    result = import_export(engine, n=300)
    assert {"token", "ipaddr", "refurl", "startdate", "datestamp", "submitdate", "seed",
            "lastpage", "Q1[other]", "Q2[other]", "Q5", "Q7[comment]"} <= set(result.dropped_columns)
    text = dump(engine)
    for key in ("token", "ipaddr", "refurl", "free", "other", "comment", "date"):
        assert MARKERS[key] not in text, key
    assert "'Q1[other]'" not in text and '"Q5"' not in text


def test_submitted_is_kept_as_a_flag_only(engine):
    import_export(engine, n=200)
    with engine.connect() as conn:
        flags = {r[0] for r in conn.execute(sa.select(SurveyResponse.submitted))}
    assert flags == {True, False}


def test_null_and_empty_answers_stay_distinct(engine):
    import_export(engine, n=200)
    with make_sessionmaker(engine)() as session:
        rows = session.execute(sa.select(SurveyResponse.answers, SurveyResponse.submitted)).all()
    complete = next(a for a, s in rows if s)
    broken = next(a for a, s in rows if not s)
    assert all(k in complete for k in ("Q2[SQ001]", "Q2[SQ005]"))  # "" = shown, not ticked
    assert "Q2[SQ001]" not in broken  # NULL = never shown


def bad_import(engine, data: bytes) -> SurveyError:
    with pytest.raises(SurveyError) as exc, transaction(make_sessionmaker(engine)) as session:
        import_survey(session, "bu2026", data, parse_lss(structure_lss()))
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(Survey)).scalar_one() == 0
    return exc.value


def test_unknown_column_is_refused_naming_it(engine):
    data = responses_csv(5).replace(b'"Q7[comment]"', b'"Q8"', 1)
    err = bad_import(engine, data)
    assert err.code == "unknown-column" and "Q8" in str(err)


def test_missing_subquestion_column_is_refused_naming_the_question(engine):
    data = responses_csv(5).replace(b'"Q2[SQ005]"', b'"Q2[SQ009]"', 1)
    err = bad_import(engine, data)
    assert err.code == "unknown-column" and "Q2" in str(err)


def test_unknown_answer_code_is_refused_naming_row_and_column(engine):
    text = responses_csv(5).decode("utf-8-sig").split("\r\n")
    fields = text[3].split(";")
    fields[12] = '"T9"'  # Q1
    text[3] = ";".join(fields)
    err = bad_import(engine, ("\ufeff" + "\r\n".join(text)).encode())
    assert err.code == "unknown-answer" and "Zeile 4" in str(err) and "Q1" in str(err)


def test_delete_responses_removes_every_raw_response_of_the_survey(engine):
    import_export(engine, n=100)
    with transaction(make_sessionmaker(engine)) as session:
        assert delete_responses(session, "bu2026") == 100
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(SurveyResponse)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(SurveyQuestion)).scalar_one() > 0


def test_reimport_replaces_the_responses(engine):
    import_export(engine, n=100)
    import_export(engine, n=120)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(SurveyResponse)).scalar_one() == 120
