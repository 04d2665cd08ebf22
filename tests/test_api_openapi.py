"""/api/v1/openapi.json is a valid OpenAPI 3.1 document, and the API answers as it says."""
from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from tests.api_sample import full_offer, store_district, store_offer
from tests.import_support import add_provider, add_token, auth, fixture_bytes

BASE = "http://hub.test"


@pytest.fixture
def spec(app: Any, client: Any) -> dict[str, Any]:
    engine = app.extensions["hub"].engine
    store_district(engine)
    store_offer(engine, full_offer())
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    return resp.get_json()  # type: ignore[no-any-return]


def check(spec: dict[str, Any], path: str, status: str, body: Any, method: str = "get") -> None:
    """Validate `body` against the documented response of `path` for `status`."""
    response = spec["paths"][path][method]["responses"][status]
    (media,) = response["content"].values()
    root = {**spec, **media["schema"]}  # $refs resolve against the document's components
    errors = sorted(Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)
                    .iter_errors(body), key=str)
    assert not errors, errors[0]


def test_document_is_valid_openapi_31(spec: dict[str, Any]) -> None:
    validate(spec)
    assert spec["openapi"].startswith("3.1")
    assert spec["servers"] == [{"url": BASE + "/api/v1"}]


def post_upload(app: Any, client: Any, fixture: str, query: str = "") -> tuple[str, Any]:
    """A provider's token and the answer to uploading a fixture file with it."""
    engine = app.extensions["hub"].engine
    token = add_token(engine, add_provider(engine, "pruefbetrieb", "Prüfbetrieb"))
    return token, client.post("/api/v1/uploads" + query, data=fixture_bytes(fixture),
                              headers={**auth(token), "Content-Type": "text/csv"})


def test_every_documented_path_answers_as_documented(app: Any, spec: dict[str, Any],
                                                     client: Any) -> None:
    # A real upload (a dry run keeps its original) for the provider's upload paths.
    token, posted = post_upload(app, client, "valid_cp1252.csv", "?dry_run=true")
    check(spec, "/uploads", "200", posted.get_json(), "post")
    upload = posted.get_json()["upload_id"]
    concrete = {"/offers/{provider}/{angebot_id}": "/offers/kvhs-bergstrasse/25H-10102",
                "/uploads/{upload_id}": f"/uploads/{upload}",
                "/uploads/{upload_id}/original": f"/uploads/{upload}/original"}
    for path, operations in spec["paths"].items():
        if "get" not in operations:
            continue
        secured = "security" in operations["get"]
        resp = client.get("/api/v1" + concrete.get(path, path),
                          headers=auth(token) if secured else {})
        assert resp.status_code == 200, path
        if path.endswith("/original"):
            assert resp.data == fixture_bytes("valid_cp1252.csv")
        else:
            check(spec, path, "200", resp.get_json())
        if secured:
            denied = client.get("/api/v1" + concrete.get(path, path))
            assert denied.status_code == 401
            check(spec, path, "401", denied.get_json())


def test_an_invalid_upload_answers_as_documented(app: Any, spec: dict[str, Any],
                                                 client: Any) -> None:
    _token, resp = post_upload(app, client, "with_errors.csv")
    assert resp.status_code == 422
    check(spec, "/uploads", "422", resp.get_json(), "post")
    assert resp.get_json()["errors"] and resp.get_json()["import"] is None


def test_full_offer_matches_the_offer_schema(spec: dict[str, Any], client: Any) -> None:
    body = client.get("/api/v1/offers/kvhs-bergstrasse/25H-10102").get_json()
    check(spec, "/offers/{provider}/{angebot_id}", "200", body)
    offer_props = spec["components"]["schemas"]["Offer"]["properties"]
    assert set(body) == set(offer_props)


def test_documented_error_responses_match_the_problem_schema(spec: dict[str, Any],
                                                             client: Any) -> None:
    cases = [("/offers", "400", "/offers?life_phase=x"),
             ("/offers/{provider}/{angebot_id}", "404", "/offers/kvhs-bergstrasse/nein"),
             ("/offers/{provider}/{angebot_id}", "410", "/offers/kvhs-bergstrasse/gone")]
    for path, status, url in cases:
        resp = client.get("/api/v1" + url)
        assert str(resp.status_code) == status
        check(spec, path, status, resp.get_json())


def test_every_query_parameter_is_documented(spec: dict[str, Any], client: Any) -> None:
    documented = {p["name"] for p in spec["paths"]["/offers"]["get"]["parameters"]}
    assert documented == {"provider", "municipality", "life_phase", "mode", "from", "to", "q",
                          "modified_since", "limit", "after", "topic", "language", "funding",
                          "free", "accessible", "near", "radius_km", "sort", "facets"}
    examples = {"provider": "kvhs-bergstrasse", "municipality": "06431011",
                "life_phase": "senioren", "mode": "praesenz", "from": "2025-01-01",
                "to": "2025-12-31", "q": "kurs", "modified_since": "2025-01-01", "limit": "2",
                "topic": "sprachen", "language": "en", "funding": "bildungsgutschein",
                "free": "true", "accessible": "true", "near": "64646", "sort": "date",
                "facets": "true"}
    for name, value in examples.items():
        assert client.get(f"/api/v1/offers?{name}={value}").status_code == 200, name


def test_search_answers_with_facets_and_suggestion_match_the_schema(
        spec: dict[str, Any], client: Any) -> None:
    body = client.get("/api/v1/offers?q=englisch&near=Bensheim&radius_km=20&sort=distance"
                      "&facets=true").get_json()
    assert body["total"] == 1 and body["facets"]["language"] == {"de": 1, "en": 1}
    check(spec, "/offers", "200", body)
    body = client.get("/api/v1/offers?q=englich").get_json()
    assert body["items"] == [] and body["suggestion"] == "englisch"
    check(spec, "/offers", "200", body)


def test_code_list_fields_document_their_codes(spec: dict[str, Any]) -> None:
    mode = spec["components"]["schemas"]["Instance"]["properties"]["mode"]
    assert "praesenz" in mode["enum"] and None in mode["enum"]
