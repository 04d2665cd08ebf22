"""A synthetic LimeSurvey export of the "Bildungsumfrage für Jung und Alt".

Writes the responses CSV exactly like LimeSurvey (UTF-8 BOM, CRLF, `;`, every non-NULL value
quoted, NULL as nothing) and a `.lss` structure file (4.x+ with *_l10ns, or 3.x inline texts).
Respondent i is generated from (seed, i) alone, so an export of 403 respondents starts with
the same 400 as an export of 400 — the last ones are the "late respondents".
Identifying columns and free text carry MARKER strings a test can search for.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from bildungsdaten.vocab.codelists import municipalities

# Rough population of the 22 municipalities (Kreis Bergstraße), for respondent weights.
POPULATION = [2400, 41000, 9000, 10000, 16500, 6300, 10700, 4000, 3900, 4000, 26000, 3400,
              32500, 7200, 5100, 13800, 10000, 3800, 8700, 34000, 10800, 7200]
AGES = [("A1", "unter 18"), ("A2", "18 bis 29"), ("A3", "30 bis 49"), ("A4", "50 bis 64"),
        ("A5", "65 bis 79"), ("A6", "80 und älter")]
AGE_WEIGHTS = [8, 15, 30, 25, 17, 5]
TOPICS = [("T1", "Sprachen"), ("T2", "Digitales"), ("T3", "Gesundheit"), ("T4", "Beruf"),
          ("T5", "Kultur und Kreatives")]
WAYS = [("SQ001", "Kurs vor Ort"), ("SQ002", "Online-Kurs"), ("SQ003", "Selbst mit Büchern"),
        ("SQ004", "Im Verein"), ("SQ005", "Am Arbeitsplatz")]
ITEMS = [("SQ001", "Nähe zum Wohnort"), ("SQ002", "Niedriger Preis"), ("SQ003", "Abendtermine"),
         ("SQ004", "Kinderbetreuung")]
LIKERT = [(str(i), t) for i, t in enumerate(["gar nicht wichtig", "wenig wichtig", "teils",
                                               "wichtig", "sehr wichtig"], start=1)]
REASONS = [("R1", "Zeit"), ("R2", "Geld"), ("R3", "Angebot fehlt")]
# Q8, a dual-scale array: how important each offer is (scale 1) and how satisfied one is (2).
OFFERS = [("SQ001", "Volkshochschule"), ("SQ002", "Bibliothek"), ("SQ003", "Musikschule")]
SATISFIED = [("Z1", "unzufrieden"), ("Z2", "teils"), ("Z3", "zufrieden")]

MARKERS = {
    "token": "TOKENMARKER",
    "ipaddr": "198.51.100.",
    "refurl": "https://refmarker.example/",
    "free": "FREITEXTMARKER",
    "other": "ANDERESMARKER",
    "comment": "KOMMENTARMARKER",
    "date": "2026-03-",
    "numeric": "98765.4321",
}

HEADING = ["id", "submitdate", "lastpage", "startlanguage", "seed", "token", "startdate",
           "datestamp", "ipaddr", "refurl", "ALTER", "WOHNORT", "Q1", "Q1[other]"] + \
    [f"Q2[{c}]" for c, _ in WAYS] + ["Q2[other]"] + [f"Q3[{c}]" for c, _ in ITEMS] + \
    ["Q4", "Q5", "Q6", "Q7", "Q7[comment]"] + \
    [f"Q8[{c}][{scale}]" for c, _ in OFFERS for scale in (1, 2)]


def municipality_codes() -> list[tuple[str, str]]:
    return [(f"G{i + 1:02d}", m.short_name) for i, m in enumerate(municipalities())]


def respondent(seed: int, i: int) -> dict[str, str | None]:
    """The answers of respondent i (1-based); None = NULL (question not shown)."""
    rng = random.Random(f"{seed}-{i}")
    age = rng.choices(range(6), AGE_WEIGHTS)[0]
    muni = rng.choices(range(22), POPULATION)[0]
    complete = rng.random() > 0.04
    day = 1 + (i * 7) % 28
    r: dict[str, str | None] = {
        "id": str(i), "submitdate": f"2026-03-{day:02d} 10:{i % 60:02d}:00" if complete else None,
        "lastpage": "3" if complete else "1", "startlanguage": "de", "seed": str(rng.randrange(10**9)),
        "token": f"{MARKERS['token']}{i:05d}", "startdate": f"2026-03-{day:02d} 09:{i % 60:02d}:00",
        "datestamp": f"2026-03-{day:02d} 10:{i % 60:02d}:00",
        "ipaddr": f"{MARKERS['ipaddr']}{i % 250}", "refurl": f"{MARKERS['refurl']}{i}",
        "ALTER": AGES[age][0] if rng.random() > 0.02 else "",
        "WOHNORT": f"G{muni + 1:02d}" if rng.random() > 0.02 else "",
    }
    topic_w = [5, 2 + 3 * (age in (1, 2)), 1 + 3 * (age >= 4), 4 * (1 <= age <= 3), 2]
    if rng.random() < 0.05:
        r["Q1"], r["Q1[other]"] = "-oth-", f"{MARKERS['other']} Töpfern {i}"
    else:
        r["Q1"], r["Q1[other]"] = TOPICS[rng.choices(range(5), topic_w)[0]][0], ""
    ticked = False
    for j, (code, _) in enumerate(WAYS):
        p = [0.5, 0.2 + 0.3 * (age <= 2), 0.3, 0.15 + 0.2 * (age >= 4), 0.25 * (1 <= age <= 3)][j]
        tick = rng.random() < p
        ticked |= tick
        r[f"Q2[{code}]"] = "Y" if tick else ""
    r["Q2[other]"] = f"{MARKERS['free']} Lernen im Garten {i}" if rng.random() < 0.03 else ""
    for code, _ in ITEMS:
        r[f"Q3[{code}]"] = str(min(5, max(1, round(rng.gauss(3.4, 1.1))))) if rng.random() > 0.05 else ""
    r["Q4"] = "Y" if rng.random() < 0.35 + 0.1 * (age == 2) else "N"
    r["Q5"] = f"{MARKERS['free']} Mir fehlt ein Kurs in Nummer {i}" if rng.random() < 0.3 else ""
    r["Q6"] = MARKERS["numeric"] if i == 1 else str(rng.randrange(0, 15))
    for code, _ in OFFERS:
        shown = rng.random() > 0.1
        r[f"Q8[{code}][1]"] = str(rng.choices(range(1, 6), [1, 2, 3, 4, 3])[0]) if shown else ""
        r[f"Q8[{code}][2]"] = rng.choice(SATISFIED)[0] if shown and rng.random() > 0.05 else ""
    r["Q7"] = REASONS[rng.randrange(3)][0]
    r["Q7[comment]"] = f"{MARKERS['comment']} {i}" if rng.random() < 0.2 else ""
    if not complete:  # broke off after the first page: later questions are NULL
        for key in HEADING[12:]:
            r[key] = None
    return r


def _field(value: str | None) -> str:
    return "" if value is None else '"' + value.replace('"', '""') + '"'


def responses_csv(n: int, seed: int = 2026) -> bytes:
    """The responses export of respondents 1..n, byte for byte like LimeSurvey writes it."""
    lines = [";".join(_field(h) for h in HEADING)]
    for i in range(1, n + 1):
        r = respondent(seed, i)
        lines.append(";".join(_field(r.get(h)) for h in HEADING))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


@dataclass
class _Q:
    qid: int
    code: str
    type: str
    text: str
    other: str = "N"
    parent: int = 0
    order: int = 0


def _questions() -> tuple[list[_Q], list[_Q], list[tuple[int, str, str, int]]]:
    top = [_Q(1, "ALTER", "L", "Wie alt sind Sie?"), _Q(2, "WOHNORT", "!", "Wo wohnen Sie?"),
           _Q(3, "Q1", "L", "Was möchten Sie am liebsten lernen?", "Y"),
           _Q(4, "Q2", "M", "Wie lernen Sie am liebsten?", "Y"),
           _Q(5, "Q3", "F", "Wie wichtig ist Ihnen bei einem Kurs …"),
           _Q(6, "Q4", "Y", "Haben Sie im letzten Jahr an einem Kurs teilgenommen?"),
           _Q(7, "Q5", "T", "Was fehlt Ihnen im Bildungsangebot?"),
           _Q(8, "Q6", "N", "Wie viele Stunden lernen Sie pro Woche?"),
           _Q(9, "Q7", "O", "Was hält Sie am meisten vom Lernen ab?"),
           _Q(10, "Q8", "1", "Wie wichtig sind Ihnen diese Angebote, und wie zufrieden sind Sie?")]
    for i, q in enumerate(top):
        q.order = i
    subs = [_Q(100 + j, c, "M", t, parent=4, order=j) for j, (c, t) in enumerate(WAYS)]
    subs += [_Q(200 + j, c, "F", t, parent=5, order=j) for j, (c, t) in enumerate(ITEMS)]
    subs += [_Q(300 + j, c, "1", t, parent=10, order=j) for j, (c, t) in enumerate(OFFERS)]
    answers = [(1, c, t, j) for j, (c, t) in enumerate(AGES)]
    answers += [(2, c, t, j) for j, (c, t) in enumerate(municipality_codes())]
    answers += [(3, c, t, j) for j, (c, t) in enumerate(TOPICS)]
    answers += [(5, c, t, j) for j, (c, t) in enumerate(LIKERT)]
    answers += [(9, c, t, j) for j, (c, t) in enumerate(REASONS)]
    answers += [(10, c, t, j) for j, (c, t) in enumerate(LIKERT)]
    answers += [(10, c, t, 100 + j) for j, (c, t) in enumerate(SATISFIED)]  # 100+: scale 1
    return top, subs, answers


def _scale(order: int) -> str:
    """The answer scale (LimeSurvey scale_id) encoded in a synthetic sort order."""
    return "1" if order >= 100 else "0"


def _table(name: str, rows: list[dict[str, str]]) -> str:
    fields = list(rows[0]) if rows else []
    out = [f"<{name}><fields>" + "".join(f"<fieldname>{f}</fieldname>" for f in fields) + "</fields><rows>"]
    for r in rows:
        out.append("<row>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in r.items()) + "</row>")
    out.append(f"</rows></{name}>")
    return "".join(out)


def structure_lss(version: int = 5) -> bytes:
    """The `.lss` of the survey: LimeSurvey 4.x+ (`version` ≥ 4, l10n tables) or 3.x inline."""
    top, subs, answers = _questions()
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<document>',
             "<LimeSurveyDocType>Survey</LimeSurveyDocType>",
             f"<DBVersion>{'600' if version >= 4 else '366'}</DBVersion>",
             "<languages><language>de</language></languages>",
             _table("surveys", [{"sid": "123456", "language": "de", "active": "Y"}]),
             _table("surveys_languagesettings", [{"surveyls_survey_id": "123456",
                                                  "surveyls_language": "de",
                                                  "surveyls_title": "Bildungsumfrage für Jung und Alt"}])]

    def qrow(q: _Q) -> dict[str, str]:
        row = {"qid": str(q.qid), "parent_qid": str(q.parent), "sid": "123456", "gid": "1",
               "type": q.type, "title": q.code, "other": q.other, "mandatory": "N",
               "question_order": str(q.order), "scale_id": "0"}
        if version < 4:
            row.update(question=f"<p>{escape(q.text)}</p>", language="de")
        return row

    parts.append(_table("questions", [qrow(q) for q in top]))
    parts.append(_table("subquestions", [qrow(q) for q in subs]))
    if version >= 4:
        parts.append(_table("question_l10ns", [{"id": str(n), "qid": str(q.qid),
                                                "question": f"<p>{escape(q.text)}</p>", "language": "de"}
                                               for n, q in enumerate(top + subs, start=1)]))
        parts.append(_table("answers", [{"aid": str(n), "qid": str(qid), "code": c,
                                         "sortorder": str(o % 100), "assessment_value": "0",
                                         "scale_id": _scale(o)}
                                        for n, (qid, c, _, o) in enumerate(answers, start=1)]))
        parts.append(_table("answer_l10ns", [{"id": str(n), "aid": str(n), "answer": escape(t),
                                              "language": "de"}
                                             for n, (_, _, t, _) in enumerate(answers, start=1)]))
    else:
        parts.append(_table("answers", [{"qid": str(qid), "code": c, "answer": escape(t),
                                         "sortorder": str(o % 100), "assessment_value": "0",
                                         "language": "de", "scale_id": _scale(o)}
                                        for qid, c, t, o in answers]))
    parts.append("</document>")
    return "\n".join(parts).encode("utf-8")


def write_export(folder: Path, n: int = 3000, seed: int = 2026, version: int = 5) -> tuple[Path, Path]:
    """Write responses.csv and survey.lss into `folder`; returns both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, lss_path = folder / "responses.csv", folder / "survey.lss"
    csv_path.write_bytes(responses_csv(n, seed))
    lss_path.write_bytes(structure_lss(version))
    return csv_path, lss_path


