"""The one filter model of offers: parsed once from query arguments, one `where()` for every
reader (the JSON API, every feed, the search page).

The rules, the same for every reader (and written into the OpenAPI document):
- Different parameters combine with AND; a repeated parameter (`?life_phase=a&life_phase=b`)
  means OR among its values. Parameters that take one value (`q`, `from`, `to`,
  `modified_since`) may appear only once.
- Offers coded `lebensphase=alle` match every life phase.
- An unknown code, municipality or provider is a 400 problem+json naming the parameter
  (codes also list the allowed ones); so is an unknown parameter name.
- Municipality, learning form and the date window must hold for one and the same date
  (instance) of an offer; an offer without dates (rolling entry) matches any date window.
- Only live offers match, never tombstones.
- Free of charge, accessible venue and place/radius hold for that same date too; `q` needs
  every word (hub.search: German stems, in title, description, keywords, provider, place).
- `sort` and `facets` order and count a listing (API, search page); feeds refuse them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.visitors import InternalTraversal

from ...vocab.records import PRICE_FREE
from ..db import json_list_contains
from ..models import Offer, OfferInstance, Provider, Venue
from ..problems import bad_parameter
from ..search.compound import with_compound_parts
from ..search.geo import (
    DEFAULT_RADIUS_KM,
    PlaceError,
    Radius,
    parse_near,
    resolve_radius,
    venue_condition,
)
from ..search.index import text_condition, text_ids
from ..search.text import Term, query_terms
from ..sources.models import OfferSource
from .filter_params import (
    MAX_VALUES,
    PARSERS,
    Args,
    check_text,
    filter_params,
)

offers_t: sa.Table = Offer.__table__  # type: ignore[assignment]
instances_t: sa.Table = OfferInstance.__table__  # type: ignore[assignment]
venues_t: sa.Table = Venue.__table__  # type: ignore[assignment]
providers_t: sa.Table = Provider.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class OfferFilters:
    """What a request asked for; empty fields filter nothing. Build with `parse`."""

    providers: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    life_phases: tuple[str, ...] = ()
    modes: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None
    modified_since: int | None = None
    topics: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    fundings: tuple[str, ...] = ()
    free: bool = False
    accessible: bool = False
    near: str | None = None
    radius_km: float | None = None
    sort: str | None = None
    facets: bool = False
    radius: Radius | None = None  # `near` and `radius_km` resolved by parse
    terms: tuple[Term, ...] = ()  # `q` with its compounds' parts, resolved by parse
    venue_ids: tuple[int, ...] = ()  # no parameter: the venue page's own listing

    @classmethod
    def parse(cls, args: Args, session: Session, extra: Iterable[str] = (),
              listing: bool = False) -> OfferFilters:
        """The filters of `args`; names in `extra` belong to the caller (paging, format) and
        are only let through; `listing` (API, search page) also takes `sort` and `facets`.
        Raises Problem (400) for anything it cannot accept."""
        allowed = (*(p.name for p in filter_params() if listing or not p.listing), *extra)
        for name in args:
            if name not in allowed:
                raise bad_parameter(name, "Unbekannter Parameter; erlaubt sind "
                                    + ", ".join(allowed) + ".")
            for value in args.getlist(name):
                check_text(name, value)
        values: dict[str, Any] = {}
        for param in filter_params():
            raw = args.getlist(param.name)
            if not raw:
                continue
            if not param.repeatable and len(raw) > 1:
                raise bad_parameter(param.name, "Der Parameter darf nur einmal vorkommen.")
            if len(raw) > MAX_VALUES:
                raise bad_parameter(param.name, f"Höchstens {MAX_VALUES} Werte.")
            parse_value = PARSERS[param.name]
            parsed = [parse_value(param, value) for value in raw]
            values[param.attr] = tuple(dict.fromkeys(parsed)) if param.repeatable else parsed[0]
        filters = cls(**values)
        if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
            raise bad_parameter("to", "„to“ liegt vor „from“.")
        filters._check_providers(session)
        if filters.q is not None:
            filters = filters.with_text(session, filters.q)
        return filters._with_place(session)

    def with_text(self, session: Session, q: str) -> OfferFilters:
        """The same search with the free text `q`, its terms resolved as parse does (long
        words with their compound parts); QueryError for a text that cannot be searched."""
        return replace(self, q=q, terms=tuple(with_compound_parts(session, query_terms(q))))

    def _with_place(self, session: Session) -> OfferFilters:
        if self.radius_km is not None and self.near is None:
            raise bad_parameter("radius_km", "Ein Umkreis braucht einen Ort in „near“.")
        if self.sort == "relevance" and self.q is None:
            raise bad_parameter("sort", "Nach Relevanz sortieren geht nur mit einem Suchtext "
                                        "in „q“.")
        if self.sort == "distance" and self.near is None:
            raise bad_parameter("sort", "Nach Entfernung sortieren geht nur mit einem Ort in "
                                        "„near“.")
        if self.near is None:
            return self
        try:
            place = parse_near(session, self.near)
        except PlaceError as exc:
            raise bad_parameter("near", str(exc)) from None
        km = self.radius_km or DEFAULT_RADIUS_KM
        return replace(self, radius_km=km, radius=resolve_radius(session, place, km))

    def _check_providers(self, session: Session) -> None:
        if not self.providers:
            return
        known = set(session.execute(sa.select(providers_t.c.slug).where(
            providers_t.c.slug.in_(self.providers))).scalars())
        for slug in self.providers:
            if slug not in known:
                raise bad_parameter("provider", f"Kein Anbieter mit der Kennung „{slug}“.")

    def key(self) -> tuple[Any, ...]:
        """A hashable identity of these filters (cache keys, ETags)."""
        return tuple(getattr(self, f.name) for f in fields(self))

    def to_args(self) -> list[tuple[str, str]]:
        """These filters as query arguments again (links that keep the search)."""
        out: list[tuple[str, str]] = []
        for param in filter_params():
            value = getattr(self, param.attr)
            if value is None or value == () or value is False:
                continue
            for item in (value if param.repeatable else (value,)):
                out.append((param.name, item.isoformat() if isinstance(item, date)
                            else "true" if item is True else str(item)))
        return out

    def search_terms(self) -> list[Term]:
        """The terms of `q` (with compound parts when parse resolved them)."""
        assert self.q is not None
        return list(self.terms) or query_terms(self.q)

    def order(self) -> str:
        """The order of a listing: `sort` if given, else relevance with a text, else date."""
        return self.sort or ("relevance" if self.q is not None else "date")

    def select_ids(self, session: Session, after_id: int | None = None) -> sa.Select[Any]:
        """Ids of the matching offers in id order, after `after_id` (keyset paging)."""
        stmt = sa.select(offers_t.c.id).where(*self.where(session)).order_by(offers_t.c.id)
        return stmt if after_id is None else stmt.where(offers_t.c.id > after_id)

    def where(self, session: Session, within: sa.CTE | None = None
              ) -> list[sa.ColumnElement[bool]]:
        """Conditions on the offers table that select exactly the matching live offers;
        `within`: the live offers that hold the text (text_matches), computed once per
        statement and reused instead of the live and text conditions."""
        o, i = offers_t, instances_t
        clauses = self.offer_conditions(session, within)
        # Instance filters (municipality, mode, dates, ...) hold for one and the same instance.
        inst_conds = self.instance_conditions()
        has_dates = self.date_from is not None or self.date_to is not None
        dialect = session.get_bind().dialect.name
        if inst_conds and self.q is not None and dialect == "sqlite":
            # A text leaves few offers: each one's dates are looked up by offer_id (a
            # correlated EXISTS; the other indexed columns hidden from SQLite, which would
            # walk the mode index for every offer), instead of collecting every date of the
            # district that meets the conditions (17 ms of CPU against 1 ms at 100,000 offers).
            match: sa.ColumnElement[bool] = sa.exists().where(
                i.c.offer_id == o.c.id, *self.instance_conditions(unindexed=True))
        elif inst_conds and self.q is not None:
            # PostgreSQL turns that EXISTS into a join over every such date; the dates of the
            # text's matches only, named in the subquery, keep its plan small (EXPLAIN
            # ANALYZE at 100,000 offers: 18 ms against 208 ms).
            texts = (text_ids(dialect, self.search_terms()) if within is None
                     else sa.select(within.c.id))
            match = o.c.id.in_(sa.select(i.c.offer_id).where(i.c.offer_id.in_(texts),
                                                             *inst_conds))
        elif inst_conds:
            # IN (uncorrelated) is evaluated once per query; a correlated EXISTS let SQLite
            # probe the mode index for every offer (quadratic).
            match = o.c.id.in_(sa.select(i.c.offer_id).where(*inst_conds))
        if inst_conds:
            if has_dates and len(inst_conds) == 1:
                # An offer without any instance has no dates: rolling entry, it always matches.
                match = sa.or_(match, ~sa.exists().where(i.c.offer_id == o.c.id))
            clauses.append(match)
        return clauses

    def offer_conditions(self, session: Session, within: sa.CTE | None = None
                         ) -> list[sa.ColumnElement[bool]]:
        """The conditions on the offer itself (live, provider, codes, text, changes);
        `within` as in `where`."""
        o = offers_t
        clauses: list[sa.ColumnElement[bool]] = (
            [live_offers()] if within is None else [o.c.id.in_(sa.select(within.c.id))])
        if self.providers:
            clauses.append(o.c.provider_id.in_(sa.select(providers_t.c.id).where(
                providers_t.c.slug.in_(self.providers))))
        if self.life_phases:
            clauses.append(_life_phase_matches(session, (*self.life_phases, "alle")))
        if self.q is not None and within is None:
            clauses.append(text_condition(session.get_bind().dialect.name,
                                          self.search_terms()))
        if self.modified_since is not None:
            clauses.append(o.c.modified >= self.modified_since)
        if self.topics:
            clauses.append(o.c.topic.in_(self.topics))
        if self.languages:
            clauses.append(sa.or_(*(json_list_contains(o.c.languages, c)
                                    for c in self.languages)))
        if self.fundings:
            clauses.append(sa.or_(*(json_list_contains(o.c.funding, c) for c in self.fundings)))
        return clauses

    def text_matches(self, session: Session) -> sa.CTE:
        """The live offers that hold the text `q` (column `id`), as a CTE computed once per
        statement (MATERIALIZED): a common word matches thousands of offers, and each use of
        the text and live conditions would find and check them all again."""
        assert self.q is not None
        o = offers_t
        return (sa.select(o.c.id.label("id"))
                .where(live_offers(), text_condition(session.get_bind().dialect.name,
                                                     self.search_terms()))
                .cte("text_matches").prefix_with("MATERIALIZED"))

    def instance_conditions(self, unindexed: bool = False) -> list[sa.ColumnElement[bool]]:
        """The conditions on offer_instances that one and the same instance must meet;
        `unindexed`: SQLite may not look up the venue, mode or start date by index (the
        instances are found by offer_id)."""
        i = instances_t
        hide: Callable[[Any], Any] = _Unindexed if unindexed else (lambda column: column)
        venue_id, mode = hide(i.c.venue_id), hide(i.c.mode)
        inst_conds: list[sa.ColumnElement[bool]] = []
        if self.municipalities:
            inst_conds.append(venue_id.in_(sa.select(venues_t.c.id).where(
                venues_t.c.ags.in_(self.municipalities))))
        if self.modes:
            inst_conds.append(mode.in_(self.modes))
        if self.date_from is not None or self.date_to is not None:
            inst_conds.append(_instance_overlaps(self.date_from, self.date_to,
                                                 hide(i.c.start_date)))
        if self.free:
            inst_conds.append(sa.or_(i.c.price_kind == PRICE_FREE, i.c.price == 0))
        if self.accessible:
            inst_conds.append(venue_id.in_(sa.select(venues_t.c.id).where(
                venues_t.c.venue_accessible == "ja")))
        if self.radius is not None:
            inst_conds.append(venue_condition(self.radius, venue_id))
        if self.venue_ids:
            inst_conds.append(venue_id.in_(self.venue_ids))
        return inst_conds


# --- SQL -----------------------------------------------------------------------------------

class _Unindexed(sa.sql.expression.ColumnElement[Any]):
    """A column SQLite must not look up by index (rendered as `+column`, its documented way)."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: Any) -> None:
        self.column = column
        self.type = column.type


