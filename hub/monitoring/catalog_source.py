"""The monitoring's DCAT dataset: the indicator time series (CSV + RDF Data Cube)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bildungsdaten.feeds.dcat.model import (
    FILE_TYPE,
    FREQ_DAILY,
    MEDIA_TYPE,
    Dataset,
    Distribution,
    PeriodOfTime,
)

from ..catalog import DistributionCommon, district_dataset
from ..settings import Settings
from .models import MonitoringSnapshot
from .present import BASE_PATH

QB = "http://purl.org/linked-data/cube"
DATASET_ID = "bildungsmonitoring-indikatoren"


def monitoring_datasets(session: Session, settings: Settings) -> list[Dataset]:
    """The series as one dataset once a day is stored (an empty series is not announced)."""
    first, last = session.execute(sa.select(sa.func.min(MonitoringSnapshot.stichtag),
                                            sa.func.max(MonitoringSnapshot.stichtag))).one()
    if last is None:
        return []
    ds = district_dataset(
        settings, DATASET_ID,
        title={"de": f"Bildungsmonitoring {settings.district_name}: Indikatoren je Gemeinde "
                     "und Lebensphase",
               "en": "Education monitoring: indicators per municipality and life phase"},
        description={
            "de": "Tägliche Kennzahlen aus den offenen Bildungsangeboten des Hubs und den "
                  "Einwohnerzahlen des Zensus 2022: Angebote und Termine je 1.000 Einwohner, "
                  "Anteile kostenloser, online/hybrider, barrierefreier, fremdsprachiger und "
                  "abendlicher Angebote, Angebote und Anteile je Themenbereich, weiße Flecken; "
                  "dazu der Bedarf (Anteil der Befragten mit einem Lernwunsch) aus den "
                  "veröffentlichten, geheimhaltungsgeschützten Tabellen der Bürgerbefragung, "
                  "gesperrte Werte mit Status „.“. Jeder Stichtag wird einmal gespeichert und "
                  "nicht mehr verändert.",
            "en": "Daily indicators of the district's open education offers per municipality "
                  "and life phase, with census 2022 population; an immutable time series."},
        keywords={"de": ["Bildung", "Bildungsmonitoring", "Indikatoren", "Lebenslanges Lernen",
                         settings.district_name]},
        accrual_periodicity=FREQ_DAILY, issued=first, modified=last,
        temporal=PeriodOfTime(first, last))
    ds.landing_page = settings.url("/monitoring")
    common: DistributionCommon = {
        "licence": settings.default_licence, "licence_attribution": settings.licence_attribution,
        "issued": first, "modified": last, "pages": [settings.url("/monitoring")]}
    csv_url, cube_url = settings.url(BASE_PATH + ".csv"), settings.url(BASE_PATH + ".jsonld")
    ds.distributions = [
        Distribution(iri=ds.iri + "#csv", access_url=csv_url, download_url=csv_url,
                     title={"de": "Alle Indikatoren und Stichtage als CSV"},
                     format=FILE_TYPE + "CSV", media_type=MEDIA_TYPE + "text/csv",
                     conforms_to=[settings.url(BASE_PATH + ".schema.json")], **common),
        Distribution(iri=ds.iri + "#jsonld", access_url=cube_url, download_url=cube_url,
                     title={"de": "Indikatoren des letzten Stichtags als RDF Data Cube (JSON-LD); "
                            "frühere mit ?stichtag=JJJJ-MM-TT"},
                     format=FILE_TYPE + "JSON_LD",
                     media_type=MEDIA_TYPE + "application/ld+json", conforms_to=[QB], **common),
    ]
    ds.facts = {"Stichtage": f"{first:%d.%m.%Y} bis {last:%d.%m.%Y}"}
    return [ds]
