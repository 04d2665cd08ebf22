"""The hub's catalogue description, built from the database and settings (DCAT comes from feeds.dcat).

Datasets: "Bildungsangebote im <Kreis>" (all offers, with the JSON-LD snapshot, the CSV and the
RPDE change feed), one dataset per provider that has at least one live offer (an empty dataset
helps no portal, and a provider whose offers are all gone drops out, so harvesters withdraw
it), and the datasets of the sources the app registered (survey tables: hub.survey.init_app).
Dates come from the data: issued = first offer created, modified = latest change stamp.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, TypedDict
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..feeds.dcat.model import (
    DISTRICT_KEY,
    FILE_TYPE,
    FREQ_CONT,
    MEDIA_TYPE,
    PUBLISHER_LOCAL_AUTHORITY,
    Agent,
    Catalogue,
    ContactPoint,
    DataService,
    Dataset,
    Distribution,
    LangText,
    Paging,
    PeriodOfTime,
    normalise_licence,
)
from .models import Offer, Provider
from .settings import Settings

log = logging.getLogger(__name__)
BERLIN = ZoneInfo("Europe/Berlin")
RPDE_SPEC = "https://openactive.io/realtime-paged-data-exchange/"
SCHEMA_ORG = "https://schema.org/"
ALL_OFFERS_ID = "bildungsangebote"
PROVIDER_PREFIX = "anbieter-"

# Another area's contribution to the catalogue: `fn(session, settings) -> list[Dataset]`,
# registered per app in HubContext.dataset_sources (e.g. by hub.survey.init_app). Build the
# datasets with `district_dataset` so they share publisher, contact and coverage.
DatasetSource = Callable[[Session, Settings], list[Dataset]]


# --- the district's building blocks ---------------------------------------------------------

def publisher(settings: Settings) -> Agent:
    """The district as publisher: a foaf:Agent of type LocalAuthority."""
    return Agent(iri=settings.url("/catalog#publisher"), name={"de": settings.publisher_name},
                 type_iri=PUBLISHER_LOCAL_AUTHORITY, homepage=_web_url(settings.publisher_url))


def contact_point(settings: Settings) -> ContactPoint:
    return ContactPoint(name=settings.publisher_name, email=settings.contact_email,
                        url=_web_url(settings.publisher_url))


def spatial(settings: Settings) -> str:
    return DISTRICT_KEY + settings.district_key


def dataset_iri(settings: Settings, dataset_id: str) -> str:
    return settings.url(f"/datasets/{quote(dataset_id)}")


def district_dataset(settings: Settings, dataset_id: str, title: LangText,
                     description: LangText, **fields: Any) -> Dataset:
    """A dataset published by the district, with its IRI, landing page, publisher, contact,
    spatial coverage, theme EDUC and German language filled in; `fields` set the rest."""
    iri = dataset_iri(settings, dataset_id)
    return Dataset(id=dataset_id, iri=iri, title=title, description=description,
                   publisher=publisher(settings), contact_point=contact_point(settings),
                   landing_page=iri + ".html", spatial=spatial(settings), **fields)


# --- offers ----------------------------------------------------------------------------------

@dataclass
class _OfferStats:
    live: int = 0
    issued: datetime | None = None
    modified: datetime | None = None
    first_date: date | None = None
    last_date: date | None = None

    def merge(self, other: _OfferStats) -> None:
        self.live += other.live
        self.issued = _min(self.issued, other.issued)
        self.modified = _max(self.modified, other.modified)
        self.first_date = _min(self.first_date, other.first_date)
        self.last_date = _max(self.last_date, other.last_date)


def _offer_stats(session: Session) -> dict[int, _OfferStats]:
    """Per provider, in one query: live offers, first creation, latest change, date span."""
    o = Offer.__table__.c
    live = o.deleted.is_(False)
    rows = session.execute(
        sa.select(o.provider_id, sa.func.sum(sa.case((live, 1), else_=0)),
                  sa.func.min(o.created_at), sa.func.max(o.updated_at), sa.func.max(o.modified),
                  sa.func.min(sa.case((live, o.first_date))),
                  sa.func.max(sa.case((live, sa.func.coalesce(o.last_date, o.first_date)))))
        .group_by(o.provider_id))
    stats = {}
    for pid, count, created, updated, stamp, first, last in rows:
        # `modified` stamps are wall-clock milliseconds; deletions bump them too.
        changed = datetime.fromtimestamp(stamp / 1000, UTC) if stamp else None
        stats[pid] = _OfferStats(int(count or 0), _utc(created), _max(_utc(updated), changed),
                                 first, last)
    return stats


def offer_datasets(session: Session, settings: Settings) -> list[Dataset]:
    """The all-offers dataset, then one per provider with live offers (by slug)."""
    stats = _offer_stats(session)
    providers = session.execute(
        sa.select(Provider.id, Provider.slug, Provider.name, Provider.url, Provider.licence,
                  Provider.updated_at).order_by(Provider.slug)).all()
    total = _OfferStats()
    per_provider = []
    for p in providers:
        s = stats.get(p.id)
        if s is None:
            continue
        # A renamed provider or a changed licence changes its dataset's metadata.
        s.modified = _max(s.modified, _utc(p.updated_at)) if s.live else s.modified
        total.merge(s)
        if s.live:
            per_provider.append(_provider_dataset(settings, p, s))
    district = settings.district_name
    main = _offers_dataset(
        settings, ALL_OFFERS_ID, total, "",
        title={"de": f"Bildungsangebote im {district}",
               "en": f"Educational offers in the district of {_en(district)}"},
        description={
            "de": f"Kurse, Weiterbildungen und weitere Bildungsangebote aller Anbieter im "
                  f"{district}, für alle Lebensphasen: als schema.org-JSON-LD, als CSV im "
                  f"Format der Upload-Vorlage und als RPDE-Änderungsfeed.",
            "en": f"Courses, further education and other educational offers of all providers "
                  f"in {_en(district)}, for every stage of life: as schema.org JSON-LD, as CSV "
                  f"and as an RPDE change feed."},
        licence=settings.default_licence, attribution=settings.licence_attribution,
        with_feed=True)
    main.facts = {"Angebote": str(total.live), "Anbieter": str(len(per_provider))}
    return [main] + per_provider


class DistributionCommon(TypedDict):
    """The keyword arguments every distribution of one dataset shares (typed for `**common`)."""

    licence: str
    licence_attribution: str | None
    issued: datetime | date | None
    modified: datetime | date | None
    pages: list[str]


def _provider_dataset(settings: Settings, p: Any, s: _OfferStats) -> Dataset:
    ds_id = PROVIDER_PREFIX + p.slug
    licence = normalise_licence(p.licence or settings.default_licence)
    dataset = _offers_dataset(
        settings, ds_id, s, "?" + urlencode({"provider": p.slug}),
        title={"de": f"Bildungsangebote von {p.name}", "en": f"Educational offers by {p.name}"},
        description={
            "de": f"Die aktuellen Bildungsangebote von {p.name} im {settings.district_name}, "
                  f"wie der Anbieter sie an den Bildungsdaten-Hub liefert.",
            "en": f"The current educational offers by {p.name} in "
                  f"{_en(settings.district_name)}, as delivered to the education data hub."},
        licence=licence, attribution=f"{p.name}, bereitgestellt durch "
                                     f"{settings.licence_attribution}",
        with_feed=False, extra_keyword=p.name)
    dataset.creator = Agent(iri=dataset.iri + "#anbieter", name={"de": p.name},
                            homepage=_web_url(p.url))
    dataset.facts = {"Anbieter": p.name, "Angebote": str(s.live)}
    return dataset


def _offers_dataset(settings: Settings, ds_id: str, s: _OfferStats, query: str, *,
                    title: LangText, description: LangText, licence: str, attribution: str,
                    with_feed: bool, extra_keyword: str | None = None) -> Dataset:
    keywords = ["Bildung", "Bildungsangebote", "Weiterbildung", "Kurse", "Lebenslanges Lernen",
                settings.district_name] + ([extra_keyword] if extra_keyword else [])
    dataset = district_dataset(
        settings, ds_id, title, description,
        keywords={"de": keywords, "en": ["education", "further education", "courses"]},
        accrual_periodicity=FREQ_CONT, issued=_berlin(s.issued), modified=_berlin(s.modified),
        temporal=PeriodOfTime(s.first_date, s.last_date) if s.first_date or s.last_date else None)
    feeds_page = settings.url("/feeds")
    common: DistributionCommon = {
        "licence": licence, "licence_attribution": attribution, "issued": dataset.issued,
        "modified": dataset.modified, "pages": [feeds_page]}
    jsonld_url = settings.url("/feeds/offers.jsonld") + query
    csv_url = settings.url("/feeds/offers.csv") + query
    dataset.distributions = [
        Distribution(
            iri=dataset.iri + "#jsonld", access_url=jsonld_url, download_url=jsonld_url,
            title={"de": "Angebote als JSON-LD (schema.org)",
                   "en": "Offers as JSON-LD (schema.org)"},
            format=FILE_TYPE + "JSON_LD", media_type=MEDIA_TYPE + "application/ld+json",
            conforms_to=[SCHEMA_ORG], **common),
        Distribution(
            iri=dataset.iri + "#csv", access_url=csv_url, download_url=csv_url,
            title={"de": "Angebote als CSV (ein Termin je Zeile)",
                   "en": "Offers as CSV (one course date per row)"},
            description={"de": "Spalten und Formate der Upload-Vorlage; beschrieben als "
                               "Frictionless Data Package und CSVW.",
                         "en": "Columns and formats of the upload template; described as a "
                               "Frictionless Data Package and CSVW."},
            format=FILE_TYPE + "CSV", media_type=MEDIA_TYPE + "text/csv",
            conforms_to=[settings.url("/feeds/datapackage.json"),
                         settings.url("/feeds/offers.csv-metadata.json")], **common),
    ]
    if with_feed:
        dataset.distributions.append(_rpde_distribution(settings, dataset, common))
    return dataset


def _rpde_distribution(settings: Settings, dataset: Dataset,
                       common: DistributionCommon) -> Distribution:
    endpoint = settings.url("/feeds/offers/rpde")
    service = DataService(
        iri=dataset.iri + "#rpde-service", endpoint_url=endpoint,
        title={"de": "RPDE-Änderungsfeed der Bildungsangebote",
               "en": "RPDE change feed of the educational offers"},
        description={"de": "Alle Änderungen an den Angeboten seit einem Zeitpunkt, seitenweise "
                           "(Realtime Paged Data Exchange 1.0, OpenActive).",
                     "en": "Every change to the offers since a point in time, page by page "
                           "(Realtime Paged Data Exchange 1.0, OpenActive)."},
        endpoint_description=settings.url("/feeds"), conforms_to=[RPDE_SPEC],
        serves_datasets=[dataset.iri], licence=common["licence"],
        licence_attribution=common["licence_attribution"], publisher=dataset.publisher,
        contact_point=dataset.contact_point, keywords={"de": ["Bildung", "RPDE"]},
        themes=list(dataset.themes))
    return Distribution(
        iri=dataset.iri + "#rpde", access_url=endpoint, access_service=service,
        title={"de": "RPDE-Änderungsfeed (JSON)", "en": "RPDE change feed (JSON)"},
        format=FILE_TYPE + "JSON", media_type=MEDIA_TYPE + "application/json",
        conforms_to=[RPDE_SPEC], **common)


# --- the catalogue ---------------------------------------------------------------------------

def all_datasets(session: Session, settings: Settings,
                 sources: Sequence[DatasetSource] = ()) -> list[Dataset]:
    """Every dataset in catalogue order: offers, providers, then those of `sources`."""
    datasets = offer_datasets(session, settings)
    for source in sources:
        try:
            datasets.extend(source(session, settings))
        except Exception:
            log.exception("dataset source %r failed; its datasets are left out", source)
    seen: set[str] = set()
    unique = []
    for dataset in datasets:
        if dataset.id in seen:
            log.warning("duplicate dataset id %r left out", dataset.id)
            continue
        seen.add(dataset.id)
        unique.append(dataset)
    return unique


def find_dataset(session: Session, settings: Settings, sources: Sequence[DatasetSource],
                 dataset_id: str) -> Dataset | None:
    return next((d for d in all_datasets(session, settings, sources) if d.id == dataset_id),
                None)


class PageOutOfRange(Exception):
    """The requested catalogue page does not exist (`last` is the last one)."""

    def __init__(self, page: int, last: int) -> None:
        super().__init__(f"page {page} > {last}")
        self.page = page
        self.last = last


def page_url(settings: Settings, page: int, path: str = "/catalog",
             modified_since: str | None = None) -> str:
    """The absolute URL of a catalogue page, keeping the format's path and the filter."""
    params = {"page": str(page)}
    if modified_since:
        params["modified_since"] = modified_since
    return settings.url(path) + "?" + urlencode(params)


