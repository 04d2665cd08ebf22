"""The slow, obvious reference of the offer pipeline's content hash, for tests only.

The hub hashes offers from JSON fragments as rows stream in (hub.offers.rows.OfferDigest);
this builds the same SHA-256 the plain way, from a whole OfferRecord: the JSON list
[provider name, course values, instance 1 values, venue 1 values or null, …], with dates as
ISO text and decimals without trailing noise. Tests compare the fast path against it.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from bildungsdaten.hub.offers.rows import plain
from bildungsdaten.vocab.records import COURSE_FIELDS, INSTANCE_FIELDS, VENUE_FIELDS, OfferRecord


def _values(obj: Any, names: tuple[str, ...]) -> list[Any]:
    return [plain(getattr(obj, name)) for name in names]


def content_hash(record: OfferRecord) -> str:
    """The content hash of `record`, computed without any of the hub's fast paths."""
    parts: list[Any] = [record.provider.name, _values(record, COURSE_FIELDS)]
    for inst in record.instances:
        parts.append(_values(inst, INSTANCE_FIELDS))
        parts.append(None if inst.venue is None else _values(inst.venue, VENUE_FIELDS))
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()
