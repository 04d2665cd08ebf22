"""Monitoring: immutable daily snapshots (CLI, scheduler job), the open-data files, the
pages, bad input and the strict DCAT check with the new dataset (both databases)."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest
import rdflib
import sqlalchemy as sa
from click.testing import CliRunner

from bildungsdaten.hub.cli import main
from bildungsdaten.hub.db import make_sessionmaker
from bildungsdaten.hub.jobs.scheduler import all_jobs, run_job
from bildungsdaten.hub.monitoring.models import MonitoringValue
from bildungsdaten.hub.monitoring.store import store_snapshot
from bildungsdaten.hub.monitoring.svgmap import PALETTE
from tests.demo_district import TODAY, load_demo
from tests.support import shared_path

QB = rdflib.Namespace("http://purl.org/linked-data/cube#")


def snapshot(app, day: date = TODAY):
    hub = app.extensions["hub"]
    return store_snapshot(hub.engine, hub.settings, day)


def test_no_snapshot_yet_is_said_plainly(client):
    page = client.get("/monitoring")
    assert page.status_code == 200
    assert "Noch kein Stichtag gespeichert" in page.get_data(as_text=True)
    assert "Noch kein Stichtag" in client.get("/monitoring/gemeinden/06431011").get_data(as_text=True)
    assert client.get("/monitoring/indikatoren.csv").get_data(as_text=True).startswith(
        "indikator,gemeinde_ags,gemeinde_name,lebensphase,stichtag,wert,zaehler,nenner,einheit")
    assert "bildungsmonitoring" not in client.get("/catalog.ttl").get_data(as_text=True)


def test_a_day_is_stored_once_and_past_values_never_change(app, client):
    load_demo(app, offers=60)
    first = snapshot(app)
    assert first.created and first.values > 0
    before = client.get("/monitoring/indikatoren.csv").get_data(as_text=True)
    load_demo(app, offers=40, seed=9, tombstones=0)  # the offers change …
    again = snapshot(app)  # … but the same day keeps its first values
    assert not again.created and again.values == first.values
    assert client.get("/monitoring/indikatoren.csv").get_data(as_text=True) == before
    later = snapshot(app, TODAY + timedelta(days=1))
    assert later.created
    rows = list(csv.DictReader(io.StringIO(
        client.get("/monitoring/indikatoren.csv").get_data(as_text=True))))
    old = [r for r in rows if r["stichtag"] == TODAY.isoformat()]
    assert "\r\n".join(",".join(r.values()) for r in old) == "\r\n".join(
        line for line in before.splitlines()[1:])
    new = {(r["indikator"], r["gemeinde_ags"], r["lebensphase"]): r["zaehler"] for r in rows
           if r["stichtag"] != TODAY.isoformat()}
    assert new[("angebote_je_1000_einwohner", "06431", "")] != next(
        r["zaehler"] for r in old if (r["indikator"], r["gemeinde_ags"], r["lebensphase"])
        == ("angebote_je_1000_einwohner", "06431", ""))
    with make_sessionmaker(app.extensions["hub"].engine)() as session:
        value = session.execute(sa.select(MonitoringValue).limit(1)).scalar_one()
        value.wert = 99.0
        with pytest.raises(RuntimeError, match="unveränderlich"):
            session.flush()


def test_cli_and_scheduler_store_the_day(app, db_url, tmp_path):
    load_demo(app, offers=30)
    env = {"DATABASE_URL": db_url, "INSTANCE_PATH": str(tmp_path / "instance"),
           "HUB_BASE_URI": "http://hub.test", "SECRET_KEY": "test"}
    result = CliRunner().invoke(main, ["monitoring", "snapshot"], env=env)
    assert result.exit_code == 0, result.output
    assert "gespeichert" in result.output
    again = CliRunner().invoke(main, ["monitoring", "snapshot"], env=env)
    assert "war schon gespeichert" in again.output
    assert "monitoring-snapshot" in {job[0] for job in all_jobs()}
    assert not run_job(app, "monitoring-snapshot").created  # the CLI stored today already


def test_csv_has_a_table_schema_and_revalidates(app, client, tmp_path):
    import frictionless

    load_demo(app, offers=40)
    snapshot(app)
    resp = client.get("/monitoring/indikatoren.csv")
    assert resp.status_code == 200 and resp.headers["ETag"]
    assert client.get("/monitoring/indikatoren.csv",
                      headers={"If-None-Match": resp.headers["ETag"]}).status_code == 304
    (tmp_path / "indikatoren.csv").write_bytes(resp.data)
    schema = client.get("/monitoring/indikatoren.schema.json").get_json()
    package = {"resources": [{"name": "indikatoren", "path": "indikatoren.csv",
                              "schema": schema}]}
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    snapshot(app, TODAY + timedelta(days=1))  # a new day: a new tag
    assert client.get("/monitoring/indikatoren.csv",
                      headers={"If-None-Match": resp.headers["ETag"]}).status_code == 200


def test_data_cube_has_the_dimensions_measure_and_unit(app, client):
    load_demo(app, offers=30)
    snapshot(app)
    rows = list(csv.DictReader(io.StringIO(
        client.get("/monitoring/indikatoren.csv").get_data(as_text=True))))
    resp = client.get("/monitoring/indikatoren.jsonld")
    assert resp.mimetype == "application/ld+json"
    g = rdflib.Graph().parse(data=resp.get_data(as_text=True), format="json-ld")
    observations = set(g.subjects(rdflib.RDF.type, QB.Observation))
    assert len(observations) == len(rows)
    base = "http://hub.test/monitoring/indikatoren"
    gebiet, phase = rdflib.URIRef(base + "#gebiet"), rdflib.URIRef(base + "#lebensphase")
    unit = rdflib.URIRef("http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure")
    period = rdflib.URIRef("http://purl.org/linked-data/sdmx/2009/dimension#refPeriod")
    for obs in observations:
        assert str(g.value(obs, gebiet)).startswith("http://dcat-ap.de/def/politicalGeocoding/")
        assert str(g.value(obs, phase)).startswith("https://w3id.org/bildungsdaten/vocab/lebensphase/")
        assert g.value(obs, unit) is not None and g.value(obs, period) is not None
        assert g.value(obs, rdflib.URIRef(base + "#wert")) is not None
    # IC-5 and IC-19: every coded dimension has a code list holding each value it takes
    skos = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
    dimensions = set(g.objects(None, QB.dimension))
    assert len(dimensions) == 4
    for dim in dimensions:
        assert g.value(dim, rdflib.RDFS.range) is not None, dim
        if g.value(dim, rdflib.RDFS.range) == skos.Concept:
            codes = g.value(dim, QB.codeList)
            assert codes is not None, dim
            for obs in observations:
                assert (g.value(obs, dim), skos.inScheme, codes) in g, (dim, obs)
    assert client.get("/monitoring/indikatoren.jsonld",
                      headers={"If-None-Match": resp.headers["ETag"]}).status_code == 304


@pytest.mark.parametrize("url", [
    "/monitoring?indikator=gibt_es_nicht", "/monitoring?lebensphase=alle",
    "/monitoring?lebensphase=x&lebensphase=schule", "/monitoring/gemeinden/06431999",
    "/monitoring/gemeinden/%3Cscript%3E", "/monitoring/gemeinden/06431011?lebensphase=1",
    "/monitoring/indikatoren/gibt_es_nicht"])
def test_unknown_indicator_municipality_or_phase_is_a_german_404_page(client, url):
    resp = client.get(url)
    assert resp.status_code == 404
    assert "Nicht gefunden" in resp.get_data(as_text=True)
    assert "<script>" not in resp.get_data(as_text=True)


@pytest.mark.parametrize("query,status", [
    ("stichtag=gestern", 400), ("stichtag=2026-02-30", 400), ("tag=2026-03-02", 400),
    ("stichtag=2026-03-02&stichtag=2026-03-03", 400), ("stichtag=2020-01-01", 404)])
def test_bad_cube_query_is_problem_json(app, client, query, status):
    load_demo(app, offers=10)
    snapshot(app)
    resp = client.get(f"/monitoring/indikatoren.jsonld?{query}")
    assert resp.status_code == status
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json()["title"]


def test_dashboard_map_table_and_profile(app, client):
    load_demo(app, offers=60)
    snapshot(app)
    page = client.get("/monitoring?indikator=anteil_kostenlos&lebensphase=erwachsenenbildung")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count("<path ") == 22  # every municipality drawn
    assert "GeoBasis-DE / BKG" in html and "Zensus 2022" in html
    assert html.count('<th scope="row">') == 22  # the same values as a table
    assert 'href="/monitoring/indikatoren.csv"' in html
    css = client.get("/static/monitoring.css").get_data(as_text=True)
    assert all(colour in css for colour in PALETTE)  # the legend's swatches are the map's
    profile = client.get("/monitoring/gemeinden/06431011").get_data(as_text=True)
    assert "Heppenheim" in profile and "Angebote je 1.000 Einwohner" in profile
    definition = client.get("/monitoring/indikatoren/anteil_kostenlos").get_data(as_text=True)
    assert "Formel" in definition and "Quellen" in definition
    assert "/monitoring" in client.get("/").get_data(as_text=True)


def test_catalogue_with_the_monitoring_dataset_passes_strictly(app, client, tmp_path):
    import subprocess
    import sys

    kit = shared_path("standards", "dcat-ap-de", "check.py")
    load_demo(app, offers=20)
    snapshot(app)
    body = client.get("/catalog.ttl").get_data(as_text=True)
    assert "/datasets/bildungsmonitoring-indikatoren" in body
    document = tmp_path / "catalog.ttl"
    document.write_text(body)
    result = subprocess.run([sys.executable, str(kit), str(document), "--strict"], check=False,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout
    assert "0 violations, 0 warnings" in result.stdout
    dataset = client.get("/datasets/bildungsmonitoring-indikatoren.ttl")
    assert dataset.status_code == 200
    (tmp_path / "ds.ttl").write_bytes(dataset.data)
    result = subprocess.run([sys.executable, str(kit), str(tmp_path / "ds.ttl"), "--strict"],
                            check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout


def test_time_series_chart_and_table_from_the_second_day(app, client):
    load_demo(app, offers=30)
    snapshot(app)
    assert "ab dem zweiten gespeicherten Stichtag" in client.get("/monitoring").get_data(as_text=True)
    load_demo(app, offers=30, seed=5, tombstones=0)
    snapshot(app, TODAY + timedelta(days=1))
    for url in ("/monitoring?indikator=anteil_kostenlos", "/monitoring/gemeinden/06431002"):
        html = client.get(url).get_data(as_text=True)
        assert 'class="verlauf"' in html and "<polyline" in html, url
        assert TODAY.strftime("%d.%m.%Y") in html
        assert (TODAY + timedelta(days=1)).strftime("%d.%m.%Y") in html
    profile = client.get("/monitoring/gemeinden/06431002").get_data(as_text=True)
    assert profile.count("<polyline") == 2  # the municipality against the district


def test_two_snapshots_of_the_same_day_at_once_store_it_once(app):
    from concurrent.futures import ThreadPoolExecutor

    load_demo(app, offers=40)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: snapshot(app), range(2)))
    assert sorted(r.created for r in results) == [False, True]
    assert results[0].values == results[1].values
    with make_sessionmaker(app.extensions["hub"].engine)() as session:
        stored = session.execute(sa.select(sa.func.count()).select_from(
            MonitoringValue.__table__)).scalar()
    assert stored == results[0].values
