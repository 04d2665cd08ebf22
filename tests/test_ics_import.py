"""iCalendar in, through the hub (SQLite and PostgreSQL): upload API, upload page with the
presets form, CLI import and presets, source_url pull; bad calendars write nothing."""
from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.orm import Session

from bildungsdaten.hub.cli import main
from bildungsdaten.hub.jobs.pull import pull_provider_sources
from bildungsdaten.hub.models import Offer, OfferInstance, Provider
from bildungsdaten.hub.offers.defaults import save_defaults
from tests.fetch_support import answer, serve
from tests.import_support import (
    add_provider,
    add_token,
    auth,
    live_offers,
    offers_snapshot,
    uploads,
)
from tests.test_ics_reader import PRESETS, big_calendar

FIXTURES = Path(__file__).parent / "fixtures" / "ics"


@pytest.fixture
def family(engine) -> tuple[int, str]:
    pid = add_provider(engine, "fb-bensheim", "Familienbildung Bensheim")
    return pid, add_token(engine, pid)


def preset(engine, provider_id: int, values: dict[str, str]) -> None:
    with Session(engine) as session, session.begin():
        save_defaults(session, provider_id, values)


def upload(client, token: str, data: bytes, query: str = ""):
    return client.post(f"/api/v1/uploads{query}", data=data, headers=auth(token),
                       content_type="text/calendar")


def instances(engine, provider_id: int) -> list[tuple[str, str, str | None]]:
    with engine.connect() as conn:
        return [(r.title, r.start_date.isoformat(), r.status) for r in conn.execute(
            sa.select(Offer.title, OfferInstance.start_date, OfferInstance.status)
            .join(Offer, Offer.id == OfferInstance.offer_id)
            .where(Offer.provider_id == provider_id)
            .order_by(OfferInstance.start_date))]


def test_upload_api_imports_an_outlook_export_with_the_providers_presets(client, engine,
                                                                          family) -> None:
    pid, token = family
    preset(engine, pid, PRESETS)
    resp = upload(client, token, (FIXTURES / "outlook_export.ics").read_bytes())
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["import"]["created"] == 3 and body["stats"]["rows"] == 8
    assert len(live_offers(engine, pid)) == 3
    dated = instances(engine, pid)
    assert ("Erste Hilfe am Kind", "2026-03-07", "abgesagt") in dated
    assert [d for t, d, _s in dated if t.startswith("Eltern-Kind")] == [
        "2026-01-13", "2026-01-20", "2026-01-28", "2026-02-10", "2026-02-17"]


def test_changed_presets_are_not_answered_from_the_last_import(client, engine, family) -> None:
    pid, token = family
    preset(engine, pid, PRESETS)
    data = (FIXTURES / "outlook_export.ics").read_bytes()
    assert upload(client, token, data).status_code == 200
    assert upload(client, token, data).get_json()["import"]["unchanged"] == 3
    preset(engine, pid, {**PRESETS, "preis": "5,00"})
    assert upload(client, token, data).get_json()["import"]["updated"] == 3


def test_upload_api_without_presets_reports_them_and_writes_nothing(client, engine,
                                                                     family) -> None:
    pid, token = family
    resp = upload(client, token, (FIXTURES / "google_export.ics").read_bytes())
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["import"] is None
    missing = {e["column"] for e in body["errors"] if e["row"] is None
               and e["severity"] == "error"}
    assert {"lebensphase", "preis"} <= missing
    assert live_offers(engine, pid) == {}


@pytest.mark.parametrize("name", ["broken.ics", "no_start.ics", "unknown_timezone.ics",
                                  "not_a_calendar.ics"])
def test_bad_calendars_change_nothing(client, engine, family, name: str) -> None:
    pid, token = family
    preset(engine, pid, PRESETS)
    upload(client, token, (FIXTURES / "outlook_export.ics").read_bytes())
    before = offers_snapshot(engine)
    resp = client.post("/api/v1/uploads", data=(FIXTURES / name).read_bytes(),
                       headers={**auth(token), "Content-Disposition":
                                f'attachment; filename="{name}"'},
                       content_type="text/calendar")
    assert resp.status_code == 422, name
    assert resp.get_json()["errors"][0]["message"]
    assert offers_snapshot(engine) == before


def test_100000_events_are_refused_through_the_api_quickly(client, engine, family,
                                                            tmp_path: Path) -> None:
    pid, token = family
    preset(engine, pid, PRESETS)
    path = tmp_path / "riesig.ics"
    path.write_bytes(big_calendar(100_000))
    started = time.perf_counter()
    resp = upload(client, token, path.read_bytes())
    assert time.perf_counter() - started < 10
    assert resp.status_code == 422
    (error,) = resp.get_json()["errors"]
    assert "100.000 Termine" in error["message"] and "höchstens 20.000" in error["message"]
    assert live_offers(engine, pid) == {}


# --- the upload page -------------------------------------------------------------------------

