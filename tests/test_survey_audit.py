"""The disclosure audit (integer programming) and the suppression the hub produces."""
from __future__ import annotations

import pytest

from bildungsdaten.hub.survey.audit import PublishedTable, audit, check_sequence
from bildungsdaten.hub.survey.errors import SurveyError
from bildungsdaten.hub.survey.importer import read_responses
from bildungsdaten.hub.survey.limesurvey import Option, Question, Structure, parse_lss
from bildungsdaten.hub.survey.protect import primary_suppression, protect
from bildungsdaten.hub.survey.release import resolve
from bildungsdaten.hub.survey.tables import TOTAL, count_table
from tests.survey_synth import DEFINITION, responses_csv, structure_lss

AGE = Question("ALTER", "L", "single", "Alter", answers=[Option(c, c) for c in ("jung", "mittel", "alt")])
TOPIC = Question("Q1", "L", "single", "Thema", answers=[Option(c, c) for c in ("x", "y", "z")])
STRUCTURE = Structure("Test", "de", [AGE, TOPIC])
ONE_TABLE = {"k": 5, "mindestgruppe": 5, "gliederungen": {"alter": {"frage": "ALTER"}},
             "tabellen": [{"name": "thema-alter", "frage": "Q1", "gliederung": ["alter"]}]}
# jung: x 20, y 3 (< k), z 12; mittel: x 15, y 9, z 30; alt: x 8, y 10, z 2 (< k)
GRID = {("jung", "x"): 20, ("jung", "y"): 3, ("jung", "z"): 12, ("mittel", "x"): 15,
        ("mittel", "y"): 9, ("mittel", "z"): 30, ("alt", "x"): 8, ("alt", "y"): 10, ("alt", "z"): 2}


def answers() -> list[dict[str, str]]:
    return [{"ALTER": a, "Q1": t} for (a, t), n in GRID.items() for _ in range(n)]


def small_release():
    definition = resolve(ONE_TABLE, STRUCTURE)
    spec = definition.tables[0]
    return spec, count_table(spec, answers())


def published(spec, counts, hidden, marks=None) -> PublishedTable:
    values = {c: (None if c in hidden else n) for c, n in counts.items()}
    status = {c: ((marks or {}).get(c, ".") if c in hidden else "") for c in counts}
    return PublishedTable(spec, values, status)


def test_counts_include_margins():
    _, counts = small_release()
    assert counts[("jung", TOTAL)] == 35 and counts[(TOTAL, "z")] == 44
    assert counts[(TOTAL, TOTAL)] == sum(GRID.values())


def test_audit_refuses_primary_only_suppression_when_margins_reveal_the_cells():
    spec, counts = small_release()
    hidden = primary_suppression(spec, counts)
    assert hidden == {("jung", "y"), ("alt", "z")}
    report = audit([published(spec, counts, hidden)], width=2, exact=True)
    assert not report.ok
    assert {f.coords for f in report.findings if f.code == "determined"} == hidden
    assert report.ranges[("thema-alter", ("jung", "y"))] == (3, 3)


def test_audit_accepts_the_suppression_the_hub_produces():
    spec, counts = small_release()
    result = protect([spec], {spec.slug: counts}, width=2, max_suppressed=0.6)
    report = audit(result.tables, width=2, exact=True)
    assert report.ok, report.findings
    low, high = report.ranges[("thema-alter", ("jung", "y"))]
    assert high - low >= 2
    assert result.secondary, "margins need secondary suppression"


def test_distinct_symbols_for_primary_and_secondary_are_refused_and_narrow_the_ranges():
    spec, counts = small_release()
    result = protect([spec], {spec.slug: counts}, width=2, max_suppressed=0.6)
    hidden = result.primary | result.secondary
    cells = {c for _, c in hidden}
    marks = {c: ("p" if ("thema-alter", c) in result.primary else "s") for c in cells}
    same = audit([published(spec, counts, cells)], width=2, exact=True)
    distinct = audit([published(spec, counts, cells, marks)], width=2, exact=True)
    assert same.ok and not distinct.ok
    assert "distinct-symbols" in {f.code for f in distinct.findings}
    narrower = [c for c in cells if (distinct.ranges[(spec.slug, c)][1] - distinct.ranges[(spec.slug, c)][0])
                < (same.ranges[(spec.slug, c)][1] - same.ranges[(spec.slug, c)][0])]
    assert narrower


