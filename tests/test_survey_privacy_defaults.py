"""The privacy defaults of a release: the protection width is k, tables sharing respondents
are audited as one integer program, and cells counting only minors need a higher k."""
from __future__ import annotations

import pytest

from bildungsdaten.hub.survey.audit import PublishedTable, audit
from bildungsdaten.hub.survey.errors import SurveyError
from bildungsdaten.hub.survey.limesurvey import Option, Question, Structure, parse_lss
from bildungsdaten.hub.survey.minors import K_MINORS
from bildungsdaten.hub.survey.protect import primary_suppression, protect
from bildungsdaten.hub.survey.release import resolve
from bildungsdaten.hub.survey.service import published_tables
from bildungsdaten.hub.survey.tables import TOTAL, count_table, link_bases
from tests.survey_synth import SMALL_DEFINITION, import_export, release, structure_lss

AGE = Question("ALTER", "L", "single", "Alter",
               answers=[Option("jung", "unter 18"), Option("mittel", "18 bis 64"),
                        Option("alt", "65 und älter")])
COSTS = Question("KOSTEN", "L", "single", "Geringe Kosten",
                 answers=[Option(c, c) for c in ("x", "y", "z")])
COURSE = Question("Q4", "Y", "single", "Kurs besucht?",
                  answers=[Option("Y", "Ja"), Option("N", "Nein")])
STRUCTURE = Structure("Test", "de", [AGE, COSTS, COURSE])


def published(spec, counts, hidden) -> PublishedTable:
    values = {c: (None if c in hidden else n) for c, n in counts.items()}
    return PublishedTable(spec, values, {c: ("." if c in hidden else "") for c in counts})


# ------------------------------------------------------------------ 1. width defaults to k

def test_two_hidden_cells_summing_to_4_are_not_publishable_with_the_default_width():
    """The issue's pattern: x = 1 and y = 3 hidden, z = 20 and the total 24 published; the
    attacker knows x + y = 4 and both ≥ 1, so each lies in [1, 3] — narrower than k = 5."""
    definition = resolve({"k": 5, "tabellen": [{"name": "kosten", "frage": "KOSTEN"}]},
                         STRUCTURE)
    spec = definition.tables[0]
    assert definition.width is None and spec.width_of(("x",)) == 5
    data = [{"KOSTEN": "x"}] + [{"KOSTEN": "y"}] * 3 + [{"KOSTEN": "z"}] * 20
    counts = count_table(spec, data)
    pattern = published(spec, counts, {("x",), ("y",)})
    report = audit([pattern])
    assert {(f.code, f.coords) for f in report.findings} == {
        ("range-too-narrow", ("x",)), ("range-too-narrow", ("y",))}
    assert report.ranges[("kosten", ("x",))] == (1, 3)
    assert audit([pattern], width=2).ok  # what the old default of 2 let through
    with pytest.raises(SurveyError):  # nothing safe is left of so small a table
        protect([spec], {spec.slug: counts})


def test_an_explicit_width_still_applies_and_a_bad_one_is_refused():
    raw = {"k": 5, "schutzbreite": 3, "tabellen": [{"name": "kosten", "frage": "KOSTEN"}]}
    assert resolve(raw, STRUCTURE).tables[0].width_of(("x",)) == 3
    with pytest.raises(SurveyError) as exc:
        resolve({**raw, "schutzbreite": 0}, STRUCTURE)
    assert exc.value.code == "invalid-width"


GEMEINDE_CATALOGUE = {"title": "Kosten", "questions": [
    {"code": "WOHNORT", "type": "single", "text": "Wohnort",
     "answers": [{"code": "G08", "text": "Grasellenbach"}, {"code": "G09", "text": "Heppenheim"}]},
    {"code": "KOSTEN", "type": "single", "text": "Wie wichtig sind geringe Kosten?",
     "answers": [{"code": c, "text": c} for c in ("ja", "teils", "nein")]}]}
# Grasellenbach: "ja" 1 and "teils" 3 (two hidden cells summing to 4), "nein" 20.
GEMEINDE_COUNTS = {("G08", "ja"): 1, ("G08", "teils"): 3, ("G08", "nein"): 20,
                   ("G09", "ja"): 30, ("G09", "teils"): 25, ("G09", "nein"): 40}