@compiles(_Unindexed)  # type: ignore[misc]
def _unindexed(element: _Unindexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))


@compiles(_Unindexed, "sqlite")  # type: ignore[misc]
def _unindexed_sqlite(element: _Unindexed, compiler: Any, **kw: Any) -> str:
    return "+" + str(compiler.process(element.column, **kw))


def unindexed(column: Any) -> Any:
    """`column` as SQLite must not look it up by index (`+column`); as it is elsewhere."""
    return _Unindexed(column)


def live_offers() -> sa.ColumnElement[bool]:
    """Offers that are shown: not tombstones, and not a harvested copy of a direct offer
    (see not_a_harvested_duplicate)."""
    # Readers walk the primary key (`id > :last ORDER BY id LIMIT n`); SQLite would otherwise
    # pick ix_offers_deleted_last_date for `deleted` and sort every live offer for each batch.
    return sa.and_(_Unindexed(offers_t.c.deleted).is_(False), not_a_harvested_duplicate())


def not_a_harvested_duplicate() -> sa.ColumnElement[bool]:
    """Deduplication across sources: a harvested offer is hidden while a live offer that came
    to this hub directly (upload, pull; no provenance) is the same course: the same title, the
    same first date, the same place of a run on that date (postal code and locality, or both
    without a venue) and the same provider (the same provider URL, or the same name). The
    direct offer is preferred; the harvested one reappears as soon as the direct one is gone.
    Decided in SQL for the set being read (an EXISTS through ix_offers_title_first_date), so
    every reader of live offers (API, search, pages, monitoring) shows the course once; our
    RPDE feed and snapshots still carry both, each with its own identity."""
    links = OfferSource.__table__
    d, dp, po = offers_t.alias("direct"), providers_t.alias("direct_p"), providers_t.alias("own_p")
    di, oi = instances_t.alias("direct_i"), instances_t.alias("own_i")
    dv, ov = venues_t.alias("direct_v"), venues_t.alias("own_v")
    harvested = sa.exists().where(links.c.offer_id == offers_t.c.id)
    twin = sa.exists(
        sa.select(sa.literal(1))
        .select_from(d.join(dp, dp.c.id == d.c.provider_id)
                     .join(di, di.c.offer_id == d.c.id).outerjoin(dv, dv.c.id == di.c.venue_id),
                     po, oi.outerjoin(ov, ov.c.id == oi.c.venue_id))
        .where(d.c.title == offers_t.c.title, d.c.first_date == offers_t.c.first_date,
               d.c.deleted.is_(False), d.c.id != offers_t.c.id,
               ~sa.exists().where(links.c.offer_id == d.c.id),
               po.c.id == offers_t.c.provider_id,
               sa.or_(sa.and_(dp.c.url.is_not(None), dp.c.url == po.c.url), dp.c.name == po.c.name),
               di.c.start_date == d.c.first_date, oi.c.offer_id == offers_t.c.id,
               oi.c.start_date == offers_t.c.first_date,
               sa.func.coalesce(dv.c.postal_code, "") == sa.func.coalesce(ov.c.postal_code, ""),
               sa.func.coalesce(dv.c.locality, "") == sa.func.coalesce(ov.c.locality, ""))
        .correlate(offers_t))
    return sa.or_(~harvested, ~twin)