DEFINITION: dict[str, Any] = {
    "titel": "Bildungsumfrage für Jung und Alt – Ergebnisse",
    "k": 5, "mindestgruppe": 10, "schutzbreite": 2,
    "gliederungen": {
        "altersgruppe": {"frage": "ALTER", "bezeichnung": "Altersgruppe",
                         "zusammenfassen": {"U30": ["A1", "A2"], "30-64": ["A3", "A4"],
                                            "65+": ["A5", "A6"]},
                         "bezeichnungen": {"U30": "unter 30", "30-64": "30 bis 64",
                                           "65+": "65 und älter"}},
        "gemeinde": {"frage": "WOHNORT", "bezeichnung": "Gemeinde"},
        "region": {"frage": "WOHNORT", "bezeichnung": "Region",
                   "zusammenfassen": {
                       "ried": ["G03", "G05", "G06", "G10", "G13"],
                       "bergstrasse": ["G02", "G11", "G16", "G22", "G14"],
                       "odenwald": ["G01", "G04", "G07", "G08", "G09", "G12", "G15", "G17",
                                    "G18", "G19", "G21"],
                       "viernheim": ["G20"]},
                   "bezeichnungen": {"ried": "Ried", "bergstrasse": "Bergstraße",
                                     "odenwald": "Odenwald", "viernheim": "Viernheim"}},
    },
    "tabellen": [
        {"name": "lernwunsch-alter-region", "frage": "Q1", "gliederung": ["altersgruppe", "region"]},
        {"name": "lernwunsch-gemeinde", "frage": "Q1", "gliederung": ["gemeinde"],
         "zusammenfassen": {"T1-T2": ["T1", "T2"], "andere": ["T3", "T4", "T5", "-oth-"]},
         "bezeichnungen": {"T1-T2": "Sprachen oder Digitales", "andere": "Anderes"}},
        {"name": "lernwege-alter", "frage": "Q2", "gliederung": ["altersgruppe"]},
        {"name": "wichtigkeit-region", "frage": "Q3", "gliederung": ["region"],
         "zusammenfassen": {"unwichtig": ["1", "2"], "teils": ["3"], "wichtig": ["4", "5"]}},
        {"name": "kursteilnahme-alter-region", "frage": "Q4", "gliederung": ["altersgruppe", "region"]},
        {"name": "hindernisse", "frage": "Q7", "k": 10},
    ],
}


