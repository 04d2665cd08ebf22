"""The offers CSV described for machines: Frictionless Table Schema / Data Package and CSVW,
generated from vocab.columns (one declaration drives template, validators and feeds) and, for
the feed, vocab.feed_columns (provider, hub URL, licence after the template's columns)."""
from __future__ import annotations

import re
from typing import Any

from .codelists import codelist
from .columns import COLUMNS, Column
from .feed_columns import FEED_COLUMNS

# The feed's columns: the upload template's, then the ones the hub adds.
FEED_CSV_COLUMNS: tuple[Column, ...] = COLUMNS + FEED_COLUMNS

CSV_DELIMITER = ";"
LIST_SEPARATOR = "|"
# The CSV feed writes prices as "89,00", or one of these two words.
PRICE_FREE_TEXT = "kostenlos"
PRICE_ON_REQUEST_TEXT = "auf Anfrage"
PRICE_PATTERN = r"^(?:\d+,\d{2}|kostenlos|auf Anfrage)$"


def _codes_pattern(col: Column) -> str:
    alternatives = "|".join(re.escape(code) for code in codelist(col.codelist or "").codes)
    if col.is_list:
        return rf"^(?:{alternatives})(?:\|(?:{alternatives}))*$"
    return rf"^(?:{alternatives})$"


def _field(col: Column) -> dict[str, Any]:
    field: dict[str, Any] = {"name": col.name, "title": col.label_de,
                             "description": f"{col.label_de} / {col.label_en}"}
    constraints: dict[str, Any] = {}
    kind = col.kind
    if kind == "date":
        field.update(type="date", format="%d.%m.%Y")
    elif kind == "time":
        field.update(type="time", format="%H:%M")
    elif kind == "int":
        field["type"] = "integer"
    elif kind == "decimal":
        field.update(type="number", decimalChar=",", bareNumber=True)
    elif kind == "bool":
        field.update(type="boolean", trueValues=["ja"], falseValues=["nein"])
    else:
        field["type"] = "string"
        if kind == "url":
            field["format"] = "uri"
        elif kind == "email":
            field["format"] = "email"
        elif kind == "price":
            constraints["pattern"] = PRICE_PATTERN
        elif kind == "postal_code":
            constraints["pattern"] = r"^\d{5}$"
        elif kind == "ags":
            constraints["pattern"] = r"^\d{8}$"
        elif kind == "code" and col.codelist:
            constraints["pattern"] = _codes_pattern(col)
        if col.max_length:
            constraints["maxLength"] = col.max_length
    if col.required:
        constraints["required"] = True
    if constraints:
        field["constraints"] = constraints
    return field


def offers_table_schema() -> dict[str, Any]:
    """The Frictionless Table Schema of the upload template (header = the German column
    names)."""
    return {"fields": [_field(c) for c in COLUMNS], "missingValues": [""]}


def feed_table_schema() -> dict[str, Any]:
    """The Frictionless Table Schema of the offers CSV feed: the template's columns, then
    provider, hub URL and licence."""
    return {"fields": [_field(c) for c in FEED_CSV_COLUMNS], "missingValues": [""]}


# Short names of the licences a hub is likely to use, keyed by their IRI without scheme or
# trailing slash (both spellings occur: govdata.de and the dcat-ap.de licence list).
_LICENCE_NAMES = {
    "www.govdata.de/dl-de/by-2-0": "dl-de-by-2.0",
    "dcat-ap.de/def/licenses/dl-by-de/2.0": "dl-de-by-2.0",
    "www.govdata.de/dl-de/zero-2-0": "dl-de-zero-2.0",
    "dcat-ap.de/def/licenses/dl-zero-de/2.0": "dl-de-zero-2.0",
    "creativecommons.org/licenses/by/4.0": "CC-BY-4.0",
    "dcat-ap.de/def/licenses/cc-by/4.0": "CC-BY-4.0",
    "creativecommons.org/licenses/by-sa/4.0": "CC-BY-SA-4.0",
    "dcat-ap.de/def/licenses/cc-by-sa/4.0": "CC-BY-SA-4.0",
    "creativecommons.org/publicdomain/zero/1.0": "CC0-1.0",
    "dcat-ap.de/def/licenses/cc-zero": "CC0-1.0",
}


def licence_entry(licence_url: str, licence_title: str) -> dict[str, str]:
    """A Data Package licence: its short name only when the IRI is a known licence (a wrong
    name would contradict the path), always path and title."""
    key = licence_url.strip().split("://", 1)[-1].rstrip("/").lower()
    entry = {"path": licence_url, "title": licence_title}
    name = _LICENCE_NAMES.get(key)
    return {"name": name, **entry} if name else entry


def data_package(csv_path: str, *, title: str, description: str, licence_url: str,
                 licence_title: str, homepage: str | None = None) -> dict[str, Any]:
    """A Frictionless (tabular) Data Package with one resource, the offers CSV at `csv_path`."""
    package: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": "bildungsangebote",
        "title": title,
        "description": description,
        "licenses": [licence_entry(licence_url, licence_title)],
        "resources": [{
            "name": "angebote",
            "path": csv_path,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": {"delimiter": CSV_DELIMITER, "header": True, "doubleQuote": True,
                        "lineTerminator": "\r\n"},
            "schema": feed_table_schema(),
        }],
    }
    if homepage:
        package["homepage"] = homepage
    return package


def _csvw_datatype(col: Column) -> Any:
    kind = col.kind
    if kind == "date":
        return {"base": "date", "format": "dd.MM.yyyy"}
    if kind == "time":
        return {"base": "time", "format": "HH:mm"}
    if kind == "int":
        return "integer"
    if kind == "decimal":
        return {"base": "decimal", "format": {"decimalChar": ",", "groupChar": ""}}
    if kind == "bool":
        return {"base": "boolean", "format": "ja|nein"}
    if kind == "url":
        return "anyURI"
    if kind == "price":
        return {"base": "string", "format": PRICE_PATTERN[1:-1]}
    if kind in ("postal_code",):
        return {"base": "string", "format": r"\d{5}"}
    if kind in ("ags",):
        return {"base": "string", "format": r"\d{8}"}
    if col.max_length:
        return {"base": "string", "maxLength": col.max_length}
    return "string"


def csvw_metadata(csv_url: str) -> dict[str, Any]:
    """CSVW metadata (W3C "Metadata Vocabulary for Tabular Data") for the CSV feed at
    `csv_url`."""
    columns = []
    for col in FEED_CSV_COLUMNS:
        column: dict[str, Any] = {"name": col.name, "titles": [col.name],
                                  "dc:description": f"{col.label_de} / {col.label_en}",
                                  "datatype": _csvw_datatype(col), "required": col.required}
        if col.is_list:
            column["separator"] = LIST_SEPARATOR
        columns.append(column)
    return {
        "@context": "http://www.w3.org/ns/csvw",
        "url": csv_url,
        "dc:title": "Bildungsangebote",
        "dialect": {"delimiter": CSV_DELIMITER, "header": True, "encoding": "utf-8",
                    "lineTerminator": "\r\n"},
        "tableSchema": {"columns": columns},
    }
