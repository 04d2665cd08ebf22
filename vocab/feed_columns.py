"""Columns the offers CSV feed adds after the upload template's (vocab.columns).

A provider's `angebot_id` is unique only within that provider, so the feed names the provider
and the offer's page on the hub in every row, and the licence the row is published under
(the provider's, else the district's default), and for an offer harvested from another hub
the original it came from (empty for the hub's own offers). They are computed by the hub, never read from
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
    Column(len(COLUMNS) + 4, "herkunft", "source_url", "url", "O", "course",
           label_de="Herkunft: IRI des Originals bei einem Nachbar-Hub, aus dem das Angebot "
                    "geerntet wurde (leer bei eigenen Angeboten)",
           label_en="Provenance: IRI of the original at a neighbouring hub the offer was "
                    "harvested from (empty for the hub's own offers)"),
)
FEED_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in FEED_COLUMNS)
