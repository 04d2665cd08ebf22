"""Offers as rows of the upload template (one row per course instance), streamed.

The file re-imports through the validators unchanged: German dates (TT.MM.JJJJ), decimal
comma, lists joined with "|", ja/nein, prices as "89,00" / "kostenlos" / "auf Anfrage",
`;` as delimiter. Cells that a spreadsheet would run as a formula are neutralised. After the
template's columns come the feed's own (vocab.feed_columns): provider, the offer's hub URL
and the row's licence, so rows are told apart across providers.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, time
from decimal import Decimal
from typing import Any

from ..vocab.columns import COLUMNS, Column
from ..vocab.feed_columns import FEED_COLUMN_NAMES
from ..vocab.records import (
    PRICE_AMOUNT,
    PRICE_FREE,
    PRICE_ON_REQUEST,
    InstanceRecord,
    OfferRecord,
    VenueRecord,
)
from ..vocab.table_schema import (
    CSV_DELIMITER,
    LIST_SEPARATOR,
    PRICE_FREE_TEXT,
    PRICE_ON_REQUEST_TEXT,
)
from .jsonld import licence_of, offer_iri

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff".encode()
HEADER: tuple[str, ...] = tuple(c.name for c in COLUMNS) + FEED_COLUMN_NAMES
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Numbers and phone numbers ("-5", "+49 6252 12345") start like formulas but cannot call
# anything; leaving them intact keeps the round trip exact.
_HARMLESS = re.compile(r"^[+-]?[\d\s()/.,-]*$")


def neutralise(cell: str) -> str:
    """A cell made safe for spreadsheets (OWASP CSV injection): prefix formulas with "'"."""
    if cell.startswith(_FORMULA_START) and not _HARMLESS.match(cell):
        return "'" + cell
    return cell


def german_decimal(value: Decimal, places: int | None = None) -> str:
    """Decimal comma, no grouping: 1250.5 -> "1250,5"; with places=2 -> "1250,50"."""
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
    elif value == value.to_integral():
        value = value.quantize(Decimal(1))
    else:
        value = value.normalize()
    return format(value, "f").replace(".", ",")


def _format(col: Column, value: Any) -> str:
    if value is None or value == []:
        return ""
    if col.is_list:
        return LIST_SEPARATOR.join(neutralise(str(v)) for v in value)
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, Decimal):
        return german_decimal(value, 2 if col.kind == "price" or col.field == "reduced_price"
                              else None)
    return neutralise(str(value))


def _price_cell(inst: InstanceRecord) -> str:
    if inst.price_kind == PRICE_FREE:
        return PRICE_FREE_TEXT
    if inst.price_kind == PRICE_ON_REQUEST:
        return PRICE_ON_REQUEST_TEXT
    if inst.price_kind == PRICE_AMOUNT and inst.price is not None:
        return german_decimal(inst.price, 2)
    return ""


def _getter(col: Column) -> Callable[[OfferRecord, InstanceRecord, VenueRecord], Any]:
    if col.kind == "price":
        return lambda o, i, v: _price_cell(i)
    if col.level == "course":
        return lambda o, i, v: getattr(o, col.field)
    if col.level == "provider":
        attr = col.field.removeprefix("provider_")
        return lambda o, i, v: getattr(o.provider, attr)
    if col.level == "venue":
        return lambda o, i, v: getattr(v, col.field)
    return lambda o, i, v: getattr(i, col.field)


_GETTERS = [(c, _getter(c)) for c in COLUMNS]
_EMPTY_VENUE = VenueRecord()


def offer_to_template_rows(record: OfferRecord) -> list[list[str]]:
    """The rows of one offer in the upload template's columns only: one per instance (one
    with blank instance cells if none); they re-import as the same offer."""
    rows = []
    for inst in record.instances or [InstanceRecord()]:
        venue = inst.venue or _EMPTY_VENUE
        rows.append([cell if col.kind == "price" else _format(col, cell)
                     for col, get in _GETTERS for cell in (get(record, inst, venue),)])
    return rows


def offer_to_csv_rows(record: OfferRecord, base_uri: str,
                      default_licence: str | None = None) -> list[list[str]]:
    """The CSV rows of one offer: its template rows, each ending in the feed columns
    (provider slug, hub URL under `base_uri`, licence, provenance)."""
    feed_cells = [neutralise(record.provider.slug),
                  offer_iri(base_uri, record.provider.slug, record.angebot_id),
                  licence_of(record, default_licence) or "",
                  neutralise(record.source.url) if record.source is not None else ""]
    return [row + feed_cells for row in offer_to_template_rows(record)]


def stream_csv(batches: Iterable[Iterable[OfferRecord]], base_uri: str,
               default_licence: str | None = None, bom: bool = False) -> Iterator[bytes]:
    """The offers CSV (header + rows, `;`, CRLF, UTF-8) as chunks, one per batch; hub URLs
    under `base_uri`, `default_licence` for providers that name none."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(HEADER)
    yield (BOM if bom else b"") + buffer.getvalue().encode()
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        for record in batch:
            writer.writerows(offer_to_csv_rows(record, base_uri, default_licence))
        if buffer.tell():
            yield buffer.getvalue().encode()
