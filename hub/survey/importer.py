"""Import a survey export into the PRIVATE tables: identifying columns and free text are
dropped here, before anything is stored; only `submitted` survives of the submit date."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..db import begin_write
from ..models import utcnow
from .errors import SurveyError
from .limesurvey import Cell, Question, Structure, parse_plain_csv, parse_responses_csv
from .models import STATUSES, Survey, SurveyAnswerOption, SurveyQuestion, SurveyResponse

# Never stored: they identify a respondent or record when/where they answered.
IDENTIFYING = {"token", "ipaddr", "refurl", "startdate", "datestamp", "submitdate", "seed",
               "lastpage", "startlanguage", "interviewtime"}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
HEADING = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


@dataclass
class ImportResult:
    survey: str
    responses: int
    submitted: int
    kept_columns: list[str] = field(default_factory=list)
    dropped_columns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class KeptColumn:
    index: int
    heading: str
    question: Question
    allowed: frozenset[str] | None  # None = numeric


def _split(heading: str) -> tuple[str, list[str]]:
    m = HEADING.match(heading.strip())
    if not m:
        return heading, []
    return m.group(1), re.findall(r"\[([^\[\]]*)\]", m.group(2))


def plan_columns(heading: list[str], structure: Structure) -> tuple[list[KeptColumn], list[str], int | None, int | None]:
    """Which columns are kept (with their allowed values), which dropped; the id and submitdate
    positions. Raises SurveyError when a column fits no question or a question has no column."""
    questions = structure.by_code()
    kept: list[KeptColumn] = []
    dropped: list[str] = []
    id_col = submit_col = None
    seen: set[str] = set()
    for i, head in enumerate(heading):
        code, parts = _split(head)
        low = head.strip().lower()
        if low == "id":
            id_col = i
            continue
        if low in IDENTIFYING:
            submit_col = i if low == "submitdate" else submit_col
            dropped.append(head)
            continue
        q = questions.get(code)
        if q is None:
            if re.fullmatch(r"groupTime\d+|.+Time", code):
                dropped.append(head)  # LimeSurvey timings: when someone answered, never kept
                continue
            raise SurveyError("unknown-column", f"Die Spalte „{head}“ passt zu keiner Frage der "
                              "Strukturdatei.", f"Antwortdatei, Spalte {i + 1}")
        allowed = _allowed(q, parts, head)
        if isinstance(allowed, str):
            dropped.append(head)
            continue
        seen.add(head)
        kept.append(KeptColumn(i, head, q, allowed))
    for q in structure.questions:
        for need in _required(q):
            if need not in seen:
                raise SurveyError("missing-column", f"Die Spalte „{need}“ fehlt in der "
                                  "Antwortdatei.", f"Frage {q.code}")
    return kept, dropped, id_col, submit_col


def _allowed(q: Question, parts: list[str], head: str) -> frozenset[str] | None | str:
    codes = frozenset(a.code for a in q.answers) | (frozenset({"-oth-"}) if q.other else frozenset())
    subs = {s.code for s in q.subquestions}
    if q.kind in ("free", "drop"):
        return "drop"
    if parts and (parts[-1] in ("other", "comment") or parts[-1].endswith("comment")):
        return "drop"  # free-text companions of choice questions
    if q.kind == "numeric":
        return None
    if q.kind == "single" and not parts:
        return codes
    if q.kind == "multiple" and len(parts) == 1 and parts[0] in subs:
        return frozenset({"Y"})
    if q.kind == "array" and len(parts) == 1 and parts[0] in subs:
        return codes
    if q.kind == "array" and q.type == "1" and len(parts) == 2 and parts[0] in subs:
        return frozenset(a.code for a in (q.answers if parts[1] == "1" else q.answers2))
    if q.kind == "ranking" and len(parts) == 1:
        return codes
    raise SurveyError("unknown-column", f"Die Spalte „{head}“ passt nicht zur Frage {q.code} "
                      f"(Typ {q.type}) der Strukturdatei.", f"Frage {q.code}")


def _required(q: Question) -> list[str]:
    if q.kind == "single":
        return [q.code]
    if q.kind == "multiple" or (q.kind == "array" and q.type != "1"):
        return [f"{q.code}[{s.code}]" for s in q.subquestions]
    if q.kind == "array":
        return [f"{q.code}[{s.code}][{n}]" for s in q.subquestions for n in (1, 2)]
    return []


def _check(value: Cell, col: KeptColumn, lineno: int) -> None:
    if value is None or value == "":
        return
    if col.allowed is None:
        try:
            float(value.replace(",", "."))
        except ValueError:
            raise SurveyError("not-a-number", f"„{value[:20]}“ ist keine Zahl.",
                              f"Antwortdatei, Zeile {lineno}, Spalte {col.heading}") from None
        return
    if value not in col.allowed:
        raise SurveyError("unknown-answer", f"Den Antwortcode „{value[:20]}“ gibt es für Frage "
                          f"{col.question.code} in der Strukturdatei nicht.",
                          f"Antwortdatei, Zeile {lineno}, Spalte {col.heading}")


def read_responses(data: bytes, structure: Structure, plain: bool = False) -> tuple[list[dict[str, object]], list[KeptColumn], list[str]]:
    """Parse and check the responses; only kept columns survive (nothing is written)."""
    heading, rows = parse_plain_csv(data) if plain else parse_responses_csv(data)
    kept, dropped, id_col, submit_col = plan_columns(heading, structure)
    out: list[dict[str, object]] = []
    for n, (lineno, row) in enumerate(rows, start=1):
        answers: dict[str, str] = {}
        for col in kept:
            value = row[col.index]
            _check(value, col, lineno)
            if value is not None:
                answers[col.heading] = value
        submitted = True if submit_col is None else bool(row[submit_col])
        source = (row[id_col] if id_col is not None else None) or str(n)
        out.append({"source_id": source[:40], "submitted": submitted, "answers": answers})
    return out, kept, dropped


def import_survey(session: Session, slug: str, responses: bytes, structure: Structure, *,
                  plain: bool = False, title: str | None = None,
                  status: str = "collecting") -> ImportResult:
    """Replace the survey's structure and private responses with this export (all or nothing)."""
    if not SLUG.match(slug):
        raise SurveyError("invalid-slug", "Kennung nur aus a–z, 0–9 und Bindestrich.",
                          f"Umfrage {slug}")
    if status not in STATUSES:
        raise SurveyError("invalid-status", f"Status muss {' oder '.join(STATUSES)} sein.",
                          f"Umfrage {slug}")
    records, kept, dropped = read_responses(responses, structure, plain)
    begin_write(session)
    survey = session.execute(sa.select(Survey).where(Survey.slug == slug)).scalar_one_or_none()
    if survey is None:
        survey = Survey(slug=slug, title=title or structure.title or slug)
        session.add(survey)
    elif title:
        survey.title = title
    survey.language, survey.status = structure.language, status
    survey.response_count, survey.imported_at = len(records), utcnow()
    survey.responses_deleted_at = None
    session.flush()
    session.execute(sa.delete(SurveyResponse).where(SurveyResponse.survey_id == survey.id))
    session.execute(sa.delete(SurveyQuestion).where(SurveyQuestion.survey_id == survey.id,
                                                    SurveyQuestion.parent_id.isnot(None)))
    session.execute(sa.delete(SurveyQuestion).where(SurveyQuestion.survey_id == survey.id))
    for pos, q in enumerate(structure.questions):
        row = SurveyQuestion(survey_id=survey.id, code=q.code, type=q.type, kind=q.kind,
                             text=q.text, other=q.other, position=pos)
        row.options = [SurveyAnswerOption(code=a.code, text=a.text, scale=scale, position=i)
                       for scale, opts in ((0, q.answers), (1, q.answers2))
                       for i, a in enumerate(opts)]
        row.subquestions = [SurveyQuestion(survey_id=survey.id, code=s.code, type=q.type,
                                           kind="sub", text=s.text, position=i)
                            for i, s in enumerate(q.subquestions)]
        session.add(row)
    if records:
        session.execute(sa.insert(SurveyResponse),
                        [{**r, "survey_id": survey.id} for r in records])
    session.flush()
    return ImportResult(slug, len(records), sum(1 for r in records if r["submitted"]),
                        [c.heading for c in kept], dropped)


def delete_responses(session: Session, slug: str) -> int:
    """Delete every raw response of a survey; published releases stay. Returns the count."""
    begin_write(session)
    survey = session.execute(sa.select(Survey).where(Survey.slug == slug)).scalar_one_or_none()
    if survey is None:
        raise SurveyError("unknown-survey", "Diese Umfrage gibt es nicht.", f"Umfrage {slug}")
    return delete_survey_responses(session, survey)


def delete_survey_responses(session: Session, survey: Survey) -> int:
    """Delete the raw responses of `survey` (inside the caller's write transaction)."""
    result = session.execute(sa.delete(SurveyResponse).where(SurveyResponse.survey_id == survey.id))
    n = getattr(result, "rowcount", 0)
    survey.response_count, survey.responses_deleted_at = 0, utcnow()
    return int(n or 0)
