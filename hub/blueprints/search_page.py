"""The citizens' search (/angebote) and map (/karte): server-rendered, working without
JavaScript, on the one filter model (hub.offers.filters.OfferFilters) that the API and feeds
use; the whole state is in the URL."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request

from ..context import current_hub
from ..offers.filters import OfferFilters
from ..portal.listing import BadCursor, OfferPage, offer_page, read_cursor
from ..portal.mapsvg import ATTRIBUTION, municipality_map, offers_words, tile_markers
from ..portal.present import BERLIN
from ..portal.search import (
    ORDER_WORDS,
    PAGE_ARGS,
    CountCache,
    active_filters,
    choices,
    count_cache,
    date_presets,
    form_fields,
    provider_names,
    search_url,
    spelling,
    what_to_drop,
)
from ..problems import Problem, bad_parameter
from ..search.order import Cursor

bp = Blueprint("search_page", __name__, template_folder="../templates")


def _counts() -> CountCache:
    """This app's cache of facet counts (per app: each test's app starts empty)."""
    return count_cache(current_app)


def _parse(session: Any) -> tuple[OfferFilters, Cursor | None, Problem | None]:
    """The request's filters and page, or empty ones and the problem to show."""
    try:
        if "facets" in request.args:  # the page always counts; the API's switch is not ours
            raise bad_parameter("facets", "Unbekannter Parameter.")
        filters = OfferFilters.parse(request.args, session, extra=PAGE_ARGS, listing=True)
    except Problem as problem:
        return OfferFilters(), None, problem
    try:
        return filters, read_cursor(request.args.get("nach"), filters), None
    except BadCursor:
        return filters, None, bad_parameter("nach", "Der Link zur nächsten Seite ist ungültig.")


def _without_empty_fields() -> Any:
    """A form sends its empty fields too (`?q=&from=`): the same search without them, as a
    redirect, so the URL stays the search's whole and only state; None when there are none."""
    kept = [(k, v) for k, v in request.args.items(multi=True) if v.strip()]
    if len(kept) == len(list(request.args.items(multi=True))):
        return None
    return redirect(search_url(kept, request.path), 303)


@bp.get("/angebote")
def search() -> Any:
    cleaned = _without_empty_fields()
    if cleaned is not None:
        return cleaned
    with current_hub().sessions() as session:
        providers = provider_names(session)
        filters, after, problem = _parse(session)
        page, total, drop, better = OfferPage([], None), 0, [], None
        if problem is None:
            total = _counts().total(session, filters)  # with the facets, one pass
            page = offer_page(session, filters, after)
            if total == 0:
                drop = what_to_drop(session, filters, providers)
                better = spelling(session, filters)
        fields = form_fields(session, filters, request.args, providers, problem is None,
                             _counts())
        active = active_filters(filters, providers)
    args = filters.to_args()
    next_url = search_url(args + [("nach", page.next)]) if page.next else None
    # The same search with the suggested spelling (the other filters kept).
    better_url = search_url([("q", better) if k == "q" else (k, v) for k, v in args]) \
        if better else None
    html = render_template(
        "search.html", filters=filters, fields=fields, page=page, total=total, drop=drop,
        better=better, better_url=better_url,
        active=active, problem=problem, next_url=next_url, order=ORDER_WORDS[filters.order()],
        first_url=search_url(args) if after else None,
        q=request.args.get("q", "")[:200] if problem else (filters.q or ""),
        map_url=search_url(args, "/karte"), ics_url=search_url(args, "/angebote.ics"),
        atom_url=search_url(args, "/angebote.atom"),
        presets=date_presets(filters, datetime.now(BERLIN).date()))
    return html, 400 if problem else 200


@bp.get("/karte")
def map_page() -> Any:
    cleaned = _without_empty_fields()
    if cleaned is not None:
        return cleaned
    with current_hub().sessions() as session:
        providers = provider_names(session)
        filters, _, problem = _parse(session)
        places = choices(session, filters, "municipality", problem is None, _counts())
        active = [a for a in active_filters(filters, providers, "/karte")
                  if a.name != "municipality"]
    args = [a for a in filters.to_args() if a[0] != "municipality"]
    counts = {c.value: c.count or 0 for c in places}

    def link(ags: str) -> str:
        return search_url(args + [("municipality", ags)])

    settings = current_hub().settings
    # The zoomable tile map only when MAP_TILE_URL is set (never a third-party request by
    # default); JavaScript draws it, the SVG map and the list stay for everyone.
    tiles = None if not settings.map_tile_url else {
        "url": settings.map_tile_url, "attribution": settings.map_tile_attribution,
        "places": tile_markers(counts, link)}
    return render_template(
        "map.html", svg=municipality_map(counts, link), places=places, link=link,
        words=offers_words, attribution=ATTRIBUTION, active=active, problem=problem,
        search_url=search_url(args), tiles=tiles), 400 if problem else 200
