"""Subscriptions to a search: `/angebote.ics` (iCalendar) and `/angebote.atom` (Atom).

The parameters are those of the search page and the API (the one filter model,
hub.offers.filters); a bad one is a 400 problem+json. Answers carry a strong ETag (304 on
If-None-Match), Cache-Control and CORS, so calendar apps and feed readers poll cheaply.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, request

from ...feeds.atom import ATOM_MEDIA_TYPE, offers_to_atom
from ...feeds.ical import ICAL_MEDIA_TYPE, offers_to_ical
from ...vocab.records import OfferRecord
from ..context import current_hub
from ..offers.filters import OfferFilters
from ..offers.queries import BATCH_SIZE, read_snapshot
from ..offers.store import load_offer_records
from ..pages_nav import PageLink

bp = Blueprint("subscriptions", __name__)

LINKS = (
    PageLink("Suche abonnieren", "/angebote.ics",
             "Jede Suche als Kalender (iCalendar) oder als Nachrichtenfeed (Atom); dieselben "
             "Filter wie die Suche und die API", order=320),
)

# A subscription is a selection to follow, not an export: the district's whole offer list is
# in /feeds. More matching offers than this: the first ones, and the feed says so.
MAX_OFFERS = 1000
MAX_AGE = 300


def _matching(filters: OfferFilters) -> tuple[list[list[OfferRecord]], bool]:
    """The matching live offers (at most MAX_OFFERS, id order) in batches, from one snapshot,
    and whether there were more."""
    hub = current_hub()
    with read_snapshot(hub.engine) as session:
        ids = list(session.execute(filters.select_ids(session).limit(MAX_OFFERS + 1)).scalars())
        more = len(ids) > MAX_OFFERS
        ids = ids[:MAX_OFFERS]
        batches = [load_offer_records(session, ids[start:start + BATCH_SIZE])
                   for start in range(0, len(ids), BATCH_SIZE)]
    return batches, more


def _describe(filters: OfferFilters, more: bool) -> str:
    district = current_hub().settings.district_name
    text = f"Bildungsangebote im {district}"
    if filters.to_args():
        text += " (gefilterte Suche)"
    if more:
        text += (f"; nur die ersten {MAX_OFFERS:,} Angebote – bitte die Suche eingrenzen"
                 .replace(",", "."))
    return text


def _answer(body: bytes, mimetype: str, filename: str) -> Response:
    resp = Response(body, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    resp.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Access-Control-Expose-Headers"] = "ETag"
    resp.add_etag()
    resp.make_conditional(request)
    return resp


def _subscription(render: Callable[[OfferFilters, list[list[OfferRecord]], bool], bytes],
                  mimetype: str, filename: str) -> Response:
    hub = current_hub()
    with hub.sessions() as session:
        filters = OfferFilters.parse(request.args, session)
    batches, more = _matching(filters)
    return _answer(render(filters, batches, more), mimetype, filename)


def search_url(path: str, filters: OfferFilters) -> str:
    """The absolute URL of `path` with the filters' query."""
    query = urlencode(filters.to_args())
    return current_hub().settings.url(path + (f"?{query}" if query else ""))


@bp.route("/angebote.ics", methods=["GET", "HEAD"])
def calendar() -> Any:
    """The matching offers' dates as an iCalendar subscription."""
    base = current_hub().settings.hub_base_uri

    def render(filters: OfferFilters, batches: list[list[OfferRecord]], more: bool) -> bytes:
        return offers_to_ical(batches, base, _describe(filters, False),
                              description=_describe(filters, more))

    return _subscription(render, ICAL_MEDIA_TYPE, "angebote.ics")


@bp.route("/angebote.atom", methods=["GET", "HEAD"])
def atom() -> Any:
    """The matching offers as an Atom feed, newest change last updated."""
    base = current_hub().settings.hub_base_uri

    def render(filters: OfferFilters, batches: list[list[OfferRecord]], more: bool) -> bytes:
        return offers_to_atom(batches, base, feed_url=search_url("/angebote.atom", filters),
                              page_url=search_url("/angebote", filters),
                              title=_describe(filters, False), subtitle=_describe(filters, more)
                              if more else None)

    return _subscription(render, ATOM_MEDIA_TYPE, "angebote.atom")
