"""The search page's side of the one filter model (hub.offers.filters.OfferFilters): the form's
fields, counts per filter value, active filters that can be removed, and what to drop when
nothing matches. It never parses query arguments itself."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from threading import Lock
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...vocab.codelists import codelist, municipalities, municipality_by_ags
from ..models import Offer, Provider
from ..offers.filter_params import filter_params
from ..offers.filters import OfferFilters
from ..offers.queries import read_version
from ..search.facets import facet_counts
from ..search.fast import text_has_matches
from ..search.suggest import suggest
from .listing import count_matches

offers_t = Offer.__table__
# The page's own arguments beside the filters: the keyset of the next page.
PAGE_ARGS = ("nach",)
# Filters shown as choices with a count for each value (facets); the rest are fields.
FACETS = ("life_phase", "mode", "municipality")


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    count: int | None
    selected: bool


@dataclass(frozen=True)
class ActiveFilter:
    """One value the search is filtered by, with the search's link without it."""

    name: str
    label: str
    without_url: str
    count_without: int | None = None


def search_url(args: Sequence[tuple[str, str]], path: str = "/angebote") -> str:
    return f"{path}?{urlencode(list(args))}" if args else path


def param_label(name: str) -> str:
    return {"provider": "Anbieter", "municipality": "Gemeinde", "life_phase": "Lebensphase",
            "mode": "Lernform", "from": "Ab", "to": "Bis", "q": "Suchwort",
            "modified_since": "Geändert seit", "sort": "Sortierung"}.get(name, name)


def value_label(name: str, value: str, providers: dict[str, str]) -> str:
    param = next((p for p in filter_params() if p.name == name), None)
    if param is not None and param.codelist:
        concept = codelist(param.codelist).get(value)
        return concept.label_de if concept else value
    if name == "municipality":
        place = municipality_by_ags().get(value)
        return place.short_name if place else value
    if name == "provider":
        return providers.get(value, value)
    if name == "sort":
        return ORDER_WORDS.get(value, value)
    if name in ("from", "to") and len(value) == 10:
        return f"{value[8:10]}.{value[5:7]}.{value[0:4]}"
    if value == "true":
        return "ja"
    return value




