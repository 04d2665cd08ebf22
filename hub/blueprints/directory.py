"""Provider and municipality pages listing their live offers (keyset-paged), sitemap.xml and
robots.txt."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template, request

from ...vocab.codelists import municipalities, municipality_by_ags
from ..context import current_hub
from ..models import Offer, Provider, Venue
from ..offers.filters import OfferFilters
from ..portal import sitemap
from ..portal.listing import BadCursor, count_matches, offer_page, read_cursor

bp = Blueprint("directory", __name__, template_folder="../templates")

offers_t = Offer.__table__
providers_t = Provider.__table__
LIVE = offers_t.c.deleted.is_(False)


def _cursor(filters: OfferFilters) -> Any:
    try:
        return read_cursor(request.args.get("nach"), filters)
    except BadCursor:
        abort(400, "Der Link zur nächsten Seite ist ungültig. Bitte von der ersten Seite "
                   "aus weiterblättern.")


def _next_url(token: str | None) -> str | None:
    return f"{request.path}?{urlencode({'nach': token})}" if token else None


@bp.get("/anbieter")
def providers() -> str:
    live = sa.and_(offers_t.c.provider_id == providers_t.c.id, LIVE)
    with current_hub().sessions() as session:
        rows = session.execute(
            sa.select(providers_t.c.slug, providers_t.c.name, providers_t.c.type,
                      sa.func.count(offers_t.c.id).label("offers"))
            .select_from(providers_t.outerjoin(offers_t, live))
            .group_by(providers_t.c.id).order_by(providers_t.c.name)).all()
    return render_template("providers.html", providers=rows)


@bp.get("/anbieter/<slug>")
def provider(slug: str) -> str:
    filters = OfferFilters(providers=(slug,))
    after = _cursor(filters)
    with current_hub().sessions() as session:
        row = session.execute(sa.select(Provider).where(Provider.slug == slug)).scalar()
        if row is None:
            abort(404)
        listing = _listing(session, filters, after)
    return render_template("provider.html", provider=row, **listing)


@bp.get("/anbieter/<slug>/orte/<key>")
def venue(slug: str, key: str) -> str:
    """A provider's venue: the page of the venue IRI the JSON-LD feeds give every place
    (feeds.jsonld.venue_iri), with its address, accessibility and the offers held there."""
    with current_hub().sessions() as session:
        row = session.execute(
            sa.select(Venue, Provider).join(Provider, Provider.id == Venue.provider_id)
            .where(Provider.slug == slug, Venue.venue_key == key)).first()
        if row is None:
            abort(404)
        place, owner = row
        filters = OfferFilters(providers=(slug,), venue_ids=(place.id,))
        listing = _listing(session, filters, _cursor(filters))
    return render_template("venue.html", venue=place, provider=owner,
                           municipality=municipality_by_ags().get(place.ags or ""), **listing)


@bp.get("/gemeinden")
def municipality_list() -> str:
    return render_template("municipalities.html", municipalities=municipalities())


@bp.get("/gemeinden/<ags>")
def municipality(ags: str) -> str:
    place = municipality_by_ags().get(ags)
    if place is None:
        abort(404)
    filters = OfferFilters(municipalities=(ags,))
    after = _cursor(filters)
    with current_hub().sessions() as session:
        listing = _listing(session, filters, after)
    return render_template("municipality.html", place=place, **listing)


def _listing(session: Any, filters: OfferFilters, after: Any) -> dict[str, Any]:
    """One page of a provider's or municipality's live offers, with its count and links."""
    page = offer_page(session, filters, after)
    return {"total": count_matches(session, filters), "page": page,
            "next_url": _next_url(page.next), "first_url": request.path if after else None}


@bp.get("/robots.txt")
def robots() -> Response:
    text = ("User-agent: *\n"
            "Disallow: /hochladen\n"
            "Disallow: /admin/\n"
            "Disallow: /survey/admin\n"
            "Disallow: /kalender/\n"
            "Disallow: /merkliste\n"
            # Every combination of search filters is a page of its own: crawl the offers instead.
            "Disallow: /angebote?\n"
            f"Sitemap: {current_hub().settings.url('/sitemap.xml')}\n")
    return Response(text, mimetype="text/plain")


@bp.get("/sitemap.xml")
def sitemap_xml() -> Response:
    hub = current_hub()
    base = hub.settings.hub_base_uri.rstrip("/")
    limit = hub.settings.sitemap_max_urls
    parts = sitemap.part_count(hub.engine, limit)
    if parts > 1:
        return Response(sitemap.index(base, parts), mimetype="application/xml")
    return Response(sitemap.urlset(hub.engine, base, None, limit), mimetype="application/xml")


@bp.get("/sitemap-<part>.xml")
def sitemap_part(part: str) -> Response:
    hub = current_hub()
    limit = hub.settings.sitemap_max_urls
    parts = sitemap.part_count(hub.engine, limit)
    # A string, not <int:>: tests build every route with placeholder values.
    if not (part.isascii() and part.isdigit() and len(part) < 6) or parts == 1 \
            or not 1 <= int(part) <= parts:
        abort(404)
    base = hub.settings.hub_base_uri.rstrip("/")
    return Response(sitemap.urlset(hub.engine, base, int(part), limit), mimetype="application/xml")
