"""The office's data-quality overview /verwaltung/qualitaet: admin only, the hand-computed score
of the constructed provider, its CSV read back with the csv module, a details page."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from bildungsdaten.hub.offers.expiry import local_today
from tests.workspace_sample import EXPECTED_SCORE, store_probe

ADMIN = "geheim-geheim-geheim-geheim"
AS_ADMIN = {"Authorization": f"Bearer {ADMIN}"}


@pytest.fixture
def office(app, engine):
    app.extensions["hub"].settings.admin_token = ADMIN
    return store_probe(engine, local_today())


@pytest.mark.parametrize("path", ["/verwaltung/qualitaet", "/verwaltung/qualitaet.csv",
                                  "/verwaltung/qualitaet/probe"])
def test_only_the_office_sees_the_overview(client, office, path):
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Authorization": "Bearer falsch"}).status_code == 401
    assert client.get(path, headers=AS_ADMIN).status_code == 200


def test_overview_lists_every_provider_with_score_and_freshness(client, office):
    html = client.get("/verwaltung/qualitaet", headers=AS_ADMIN).get_data(as_text=True)
    probe = html[html.index("Probe-Bildungswerk"):]
    probe = probe[:probe.index("</tr>")]
    cells = [c.split(">", 1)[1] for c in probe.split("<td")[1:]]
    cells = [c[:c.index("</td>")] for c in cells]
    day = local_today() - timedelta(days=60)
    assert cells[0] == str(EXPECTED_SCORE) and cells[1] == "3"
    assert cells[2].endswith("(vor 60 Tagen)") and f"{day.year}" in cells[2]
    assert cells[3:] == ["1", "2", "67 %", "1"]
    assert 'href="/verwaltung/qualitaet/probe"' in html
    assert "Anderer Träger" in html


def test_overview_csv_reads_back_with_german_headers(client, office):
    resp = client.get("/verwaltung/qualitaet.csv", headers=AS_ADMIN)
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert resp.data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(resp.data.decode("utf-8-sig")), delimiter=";"))
    by_slug = {r["Kennung"]: r for r in rows}
    assert list(by_slug) == ["andere", "probe"]  # ordered by name
    day = local_today() - timedelta(days=60)
    assert by_slug["probe"] == {
        "Anbieter": "Probe-Bildungswerk", "Kennung": "probe",
        "Qualitätspunkte": str(EXPECTED_SCORE), "Veröffentlichte Angebote": "3",
        "Vollständigkeit (%)": "83", "Mit Angaben zur Barrierefreiheit (%)": "67",
        "Letzte Übernahme": f"{day:%d.%m.%Y}", "Tage seit letzter Übernahme": "60",
        "Letzter Upload": f"{local_today() - timedelta(days=1):%d.%m.%Y}",
        "Fehler im letzten Upload": "1", "Warnungen im letzten Upload": "2",
        "Abgelaufene Angebote": "1", "Enden in 14 Tagen": "1"}
    assert by_slug["andere"]["Letzte Übernahme"] == ""
    assert by_slug["andere"]["Tage seit letzter Übernahme"] == ""


def test_details_page_explains_the_score(client, office):
    html = client.get("/verwaltung/qualitaet/probe", headers=AS_ADMIN).get_data(as_text=True)
    assert f"Qualitätspunkte: {EXPECTED_SCORE} von 100" in html
    assert "Punkte = 40 · V + 20 · B + 20 · A + 20 · M" in html
    assert "1 − (Fehler + Warnungen ÷ 4) ÷ Zeilen" in html
    assert client.get("/verwaltung/qualitaet/gibt-es-nicht", headers=AS_ADMIN).status_code == 404


def test_the_overview_needs_the_provider_manager_role(app, client, engine, office):
    from tests.account_support import add_user, sign_in

    add_user(engine, "redaktion", "umfrage")
    add_user(engine, "anbieterpflege", "anbieter")
    sign_in(client, "redaktion")
    assert client.get("/verwaltung/qualitaet").status_code == 403
    assert 'href="/verwaltung/qualitaet"' not in client.get("/verwaltung/").get_data(as_text=True)
    client.post("/verwaltung/abmelden", data={"csrf": _csrf(client)})
    sign_in(client, "anbieterpflege")
    assert 'href="/verwaltung/qualitaet"' in client.get("/verwaltung/").get_data(as_text=True)
    assert client.get("/verwaltung/qualitaet").status_code == 200
    assert client.get("/verwaltung/qualitaet.csv").status_code == 200


def _csrf(client):
    import re

    html = client.get("/verwaltung/").get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)
