"""The provider workspace /hochladen/bereich through the Flask client: sign-in, score shown
with its rule, expiry lists, upload history with reports, offers with filters and keyset
paging, isolation by id guessing, and the current data as template (download → dry run →
nothing changes)."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy.orm import Session

from bildungsdaten.feeds.csv_feed import offer_to_template_rows
from bildungsdaten.hub.offers.expiry import local_today
from bildungsdaten.hub.offers.store import write_offers
from bildungsdaten.validators import template_csv
from bildungsdaten.vocab.columns import COLUMN_NAMES
from tests.api_sample import KVHS, full_offer
from tests.import_support import add_provider, add_token, fixture_bytes, uploads
from tests.test_uploads_page import csrf, sign_in
from tests.workspace_sample import EXPECTED_SCORE, PROBE, _offer, store_probe


@pytest.fixture
def probe(client, engine):
    ids = store_probe(engine, local_today())
    assert sign_in(client, add_token(engine, ids["probe"])).status_code == 303
    return ids


def test_upload_page_links_to_the_workspace_after_sign_in(client, probe):
    assert 'href="/hochladen/bereich"' in client.get("/hochladen").get_data(as_text=True)


def test_without_sign_in_the_workspace_leads_to_the_sign_in(client):
    resp = client.get("/hochladen/bereich")
    assert (resp.status_code, resp.headers["Location"]) == (303, "/hochladen")
    assert client.get("/hochladen/bereich/angebote").status_code == 303
    assert client.get("/hochladen/bereich/angebote.csv").status_code == 401
    assert client.get("/hochladen/bereich/angebote.xlsx").status_code == 401


def test_workspace_shows_score_with_its_rule_and_the_expiry_lists(client, probe):
    html = client.get("/hochladen/bereich").get_data(as_text=True)
    assert f"Qualitätspunkte: {EXPECTED_SCORE} von 100" in html
    assert "Punkte = 40 · V + 20 · B + 20 · A + 20 · M" in html
    assert "15 von 18 empfohlenen Angaben" in html
    assert "<strong>Förderung:</strong> in 2 von 3 Angeboten" in html
    assert "A – Aktualität: 16,0 von 20 Punkten" in html
    assert "M – Fehler und Warnungen: 17,0 von 20 Punkten" in html
    past = html[html.index('id="abgelaufen"'):html.index('id="bald"')]
    soon = html[html.index('id="bald"'):html.index('id="uploads"')]
    assert "Abgelaufene Angebote: 1" in past and "Töpfern für alle (halb)" in past
    assert "Englisch kompakt (voll)" in soon and "Französisch" not in soon
    assert "Abgesagter Kurs" not in html  # the tombstone


def test_history_lists_own_uploads_with_links_to_their_reports(client, engine, probe):
    html = client.get("/hochladen/bereich").get_data(as_text=True)
    own = [u.id for u in uploads(engine, probe["probe"])]
    links = [int(n) for n in re.findall(r'href="/hochladen/berichte/(\d+)"', html)]
    assert links == sorted(own, reverse=True)
    assert probe["foreign_upload"] not in links
    assert "Mit Fehlern – nichts übernommen" in html and "Probelauf" in html
    report = client.get(f"/hochladen/berichte/{own[1]}").get_data(as_text=True)
    assert "Prüfbericht" in report


def test_reports_of_another_provider_are_not_found(client, probe):
    foreign = probe["foreign_upload"]
    assert client.get(f"/hochladen/berichte/{foreign}").status_code == 404
    assert client.get(f"/hochladen/berichte/{foreign}.csv").status_code == 404
    assert client.get("/hochladen/berichte/999999").status_code == 404


def test_offers_list_only_own_offers_even_when_asked_for_another_provider(client, probe):
    html = client.get("/hochladen/bereich/angebote?provider=andere").get_data(as_text=True)
    assert "3 Angebote gefunden" in html
    assert "Fremdes Angebot" not in html
    assert "Englisch kompakt" in html and "Abgesagter Kurs" not in html


def test_offers_list_says_what_each_offer_lacks(client, probe):
    html = client.get("/hochladen/bereich/angebote?q=Töpfern").get_data(as_text=True)
    assert "1 Angebot gefunden" in html
    assert "<strong>3 von 6</strong>" in html
    assert "Es fehlt: Barrierefreiheit, Förderung, Voraussetzungen." in html


def test_offers_filters_are_the_filter_model(client, probe):
    today = local_today()
    window = f"from={today + timedelta(days=50)}&to={today + timedelta(days=200)}"
    html = client.get(f"/hochladen/bereich/angebote?{window}").get_data(as_text=True)
    assert "1 Angebot gefunden" in html and "Französisch Grundkurs" in html
    html = client.get("/hochladen/bereich/angebote?topic=gesundheit").get_data(as_text=True)
    assert "0 Angebote gefunden" in html


def test_a_bad_filter_is_a_german_error_on_the_page(client, probe):
    resp = client.get("/hochladen/bereich/angebote?topic=quatsch")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert 'role="alert"' in html and 'href="#topic"' in html and "Unbekannter Code" in html
    for cursor in ("abc", "²", "99999999999", "-1"):
        assert client.get(f"/hochladen/bereich/angebote?nach={cursor}").status_code == 400


def test_keyset_paging_walks_every_offer_once(client, engine, probe):
    extra = [_offer(PROBE, f"k-{n:02d}", f"Kurs {n:02d}", local_today() + timedelta(days=40),
                    True) for n in range(30)]
    with Session(engine) as session, session.begin():
        write_offers(session, probe["probe"], extra)
    seen: list[str] = []
    url = "/hochladen/bereich/angebote"
    pages = 0
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r"Kennung ([\w-]+)", html)
        found = re.search(r'href="([^"]+)" rel="next"', html)
        url = found.group(1).replace("&amp;", "&") if found else ""
        pages += 1
    assert pages == 2
    assert sorted(seen) == sorted(["voll", "halb", "weit", *(f"k-{n:02d}" for n in range(30))])


def _dry_run(client, engine, provider_id: int, data: bytes, name: str) -> dict[str, int]:
    resp = client.post("/hochladen", content_type="multipart/form-data", data={
        "csrf": csrf(client), "modus": "replace", "aktion": "pruefen",
        "datei": (io.BytesIO(data), name)})
    assert resp.status_code == 303
    last = uploads(engine, provider_id)[-1]
    assert (last.status, last.dry_run) == ("done", True), last.report
    assert last.report["stats"]["warnings"] == 0, last.report["errors"]
    return dict(last.stats)


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_download_then_dry_run_changes_nothing(client, engine, suffix):
    """Two providers' data as uploaded: a fixture file, and an offer with every column filled."""
    pid = add_provider(engine, "kvhs", "Kreisvolkshochschule Bergstraße")
    full = add_provider(engine, KVHS.slug, KVHS.name)
    for provider_id, data in ((pid, fixture_bytes("valid_cp1252.csv")),
                              (full, template_csv(rows=offer_to_template_rows(full_offer())))):
        sign_in(client, add_token(engine, provider_id))
        client.post("/hochladen", content_type="multipart/form-data", data={
            "csrf": csrf(client), "modus": "replace", "aktion": "importieren",
            "datei": (io.BytesIO(data), "angebote.csv")})
        assert uploads(engine, provider_id)[-1].status == "done"
    for provider_id in (pid, full):
        client.post("/hochladen/abmelden", data={"csrf": csrf(client)})
        sign_in(client, add_token(engine, provider_id))
        resp = client.get(f"/hochladen/bereich/angebote.{suffix}")
        assert resp.status_code == 200
        assert resp.headers["Cache-Control"] == "no-store"
        counts = _dry_run(client, engine, provider_id, resp.data, f"aktuell.{suffix}")
        assert counts["created"] == counts["updated"] == counts["deleted"] == 0, (provider_id, counts)
        assert counts["unchanged"] >= 1


