"""The citizens' search page /angebote and the map /karte on the one filter model: filters
with counts, result cards with states in words, paging, the URL as the whole state, a German
hint instead of a 500 for bad input, and what to drop when nothing matches."""
from __future__ import annotations

import re
from datetime import date

import pytest

from bildungsdaten.hub.search.order import encode_cursor
from tests.portal_sample import store_portal_sample


@pytest.fixture
def sample(engine):
    store_portal_sample(engine)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def offer_links(html: str) -> list[str]:
    return re.findall(r'<h3><a href="(/offers/[^"]+)"', html)


def test_search_without_filters_lists_live_offers_with_counts_per_filter(client, sample):
    resp = client.get("/angebote")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    text = text_of(html)
    assert "17 Angebote gefunden" in text  # 7 kvhs - 1 tombstone + 8 musik + 3 portal sample
    # "alle" offers count for every phase: 2 senioren offers + 2 coded "alle".
    assert re.search(r'value="senioren"> Seniorinnen und Senioren <span class="facet-count">\(5\)', html)
    assert "Bensheim (" in text
    assert "Abgesagter Kurs" not in text  # tombstones never show


def test_result_cards_say_states_and_badges_in_words(client, sample):
    text = text_of(client.get("/angebote?q=Lesecaf%C3%A9").get_data(as_text=True))
    assert "1 Angebot gefunden" in text and "kostenlos" in text and "Heppenheim" in text
    text = text_of(client.get("/angebote?life_phase=senioren&q=Computerkurs")
                   .get_data(as_text=True))
    assert "Computerkurs für Senioren" in text and "Nächster Termin" in text


def test_filters_combine_and_the_url_holds_the_state(client, sample):
    html = client.get("/angebote?life_phase=fruehe_kindheit&municipality=06431002"
                      ).get_data(as_text=True)
    assert "9 Angebote gefunden" in text_of(html)  # 8 musik + 1 coded "alle"
    assert 'value="fruehe_kindheit" checked' in html
    assert '<option value="06431002" selected>' in html
    assert "Gemeinde: Bensheim" in text_of(html)  # an active filter that can be removed
    # The same search as a subscription (the subscriptions read the same filter model).
    assert 'href="/angebote.ics?municipality=06431002&amp;life_phase=fruehe_kindheit"' in html


def test_paging_returns_each_offer_once(client, sample):
    seen: list[str] = []
    url = "/angebote"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += offer_links(html)
        found = re.search(r'href="([^"]+)" rel="next"', html)
        url = found.group(1).replace("&amp;", "&") if found else ""
    assert len(seen) == 17 and len(set(seen)) == 17


def test_no_results_say_which_filter_to_drop(client, sample):
    html = client.get("/angebote?life_phase=fruehe_kindheit&mode=online_live"
                      ).get_data(as_text=True)
    text = text_of(html)
    assert "Keine Angebote gefunden" in text
    assert "Ohne „Lernform: Online (live)“ : 10 Angebote" in text
    assert 'href="/angebote?life_phase=fruehe_kindheit"' in html


def test_no_results_offer_a_spelling_from_the_indexed_words(client, sample):
    html = client.get("/angebote?q=Compterkurs&life_phase=senioren").get_data(as_text=True)
    assert "Keine Angebote gefunden" in text_of(html)
    assert ('Meinten Sie <a href="/angebote?life_phase=senioren&amp;q=computerkurs">'
            "„computerkurs“</a>?") in html
    found = client.get("/angebote?life_phase=senioren&q=computerkurs").get_data(as_text=True)
    assert "Computerkurs für Senioren" in found
    # The text finds offers, only the filters leave none: no spelling to offer.
    other = client.get("/angebote?q=Computerkurs&mode=online_live").get_data(as_text=True)
    assert "Keine Angebote gefunden" in text_of(other) and "Meinten Sie" not in other
    # The mended text would find nothing with the filters either: no suggestion that leads
    # to "nothing found" again; the page names the filters to drop instead.
    narrow = client.get("/angebote?q=Compterkurs&mode=online_live").get_data(as_text=True)
    assert "Meinten Sie" not in narrow and "Mit weniger Filtern" in narrow


@pytest.mark.parametrize("query, parameter", [
    ("life_phase=rentner", "life_phase"), ("municipality=12345678", "municipality"),
    ("from=2025-02-30", "from"), ("q=" + "x" * 10_000, "q"), ("nach=kaputt", "nach"),
    ("unbekannt=1", "unbekannt")])
def test_bad_input_gives_a_german_hint_never_a_500(client, sample, query, parameter):
    resp = client.get("/angebote?" + query)
    assert resp.status_code == 400 and resp.mimetype == "text/html"
    text = text_of(resp.get_data(as_text=True))
    assert "Bitte prüfen Sie Ihre Suche" in text and f"„{parameter}“" in text


def test_text_is_escaped_and_like_wildcards_are_plain(client, sample):
    html = client.get("/angebote?q=%3Cscript%3Ealert(1)%3C/script%3E").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "1 Angebot gefunden" in text_of(client.get("/angebote?q=100%25").get_data(as_text=True))
    # % and _ are no wildcards: a text of nothing but them has no word to search, said in German
    only_signs = client.get("/angebote?q=_%25_")
    assert only_signs.status_code == 400
    assert "„_%_“" in text_of(only_signs.get_data(as_text=True))


