"""/feeds/offers.csv: the upload template's columns and formats, described by a Data Package
(checked by frictionless) and CSVW, re-importable through the validators without errors."""
from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import replace

import frictionless
import pytest

from bildungsdaten.feeds.csv_feed import HEADER, neutralise
from bildungsdaten.validators import validate
from bildungsdaten.vocab.columns import COLUMN_NAMES
from tests.feed_data import BENSHEIM, KVHS, MUSIK, sample_offer, simple_offer, write


@pytest.fixture
def offers(engine):
    write(engine, [sample_offer(), simple_offer("K-2", price="1250.5"),
                   simple_offer("K-3", title="=HYPERLINK(\"http://x.example\";\"klick\")")])
    write(engine, [simple_offer("M-1", provider=MUSIK, venue=BENSHEIM, life_phase="schule")])


def _rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_csv_has_template_columns_one_row_per_instance(client, offers):
    resp = client.get("/feeds/offers.csv")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert resp.data.split(b"\r\n", 1)[0].decode().split(";") == \
        [*COLUMN_NAMES, "anbieter_kennung", "hub_url", "lizenz", "herkunft"]
    rows = _rows(resp.data)
    assert [(r["angebot_id"], r["termin_id"]) for r in rows] == [
        ("25H-10102", "25H-10102-A"), ("25H-10102", "25H-10102-B"), ("K-2", ""), ("K-3", ""),
        ("M-1", "")]


def test_csv_uses_german_formats(client, offers):
    first, second, k2 = _rows(client.get("/feeds/offers.csv").data)[:3]
    assert first["beginn_datum"].count(".") == 2 and len(first["beginn_datum"]) == 10
    assert (first["uhrzeit_von"], first["preis"], first["preis_ermaessigt"]) == \
        ("18:30", "89,00", "62,30")
    assert (first["lat"], first["laufender_einstieg"], first["sprache"]) == \
        ("49,6407", "nein", "de|en")
    assert first["barriere_merkmale"] == "aufzug|induktive_hoeranlage"
    assert second["preis"] == "kostenlos"
    assert k2["preis"] == "1250,50"


def test_formula_cells_are_neutralised(client, offers):
    rows = _rows(client.get("/feeds/offers.csv").data)
    k3 = next(r for r in rows if r["angebot_id"] == "K-3")
    assert k3["titel"] == "'=HYPERLINK(\"http://x.example\";\"klick\")"
    assert neutralise("+49 6252 12345") == "+49 6252 12345"  # a phone number stays usable
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("-2+3+cmd|' /C calc'!A0") == "'-2+3+cmd|' /C calc'!A0"


def test_bom_for_excel_on_request(client, offers):
    assert client.get("/feeds/offers.csv?bom=1").data.startswith(b"\xef\xbb\xbf")
    assert not client.get("/feeds/offers.csv").data.startswith(b"\xef\xbb\xbf")
    resp = client.get("/feeds/offers.csv?bom=ja")
    assert (resp.status_code, resp.get_json()["parameter"]) == (400, "bom")


def test_csv_filters_and_gzip(client, offers):
    plain = client.get("/feeds/offers.csv?provider=musikschule")
    assert [r["angebot_id"] for r in _rows(plain.data)] == ["M-1"]
    zipped = client.get("/feeds/offers.csv?provider=musikschule",
                        headers={"Accept-Encoding": "gzip"})
    assert gzip.decompress(zipped.data) == plain.data
    assert client.get("/feeds/offers.csv?land=hessen").get_json()["parameter"] == "land"


def test_frictionless_validates_csv_against_datapackage(client, offers, tmp_path):
    (tmp_path / "angebote.csv").write_bytes(client.get("/feeds/offers.csv").data)
    package = client.get("/feeds/datapackage.json").get_json()
    assert package["resources"][0]["path"] == "http://hub.test/feeds/offers.csv"
    package["resources"][0]["path"] = "angebote.csv"  # the served copy, read offline
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.tasks[0].stats["rows"] == 5


def test_frictionless_rejects_a_broken_row(client, offers, tmp_path):
    body = client.get("/feeds/offers.csv").data.replace(b";89,00;", b";89 Euro;")
    (tmp_path / "angebote.csv").write_bytes(body)
    package = client.get("/feeds/datapackage.json").get_json()
    package["resources"][0]["path"] = "angebote.csv"
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.flatten(["fieldName", "type"]) == [["preis", "constraint-error"]]


def test_csvw_metadata_describes_every_column(client):
    meta = client.get("/feeds/offers.csv-metadata.json")
    assert meta.mimetype == "application/csvm+json"
    doc = meta.get_json()
    assert doc["url"] == "http://hub.test/feeds/offers.csv"
    assert [c["name"] for c in doc["tableSchema"]["columns"]] == list(HEADER)
    assert doc["dialect"]["delimiter"] == ";"
    dates = next(c for c in doc["tableSchema"]["columns"] if c["name"] == "beginn_datum")
    assert dates["datatype"] == {"base": "date", "format": "dd.MM.yyyy"}


def test_export_reimports_through_validators_without_errors(client, offers):
    body = client.get("/feeds/offers.csv?bom=1").data
    result = validate(body, filename="angebote.csv")
    errors = [e for e in result.report.to_dict()["errors"] if e["severity"] == "error"]
    assert errors == []
    assert result.valid


def test_export_reimports_to_the_same_offers(client, engine):
    original = sample_offer()
    write(engine, [original])
    result = validate(client.get("/feeds/offers.csv").data, filename="angebote.csv",
                      collect=True)
    [again] = result.offers(KVHS)
    assert replace(again, modified=None, provider=KVHS) == replace(original, provider=KVHS)


def test_datapackage_licence_name_follows_the_licence_iri():
    from bildungsdaten.vocab.table_schema import licence_entry

    assert licence_entry("http://dcat-ap.de/def/licenses/dl-by-de/2.0", "DL-DE BY")["name"] \
        == "dl-de-by-2.0"
    assert licence_entry("https://creativecommons.org/licenses/by/4.0/", "CC BY")["name"] \
        == "CC-BY-4.0"
    # An unknown licence keeps path and title but gets no (possibly wrong) short name.
    other = licence_entry("https://example.org/lizenz", "Eigene Lizenz")
    assert other == {"path": "https://example.org/lizenz", "title": "Eigene Lizenz"}
