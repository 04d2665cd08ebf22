"""Released tables out of the database, as the plain data the feeds serialise."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from bildungsdaten.feeds.survey import SurveyDimension, SurveyTableData

from ..settings import Settings
from .models import Survey, SurveyRelease, SurveyReleaseTable
from .tables import TableSpec


def release_path(survey: str, version: int) -> str:
    """The landing page of a release (what `survey release` prints)."""
    return f"/survey/{survey}/{version}/"


def table_path(survey: str, version: int, slug: str) -> str:
    return f"{release_path(survey, version)}{slug}"


def released_tables(session: Session) -> list[tuple[Survey, SurveyRelease, SurveyReleaseTable]]:
    """Every published table (no cells), newest release first per survey."""
    rows = session.execute(
        sa.select(Survey, SurveyRelease, SurveyReleaseTable)
        .join(SurveyRelease, SurveyRelease.survey_id == Survey.id)
        .join(SurveyReleaseTable, SurveyReleaseTable.release_id == SurveyRelease.id)
        .order_by(Survey.slug, SurveyRelease.version.desc(), SurveyReleaseTable.position)).all()
    return [(s, r, t) for s, r, t in rows]


def find_release(session: Session, survey: str,
                 version: int) -> tuple[Survey, SurveyRelease] | None:
    """A release with its tables and their cells (for the landing page)."""
    row = session.execute(
        sa.select(Survey, SurveyRelease)
        .join(SurveyRelease, SurveyRelease.survey_id == Survey.id)
        .where(Survey.slug == survey, SurveyRelease.version == version)
        .options(selectinload(SurveyRelease.tables).selectinload(SurveyReleaseTable.cells))
    ).first()
    return (row[0], row[1]) if row else None


def find_table(session: Session, survey: str, version: int,
               slug: str) -> tuple[Survey, SurveyRelease, SurveyReleaseTable] | None:
    row = session.execute(
        sa.select(Survey, SurveyRelease, SurveyReleaseTable)
        .join(SurveyRelease, SurveyRelease.survey_id == Survey.id)
        .join(SurveyReleaseTable, SurveyReleaseTable.release_id == SurveyRelease.id)
        .where(Survey.slug == survey, SurveyRelease.version == version,
               SurveyReleaseTable.slug == slug)
        .options(selectinload(SurveyReleaseTable.cells))).first()
    return (row[0], row[1], row[2]) if row else None


def table_data(settings: Settings, survey: Survey, release: SurveyRelease,
               table: SurveyReleaseTable) -> SurveyTableData:
    """The plain table the feeds serialise (IRIs from HUB_BASE_URI)."""
    spec = TableSpec.from_dict(table.spec)
    dims = [SurveyDimension(d.key, d.label, [(c, d.labels.get(c, c)) for c in d.codes], d.has_total)
            for d in spec.dims]
    return SurveyTableData(
        iri=settings.url(table_path(survey.slug, release.version, table.slug)),
        survey=survey.slug, survey_title=survey.title, release=release.version, slug=table.slug,
        title=table.title, question=table.question_code, dims=dims,
        cells=[(tuple(c.coords), c.count) for c in table.cells],
        licence=settings.default_licence, publisher=settings.publisher_name,
        issued=release.created_at.date().isoformat(),
        notes=_notes(spec))


def _notes(spec: TableSpec) -> list[str]:
    """The table's disclosure rules in short German notes."""
    notes = [f"k = {spec.k}", f"Mindestgruppe {spec.min_group}"]
    if spec.k_minors > spec.k and (spec.minors or spec.minors_only):
        notes.append(f"k = {spec.k_minors} für Zahlen nur über Befragte unter 18")
    notes.append(f"Schutzbreite {spec.width}" if spec.width else "Schutzbreite = k")
    return notes