def test_small_group_with_a_100_percent_share_is_hidden_with_its_zeros():
    spec = resolve(ONE_TABLE, STRUCTURE).tables[0]
    data = answers() + [{"ALTER": "alt", "Q1": "x"}] * 0
    grid = [{"ALTER": "jung", "Q1": "x"}] * 4 + [a for a in data if a["ALTER"] != "jung"]
    counts = count_table(spec, grid)
    hidden = primary_suppression(spec, counts)
    assert {("jung", "x"), ("jung", "y"), ("jung", "z")} <= hidden


def test_audit_refuses_a_published_small_group_all_in_one_category():
    spec = resolve(ONE_TABLE, STRUCTURE).tables[0]
    grid = [{"ALTER": "jung", "Q1": "x"}] * 4 + [a for a in answers() if a["ALTER"] != "jung"]
    counts = count_table(spec, grid)
    report = audit([published(spec, counts, set())], width=2)
    assert "small-group-share" in {f.code for f in report.findings}


def test_second_release_over_other_respondents_is_refused():
    with pytest.raises(SurveyError) as exc:
        check_sequence("closed", 403, "b", [(1, 400, "a")])
    assert exc.value.code == "responses-differ"
    with pytest.raises(SurveyError) as exc:
        check_sequence("collecting", 400, "a", [(1, 400, "a")])
    assert exc.value.code == "still-collecting"
    check_sequence("closed", 400, "a", [(1, 400, "a")])


def test_k_below_three_is_refused_naming_the_table():
    bad = {**ONE_TABLE, "tabellen": [{**ONE_TABLE["tabellen"][0], "k": 2}]}
    with pytest.raises(SurveyError) as exc:
        resolve(bad, STRUCTURE)
    assert exc.value.code == "k-too-small" and "thema-alter" in str(exc.value)


def test_unknown_question_code_is_refused_naming_the_table():
    bad = {**ONE_TABLE, "tabellen": [{"name": "falsch", "frage": "Q99"}]}
    with pytest.raises(SurveyError) as exc:
        resolve(bad, STRUCTURE)
    assert exc.value.code == "unknown-question" and "falsch" in str(exc.value) and "Q99" in str(exc.value)


def test_breakdown_leaving_most_cells_suppressed_is_refused_naming_the_table():
    spec = resolve(ONE_TABLE, STRUCTURE).tables[0]
    sparse = [{"ALTER": a, "Q1": t} for a in ("jung", "mittel", "alt") for t in ("x", "y", "z")]
    counts = count_table(spec, sparse * 2)
    with pytest.raises(SurveyError) as exc:
        protect([spec], {spec.slug: counts})
    assert exc.value.code == "mostly-suppressed" and "thema-alter" in str(exc.value)


def test_synthetic_3000_release_passes_the_audit_and_shows_no_cell_below_k():
    structure = parse_lss(structure_lss())
    records, _, _ = read_responses(responses_csv(3000), structure)
    data = [r["answers"] for r in records if r["submitted"]]
    definition = resolve(DEFINITION, structure)
    counts = {s.slug: count_table(s, data) for s in definition.tables}
    result = protect(definition.tables, counts, width=definition.width)
    for t in result.tables:
        assert all(n is None or n == 0 or n >= t.spec.k for n in t.values.values()), t.spec.slug
    assert audit(result.tables, width=definition.width).ok
    # A pattern with only the primary cells suppressed is refused on the same data.
    primary_only = [published(s, counts[s.slug], primary_suppression(s, counts[s.slug]))
                    for s in definition.tables]
    assert not audit(primary_only, width=definition.width).ok
