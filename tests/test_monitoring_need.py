"""Need against supply: need values read from a released, disclosure-controlled survey table
(tests/survey_synth.py), recomputed by hand from the published cells; a suppressed cell stays
suppressed on the pages, in the CSV and in the cube; the topic filter and the CSV's gzip and
caching headers (both databases)."""
from __future__ import annotations

import csv
import gzip
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import rdflib
from click.testing import CliRunner

from bildungsdaten.hub.cli import main
from bildungsdaten.hub.models import utcnow
from bildungsdaten.hub.monitoring.need import NeedMapError, parse_need_map
from bildungsdaten.hub.monitoring.store import store_snapshot
from bildungsdaten.vocab.codelists import municipalities
from tests import survey_synth
from tests.demo_district import load_demo
from tests.need_sample import TOPICS, release_with_need

QB = rdflib.Namespace("http://purl.org/linked-data/cube#")
@pytest.fixture
def released(app: Any, tmp_path: Path) -> Any:
    release_with_need(app, tmp_path)
    return app


def expected_need(engine: Any) -> dict[tuple[str, str, str], tuple[int, int] | None]:
    """(topic, area, phase) -> (zaehler, nenner) or None (suppressed), by hand from the
    published cells of both tables (the first table wins where both give a value)."""
    out: dict[tuple[str, str, str], tuple[int, int] | None] = {}
    areas = dict(zip((c for c, _ in survey_synth.municipality_codes()),
                     (m.ags for m in municipalities()), strict=True))
    for slug, groups in (("wunsch-gemeinde", {**{c: a for c, a in areas.items()},
                                              "_gesamt": "06431"}),
                         ("wunsch-alter", {"30-64": "erwachsenenbildung", "65+": "senioren",
                                           "_gesamt": ""})):
        cells = survey_synth.published_cells(engine, slug)
        for code, where in groups.items():
            for topic in sorted(set(TOPICS.values())):
                wish = [cells[(code, t)] for t, v in TOPICS.items() if v == topic]
                base = cells[(code, "_gesamt")]
                area, phase = (where, "") if slug == "wunsch-gemeinde" else ("06431", where)
                key = (topic, area, phase)
                if key in out:
                    continue
                if None in wish or base is None:
                    out[key] = None
                elif base > 0:
                    out[key] = (sum(wish), base)  # type: ignore[arg-type]
    return out


def csv_rows(client: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(
        client.get("/monitoring/indikatoren.csv").get_data(as_text=True))))


def test_need_values_are_the_published_cells_and_suppressed_ones_stay_suppressed(released,
                                                                                   client):
    expected = expected_need(released.extensions["hub"].engine)
    assert any(v is None for v in expected.values()), "the release suppresses no cell needed"
    assert sum(v is not None for v in expected.values()) > 20
    rows = {(r["indikator"].removeprefix("bedarf_thema_"), r["gemeinde_ags"], r["lebensphase"]): r
            for r in csv_rows(client) if r["indikator"].startswith("bedarf_thema_")}
    assert set(rows) == set(expected)
    release_day = utcnow().date().isoformat()
    for key, counts in expected.items():
        row = rows[key]
        assert row["stichtag"] == release_day and row["einheit"] == "%"
        assert row["quelle"].endswith("/survey/bu2026/1/" + (
            "wunsch-gemeinde" if key[2] == "" else "wunsch-alter")), key
        if counts is None:
            assert (row["wert"], row["zaehler"], row["nenner"], row["status"]) == ("", "", "", ".")
        else:
            assert (int(row["zaehler"]), int(row["nenner"]), row["status"]) == (*counts, "")
            assert float(row["wert"]) == round(100 * counts[0] / counts[1], 4)
    # "unter 30" groups two life phases: no value for either
    assert not any(k[2] in ("schule", "ausbildung_beruf") for k in rows)


def test_cube_leaves_suppressed_need_out_and_cites_the_release(released, client):
    g = rdflib.Graph().parse(data=client.get("/monitoring/indikatoren.jsonld").data,
                             format="json-ld")
    dct = rdflib.Namespace("http://purl.org/dc/terms/")
    sources = {str(o) for o in g.objects(None, dct.source)}
    assert sources and all("/survey/bu2026/1/wunsch-" in s for s in sources)
    expected = expected_need(released.extensions["hub"].engine)
    published = sum(v is not None for v in expected.values())
    assert len(set(g.subjects(dct.source, None))) == published
    for obs in g.subjects(rdflib.RDF.type, QB.Observation):  # IC-14: every one has its measure
        assert any(True for p, _ in g.predicate_objects(obs) if str(p).endswith("#wert")), obs


def test_dashboard_and_profile_set_need_against_supply_with_its_source(released, client):
    engine = released.extensions["hub"].engine
    expected = expected_need(engine)
    hidden = next(k for k, v in expected.items() if v is None and k[2] == "")
    page = client.get(f"/monitoring?thema={hidden[0]}&indikator=angebote_je_1000_einwohner")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Bedarf und Angebot" in text and "/survey/bu2026/1/wunsch-gemeinde" in text
    assert "– <span class=\"klein\">(gesperrt)</span>" in text and "Geheimhaltung" in text
    profile = client.get(f"/monitoring/gemeinden/{hidden[1]}").get_data(as_text=True)
    assert "Bedarf und Angebot nach Themenbereich" in profile and "(gesperrt)" in profile
    shown = next(k for k, v in expected.items() if v is not None and k[1] != "06431")
    zaehler, nenner = expected[shown]  # type: ignore[misc]
    profile = client.get(f"/monitoring/gemeinden/{shown[1]}").get_data(as_text=True)
    assert f"({zaehler} von {nenner})" in profile
    need_page = client.get(f"/monitoring?indikator=bedarf_thema_{shown[0]}").get_data(as_text=True)
    assert "Stand der Befragung" in need_page and f"({zaehler} von {nenner})" in need_page


