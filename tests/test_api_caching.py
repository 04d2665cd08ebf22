"""The JSON API caches like the feeds: a strong ETag from the answer's bytes, 304 for a client
that has them, Cache-Control, CORS; a changed offer changes the tag (over real HTTP)."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import requests

from tests.api_sample import full_offer, store_district, store_offer

PATHS = ["/api/v1/offers?limit=5", "/api/v1/providers",
         "/api/v1/offers/kvhs-bergstrasse/k1", "/api/v1/openapi.json"]


@pytest.fixture
def served(app: Any, live_server: str) -> str:
    store_district(app.extensions["hub"].engine)
    return live_server


@pytest.mark.parametrize("path", PATHS)
def test_answers_carry_a_tag_and_revalidate_to_304(served: str, path: str) -> None:
    first = requests.get(served + path, timeout=10)
    assert first.status_code == 200
    tag = first.headers["ETag"]
    assert tag.startswith('"') and not tag.startswith("W/")
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    again = requests.get(served + path, headers={"If-None-Match": tag}, timeout=10)
    assert (again.status_code, again.content, again.headers["ETag"]) == (304, b"", tag)
    other = requests.get(served + path, headers={"If-None-Match": '"anders"'}, timeout=10)
    assert other.status_code == 200 and other.content == first.content


def test_a_changed_offer_changes_the_tag(app: Any, served: str) -> None:
    url = served + "/api/v1/offers?provider=kvhs-bergstrasse&limit=50"
    before = requests.get(url, timeout=10)
    store_offer(app.extensions["hub"].engine, replace(full_offer(), title="Neuer Titel"))
    kvhs = requests.get(url, headers={"If-None-Match": before.headers["ETag"]}, timeout=10)
    assert kvhs.status_code == 200 and kvhs.headers["ETag"] != before.headers["ETag"]


def test_errors_are_not_cached_as_answers(served: str) -> None:
    resp = requests.get(served + "/api/v1/offers/kvhs-bergstrasse/gibt-es-nicht", timeout=10)
    assert resp.status_code == 404
    assert "ETag" not in resp.headers
