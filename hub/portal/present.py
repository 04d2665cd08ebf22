"""How offers read to a citizen: labels, dates, prices, places and states in plain German.

Pure functions over vocab.records (no Flask, no database), shared by every portal template.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from ...vocab.codelists import codelist, municipality_by_ags
from ...vocab.records import PRICE_FREE, PRICE_ON_REQUEST, InstanceRecord, OfferRecord

BERLIN = ZoneInfo("Europe/Berlin")  # the district's clock: "today", calendar times
WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
# A date's state in words (never colour alone); "geplant" says nothing a citizen needs.
STATUS_WORDS = {"abgesagt": "Abgesagt", "ausgebucht": "Ausgebucht",
                "warteliste": "Nur Warteliste", "verschoben": "Verschoben – neuer Termin folgt"}
ONLINE_MODES = {"online_live", "online_selbstlern", "fernunterricht"}


def label(scheme: str, code: str | None) -> str:
    """The German label of a code (the code itself when the list does not know it)."""
    if not code:
        return ""
    concept = codelist(scheme).get(code)
    return concept.label_de if concept else code


def labels(scheme: str, codes: list[str] | tuple[str, ...]) -> str:
    return ", ".join(label(scheme, c) for c in codes)


def german_date(value: date | None, weekday: bool = False) -> str:
    if value is None:
        return ""
    text = value.strftime("%d.%m.%Y")
    return f"{WEEKDAYS[value.weekday()]}, {text}" if weekday else text


def clock(value: time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def euro(amount: Decimal | float | None) -> str:
    """89.5 -> "89,50 €" (German decimal comma, thousands with a dot)."""
    if amount is None:
        return ""
    text = f"{Decimal(amount):,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{text} €"


def price_text(inst: InstanceRecord) -> str:
    if inst.price_kind == PRICE_FREE or (inst.price is not None and inst.price == 0):
        return "kostenlos"
    if inst.price_kind == PRICE_ON_REQUEST:
        return "auf Anfrage"
    return euro(inst.price)


def status_words(inst: InstanceRecord) -> str:
    """"" for a date that takes place as planned, else its state in words."""
    return STATUS_WORDS.get(inst.status or "", "")


def is_bookable(inst: InstanceRecord) -> bool:
    return inst.status not in ("abgesagt", "verschoben")


def time_text(inst: InstanceRecord) -> str:
    if not inst.start_time:
        return ""
    end = f"–{clock(inst.end_time)}" if inst.end_time else ""
    return f"{clock(inst.start_time)}{end} Uhr"


def when_text(inst: InstanceRecord) -> str:
    """"Montag, 08.09.2025 bis 15.12.2025, 18:30–20:00 Uhr" or "Einstieg jederzeit"."""
    if inst.start_date is None:
        return "Einstieg jederzeit möglich" if inst.rolling_entry else "Termin auf Anfrage"
    text = german_date(inst.start_date, weekday=True)
    if inst.end_date and inst.end_date != inst.start_date:
        text += f" bis {german_date(inst.end_date)}"
    if inst.start_time:
        text += f", {time_text(inst)}"
    return text


def place_text(inst: InstanceRecord) -> str:
    if inst.mode in ONLINE_MODES:
        return "online"
    venue = inst.venue
    if venue is None:
        return "online" if inst.online_url else ""
    locality = " ".join(p for p in (venue.postal_code, venue.locality) if p)
    return ", ".join(p for p in (venue.venue_name, venue.street, locality) if p)


def locality_text(inst: InstanceRecord) -> str:
    """The town alone, for result cards."""
    if inst.mode in ONLINE_MODES:
        return "online"
    venue = inst.venue
    if venue is None:
        return ""
    if venue.locality:
        return venue.locality
    known = municipality_by_ags().get(venue.ags or "")
    return known.short_name if known else ""


def next_instance(record: OfferRecord, today: date) -> InstanceRecord | None:
    """The next date still to come that takes place (else the next of any state, else the
    first): what a result card shows."""
    def upcoming(i: InstanceRecord) -> bool:
        return i.start_date is None or (i.end_date or i.start_date) >= today
    ordered = sorted(record.instances, key=lambda i: (i.start_date or date.min))
    for candidates in ([i for i in ordered if upcoming(i) and is_bookable(i)],
                       [i for i in ordered if upcoming(i)], ordered):
        if candidates:
            return candidates[0]
    return None


@dataclass(frozen=True)
class Badge:
    text: str
    kind: str  # "status" (something is wrong), "positive" or "" (a fact)


def badges(record: OfferRecord, inst: InstanceRecord | None) -> list[Badge]:
    """What a result card shows as badges: kostenlos, online, barrierefrei and the state."""
    out: list[Badge] = []
    if inst is not None:
        if price_text(inst) == "kostenlos":
            out.append(Badge("kostenlos", "positive"))
        if inst.mode in ONLINE_MODES or inst.mode in ("hybrid", "blended"):
            out.append(Badge(label("lernform", inst.mode), ""))
        if inst.venue and inst.venue.venue_accessible == "ja":
            out.append(Badge("barrierefrei", "positive"))
        elif inst.venue and inst.venue.venue_accessible == "teilweise":
            out.append(Badge("teilweise barrierefrei", ""))
        if status_words(inst):
            out.append(Badge(status_words(inst), "status"))
    return out


def age_text(record: OfferRecord) -> str:
    if record.min_age is not None and record.max_age is not None:
        return f"{record.min_age} bis {record.max_age} Jahre"
    if record.min_age is not None:
        return f"ab {record.min_age} Jahren"
    if record.max_age is not None:
        return f"bis {record.max_age} Jahre"
    return ""


def offer_path(feed_id: str) -> str:
    """/offers/<provider>/<angebot_id> with each part escaped for a URL."""
    slug, angebot_id = feed_id.split("/", 1)
    return f"/offers/{quote(slug, safe='')}/{quote(angebot_id, safe='')}"


def calendar_path(feed_id: str, index: int | None = None) -> str:
    slug, angebot_id = feed_id.split("/", 1)
    path = f"/kalender/{quote(slug, safe='')}/{quote(angebot_id, safe='')}.ics"
    return path if index is None else f"{path}?termin={index}"


TEMPLATE_HELPERS = {
    "label": label, "labels": labels, "german_date": german_date, "euro": euro,
    "price_text": price_text, "status_words": status_words, "when_text": when_text,
    "place_text": place_text, "locality_text": locality_text, "time_text": time_text,
    "badges": badges, "age_text": age_text, "offer_path": offer_path,
    "calendar_path": calendar_path, "is_bookable": is_bookable, "next_instance": next_instance,
}
