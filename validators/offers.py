"""Typed rows -> OfferRecords: grouped by angebot_id, instances in file order."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from bildungsdaten.vocab.columns import COLUMNS
from bildungsdaten.vocab.records import (
    COURSE_FIELDS,
    INSTANCE_FIELDS,
    VENUE_FIELDS,
    InstanceRecord,
    OfferRecord,
    ProviderRecord,
    VenueRecord,
)

from .rows import IDX

_COURSE = tuple((f, IDX[f]) for f in COURSE_FIELDS)
_INSTANCE = tuple((f, IDX[f]) for f in INSTANCE_FIELDS if f not in ("price", "price_kind"))
_VENUE = tuple((f, IDX[f]) for f in VENUE_FIELDS)
_PRICE = IDX["price"]
_LISTS = frozenset(c.field for c in COLUMNS if c.is_list)


def _value(field: str, value: Any) -> Any:
    if field in _LISTS:
        return list(value) if value else []
    return value


def group_offers(rows: list[tuple[int, list[Any]]], provider: ProviderRecord) -> list[OfferRecord]:
    """One OfferRecord per angebot_id (first appearance order) with its instances."""
    offers: dict[str, OfferRecord] = {}
    for _row, vals in rows:
        angebot_id = vals[IDX["angebot_id"]]
        if angebot_id is None:
            continue
        offer = offers.get(angebot_id)
        if offer is None:
            owner = replace(
                provider,
                name=vals[IDX["provider_name"]] or provider.name,
                type=vals[IDX["provider_type"]] or provider.type,
                url=vals[IDX["provider_url"]] or provider.url,
            )
            course = {f: _value(f, vals[i]) for f, i in _COURSE}
            course["title"] = course["title"] or ""
            course["description"] = course["description"] or ""
            offer = offers[angebot_id] = OfferRecord(angebot_id=angebot_id, provider=owner,
                                                     **course)
        instance = InstanceRecord(**{f: _value(f, vals[i]) for f, i in _INSTANCE})
        price = vals[_PRICE]
        if price is not None:
            instance.price, instance.price_kind = price
        venue = VenueRecord(**{f: vals[i] for f, i in _VENUE})
        instance.venue = None if venue.is_empty() else venue
        offer.instances.append(instance)
    return list(offers.values())
