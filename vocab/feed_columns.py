"""Columns the offers CSV feed adds after the upload template's (vocab.columns).

A provider's `angebot_id` is unique only within that provider, so the feed names the provider
and the offer's page on the hub in every row, and the licence the row is published under
(the provider's, else the district's default). They are computed by the hub, never read from
an upload: the validators pass over them, so the feed's file re-imports without warnings.
"""
from __future__ import annotations

from .columns import COLUMNS, Column

FEED_COLUMNS: tuple[Column, ...] = (
    Column(len(COLUMNS) + 1, "anbieter_kennung", "provider_slug", "text", "P", "provider",
           max_length=64, label_de="Kennung des Anbieters im Hub",
           label_en="Provider identifier in the hub"),
    Column(len(COLUMNS) + 2, "hub_url", "hub_url", "url", "P", "course",
           label_de="Seite des Angebots im Hub (zugleich seine IRI im JSON-LD)",
           label_en="The offer's page on the hub (also its JSON-LD IRI)"),
    Column(len(COLUMNS) + 3, "lizenz", "licence", "url", "P", "provider",
           label_de="Lizenz der Zeile (dcat-ap.de-Lizenz des Anbieters)",
           label_en="Licence of the row (the provider's dcat-ap.de licence)"),
)
FEED_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in FEED_COLUMNS)
