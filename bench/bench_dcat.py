"""A 1,000-dataset catalogue: streaming Turtle/JSON-LD/RDF-XML writers vs rdflib serialisation.

Target (issue 5): under 2 s each for Turtle and JSON-LD. Seeds 999 providers (one offer each)
into a temporary SQLite database, so the catalogue has 1,000 datasets on one page, then times
(median of 3): building the description from the database, rendering with the streaming
writers, building an rdflib Graph and serialising it, and the whole HTTP request in the app.
Run: .venv/bin/python -m bench.bench_dcat
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bildungsdaten.feeds.dcat import DEFAULT_PROFILE, PROFILES, to_graph
from bildungsdaten.hub.app import create_app
from bildungsdaten.hub.catalog import build_catalogue
from bildungsdaten.hub.db import make_engine
from bildungsdaten.hub.migrate import upgrade
from tests.catalog_data import seed

DATASETS = 1000


def timed(fn: Callable[[], object], runs: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    load = os.getloadavg()[0]
    folder = Path(tempfile.mkdtemp(prefix="bench-dcat-"))
    url = f"sqlite:///{folder / 'hub.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    seed(engine, DATASETS - 1, 1)
    engine.dispose()
    app = create_app({"database_url": url, "instance_path": folder, "secret_key": "bench",
                      "hub_base_uri": "https://daten.kreis-bergstrasse.de",
                      "catalog_page_size": DATASETS})
    hub = app.extensions["hub"]
    profile = PROFILES[DEFAULT_PROFILE]
    with hub.sessions() as session:
        t_build, cat = timed(lambda: build_catalogue(session, hub.settings, hub.dataset_sources))
    assert len(cat.datasets) == DATASETS  # type: ignore[attr-defined]
    t_nodes, nodes = timed(lambda: profile.catalogue_nodes(cat))  # type: ignore[arg-type]
    t_ttl, ttl = timed(lambda: profile.render_catalogue(cat, "turtle"))  # type: ignore[arg-type]
    t_jsonld, jsonld = timed(lambda: profile.render_catalogue(cat, "json-ld"))  # type: ignore[arg-type]
    t_xml, _ = timed(lambda: profile.render_catalogue(cat, "xml"))  # type: ignore[arg-type]
    t_graph, graph = timed(lambda: to_graph(nodes))  # type: ignore[arg-type]
    t_rdflib_ttl, _ = timed(lambda: graph.serialize(format="turtle"), runs=1)  # type: ignore[attr-defined]
    t_rdflib_jsonld, _ = timed(lambda: graph.serialize(format="json-ld"), runs=1)  # type: ignore[attr-defined]
    t_rdflib_xml, _ = timed(lambda: graph.serialize(format="xml"), runs=1)  # type: ignore[attr-defined]
    client = app.test_client()
    t_http_ttl, r1 = timed(lambda: client.get("/catalog.ttl"))
    t_http_jsonld, r2 = timed(lambda: client.get("/catalog.jsonld"))
    t_http_rdf, r3 = timed(lambda: client.get("/catalog.rdf"))
    for resp in (r1, r2, r3):
        assert resp.status_code == 200  # type: ignore[attr-defined]
    triples = len(graph)  # type: ignore[arg-type]
    print(f"load average at the start: {load:.1f} (2 cores; other work inflates the figures)")
    print(f"catalogue: {DATASETS} datasets, {triples} triples, Turtle {len(ttl) / 1e6:.1f} MB, "  # type: ignore[arg-type]
          f"JSON-LD {len(jsonld) / 1e6:.1f} MB")  # type: ignore[arg-type]
    print(f"{'step':44} {'seconds':>8}")
    rows = [
        ("description from the database (build_catalogue)", t_build),
        ("profile nodes (DCAT-AP.de 3.0)", t_nodes),
        ("streaming Turtle (nodes + writer)", t_ttl),
        ("streaming JSON-LD (nodes + writer)", t_jsonld),
        ("streaming RDF/XML (nodes + writer)", t_xml),
        ("baseline: rdflib Graph from nodes", t_graph),
        ("baseline: rdflib Graph -> Turtle", t_rdflib_ttl),
        ("baseline: rdflib Graph -> JSON-LD", t_rdflib_jsonld),
        ("baseline: rdflib Graph -> RDF/XML", t_rdflib_xml),
        ("HTTP GET /catalog.ttl (whole request)", t_http_ttl),
        ("HTTP GET /catalog.jsonld (whole request)", t_http_jsonld),
        ("HTTP GET /catalog.rdf (whole request)", t_http_rdf),
    ]
    for label, seconds in rows:
        print(f"{label:44} {seconds:8.3f}")
    print(f"speed-up Turtle: {(t_graph + t_rdflib_ttl) / t_ttl:.0f}x, "
          f"JSON-LD: {(t_graph + t_rdflib_jsonld) / t_jsonld:.0f}x, "
          f"RDF/XML: {(t_graph + t_rdflib_xml) / t_xml:.0f}x over rdflib; "
          f"target < 2 s per request: Turtle {'OK' if t_http_ttl < 2 else 'MISSED'}, "
          f"JSON-LD {'OK' if t_http_jsonld < 2 else 'MISSED'}")
    hub.engine.dispose()


if __name__ == "__main__":
    main()
