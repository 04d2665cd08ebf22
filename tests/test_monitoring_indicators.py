"""The monitoring's indicators, recomputed by a second, naive path: plain Python over the
API's JSON pages (/api/v1/offers), compared with the published CSV (both databases)."""
from __future__ import annotations

import csv
import io
import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bildungsdaten.hub.db import make_sessionmaker, transaction
from bildungsdaten.hub.monitoring.store import store_snapshot
from bildungsdaten.hub.offers.store import ensure_provider, write_offers
from bildungsdaten.vocab.codelists import municipalities
from bildungsdaten.vocab.records import InstanceRecord, OfferRecord, ProviderRecord, VenueRecord
from tests.demo_district import TODAY, load_demo

BASE = "http://hub.test"
PHASES = ["fruehe_kindheit", "schule", "ausbildung_beruf", "studium", "erwachsenenbildung",
          "senioren"]
TOPICS = ["politik_gesellschaft_umwelt", "kultur_gestalten", "gesundheit", "sprachen",
          "arbeit_beruf_it", "grundbildung_schulabschluesse", "familie_erziehung", "sonstiges"]


def api_offers(client: Any) -> list[dict[str, Any]]:
    """Every live offer as the API gives it, page by page."""
    items: list[dict[str, Any]] = []
    url: str | None = "/api/v1/offers?limit=100"
    while url:
        body = client.get(url).get_json()
        items += body["items"]
        url = body["next"][len(BASE):] if body["next"] else None
    return items