def _life_phase_matches(session: Session, codes: Sequence[str]) -> sa.ColumnElement[bool]:
    if session.get_bind().dialect.name == "sqlite":
        # A cheap text test first spares json_each on most rows (codes hold no quotes).
        return sa.or_(*(sa.and_(sa.func.instr(offers_t.c.life_phases, f'"{code}"') > 0,
                                json_list_contains(offers_t.c.life_phases, code))
                        for code in codes))
    return sa.or_(*(json_list_contains(offers_t.c.life_phases, code) for code in codes))


def _instance_overlaps(start: date | None, end: date | None,
                       start_date: Any = instances_t.c.start_date) -> sa.ColumnElement[bool]:
    """The instance overlaps [start, end]; an undated instance (rolling entry) always does,
    and one with rolling entry and no end date runs on indefinitely."""
    i = instances_t
    first = sa.func.coalesce(start_date, i.c.end_date)
    last = sa.func.coalesce(i.c.end_date, start_date)
    conds: list[sa.ColumnElement[bool]] = []
    if end is not None:
        conds.append(first <= end)
    if start is not None:
        open_ended = sa.and_(i.c.end_date.is_(None), i.c.rolling_entry.is_(True))
        conds.append(sa.or_(last >= start, open_ended))
    undated = sa.and_(start_date.is_(None), i.c.end_date.is_(None))
    return sa.or_(undated, sa.and_(*conds))
