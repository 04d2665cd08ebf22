"""/api/v1/offers as a search: German text, place and radius, free/accessible/language/
funding/topic, sort with keyset paging, facets whose counts equal the filtered counts, bad
input as 400 problem+json, and a number of SQL statements that does not grow with the data."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bildungsdaten.hub.db import make_sessionmaker, transaction
from bildungsdaten.hub.offers.store import ensure_provider, write_offers
from bildungsdaten.vocab.codelists import codelist, municipality_by_ags
from tests.search_sample import FAMILIE, LAMPERTHEIM, _offer, store_search_offers
from tests.support import fresh_postgres_database

BASE = "http://hub.test"
LIVE = {"kvhs/pc1", "kvhs/pc2", "kvhs/foto", "kvhs/fuehr", "kvhs/stadt", "kvhs/engl",
        "familienbildung/yoga"}
FACET_VALUES = {"life_phase": lambda: codelist("lebensphase").codes,
                "municipality": lambda: tuple(municipality_by_ags()),
                "topic": lambda: codelist("themenbereich").codes,
                "mode": lambda: codelist("lernform").codes,
                "language": lambda: codelist("sprache").codes,
                "funding": lambda: codelist("foerderung").codes}


@pytest.fixture
def search(app: Any, client: Any) -> Any:
    store_search_offers(app.extensions["hub"].engine)
    return client


def walk(client: Any, query: str, limit: int = 500) -> list[str]:
    """Every offer of a query, page by page through `next`, in the order given."""
    url: str | None = f"/api/v1/offers?limit={limit}&{query}"
    seen: list[str] = []
    while url:
        resp = client.get(url)
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
        seen.extend(item["id"] for item in body["items"])
        url = body["next"][len(BASE):] if body["next"] else None
    return seen


def found(client: Any, query: str) -> set[str]:
    return set(walk(client, query))


@pytest.mark.parametrize(("query", "expected"), [
    ("q=Computerkurse", {"kvhs/pc1", "kvhs/pc2", "kvhs/foto"}),
    ("q=fuehrung&municipality=06431020", {"kvhs/stadt"}),
    ("free=true", {"kvhs/pc1", "kvhs/fuehr"}),
    ("accessible=true", {"kvhs/pc1", "kvhs/foto", "kvhs/fuehr", "familienbildung/yoga"}),
    ("free=true&municipality=06431002", {"kvhs/fuehr"}),
    ("accessible=true&municipality=06431002", set()),  # one and the same date
    ("language=en", {"kvhs/fuehr", "kvhs/engl"}),
    ("language=en&language=de", {"kvhs/pc1", "kvhs/pc2", "kvhs/fuehr", "kvhs/engl"}),
    ("funding=bildungsgutschein", {"kvhs/pc1", "kvhs/engl"}),
    ("topic=kultur_gestalten", {"kvhs/foto", "kvhs/fuehr"}),
    ("topic=sprachen&topic=gesundheit", {"kvhs/engl", "familienbildung/yoga"}),
    ("life_phase=senioren", {"kvhs/pc1", "kvhs/stadt", "kvhs/foto"}),  # "alle" too
    ("near=Heppenheim&radius_km=1",
     {"kvhs/pc1", "kvhs/foto", "kvhs/fuehr", "familienbildung/yoga"}),
    ("near=06431011&radius_km=6", LIVE - {"kvhs/stadt", "kvhs/engl"}),
    ("near=64625&radius_km=2", {"kvhs/pc2", "kvhs/fuehr"}),  # Bensheim's postal code
    ("near=49.5403,8.5782&radius_km=2", {"kvhs/stadt"}),
    ("near=Viernheim&radius_km=10&free=true", set()),
    ("near=Lampertheim&radius_km=3", {"familienbildung/yoga"}),
])
def test_search_filters(search: Any, query: str, expected: set[str]) -> None:
    assert found(search, query) == expected


def test_a_compound_finds_its_parts_written_apart(search: Any) -> None:
    assert found(search, "q=Smartphonefotografie") == {"kvhs/foto"}  # "Fotografie mit dem Smartphone"


def test_default_radius_is_10_km(search: Any) -> None:
    assert found(search, "near=Viernheim") == {"kvhs/stadt", "familienbildung/yoga"}


@pytest.mark.parametrize("sort", ["&sort=relevance", ""])  # relevance is the default with q
def test_sort_relevance_puts_title_matches_first(search: Any, sort: str) -> None:
    order = walk(search, f"q=computerkurs{sort}")
    assert set(order[:2]) == {"kvhs/pc1", "kvhs/pc2"}  # "Computerkurs" in the title
    assert order[2:] == ["kvhs/foto"]  # only in the description
    assert walk(search, f"q=führung{sort}") == ["kvhs/fuehr", "kvhs/stadt"]


def test_without_text_the_default_order_is_the_date(search: Any) -> None:
    assert walk(search, "") == walk(search, "sort=date")


def test_sort_date_by_the_first_date(search: Any) -> None:
    assert walk(search, "sort=date") == ["kvhs/stadt", "familienbildung/yoga", "kvhs/pc2",
                                         "kvhs/fuehr", "kvhs/pc1", "kvhs/engl", "kvhs/foto"]


def test_sort_distance_nearest_date_first_and_no_place_last(search: Any) -> None:
    order = walk(search, "near=Bensheim&radius_km=100&sort=distance")
    assert order[:2] == ["kvhs/pc2", "kvhs/fuehr"]  # at Bensheim's centre
    assert order[-1] == "kvhs/stadt"  # Viernheim, farthest; "engl" has no place at all
    assert "kvhs/engl" not in order


@pytest.mark.parametrize("query", ["", "sort=date", "q=computerkurs&sort=relevance",
                                   "near=Bensheim&radius_km=100&sort=distance",
                                   "sort=date&accessible=true"])
def test_paging_returns_each_offer_once_in_the_same_order(search: Any, query: str) -> None:
    everything = walk(search, query)
    assert walk(search, query, limit=1) == everything
    assert walk(search, query, limit=2) == everything
    assert len(everything) == len(set(everything))


def test_a_cursor_of_another_order_is_refused(search: Any) -> None:
    body = search.get("/api/v1/offers?limit=1&q=computerkurs&sort=date").get_json()
    after = body["next"].split("after=")[1]
    resp = search.get(f"/api/v1/offers?limit=1&q=computerkurs&after={after}")
    assert resp.status_code == 400 and resp.get_json()["parameter"] == "after"


@pytest.mark.parametrize("query", [
    "", "q=computerkurs", "life_phase=senioren", "life_phase=senioren&life_phase=schule",
    "municipality=06431002&from=2026-03-04", "near=Bensheim&radius_km=5&mode=praesenz",
    "topic=kultur_gestalten&language=de", "free=true&accessible=true", "funding=sonstige",
    "mode=hybrid&municipality=06431013"])
def test_facet_counts_equal_the_counts_of_the_filtered_query(search: Any, query: str) -> None:
    body = search.get(f"/api/v1/offers?limit=500&facets=true&{query}").get_json()
    assert body["total"] == len(body["items"])
    for facet, values in FACET_VALUES.items():
        counts = body["facets"][facet]
        for value in values():
            expected = len(found(search, f"{query}&{facet}={value}"))
            assert counts.get(value, 0) == expected, (facet, value)


def test_offers_for_all_life_phases_count_for_every_phase(search: Any) -> None:
    phases = search.get("/api/v1/offers?facets=true").get_json()["facets"]["life_phase"]
    assert phases["fruehe_kindheit"] == 1 and phases["alle"] == 1  # "foto"
    assert phases["senioren"] == 3


def test_no_results_carry_a_spelling_suggestion(search: Any) -> None:
    body = search.get("/api/v1/offers?q=Compterkurs%20Abend").get_json()
    assert body == {"items": [], "next": None, "suggestion": "computerkurs abend"}
    assert "suggestion" not in search.get("/api/v1/offers?q=Computerkurs").get_json()


BAD = [
    ("near=12345", "near", "liegt nicht im Kreis"),
    ("near=Frankfurt", "near", "gibt es im Kreis nicht"),
    ("near=50.1,8.6", "near", "liegt nicht im Kreis"),
    ("near=91,8", "near", "Breite und Länge"),
    ("near=06411000", "near", "keiner Gemeinde"),
    ("near=", "near", "leer"),
    ("near=Bensheim&radius_km=-1", "radius_km", "größer als 0"),
    ("near=Bensheim&radius_km=0", "radius_km", "größer als 0"),
    ("near=Bensheim&radius_km=100000", "radius_km", "höchstens"),
    ("near=Bensheim&radius_km=nan", "radius_km", "größer als 0"),
    ("near=Bensheim&radius_km=zehn", "radius_km", "Zahl"),
    ("radius_km=5", "radius_km", "near"),
    ("sort=relevance", "sort", "Suchtext"),
    ("sort=distance", "sort", "near"),
    ("sort=alphabet", "sort", "relevance"),
    ("q=" + "x" * 10_000, "q", "Zeichen"),
    ("q=%25", "q", "kein Wort"),
    ("q=_", "q", "kein Wort"),
    ("q=%3Cscript%3Ealert(1)%3C/script%3E", "q", "HTML"),
    ("topic=kochen", "topic", "kochen"),
    ("language=xx", "language", "xx"),
    ("funding=lotto", "funding", "lotto"),
    ("free=ja", "free", "true"),
    ("accessible=1", "accessible", "true"),
    ("facets=yes", "facets", "true"),
    ("from=2026-02-30", "from", "Datum"),
    ("to=2026-13-01", "to", "Datum"),
    ("from=2026-05-01&to=2026-04-01", "to", "vor"),
    ("sort=date&sort=date", "sort", "einmal"),
]


@pytest.mark.parametrize(("query", "parameter", "words"), BAD)
def test_bad_input_is_a_400_problem_naming_the_parameter(search: Any, query: str,
                                                         parameter: str, words: str) -> None:
    resp = search.get(f"/api/v1/offers?{query}")
    assert resp.status_code == 400, resp.data[:300]
    assert resp.mimetype == "application/problem+json"
    problem = resp.get_json()
    assert problem["parameter"] == parameter
    assert words in problem["detail"], problem["detail"]
    assert "<script>" not in resp.get_data(as_text=True)


def test_feeds_take_the_new_filters_but_not_sort_or_facets(search: Any) -> None:
    resp = search.get("/feeds/offers.csv?q=führung&near=Viernheim&radius_km=5")
    assert resp.status_code == 200
    assert resp.get_data(as_text=True).count("Stadtgeschichte") >= 1
    assert "Führungen durch" not in resp.get_data(as_text=True)
    for query in ("sort=date", "facets=true"):
        resp = search.get(f"/feeds/offers.csv?{query}")
        assert resp.status_code == 400 and resp.get_json()["parameter"] == query.split("=")[0]


def _statements(app: Any, client: Any, url: str) -> int:
    engine = app.extensions["hub"].engine
    count = 0

    def counter(*_args: Any) -> None:
        nonlocal count
        count += 1

    sa.event.listen(engine, "before_cursor_execute", counter)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", counter)
    return count


def test_sql_statements_per_request_do_not_grow_with_the_results(app: Any, search: Any) -> None:
    url = ("/api/v1/offers?limit=500&q=computerkurs&life_phase=erwachsenenbildung"
           "&near=Bensheim&radius_km=30&sort=relevance&facets=true")
    _statements(app, search, url)  # warm: the first request of a process may set things up
    few = _statements(app, search, url)
    few_items = len(search.get(url).get_json()["items"])
    assert few_items > 0
    more = [_offer(FAMILIE, f"k{n}", f"Computerkurs Nummer {n}", venues=(None,) if n % 2 else
                   (LAMPERTHEIM,), life_phases=["erwachsenenbildung"]) for n in range(60)]
    with transaction(make_sessionmaker(app.extensions["hub"].engine)) as session:
        write_offers(session, ensure_provider(session, FAMILIE), more)
    many_items = len(search.get(url).get_json()["items"])
    assert many_items > few_items + 20
    assert _statements(app, search, url) == few


# --- the same answers from SQLite and PostgreSQL ---------------------------------------------

@pytest.fixture
def two_clients(tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    from bildungsdaten.hub.app import create_app
    from bildungsdaten.hub.migrate import upgrade

    apps = []
    with fresh_postgres_database("hubapisame") as pg_url:
        for name, url in (("lite", f"sqlite:///{tmp_path / 'same.sqlite'}"), ("pg", pg_url)):
            application = create_app({"database_url": url, "instance_path": tmp_path / name,
                                      "hub_base_uri": BASE, "secret_key": "test-secret"})
            engine = application.extensions["hub"].engine
            upgrade(engine)
            store_search_offers(engine)
            apps.append(application)
        try:
            yield apps[0].test_client(), apps[1].test_client()
        finally:
            for application in apps:
                application.extensions["hub"].engine.dispose()


def test_sqlite_and_postgresql_answer_alike(two_clients: tuple[Any, Any]) -> None:
    lite, pg = two_clients
    for query in ["facets=true", "q=computerkurs&sort=relevance&facets=true",
                  "q=führung&sort=relevance", "sort=date&facets=true&life_phase=senioren",
                  "near=Bensheim&radius_km=50&sort=distance&facets=true",
                  "near=64646&radius_km=3&free=true", "q=Compterkurs", "language=en&limit=1",
                  "q=bergstraße&accessible=true&facets=true"]:
        a, b = (_answer(client.get(f"/api/v1/offers?{query}").get_json())
                for client in (lite, pg))
        if "q=" in query:  # relevance: bm25 and ts_rank may order equal title hits apart
            a["items"], b["items"] = sorted(a["items"]), sorted(b["items"])
        assert a == b, query


def _answer(body: dict[str, Any]) -> dict[str, Any]:
    """The body with offers by id (their change stamps differ between the two databases)."""
    return {**body, "items": [item["id"] for item in body["items"]]}
