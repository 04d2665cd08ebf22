"""One DCAT dataset per published survey table (CSV + RDF Data Cube distributions)."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from bildungsdaten.feeds.dcat.model import FILE_TYPE, FREQ_IRREG, MEDIA_TYPE, Dataset, Distribution

from ..catalog import DistributionCommon, district_dataset
from ..settings import Settings
from .publish import released_tables, table_path

QB = "http://purl.org/linked-data/cube"
PREFIX = "umfrage-"


def survey_datasets(session: Session, settings: Settings) -> list[Dataset]:
    """Every released table as a dataset; raw responses never appear in the catalogue."""
    out = []
    for survey, release, table in released_tables(session):
        path = table_path(survey.slug, release.version, table.slug)
        issued = release.created_at.replace(tzinfo=UTC) if isinstance(release.created_at, datetime) else None
        ds = district_dataset(
            settings, f"{PREFIX}{survey.slug}-{release.version}-{table.slug}",
            title={"de": f"{survey.title}: {table.title} (Veröffentlichung {release.version})",
                   "en": f"Education survey: table {table.slug} (release {release.version})"},
            description={
                "de": f"Anonymisierte Auswertung der {survey.title}, Frage {table.question_code}: "
                      f"Anzahl Befragte, {release.response_count} abgeschlossene Fragebögen. "
                      "Kleine Zahlen sind gesperrt („.“); die Sperrung hat eine Prüfung auf "
                      "Rückrechenbarkeit bestanden.",
                "en": f"Anonymised aggregate of the education survey, question "
                      f"{table.question_code}; small counts are suppressed (\".\")."},
            keywords={"de": ["Bildung", "Umfrage", "Bildungsumfrage", "Lebenslanges Lernen",
                             settings.district_name]},
            accrual_periodicity=FREQ_IRREG, issued=issued, modified=issued)
        ds.landing_page = settings.url(path)
        common: DistributionCommon = {
            "licence": settings.default_licence,
            "licence_attribution": settings.licence_attribution,
            "issued": issued, "modified": issued, "pages": [settings.url(path)]}
        csv_url, cube_url = settings.url(path + ".csv"), settings.url(path + ".jsonld")
        ds.distributions = [
            Distribution(iri=ds.iri + "#csv", access_url=csv_url, download_url=csv_url,
                         title={"de": "Tabelle als CSV (Langformat mit Statusspalte)"},
                         format=FILE_TYPE + "CSV", media_type=MEDIA_TYPE + "text/csv",
                         conforms_to=[settings.url(path + ".schema.json")], **common),
            Distribution(iri=ds.iri + "#jsonld", access_url=cube_url, download_url=cube_url,
                         title={"de": "Tabelle als RDF Data Cube (JSON-LD)"},
                         format=FILE_TYPE + "JSON_LD",
                         media_type=MEDIA_TYPE + "application/ld+json",
                         conforms_to=[QB], **common),
        ]
        ds.facts = {"Fragebögen": str(release.response_count), "Frage": table.question_code}
        out.append(ds)
    return out
