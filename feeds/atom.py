"""Offers as an Atom feed (RFC 4287): one entry per offer, `updated` = the offer's last change.

Pure: records in, bytes out (`feedgen` writes the format). The entry id is the offer's IRI,
so a feed reader recognises an offer again after it changed and shows it as updated.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator

from ..vocab.records import OfferRecord
from .ical import first_date
from .jsonld import offer_iri

ATOM_MEDIA_TYPE = "application/atom+xml"


def _changed(record: OfferRecord) -> datetime:
    return datetime.fromtimestamp((record.modified or 0) / 1000, UTC)


def _summary(record: OfferRecord) -> str:
    parts = []
    start = first_date(record)
    if start is not None:
        parts.append(f"Ab {start:%d.%m.%Y}")
    places = sorted({i.venue.locality for i in record.instances
                     if i.venue is not None and i.venue.locality})
    if places:
        parts.append(", ".join(places))
    head = " · ".join(parts)
    text = record.description[:600]
    return f"{head}\n{text}" if head else text


def offers_to_atom(batches: Iterable[Iterable[OfferRecord]], base_uri: str, *, feed_url: str,
                   page_url: str, title: str, subtitle: str | None = None) -> bytes:
    """The Atom feed of the offers: `feed_url` is its own address (and id), `page_url` the
    search page it stands for."""
    feed = FeedGenerator()
    feed.id(feed_url)
    feed.title(title)
    feed.language("de")
    feed.link(href=feed_url, rel="self", type=ATOM_MEDIA_TYPE)
    feed.link(href=page_url, rel="alternate", type="text/html")
    feed.generator("Bildungsdaten-Hub")
    if subtitle:
        feed.subtitle(subtitle)
    newest = datetime.fromtimestamp(0, UTC)
    for record in (record for batch in batches for record in batch):
        entry = feed.add_entry(order="append")
        iri = offer_iri(base_uri, record.provider.slug, record.angebot_id)
        entry.id(iri)
        entry.title(record.title)
        entry.link(href=iri, rel="alternate", type="text/html")
        entry.author({"name": record.provider.name})
        changed = _changed(record)
        newest = max(newest, changed)
        entry.updated(changed)
        entry.summary(_summary(record))
        if record.topic:
            entry.category(term=record.topic)
    feed.updated(newest)
    return bytes(feed.atom_str(pretty=False))
