"""Number questions (Q6: hours of learning a week) are published only in classes, as a table
or as a breakdown: counts are those of the classed answers, no raw number appears, and a
definition without classes, with conflicting classes or with answers below the smallest
class is refused with nothing written."""
from __future__ import annotations

import copy
from collections import Counter

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bildungsdaten.hub.survey.errors import SurveyError
from bildungsdaten.hub.survey.models import SurveyRelease, SurveyReleaseCell, SurveyReleaseTable
from bildungsdaten.hub.survey.service import get_survey, submitted_answers
from bildungsdaten.hub.survey.tables import TOTAL
from tests.survey_synth import MARKERS, SMALL_DEFINITION, import_export, published_cells, release

CLASSES = {"0-4": 0, "5-9": 5, "10-und-mehr": 10}


def hours_class(value: str) -> str:
    number = float(value.replace(",", "."))
    return "10-und-mehr" if number >= 10 else "5-9" if number >= 5 else "0-4"


def definition(**table: object) -> dict[str, object]:
    raw = copy.deepcopy(SMALL_DEFINITION)
    raw["gliederungen"]["stunden"] = {"frage": "Q6", "bezeichnung": "Lernstunden je Woche",
                                      "klassen": dict(CLASSES)}
    raw["tabellen"] = [
        {"name": "lernstunden", "frage": "Q6", "klassen": dict(CLASSES),
         "bezeichnungen": {"10-und-mehr": "10 und mehr"}, **table},
        {"name": "lernwunsch-stunden", "frage": "Q1", "gliederung": ["stunden"],
         "zusammenfassen": {"T1-T2": ["T1", "T2"], "andere": ["T3", "T4", "T5", "-oth-"]}},
    ]
    return raw


def test_number_question_is_published_in_classes(engine):
    import_export(engine, n=600)
    release(engine, definition(), keep=True)  # the raw answers are counted by hand below
    with Session(engine) as session:
        answers, _digest = submitted_answers(session, get_survey(session, "bu2026"))
    # The table Q6 alone: every class count as counted by hand (respondents must also have
    # answered the release's breakdown questions: here Q6 itself).
    expected = Counter(hours_class(a["Q6"]) for a in answers if a.get("Q6"))
    table = published_cells(engine, "lernstunden")
    for code, n in expected.items():
        assert table[(code,)] in (n, None)  # None: suppressed
    assert table[(TOTAL,)] == sum(expected.values())
    assert all(n is None or n == 0 or n >= 5 for n in table.values())
    assert {c for (c,) in table} == {*CLASSES, TOTAL}
    # The breakdown: class codes only, and the raw marker number nowhere.
    crossed = published_cells(engine, "lernwunsch-stunden")
    assert {coords[0] for coords in crossed} == {*CLASSES, TOTAL}
    with engine.connect() as conn:
        specs = [str(s) for s in conn.execute(sa.select(SurveyReleaseTable.spec)).scalars()]
    assert not any(MARKERS["numeric"] in s for s in specs)


def test_number_question_without_classes_is_refused(engine):
    import_export(engine, n=400)
    raw = definition()
    del raw["tabellen"][0]["klassen"]
    with pytest.raises(SurveyError, match="Zahlenfrage") as exc:
        release(engine, raw)
    assert exc.value.code == "classes-required"
    assert _nothing_written(engine)


def test_different_classes_for_one_question_are_refused(engine):
    import_export(engine, n=400)
    with pytest.raises(SurveyError) as exc:
        release(engine, definition(klassen={"0-2": 0, "3-plus": 3}))
    assert exc.value.code == "conflicting-classes"
    assert _nothing_written(engine)


def test_answers_below_the_smallest_class_are_refused(engine):
    import_export(engine, n=400)
    raw = definition()
    raw["gliederungen"]["stunden"]["klassen"] = {"1-4": 1, "5-9": 5, "10-und-mehr": 10}
    raw["tabellen"][0]["klassen"] = {"1-4": 1, "5-9": 5, "10-und-mehr": 10}
    with pytest.raises(SurveyError, match="kleinsten Klassengrenze 1") as exc:
        release(engine, raw)
    assert exc.value.code == "below-classes"
    assert _nothing_written(engine)


@pytest.mark.parametrize("classes", [{"nur-eine": 0}, {"a": 0, "b": "fünf"}, {"a": 0, "b": 0.0},
                                     {"a": 0, "b": True}])
def test_malformed_classes_are_refused(engine, classes):
    import_export(engine, n=200)
    raw = definition()
    raw["tabellen"] = raw["tabellen"][:1]
    raw["tabellen"][0]["klassen"] = classes
    del raw["gliederungen"]["stunden"]
    with pytest.raises(SurveyError) as exc:
        release(engine, raw)
    assert exc.value.code in ("classes-required", "invalid-classes")
    assert _nothing_written(engine)


def _nothing_written(engine) -> bool:
    with engine.connect() as conn:
        return not any(conn.execute(sa.select(sa.func.count()).select_from(m)).scalar_one()
                       for m in (SurveyRelease, SurveyReleaseTable, SurveyReleaseCell))
