"""A catalogue description as plain data: what a DCAT profile turns into RDF.

No RDF library here: the hub fills these dataclasses from its database and settings, a profile
module (e.g. `dcat_ap_de_3`) maps them to triples. Texts are `{language: text}` dicts
(German first); codes (theme, frequency, language, file type, licence) are full IRIs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

LangText = dict[str, str]

EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
THEME_EDUC = EU_AUTHORITY + "data-theme/EDUC"
THEME_TAXONOMY = EU_AUTHORITY + "data-theme"
LANG_DEU = EU_AUTHORITY + "language/DEU"
LANG_ENG = EU_AUTHORITY + "language/ENG"
FREQ_CONT = EU_AUTHORITY + "frequency/UPDATE_CONT"
FREQ_DAILY = EU_AUTHORITY + "frequency/DAILY"
FREQ_IRREG = EU_AUTHORITY + "frequency/IRREG"
ACCESS_PUBLIC = EU_AUTHORITY + "access-right/PUBLIC"
AVAILABLE = EU_AUTHORITY + "planned-availability/AVAILABLE"
FILE_TYPE = EU_AUTHORITY + "file-type/"
MEDIA_TYPE = "https://www.iana.org/assignments/media-types/"
PUBLISHER_LOCAL_AUTHORITY = "http://purl.org/adms/publishertype/LocalAuthority"
GEOCODING_LEVEL_DISTRICT = "http://dcat-ap.de/def/politicalGeocoding/Level/administrativeDistrict"
DISTRICT_KEY = "http://dcat-ap.de/def/politicalGeocoding/districtKey/"
LICENCES = "http://dcat-ap.de/def/licenses/"


@dataclass
class Agent:
    """A publisher or creator (foaf:Agent)."""

    iri: str
    name: LangText
    type_iri: str | None = None  # ADMS publisher type, e.g. PUBLISHER_LOCAL_AUTHORITY
    homepage: str | None = None
    email: str | None = None  # plain address; written as a mailto: IRI


@dataclass
class ContactPoint:
    """Whom to ask about a dataset (vcard:Kind); `email` is a plain address."""

    name: str
    email: str
    url: str | None = None


@dataclass
class PeriodOfTime:
    """Temporal coverage; either end may be open."""

    start: date | None = None
    end: date | None = None


@dataclass
class DataService:
    """An API that serves datasets (dcat:DataService), e.g. the RPDE change feed."""

    iri: str
    title: LangText
    endpoint_url: str
    description: LangText = field(default_factory=dict)
    endpoint_description: str | None = None
    conforms_to: list[str] = field(default_factory=list)
    serves_datasets: list[str] = field(default_factory=list)
    licence: str | None = None
    licence_attribution: str | None = None
    access_rights: str = ACCESS_PUBLIC
    publisher: Agent | None = None
    contact_point: ContactPoint | None = None
    keywords: dict[str, list[str]] = field(default_factory=dict)
    themes: list[str] = field(default_factory=list)


@dataclass
class Distribution:
    """One way to get a dataset: a file download or access through a service."""

    iri: str
    title: LangText
    access_url: str
    format: str  # EU file-type IRI
    media_type: str  # IANA media-type IRI
    licence: str
    licence_attribution: str | None = None
    description: LangText = field(default_factory=dict)
    download_url: str | None = None
    conforms_to: list[str] = field(default_factory=list)  # schemas / standards (IRIs)
    pages: list[str] = field(default_factory=list)  # documentation (foaf:page)
    byte_size: int | None = None
    issued: datetime | date | None = None
    modified: datetime | date | None = None
    availability: str = AVAILABLE
    access_service: DataService | None = None


@dataclass
class Dataset:
    """A dataset of the catalogue; `id` is its URL segment under /datasets/."""

    id: str
    iri: str
    title: LangText
    description: LangText
    publisher: Agent
    contact_point: ContactPoint
    landing_page: str
    spatial: str
    geocoding_level: str | None = GEOCODING_LEVEL_DISTRICT
    themes: list[str] = field(default_factory=lambda: [THEME_EDUC])
    keywords: dict[str, list[str]] = field(default_factory=dict)
    languages: list[str] = field(default_factory=lambda: [LANG_DEU])
    accrual_periodicity: str = FREQ_CONT
    access_rights: str = ACCESS_PUBLIC
    availability: str = AVAILABLE
    issued: datetime | date | None = None
    modified: datetime | date | None = None
    temporal: PeriodOfTime | None = None
    creator: Agent | None = None
    conforms_to: list[str] = field(default_factory=list)
    distributions: list[Distribution] = field(default_factory=list)
    # Facts for the HTML landing page only (label -> value), never written as RDF.
    facts: dict[str, str] = field(default_factory=dict)

    @property
    def services(self) -> list[DataService]:
        """The data services its distributions are accessed through (in order, unique)."""
        seen: dict[str, DataService] = {}
        for dist in self.distributions:
            if dist.access_service is not None:
                seen.setdefault(dist.access_service.iri, dist.access_service)
        return list(seen.values())


@dataclass
class Paging:
    """Hydra paging of a catalogue split over several documents (absolute page URLs)."""

    page: str
    first: str
    last: str
    total_items: int
    items_per_page: int
    next: str | None = None
    previous: str | None = None


@dataclass
class Catalogue:
    """The catalogue node plus the datasets of one page (all of them when not paged)."""

    iri: str
    title: LangText
    description: LangText
    publisher: Agent
    homepage: str
    spatial: str | None = None
    languages: list[str] = field(default_factory=lambda: [LANG_DEU])
    licence: str | None = None
    theme_taxonomy: str = THEME_TAXONOMY
    issued: datetime | date | None = None
    modified: datetime | date | None = None
    contact_point: ContactPoint | None = None
    datasets: list[Dataset] = field(default_factory=list)
    paging: Paging | None = None

    @property
    def services(self) -> list[DataService]:
        """The data services of the datasets on this page (in order, unique)."""
        seen: dict[str, DataService] = {}
        for dataset in self.datasets:
            for service in dataset.services:
                seen.setdefault(service.iri, service)
        return list(seen.values())


def normalise_licence(iri: str) -> str:
    """A licence IRI as the dcat-ap.de list spells it: known aliases mapped, no trailing slash."""
    text = iri.strip()
    key = text.rstrip("/").lower().replace("https://", "http://")
    return _LICENCE_ALIASES.get(key, text.rstrip("/"))


# Forms providers commonly write, mapped onto the dcat-ap.de licence list.
_LICENCE_ALIASES = {
    "http://www.govdata.de/dl-de/by-2-0": LICENCES + "dl-by-de/2.0",
    "dl-de/by-2-0": LICENCES + "dl-by-de/2.0",
    "dl-de-by-2.0": LICENCES + "dl-by-de/2.0",
    "http://www.govdata.de/dl-de/zero-2-0": LICENCES + "dl-zero-de/2.0",
    "dl-de/zero-2-0": LICENCES + "dl-zero-de/2.0",
    "dl-de-zero-2.0": LICENCES + "dl-zero-de/2.0",
    "http://creativecommons.org/licenses/by/4.0": LICENCES + "cc-by/4.0",
    "cc-by-4.0": LICENCES + "cc-by/4.0",
    "http://creativecommons.org/licenses/by-sa/4.0": LICENCES + "cc-by-sa/4.0",
    "cc-by-sa-4.0": LICENCES + "cc-by-sa/4.0",
    "http://creativecommons.org/publicdomain/zero/1.0": LICENCES + "cc-zero",
    "cc0-1.0": LICENCES + "cc-zero",
}
