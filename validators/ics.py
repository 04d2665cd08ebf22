"""iCalendar in: a provider's calendar export (.ics) read as dated events. Pure.

Parsed with `icalendar`; recurring series (RRULE, RDATE, EXDATE and RECURRENCE-ID overrides)
are expanded with `recurring-ical-events`, one series (one UID) at a time.

Limits, all checked before or while reading, never after:
- the file size, as for every upload (Limits.max_bytes);
- VEVENT components: counted in the raw bytes before anything is parsed, so 100,000 events
  are refused in milliseconds (Limits.max_events, the hub's ICS_MAX_EVENTS);
- dates after expansion: the same bound over all series;
- one series: at most SERIES_MAX_DATES dates, and none later than SERIES_HORIZON_DAYS after
  the day of the upload (an RRULE without COUNT/UNTIL never ends); a series cut there is
  named in a warning.

Time zones: TZID with an IANA name (Europe/Berlin), a Windows name as Outlook writes it
("W. Europe Standard Time", mapped to its IANA zone by icalendar's Windows table), or any
other name defined by a VTIMEZONE of the file. A TZID that is none of these is an error at
the event. UTC ("Z") is converted; floating times (no zone) are local time of X-WR-TIMEZONE
when the calendar names one, else Europe/Berlin. All-day events (VALUE=DATE) have dates only;
their DTEND is exclusive (RFC 5545), so a one-day event ends on its start day.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

BERLIN = ZoneInfo("Europe/Berlin")
SERIES_MAX_DATES = 1000
SERIES_HORIZON_DAYS = 548  # about 18 months: a programme is planned at most that far ahead
_VEVENT = re.compile(rb"^BEGIN:VEVENT\r?$", re.IGNORECASE | re.MULTILINE)
_BOM = b"\xef\xbb\xbf"


class CalendarBroken(Exception):
    """The file cannot be read as iCalendar; `detail` refines the message key (ics-broken,
    not-ics, ics-empty) and `reason` gives the parser's words."""

    def __init__(self, detail: str, reason: str = "") -> None:
        super().__init__(reason or detail)
        self.detail = detail
        self.reason = reason


class TooManyEvents(Exception):
    """More events (or dates, after expansion) than allowed; `count` is how many were seen."""

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(count)
        self.count = count
        self.limit = limit


@dataclass
class Occurrence:
    """One dated event: a single VEVENT, or one date of a series (its component is the
    override or a copy of the master with this date)."""

    component: Any
    position: int  # the VEVENT's position in the file (1 = first)
    uid: str
    start: datetime | date
    end: datetime | date | None
    recurring: bool


@dataclass
class Problem:
    """An event that cannot become a date: (position, uid, kind, value)."""

    position: int
    uid: str
    # "start" (no DTSTART), "value" (unreadable date or duration), "timezone" (unknown
    # TZID), "rrule" (a rule the library cannot expand)
    kind: str
    value: str = ""


@dataclass
class CutSeries:
    """A series with more dates than taken."""

    position: int
    uid: str
    summary: str
    taken: int
    until: date


@dataclass
class Events:
    """What a calendar holds: its dates in file order, the events that are broken, the
    series that were cut."""

    occurrences: list[Occurrence] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    cut: list[CutSeries] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)  # UID -> its master's SUMMARY


def looks_like_ics(head: bytes) -> bool:
    """True when the start of a file is an iCalendar object (BEGIN:VCALENDAR), in UTF-8 or
    in UTF-16 with a byte order mark (as some Windows tools save it)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head[:64].decode("utf-16", "ignore").encode()
    return head.removeprefix(_BOM).lstrip(b" \t\r\n")[:15].upper() == b"BEGIN:VCALENDAR"


def as_utf8(data: bytes) -> bytes:
    """The file as UTF-8 (RFC 5545's encoding): UTF-16 with a byte order mark and, where the
    bytes are not UTF-8, Windows-1252 (older Outlook exports) are converted first."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace").encode()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace").encode()
    return data.removeprefix(_BOM)


def count_events(data: bytes) -> int:
    """VEVENT components in the raw file (no parsing: the limit is checked first)."""
    return sum(1 for _ in _VEVENT.finditer(data))


def read_events(data: bytes, max_events: int, today: date | None = None) -> Events:
    """The calendar's dated events; raises CalendarBroken or TooManyEvents."""
    import icalendar

    if not looks_like_ics(data[:1024]):
        raise CalendarBroken("not-ics")
    data = as_utf8(data)
    found = count_events(data)
    if found > max_events:
        raise TooManyEvents(found, max_events)
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except Exception as exc:  # noqa: BLE001 - untrusted input: the parser raises many kinds
        raise CalendarBroken("ics-broken", _reason(exc)) from None
    floating = _zone_named(str(calendar.get("X-WR-TIMEZONE", "")).strip()) or BERLIN
    horizon = (today or datetime.now(BERLIN).date()) + timedelta(days=SERIES_HORIZON_DAYS)
    events = Events()
    series: dict[str, list[tuple[int, Any]]] = {}
    order: list[str] = []
    for position, component in enumerate(calendar.walk("VEVENT"), 1):
        uid = str(component.get("UID", "")).strip() or f"#{position}"  # no UID: its own series
        if uid not in series:
            series[uid] = []
            order.append(uid)
        series[uid].append((position, component))
    if not order:
        raise CalendarBroken("ics-empty")
    timezones = calendar.walk("VTIMEZONE")
    for uid in order:
        _expand(uid, series[uid], calendar, timezones, floating, horizon, events)
        if len(events.occurrences) > max_events:
            raise TooManyEvents(len(events.occurrences), max_events)
    return events


