"""Calendar files (RFC 5545) for offer dates: one per date, or several for the watch list.

Times are local times in Europe/Berlin with that VTIMEZONE (built by the `icalendar` package
from the tz database); a date without a time is an all-day event.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

import icalendar

from ...vocab.records import InstanceRecord, OfferRecord
from .present import BERLIN, offer_path, place_text, price_text, status_words

PRODID = "-//Bildungsdaten-Hub//Bildungsangebote//DE"
MEDIA_TYPE = "text/calendar"
# Series the calendar can repeat by itself; others (block, irregular) show their first day.
RRULE_FREQ = {"taeglich": ("DAILY", 1), "woechentlich": ("WEEKLY", 1),
              "vierzehntaegig": ("WEEKLY", 2), "monatlich": ("MONTHLY", 1)}
ICS_STATUS = {"abgesagt": "CANCELLED", "verschoben": "TENTATIVE"}


def instance_event(record: OfferRecord, inst: InstanceRecord, base_uri: str,
                   stamp: datetime) -> icalendar.Event | None:
    """The event of one date of an offer; None for a date without a start (rolling entry)."""
    if inst.start_date is None:
        return None
    url = base_uri.rstrip("/") + offer_path(record.feed_id)
    event = icalendar.Event()
    host = urlsplit(base_uri).hostname or "bildungsdaten-hub"
    event.add("uid", f"{record.feed_id}/{inst.key}@{host}")
    event.add("dtstamp", stamp.astimezone(UTC))
    state = status_words(inst)
    event.add("summary", f"{state.upper()}: {record.title}" if inst.status == "abgesagt"
              else record.title)
    event.add("status", ICS_STATUS.get(inst.status or "", "CONFIRMED"))
    if inst.start_time is not None:
        start = datetime.combine(inst.start_date, inst.start_time, BERLIN)
        end_time = inst.end_time if inst.end_time and inst.end_time > inst.start_time else None
        event.add("dtstart", start)
        if end_time is not None:
            event.add("dtend", datetime.combine(inst.start_date, end_time, BERLIN))
        else:
            event.add("duration", timedelta(hours=1))
        _add_repeat(event, inst)
    else:  # all day: DTEND is the day after the last one (exclusive)
        last = inst.end_date if inst.end_date and inst.end_date >= inst.start_date \
            else inst.start_date
        event.add("dtstart", inst.start_date)
        event.add("dtend", last + timedelta(days=1))
    place = place_text(inst)
    if place:
        event.add("location", place)
    if inst.venue and inst.venue.lat is not None and inst.venue.lon is not None:
        event.add("geo", (float(inst.venue.lat), float(inst.venue.lon)))
    event.add("url", url)
    event.add("description", _description(record, inst, url, state))
    if record.provider.email:
        event.add("organizer", f"mailto:{record.provider.email}",
                  parameters={"CN": record.provider.name})
    return event


def _add_repeat(event: icalendar.Event, inst: InstanceRecord) -> None:
    rule = RRULE_FREQ.get(inst.rhythm or "")
    if rule is None or inst.start_date is None:
        return
    freq, interval = rule
    repeat: dict[str, object] = {"freq": freq}
    if interval > 1:
        repeat["interval"] = interval
    if inst.sessions:
        repeat["count"] = inst.sessions
    elif inst.end_date and inst.end_date > inst.start_date:
        # UNTIL is UTC when DTSTART has a time zone (RFC 5545 3.3.10).
        repeat["until"] = datetime.combine(inst.end_date, time(23, 59, 59), BERLIN) \
            .astimezone(UTC)
    else:
        return
    event.add("rrule", repeat)


def _description(record: OfferRecord, inst: InstanceRecord, url: str, state: str) -> str:
    lines = [f"Status: {state}"] if state else []
    lines.append(f"Anbieter: {record.provider.name}")
    price = price_text(inst)
    if price:
        lines.append(f"Preis: {price}")
    if inst.schedule_note:
        lines.append(inst.schedule_note)
    lines += ["", record.description[:1500], "", f"Alle Angaben und Anmeldung: {url}"]
    return "\n".join(lines)


def calendar(events: Iterable[icalendar.Event], name: str) -> bytes:
    """A VCALENDAR of `events` with the VTIMEZONE of every time zone they use."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    dates: list[date] = []
    for event in events:
        cal.add_component(event)
        start = event.decoded("dtstart")
        dates.append(start.date() if isinstance(start, datetime) else start)
    if dates:
        # The VTIMEZONE covers the events' years (with a margin for repeats and DST rules).
        cal.add_missing_timezones(first_date=min(dates) - timedelta(days=366),
                                  last_date=max(dates) + timedelta(days=2 * 366))
    return bytes(cal.to_ical())


def offer_calendar(records: Sequence[OfferRecord], base_uri: str, name: str,
                   only: int | None = None, now: datetime | None = None) -> bytes:
    """The calendar of `records`' dates (only date number `only` of a single offer)."""
    stamp = now or datetime.now(UTC)
    events = []
    for record in records:
        for index, inst in enumerate(record.instances):
            if only is not None and index != only:
                continue
            event = instance_event(record, inst, base_uri, stamp)
            if event is not None:
                events.append(event)
    return calendar(events, name)
