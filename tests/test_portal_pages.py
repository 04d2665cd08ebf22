"""The portal's other pages: start page, provider and municipality pages (keyset paging),
sitemap.xml and robots.txt, calendar files checked with a real iCalendar parser, the
Merkliste, German error pages, and the pages the accessibility law asks for."""
from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from datetime import datetime

import icalendar
import pytest
import sqlalchemy as sa

from bildungsdaten.hub.app import create_app
from bildungsdaten.hub.db import make_sessionmaker, transaction
from bildungsdaten.hub.offers.store import ensure_provider, write_offers
from tests.api_sample import KVHS, _offer
from tests.portal_sample import SOON, store_portal_sample

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def sample(engine):
    store_portal_sample(engine)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_start_page_puts_search_and_life_phases_first(client, sample):
    html = client.get("/").get_data(as_text=True)
    main = html[html.index("<main"):]
    assert main.index('action="/angebote"') < main.index("Offene Daten und Werkzeuge")
    assert 'href="/angebote?life_phase=senioren"' in main
    assert main.index("life_phase=senioren") < main.index("/feeds")
    assert 'class="skip" href="#inhalt"' in html and 'id="inhalt"' in html


def test_provider_page_pages_through_its_live_offers_once(client, sample):
    seen: list[str] = []
    url = "/anbieter/musikschule-bensheim"
    pages = 0
    while url:
        resp = client.get(url)
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        seen += re.findall(r'<h3><a href="(/offers/[^"]+)"', html)
        found = re.search(r'href="([^"]+)" rel="next"', html)
        url = found.group(1) if found else ""
        pages += 1
    assert len(seen) == 8 == len(set(seen)) and pages == 1
    text = text_of(client.get("/anbieter/kvhs-bergstrasse").get_data(as_text=True))
    assert "9 aktuelle Angebote" in text and "Abgesagter Kurs" not in text
    assert "info@kvhs.example" in text
    assert client.get("/anbieter/gibt-es-nicht").status_code == 404
    assert client.get("/anbieter/kvhs-bergstrasse?nach=kaputt").status_code == 400


def test_provider_page_keyset_paging_over_many_offers(client, engine):
    with transaction(make_sessionmaker(engine)) as session:
        write_offers(session, ensure_provider(session, KVHS),
                     [_offer(KVHS, f"p{n:02d}", f"Kurs {n}") for n in range(45)])
    seen: list[str] = []
    url = "/anbieter/kvhs-bergstrasse"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r'<h3><a href="(/offers/[^"]+)"', html)
        found = re.search(r'href="([^"]+)" rel="next"', html)
        url = found.group(1) if found else ""
    assert len(seen) == 45 == len(set(seen))


def test_municipality_page_lists_offers_with_a_date_there(client, sample):
    text = text_of(client.get("/gemeinden/06431002").get_data(as_text=True))
    assert "Angebote in Bensheim" in text and "Musikalische Früherziehung 1" in text
    assert "Töpfern" not in text  # Heppenheim only
    assert client.get("/gemeinden/99999999").status_code == 404
    assert "Zwingenberg" in text_of(client.get("/gemeinden").get_data(as_text=True))


def test_venue_iris_of_the_json_ld_answer_with_the_venue_page(client, sample):
    html = client.get("/offers/kvhs-bergstrasse/senioren-pc").get_data(as_text=True)
    iris = set(re.findall(r'"http://hub\.test(/anbieter/kvhs-bergstrasse/orte/[0-9a-f]+)"', html))
    linked = set(re.findall(r'<a href="(/anbieter/kvhs-bergstrasse/orte/[0-9a-f]+)"', html))
    assert iris and linked == iris  # the page links the places its JSON-LD names
    resp = client.get(sorted(iris)[0])
    assert resp.status_code == 200
    text = text_of(resp.get_data(as_text=True))
    assert "Am Markt 2 64625 Bensheim" in text and "Der Ort ist barrierefrei." in text
    assert "Computerkurs für Senioren" in text and "3 aktuelle Angebote" in text