class CountCache:
    """The total and the facet counts of a search kept until the offers change (one per app,
    see the search blueprint): paging through a search and popular searches count once. The
    key holds the feed clock, which every committed change of an offer moves forward."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], tuple[int, dict[str, dict[str, int]]]] = (
            OrderedDict())
        self._lock = Lock()

    def _found(self, session: Session, filters: OfferFilters
               ) -> tuple[int, dict[str, dict[str, int]]]:
        # The order and the `facets` switch change no count: one entry for all of them.
        key = (replace(filters, sort=None, facets=False).key(), read_version(session))
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
        if found is None:
            found = facet_counts(session, filters)
            with self._lock:
                self._items[key] = found
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return found

    def found(self, session: Session, filters: OfferFilters
              ) -> tuple[int, dict[str, dict[str, int]]]:
        """The total and the facet counts (hub.search.facets.facet_counts) of the search."""
        return self._found(session, filters)

    def total(self, session: Session, filters: OfferFilters) -> int:
        """The number of offers the search finds (counted with its facets, in one pass)."""
        return self._found(session, filters)[0]

    def counts(self, session: Session, filters: OfferFilters, name: str,
               values: Sequence[str]) -> dict[str, int]:
        found = self._found(session, filters)[1]
        return {v: found.get(name, {}).get(v, 0) for v in values}


def count_cache(app: Any) -> CountCache:
    """The app's cache of counts, shared by the search page and the API (per app: each test's
    app starts empty)."""
    cache: CountCache = app.extensions.setdefault("portal_counts", CountCache())
    return cache


def facet_counts_now(session: Session, filters: OfferFilters, name: str,
                     values: Sequence[str]) -> dict[str, int]:
    """For each value: how many offers the same search finds with that value added (the API's
    facets, hub.search.facets: a repeated parameter means OR, as the form's checkboxes do)."""
    found = facet_counts(session, filters)[1].get(name, {})
    return {v: found.get(v, 0) for v in values}




def provider_names(session: Session) -> dict[str, str]:
    return dict(session.execute(sa.select(Provider.slug, Provider.name)
                                .order_by(Provider.name)).all())


def choices(session: Session, filters: OfferFilters, name: str, with_counts: bool,
            cache: CountCache | None = None) -> list[Choice]:
    """The values of one facet with counts, in the code list's (or the district's) order."""
    param = next(p for p in filter_params() if p.name == name)
    current = getattr(filters, param.attr) or ()
    if name == "municipality":
        pairs = [(m.ags, m.short_name) for m in municipalities()]
        pairs.sort(key=lambda p: p[1])
    else:
        assert param.codelist is not None
        pairs = [(c.code, c.label_de) for c in codelist(param.codelist).concepts
                 if not (name == "life_phase" and c.code == "alle")]
    wanted = [v for v, _ in pairs]
    counts = {} if not with_counts else (
        cache.counts(session, filters, name, wanted) if cache is not None
        else facet_counts_now(session, filters, name, wanted))
    return [Choice(v, label, counts.get(v), v in current) for v, label in pairs]


def active_filters(filters: OfferFilters, providers: dict[str, str], path: str = "/angebote"
                   ) -> list[ActiveFilter]:
    """Each value the search uses, with the link of the same search (on `path`) without it."""
    args = filters.to_args()
    return [ActiveFilter(name, f"{param_label(name)}: {value_label(name, value, providers)}",
                         search_url([a for j, a in enumerate(args) if j != i], path))
            for i, (name, value) in enumerate(args) if name not in ORDER_ARGS]


def spelling(session: Session, filters: OfferFilters) -> str | None:
    """A spelling suggestion for a search without results (hub.search.suggest) that finds
    offers with the search's other filters too (a suggestion that leads to nothing again is
    no help: what_to_drop names the filters then), or None; none is needed when its text finds
    offers and only the other filters leave nothing."""
    if filters.q is None or text_has_matches(session, filters):
        return None
    found = suggest(session, filters.q)
    if found is None:
        return None
    return found if count_matches(session, filters.with_text(session, found)) else None


def what_to_drop(session: Session, filters: OfferFilters, providers: dict[str, str]
                 ) -> list[ActiveFilter]:
    """When nothing matches: each filter value whose removal finds offers, the most first."""
    args = filters.to_args()
    out = []
    for i, (name, value) in enumerate(args):
        if name in ORDER_ARGS:
            continue
        found = count_matches(session, _without(filters, name, value))
        if found:
            out.append(ActiveFilter(
                name, f"{param_label(name)}: {value_label(name, value, providers)}",
                search_url(args[:i] + args[i + 1:]), found))
    return sorted(out, key=lambda f: -(f.count_without or 0))


def _without(filters: OfferFilters, name: str, value: str) -> OfferFilters:
    param = next(p for p in filter_params() if p.name == name)
    current: Any = getattr(filters, param.attr)
    change: dict[str, Any] = {
        param.attr: tuple(v for v in current if v != value) if param.repeatable else None}
    return replace(filters, **change)


# --- the form: one field per parameter of the filter model --------------------------------

# Labels for parameters the filter model has or will have; an unknown one shows its name
# with the model's own description as the hint, so a new filter appears without a template
# change.
FIELD_LABELS = {
    "q": "Suchwort", "municipality": "Gemeinde", "life_phase": "Lebensphase",
    "mode": "Lernform", "from": "Termine ab", "to": "Termine bis", "provider": "Anbieter",
    "free": "Nur kostenlose Angebote", "accessible": "Nur barrierefreie Orte",
    "language": "Sprache", "funding": "Förderung", "topic": "Thema",
    "near": "Ort, Postleitzahl oder Gemeinde", "radius_km": "Umkreis in Kilometern",
    "sort": "Sortierung", "relevance": "Relevanz (beste Treffer zuerst)",
    "date": "Beginn (frühester Termin zuerst)", "distance": "Entfernung (nächster Ort zuerst)",
    "credential": "Abschluss", "time_form": "Zeit",
    "age": "Alter",
}
HIDDEN = ("modified_since",)  # kept in the URL, not offered in the form
# Arguments that order the results: kept in links, not shown or dropped as filters.
ORDER_ARGS = ("sort",)
# "Sortiert nach …" under the results, for each order of the filter model.
ORDER_WORDS = {"relevance": "Relevanz", "date": "Beginn", "distance": "Entfernung"}


@dataclass
class Field:
    name: str
    kind: str  # "text", "date", "select", "checkboxes", "checkbox", "hidden"
    label: str
    hint: str = ""
    value: str = ""
    values: tuple[str, ...] = ()
    choices: list[Choice] | None = None
    blank: str = ""  # the label of a select's empty choice, when not "Alle …"


def form_fields(session: Session, filters: OfferFilters, args: Any, providers: dict[str, str],
                with_counts: bool, cache: CountCache | None = None) -> list[Field]:
    """The search form's fields in the filter model's order (free text is the page's own)."""
    fields = []
    for param in filter_params():
        if param.name == "q":
            continue
        raw = tuple(args.getlist(param.name))
        label = FIELD_LABELS.get(param.name, param.name)
        if param.name in HIDDEN:
            fields += [Field(param.name, "hidden", label, value=v) for v in raw[:1]]
        elif param.name in FACETS:
            kind = "select" if param.name == "municipality" else "checkboxes"
            fields.append(Field(param.name, kind, label, values=raw,
                                choices=choices(session, filters, param.name, with_counts, cache)))
        elif param.name == "provider":
            fields.append(Field(param.name, "select", label, values=raw, choices=[
                Choice(slug, name, None, slug in raw) for slug, name in providers.items()]))
        elif param.codelist:
            fields.append(Field(param.name, "checkboxes", label, values=raw, choices=[
                Choice(c.code, c.label_de, None, c.code in raw)
                for c in codelist(param.codelist).concepts]))
        elif param.name == "sort":
            fields.append(_sort_field(filters, raw, label))
        elif param.name == "facets":
            continue  # the page always shows its counts
        elif "enum" in param.schema:
            fields.append(Field(param.name, "select", label, values=raw, choices=[
                Choice(v, FIELD_LABELS.get(v, v), None, v in raw) for v in param.schema["enum"]]))
        elif param.schema.get("type") == "boolean":
            fields.append(Field(param.name, "checkbox", label, hint=param.description,
                                values=raw))
        elif param.schema.get("format") == "date":
            fields.append(Field(param.name, "date", label, value=raw[0] if raw else ""))
        else:
            fields.append(Field(param.name, "text", label, hint=param.description,
                                value=raw[0] if raw else ""))
    return fields


def _sort_field(filters: OfferFilters, raw: tuple[str, ...], label: str) -> Field:
    """The orders that make sense for this search: relevance only with a text, distance only
    with a place; the empty choice is the default order (filters.order())."""
    usable = [v for v in ("relevance", "date", "distance")
              if (v != "relevance" or filters.q is not None)
              and (v != "distance" or filters.near is not None)]
    default = "relevance" if filters.q is not None else "date"
    return Field("sort", "select", label, values=raw, blank=f"Standard: {ORDER_WORDS[default]}",
                 choices=[Choice(v, FIELD_LABELS[v], None, v in raw) for v in usable])


def date_presets(filters: OfferFilters, today: date) -> list[tuple[str, str, bool]]:
    """One-tap date windows (label, link, chosen) that keep the rest of the search."""
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    after_next = (next_month + timedelta(days=32)).replace(day=1)
    windows = [("Nächste 7 Tage", today, today + timedelta(days=6)),
               ("Diesen Monat", today, next_month - timedelta(days=1)),
               ("Nächsten Monat", next_month, after_next - timedelta(days=1))]
    rest = [a for a in filters.to_args() if a[0] not in ("from", "to")]
    return [(label, search_url(rest + [("from", start.isoformat()), ("to", end.isoformat())]),
             filters.date_from == start and filters.date_to == end)
            for label, start, end in windows]
