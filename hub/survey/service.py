"""Database side of the survey: structure and answers out of the private tables, releases in."""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from ..db import begin_write
from .audit import PublishedTable, audit, check_sequence
from .errors import SurveyError
from .importer import delete_survey_responses
from .limesurvey import Option, Question, Structure
from .models import (
    Survey,
    SurveyQuestion,
    SurveyRelease,
    SurveyReleaseCell,
    SurveyReleaseTable,
    SurveyResponse,
)
from .protect import protect
from .release import resolve
from .tables import TableSpec, count_table, link_bases


@dataclass
class TableSummary:
    slug: str
    title: str
    cells: int
    primary: int
    secondary: int


@dataclass
class ReleaseSummary:
    survey: str
    version: int
    responses: int
    tables: list[TableSummary] = field(default_factory=list)
    solves: int = 0
    seconds: float = 0.0
    deleted_responses: int | None = None  # None: raw responses kept


def get_survey(session: Session, slug: str) -> Survey:
    survey = session.execute(sa.select(Survey).where(Survey.slug == slug)).scalar_one_or_none()
    if survey is None:
        raise SurveyError("unknown-survey", "Diese Umfrage gibt es nicht.", f"Umfrage {slug}")
    return survey


def load_structure(session: Session, survey: Survey) -> Structure:
    rows = session.execute(
        sa.select(SurveyQuestion).where(SurveyQuestion.survey_id == survey.id,
                                        SurveyQuestion.parent_id.is_(None))
        .order_by(SurveyQuestion.position)
        .options(selectinload(SurveyQuestion.options), selectinload(SurveyQuestion.subquestions))
    ).scalars()
    questions = [Question(
        q.code, q.type, q.kind, q.text, q.other,
        [Option(s.code, s.text) for s in q.subquestions],
        [Option(o.code, o.text) for o in q.options if o.scale == 0],
        [Option(o.code, o.text) for o in q.options if o.scale == 1]) for q in rows]
    return Structure(survey.title, survey.language, questions)


def submitted_answers(session: Session, survey: Survey) -> tuple[list[dict[str, Any]], str]:
    """The kept answers of every completed response (in a stable order: the same respondents
    give the same base names in a later release) and a digest of who they are."""
    rows = session.execute(sa.select(SurveyResponse.source_id, SurveyResponse.answers)
                           .where(SurveyResponse.survey_id == survey.id,
                                  SurveyResponse.submitted.is_(True))
                           .order_by(SurveyResponse.source_id, SurveyResponse.id)).all()
    ids = sorted(r[0] for r in rows)
    digest = hashlib.sha256("\n".join(ids).encode()).hexdigest()
    return [r[1] for r in rows], digest


def published_tables(release: SurveyRelease, current: bool = False) -> list[PublishedTable]:
    """A stored release as the public sees it (for the audit of a later release)."""
    out = []
    for t in release.tables:
        spec = TableSpec.from_dict(t.spec)
        values = {tuple(c.coords): c.count for c in t.cells}
        status = {tuple(c.coords): c.status for c in t.cells}
        out.append(PublishedTable(spec, values, status, f"Veröffentlichung {release.version}, "
                                  f"Tabelle „{t.slug}“", current))
    return out


def make_release(session: Session, slug: str, raw: dict[str, Any],
                 keep_responses: bool = False) -> ReleaseSummary:
    """Protect, audit and store a release; nothing is written when anything is refused.

    A closed survey's raw responses are deleted in the same transaction (data minimisation:
    once the aggregates are out, nothing needs them) unless `keep_responses` — needed only
    for a further release over the same respondents."""
    started = time.perf_counter()
    begin_write(session)
    survey = get_survey(session, slug)
    answers, digest = submitted_answers(session, survey)
    if not answers:
        raise SurveyError("no-responses", "Es liegen keine (abgeschlossenen) Antworten vor – "
                          "importiert oder bereits gelöscht?", f"Umfrage {slug}")
    earlier = list(session.execute(
        sa.select(SurveyRelease).where(SurveyRelease.survey_id == survey.id)
        .order_by(SurveyRelease.version)
        .options(selectinload(SurveyRelease.tables).selectinload(SurveyReleaseTable.cells))
    ).scalars())
    check_sequence(survey.status, len(answers), digest,
                   [(r.version, r.response_count, r.responses_digest) for r in earlier])
    definition = resolve(raw, load_structure(session, survey))
    answers = definition.classify(answers)  # numbers only ever as their classes
    counts = {spec.slug: count_table(spec, answers) for spec in definition.tables}
    link_bases(definition.tables, answers)  # margins published under two questions: one number
    before = [t for r in earlier for t in published_tables(r)]
    result = protect(definition.tables, counts, before, definition.width,
                     definition.max_suppressed)
    # The gate: an independent audit of exactly what will be published, with earlier releases.
    report = audit(result.tables + before, definition.width)
    if not report.ok:
        f = report.findings[0]
        raise SurveyError("audit-failed", f.message, f"Tabelle „{f.table}“, Zelle "
                          f"{' / '.join(f.coords)}")
    for t in result.tables:
        for c, n in t.values.items():
            if n is not None and 0 < n < t.spec.k_of(c):  # belt and braces: never below k
                raise SurveyError("below-k", f"Zelle mit {n} < k", f"Tabelle „{t.spec.slug}“")
    version = max((r.version for r in earlier), default=0) + 1
    release = SurveyRelease(survey_id=survey.id, version=version,
                            title=definition.title or f"{survey.title} – Veröffentlichung {version}",
                            response_count=len(answers), responses_digest=digest, definition=raw)
    session.add(release)
    session.flush()
    summary = ReleaseSummary(slug, version, len(answers))
    for pos, t in enumerate(result.tables):
        row = SurveyReleaseTable(release_id=release.id, slug=t.spec.slug, position=pos,
                                 title=t.spec.title, question_code=t.spec.question,
                                 spec=t.spec.to_dict())
        session.add(row)
        session.flush()
        session.execute(sa.insert(SurveyReleaseCell), [
            {"table_id": row.id, "position": i, "coords": list(c), "count": n,
             "status": t.status[c]} for i, (c, n) in enumerate(t.values.items())])
        hidden = {c for s, c in result.primary if s == t.spec.slug}
        hidden2 = {c for s, c in result.secondary if s == t.spec.slug}
        summary.tables.append(TableSummary(t.spec.slug, t.spec.title, len(t.values),
                                           len(hidden), len(hidden2)))
    summary.solves = report.solves + result.solves
    if survey.status == "closed" and not keep_responses:
        summary.deleted_responses = delete_survey_responses(session, survey)
    summary.seconds = time.perf_counter() - started
    return summary



def import_details(result: Any) -> dict[str, Any]:
    """What the audit log keeps of an import (hub.survey.importer.ImportResult): counts only."""
    return {"fragebögen": result.responses, "abgeschlossen": result.submitted,
            "verworfene_spalten": len(result.dropped_columns)}


def release_details(summary: ReleaseSummary) -> dict[str, Any]:
    """What the audit log keeps of a release: version, base, tables, raw responses deleted."""
    return {"version": summary.version, "fragebögen": summary.responses,
            "tabellen": [t.slug for t in summary.tables],
            "rohantworten_gelöscht": summary.deleted_responses}