def census() -> dict[str, int]:
    """Zensus 2022 inhabitants, read straight from the shipped reference file."""
    from importlib import resources
    text = resources.files("bildungsdaten.vocab").joinpath(
        "data/population_zensus2022.csv").read_text("utf-8")
    return {r["ags"]: int(r["einwohner"]) for r in csv.DictReader(text.splitlines())}


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = (math.radians(x) for x in (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def naive(offers: list[dict[str, Any]], radius: float) -> dict[tuple[str, str, str], tuple]:
    """(indikator, ags, phase) -> (zaehler, nenner) by the issue's definitions, no shortcuts."""
    pop = census()
    centres = {m.ags: (m.lat, m.lon) for m in municipalities()}
    out: dict[tuple[str, str, str], tuple] = {}
    flag_names = {
        "anteil_kostenlos": lambda o: any(i["price_kind"] == "kostenlos" for i in o["instances"]),
        "anteil_online_hybrid": lambda o: any(i["mode"] in ("online_live", "online_selbstlern",
                                                            "hybrid", "blended")
                                              for i in o["instances"]),
        "anteil_barrierefrei": lambda o: any((i["venue"] or {}).get("venue_accessible") == "ja"
                                             for i in o["instances"]),
        "anteil_andere_sprache": lambda o: any(lang != "de" for lang in o["languages"]),
        "anteil_abends_wochenende": lambda o: any(
            "abends" in i["time_forms"] or "wochenende" in i["time_forms"] for i in o["instances"]),
        **{f"anteil_thema_{t}": (lambda o, t=t: o["topic"] == t) for t in TOPICS},
    }
    for phase in ["", *PHASES]:
        chosen = [o for o in offers
                  if phase == "" or phase in o["life_phases"] or "alle" in o["life_phases"]]
        for ags in ["06431", *pop]:
            if ags == "06431":
                here = chosen
                dates = sum(len(o["instances"]) for o in chosen)
            else:
                here = [o for o in chosen if any((i["venue"] or {}).get("ags") == ags
                                                 for i in o["instances"])]
                dates = sum(1 for o in chosen for i in o["instances"]
                            if (i["venue"] or {}).get("ags") == ags)
            people = sum(pop.values()) if ags == "06431" else pop[ags]
            out[("angebote_je_1000_einwohner", ags, phase)] = (len(here), people)
            out[("termine_je_1000_einwohner", ags, phase)] = (dates, people)
            for t in TOPICS:
                out[(f"angebote_je_1000_einwohner_thema_{t}", ags, phase)] = (
                    sum(1 for o in here if o["topic"] == t), people)
            units = sum((Decimal(i["teaching_units"]) for o in chosen for i in o["instances"]
                         if i["teaching_units"] is not None
                         and (ags == "06431" or (i["venue"] or {}).get("ags") == ags)),
                        Decimal(0))
            out[("unterrichtseinheiten_je_1000_einwohner", ags, phase)] = (
                int(units.quantize(Decimal(1), rounding=ROUND_HALF_UP)), people)
            if here:
                for name, test in flag_names.items():
                    out[(name, ags, phase)] = (sum(1 for o in here if test(o)), len(here))
        blank = 0
        for ags in pop:
            near = 0
            for o in chosen:
                places = []
                for i in o["instances"]:
                    v = i["venue"] or {}
                    if v.get("lat") is not None and v.get("lon") is not None:
                        places.append((float(v["lat"]), float(v["lon"])))
                    elif v.get("ags") in centres:
                        places.append(centres[v["ags"]])
                if any(km(p, centres[ags]) <= radius for p in places):
                    near += 1
            out[("angebote_in_reichweite", ags, phase)] = (near, None)
            blank += pop[ags] if near == 0 else 0
        out[("anteil_einwohner_weisse_flecken", "06431", phase)] = (blank, sum(pop.values()))
    return out


def published(client: Any) -> dict[tuple[str, str, str], dict[str, str]]:
    rows = csv.DictReader(io.StringIO(client.get("/monitoring/indikatoren.csv").data.decode()))
    return {(r["indikator"], r["gemeinde_ags"], r["lebensphase"]): r for r in rows}


def snapshot(app: Any, day: date = TODAY) -> None:
    hub = app.extensions["hub"]
    store_snapshot(hub.engine, hub.settings, day)


def test_csv_equals_a_naive_recomputation_over_the_api(app, client):
    load_demo(app, offers=160)
    snapshot(app)
    expected = naive(api_offers(client), app.extensions["hub"].settings.monitoring_radius_km)
    got = published(client)
    assert set(got) == set(expected)
    for key, (zaehler, nenner) in expected.items():
        row = got[key]
        assert (int(row["zaehler"]), row["nenner"]) == (zaehler, "" if nenner is None else str(nenner)), key
        scale = 1000 if "_je_1000_" in key[0] else 100
        value = zaehler if nenner is None else scale * zaehler / nenner
        assert math.isclose(float(row["wert"]), round(value, 4), abs_tol=1e-9), key
        assert row["stichtag"] == TODAY.isoformat()
    # the fixed points: the district row divides by 271,617; nothing divides by zero
    assert got[("angebote_je_1000_einwohner", "06431", "")]["nenner"] == "271617"
    assert all(r["nenner"] != "0" for r in got.values())
    # the demo exercises the conditions (a comparison of zeros would prove nothing)
    assert int(got[("unterrichtseinheiten_je_1000_einwohner", "06431", "")]["zaehler"]) > 0
    for name in ("anteil_kostenlos", "anteil_online_hybrid", "anteil_barrierefrei",
                 "anteil_abends_wochenende"):
        assert int(got[(name, "06431", "")]["zaehler"]) > 0, name


HEPPENHEIM = ("06431011", Decimal("49.6407"), Decimal("8.6367"))


def _offer(angebot_id: str, phases: list[str], venue: VenueRecord | None,
           mode: str = "praesenz") -> OfferRecord:
    return OfferRecord(angebot_id=angebot_id, title=f"Kurs {angebot_id}", description="Test",
                       life_phases=phases, languages=["de"],
                       instances=[InstanceRecord(start_date=date(2026, 5, 4), mode=mode,
                                                 venue=venue)],
                       provider=ProviderRecord(slug="t", name="T"))


def test_white_spots_count_neighbours_within_reach_and_the_population_left_out(app, client):
    provider = ProviderRecord(slug="traeger", name="Träger")
    heppenheim = VenueRecord(venue_name="Haus", ags=HEPPENHEIM[0], lat=HEPPENHEIM[1],
                             lon=HEPPENHEIM[2])
    # Laudenbach (Baden-Württemberg): outside the district, 3 km from Heppenheim's centre
    laudenbach = VenueRecord(venue_name="Außerhalb", ags="08226041", lat=Decimal("49.6130"),
                             lon=Decimal("8.6540"))
    records = [_offer("a", ["senioren"], heppenheim), _offer("b", ["alle"], laudenbach),
               _offer("c", ["schule"], None, mode="online_live")]
    with transaction(make_sessionmaker(app.extensions["hub"].engine)) as session:
        write_offers(session, ensure_provider(session, provider), records)
    app.extensions["hub"].settings.monitoring_radius_km = 6.0
    snapshot(app)
    got = published(client)
    expected = naive(api_offers(client), 6.0)
    reach = {k: int(v["zaehler"]) for k, v in got.items() if k[0] == "angebote_in_reichweite"}
    assert reach == {k: v[0] for k, v in expected.items() if k[0] == "angebote_in_reichweite"}
    assert reach[("angebote_in_reichweite", "06431011", "senioren")] == 2  # its own + Laudenbach's
    assert reach[("angebote_in_reichweite", "06431011", "schule")] == 1  # online reaches nobody
    bensheim, viernheim = "06431002", "06431020"
    assert reach[("angebote_in_reichweite", bensheim, "senioren")] == 1  # neighbour within 6 km
    assert reach[("angebote_in_reichweite", viernheim, "")] == 0
    share = got[("anteil_einwohner_weisse_flecken", "06431", "schule")]
    assert (int(share["zaehler"]), int(share["nenner"])) == \
        expected[("anteil_einwohner_weisse_flecken", "06431", "schule")]
    assert 0 < float(share["wert"]) < 100
    # the online-only offer counts in the district row, in no municipality
    assert got[("angebote_je_1000_einwohner", "06431", "schule")]["zaehler"] == "2"
