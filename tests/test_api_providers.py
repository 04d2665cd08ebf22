"""GET /api/v1/providers: every provider with its number of live offers."""
from __future__ import annotations

from typing import Any

from tests.api_sample import store_district


def test_providers_with_live_offer_counts(app: Any, client: Any) -> None:
    store_district(app.extensions["hub"].engine)
    items = client.get("/api/v1/providers").get_json()["items"]
    counts = {item["slug"]: item["offer_count"] for item in items}
    # kvhs has 7 offers, one of them a tombstone; the association has none.
    assert counts == {"kvhs-bergstrasse": 6, "musikschule-bensheim": 8, "verein-ohne-angebote": 0}
    assert [item["slug"] for item in items] == sorted(counts)


def test_provider_fields_and_link_to_its_offers(app: Any, client: Any) -> None:
    store_district(app.extensions["hub"].engine)
    kvhs = client.get("/api/v1/providers").get_json()["items"][0]
    assert kvhs["name"] == "Kreisvolkshochschule Bergstraße" and kvhs["type"] == "vhs"
    assert kvhs["licence"] == "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
    assert kvhs["offers"] == "http://hub.test/api/v1/offers?provider=kvhs-bergstrasse"
    linked = client.get(kvhs["offers"].removeprefix("http://hub.test")).get_json()["items"]
    assert len(linked) == 6


def test_empty_hub_has_no_providers(client: Any) -> None:
    assert client.get("/api/v1/providers").get_json() == {"items": []}
