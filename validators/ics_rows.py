"""iCalendar in, as rows of the upload template: each dated event is one row. Pure.

Which dates are one offer (its `angebot_id`):
1. a UID series is always one offer: the event, its RRULE/RDATE dates and its RECURRENCE-ID
   overrides (an override may rename or move a date, it stays a date of its series);
2. series (and single events) whose SUMMARY is the same after normalising (case, spaces) are
   one offer too: a course entered as ten single appointments is one course.
The offer's id is "ics-" + a hash of that normalised title, so the next export of the same
calendar updates the same offers; each date's `termin_id` is a hash of its UID and its
RECURRENCE-ID (or start), so a date keeps its id when it moves.

Course-level fields (title, description, keywords, URL …) come from the offer's first date in
the file, as for a CSV's first row of an offer; a later date's own differing title or
description becomes that date's note (termin_hinweis). What a calendar cannot say (life phase, topic,
price, learning mode, language …) comes from the provider's `defaults` (column -> text), which
fill only empty cells. The address defaults are one block: they fill the venue only when the
event's LOCATION has no address (a room name in LOCATION is kept with the default address).
A column of DEFAULT_COLUMNS still empty afterwards is named once in the report (an error when
the column is required, a warning when recommended), besides what the row checks report.

LOCATION "Name, Straße 1, 64646 Ort" is split into ort_name, strasse, plz and ort where the
parts can be recognised; a postal code of the district without a town gets the municipality's
name (vocab). A LOCATION that is a web address is the online access (online_url); with no
address and no default learning mode such an event is `online_live`, an event with an address
`praesenz`. GEO gives lat/lon, CATEGORIES the keywords, STATUS:CANCELLED the status
`abgesagt` (the date stays listed as cancelled, as a CSV row with that status would).
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bildungsdaten.vocab.codelists import municipality_by_postal_code
from bildungsdaten.vocab.columns import COLUMNS

from .cells import parser_for
from .errors import (
    ERROR,
    CellTypeError,
    IgnoredElement,
    RecommendedMissing,
    RequiredError,
    ValidationError,
    make_error,
)
from .ics import Events, Occurrence, read_events

HEADER: tuple[str, ...] = tuple(c.name for c in COLUMNS)
_INDEX = {name: i for i, name in enumerate(HEADER)}
COURSE_COLUMNS = tuple(c.name for c in COLUMNS if c.level in ("course", "provider"))
VENUE_COLUMNS = ("ort_name", "strasse", "plz", "ort")
# What a provider may preset for its calendar uploads (the upload page's form).
DEFAULT_COLUMNS: tuple[str, ...] = (
    "lebensphase", "themenbereich", "angebotsform", "lernform", "preis", "preis_hinweis",
    "sprache", "zielgruppe", "abschlussart", "url", "kontakt_email", "kontakt_telefon",
    "ort_name", "strasse", "plz", "ort", "barrierefrei_ort")
_COLUMN = {c.name: c for c in COLUMNS}
_REQUIREMENT = {c.name: c.requirement for c in COLUMNS}
NOTE_MAX = 1000  # termin_hinweis's length in the template
UID_SHOWN = 60  # Outlook's UIDs are 100+ hex digits: the place shows their start

_PLZ_TOWN = re.compile(r"^(?:D-)?(\d{5})(?:\s+(.+))?$")
_HOUSE_NUMBER = re.compile(r"^[^\d]*[^\W\d].*?\s\d+\s*[a-zA-Z]?(?:\s*[-/]\s*\d+\s*[a-zA-Z]?)?$")
_STREET_WORD = re.compile(r"(?:straße|strasse|str\.|weg|platz|gasse|allee|ring|damm|pfad|"
                          r"ufer|markt|graben|anlage|hof)\b", re.IGNORECASE)
_ROOM_WORD = re.compile(r"\b(?:raum|saal|zimmer|etage|og|eg|ug|haus|gebäude|halle)\b|raum\b",
                        re.IGNORECASE)
_COUNTRIES = frozenset({"deutschland", "germany", "de"})
_SPACE = re.compile(r"\s+")
_ONLINE_PROPS = ("X-GOOGLE-CONFERENCE", "X-MICROSOFT-SKYPETEAMSMEETINGURL")


@dataclass
class CalendarRows:
    """The rows (header first, as the table readers give them), each row's place, and the
    problems found while reading the calendar (reported besides the row checks)."""

    rows: list[tuple[int, list[str]]]
    places: dict[int, str] = field(default_factory=dict)
    errors: list[ValidationError] = field(default_factory=list)


def read_calendar(data: bytes, *, max_events: int, defaults: Mapping[str, str] | None = None,
                  today: date | None = None) -> CalendarRows:
    """The template's rows for an .ics file; raises ics.CalendarBroken or ics.TooManyEvents."""
    events = read_events(data, max_events, today)
    defaults = {k: v.strip() for k, v in (defaults or {}).items() if v and v.strip()}
    result = CalendarRows(rows=[(0, list(HEADER))])
    keys = _offer_keys(events)
    firsts: dict[str, dict[str, str]] = {}
    number = 0
    for occurrence in events.occurrences:
        number += 1
        values = _fields(occurrence)
        angebot_id = keys[occurrence.uid]
        values["angebot_id"] = angebot_id
        _apply_defaults(values, defaults)
        course = firsts.setdefault(angebot_id, {c: values.get(c, "") for c in COURSE_COLUMNS})
        values["termin_hinweis"] = _own_note(values, course)
        values.update(course)
        result.rows.append((number, [values.get(name, "") for name in HEADER]))
        result.places[number] = _place(occurrence.position, occurrence.uid,
                                       occurrence.start if occurrence.recurring else None)
    for problem in events.problems:
        number += 1
        result.places[number] = _place(problem.position, problem.uid, None)
        if problem.kind == "start":
            result.errors.append(RequiredError(row=number, column="beginn_datum",
                                               detail="ics-start"))
        else:
            result.errors.append(CellTypeError(row=number, column="beginn_datum",
                                               value=problem.value, detail=f"ics-{problem.kind}"))
    for cut in events.cut:
        number += 1
        result.places[number] = _place(cut.position, cut.uid, None)
        result.errors.append(IgnoredElement(row=number, value=cut.summary, detail="ics-series",
                                            params={"count": cut.taken,
                                                    "until": cut.until.strftime("%d.%m.%Y")}))
    result.errors.extend(_still_missing(result.rows[1:]))
    return result