def _expand(uid: str, parts: list[tuple[int, Any]], calendar: Any, timezones: list[Any],
            floating: tzinfo, horizon: date, events: Events) -> None:
    """The dates of one UID: a single event, or a series with its overrides."""
    good: list[tuple[int, Any]] = []
    for position, component in parts:
        problem = _problem(component)
        if problem is not None:
            events.problems.append(Problem(position, uid, *problem))
        else:
            good.append((position, component))
    if not good:
        return
    masters = [(p, c) for p, c in good if c.get("RECURRENCE-ID") is None]
    events.titles[uid] = str((masters or good)[0][1].get("SUMMARY", "")).strip()
    recurring = any(c.get("RRULE") is not None or c.get("RDATE") is not None
                    for _p, c in masters)
    if not recurring:  # single events (and overrides without their master): as they are
        for position, component in good:
            start, end = _span(component, floating)
            events.occurrences.append(Occurrence(component, position, uid, start, end, False))
        return
    import icalendar
    import recurring_ical_events

    positions = {_recurrence_key(c): p for p, c in good if c.get("RECURRENCE-ID") is not None}
    first = masters[0][0] if masters else good[0][0]
    one = icalendar.Calendar()
    for name in ("VERSION", "PRODID", "X-WR-TIMEZONE"):
        if name in calendar:
            one.add(name, calendar[name])
    for timezone in timezones:
        one.add_component(timezone)
    for _position, component in good:
        one.add_component(component)
    limit = SERIES_MAX_DATES
    taken = 0
    try:
        for occurrence in islice(recurring_ical_events.of(one).all(), limit + 1):
            start, end = _span(occurrence, floating)
            if taken == limit or _day(start) > horizon:
                summary = str(masters[0][1].get("SUMMARY", "")) if masters else ""
                last = _day(events.occurrences[-1].start) if taken else horizon
                events.cut.append(CutSeries(first, uid, summary, taken, last))
                break
            position = positions.get(_recurrence_key(occurrence), first)
            events.occurrences.append(Occurrence(occurrence, position, uid, start, end, True))
            taken += 1
    except Exception as exc:  # noqa: BLE001 - a rule the library cannot expand
        events.problems.append(Problem(first, uid, "rrule", _reason(exc)))


def _problem(component: Any) -> tuple[str, str] | None:
    """Why an event cannot be placed in time, or None."""
    if component.get("DTSTART") is None:
        return "start", ""
    for name in ("DTSTART", "DTEND", "DURATION", "RECURRENCE-ID"):
        prop = component.get(name)
        if prop is None or isinstance(prop, list):
            continue
        try:
            value = prop.dt
        except Exception:  # noqa: BLE001 - icalendar keeps an unreadable value as "broken"
            return "value", f"{name}:{_raw(prop)}"
        if name == "DURATION":
            continue
        tzid = str(prop.params.get("TZID", "")) if hasattr(prop, "params") else ""
        if not isinstance(value, (datetime, date)):
            return "value", f"{name}:{value}"
        # icalendar leaves a time naive when it knows no zone of that TZID.
        if isinstance(value, datetime) and tzid and value.tzinfo is None \
                and _zone_named(tzid) is None:
            return "timezone", tzid
    return None


def _raw(prop: Any) -> str:
    """The text of a property as the file has it (for the report)."""
    try:
        raw = prop.to_ical()
    except Exception:  # noqa: BLE001 - a broken property may not serialise either
        return ""
    return (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw))[:80]


def _zone_named(tzid: str) -> tzinfo | None:
    """The zone of an IANA or Windows (Outlook) time zone name, or None."""
    from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

    name = tzid.strip().strip('"')
    if not name:
        return None
    name = WINDOWS_TO_OLSON.get(name, name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _local(value: datetime | date, prop: Any, floating: tzinfo) -> datetime | date:
    """A date as is; a date-time in Europe/Berlin local time."""
    if not isinstance(value, datetime):
        return value
    tzid = str(prop.params.get("TZID", "")) if prop is not None and hasattr(prop, "params") else ""
    named = _zone_named(tzid) if tzid else None
    if value.tzinfo is None:  # a zone icalendar did not resolve, or floating time
        value = value.replace(tzinfo=named or floating)
    elif named is not None and not isinstance(value.tzinfo, ZoneInfo):
        value = value.replace(tzinfo=named)  # an IANA zone's rules beat a VTIMEZONE copy
    return value.astimezone(BERLIN)


def _span(component: Any, floating: tzinfo) -> tuple[datetime | date, datetime | date | None]:
    """Start and end of one event in Europe/Berlin (DTEND, else DTSTART + DURATION)."""
    start_prop = component["DTSTART"]
    start = _local(start_prop.dt, start_prop, floating)
    end_prop = component.get("DTEND")
    end: datetime | date | None = None
    if end_prop is not None and isinstance(getattr(end_prop, "dt", None), (datetime, date)):
        end = _local(end_prop.dt, end_prop, floating)
    elif component.get("DURATION") is not None:
        duration = component["DURATION"].dt
        if isinstance(duration, timedelta):
            end = start + duration
    if end is not None and not isinstance(start, datetime) and not isinstance(end, datetime):
        end = end - timedelta(days=1) if end > start else start  # DTEND of a day is exclusive
    return start, end


def _day(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _recurrence_key(component: Any) -> str:
    prop = component.get("RECURRENCE-ID")
    if prop is None:
        return ""
    value = prop.dt
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(BERLIN).isoformat()
    return value.isoformat()


def _reason(exc: Exception) -> str:
    """The parser's words, short (they end up in a one-line message)."""
    text = " ".join(str(exc).split())[:160]
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__
