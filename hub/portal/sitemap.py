"""sitemap.xml of every live public page (sitemaps.org 0.9), streamed in batches; beyond the
protocol's 50,000 URLs per file, /sitemap.xml becomes an index of numbered parts, none with
more than 50,000."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import quote
from xml.sax.saxutils import escape

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ...vocab.codelists import municipalities
from ..models import Offer, OfferInstance, Provider, Venue
from ..offers.queries import read_snapshot
from .present import offer_path

offers_t = Offer.__table__
providers_t = Provider.__table__
instances_t = OfferInstance.__table__
venues_t = Venue.__table__
MAX_URLS = 50_000  # per sitemap file (sitemaps.org)
BATCH = 5_000
STATIC_PAGES = ("/", "/angebote", "/karte", "/anbieter", "/gemeinden", "/barrierefreiheit",
                "/leichte-sprache", "/impressum", "/datenschutz", "/feeds")
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n')
LIVE = offers_t.c.deleted.is_(False)


def _url(loc: str, lastmod: int | None = None) -> str:
    mod = ""
    if lastmod:
        day = datetime.fromtimestamp(lastmod / 1000, UTC).date().isoformat()
        mod = f"<lastmod>{day}</lastmod>"
    return f"<url><loc>{escape(loc)}</loc>{mod}</url>\n"


def _directory_paths(engine: Engine) -> list[str]:
    """The start, search and law pages, providers with live offers, the municipalities, and
    the venues where a live offer has a date."""
    i, v = instances_t, venues_t
    with read_snapshot(engine) as session:
        slugs = session.execute(sa.select(providers_t.c.slug).where(sa.exists().where(
            offers_t.c.provider_id == providers_t.c.id, LIVE)).order_by(providers_t.c.slug)
        ).scalars().all()
        places = session.execute(
            sa.select(providers_t.c.slug, v.c.venue_key)
            .join(providers_t, providers_t.c.id == v.c.provider_id)
            .where(sa.exists().where(i.c.venue_id == v.c.id, offers_t.c.id == i.c.offer_id,
                                     LIVE))
            .order_by(providers_t.c.slug, v.c.venue_key)).all()
    return [*STATIC_PAGES, *(f"/anbieter/{s}" for s in slugs),
            *(f"/gemeinden/{m.ags}" for m in municipalities()),
            *(f"/anbieter/{quote(s, safe='')}/orte/{quote(k, safe='')}" for s, k in places)]


def part_count(engine: Engine, max_urls: int = MAX_URLS) -> int:
    """How many files the sitemap needs: 1 (no index) while everything fits one file; else
    the directory pages, then the offers, cut into files of `max_urls` each."""
    with read_snapshot(engine) as session:
        offers = session.execute(sa.select(sa.func.count()).select_from(offers_t)
                                 .where(LIVE)).scalar_one()
    return max(1, -(-(offers + len(_directory_paths(engine))) // max_urls))


def _offer_urls(engine: Engine, base: str, first: int, limit: int | None) -> Iterator[str]:
    """URLs of live offers in id order: `limit` of them from the `first`-th (0-based) on."""
    with read_snapshot(engine) as session:
        start = 0
        if first:
            start = session.execute(sa.select(offers_t.c.id).where(LIVE).order_by(offers_t.c.id)
                                    .offset(first - 1).limit(1)).scalar() or 0
            if not start:
                return
        left = limit
        while left is None or left > 0:
            take = BATCH if left is None else min(BATCH, left)
            rows = session.execute(sa.select(offers_t.c.id, offers_t.c.feed_id,
                                             offers_t.c.modified)
                                   .where(LIVE, offers_t.c.id > start)
                                   .order_by(offers_t.c.id).limit(take)).all()
            if not rows:
                return
            start = rows[-1].id
            if left is not None:
                left -= len(rows)
            yield "".join(_url(base + offer_path(r.feed_id), r.modified) for r in rows)


def urlset(engine: Engine, base: str, part: int | None, max_urls: int = MAX_URLS
           ) -> Iterator[str]:
    """One sitemap file: everything (part None), or the n-th `max_urls` of the directory
    pages followed by the offers (a hub with many venues fills more than the first file)."""
    yield HEAD
    directory = _directory_paths(engine)
    first = 0 if part is None else (part - 1) * max_urls
    paths = directory[first:] if part is None else directory[first:first + max_urls]
    yield "".join(_url(base + path) for path in paths)
    left = None if part is None else max_urls - len(paths)
    if left is None or left > 0:
        yield from _offer_urls(engine, base, max(0, first - len(directory)), left)
    yield "</urlset>\n"


def index(base: str, parts: int) -> str:
    items = "".join(f"<sitemap><loc>{escape(base)}/sitemap-{n}.xml</loc></sitemap>\n"
                    for n in range(1, parts + 1))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{items}</sitemapindex>\n")
