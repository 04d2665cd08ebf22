"""GET /api/v1/offers: live offers only, keyset paging, every filter, and the 400 cases."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from bildungsdaten.hub.db import make_sessionmaker, transaction
from bildungsdaten.hub.offers.store import ensure_provider, write_offers
from bildungsdaten.vocab.records import OfferRecord
from tests.api_sample import KVHS, full_offer, store_district, store_offer

BASE = "http://hub.test"
KVHS_LIVE = {f"kvhs-bergstrasse/k{n}" for n in range(1, 7)}
MUSIK = {f"musikschule-bensheim/m{n:02d}" for n in range(1, 9)}


@pytest.fixture
def district(app: Any, client: Any) -> Any:
    store_district(app.extensions["hub"].engine)
    return client


def ids(client: Any, query: str = "") -> set[str]:
    resp = client.get(f"/api/v1/offers?limit=500&{query}")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["next"] is None
    return {item["id"] for item in body["items"]}


def test_lists_live_offers_but_not_tombstones(district: Any) -> None:
    assert ids(district) == KVHS_LIVE | MUSIK


def test_paging_walks_every_offer_once_in_id_order(district: Any) -> None:
    seen: list[str] = []
    url: str | None = "/api/v1/offers?limit=3"
    pages = 0
    while url:
        body = district.get(url).get_json()
        seen.extend(item["id"] for item in body["items"])
        pages += 1
        url = body["next"]
        if url:
            assert url.startswith(BASE + "/api/v1/offers?")
            url = url[len(BASE):]
    assert pages == 5
    assert len(seen) == len(set(seen)) == 14
    assert set(seen) == KVHS_LIVE | MUSIK
    everything = district.get("/api/v1/offers?limit=500").get_json()["items"]
    assert seen == [item["id"] for item in everything]


def test_next_link_keeps_the_filters(district: Any) -> None:
    body = district.get("/api/v1/offers?provider=musikschule-bensheim&limit=5").get_json()
    query = urlsplit(body["next"]).query
    assert "provider=musikschule-bensheim" in query and "limit=5" in query
    rest = district.get(body["next"][len(BASE):]).get_json()
    assert {i["id"] for i in body["items"] + rest["items"]} == MUSIK
    assert rest["next"] is None


def test_default_page_size_is_50(app: Any, client: Any) -> None:
    many = [OfferRecord(angebot_id=f"n{n:03d}", title=f"Kurs {n}", description="",
                        provider=KVHS) for n in range(55)]
    engine = app.extensions["hub"].engine
    with transaction(make_sessionmaker(engine)) as session:
        write_offers(session, ensure_provider(session, KVHS), many)
    body = client.get("/api/v1/offers").get_json()
    assert len(body["items"]) == 50 and body["next"] is not None
    assert len(client.get(body["next"][len(BASE):]).get_json()["items"]) == 5


def test_filter_by_provider(district: Any) -> None:
    assert ids(district, "provider=kvhs-bergstrasse") == KVHS_LIVE
    assert ids(district, "provider=kvhs-bergstrasse&provider=musikschule-bensheim") == \
        KVHS_LIVE | MUSIK  # a repeated parameter means OR
    assert district.get("/api/v1/offers?provider=unbekannt").status_code == 400


def test_filter_by_municipality_of_any_instance_venue(district: Any) -> None:
    assert ids(district, "municipality=06431002") == {
        "kvhs-bergstrasse/k3", "kvhs-bergstrasse/k6"} | MUSIK


def test_filter_by_life_phase(district: Any) -> None:
    # k3 is coded "alle": it belongs to every life phase's selection, as in the feeds.
    assert ids(district, "life_phase=senioren") == {"kvhs-bergstrasse/k2", "kvhs-bergstrasse/k3"}
    assert ids(district, "life_phase=fruehe_kindheit") == MUSIK | {"kvhs-bergstrasse/k3"}


def test_filter_by_mode_of_any_instance(district: Any) -> None:
    assert ids(district, "mode=hybrid") == {"kvhs-bergstrasse/k6"}
    assert ids(district, "mode=online_live") == {"kvhs-bergstrasse/k2"}


def test_date_range_matches_overlapping_instances_and_undated_offers(district: Any) -> None:
    # k2 runs through June; k3 (rolling, undated) and k5 (no instances) always match.
    assert ids(district, "from=2025-06-10&to=2025-06-20") == {
        "kvhs-bergstrasse/k2", "kvhs-bergstrasse/k3", "kvhs-bergstrasse/k5"}


def test_date_range_between_two_instances_does_not_match(district: Any) -> None:
    # k6 has instances in January and September: a range in between matches neither.
    assert "kvhs-bergstrasse/k6" not in ids(district, "from=2025-02-01&to=2025-08-31")
    assert "kvhs-bergstrasse/k6" in ids(district, "from=2025-09-20&to=2025-10-01")


def test_date_from_alone_keeps_rolling_entry_without_end_date(district: Any) -> None:
    assert ids(district, "from=2027-01-01") == {
        "kvhs-bergstrasse/k3", "kvhs-bergstrasse/k4", "kvhs-bergstrasse/k5"}


def test_date_to_alone_matches_what_starts_by_then(district: Any) -> None:
    assert ids(district, "to=2025-01-15") == {
        "kvhs-bergstrasse/k3", "kvhs-bergstrasse/k5", "kvhs-bergstrasse/k6"}


def test_free_text_ignores_case_including_umlauts(district: Any) -> None:
    assert ids(district, "q=übungen") == {"kvhs-bergstrasse/k2"}
    assert ids(district, "q=TÖPFERN") == {"kvhs-bergstrasse/k1"}


def test_free_text_searches_the_description(district: Any) -> None:
    assert ids(district, "q=drehscheibe") == {"kvhs-bergstrasse/k1"}


def test_free_text_treats_like_wildcards_literally(district: Any) -> None:
    assert ids(district, "q=100%25") == {"kvhs-bergstrasse/k2"}
    # "_" separates words ("Tabellen_kalkulation"), it matches no single character.
    assert ids(district, "q=tabellen_kalkulation") == {"kvhs-bergstrasse/k2"}
    assert ids(district, "q=n_k") == set()


def test_instance_filters_hold_for_one_and_the_same_instance(district: Any) -> None:
    # k6: on site in Heppenheim, hybrid in Bensheim; neither instance is on site in Bensheim.
    assert ids(district, "provider=kvhs-bergstrasse&municipality=06431002&mode=praesenz") == {
        "kvhs-bergstrasse/k3"}


def test_items_carry_record_fields_and_a_self_link(district: Any) -> None:
    items = district.get("/api/v1/offers?provider=kvhs-bergstrasse").get_json()["items"]
    item = next(i for i in items if i["angebot_id"] == "k1")
    assert item["title"] == "Töpfern für Einsteiger"
    assert item["provider"]["slug"] == "kvhs-bergstrasse"
    assert item["instances"][0]["venue"]["ags"] == "06431011"
    assert item["self"] == BASE + "/api/v1/offers/kvhs-bergstrasse/k1"
    assert district.get(item["self"][len(BASE):]).get_json() == item


def test_offer_ids_with_slashes_and_spaces_have_working_links(app: Any, client: Any) -> None:
    record = full_offer()
    record.angebot_id = "25/01 A&B"
    store_offer(app.extensions["hub"].engine, record)
    item = client.get("/api/v1/offers").get_json()["items"][0]
    assert item["self"] == BASE + "/api/v1/offers/kvhs-bergstrasse/25%2F01%20A%26B"
    resp = client.get(item["self"][len(BASE):])
    assert resp.status_code == 200 and resp.get_json()["angebot_id"] == "25/01 A&B"
