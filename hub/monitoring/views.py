"""The monitoring pages (dashboard, municipality profiles, definitions) and its open data
(CSV with Table Schema, RDF Data Cube JSON-LD)."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request, stream_with_context

from ...feeds.http import etag, etag_matches
from ...feeds.monitoring import table_schema, to_csv, to_jsonld
from ...vocab.codelists import municipality_by_ags
from ...vocab.geo import BOUNDARIES_ATTRIBUTION, POPULATION_SOURCE
from ..context import current_hub
from ..offers.queries import read_snapshot
from ..pages_nav import PageLink
from ..problems import Problem, bad_parameter
from .definitions import ALL_PHASES, indicators, life_phases, phase_label
from .present import BASE_PATH, area_names, cube_meta, german_number
from .store import iter_stored_values, series_state, stored_values
from .svgchart import legend as chart_legend
from .svgchart import line_chart
from .svgmap import choropleth, classes

bp = Blueprint("monitoring", __name__, template_folder="../templates")

LINKS = (PageLink("Bildungsmonitoring", "/monitoring",
                  "Angebote je Gemeinde und Lebensphase: Kennzahlen, Karte, weiße Flecken, "
                  "Zeitreihe als offene Daten", order=45, in_nav=True),)
CACHE = "public, max-age=300"
DEFAULT_INDICATOR = "angebote_je_1000_einwohner"


def _not_found(what: str) -> tuple[str, int]:
    return render_template("monitoring_fehler.html", what=what), 404


def _choice(name: str, allowed: Any, default: str) -> str | None:
    """One query value: the default when absent, None when not allowed (or repeated)."""
    values = request.args.getlist(name)
    if not values:
        return default
    if len(values) > 1 or values[0] not in allowed:
        return None
    return values[0]


def _phases() -> list[tuple[str, str]]:
    return [(p, phase_label(p)) for p in (ALL_PHASES, *life_phases())]


@bp.get("/monitoring")
def dashboard() -> Any:
    hub = current_hub()
    code = _choice("indikator", indicators(), DEFAULT_INDICATOR)
    if code is None:
        return _not_found("Diesen Indikator gibt es nicht.")
    phase = _choice("lebensphase", (ALL_PHASES, *life_phases()), ALL_PHASES)
    if phase is None:
        return _not_found("Diese Lebensphase gibt es nicht.")
    ind, names = indicators()[code], area_names(hub.settings)
    with hub.sessions() as session:
        latest, days = series_state(session)
        rows = stored_values(session, latest, code, lebensphase=phase) if latest else []
        history = stored_values(session, None, code, hub.settings.district_key, phase)
    district = next((r for r in rows if r.gemeinde_ags == hub.settings.district_key), None)
    local = {r.gemeinde_ags: r for r in rows if r.gemeinde_ags in municipality_by_ags()}
    table = [{"ags": m, "name": names[m], "row": local.get(m)}
             for m in sorted(municipality_by_ags(), key=lambda a: names[a])]
    values = {a: r.wert for a, r in local.items()}
    karte = None
    if latest and not ind.district_only:
        karte = choropleth(values,
                           f"Karte: {ind.title}, {phase_label(phase)}, Stichtag "
                           f"{latest.strftime('%d.%m.%Y')}",
                           lambda v: german_number(v, ind.unit), lambda a: f"/monitoring/gemeinden/{a}")
    legend = [(c.index, german_number(c.low, ind.unit), german_number(c.high, ind.unit))
              for c in classes(list(values.values()))]
    timeline = _timeline({hub.settings.district_name: history}, ind.title, ind.unit)
    return render_template(
        "monitoring.html", timeline=timeline, ind=ind, code=code, phase=phase, phases=_phases(),
        indicators=indicators().values(), latest=latest, days=days, district=district,
        table=table, karte=karte, legend=legend, fmt=german_number,
        attribution=BOUNDARIES_ATTRIBUTION, population_source=POPULATION_SOURCE,
        radius=hub.settings.monitoring_radius_km, phase_label=phase_label)


@bp.get("/monitoring/gemeinden/<ags>")
def profile(ags: str) -> Any:
    hub = current_hub()
    municipality = municipality_by_ags().get(ags)
    if municipality is None:
        return _not_found("Diese Gemeinde gehört nicht zum Kreis.")
    phase = _choice("lebensphase", (ALL_PHASES, *life_phases()), ALL_PHASES)
    if phase is None:
        return _not_found("Diese Lebensphase gibt es nicht.")
    with hub.sessions() as session:
        latest, _ = series_state(session)
        rows = stored_values(session, latest, lebensphase=phase) if latest else []
        reach = stored_values(session, latest, "angebote_in_reichweite", ags) if latest else []
        history = {name: stored_values(session, None, DEFAULT_INDICATOR, area, phase)
                   for name, area in ((municipality.short_name, ags),
                                      (hub.settings.district_name, hub.settings.district_key))}
    own = {r.indikator: r for r in rows if r.gemeinde_ags == ags}
    district = {r.indikator: r for r in rows if r.gemeinde_ags == hub.settings.district_key}
    lines = [{"ind": i, "own": own.get(c), "district": district.get(c)}
             for c, i in indicators().items() if c in own or c in district]
    blank = [phase_label(r.lebensphase) for r in reach if r.zaehler == 0]
    timeline = _timeline(history, indicators()[DEFAULT_INDICATOR].title,
                         indicators()[DEFAULT_INDICATOR].unit)
    return render_template("monitoring_gemeinde.html", timeline=timeline, m=municipality, ags=ags, phase=phase,
                           phases=_phases(), latest=latest, lines=lines, blank=blank,
                           fmt=german_number, radius=hub.settings.monitoring_radius_km,
                           district_name=hub.settings.district_name)


def _timeline(history: dict[str, list[Any]], title: str, unit: str) -> dict[str, Any] | None:
    """The chart, its legend and table rows of one or two series; None before a second day."""
    days = sorted({r.stichtag for rows in history.values() for r in rows})
    if len(days) < 2:
        return None
    by_day = {name: {r.stichtag: r.wert for r in rows} for name, rows in history.items()}
    chart = line_chart({n: sorted(v.items()) for n, v in by_day.items()},
                       f"Verlauf: {title}", lambda v: german_number(v, unit))
    table = [(d, [by_day[n].get(d) for n in history]) for d in days]
    return {"chart": chart, "legend": chart_legend(list(history)), "names": list(history),
            "table": table, "unit": unit, "title": title}


@bp.get("/monitoring/indikatoren/<code>")
def definition(code: str) -> Any:
    ind = indicators().get(code)
    if ind is None:
        return _not_found("Diesen Indikator gibt es nicht.")
    return render_template("monitoring_indikator.html", ind=ind,
                           radius=current_hub().settings.monitoring_radius_km)


@bp.get(f"{BASE_PATH}.csv")
def csv_file() -> Response:
    """Every stored day, streamed from one read snapshot; revalidated by the latest day and
    the number of days (stored days never change)."""
    hub = current_hub()
    names = area_names(hub.settings)
    with hub.sessions() as session:
        latest, days = series_state(session)
    tag = etag("monitoring", "csv", latest, days, hub.settings.hub_base_uri)
    if etag_matches(request.headers.get("If-None-Match"), tag):
        resp = Response(status=304)
    else:
        def body() -> Iterator[str]:
            if latest is None:
                yield from to_csv([], names)
                return
            with read_snapshot(hub.engine) as session:
                # only days up to the tagged one: the body always matches its ETag
                yield from to_csv(iter_stored_values(session, latest), names)
        resp = Response(stream_with_context(body()), mimetype="text/csv")
        resp.headers["Content-Disposition"] = 'inline; filename="indikatoren.csv"'
    resp.headers["ETag"] = tag
    resp.headers["Cache-Control"] = CACHE
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Link"] = f'<{BASE_PATH}.schema.json>; rel="describedby"; type="application/json"'
    return resp


@bp.get(f"{BASE_PATH}.schema.json")
def schema_file() -> Response:
    body = json.dumps(table_schema(cube_meta(current_hub().settings)), ensure_ascii=False,
                      indent=1)
    resp = Response(body, mimetype="application/json")
    resp.headers["Cache-Control"] = CACHE
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


@bp.get(f"{BASE_PATH}.jsonld")
def cube_file() -> Response:
    """The cube of one stichtag (`?stichtag=JJJJ-MM-TT`, default the latest): a day is about
    2,000 observations, the whole series would grow by that much every day."""
    hub = current_hub()
    day = _stichtag_arg()
    with hub.sessions() as session:
        latest, _ = series_state(session)
        day = day or latest
        rows = stored_values(session, day) if day else []
        if day is not None and day != latest and not rows:
            raise Problem(404, "unknown-stichtag", "Stichtag nicht gespeichert",
                          f"Für den {day.isoformat()} ist kein Stichtag gespeichert.",
                          parameter="stichtag")
    tag = etag("monitoring-cube", day, hub.settings.hub_base_uri)  # a stored day never changes
    if etag_matches(request.headers.get("If-None-Match"), tag):
        resp = Response(status=304)
    else:
        body = json.dumps(to_jsonld(rows, cube_meta(hub.settings)), ensure_ascii=False)
        resp = Response(body, mimetype="application/ld+json")
    resp.headers["ETag"] = tag
    resp.headers["Cache-Control"] = CACHE
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


def _stichtag_arg() -> date | None:
    values = request.args.getlist("stichtag")
    unknown = set(request.args) - {"stichtag"}
    if unknown:
        raise bad_parameter(sorted(unknown)[0], "Erlaubt ist nur „stichtag“.")
    if not values:
        return None
    try:
        if len(values) > 1:
            raise ValueError
        return date.fromisoformat(values[0])
    except ValueError:
        raise bad_parameter("stichtag", "Ein Tag im Format JJJJ-MM-TT, einmal.") from None