def test_unknown_venues_answer_404_in_german(client, sample):
    html = client.get("/offers/kvhs-bergstrasse/senioren-pc").get_data(as_text=True)
    key = re.search(r"/orte/([0-9a-f]+)", html).group(1)
    assert client.get("/anbieter/kvhs-bergstrasse/orte/0000").status_code == 404
    resp = client.get(f"/anbieter/gibt-es-nicht/orte/{key}")
    assert resp.status_code == 404 and "nicht gefunden" in resp.get_data(as_text=True)


def test_sitemap_lists_every_live_page_and_robots_points_to_it(client, sample):
    resp = client.get("/sitemap.xml")
    assert resp.status_code == 200 and resp.mimetype == "application/xml"
    locs = [e.text for e in ET.fromstring(resp.get_data()).iter(f"{SITEMAP}loc")]
    assert "http://hub.test/offers/kvhs-bergstrasse/25H-10102" in locs
    assert "http://hub.test/offers/kvhs-bergstrasse/gone" not in locs
    assert "http://hub.test/anbieter/kvhs-bergstrasse" in locs
    assert "http://hub.test/anbieter/verein-ohne-angebote" not in locs
    assert "http://hub.test/gemeinden/06431002" in locs and "http://hub.test/angebote" in locs
    venues = [loc for loc in locs if "/orte/" in loc]
    assert venues and all(client.get(loc[len("http://hub.test"):]).status_code == 200
                          for loc in venues)
    assert len(locs) == len(set(locs)) == 10 + 2 + 22 + 17 + len(venues)
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://hub.test/sitemap.xml" in robots and "Disallow: /hochladen" in robots


