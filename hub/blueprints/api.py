"""The read-only JSON API (/api/v1): providers, offers (keyset-paged, filtered), one offer,
and its OpenAPI document. Errors are problem+json (hub.problems); schemas in hub.api.schemas."""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, request

from ..api.openapi import openapi_document
from ..api.schemas import DEFAULT_LIMIT, MAX_LIMIT, OfferSchema, ProviderListItemSchema
from ..context import current_hub
from ..models import Offer, Provider
from ..offers.filters import OfferFilters
from ..offers.store import load_offer, load_offer_records
from ..pages_nav import PageLink
from ..portal.search import count_cache, spelling
from ..problems import Problem, bad_parameter
from ..search.order import decode_cursor, encode_cursor, ordered_ids

bp = Blueprint("api", __name__, url_prefix="/api/v1")

LINKS = (
    PageLink("Angebote (JSON-API)", "/api/v1/offers",
              "Alle aktuellen Angebote, filterbar nach Anbieter, Gemeinde, Lebensphase, Lernform, "
              "Zeitraum und Freitext (JSON, seitenweise)", order=300),
    PageLink("API-Beschreibung (OpenAPI)", "/api/v1/openapi.json",
             "Maschinenlesbare Beschreibung der JSON-API (OpenAPI 3.1)", order=310),
)

offers_t = Offer.__table__
providers_t = Provider.__table__

PAGING = ("limit", "after")

offer_schema = OfferSchema()
provider_item_schema = ProviderListItemSchema()


@bp.get("/providers")
def providers() -> Response:
    """Every provider with the number of its live offers."""
    _reject_parameters(set())
    hub = current_hub()
    live = sa.and_(offers_t.c.provider_id == providers_t.c.id, offers_t.c.deleted.is_(False))
    stmt = (sa.select(providers_t.c.slug, providers_t.c.name, providers_t.c.type,
                      providers_t.c.url, providers_t.c.email, providers_t.c.telephone,
                      providers_t.c.licence, sa.func.count(offers_t.c.id).label("offer_count"))
            .select_from(providers_t.outerjoin(offers_t, live))
            .group_by(providers_t.c.id).order_by(providers_t.c.slug))
    with hub.sessions() as session:
        rows = session.execute(stmt).all()
    items = []
    for row in rows:
        item = provider_item_schema.dump({
            **row._mapping,
            "offers": hub.settings.url("/api/v1/offers?" + urlencode({"provider": row.slug}))})
        items.append(item)
    return _json({"items": items})


@bp.get("/offers")
def offers() -> Response:
    """One page of live offers in the order of `sort` (else relevance with `q`, else date);
    `next` continues after the last one. With `facets=true` also the total and the counts per facet value;
    a text search without results may carry a spelling `suggestion`."""
    hub = current_hub()
    limit, token = _paging()
    with hub.sessions() as session:
        filters = OfferFilters.parse(request.args, session, extra=PAGING, listing=True)
        after = None if token is None else decode_cursor(token, filters.order())
        rows = ordered_ids(filters, session, after, limit + 1)
        records = load_offer_records(session, [r[0] for r in rows[:limit]])
        extra: dict[str, Any] = {}
        if filters.facets:
            # Kept until the offers change, as on the search page: paging through a search,
            # and a popular search, count once.
            extra["total"], extra["facets"] = count_cache(current_app).found(session, filters)
        if not rows and after is None and filters.q is not None:
            suggestion = spelling(session, filters)
            if suggestion is not None:
                extra["suggestion"] = suggestion
    items = [_offer_json(record) for record in records]
    next_url = None
    if len(rows) > limit:
        last_id, last_key = rows[limit - 1]
        kept = [(k, v) for k, v in request.args.items(multi=True) if k != "after"]
        kept.append(("after", encode_cursor(filters.order(), last_id, last_key)))
        next_url = hub.settings.url("/api/v1/offers?" + urlencode(kept))
    return _json({"items": items, "next": next_url, **extra})


@bp.get("/offers/<provider>/<path:angebot_id>")
def offer(provider: str, angebot_id: str) -> Response:
    """One offer; 404 when unknown, 410 when it was deleted (a tombstone)."""
    _reject_parameters(set())
    with current_hub().sessions() as session:
        record = load_offer(session, provider, angebot_id)
    if record is None:
        raise Problem(404, "offer-not-found", "Angebot nicht gefunden",
                      f"Es gibt kein Angebot „{angebot_id}“ des Anbieters „{provider}“.")
    if record.deleted:
        raise Problem(410, "offer-deleted", "Angebot gelöscht",
                      f"Das Angebot „{angebot_id}“ des Anbieters „{provider}“ wurde gelöscht.")
    return _json(_offer_json(record))


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document of this API (servers from HUB_BASE_URI)."""
    resp = _json(openapi_document(current_hub().settings.url("/api/v1")))
    resp.headers["Cache-Control"] = "public, max-age=3600"  # changes only with a release
    return resp


# --- helpers -------------------------------------------------------------------------------

# Offers change with uploads and the nightly jobs: a minute of caching, then revalidation.
MAX_AGE = 60


def _json(body: Any) -> Response:
    """A JSON answer that caches and revalidates: a strong ETag from its bytes (304 when the
    client has them), Cache-Control, and open to browser clients of other origins."""
    # Fields in schema order (jsonify would sort them), compact, UTF-8 as is.
    resp = Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                    mimetype="application/json")
    resp.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Access-Control-Expose-Headers"] = "ETag"
    resp.add_etag()
    resp.make_conditional(request)  # turns `resp` itself into the 304 where it applies
    return resp


def offer_url(feed_id: str) -> str:
    """The absolute API URL of one offer."""
    slug, angebot_id = feed_id.split("/", 1)
    return current_hub().settings.url(f"/api/v1/offers/{quote(slug, safe='')}/"
                                      f"{quote(angebot_id, safe='')}")


def _offer_json(record: Any) -> dict[str, Any]:
    data: dict[str, Any] = offer_schema.dump(record)
    data["self"] = offer_url(record.feed_id)
    return data


def _reject_parameters(allowed: set[str]) -> None:
    for name in request.args:
        if name not in allowed:
            raise bad_parameter(name, "Unbekannter Parameter.")


def _paging() -> tuple[int, str | None]:
    """`limit` and `after` (the cursor of `next`, decoded once the sort is known)."""
    for name in PAGING:
        if len(request.args.getlist(name)) > 1:
            raise bad_parameter(name, "Der Parameter darf nur einmal vorkommen.")
    raw = request.args.get("limit")
    limit = DEFAULT_LIMIT
    if raw is not None:
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 4
                and 1 <= int(raw) <= MAX_LIMIT):
            raise bad_parameter("limit", f"Erlaubt ist eine ganze Zahl von 1 bis {MAX_LIMIT}.")
        limit = int(raw)
    return limit, request.args.get("after")