# ---------------------------------------------------------------- helpers for the tests

def import_export(engine, slug: str = "bu2026", n: int = 600, status: str = "closed",
                  seed: int = 2026):  # type: ignore[no-untyped-def]
    """Import the synthetic export of n respondents into the database of `engine`."""
    from bildungsdaten.hub.db import make_sessionmaker, transaction
    from bildungsdaten.hub.survey.importer import import_survey
    from bildungsdaten.hub.survey.limesurvey import parse_lss

    with transaction(make_sessionmaker(engine)) as session:
        return import_survey(session, slug, responses_csv(n, seed), parse_lss(structure_lss()),
                             status=status)


def release(engine, definition: dict | None = None, slug: str = "bu2026",
            keep: bool = False):  # type: ignore[no-untyped-def]
    """Protect, audit and store a release of DEFINITION (or `definition`); `keep` keeps the
    raw responses of a closed survey (for a further release)."""
    from bildungsdaten.hub.db import make_sessionmaker, transaction
    from bildungsdaten.hub.survey.service import make_release

    with transaction(make_sessionmaker(engine)) as session:
        return make_release(session, slug, definition or DEFINITION, keep_responses=keep)


# A release that small exports (a few hundred respondents) can carry: regions, coarse answers.
SMALL_DEFINITION = {
    "titel": "Bildungsumfrage – Kurzauswertung",
    "k": 5, "mindestgruppe": 10, "schutzbreite": 2,
    "gliederungen": {k: DEFINITION["gliederungen"][k] for k in ("altersgruppe", "region")},
    "tabellen": [
        {"name": "lernwunsch-region", "frage": "Q1", "gliederung": ["region"],
         "zusammenfassen": {"T1-T2": ["T1", "T2"], "andere": ["T3", "T4", "T5", "-oth-"]},
         "bezeichnungen": {"T1-T2": "Sprachen oder Digitales", "andere": "Anderes"}},
        {"name": "lernwunsch-alter", "frage": "Q1", "gliederung": ["altersgruppe"]},
        {"name": "lernwege-alter", "frage": "Q2", "gliederung": ["altersgruppe"]},
        {"name": "naehe-region", "frage": "Q3[SQ001]", "gliederung": ["region"],
         "zusammenfassen": {"unwichtig": ["1", "2", "3"], "wichtig": ["4", "5"]}},
        {"name": "kursteilnahme-alter-region", "frage": "Q4", "gliederung": ["altersgruppe", "region"]},
    ],
}


def published_cells(engine, slug: str) -> dict[tuple[str, ...], int | None]:  # type: ignore[no-untyped-def]
    """Coordinates -> published count (None = suppressed) of the release table `slug`."""
    import sqlalchemy as sa

    from bildungsdaten.hub.survey.models import SurveyReleaseCell, SurveyReleaseTable

    with engine.connect() as conn:
        rows = conn.execute(sa.select(SurveyReleaseCell.coords, SurveyReleaseCell.count)
                            .join(SurveyReleaseTable)
                            .where(SurveyReleaseTable.slug == slug)).all()
    return {tuple(coords): n for coords, n in rows}
