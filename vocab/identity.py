"""Identities derived from an offer's content, shared by the hub (storage) and the feeds (IRIs).

A venue is keyed within its provider by the hash of its field values (hub.models.Venue,
unique per provider and key); the feeds build the venue's IRI from the same key, so the IRI
stays the same for as long as the stored venue does.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from operator import attrgetter
from typing import Any

from .records import VENUE_FIELDS, VenueRecord

_venue_values = attrgetter(*VENUE_FIELDS)


def plain(value: Any) -> Any:
    """A value as the content hash's JSON shows it (dates ISO, decimals without noise)."""
    if isinstance(value, (date, time, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    return value


def venue_key_of(values: Sequence[Any]) -> str:
    """A venue's identity within its provider: the hash of its field values (VENUE_FIELDS)."""
    raw = json.dumps([plain(v) for v in values], ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def venue_key(venue: VenueRecord) -> str:
    """venue_key_of a venue record: the `venue_key` the hub stores it under."""
    return venue_key_of(_venue_values(venue))