GEMEINDE_DEFINITION = {"k": 5, "max_gesperrt": 0.7, "gliederungen": {"gemeinde": {"frage": "WOHNORT"}},
                       "tabellen": [{"name": "kosten-gemeinde", "frage": "KOSTEN",
                                     "gliederung": ["gemeinde"]}]}


def import_gemeinde(engine) -> None:  # type: ignore[no-untyped-def]
    import json

    from bildungsdaten.hub.db import make_sessionmaker, transaction
    from bildungsdaten.hub.survey.importer import import_survey
    from bildungsdaten.hub.survey.limesurvey import parse_catalogue

    lines = ["WOHNORT;KOSTEN"] + [f"{g};{a}" for (g, a), n in GEMEINDE_COUNTS.items()
                                 for _ in range(n)]
    with transaction(make_sessionmaker(engine)) as session:
        import_survey(session, "kosten", "\n".join(lines).encode(),
                      parse_catalogue(json.dumps(GEMEINDE_CATALOGUE).encode()), plain=True,
                      status="collecting")


def test_the_issue_pattern_is_refused_by_a_release_with_the_default_width(engine):
    import sqlalchemy as sa

    from bildungsdaten.hub.survey.models import SurveyRelease

    import_gemeinde(engine)
    with pytest.raises(SurveyError):
        release(engine, GEMEINDE_DEFINITION, slug="kosten")
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(SurveyRelease)).scalar() == 0
    # The old default (width 2) published it, with both hidden cells provably in [1, 3].
    release(engine, {**GEMEINDE_DEFINITION, "schutzbreite": 2}, slug="kosten")
    from bildungsdaten.hub.db import make_sessionmaker

    with make_sessionmaker(engine)() as session:
        tables = published_tables(session.query(SurveyRelease).one(), current=True)
    report = audit(tables, width=2, exact=True)
    assert report.ranges[("kosten-gemeinde", ("G08", "ja"))] == (1, 3)


def test_a_release_with_the_default_width_leaves_every_hidden_cell_at_least_k_wide(engine):
    import_export(engine, n=600)
    definition = {k: v for k, v in SMALL_DEFINITION.items() if k != "schutzbreite"}
    summary = release(engine, definition)
    from bildungsdaten.hub.db import make_sessionmaker
    from bildungsdaten.hub.survey.models import SurveyRelease

    with make_sessionmaker(engine)() as session:
        stored = session.query(SurveyRelease).filter_by(version=summary.version).one()
        tables = published_tables(stored, current=True)
    report = audit(tables, exact=True)
    assert report.ok, report.findings[:3]
    narrow = []
    for t in tables:
        for coords, value in t.values.items():
            low, high = report.ranges.get((t.spec.slug, coords), (0, 0))
            if value is None and high > 0 and high - low < t.spec.k_of(coords):
                narrow.append((t.spec.slug, coords, low, high))
    assert not narrow


# --------------------------------------------------- 2. one integer program per respondent base

LINKED = {"k": 5, "mindestgruppe": 5, "schutzbreite": 5,
          "minderjaehrige": {"aus": True},
          "gliederungen": {"alter": {"frage": "ALTER"}},
          "tabellen": [{"name": "kosten-alter", "frage": "KOSTEN", "gliederung": ["alter"]},
                       {"name": "kurs-alter", "frage": "Q4", "gliederung": ["alter"]}]}
# Everyone answered both questions: the age groups' totals are the same numbers in both tables.
PEOPLE = {"jung": ({"x": 10, "y": 8, "z": 15}, {"Y": 3, "N": 30}),
          "mittel": ({"x": 15, "y": 15, "z": 15}, {"Y": 20, "N": 25}),
          "alt": ({"x": 12, "y": 10, "z": 20}, {"Y": 12, "N": 30})}


def linked_answers() -> list[dict[str, str]]:
    out = []
    for age, (costs, course) in PEOPLE.items():
        a = [c for c, n in costs.items() for _ in range(n)]
        b = [c for c, n in course.items() for _ in range(n)]
        out += [{"ALTER": age, "KOSTEN": x, "Q4": y} for x, y in zip(a, b, strict=True)]
    return out