def test_sitemap_becomes_an_index_beyond_its_limit(db_url, tmp_path, engine):
    store_portal_sample(engine)
    app = create_app({"database_url": db_url, "instance_path": tmp_path / "i",
                      "hub_base_uri": "http://hub.test", "secret_key": "x"})
    whole = [e.text for e in ET.fromstring(app.test_client().get("/sitemap.xml").get_data())
             .iter(f"{SITEMAP}loc")]
    app.extensions["hub"].engine.dispose()
    app = create_app({"database_url": db_url, "instance_path": tmp_path / "i",
                      "hub_base_uri": "http://hub.test", "secret_key": "x",
                      "sitemap_max_urls": 10})
    client = app.test_client()
    index = ET.fromstring(client.get("/sitemap.xml").get_data())
    parts = [e.text for e in index.iter(f"{SITEMAP}loc")]
    # 10 + 2 static and directory pages, 22 municipalities, venues, 17 offers: 10 per file
    assert index.tag == f"{SITEMAP}sitemapindex" and len(parts) == -(-len(whole) // 10) > 5
    locs: list[str] = []
    for part in parts:
        body = client.get(part.replace("http://hub.test", ""))
        assert body.status_code == 200
        found = [e.text for e in ET.fromstring(body.get_data()).iter(f"{SITEMAP}loc")]
        assert 0 < len(found) <= 10, part  # no file beyond the limit, the directory included
        locs += found
    assert locs == whole  # every page once, in the same order
    assert len([u for u in locs if "/offers/" in u]) == 17
    assert client.get(f"/sitemap-{len(parts) + 1}.xml").status_code == 404
    app.extensions["hub"].engine.dispose()


def parse_calendar(body: bytes) -> icalendar.Calendar:
    cal = icalendar.Calendar.from_ical(body)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    return cal


def test_each_date_is_a_calendar_file_in_berlin_time(client, sample):
    """The same event (same UID) as the search subscription /angebote.ics carries."""
    html = client.get("/offers/kvhs-bergstrasse/25H-10102").get_data(as_text=True)
    link = re.search(r'href="(/kalender/[^"]+)" download', html).group(1).replace("&amp;", "&")
    resp = client.get(link)
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    cal = parse_calendar(resp.get_data())
    zones = [c for c in cal.walk("VTIMEZONE")]
    assert [str(z["TZID"]) for z in zones] == ["Europe/Berlin"]
    (event,) = cal.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert start == datetime(2025, 9, 8, 18, 30, tzinfo=start.tzinfo)
    assert str(start.tzinfo) in ("Europe/Berlin", "CEST", "CET") or \
        start.utcoffset().total_seconds() == 7200
    assert event.decoded("DTEND").hour == 20
    assert "Bis 15.12.2025, 12 Termine" in str(event["DESCRIPTION"])
    assert "Heppenheim" in str(event["LOCATION"]) and "Englisch A2" in str(event["SUMMARY"])
    assert str(event["URL"]).endswith("/kvhs-bergstrasse/25H-10102")
    subscription = parse_calendar(client.get("/angebote.ics?provider=kvhs-bergstrasse")
                                  .get_data())
    assert str(event["UID"]) in {str(e["UID"]) for e in subscription.walk("VEVENT")}


def test_cancelled_dates_have_no_calendar_link_but_say_so_in_the_file(client, sample):
    html = client.get("/offers/kvhs-bergstrasse/senioren-pc").get_data(as_text=True)
    links = re.findall(r'href="/kalender/kvhs-bergstrasse/senioren-pc\.ics\?termin=(\d)"', html)
    assert links == ["0", "2", "3", "4"]  # date 1 is cancelled
    cal = parse_calendar(client.get("/kalender/kvhs-bergstrasse/senioren-pc.ics").get_data())
    states = {str(e["UID"]).split("@")[0]: str(e["STATUS"]) for e in cal.walk("VEVENT")}
    assert states["kvhs-bergstrasse/senioren-pc#b"] == "CANCELLED"
    assert states["kvhs-bergstrasse/senioren-pc#e"] == "TENTATIVE"
    assert states["kvhs-bergstrasse/senioren-pc#a"] == "CONFIRMED"
    first = next(e for e in cal.walk("VEVENT") if str(e["UID"]).startswith(
        "kvhs-bergstrasse/senioren-pc#a"))
    assert first.decoded("DTSTART").date() == SOON
    assert client.get("/kalender/kvhs-bergstrasse/senioren-pc.ics?termin=9").status_code == 404
    assert client.get("/kalender/kvhs-bergstrasse/senioren-pc.ics?termin=x").status_code == 400
    assert client.get("/kalender/kvhs-bergstrasse/gone.ics").status_code == 410


def test_merkliste_renders_named_offers_and_exports_them_as_ics(client, sample):
    query = "angebot=kvhs-bergstrasse/senioren-pc&angebot=kvhs-bergstrasse/lesecafe" \
            "&angebot=kvhs-bergstrasse/gone"
    resp = client.get("/merkliste?" + query)
    text = text_of(resp.get_data(as_text=True))
    assert "2 Angebote gemerkt" in text and "Computerkurs für Senioren" in text
    assert "1 gemerktes Angebot gibt es nicht mehr" in text
    assert "Set-Cookie" not in resp.headers
    cal = parse_calendar(client.get("/merkliste.ics?" + query).get_data())
    assert len(cal.walk("VEVENT")) == 6
    assert "Ihre Merkliste ist leer" in text_of(client.get("/merkliste").get_data(as_text=True))
    assert client.get("/merkliste?angebot=x").status_code == 400


@pytest.mark.parametrize("path, status, words", [
    ("/gibt-es-nicht", 404, "Seite nicht gefunden"),
    ("/offers/kvhs-bergstrasse/gone", 410, "Das Angebot gibt es nicht mehr"),
    ("/survey/admin", 403, "Kein Zugriff"),
    ("/anbieter/kvhs-bergstrasse?nach=x", 400, "Die Anfrage ist ungültig")])
def test_error_pages_are_german_and_in_the_layout(client, sample, path, status, words):
    resp = client.get(path)
    assert resp.status_code == status and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert '<html lang="de">' in html and words in html and "Hauptnavigation" in html


def test_json_paths_keep_problem_json(client, sample):
    resp = client.get("/api/v1/gibt-es-nicht")
    assert resp.status_code == 404 and resp.mimetype == "application/problem+json"


def test_too_large_bodies_answer_413_in_german(client):
    resp = client.post("/barriere-melden", data=b"x" * (22 * 1024 * 1024),
                       content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 413 and "Die Datei ist zu groß" in resp.get_data(as_text=True)


def test_unexpected_errors_answer_a_german_500_page(app):
    @app.get("/kaputt")
    def broken() -> str:
        raise RuntimeError("kaputt")
    app.config["TESTING"] = False
    resp = app.test_client().get("/kaputt")
    assert resp.status_code == 500 and "Ein Fehler ist aufgetreten" in resp.get_data(as_text=True)


@pytest.mark.parametrize("path, words", [
    ("/barrierefreiheit", "Erklärung zur Barrierefreiheit"),
    ("/leichte-sprache", "Informationen in Leichter Sprache"),
    ("/impressum", "Kreis Bergstraße – Bildungskoordination"),
    ("/datenschutz", "localStorage")])
def test_law_pages_exist(client, path, words):
    resp = client.get(path)
    assert resp.status_code == 200 and words in resp.get_data(as_text=True)


def test_imprint_and_privacy_texts_are_configurable(db_url, tmp_path):
    app = create_app({"database_url": db_url, "instance_path": tmp_path / "i",
                      "secret_key": "x", "imprint_text": "Erster Absatz.\n\nZweiter <Absatz>.",
                      "privacy_text": "Eigene Erklärung."})
    client = app.test_client()
    html = client.get("/impressum").get_data(as_text=True)
    assert "<p>Erster Absatz.</p>" in html and "<p>Zweiter &lt;Absatz&gt;.</p>" in html
    assert "Eigene Erklärung." in client.get("/datenschutz").get_data(as_text=True)
    app.extensions["hub"].engine.dispose()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_barrier_report_is_stored_with_csrf_and_listed_for_the_admin(db_url, tmp_path, engine):
    app = create_app({"database_url": db_url, "instance_path": tmp_path / "i",
                      "secret_key": "x", "admin_token": "geheim-geheim-geheim"})
    client = app.test_client()
    form = {"page": "/angebote", "description": "Der Filter ist mit dem Vorleser unklar.",
            "name": "", "email": "person@example.org"}
    assert client.post("/barriere-melden", data=form).status_code == 400  # no token
    token = csrf_of(client.get("/barriere-melden").get_data(as_text=True))
    bad = client.post("/barriere-melden", data={**form, "csrf": token, "description": "",
                                                 "email": "kaputt"})
    assert bad.status_code == 400
    assert "Bitte beschreiben Sie die Barriere." in bad.get_data(as_text=True)
    assert 'aria-invalid="true"' in bad.get_data(as_text=True)
    resp = client.post("/barriere-melden", data={**form, "csrf": token})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/barriere-melden/danke")
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT description, email FROM barrier_reports")).all()
    assert rows == [(form["description"], "person@example.org")]
    assert client.get("/admin/barrieren").status_code == 401
    auth = {"Authorization": "Basic " + base64.b64encode(b"admin:geheim-geheim-geheim").decode()}
    html = client.get("/admin/barrieren", headers=auth).get_data(as_text=True)
    assert "Der Filter ist mit dem Vorleser unklar." in html and "Antwort fällig bis" in html
    report_id = re.search(r'name="beantwortet" value="(\d+)"', html).group(1)
    done = client.post("/admin/barrieren", headers=auth,
                       data={"beantwortet": report_id, "csrf": csrf_of(html)})
    assert done.status_code == 303
    assert "Beantwortet am" in client.get("/admin/barrieren", headers=auth).get_data(as_text=True)
    app.extensions["hub"].engine.dispose()


def test_survey_chart_scales_down_to_a_narrow_screen():
    from bildungsdaten.feeds.survey import TOTAL, SurveyDimension, SurveyTableData
    from bildungsdaten.hub.survey.svg import bar_chart

    dim = SurveyDimension("antwort", "Antwort", [("a", "Ja"), ("b", "Nein")])
    table = SurveyTableData("http://hub.test/t", "s", "S", 1, "t", "Titel", "Q1", [dim],
                            [(("a",), 10), (("b",), 5), ((TOTAL,), 15)])
    svg = str(bar_chart(table))
    width, height = re.search(r'width="(\d+)" height="(\d+)"', svg).groups()
    assert f'viewBox="0 0 {width} {height}"' in svg  # CSS max-width: 100% then keeps its shape