def check_default(name: str, text: str, lang: str = "de") -> str | None:
    """Why `text` cannot be the provider's default of column `name` (the same cell check as
    an upload's), or None when it can."""
    if name not in DEFAULT_COLUMNS:
        raise KeyError(name)
    text = text.strip()
    if not text:
        return None
    parse, _memo = parser_for(_COLUMN[name])
    _value, problems = parse(text)
    for code, detail, params in problems or ():
        error = make_error(code, column=name, value=text, detail=detail, params=params)
        if error.severity == ERROR:
            return error.message(lang)
    return None


def _offer_keys(events: Events) -> dict[str, str]:
    """UID -> angebot_id: by the series' normalised title (its master's SUMMARY)."""
    return {uid: "ics-" + _hash(_normal(title) or f"uid:{uid}", 12)
            for uid, title in events.titles.items()}


def _fields(occurrence: Occurrence) -> dict[str, str]:
    """The template's cells of one date (empty where the calendar says nothing)."""
    component = occurrence.component
    values: dict[str, str] = {
        "titel": _text(component, "SUMMARY"),
        "beschreibung": _text(component, "DESCRIPTION"),
        "schlagworte": "|".join(_categories(component)),
        "url": _text(component, "URL"),
    }
    recurrence = component.get("RECURRENCE-ID")
    identity = recurrence.dt if recurrence is not None else occurrence.start
    values["termin_id"] = "ics-" + _hash(f"{occurrence.uid}|{_iso(identity)}", 16)
    start, end = occurrence.start, occurrence.end
    values["beginn_datum"] = _day(start).isoformat()
    if isinstance(start, datetime):
        values["uhrzeit_von"] = start.strftime("%H:%M")
    if end is not None:
        values["ende_datum"] = _day(end).isoformat()
        if isinstance(end, datetime):
            values["uhrzeit_bis"] = end.strftime("%H:%M")
    if _text(component, "STATUS").upper() == "CANCELLED":
        values["status"] = "abgesagt"
    values.update(venue(_text(component, "LOCATION")))
    for name in _ONLINE_PROPS:
        if not values.get("online_url") and _text(component, name).startswith("https://"):
            values["online_url"] = _text(component, name)
    try:
        geo = component.get("GEO")
        if geo is not None:
            values["lat"], values["lon"] = f"{geo.latitude:.6f}", f"{geo.longitude:.6f}"
    except Exception:  # noqa: BLE001, S110 - an unreadable GEO: the address still places it
        pass
    return values