def test_a_margin_published_in_one_table_gives_away_the_same_margin_hidden_in_another():
    definition = resolve(LINKED, STRUCTURE)
    costs, course = definition.tables
    data = linked_answers()
    counts = {s.slug: count_table(s, data) for s in definition.tables}
    # The course table alone is safe: "jung × Ja" (3) hidden with "alt × Ja" and both totals.
    hidden = {("jung", "Y"), ("alt", "Y"), ("jung", TOTAL), ("alt", TOTAL)}
    tables = [published(costs, counts[costs.slug], set()),
              published(course, counts[course.slug], hidden)]
    assert audit(tables).ok  # each question its own program: nothing links the tables
    link_bases(definition.tables, data)
    assert costs.base_of("KOSTEN") == course.base_of("Q4")
    report = audit(tables)  # now one program: the cost table's "jung" total is the same 33
    determined = {f.coords for f in report.findings if f.code == "determined"}
    assert {("jung", "Y"), ("jung", TOTAL)} <= determined
    assert report.ranges[("kurs-alter", ("jung", "Y"))] == (3, 3)


def test_protection_hides_a_shared_margin_in_every_table_or_in_none():
    definition = resolve(LINKED, STRUCTURE)
    data = linked_answers()
    counts = {s.slug: count_table(s, data) for s in definition.tables}
    link_bases(definition.tables, data)
    result = protect(definition.tables, counts, max_suppressed=0.7)
    assert audit(result.tables).ok
    costs, course = result.tables
    for age in ("jung", "mittel", "alt", TOTAL):
        assert (costs.values[(age, TOTAL)] is None) == (course.values[(age, TOTAL)] is None), age


def test_a_release_stored_before_bases_were_named_is_audited_with_the_new_one():
    import copy

    definition = resolve(LINKED, STRUCTURE)
    data = linked_answers()
    counts = {s.slug: count_table(s, data) for s in definition.tables}
    old_spec = copy.deepcopy(definition.tables[1])  # no bases: stored by an older hub
    earlier = PublishedTable(old_spec, dict(counts["kurs-alter"]),
                             {c: "" for c in counts["kurs-alter"]}, "Veröffentlichung 1", False)
    link_bases(definition.tables, data)
    course = definition.tables[1]
    hidden = {("jung", "Y"), ("alt", "Y"), ("jung", "N"), ("alt", "N")}
    report = audit([published(course, counts[course.slug], hidden), earlier])
    assert {f.coords for f in report.findings if f.code == "determined"} == hidden


def test_families_with_different_respondents_are_not_linked():
    definition = resolve(LINKED, STRUCTURE)
    data = linked_answers()
    data[0] = {k: v for k, v in data[0].items() if k != "Q4"}  # one skipped the course question
    link_bases(definition.tables, data)
    costs, course = definition.tables
    assert costs.base_of("KOSTEN") != course.base_of("Q4")


def test_a_stored_release_links_the_questions_everyone_answered(engine):
    import_export(engine, n=400)
    release(engine, SMALL_DEFINITION)
    from bildungsdaten.hub.db import make_sessionmaker
    from bildungsdaten.hub.survey.models import SurveyRelease

    with make_sessionmaker(engine)() as session:
        stored = session.query(SurveyRelease).one()
        tables = {t.spec.slug: t for t in published_tables(stored, current=True)}
    wish, course = tables["lernwunsch-region"], tables["kursteilnahme-alter-region"]
    # Q1 and Q4 are answered by every completed questionnaire: one base, one program.
    assert wish.spec.base_of("Q1") == course.spec.base_of("Q4")
    for (region, answer), value in wish.values.items():
        if answer == TOTAL:
            twin = course.values[(TOTAL, region, TOTAL)]
            assert (value is None) == (twin is None) and (value is None or value == twin)
    assert audit(list(tables.values()), exact=True).ok


# ------------------------------------------------------------- 6. a higher k for minors

def test_the_age_question_is_found_by_its_answer_text_and_minors_need_k_10():
    spec = resolve({"k": 5, "gliederungen": {"alter": {"frage": "ALTER"}},
                    "tabellen": [{"name": "kosten-alter", "frage": "KOSTEN",
                                  "gliederung": ["alter"]}]}, STRUCTURE).tables[0]
    assert spec.minors == {"ALTER": ["jung"]} and spec.k_minors == K_MINORS == 10
    assert spec.k_of(("jung", "x")) == 10 and spec.k_of(("jung", TOTAL)) == 10
    assert spec.k_of(("mittel", "x")) == 5 and spec.k_of((TOTAL, "x")) == 5
    assert spec.width_of(("jung", "x")) == 10
    data = ([{"ALTER": "jung", "KOSTEN": c} for c, n in (("x", 7), ("y", 12), ("z", 15))
             for _ in range(n)]
            + [{"ALTER": "mittel", "KOSTEN": c} for c, n in (("x", 7), ("y", 12), ("z", 15))
               for _ in range(n)])
    hidden = primary_suppression(spec, count_table(spec, data))
    assert ("jung", "x") in hidden and ("mittel", "x") not in hidden