def test_csv_download_is_the_template_with_one_row_per_date(client, probe):
    resp = client.get("/hochladen/bereich/angebote.csv")
    assert resp.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig")), delimiter=";"))
    assert tuple(rows[0]) == COLUMN_NAMES
    assert sorted(r[0] for r in rows[1:]) == ["halb", "voll", "weit"]
    assert 'filename="angebote-probe-' in resp.headers["Content-Disposition"]


def test_xlsx_download_keeps_every_cell_as_text(client, probe):
    book = openpyxl.load_workbook(io.BytesIO(client.get("/hochladen/bereich/angebote.xlsx").data))
    sheet = book["Angebote"]
    header = [c.value for c in sheet[1]]
    assert tuple(header) == COLUMN_NAMES
    plz = header.index("plz")
    values = [row[plz].value for row in sheet.iter_rows(min_row=2)]
    assert sorted(values) == ["64625", "64646", "64646"]
    assert {"Legende", "Werte"} <= set(book.sheetnames)


def test_xlsx_download_leaves_out_control_characters_xlsx_cannot_hold(client, engine, probe):
    odd = _offer(PROBE, "steuer", "Kurs\x01mit\x0bSteuerzeichen", local_today(), True)
    with Session(engine) as session, session.begin():
        write_offers(session, probe["probe"], [odd])
    resp = client.get("/hochladen/bereich/angebote.xlsx")
    assert resp.status_code == 200
    titles = [row[2].value for row in openpyxl.load_workbook(io.BytesIO(resp.data))[
        "Angebote"].iter_rows(min_row=2)]
    assert "KursmitSteuerzeichen" in titles
    csv_text = client.get("/hochladen/bereich/angebote.csv").data.decode("utf-8-sig")
    assert "Kurs\x01mit\x0bSteuerzeichen" in csv_text
