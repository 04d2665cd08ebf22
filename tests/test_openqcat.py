"""open-Qcat (KURSNET's XML catalogue): read through the validators, written for KURSNET, round trip.

Fixtures in tests/fixtures/openqcat are hand-made in the shapes of standards/openqcat.md: a
single dated entry; an Angebot plus dated runs with empty titles (KURSNET's own export, in
ISO-8859-15 and UTF-16); an HTML description; an XML bomb.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import os
import re
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import fromstring  # our own output only; uploads go via defusedxml

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.orm import Session

from bildungsdaten.feeds.openqcat import kursnet_accepts, offers_to_openqcat
from bildungsdaten.hub.cli import main
from bildungsdaten.hub.commands.validate import _text
from bildungsdaten.hub.jobs.pull import pull_provider_sources
from bildungsdaten.hub.models import Provider
from bildungsdaten.validators import Limits, validate
from bildungsdaten.vocab.records import (
    PRICE_AMOUNT,
    InstanceRecord,
    OfferRecord,
    ProviderRecord,
    VenueRecord,
)
from tests.fetch_support import answer, serve
from tests.import_support import (
    add_provider,
    add_token,
    auth,
    live_offers,
    offers_snapshot,
    uploads,
)
from tests.test_uploads_page import csrf, sign_in

FIXTURES = Path(__file__).parent / "fixtures" / "openqcat"
PROVIDER = ProviderRecord("bbw", "Berufsbildungswerk Südhessen gGmbH",
                          url="https://www.bbw-suedhessen.example",
                          email="kurse@bbw-suedhessen.example", telephone="+49 6251 98765")


def read(name: str, **kwargs: Any):
    return validate(FIXTURES / name, collect=True, **kwargs)


def offers_of(name: str) -> list[OfferRecord]:
    result = read(name)
    assert result.valid, result.report.to_dict()
    return result.offers(PROVIDER)


# --- open-Qcat in -----------------------------------------------------------------------------

def test_single_dated_entry_maps_to_the_template_columns() -> None:
    result = read("single_dated.xml")
    assert result.valid and result.report.stats["rows"] == 1
    (offer,) = result.offers(PROVIDER)
    assert (offer.angebot_id, offer.title) == ("27H-40101", "Buchhaltung mit DATEV – Grundlagen")
    assert offer.kursnet_code == "C 1435-10-10" and offer.keywords == ["Buchhaltung", "DATEV"]
    assert offer.life_phases == ["ausbildung_beruf"] and offer.languages == ["de"]
    assert offer.url == "https://www.kvhs-bergstrasse.example/kurse/27H-40101"
    assert offer.provider.name == "Kreisvolkshochschule Bergstraße"
    assert offer.contact_phone == "+49 6252 12345"
    (inst,) = offer.instances
    assert (inst.start_date, inst.end_date) == (date(2027, 2, 8), date(2027, 2, 12))
    # Clock times have no element: read from the remark "täglich 08.30 - 15.30 Uhr".
    assert (str(inst.start_time), str(inst.end_time)) == ("08:30:00", "15:30:00")
    assert (inst.price, inst.price_kind) == (Decimal("389.00"), PRICE_AMOUNT)
    assert (inst.mode, inst.time_forms, inst.rolling_entry) == ("praesenz", ["vollzeit"], False)
    assert (inst.min_participants, inst.max_participants) == (6, 12)
    assert inst.venue is not None and inst.venue.venue_accessible == "ja"
    assert (inst.venue.postal_code, inst.venue.ags) == ("64646", "06431011")


def test_missing_life_phase_is_filled_by_rule_and_said_in_german() -> None:
    report = read("single_dated.xml").report.to_dict()
    (warning,) = report["errors"]
    assert (warning["code"], warning["severity"], warning["column"]) == (
        "filled-by-rule", "warning", "lebensphase")
    assert "ausbildung_beruf" in warning["message"] and "berufliche Weiterbildung" in \
        warning["message"]


@pytest.mark.parametrize("name", ["angebot_runs_latin9.xml", "angebot_runs_utf16.xml"])
def test_angebot_with_runs_with_empty_titles(name: str) -> None:
    (offer,) = offers_of(name)
    assert offer.angebot_id == "375000001"
    assert offer.title == "Fachkraft für Lagerlogistik (Umschulung)"  # runs' titles are empty
    assert "14.980 €" in offer.description  # € exists in ISO-8859-15, not in ISO-8859-1
    assert offer.provider.name == "Berufsbildungswerk Südhessen gGmbH"
    assert (offer.funding, offer.azav_number) == (["bildungsgutschein"], "962/1234/2026")
    assert (offer.credential_name, offer.examining_body) == (
        "Fachkraft für Lagerlogistik", "IHK Darmstadt")
    # One instance per run, not one more for the Angebot that repeats the first date.
    assert [(i.termin_id, i.start_date) for i in offer.instances] == [
        ("375000002", date(2027, 1, 11)), ("375000003", date(2027, 7, 5))]
    first, second = offer.instances
    assert (str(first.start_time), str(first.end_time)) == ("08:00:00", "15:00:00")
    assert second.start_time is None  # never the Angebot's (or first run's) times
    assert second.schedule_note == "Teilzeit möglich"
    assert all(i.venue and i.venue.locality == "Bensheim" for i in offer.instances)


def test_latin9_and_utf16_give_the_same_offers() -> None:
    assert offers_of("angebot_runs_latin9.xml") == offers_of("angebot_runs_utf16.xml")


def test_differential_delivery_takes_new_and_reports_deletions() -> None:
    result = read("update_catalog.xml")
    assert result.valid and [o.angebot_id for o in result.offers(PROVIDER)] == ["27H-40101"]
    (ignored,) = [e for e in result.report.to_dict()["errors"] if e["code"] == "ignored-element"]
    assert (ignored["severity"], ignored["place"], ignored["value"]) == (
        "warning", "SERVICE 2 (PRODUCT_ID 26H-40199)", "26H-40199")
    assert "Löscheintrag" in ignored["message"]


def test_html_description_becomes_plain_text() -> None:
    (offer,) = offers_of("html_description.xml")
    assert offer.description == (
        "Einführung in die Finanzbuchhaltung mit DATEV:\n\n- Belege kontieren\n"
        "- Umsatzsteuer-Voranmeldung\nKosten & Förderung: siehe unten.\nStand 2026")


def test_error_is_reported_at_the_service_with_its_product_id() -> None:
    result = read("angebot_runs_bad_date.xml")
    assert not result.valid
    errors = [e for e in result.report.to_dict()["errors"] if e["severity"] == "error"]
    assert [(e["row"], e["place"], e["column"], e["code"]) for e in errors] == [
        (3, "SERVICE 3 (PRODUCT_ID 375000003)", "beginn_datum", "type-error")]
    assert "kein gültiges Datum" in errors[0]["message"]
    # The CLI's text report names the place, not a spreadsheet row or column letter.
    text = _text(result.report.to_dict(), FIXTURES / "angebot_runs_bad_date.xml", "de")
    assert "SERVICE 3 (PRODUCT_ID 375000003), Spalte „beginn_datum“: Fehler [type-error]" in text


def test_xml_bomb_is_refused_at_once_with_a_german_message() -> None:
    start = time.perf_counter()
    report = read("xml_bomb.xml").report.to_dict()
    assert time.perf_counter() - start < 2
    (error,) = report["errors"]
    assert error["code"] == "unsupported-format" and "XML-Bombe" in error["message"]
    assert report["valid"] is False and report["stats"]["rows"] == 0


def test_external_entity_is_refused() -> None:
    data = (b'<?xml version="1.0"?>\n<!DOCTYPE OPENQCAT [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"\n<OPENQCAT><NEW_CATALOG/></OPENQCAT>")
    (error,) = validate(data, filename="k.xml").report.errors
    assert error.message_key == "unsupported-format.xml-forbidden"


def test_malformed_xml_and_other_xml_are_named() -> None:
    broken = b'<?xml version="1.0"?>\n<OPENQCAT><NEW_CATALOG><SERVICE></NEW_CATALOG>'
    (error,) = validate(broken, filename="kurse.xml").report.errors
    assert error.message_key == "unsupported-format.xml-broken"
    assert "nicht wohlgeformt" in error.message() and "line 2" in error.message()
    other = b'<?xml version="1.0"?>\n<catalog><course/></catalog>'
    (error,) = validate(other, filename="kurse.xml").report.errors
    assert error.message_key == "unsupported-format.not-openqcat" and "<catalog>" in error.message()
    # Without the .xml name an unknown XML stays "markup" (save as CSV), as before.
    (error,) = validate(other, filename="kurse.csv").report.errors
    assert error.message_key == "unsupported-format.markup"


def test_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    data = (FIXTURES / "single_dated.xml").read_bytes()
    limit = Limits().max_bytes
    path = tmp_path / "gross.xml"
    with path.open("wb") as f:  # a real file past the 20 MB limit: whitespace before the root
        f.write(data[:39] + b" " * (limit + 1) + data[39:])
    (error,) = validate(path).report.errors
    assert error.code == "file-too-large"


def test_element_flood_stops_at_the_bound() -> None:
    # 4 MB of "<a/>": within the size limit, but a tree of millions of elements would take
    # far more memory than any real catalogue; reading stops at MAX_ELEMENTS.
    data = b'<?xml version="1.0"?><OPENQCAT>' + b"<a/>" * 1_000_001 + b"</OPENQCAT>"
    (error,) = validate(data, filename="kurse.xml").report.to_dict()["errors"]
    assert error["code"] == "too-many-cells" and "1.000.000 Elemente" in error["message"]


def test_row_limit_applies_to_services() -> None:
    report = read("angebot_runs_latin9.xml", limits=Limits(max_rows=1)).report
    assert [e.code for e in report.errors if e.severity == "error"] == ["too-many-rows"]


# --- open-Qcat out ----------------------------------------------------------------------------

def offer(angebot_id: str = "A-1", **changes: Any) -> OfferRecord:
    venue = VenueRecord(venue_name="Berufsbildungszentrum der Handwerkskammer Rhein-Main",
                        street="Hindenburgstraße 1 (Eingang Hofseite, Gebäude C)",
                        postal_code="64295",
                        locality="Darmstadt-Kranichstein (Wissenschaftsstadt Darmstadt)")
    fields: dict[str, Any] = dict(
        angebot_id=angebot_id, title="Schweißen MAG", description="Lehrgang", provider=PROVIDER,
        life_phases=["ausbildung_beruf"], kursnet_code="C 2420-20-10",
        instances=[InstanceRecord(start_date=date(2027, 3, 1), end_date=date(2027, 3, 5),
                                  mode="praesenz", price=Decimal("1250.5"),
                                  price_kind=PRICE_AMOUNT, venue=venue),
                   InstanceRecord(termin_id="A-1-B", start_date=date(2027, 9, 6),
                                  mode="praesenz", price=Decimal(0), price_kind=PRICE_AMOUNT)])
    fields.update(changes)
    return OfferRecord(**fields)


@pytest.mark.parametrize("changes, accepted", [
    ({}, True),
    ({"kursnet_code": None}, True),  # life phase ausbildung_beruf
    ({"kursnet_code": None, "life_phases": ["erwachsenenbildung"]}, False),  # hobby course
    ({"kursnet_code": None, "life_phases": ["erwachsenenbildung"],
      "credential_type": "kammerpruefung"}, True),
    ({"kursnet_code": None, "life_phases": ["erwachsenenbildung"],
      "funding": ["bildungsgutschein"]}, True),
    ({"life_phases": ["senioren"]}, False),
    ({"life_phases": ["fruehe_kindheit"]}, False),
    ({"audience_codes": ["kinder"]}, False),
    ({"offer_form": "vortrag"}, False),  # a single lecture
])
def test_kursnet_takes_only_vocational_further_education(changes: dict[str, Any],
                                                          accepted: bool) -> None:
    assert kursnet_accepts(offer(**changes)) is accepted


def test_structure_follows_kursnets_rules() -> None:
    body = offers_to_openqcat(PROVIDER, [[offer(), offer("HOBBY", kursnet_code=None,
                                                       life_phases=["erwachsenenbildung"])]],
                              datetime(2026, 12, 1, tzinfo=UTC))
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = fromstring(body)
    assert root.tag == "OPENQCAT" and root.find("HEADER/SUPPLIER/SUPPLIER_NAME").text == \
        PROVIDER.name
    services = root.findall("NEW_CATALOG/SERVICE")
    # One Angebot + one Veranstaltung per dated instance; the hobby offer is left out.
    kinds = [(s.findtext("PRODUCT_ID"), s.find(".//EDUCATION").get("type"),
              s.findtext(".//EDUCATION/COURSE_ID")) for s in services]
    assert kinds == [("A-1", "true", "A-1"), ("A-1-2027-03-01", "false", "A-1"),
                     ("A-1-B", "false", "A-1")]
    assert all(s.findtext("COURSE_TYPE") == "1" for s in services)
    for location in root.iter("LOCATION"):
        assert len(location.findtext("NAME")) <= 30 and len(location.findtext("STREET")) <= 30
        assert len(location.findtext("CITY")) <= 36
        assert location.findtext("NAME") + location.findtext("NAME2") == \
            "Berufsbildungszentrum der Handwerkskammer Rhein-Main"[:60]
    amounts = [e.text for e in root.iter("PRICE_AMOUNT")]
    assert amounts == ["1250.50", "1250.50", "0.00"]
    datetime_re = re.compile(r"^\d{4}-\d{2}-\d{2}T00:00:00\+0[12]:00$")
    dates = [e.text for e in root.iter() if e.tag in ("START_DATE", "END_DATE")]
    assert dates and all(datetime_re.match(d) for d in dates), dates
    assert root.find(".//SERVICE_CLASSIFICATION/FEATURE/FNAME").text == "C 2420-20-10"


def test_xsd_validation_when_the_agencys_schema_is_given() -> None:
    """The agency's schema is "All Rights Reserved", so it is not in the repository: set
    OPENQCAT_XSD to a copy (public repository bene7797/XmlEditorUi) to check against it."""
    xsd = os.environ.get("OPENQCAT_XSD")
    if not xsd or not Path(xsd).exists():
        pytest.skip("OPENQCAT_XSD nicht gesetzt: das XSD der Bundesagentur (openQ-cat_1.1_rc1.xsd, "
                    "nicht frei lizenziert) liegt nicht im Repository")
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(xsd))
    offers = offers_of("angebot_runs_latin9.xml") + offers_of("single_dated.xml") + [
        offer(), offer("B-2", credential_type="kammerpruefung", offer_form="studiengang")]
    body = offers_to_openqcat(PROVIDER, [offers], datetime(2026, 12, 1, tzinfo=UTC))
    document = etree.fromstring(body)
    assert schema.validate(document), schema.error_log


# --- round trip -------------------------------------------------------------------------------

def comparable(record: OfferRecord) -> dict[str, Any]:
    """The fields both formats carry: everything but the provider (the uploader's) and the
    keys the export makes up (a Veranstaltung needs a PRODUCT_ID: angebot_id + start date)."""
    data = dataclasses.asdict(record)
    data.pop("provider")
    data.pop("modified")
    for inst in data["instances"]:
        inst.pop("termin_id")
    return data


@pytest.mark.parametrize("name", ["single_dated.xml", "angebot_runs_latin9.xml",
                                  "html_description.xml"])
def test_round_trip_out_and_in_gives_the_same_offers(name: str) -> None:
    before = offers_of(name)
    body = offers_to_openqcat(PROVIDER, [before], datetime(2026, 12, 1, tzinfo=UTC))
    result = validate(body, filename="kursnet.xml", collect=True)
    assert result.valid, result.report.to_dict()
    after = result.offers(PROVIDER)
    assert [comparable(o) for o in after] == [comparable(o) for o in before]
    given = [i.termin_id for o in before for i in o.instances if i.termin_id]
    assert given == [i.termin_id for o in after for i in o.instances if i.termin_id in given]


# --- through the hub: upload API, page, CLI (SQLite and PostgreSQL) ---------------------------

@pytest.fixture
def bbw(engine):
    pid = add_provider(engine, "bbw", "Berufsbildungswerk Südhessen gGmbH")
    return pid, add_token(engine, pid)


def upload(client, token: str, data: bytes, query: str = ""):
    return client.post(f"/api/v1/uploads{query}", data=data, headers=auth(token),
                       content_type="application/xml")


def test_upload_api_imports_open_qcat(client, engine, bbw) -> None:
    pid, token = bbw
    resp = upload(client, token, (FIXTURES / "angebot_runs_latin9.xml").read_bytes())
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["import"]["created"] == 1 and body["stats"]["rows"] == 2
    assert [e["code"] for e in body["errors"]] == ["filled-by-rule"]
    assert list(live_offers(engine, pid)) == ["375000001"]


def test_upload_api_refuses_bad_open_qcat_and_writes_nothing(client, engine, bbw) -> None:
    pid, token = bbw
    upload(client, token, (FIXTURES / "single_dated.xml").read_bytes())
    before = offers_snapshot(engine)
    for name in ("angebot_runs_bad_date.xml", "xml_bomb.xml"):
        resp = upload(client, token, (FIXTURES / name).read_bytes())
        assert resp.status_code == 422, name
        assert resp.get_json()["import"] is None
    errors = upload(client, token, (FIXTURES / "angebot_runs_bad_date.xml").read_bytes()
                    ).get_json()["errors"]
    assert [e.get("place") for e in errors if e["severity"] == "error"] == [
        "SERVICE 3 (PRODUCT_ID 375000003)"]
    assert offers_snapshot(engine) == before


def test_provider_page_and_cli_export_round_trip(client, engine, bbw, db_url, tmp_path) -> None:
    pid, token = bbw
    for name in ("angebot_runs_latin9.xml", "single_dated.xml"):
        resp = upload(client, token, (FIXTURES / name).read_bytes(), "?mode=upsert")
        assert resp.status_code == 200, resp.get_json()
    resp = client.get("/anbieter/bbw/openqcat.xml")
    assert resp.status_code == 200 and resp.mimetype == "application/xml"
    assert client.get("/anbieter/bbw/openqcat.xml",
                      headers={"If-None-Match": resp.headers["ETag"]}).status_code == 304
    # The export holds both uploads' offers and reads back as they were uploaded.
    result = validate(resp.data, filename="bbw.xml", collect=True)
    assert result.valid, result.report.to_dict()
    exported = {o.angebot_id: comparable(o) for o in result.offers(PROVIDER)}
    source = {o.angebot_id: comparable(o) for name in ("angebot_runs_latin9.xml",
                                                       "single_dated.xml")
              for o in offers_of(name)}
    assert set(exported) == set(source) == set(live_offers(engine, pid))
    for key, data in exported.items():  # the hub fills codes on import (ags) on both sides
        assert data == source[key], key
    missing = client.get("/anbieter/niemand/openqcat.xml")
    assert missing.status_code == 404 and missing.get_json()["code"] == "not-found"

    env = {"DATABASE_URL": db_url, "SECRET_KEY": "test", "HUB_INSTANCE_PATH": str(tmp_path)}
    out = tmp_path / "bbw.xml"
    run = CliRunner().invoke(main, ["export", "openqcat", "bbw", "-o", str(out)], env=env,
                             catch_exceptions=False)
    assert run.exit_code == 0, run.output
    assert validate(out, collect=True).offers(PROVIDER) == result.offers(PROVIDER)
    run = CliRunner().invoke(main, ["export", "openqcat", "niemand"], env=env)
    assert run.exit_code != 0 and "keinen Anbieter" in run.output


def test_cli_validate_accepts_open_qcat(db_url, tmp_path) -> None:
    env = {"DATABASE_URL": db_url, "SECRET_KEY": "test", "HUB_INSTANCE_PATH": str(tmp_path)}
    run = CliRunner().invoke(main, ["validate", str(FIXTURES / "angebot_runs_bad_date.xml")],
                             env=env)
    assert run.exit_code == 1, run.output
    assert "SERVICE 3 (PRODUCT_ID 375000003)" in run.output


@pytest.fixture
def kursnet_file_server():
    body = (FIXTURES / "angebot_runs_latin9.xml").read_bytes()
    path = "/export/kursnet"  # a name without .xml: the content says what it is
    with serve({path: answer(body, content_type="application/xml")}) as served:
        yield served.url(path)


def test_source_url_pull_takes_open_qcat(app, engine, kursnet_file_server, monkeypatch) -> None:
    # The fetch guard refuses loopback unless listed, as a test or intranet setup does.
    monkeypatch.setattr(app.extensions["hub"].settings, "fetch_allow_hosts", "127.0.0.1")
    pid = add_provider(engine, "bbw")
    with Session(engine) as session, session.begin():
        session.execute(sa.update(Provider).values(source_url=kursnet_file_server))
    assert [r.outcome for r in pull_provider_sources(app)] == ["done"]
    assert list(live_offers(engine, pid)) == ["375000001"]


def test_upload_page_names_the_service_in_report_and_report_csv(client, engine) -> None:
    pid = add_provider(engine, "bbw")
    sign_in(client, add_token(engine, pid))
    data = (FIXTURES / "angebot_runs_bad_date.xml").read_bytes()
    resp = client.post("/hochladen", content_type="multipart/form-data", data={
        "csrf": csrf(client), "modus": "replace", "aktion": "pruefen",
        "datei": (io.BytesIO(data), "kursnet.xml")}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "SERVICE 3 (PRODUCT_ID 375000003)" in html and "kein gültiges Datum" in html
    (upload_row,) = uploads(engine, pid)
    rows = list(csv.reader(io.StringIO(client.get(
        f"/hochladen/berichte/{upload_row.id}.csv").data.decode("utf-8-sig")), delimiter=";"))
    assert ["SERVICE 3 (PRODUCT_ID 375000003)", "", "beginn_datum", "Fehler", "type-error"] \
        == rows[-1][:5]


def test_progress_estimate_counts_services_not_lines() -> None:
    from bildungsdaten.hub.offers.importer import _estimate_rows

    data = (FIXTURES / "angebot_runs_latin9.xml").read_bytes()
    assert data.count(b"\n") > 100 and _estimate_rows(data, "kursnet.xml") == 3


def test_catalogue_bytes_depend_on_the_data_not_the_clock(client, engine, bbw) -> None:
    import time as clock

    from bildungsdaten.hub.offers.kursnet import provider_catalog

    _pid, token = bbw
    assert upload(client, token, (FIXTURES / "single_dated.xml").read_bytes(),
                  "?mode=upsert").status_code == 200
    first = provider_catalog(engine, "bbw")
    clock.sleep(1.05)  # GENERATION_DATE has seconds: a clock-based date would differ now
    assert provider_catalog(engine, "bbw") == first