def test_a_group_mixing_minors_and_adults_keeps_the_ordinary_k():
    spec = resolve({"k": 5, "gliederungen": {"alter": {
        "frage": "ALTER", "zusammenfassen": {"bis-64": ["jung", "mittel"]}}},
        "tabellen": [{"name": "kosten-alter", "frage": "KOSTEN", "gliederung": ["alter"]}]},
        STRUCTURE).tables[0]
    assert spec.k_of(("bis-64", "x")) == 5


def test_the_minors_rule_is_configurable():
    base = {"k": 5, "gliederungen": {"alter": {"frage": "ALTER"}},
            "tabellen": [{"name": "kosten-alter", "frage": "KOSTEN", "gliederung": ["alter"]},
                         {"name": "kurs", "frage": "Q4", "nur_minderjaehrige": True}]}
    costs, course = resolve({**base, "k_minderjaehrige": 15}, STRUCTURE).tables
    assert costs.k_of(("jung", "x")) == 15
    assert course.k_of(("Y",)) == 15 and course.k_of((TOTAL,)) == 15  # a question for minors
    explicit = resolve({**base, "minderjaehrige": {"frage": "ALTER", "antworten": ["jung", "mittel"]}},
                       STRUCTURE).tables[0]
    assert explicit.k_of(("mittel", "x")) == 10
    off = resolve({**base, "minderjaehrige": {"aus": True}}, STRUCTURE).tables[0]
    assert off.k_of(("jung", "x")) == 5
    with pytest.raises(SurveyError) as exc:
        resolve({**base, "minderjaehrige": {"frage": "ALTER", "antworten": ["A9"]}}, STRUCTURE)
    assert exc.value.code == "invalid-minors"
    with pytest.raises(SurveyError) as exc:
        resolve({**base, "k_minderjaehrige": 2}, STRUCTURE)
    assert exc.value.code == "k-too-small"


def test_a_numeric_age_question_marks_the_classes_below_18():
    years = Question("JAHRE", "N", "numeric", "Alter in Jahren")
    structure = Structure("Test", "de", [years, COSTS])
    spec = resolve({"k": 5, "minderjaehrige": {"frage": "JAHRE", "unter": 18},
                    "gliederungen": {"alter": {"frage": "JAHRE",
                                               "klassen": {"u16": 0, "16-17": 16, "18+": 18}}},
                    "tabellen": [{"name": "kosten-alter", "frage": "KOSTEN",
                                  "gliederung": ["alter"]}]}, structure).tables[0]
    assert spec.minors == {"JAHRE": ["u16", "16-17"]}
    assert spec.k_of(("16-17", "x")) == 10 and spec.k_of(("18+", "x")) == 5


def test_a_release_shows_no_count_of_minors_below_their_k(engine):
    import_export(engine, n=200)  # 9 of the under-18s took a course: shown with k = 5
    definition = {**SMALL_DEFINITION, "tabellen": [
        {"name": "kursteilnahme-alter", "frage": "Q4", "gliederung": ["altersgruppe"]}],
        "gliederungen": {"altersgruppe": {"frage": "ALTER", "bezeichnung": "Altersgruppe"}}}
    release(engine, definition)
    from tests.survey_synth import published_cells

    cells = published_cells(engine, "kursteilnahme-alter")
    minors = {c: n for c, n in cells.items() if c[0] == "A1"}  # A1 = "unter 18"
    assert minors and all(n is None or n == 0 or n >= 10 for n in minors.values()), minors
    assert minors[("A1", "Y")] is None
    adults = [n for c, n in cells.items() if c[0] not in ("A1", TOTAL) and c[1] != TOTAL]
    assert any(n is not None and 5 <= n < 10 for n in adults)  # adults keep k = 5
    assert parse_lss(structure_lss()).by_code()["ALTER"].answers[0].text == "unter 18"
