"""Small, realistic providers and offers for the catalogue tests (written through hub.offers.store)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.engine import Engine

from bildungsdaten.feeds.dcat.model import (
    DISTRICT_KEY,
    FILE_TYPE,
    LICENCES,
    MEDIA_TYPE,
    PUBLISHER_LOCAL_AUTHORITY,
    Agent,
    Catalogue,
    ContactPoint,
    DataService,
    Dataset,
    Distribution,
    Paging,
    PeriodOfTime,
)
from bildungsdaten.hub.db import make_sessionmaker, transaction
from bildungsdaten.hub.offers.store import ensure_provider, write_offers
from bildungsdaten.vocab.records import InstanceRecord, OfferRecord, ProviderRecord, VenueRecord

KINDS = [("kvhs", "Kreisvolkshochschule Bergstraße", "https://www.kvhs-bergstrasse.example"),
         ("musikschule-bensheim", "Musikschule Bensheim e. V.", "https://musikschule.example"),
         ("fbs-heppenheim", "Familienbildungsstätte Heppenheim", None),
         ("ihk-darmstadt", "Kammer Rhein-Main-Neckar", "www.kammer.example")]


def provider(n: int, licence: str | None = None) -> ProviderRecord:
    """The n-th provider: a few real kinds first, then numbered Vereine."""
    if n < len(KINDS):
        slug, name, url = KINDS[n]
    else:
        slug, name, url = f"verein-{n:04d}", f"Bildungsverein Nr. {n}", None
    return ProviderRecord(slug=slug, name=name, type="verein", url=url,
                          email=f"info@{slug}.example", licence=licence)


def offer(prov: ProviderRecord, n: int, start: date | None = None,
          end: date | None = None) -> OfferRecord:
    """One course with one dated run at a venue in Bensheim."""
    start = start or date(2025, 9, 1) + timedelta(days=7 * n)
    return OfferRecord(
        angebot_id=f"K-{n:03d}", title=f"Kurs {n}: Englisch für den Alltag „A2“",
        description='Mit "Anführungszeichen", Zeilen-\numbruch und Backslash \\.',
        provider=prov, keywords=["Sprachen"], topic="sprachen", languages=["de"],
        instances=[InstanceRecord(
            start_date=start, end_date=end or start + timedelta(days=60), mode="praesenz",
            price=Decimal("89.00"), price_kind="betrag",
            venue=VenueRecord(venue_name="Haus am Markt", street="Marktplatz 1",
                              postal_code="64625", locality="Bensheim", ags="06431002"))])


def seed(engine: Engine, providers: int, offers_each: int = 1,
         licences: dict[int, str] | None = None) -> list[ProviderRecord]:
    """`providers` providers with `offers_each` offers each, in one transaction."""
    made = []
    with transaction(make_sessionmaker(engine)) as session:
        for n in range(providers):
            prov = provider(n, (licences or {}).get(n))
            pid = ensure_provider(session, prov)
            write_offers(session, pid, [offer(prov, k) for k in range(offers_each)])
            made.append(prov)
    return made


def add_empty_provider(engine: Engine, slug: str = "ohne-angebote") -> None:
    """A provider that has never delivered an offer."""
    with transaction(make_sessionmaker(engine)) as session:
        ensure_provider(session, ProviderRecord(slug=slug, name="Anbieter ohne Angebote"))


# --- pure descriptions (no database) for the feeds.dcat tests and the benchmark --------------

def description(datasets: int, base: str = "http://hub.test", paged: bool = False) -> Catalogue:
    """A catalogue description with `datasets` provider-like datasets (tricky texts included)."""
    publisher = Agent(iri=f"{base}/catalog#publisher", name={"de": "Kreis Bergstraße"},
                      type_iri=PUBLISHER_LOCAL_AUTHORITY, homepage="https://www.kreis-bergstrasse.de")
    contact = ContactPoint("Bildungskoordination", "bildung@kreis-bergstrasse.de")
    service = DataService(iri=f"{base}/datasets/bildungsangebote#rpde-service",
                          title={"de": "RPDE-Feed"}, endpoint_url=f"{base}/feeds/offers/rpde",
                          conforms_to=["https://openactive.io/realtime-paged-data-exchange/"],
                          serves_datasets=[f"{base}/datasets/bildungsangebote"],
                          licence=LICENCES + "dl-by-de/2.0", publisher=publisher,
                          contact_point=contact)
    items = []
    for n in range(datasets):
        iri = f"{base}/datasets/anbieter-{n:04d}"
        name = f'Träger Nr. {n} "Lernen\\Leben"\n(gGmbH) – ✓'
        dists = [Distribution(
            iri=f"{iri}#{kind}", title={"de": f"{name} ({kind})", "en": kind},
            access_url=f"{base}/feeds/offers.{kind}?provider=anbieter-{n:04d}",
            download_url=f"{base}/feeds/offers.{kind}?provider=anbieter-{n:04d}",
            format=FILE_TYPE + kind.upper(), media_type=MEDIA_TYPE + "text/csv",
            licence=LICENCES + "dl-by-de/2.0/", licence_attribution=name,
            byte_size=1000 + n, modified=datetime(2025, 3, 1, 10, 0, tzinfo=UTC),
            access_service=service if n == 0 and kind == "csv" else None,
            conforms_to=[f"{base}/feeds/datapackage.json"])
            for kind in ("csv", "jsonld")]
        items.append(Dataset(
            id=f"anbieter-{n:04d}", iri=iri, title={"de": name, "en": f"Provider {n}"},
            description={"de": f"Angebote von {name}."}, publisher=publisher,
            contact_point=contact, landing_page=iri + ".html",
            spatial=DISTRICT_KEY + "06431", keywords={"de": ["Bildung", name], "en": ["education"]},
            issued=date(2025, 1, 15), modified=datetime(2025, 3, 1, 10, 0, tzinfo=UTC),
            temporal=PeriodOfTime(date(2025, 9, 1), None if n % 2 else date(2026, 7, 31)),
            creator=Agent(iri=iri + "#anbieter", name={"de": name}), distributions=dists))
    paging = Paging(page=f"{base}/catalog?page=2", first=f"{base}/catalog?page=1",
                    last=f"{base}/catalog?page=3", next=f"{base}/catalog?page=3",
                    previous=f"{base}/catalog?page=1", total_items=3 * datasets,
                    items_per_page=datasets) if paged else None
    return Catalogue(iri=f"{base}/catalog", title={"de": "Hub", "en": "Hub"},
                     description={"de": "Katalog"}, publisher=publisher, homepage=f"{base}/",
                     spatial=DISTRICT_KEY + "06431", licence=LICENCES + "dl-by-de/2.0",
                     issued=date(2025, 1, 15), modified=datetime(2025, 3, 1, 10, 0, tzinfo=UTC),
                     contact_point=contact, datasets=items, paging=paging)
