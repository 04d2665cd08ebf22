"""The read-only JSON API (/api/v1): providers, offers (keyset-paged, filtered), one offer,
and its OpenAPI document. Errors are problem+json (hub.problems); schemas in hub.api.schemas."""
from __future__ import annotations

import base64
import binascii
import json
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

import sqlalchemy as sa
from flask import Blueprint, Response, request
from marshmallow import ValidationError
from sqlalchemy.orm import Session

from ...vocab.codelists import codelist
from ..api.openapi import openapi_document
from ..api.schemas import (
    GERMAN_MESSAGES,
    OfferSchema,
    OffersQuerySchema,
    ProviderListItemSchema,
)
from ..context import current_hub
from ..db import json_list_contains
from ..models import Offer, OfferInstance, Provider, Venue
from ..offers.store import load_offer, load_offer_records
from ..pages_nav import register_link
from ..problems import Problem, bad_parameter

bp = Blueprint("api", __name__, url_prefix="/api/v1")

register_link("Angebote (JSON-API)", "/api/v1/offers",
              "Alle aktuellen Angebote, filterbar nach Anbieter, Gemeinde, Lebensphase, Lernform, "
              "Zeitraum und Freitext (JSON, seitenweise)", order=300)
register_link("API-Beschreibung (OpenAPI)", "/api/v1/openapi.json",
              "Maschinenlesbare Beschreibung der JSON-API (OpenAPI 3.1)", order=310)

offers_t = Offer.__table__
instances_t = OfferInstance.__table__
venues_t = Venue.__table__
providers_t = Provider.__table__

CODELIST_PARAMS = {"life_phase": "lebensphase", "mode": "lernform"}
CURSOR_PREFIX = "o1:"  # versioned, so the cursor format can change without breaking old links

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
    """One page of live offers in id order; `next` continues after the last one."""
    hub = current_hub()
    params = _parse_offer_query()
    limit: int = params["limit"]
    with hub.sessions() as session:
        stmt = _filtered_offer_ids(session, params).limit(limit + 1)
        ids = list(session.execute(stmt).scalars())
        records = load_offer_records(session, ids[:limit])
    items = [_offer_json(record) for record in records]
    next_url = None
    if len(ids) > limit:
        kept = [(k, v) for k, v in request.args.items(multi=True) if k != "after"]
        kept.append(("after", _encode_cursor(ids[limit - 1])))
        next_url = hub.settings.url("/api/v1/offers?" + urlencode(kept))
    return _json({"items": items, "next": next_url})


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


def _parse_offer_query() -> dict[str, Any]:
    for name in request.args:
        if len(request.args.getlist(name)) > 1:
            raise bad_parameter(name, "Der Parameter darf nur einmal vorkommen.")
    try:
        params: dict[str, Any] = OffersQuerySchema().load(request.args.to_dict())
    except ValidationError as exc:
        raise _validation_problem(exc.normalized_messages()) from None
    if "after" in params:
        params["after_id"] = _decode_cursor(params["after"])
    return params


def _validation_problem(messages: Any) -> Problem:
    name, detail = next(iter(messages.items()))
    while isinstance(detail, (list, dict)):
        detail = next(iter(detail.values())) if isinstance(detail, dict) else detail[0]
    detail = GERMAN_MESSAGES.get(str(detail), str(detail))
    problem = bad_parameter(name, detail)
    if name in CODELIST_PARAMS:
        problem.extra["allowed"] = list(codelist(CODELIST_PARAMS[name]).codes)
    return problem


