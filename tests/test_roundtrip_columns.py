"""A fully filled sample row survives storage and the API unchanged, one test per column group
of offer-columns.md (store.write_offers -> load_offer_records, and GET /api/v1/offers/<p>/<id>)."""
from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from bildungsdaten.hub.db import make_sessionmaker
from bildungsdaten.hub.offers.store import load_offer_records
from bildungsdaten.vocab.columns import COLUMNS, COLUMNS_BY_NAME, Column
from bildungsdaten.vocab.records import OfferRecord
from tests.api_sample import full_offer, store_offer

GROUPS: dict[str, tuple[str, ...]] = {
    "identity_text": ("angebot_id", "termin_id", "titel", "beschreibung", "schlagworte", "url",
                      "bild_url"),
    "classification_codes": ("lebensphase", "themenbereich", "angebotsform",
                             "kursnet_systematik"),
    "provider_contact": ("anbieter_name", "anbieter_typ", "anbieter_url", "kontakt_email",
                         "kontakt_telefon"),
    "dates_schedule": ("beginn_datum", "ende_datum", "uhrzeit_von", "uhrzeit_bis", "wochentage",
                       "rhythmus", "anzahl_termine", "unterrichtseinheiten", "termin_hinweis",
                       "laufender_einstieg", "anmeldeschluss", "status"),
    "venue_location": ("ort_name", "strasse", "plz", "ort", "gemeinde_ags", "lat", "lon"),
    "online_accessibility": ("lernform", "zeitform", "online_url", "barrierefrei_ort",
                             "barriere_merkmale", "barrierefreiheit_hinweis"),
    "audience_level_language": ("zielgruppe", "zielgruppe_codes", "alter_von", "alter_bis",
                                "niveau", "sprache", "voraussetzungen"),
    "participants_prices": ("teilnehmende_min", "teilnehmende_max", "preis", "preis_ermaessigt",
                            "preis_hinweis"),
    "funding_credentials": ("foerderung", "azav_massnahmenummer", "foerderung_hinweis",
                            "abschlussart", "abschluss_bezeichnung", "pruefende_stelle", "ects",
                            "stand"),
}
PROVIDER_ATTR = {"provider_name": "name", "provider_type": "type", "provider_url": "url"}


def record_value(record: OfferRecord, column: Column) -> Any:
    """The value of `column` in the sample's first row (course, instance, venue, provider)."""
    if column.level == "provider":
        return getattr(record.provider, PROVIDER_ATTR[column.field])
    if column.level == "instance":
        return getattr(record.instances[0], column.field)
    if column.level == "venue":
        return getattr(record.instances[0].venue, column.field)
    return getattr(record, column.field)


def api_value(body: dict[str, Any], column: Column) -> Any:
    """The value of `column` in the API's JSON, typed back by the column's kind."""
    if column.level == "provider":
        raw = body["provider"][PROVIDER_ATTR[column.field]]
    elif column.level == "instance":
        raw = body["instances"][0][column.field]
    elif column.level == "venue":
        raw = body["instances"][0]["venue"][column.field]
    else:
        raw = body[column.field]
    if raw is None or column.is_list:
        return raw
    if column.kind == "date":
        return date.fromisoformat(raw)
    if column.kind == "time":
        return time.fromisoformat(raw)
    if column.kind in ("decimal", "price"):
        assert isinstance(raw, str), f"{column.name}: decimals travel as strings"
        return Decimal(raw)
    return raw


def test_groups_cover_every_column_once() -> None:
    names = [name for group in GROUPS.values() for name in group]
    assert sorted(names) == sorted(c.name for c in COLUMNS)


@pytest.mark.parametrize("group", list(GROUPS))
def test_full_row_survives_storage_and_api(group: str, app: Any, client: Any) -> None:
    sample = full_offer()
    columns = [COLUMNS_BY_NAME[name] for name in GROUPS[group]]
    for column in columns:  # a column left empty would make the comparison trivially true
        assert record_value(sample, column) not in (None, "", []), column.name
    engine = app.extensions["hub"].engine
    store_offer(engine, full_offer())

    with make_sessionmaker(engine)() as session:
        oid = session.execute(sa.text("SELECT id FROM offers")).scalar_one()
        (stored,) = load_offer_records(session, [oid])
    resp = client.get("/api/v1/offers/kvhs-bergstrasse/25H-10102")
    assert resp.status_code == 200
    body = resp.get_json()
    for column in columns:
        expected = record_value(sample, column)
        assert record_value(stored, column) == expected, f"storage: {column.name}"
        assert api_value(body, column) == expected, f"API: {column.name}"