def build_catalogue(session: Session, settings: Settings,
                    sources: Sequence[DatasetSource] = (), page: int = 1,
                    modified_since: datetime | None = None, path: str = "/catalog",
                    modified_since_text: str | None = None) -> Catalogue:
    """The catalogue document for `page` (1-based) with the datasets of `sources` after the
    offers'. Datasets without a known modification date stay in a `modified_since`
    selection, so no harvester misses them."""
    datasets = all_datasets(session, settings, sources)
    selected = datasets
    if modified_since is not None:
        selected = [d for d in datasets
                    if d.modified is None or _as_datetime(d.modified) >= modified_since]
    per_page = max(1, settings.catalog_page_size)
    last = max(1, math.ceil(len(selected) / per_page))
    if page < 1 or page > last:
        raise PageOutOfRange(page, last)
    paging = None
    if len(selected) > per_page:
        def url(n: int) -> str:
            return page_url(settings, n, path, modified_since_text)
        paging = Paging(page=url(page), first=url(1), last=url(last), total_items=len(selected),
                        items_per_page=per_page, next=url(page + 1) if page < last else None,
                        previous=url(page - 1) if page > 1 else None)
    issued = [d.issued for d in datasets if d.issued is not None]
    modified = [d.modified for d in datasets if d.modified is not None]
    district = settings.district_name
    return Catalogue(
        iri=settings.url("/catalog"),
        title={"de": f"Bildungsdaten-Hub {district}",
               "en": f"Education data hub {_en(district)}"},
        description={"de": f"Offene Daten der Bildungskoordination im {district}: "
                           f"Bildungsangebote aller Anbieter und veröffentlichte Auswertungen.",
                     "en": f"Open data of the education coordination office of {_en(district)}: "
                           f"educational offers of all providers and published statistics."},
        publisher=publisher(settings), homepage=settings.url("/"), spatial=spatial(settings),
        licence=normalise_licence(settings.default_licence), contact_point=contact_point(settings),
        issued=min(issued, key=_as_datetime) if issued else None,
        modified=max(modified, key=_as_datetime) if modified else None,
        datasets=selected[(page - 1) * per_page:page * per_page], paging=paging)


def parse_modified_since(text: str) -> datetime:
    """An ISO 8601 date or date-time; without offset it is read as Europe/Berlin time.

    Raises ValueError when `text` is not one."""
    text = text.strip()
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time(), BERLIN)
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=BERLIN)


# --- small helpers ---------------------------------------------------------------------------

def _web_url(url: str | None) -> str | None:
    """Only absolute http(s) URLs become IRIs (providers also write "www.example.de")."""
    if url and url.startswith(("http://", "https://")) and " " not in url:
        return url
    return None


def _en(district: str) -> str:
    return district.replace("Kreis ", "") if district.startswith("Kreis ") else district


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _berlin(value: datetime | None) -> datetime | None:
    return value.astimezone(BERLIN).replace(microsecond=0) if value else None


def _as_datetime(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=BERLIN)
    return datetime.combine(value, time(), BERLIN)


def _min(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else min(a, b)


def _max(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else max(a, b)