def csrf(client) -> str:
    html = client.get("/hochladen").get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_page_presets_form_saves_checks_and_feeds_the_calendar_upload(client, engine,
                                                                       family) -> None:
    pid, token = family
    client.post("/hochladen/anmelden", data={"csrf": csrf(client), "token": token})
    form = {"lebensphase": ["fruehe_kindheit", "erwachsenenbildung"], "preis": "billig",
            "themenbereich": "kultur_gestalten"}
    assert client.post("/hochladen/voreinstellungen", data=form).status_code == 400  # no CSRF
    resp = client.post("/hochladen/voreinstellungen", data={**form, "csrf": csrf(client)})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert '<a href="#vorgabe-preis">„billig“ ist kein Preis' in html
    assert 'value="billig"' in html and 'value="erwachsenenbildung" checked' in html
    resp = client.post("/hochladen/voreinstellungen",
                       data={**form, "preis": "kostenlos", "csrf": csrf(client)})
    assert resp.status_code == 303 and "gespeichert=1" in resp.headers["Location"]
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Die Voreinstellungen wurden gespeichert." in html
    assert 'id="vorgabe-preis" name="preis" value="kostenlos"' in html

    resp = client.post("/hochladen", content_type="multipart/form-data", data={
        "csrf": csrf(client), "modus": "replace", "aktion": "importieren",
        "datei": (io.BytesIO((FIXTURES / "google_export.ics").read_bytes()), "kurse.ics")},
        follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "„sprache“ steht in keinem Kalendereintrag" in html  # a warning, not an error
    assert len(live_offers(engine, pid)) == 3, html
    (row,) = uploads(engine, pid)
    assert row.status == "done"


def test_page_report_names_the_event_and_its_uid(client, engine, family) -> None:
    pid, token = family
    preset(engine, pid, PRESETS)
    client.post("/hochladen/anmelden", data={"csrf": csrf(client), "token": token})
    resp = client.post("/hochladen", content_type="multipart/form-data", data={
        "csrf": csrf(client), "modus": "replace", "aktion": "pruefen",
        "datei": (io.BytesIO((FIXTURES / "no_start.ics").read_bytes()), "kurse.ics")},
        follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "VEVENT 2 (UID no-start@example.org)" in html and "DTSTART fehlt" in html


# --- CLI ---------------------------------------------------------------------------------------

def test_cli_presets_and_import_of_a_google_export(engine, family, db_url, tmp_path) -> None:
    pid, _token = family
    env = {"DATABASE_URL": db_url, "SECRET_KEY": "test", "HUB_INSTANCE_PATH": str(tmp_path)}
    cli = CliRunner()
    file = str(FIXTURES / "google_export.ics")
    run = cli.invoke(main, ["import", "--provider", "fb-bensheim", file], env=env)
    assert run.exit_code == 1, run.output
    assert "Voreinstellung" in run.output and "nichts wurde geändert" in run.output
    run = cli.invoke(main, ["providers", "defaults", "fb-bensheim", "--set", "preis=teuer"],
                     env=env)
    assert run.exit_code != 0 and "kein Preis" in run.output
    args = [f"--set={k}={v}" for k, v in PRESETS.items() if k != "anbieter_name"]
    run = cli.invoke(main, ["providers", "defaults", "fb-bensheim", *args], env=env)
    assert run.exit_code == 0, run.output
    assert "lebensphase\tfruehe_kindheit" in run.output
    run = cli.invoke(main, ["import", "--provider", "fb-bensheim", file], env=env)
    assert run.exit_code == 0, run.output
    assert "3 Angebote wurden neu angelegt" in run.output
    assert len(live_offers(engine, pid)) == 3


def test_cli_import_names_the_event_of_an_error(engine, family, db_url, tmp_path) -> None:
    pid, _token = family
    preset(engine, pid, PRESETS)
    env = {"DATABASE_URL": db_url, "SECRET_KEY": "test", "HUB_INSTANCE_PATH": str(tmp_path)}
    run = CliRunner().invoke(main, ["import", "--provider", "fb-bensheim",
                                    str(FIXTURES / "unknown_timezone.ics")], env=env)
    assert run.exit_code == 1, run.output
    assert "VEVENT 1 (UID tz-1@example.org)" in run.output
    assert live_offers(engine, pid) == {}


# --- source_url pull ---------------------------------------------------------------------------

@pytest.fixture
def calendar_server() -> Iterator[str]:
    body = (FIXTURES / "google_export.ics").read_bytes()
    path = "/calendar/public/basic"  # no .ics in the name
    with serve({path: answer(body, content_type="text/calendar; charset=utf-8")}) as served:
        yield served.url(path)


def test_source_url_pull_takes_a_calendar(app, engine, family, calendar_server,
                                          monkeypatch) -> None:
    monkeypatch.setattr(app.extensions["hub"].settings, "fetch_allow_hosts", "127.0.0.1")
    pid, _token = family
    preset(engine, pid, PRESETS)
    with Session(engine) as session, session.begin():
        session.execute(sa.update(Provider).values(source_url=calendar_server))
    assert [r.outcome for r in pull_provider_sources(app)] == ["done"]
    assert len(live_offers(engine, pid)) == 3


def test_cli_validate_names_the_event(db_url, tmp_path) -> None:
    env = {"DATABASE_URL": db_url, "SECRET_KEY": "test", "HUB_INSTANCE_PATH": str(tmp_path),
           "ICS_MAX_EVENTS": "1"}
    run = CliRunner().invoke(main, ["validate", str(FIXTURES / "no_start.ics")], env=env)
    assert run.exit_code == 1, run.output
    assert "2 Termine; angenommen werden höchstens 1" in run.output  # the setting applies


def test_text_calendar_without_a_file_name_is_checked_as_ics() -> None:
    from bildungsdaten.hub.offers.importer import _named_by_type

    assert _named_by_type(None, "text/calendar") == "upload.ics"
    assert _named_by_type("basic", "text/calendar; charset=utf-8") == "basic.ics"
    assert _named_by_type("kurse.csv", "text/calendar") == "kurse.csv"  # its name says CSV
