"""Embeds for municipal websites: the list in the frame (same filters as the API), its framing
policy, cookies and German messages; the builder's snippet; the web teams' page examples."""
from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.demo_district import load_demo

BASE = "http://hub.test"


@pytest.fixture
def district(app: Any, client: Any) -> Any:
    load_demo(app, offers=200)
    return client


def listed_offers(body: str) -> list[str]:
    return [html.unescape(h).removeprefix(BASE + "/offers/")
            for h in re.findall(r'<h2><a href="([^"]+)"', body)]


def api_ids(client: Any, query: str) -> set[str]:
    return {i["id"] for i in client.get(f"/api/v1/offers?limit=500&{query}").get_json()["items"]}


def test_list_shows_offers_of_the_filter_in_new_tabs_said_in_words(district: Any) -> None:
    resp = district.get("/einbetten/liste?municipality=06431002&anzahl=5")
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    shown = listed_offers(body)
    assert 0 < len(shown) <= 5
    assert set(shown) <= api_ids(district, "municipality=06431002")
    assert body.count('target="_blank" rel="noopener"') == len(shown) + 1  # + "Alle …"
    assert body.count("(öffnet in neuem Tab)") >= len(shown)
    assert 'lang="de"' in body


def test_list_may_be_framed_sets_no_cookie_and_loads_nothing_from_elsewhere(district: Any) -> None:
    resp = district.get("/einbetten/liste")
    assert "frame-ancestors *" in resp.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in resp.headers
    assert "Set-Cookie" not in resp.headers
    body = resp.get_data(as_text=True)
    for url in re.findall(r'(?:src|href)="([^"]+)"', body):
        host = urlsplit(html.unescape(url)).netloc
        assert host in ("", "hub.test"), url


def test_allowed_origins_are_configurable(app: Any, district: Any) -> None:
    app.extensions["hub"].settings.embed_allowed_origins = "https://www.bensheim.de"
    resp = district.get("/einbetten/liste")
    # the hub's own builder page keeps its live preview
    assert resp.headers["Content-Security-Policy"].endswith(
        "frame-ancestors 'self' https://www.bensheim.de")


def test_more_than_500_entries_are_capped_and_said(district: Any) -> None:
    body = district.get("/einbetten/liste?anzahl=100000").get_data(as_text=True)
    assert "höchstens 500 Angebote" in body
    assert len(listed_offers(body)) == 198  # every live offer of the district, < 500


@pytest.mark.parametrize("query, words", [
    ("life_phase=rentner", "life_phase"),
    ("anzahl=viele", "anzahl"),
    ("farbe=pink", "farbe"),
    ("darstellung=riesig", "darstellung"),
    ("unsinn=1", "unsinn"),
])
def test_bad_parameters_are_said_in_german_inside_the_frame(district: Any, query: str,
                                                            words: str) -> None:
    resp = district.get(f"/einbetten/liste?{query}")
    assert resp.status_code == 400
    assert resp.mimetype == "text/html"
    body = resp.get_data(as_text=True)
    assert "Die Angebote können nicht angezeigt werden" in body and words in body
    assert "frame-ancestors" in resp.headers["Content-Security-Policy"]


def test_builder_gives_a_snippet_of_the_chosen_list(district: Any) -> None:
    body = district.get("/einbetten?municipality=06431002&life_phase=senioren&anzahl=3"
                        "&darstellung=ausfuehrlich&farbe=gruen").get_data(as_text=True)
    snippet = html.unescape(re.search(r'<textarea id="code"[^>]*>(.*?)</textarea>', body,
                                      re.S).group(1))
    src = re.search(r'src="([^"]+)"', snippet).group(1)
    assert src.startswith(BASE + "/einbetten/liste?")
    assert "municipality=06431002" in src and "life_phase=senioren" in src
    framed = district.get(src[len(BASE):])
    assert framed.status_code == 200
    assert 'class="farbe-gruen ausfuehrlich"' in framed.get_data(as_text=True)


def test_builder_says_what_is_wrong_in_german(district: Any) -> None:
    resp = district.get("/einbetten?municipality=99999999")
    assert resp.status_code == 200
    assert "Bitte prüfen" in resp.get_data(as_text=True)


def test_every_example_on_the_web_teams_page_answers(district: Any) -> None:
    body = district.get("/fuer-webteams").get_data(as_text=True)
    urls = {html.unescape(u) for u in re.findall(r"(?:https?|webcal)://hub\.test[^\s\"'<&]*"
                                                 r"(?:&amp;[^\s\"'<&]*)*", body)}
    assert len(urls) >= 6
    for url in urls:
        path = "/" + url.split("://hub.test/", 1)[1] if "://hub.test/" in url else "/"
        resp = district.get(path)
        assert resp.status_code == 200, (url, resp.status_code)
