"""Reading LimeSurvey exports: NULL vs empty, the .lss of 3.x and 4.x+, the JSON catalogue."""
from __future__ import annotations

import json

import pytest

from bildungsdaten.hub.survey.errors import SurveyError
from bildungsdaten.hub.survey.limesurvey import parse_catalogue, parse_lss, parse_responses_csv
from tests.survey_synth import HEADING, responses_csv, structure_lss


def test_unquoted_empty_is_null_and_quoted_empty_is_empty():
    data = '\ufeff"id";"Q1";"Q2";"Q3"\r\n"1";;"";"a;b"\r\n'.encode()
    heading, rows = parse_responses_csv(data)
    assert heading == ["id", "Q1", "Q2", "Q3"]
    assert rows == [(2, ["1", None, "", "a;b"])]


def test_quoted_fields_keep_newlines_and_doubled_quotes_and_count_lines():
    data = b'"id";"Q1"\r\n"1";"Zeile 1\r\nZeile ""2"""\r\n"2";"x"\r\n'
    _, rows = parse_responses_csv(data)
    assert rows == [(2, ["1", 'Zeile 1\r\nZeile "2"']), (4, ["2", "x"])]


def test_wrong_field_count_names_the_line():
    with pytest.raises(SurveyError, match="Zeile 3"):
        parse_responses_csv(b'"id";"Q1"\r\n"1";"A"\r\n"2"\r\n')


def test_synthetic_export_is_written_like_limesurvey():
    data = responses_csv(50)
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    heading, rows = parse_responses_csv(data)
    assert heading == HEADING and len(rows) == 50
    # Incomplete respondents have NULL (not shown) answers, complete ones "" for unticked.
    values = [v for _, r in rows for v in r]
    assert None in values and "" in values


def test_lss_3x_inline_texts_and_4x_l10n_tables_give_the_same_structure():
    old, new = parse_lss(structure_lss(version=3)), parse_lss(structure_lss(version=5))
    assert old == new
    assert new.title == "Bildungsumfrage für Jung und Alt"
    q = new.by_code()
    assert q["Q2"].kind == "multiple" and [s.code for s in q["Q2"].subquestions][:2] == ["SQ001", "SQ002"]
    assert q["Q3"].kind == "array" and q["Q3"].answers[0].text == "gar nicht wichtig"
    assert q["WOHNORT"].answers[0].text == "Abtsteinach"
    assert q["Q1"].text == "Was möchten Sie am liebsten lernen?" and q["Q1"].other
    assert q["Q5"].kind == "free"


def test_lss_with_an_external_entity_is_refused():
    evil = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<document>&x;</document>")
    with pytest.raises(SurveyError) as exc:
        parse_lss(evil)
    assert exc.value.code == "lss-syntax"


def test_json_catalogue_describes_questions_for_a_plain_csv():
    doc = {"title": "Kurzumfrage", "questions": [
        {"code": "ALTER", "type": "single", "answers": [{"code": "A1", "text": "jung"}]},
        {"code": "Q4", "type": "Y", "text": "Kurs besucht?"}]}
    structure = parse_catalogue(json.dumps(doc).encode())
    assert structure.by_code()["Q4"].answers[0].text == "Ja"
    assert structure.by_code()["ALTER"].kind == "single"
    assert structure.by_code()["ALTER"].type == "L"  # the type column holds 2 characters


def test_json_catalogue_with_unknown_type_names_the_question():
    doc = {"questions": [{"code": "Q9", "type": "zz"}]}
    with pytest.raises(SurveyError, match="Q9"):
        parse_catalogue(json.dumps(doc).encode())
