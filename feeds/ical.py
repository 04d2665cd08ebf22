"""Offers as an iCalendar subscription (RFC 5545): one VEVENT per dated course instance.

Pure: records in, bytes out (the `icalendar` package writes the format). Times are local
times of Europe/Berlin, sent with TZID and the VTIMEZONE the calendar needs; dates without a
time become all-day events. UIDs are stable (offer identity + instance key + host), so a
calendar that subscribed updates an event instead of adding a second one; a cancelled date
keeps its UID with STATUS:CANCELLED.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar

from ..vocab.codelists import codelist
from ..vocab.records import InstanceRecord, OfferRecord, VenueRecord
from .jsonld import offer_iri

ICAL_MEDIA_TYPE = "text/calendar"
BERLIN = ZoneInfo("Europe/Berlin")
PRODUCT_ID = "-//Bildungsdaten-Hub//Angebote//DE"
_ICAL_STATUS = {"abgesagt": "CANCELLED", "verschoben": "TENTATIVE"}


def event_uid(record: OfferRecord, inst: InstanceRecord, base_uri: str) -> str:
    """The stable UID of one dated instance."""
    host = urlsplit(base_uri).hostname or "bildungsdaten-hub"
    return f"{record.feed_id}#{inst.key}@{host}"


def _location(venue: VenueRecord | None, online: bool) -> str | None:
    if venue is None or venue.is_empty():
        return "online" if online else None
    place = " ".join(p for p in (venue.postal_code, venue.locality) if p)
    return ", ".join(p for p in (venue.venue_name, venue.street, place) if p) or None


def _event(record: OfferRecord, inst: InstanceRecord, base_uri: str) -> icalendar.Event | None:
    if inst.start_date is None:
        return None  # rolling entry without a date: nothing to put into a calendar
    event = icalendar.Event()
    event.add("uid", event_uid(record, inst, base_uri))
    # DTSTAMP from the offer's last change, not the request's time: the same data gives the
    # same bytes, so ETags hold and calendars see a change only when there is one.
    changed = datetime.fromtimestamp((record.modified or 0) / 1000, UTC).replace(microsecond=0)
    event.add("dtstamp", changed)
    event.add("last-modified", changed)
    title = record.title
    status = inst.status or "geplant"
    if status not in ("geplant", "abgesagt"):
        title = f"{title} ({_label('status', status)})"
    event.add("summary", title)
    end_date = inst.end_date or inst.start_date
    if inst.start_time is not None:
        event.add("dtstart", datetime.combine(inst.start_date, inst.start_time, BERLIN))
        # A course over several days at the same hours: the first session, repeated is said
        # in the description (its exact rhythm is in schedule_note / weekdays).
        end_time = inst.end_time or inst.start_time
        event.add("dtend", datetime.combine(inst.start_date, end_time, BERLIN))
    else:
        event.add("dtstart", inst.start_date)
        event.add("dtend", end_date + timedelta(days=1))  # DTEND of all-day events is exclusive
    url = offer_iri(base_uri, record.provider.slug, record.angebot_id)
    event.add("url", url)
    lines = [record.provider.name]
    if inst.start_time is not None and end_date != inst.start_date:
        lines.append(f"Bis {end_date:%d.%m.%Y}"
                     + (f", {inst.sessions} Termine" if inst.sessions else ""))
    if inst.schedule_note:
        lines.append(inst.schedule_note)
    lines += [record.description[:1000], url]
    event.add("description", "\n".join(line for line in lines if line))
    online = inst.mode in ("online_live", "online_selbstlern")
    location = _location(inst.venue, online)
    if location:
        event.add("location", location)
    if inst.venue is not None and inst.venue.lat is not None and inst.venue.lon is not None:
        event.add("geo", (float(inst.venue.lat), float(inst.venue.lon)))
    event.add("status", _ICAL_STATUS.get(status, "CONFIRMED"))
    if record.topic:
        event.add("categories", [_label("themenbereich", record.topic)])
    return event


def _label(scheme: str, code: str) -> str:
    concept = codelist(scheme).get(code)
    return concept.label("de") if concept is not None else code


def offers_to_ical(batches: Iterable[Iterable[OfferRecord]], base_uri: str, name: str,
                   description: str | None = None) -> bytes:
    """One VCALENDAR with a VEVENT for every dated instance of the offers, in order."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODUCT_ID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Berlin")
    if description:
        cal.add("x-wr-caldesc", description)
    for batch in batches:
        for record in batch:
            for inst in record.instances:
                event = _event(record, inst, base_uri)
                if event is not None:
                    cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def first_date(record: OfferRecord) -> date | None:
    """The earliest start date of an offer's instances (None without dates)."""
    starts = [i.start_date for i in record.instances if i.start_date]
    return min(starts) if starts else None