def venue(location: str) -> dict[str, str]:
    """LOCATION split into venue cells (name, street, postal code, town) or an online URL."""
    text = location.strip()
    if not text:
        return {}
    if re.match(r"^https?://\S+$", text):
        return {"online_url": text}
    values: dict[str, str] = {}
    parts = [p.strip() for p in re.split(r"[,;\n]", text)]
    parts = [p for p in parts if p and p.lower() not in _COUNTRIES]
    # The street: a part with a street word and a number, else "Name 12" that is no room.
    street = next((p for p in parts if _STREET_WORD.search(p) and _HOUSE_NUMBER.match(p)),
                  None) or next((p for p in parts if _HOUSE_NUMBER.match(p)
                                 and not _ROOM_WORD.search(p) and not _PLZ_TOWN.match(p)), None)
    names: list[str] = []
    for part in parts:
        plz_town = _PLZ_TOWN.match(part)
        if plz_town and "plz" not in values:
            values["plz"] = plz_town.group(1)
            if plz_town.group(2):
                values["ort"] = plz_town.group(2).strip()
        elif part == street and "strasse" not in values:
            values["strasse"] = part
        else:
            names.append(part)
    if names:
        values["ort_name"] = ", ".join(names)
    if values.get("plz") and not values.get("ort"):
        municipality = municipality_by_postal_code().get(values["plz"])
        if municipality is not None:
            values["ort"] = municipality.short_name
    return values


def _own_note(values: dict[str, str], course: dict[str, str]) -> str:
    """What a date says beyond its offer (a renamed or re-described override, a differently
    described appointment of the same title): kept as the date's note, not lost."""
    parts = [values[name] for name in ("titel", "beschreibung") if values.get(name)
             and _normal(values[name]) != _normal(course.get(name, ""))]
    note = " – ".join(parts)
    return note if len(note) <= NOTE_MAX else note[:NOTE_MAX - 1] + "…"


def _apply_defaults(values: dict[str, str], defaults: Mapping[str, str]) -> None:
    """Fill empty cells from the provider's defaults (the address only as a whole)."""
    has_address = any(values.get(c) for c in ("strasse", "plz", "ort"))
    for name, text in defaults.items():
        if name in VENUE_COLUMNS:
            continue
        if not values.get(name):
            values[name] = text
    if not has_address and any(defaults.get(c) for c in VENUE_COLUMNS):
        room = values.get("ort_name", "")
        for name in VENUE_COLUMNS:
            values[name] = defaults.get(name, "")
        if room and room != values["ort_name"]:
            values["ort_name"] = ", ".join(p for p in (values["ort_name"], room) if p)
    if not values.get("lernform"):  # no default: what the event itself shows
        if has_address or values.get("strasse"):
            values["lernform"] = "praesenz"
        elif values.get("online_url"):
            values["lernform"] = "online_live"


def _still_missing(rows: list[tuple[int, list[str]]]) -> list[ValidationError]:
    """One entry per presettable required/recommended column that rows still leave empty."""
    errors: list[ValidationError] = []
    for name in DEFAULT_COLUMNS:
        requirement = _REQUIREMENT[name]
        if requirement not in ("P", "E"):
            continue
        index = _INDEX[name]
        count = sum(1 for _number, cells in rows if not cells[index])
        if not count:
            continue
        kind = RequiredError if requirement == "P" else RecommendedMissing
        errors.append(kind(column=name, detail="ics-default", params={"count": count}))
    return errors


def _place(position: int, uid: str, start: datetime | date | None) -> str:
    shown = uid if len(uid) <= UID_SHOWN else uid[:UID_SHOWN] + "…"
    place = f"VEVENT {position} (UID {shown})"
    if start is not None:  # one date of a series: which one
        place += ", Termin " + (start.strftime("%d.%m.%Y %H:%M") if isinstance(start, datetime)
                                else start.strftime("%d.%m.%Y"))
    return place


def _text(component: Any, name: str) -> str:
    value = component.get(name)
    if value is None:
        return ""
    if isinstance(value, list):  # a repeated property: the first
        value = value[0] if value else ""
    try:
        return str(value).strip()
    except Exception:  # noqa: BLE001 - a broken property: as if it were not there
        return ""


def _categories(component: Any) -> list[str]:
    found = component.get("CATEGORIES")
    if found is None:
        return []
    words: list[str] = []
    for prop in found if isinstance(found, list) else [found]:
        try:
            words.extend(str(c).strip() for c in getattr(prop, "cats", [prop]))
        except Exception:  # noqa: BLE001, S110 - unreadable categories: no keywords
            pass
    return [w for w in dict.fromkeys(words) if w]


def _normal(title: str) -> str:
    return _SPACE.sub(" ", title).strip().casefold()


def _hash(text: str, length: int) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:length]


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value)


def _day(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value
