"""The parameters of the one filter model (hub.offers.filters): their names, documentation
(OpenAPI, the feeds page) and how each value is read; a bad value is a 400 problem naming
the parameter."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

from ...vocab.codelists import codelist, municipality_by_ags
from ..problems import Problem, bad_parameter
from ..search.geo import DEFAULT_RADIUS_KM, MAX_RADIUS_KM, PlaceError, parse_radius
from ..search.text import QueryError, query_terms

SORTS = ("relevance", "date", "distance")
MAX_VALUES = 50  # values of one repeated parameter: enough for any form, bounded for the SQL
MAX_TEXT = 200


class Args(Protocol):
    """Query arguments as Flask/werkzeug hands them over (a MultiDict)."""

    def getlist(self, key: str) -> list[str]: ...

    def __iter__(self) -> Any: ...


@dataclass(frozen=True)
class FilterParam:
    """One query parameter of the filter model, as documented in the OpenAPI document."""

    name: str
    attr: str
    description: str
    repeatable: bool
    schema: dict[str, Any]
    codelist: str | None = None
    listing: bool = False  # orders or counts a listing (API, search page), filters nothing


def _code_schema(name: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(codelist(name).codes)}


def filter_params() -> tuple[FilterParam, ...]:
    """The filter parameters in documentation order."""
    return (
        FilterParam("provider", "providers", "Nur Angebote dieser Anbieter (Kurzname/slug); "
                    "wiederholbar (oder)", True, {"type": "string", "maxLength": 64}),
        FilterParam("municipality", "municipalities", "Nur Angebote mit einem Termin in dieser "
                    "Gemeinde (8-stelliger AGS einer Gemeinde des Kreises); wiederholbar (oder)",
                    True, {"type": "string", "pattern": r"^\d{8}$"}),
        FilterParam("life_phase", "life_phases", "Nur Angebote für diese Lebensphase (Code); "
                    "Angebote mit „alle“ passen zu jeder; wiederholbar (oder)", True,
                    _code_schema("lebensphase"), "lebensphase"),
        FilterParam("mode", "modes", "Nur Angebote mit einem Termin in dieser Lernform (Code); "
                    "wiederholbar (oder)", True, _code_schema("lernform"), "lernform"),
        FilterParam("from", "date_from", "Nur Angebote mit einem Termin am oder nach diesem Tag "
                    "(JJJJ-MM-TT); Angebote ohne Datum (laufender Einstieg) passen immer", False,
                    {"type": "string", "format": "date"}),
        FilterParam("to", "date_to", "Nur Angebote mit einem Termin am oder vor diesem Tag "
                    "(JJJJ-MM-TT)", False, {"type": "string", "format": "date"}),
        FilterParam("q", "q", "Freitext: jedes Wort muss vorkommen, in Titel, Beschreibung, "
                    "Schlagwörtern, Anbieter oder Ort; gebeugte Formen (Kurs, Kurse), Groß-/"
                    "Kleinschreibung und Umlaut-Schreibweisen (ü = ue) finden einander, ein Wort "
                    "auch als Anfang eines längeren (engl → Englischkurs); `%` und `_` sind "
                    "keine Platzhalter; HTML wird abgelehnt", False,
                    {"type": "string", "minLength": 1, "maxLength": MAX_TEXT}),
        FilterParam("modified_since", "modified_since", "Nur Angebote, die sich seitdem geändert "
                    "haben: Millisekunden-Stempel (wie `modified` im RPDE-Feed) oder Datum/Zeit "
                    "nach ISO 8601 (UTC, wenn ohne Zeitzone)", False, {"type": "string"}),
        FilterParam("topic", "topics", "Nur Angebote dieses Themenbereichs (Code); wiederholbar "
                    "(oder)", True, _code_schema("themenbereich"), "themenbereich"),
        FilterParam("language", "languages", "Nur Angebote in dieser Sprache (ISO-639-Code); "
                    "wiederholbar (oder)", True, _code_schema("sprache"), "sprache"),
        FilterParam("funding", "fundings", "Nur Angebote mit dieser Förderung (Code); "
                    "wiederholbar (oder)", True, _code_schema("foerderung"), "foerderung"),
        FilterParam("free", "free", "true: nur Angebote mit einem kostenlosen Termin", False,
                    {"type": "boolean"}),
        FilterParam("accessible", "accessible", "true: nur Angebote mit einem Termin an einem "
                    "barrierefreien Ort (barrierefrei_ort = ja)", False, {"type": "boolean"}),
        FilterParam("near", "near", "Nur Angebote mit einem Termin im Umkreis dieses Orts: "
                    "Gemeindeschlüssel (AGS), Postleitzahl oder Name einer Gemeinde des Kreises, "
                    "oder „Breite,Länge“ (WGS84); gemessen ab dem Ort des Termins, sonst der "
                    "Mitte seiner Gemeinde. Orte außerhalb des Kreises ergeben 400", False,
                    {"type": "string", "maxLength": 100}),
        FilterParam("radius_km", "radius_km", f"Umkreis um `near` in km (Standard "
                    f"{DEFAULT_RADIUS_KM:g}, höchstens {MAX_RADIUS_KM:g})", False,
                    {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_RADIUS_KM,
                     "default": DEFAULT_RADIUS_KM}),
        FilterParam("sort", "sort", "Reihenfolge: relevance (Rang der Textsuche, Treffer im "
                    "Titel zählen zehnfach; nur mit `q`), date (frühester Termin zuerst, Angebote "
                    "ohne Datum zuletzt), distance (nächster Termin zuerst; nur mit `near`); ohne "
                    "Angabe: relevance, wenn `q` gegeben ist, sonst date", False,
                    {"type": "string", "enum": list(SORTS)}, listing=True),
        FilterParam("facets", "facets", "true: die Antwort enthält `total` und `facets`, die "
                    "Zahl der Angebote je Wert, die dieselbe Suche mit diesem Wert dazu ergibt",
                    False, {"type": "boolean"}, listing=True),
    )


FILTER_NAMES = tuple(p.name for p in filter_params())
# The rules of the module docstring, for the OpenAPI document and the feeds page.
FILTER_RULES = ("Filter: verschiedene Parameter gelten zusammen (und), ein wiederholter Parameter "
                "heißt „oder“; Angebote mit Lebensphase „alle“ passen zu jeder Lebensphase; ein "
                "unbekannter Code, Anbieter oder Gemeindeschlüssel ergibt 400 (problem+json). "
                "Gemeinde, Lernform, Zeitraum, kostenlos, barrierefrei und Umkreis gelten für "
                "denselben Termin; Angebote ohne "
                "Termin (laufender Einstieg) passen zu jedem Zeitraum. Nur aktuelle Angebote, "
                "keine gelöschten. Dieselben Filter gelten für die Feeds.")


def check_text(name: str, value: str) -> None:
    # A NUL byte breaks PostgreSQL's text protocol; no filter value has one legitimately.
    if "\x00" in value:
        raise bad_parameter(name, "Der Wert enthält ein Nullzeichen.")
    if len(value) > MAX_TEXT:
        raise bad_parameter(name, f"Höchstens {MAX_TEXT} Zeichen.")


def _slug(param: FilterParam, value: str) -> str:
    if not value or len(value) > 64:
        raise bad_parameter(param.name, "Erwartet wird der Kurzname (slug) eines Anbieters.")
    return value


def _municipality(param: FilterParam, value: str) -> str:
    if value not in municipality_by_ags():
        raise bad_parameter(param.name, "Erwartet wird der 8-stellige Gemeindeschlüssel (AGS) "
                                        "einer Gemeinde des Kreises, z. B. 06431002.")
    return value


def _code(param: FilterParam, value: str) -> str:
    assert param.codelist is not None
    codes = codelist(param.codelist).codes
    if value not in codes:
        raise Problem(400, "invalid-parameter", f"Ungültiger Parameter „{param.name}“",
                      f"Unbekannter Code „{value}“; erlaubt sind: " + ", ".join(codes) + ".",
                      parameter=param.name, allowed=list(codes))
    return value


def _date(param: FilterParam, value: str) -> date:
    # fromisoformat alone also takes "20250901" and non-ASCII digits; the form is fixed.
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise bad_parameter(param.name, "Kein gültiges Datum; erwartet wird JJJJ-MM-TT.")


def _text(param: FilterParam, value: str) -> str:
    text = value.strip()
    if not text:
        raise bad_parameter(param.name, "Der Suchtext ist leer.")
    try:
        query_terms(text)
    except QueryError as exc:
        raise bad_parameter(param.name, str(exc)) from None
    return text


def _flag(param: FilterParam, value: str) -> bool:
    if value not in ("true", "false"):
        raise bad_parameter(param.name, "Erlaubt sind true und false.")
    return value == "true"


def _near(param: FilterParam, value: str) -> str:
    if not value.strip():
        raise bad_parameter(param.name, "Der Ort ist leer.")
    return value.strip()  # resolved with the database in OfferFilters._with_place


def _radius(param: FilterParam, value: str) -> float:
    try:
        return parse_radius(value)
    except PlaceError as exc:
        raise bad_parameter(param.name, str(exc)) from None


def _sort(param: FilterParam, value: str) -> str:
    if value not in SORTS:
        raise bad_parameter(param.name, "Erlaubt sind: " + ", ".join(SORTS) + ".")
    return value


MAX_STAMP = 2**63 - 1


def _stamp(param: FilterParam, value: str) -> int:
    """A millisecond stamp, or an ISO 8601 date / date-time (UTC unless an offset is given)."""
    if re.fullmatch(r"[0-9]{1,19}", value) and int(value) <= MAX_STAMP:
        return int(value)
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            moment = datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
        elif value.isascii() and re.match(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T", value):
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
        else:
            raise ValueError(value)
    except ValueError:
        raise bad_parameter(param.name, "Erwartet wird ein Millisekunden-Stempel oder ein Datum "
                                        "nach ISO 8601, z. B. 2025-09-01 oder "
                                        "2025-09-01T08:00:00+02:00.") from None
    return int(moment.timestamp() * 1000)


PARSERS: dict[str, Callable[[FilterParam, str], Any]] = {
    "provider": _slug, "municipality": _municipality, "life_phase": _code, "mode": _code,
    "from": _date, "to": _date, "q": _text, "modified_since": _stamp,
    "topic": _code, "language": _code, "funding": _code, "free": _flag, "accessible": _flag,
    "near": _near, "radius_km": _radius, "sort": _sort, "facets": _flag,
}
