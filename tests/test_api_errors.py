"""Bad requests to the API: 400 problem+json naming the parameter, 404 and 410, never HTML."""
from __future__ import annotations

from typing import Any

import pytest

from bildungsdaten.vocab.codelists import codelist
from tests.api_sample import store_district


@pytest.fixture
def district(app: Any, client: Any) -> Any:
    store_district(app.extensions["hub"].engine)
    return client


def problem(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status
    assert resp.mimetype == "application/problem+json"
    return resp.get_json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("query, parameter", [
    ("colour=blue", "colour"),
    ("municipality=6431002", "municipality"),
    ("municipality=abcdefgh", "municipality"),
    ("from=08.09.2025", "from"),
    ("to=2025-13-01", "to"),
    ("from=2025-06-01&to=2025-05-01", "to"),
    ("limit=0", "limit"),
    ("limit=501", "limit"),
    ("limit=viele", "limit"),
    ("after=kaputt", "after"),
    ("after=", "after"),
    ("q=", "q"),
    ("q=a&q=b", "q"),
    ("provider=unbekannt", "provider"),
    ("limit=5&limit=6", "limit"),
    ("limit=" + "9" * 5000, "limit"),
    ("modified_since=²", "modified_since"),
    ("q=a%00b", "q"),
])
def test_bad_offer_query_names_the_parameter(client: Any, query: str, parameter: str) -> None:
    body = problem(client.get(f"/api/v1/offers?{query}"), 400)
    assert body["code"] == "invalid-parameter"
    assert body["parameter"] == parameter
    assert parameter in body["title"] and body["detail"]


@pytest.mark.parametrize("parameter, scheme", [("life_phase", "lebensphase"),
                                               ("mode", "lernform")])
def test_unknown_code_lists_the_allowed_codes(client: Any, parameter: str, scheme: str) -> None:
    body = problem(client.get(f"/api/v1/offers?{parameter}=irgendwas"), 400)
    assert body["parameter"] == parameter
    assert body["allowed"] == list(codelist(scheme).codes)
    assert "irgendwas" in body["detail"]


def test_german_message_for_a_malformed_date(client: Any) -> None:
    body = problem(client.get("/api/v1/offers?from=gestern"), 400)
    assert body["detail"] == "Kein gültiges Datum; erwartet wird JJJJ-MM-TT."


def test_cursor_of_another_format_is_rejected(client: Any) -> None:
    import base64

    forged = base64.urlsafe_b64encode(b"x9:12").decode()
    assert problem(client.get(f"/api/v1/offers?after={forged}"), 400)["parameter"] == "after"


def test_unknown_parameter_on_providers(client: Any) -> None:
    assert problem(client.get("/api/v1/providers?page=2"), 400)["parameter"] == "page"


def test_unknown_offer_is_404(district: Any) -> None:
    body = problem(district.get("/api/v1/offers/kvhs-bergstrasse/gibt-es-nicht"), 404)
    assert body["code"] == "offer-not-found"


def test_unknown_provider_is_404(district: Any) -> None:
    assert problem(district.get("/api/v1/offers/niemand/k1"), 404)["code"] == "offer-not-found"


def test_deleted_offer_is_410(district: Any) -> None:
    body = problem(district.get("/api/v1/offers/kvhs-bergstrasse/gone"), 410)
    assert body["code"] == "offer-deleted"


def test_wrong_method_is_problem_json(client: Any) -> None:
    assert problem(client.post("/api/v1/offers"), 405)["code"] == "method-not-allowed"


def test_wrong_method_names_the_allowed_ones_in_german(client: Any) -> None:
    # Found by tests/test_api_schemathesis.py: the problem+json 405 dropped werkzeug's Allow
    # header (RFC 9110 requires it) and carried werkzeug's English description.
    resp = client.delete("/api/v1/providers")
    body = problem(resp, 405)
    assert set(resp.headers["Allow"].split(", ")) >= {"GET", "HEAD"}
    assert body["detail"] == "Diese Seite kann so nicht aufgerufen werden."
    assert "not allowed" not in resp.get_data(as_text=True)


def test_unknown_route_detail_is_german(client: Any) -> None:
    body = problem(client.get("/api/v1/angebote"), 404)
    assert body["detail"].startswith("Diese Seite gibt es nicht.")


def test_unknown_api_route_is_problem_json(client: Any) -> None:
    assert problem(client.get("/api/v1/angebote"), 404)["code"] == "not-found"


def test_database_failure_is_problem_json_not_html(tmp_path: Any) -> None:
    from bildungsdaten.hub.app import create_app

    broken = create_app({"database_url": f"sqlite:///{tmp_path / 'never-migrated.sqlite'}",
                         "instance_path": tmp_path, "secret_key": "test"})
    body = problem(broken.test_client().get("/api/v1/offers"), 500)
    assert body["code"] == "internal-error"
    broken.extensions["hub"].engine.dispose()