def test_topic_filter_works_as_a_plain_get_form(app, client):
    load_demo(app, offers=60)
    hub = app.extensions["hub"]
    store_snapshot(hub.engine, hub.settings, date(2026, 3, 2))
    page = client.get("/monitoring?thema=sprachen&indikator=angebote_je_1000_einwohner")
    text = page.get_data(as_text=True)
    assert "<h2>Angebote im Themenbereich Sprachen je 1.000 Einwohner" in text
    assert '<option value="sprachen" selected>' in text
    # switching the topic keeps the kind of indicator; "all topics" goes back to its family
    text = client.get("/monitoring?thema=gesundheit&indikator=anteil_thema_sprachen").get_data(
        as_text=True)
    assert "<h2>Anteil Angebote im Themenbereich Gesundheit" in text
    text = client.get("/monitoring?thema=&indikator=angebote_je_1000_einwohner_thema_sprachen"
                      ).get_data(as_text=True)
    assert "<h2>Angebote je 1.000 Einwohner –" in text
    # without a mapping file the need indicator says where its values would come from
    text = client.get("/monitoring?indikator=bedarf_thema_sprachen").get_data(as_text=True)
    assert "Keine veröffentlichte Befragung nennt diesen Bedarf" in text
    assert client.get("/monitoring?thema=kochen").status_code == 404


def test_a_bad_mapping_file_is_reported_not_guessed(app, client, tmp_path):
    with pytest.raises(NeedMapError, match="06439999"):
        parse_need_map(b'[umfragen.x]\ntabellen = ["t"]\nthemen = { T1 = "sprachen" }\n'
                       b'gemeinden = { G01 = "06439999" }\n')
    with pytest.raises(NeedMapError, match="themen"):
        parse_need_map(b'[umfragen.x]\ntabellen = ["t"]\n')
    hub = app.extensions["hub"]
    bad = tmp_path / "bedarf.toml"
    bad.write_text("[umfragen.bu2026]\ntabellen = 3\n", encoding="utf-8")
    hub.settings.monitoring_bedarf = str(bad)
    text = client.get("/monitoring?thema=sprachen").get_data(as_text=True)
    assert "Bedarfsvergleich nicht möglich" in text and "„tabellen“" in text
    assert client.get("/monitoring/indikatoren.csv").status_code == 200


def test_csv_is_gzipped_when_accepted_and_revalidates_by_tag_and_date(released, client):
    plain = client.get("/monitoring/indikatoren.csv")
    packed = client.get("/monitoring/indikatoren.csv", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain.headers
    assert gzip.decompress(packed.data) == plain.data
    # the second plain request is served from the kept copy: the same bytes
    assert client.get("/monitoring/indikatoren.csv").data == plain.data
    assert len(packed.data) * 3 < len(plain.data)
    assert packed.headers["ETag"] != plain.headers["ETag"]
    assert plain.headers["Vary"] == packed.headers["Vary"] == "Accept-Encoding"
    modified = plain.headers["Last-Modified"]
    assert modified and modified == packed.headers["Last-Modified"]
    again = client.get("/monitoring/indikatoren.csv", headers={
        "Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert client.get("/monitoring/indikatoren.csv",
                      headers={"If-Modified-Since": modified}).status_code == 304
    # the tag decides when both are sent: another variant's tag is no match
    assert client.get("/monitoring/indikatoren.csv", headers={
        "If-None-Match": packed.headers["ETag"], "If-Modified-Since": modified}
    ).status_code == 200
    # another mapping changes the file's need rows: another tag
    hub = released.extensions["hub"]
    other = Path(hub.settings.monitoring_bedarf).with_name("anders.toml")
    other.write_text(Path(hub.settings.monitoring_bedarf).read_text("utf-8").replace(
        'T5 = "kultur_gestalten"', ""), encoding="utf-8")
    hub.settings.monitoring_bedarf = str(other)
    changed = client.get("/monitoring/indikatoren.csv")
    assert changed.headers["ETag"] != plain.headers["ETag"]
    assert "bedarf_thema_kultur_gestalten" not in changed.get_data(as_text=True)


def test_cli_checks_the_mapping_against_the_published_tables(released, db_url, tmp_path):
    hub = released.extensions["hub"]
    env = {"DATABASE_URL": db_url, "INSTANCE_PATH": str(tmp_path / "instance"),
           "HUB_BASE_URI": "http://hub.test", "SECRET_KEY": "test",
           "MONITORING_BEDARF": hub.settings.monitoring_bedarf}
    expected = expected_need(hub.engine)
    by_table = {"wunsch-gemeinde": [v for k, v in expected.items() if k[2] == ""],
                "wunsch-alter": [v for k, v in expected.items() if k[2] != ""]}
    result = CliRunner().invoke(main, ["monitoring", "bedarf"], env=env)
    assert result.exit_code == 0, result.output
    for table, values in by_table.items():
        suppressed = sum(v is None for v in values)
        assert (f"bu2026/{table} (Veröffentlichung 1): {len(values)} Bedarfswerte, davon "
                f"{suppressed} gesperrt.") in result.output
    bad = tmp_path / "falsch.toml"
    bad.write_text('[umfragen.bu2026]\ntabellen = ["x"]\nthemen = { T1 = "kochen" }\n',
                   encoding="utf-8")
    result = CliRunner().invoke(main, ["monitoring", "bedarf"],
                                env={**env, "MONITORING_BEDARF": str(bad)})
    assert result.exit_code == 1 and "„kochen“ ist kein bekannter Code" in result.output
