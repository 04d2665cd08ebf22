"""One filter model: the JSON API, the JSON-LD snapshot and the CSV feed select the same offers
for every filter combination, on both databases, and reject the same bad filters alike."""
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import frictionless
import pytest
import rdflib
from rdflib import RDF, URIRef
from rdflib.namespace import SDO

from tests.demo_district import TODAY, load_demo

BASE = "http://hub.test"


@pytest.fixture
def district(app: Any, client: Any) -> Any:
    """400 demo offers of every provider, two of them tombstoned (tombstones never match)."""
    load_demo(app)
    return client


def _first_provider(client: Any) -> str:
    return str(client.get("/api/v1/providers").get_json()["items"][0]["slug"])


def api_ids(client: Any, query: str) -> set[str]:
    url: str | None = f"/api/v1/offers?limit=500&{query}"
    seen: set[str] = set()
    while url:
        resp = client.get(url)
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
        seen.update(item["id"] for item in body["items"])
        url = body["next"][len(BASE):] if body["next"] else None
    return seen


def jsonld_ids(client: Any, query: str) -> set[str]:
    """Parsed by rdflib with the hub's own @context: the identities of the schema:Course nodes."""
    resp = client.get(f"/feeds/offers.jsonld?{query}")
    assert resp.status_code == 200
    doc = json.loads(resp.data)
    doc["@context"] = client.get("/vocab/context.jsonld").get_json()["@context"]
    for node in doc.get("@graph", []):
        node.pop("@context", None)
    graph = rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")
    prefix = BASE + "/offers/"
    return {str(s).removeprefix(prefix) for s in graph.subjects(RDF.type, SDO.Course)
            if isinstance(s, URIRef) and str(s).startswith(prefix)}


def csv_ids(client: Any, query: str, names: dict[str, str], tmp_path: Any) -> set[str]:
    """Read by frictionless with the feed's own Data Package: (provider, angebot_id) per row."""
    resp = client.get(f"/feeds/offers.csv?{query}")
    assert resp.status_code == 200
    (tmp_path / "angebote.csv").write_bytes(resp.data)
    package = client.get("/feeds/datapackage.json").get_json()
    package["resources"][0]["path"] = "angebote.csv"
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    resource = frictionless.Package(str(tmp_path / "datapackage.json")).resources[0]
    with resource:
        return {f"{names[row['anbieter_name']]}/{row['angebot_id']}"
                for row in resource.row_stream}


QUERIES = [
    "",
    "life_phase=senioren",
    "life_phase=senioren&life_phase=fruehe_kindheit",
    "life_phase=alle",
    "municipality=06431002",
    "municipality=06431002&municipality=06431011",
    "municipality=06431002&mode=praesenz",
    "mode=online_live&life_phase=erwachsenenbildung",
    f"from={TODAY.isoformat()}&to={(TODAY + timedelta(days=30)).isoformat()}",
    f"to={(TODAY - timedelta(days=1)).isoformat()}",
    "q=englisch",
    "q=kurs&life_phase=schule",
    "provider={first}",
    "provider={first}&life_phase=senioren",
]


@pytest.mark.parametrize("query", QUERIES)
def test_api_and_feeds_select_the_same_offers(district: Any, query: str, tmp_path: Any) -> None:
    query = query.format(first=_first_provider(district))
    names = {p["name"]: p["slug"] for p in district.get("/api/v1/providers").get_json()["items"]}
    from_api = api_ids(district, query)
    assert from_api == jsonld_ids(district, query)
    assert from_api == csv_ids(district, query, names, tmp_path)


def test_the_filters_select_something_and_not_everything(district: Any) -> None:
    """The table above is only meaningful if its filters really narrow the demo district."""
    everything = api_ids(district, "")
    assert len(everything) == 398
    for query in QUERIES[1:]:
        selected = api_ids(district, query.format(first=_first_provider(district)))
        assert selected < everything, query


def test_alle_matches_every_life_phase_and_or_within_a_parameter(district: Any) -> None:
    everything = api_ids(district, "")
    alle = api_ids(district, "life_phase=alle")
    senioren = api_ids(district, "life_phase=senioren")
    kinder = api_ids(district, "life_phase=fruehe_kindheit")
    assert alle and alle <= senioren and alle <= kinder
    assert api_ids(district, "life_phase=senioren&life_phase=fruehe_kindheit") == senioren | kinder
    assert senioren < everything


@pytest.mark.parametrize("query, parameter", [
    ("municipality=99999999", "municipality"),
    ("municipality=6431002", "municipality"),
    ("life_phase=rentner", "life_phase"),
    ("mode=zu_fuss", "mode"),
    ("provider=unbekannt", "provider"),
    ("from=2026-02-30", "from"),
    ("from=2026-03-01&to=2026-02-01", "to"),
    ("q=a&q=b", "q"),
    ("q=%00", "q"),
    ("farbe=blau", "farbe"),
])
def test_every_reader_rejects_a_bad_filter_alike(district: Any, query: str,
                                                 parameter: str) -> None:
    answers = [district.get(f"{path}?{query}") for path in
               ("/api/v1/offers", "/feeds/offers.jsonld", "/feeds/offers.csv")]
    bodies = []
    for resp in answers:
        assert resp.status_code == 400, resp.data[:200]
        assert resp.mimetype == "application/problem+json"
        bodies.append(resp.get_json())
    assert bodies[0]["parameter"] == parameter
    # The same problem everywhere; only an unknown name's detail lists each reader's extras.
    same = [{k: v for k, v in b.items() if k != "detail"} for b in bodies]
    assert same[0] == same[1] == same[2]