def test_map_links_each_municipality_to_the_filtered_search_with_the_same_numbers(client, sample):
    resp = client.get("/karte?life_phase=fruehe_kindheit")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert html.count("<path ") == 22
    assert 'aria-label="Bensheim: 9 Angebote"' in html
    assert "Bensheim</a>: 9 Angebote" in html
    link = "/angebote?life_phase=fruehe_kindheit&amp;municipality=06431002"
    assert f'href="{link}"' in html
    assert "© GeoBasis-DE / BKG" in html
    listed = text_of(client.get(link.replace("&amp;", "&")).get_data(as_text=True))
    assert "9 Angebote gefunden" in listed


def test_empty_form_fields_redirect_to_the_search_without_them(client, sample):
    resp = client.get("/angebote?q=&provider=&municipality=06431002&life_phase=senioren&from=")
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith("/angebote?municipality=06431002&life_phase=senioren")


def test_each_count_is_what_the_search_with_that_value_finds(client, sample):
    html = client.get("/angebote?q=e&municipality=06431011").get_data(as_text=True)
    shown = re.findall(r'name="(life_phase|mode)" value="([a-z_]+)"(?: checked)?> [^<]+'
                       r'<span class="facet-count">\((\d+)\)', html)
    assert len(shown) == 12
    for name, value, count in shown:
        found = text_of(client.get(f"/angebote?q=e&municipality=06431011&{name}={value}")
                        .get_data(as_text=True))
        expected = "Keine Angebote gefunden" if count == "0" else (
            "1 Angebot gefunden" if count == "1" else f"{count} Angebote gefunden")
        assert expected in found, (name, value, count)


def test_sql_statements_per_page_do_not_grow_with_the_results(app, client, sample):
    from sqlalchemy import event

    engine = app.extensions["hub"].engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cur, stmt, *args: statements.append(stmt))

    def count(url: str) -> int:
        statements.clear()
        assert client.get(url).status_code == 200
        return len(statements)

    # The first search after a change reads the search matrix (once, not per page).
    assert count("/angebote?q=Lesecafe") > count("/angebote?q=Lesecafe")
    few = count("/angebote?provider=kvhs-bergstrasse&q=Yoga")  # 1 result
    many = count("/angebote?provider=musikschule-bensheim&q=Musik")  # 8 results
    assert few == many


def test_next_month_is_one_tap_and_keeps_the_other_filters(client, sample):
    from datetime import date, timedelta

    today = date.today()
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    html = client.get("/angebote?life_phase=senioren").get_data(as_text=True)
    link = f"/angebote?life_phase=senioren&amp;from={first}&amp;to={last}"
    assert f'<a href="{link}">Nächsten Monat</a>' in html
    chosen = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "Nächsten Monat (gewählt)" in chosen


def test_with_a_value_selected_each_count_is_what_checking_one_more_finds(client, sample):
    """The counts are the API's facets: a value is counted as added to the selection (OR),
    which is what checking its box does."""
    html = client.get("/angebote?life_phase=senioren").get_data(as_text=True)
    shown = re.findall(r'name="life_phase" value="([a-z_]+)"(?: checked)?> [^<]+'
                       r'<span class="facet-count">\((\d+)\)', html)
    assert len(shown) == 6
    for value, count in shown:
        query = "life_phase=senioren" + ("" if value == "senioren" else f"&life_phase={value}")
        api = client.get(f"/api/v1/offers?{query}&limit=500&facets=true").get_json()
        assert api["total"] == int(count), (value, count)


def test_with_text_the_results_are_by_relevance_else_by_date(client, sample):
    html = client.get("/angebote?q=musik").get_data(as_text=True)
    assert "Sortiert nach Relevanz" in text_of(html)
    # "Musik…" in the title (Musikschule's courses) before hits elsewhere.
    assert all("/musikschule-bensheim/" in link for link in offer_links(html)[:8])
    assert "/kvhs-bergstrasse/" in offer_links(html)[-1]
    by_date = client.get("/angebote?q=musik&sort=date").get_data(as_text=True)
    assert "Sortiert nach Beginn" in text_of(by_date)
    assert "(1 Filter aktiv)" in by_date  # the order is no filter
    assert sorted(offer_links(by_date)) == sorted(offer_links(html))
    assert "Sortiert nach Beginn" in text_of(client.get("/angebote").get_data(as_text=True))


def test_relevance_is_offered_only_with_a_text(client, sample):
    def sort_options(url):
        html = client.get(url).get_data(as_text=True)
        select = re.search(r'<select id="f-sort".*?</select>', html, re.S).group(0)
        return re.findall(r'<option value="([^"]*)"', select)

    assert sort_options("/angebote") == ["", "date"]
    assert sort_options("/angebote?q=musik") == ["", "relevance", "date"]
    assert sort_options("/angebote?near=Bensheim") == ["", "date", "distance"]
    resp = client.get("/angebote?sort=relevance")
    assert resp.status_code == 400 and "Suchtext" in resp.get_data(as_text=True)


def test_a_next_link_of_another_order_is_refused_in_german(client, sample):
    token = encode_cursor("date", 1, date(2026, 3, 1))
    assert client.get(f"/angebote?nach={token}").status_code == 200
    resp = client.get(f"/angebote?q=musik&nach={token}")
    assert resp.status_code == 400 and "nächsten Seite ist ungültig" in resp.get_data(as_text=True)