def _encode_cursor(offer_id: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{offer_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if raw.startswith(CURSOR_PREFIX) and raw[len(CURSOR_PREFIX):].isdigit():
            return int(raw[len(CURSOR_PREFIX):])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise bad_parameter("after", "Ungültige Fortsetzungsmarke; bitte den Link aus `next` "
                        "unverändert verwenden.")


def _filtered_offer_ids(session: Session, params: dict[str, Any]) -> sa.Select[Any]:
    o, i = offers_t, instances_t
    # coalesce() keeps SQLite off the (deleted, last_date) index: walking the primary key in
    # order lets LIMIT stop early instead of sorting every live offer.
    stmt = (sa.select(o.c.id).where(sa.func.coalesce(o.c.deleted, False).is_(False))
            .order_by(o.c.id))
    if "after_id" in params:
        stmt = stmt.where(o.c.id > params["after_id"])
    if "provider" in params:
        stmt = stmt.where(o.c.provider_id == sa.select(providers_t.c.id).where(
            providers_t.c.slug == params["provider"]).scalar_subquery())
    # Instance filters (municipality, mode, dates) must hold for one and the same instance.
    inst_conds: list[sa.ColumnElement[bool]] = []
    if "municipality" in params:
        inst_conds.append(i.c.venue_id.in_(sa.select(venues_t.c.id).where(
            venues_t.c.ags == params["municipality"])))
    if "mode" in params:
        inst_conds.append(i.c.mode == params["mode"])
    has_dates = "date_from" in params or "date_to" in params
    if has_dates:
        inst_conds.append(_instance_overlaps(params.get("date_from"), params.get("date_to")))
    if inst_conds:
        # IN (uncorrelated) is evaluated once per query; a correlated EXISTS let SQLite probe
        # the mode index for every offer (quadratic).
        match: sa.ColumnElement[bool] = o.c.id.in_(sa.select(i.c.offer_id).where(*inst_conds))
        if has_dates and len(inst_conds) == 1:
            # An offer without any instance has no dates: rolling entry, it always matches.
            match = sa.or_(match, ~sa.exists().where(i.c.offer_id == o.c.id))
        stmt = stmt.where(match)
    if "life_phase" in params:
        code = params["life_phase"]
        if session.get_bind().dialect.name == "sqlite":
            # A cheap text test first spares json_each on most rows (codes hold no quotes).
            stmt = stmt.where(sa.func.instr(o.c.life_phases, f'"{code}"') > 0)
        stmt = stmt.where(json_list_contains(o.c.life_phases, code))
    if "q" in params:
        stmt = stmt.where(_text_matches(session, params["q"]))
    return stmt


def _instance_overlaps(start: date | None, end: date | None) -> sa.ColumnElement[bool]:
    """The instance overlaps [start, end]; an undated instance (rolling entry) always does,
    and one with rolling entry and no end date runs on indefinitely."""
    i = instances_t
    first = sa.func.coalesce(i.c.start_date, i.c.end_date)
    last = sa.func.coalesce(i.c.end_date, i.c.start_date)
    conds: list[sa.ColumnElement[bool]] = []
    if end is not None:
        conds.append(first <= end)
    if start is not None:
        open_ended = sa.and_(i.c.end_date.is_(None), i.c.rolling_entry.is_(True))
        conds.append(sa.or_(last >= start, open_ended))
    undated = sa.and_(i.c.start_date.is_(None), i.c.end_date.is_(None))
    return sa.or_(undated, sa.and_(*conds))


def _text_matches(session: Session, text: str) -> sa.ColumnElement[bool]:
    """Case-insensitive substring match in title or description on both dialects."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if session.get_bind().dialect.name != "sqlite":
        pattern = f"%{escaped.lower()}%"
        return sa.or_(sa.func.lower(offers_t.c.title).like(pattern, escape="\\"),
                      sa.func.lower(offers_t.c.description).like(pattern, escape="\\"))
    if text.isascii():
        # SQLite's LIKE ignores the case of ASCII letters, and only those are in the pattern.
        pattern = f"%{escaped}%"
        return sa.or_(offers_t.c.title.like(pattern, escape="\\"),
                      offers_t.c.description.like(pattern, escape="\\"))
    # SQLite folds ASCII only; Python's lower() folds Ä/Ö/Ü as PostgreSQL's lower() does.
    raw: Any = session.connection().connection.driver_connection
    raw.create_function("hub_lower", 1, lambda v: v.lower() if isinstance(v, str) else v,
                        deterministic=True)
    pattern = f"%{escaped.lower()}%"
    return sa.or_(sa.func.hub_lower(offers_t.c.title).like(pattern, escape="\\"),
                  sa.func.hub_lower(offers_t.c.description).like(pattern, escape="\\"))
