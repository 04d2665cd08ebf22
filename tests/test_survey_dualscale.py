"""Dual-scale arrays (Q8: how important each offer is, and how satisfied one is with it) are
published one scale at a time, whole or one row, with counts as counted by hand; a table that
names no scale is refused with nothing written."""
from __future__ import annotations

import copy
from collections import Counter

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bildungsdaten.hub.survey.errors import SurveyError
from bildungsdaten.hub.survey.models import SurveyRelease, SurveyReleaseTable
from bildungsdaten.hub.survey.service import get_survey, submitted_answers
from bildungsdaten.hub.survey.tables import TOTAL
from tests.survey_synth import (
    OFFERS,
    SATISFIED,
    SMALL_DEFINITION,
    import_export,
    published_cells,
    release,
)


def definition(*tables: dict[str, object]) -> dict[str, object]:
    raw = copy.deepcopy(SMALL_DEFINITION)
    raw["tabellen"] = list(tables)
    return raw


def test_each_scale_is_a_table_of_its_own(engine):
    import_export(engine, n=600)
    release(engine, definition(
        {"name": "angebote-wichtig", "frage": "Q8", "skala": 1,
         "zusammenfassen": {"unwichtig": ["1", "2"], "teils": ["3"], "wichtig": ["4", "5"]}},
        {"name": "angebote-zufrieden", "frage": "Q8", "skala": 2},
        {"name": "vhs-zufrieden", "frage": "Q8[SQ001]", "skala": 2}), keep=True)  # read below
    with Session(engine) as session:
        answers, _digest = submitted_answers(session, get_survey(session, "bu2026"))
    satisfied = {code: Counter(a[f"Q8[{code}][2]"] for a in answers if a.get(f"Q8[{code}][2]"))
                 for code, _ in OFFERS}
    whole = published_cells(engine, "angebote-zufrieden")
    assert {c[1] for c in whole} == {z for z, _ in SATISFIED} | {TOTAL}
    for code, counts in satisfied.items():
        for answer, n in counts.items():
            assert whole[(code, answer)] in (n, None)
        assert whole[(code, TOTAL)] == sum(counts.values())
    row = published_cells(engine, "vhs-zufrieden")
    assert row[(TOTAL,)] == sum(satisfied["SQ001"].values())
    assert all(row[(z,)] in (satisfied["SQ001"][z], None) for z, _ in SATISFIED)
    important = published_cells(engine, "angebote-wichtig")
    assert {c[1] for c in important} == {"unwichtig", "teils", "wichtig", TOTAL}
    for code, _ in OFFERS:
        wanted = Counter(a[f"Q8[{code}][1]"] in ("4", "5") for a in answers
                         if a.get(f"Q8[{code}][1]"))
        assert important[(code, "wichtig")] in (wanted[True], None)
    for table in ("angebote-wichtig", "angebote-zufrieden", "vhs-zufrieden"):
        assert all(n is None or n == 0 or n >= 5 for n in published_cells(engine, table).values())
    with engine.connect() as conn:
        codes = set(conn.execute(sa.select(SurveyReleaseTable.question_code)).scalars())
    assert codes == {"Q8#1", "Q8#2", "Q8#2[SQ001]"}


@pytest.mark.parametrize("scale", [None, 3, True, "1"])
def test_a_dual_scale_table_without_a_valid_scale_is_refused(engine, scale):
    import_export(engine, n=200)
    table: dict[str, object] = {"name": "angebote", "frage": "Q8"}
    if scale is not None:
        table["skala"] = scale
    with pytest.raises(SurveyError, match="zwei Skalen") as exc:
        release(engine, definition(table))
    assert exc.value.code == "scale-required"
    assert "zufrieden" in exc.value.message  # the second scale's answers are named
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(SurveyRelease)).scalar() == 0
