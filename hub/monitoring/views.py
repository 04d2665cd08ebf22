"""The monitoring pages (dashboard, municipality profiles, definitions) and its open data
(CSV with Table Schema, RDF Data Cube JSON-LD)."""
from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    render_template,
    request,
    stream_with_context,
)

from ...feeds.http import accepts_gzip, etag, etag_matches, gzip_etag
from ...feeds.monitoring import Observation, table_schema, to_csv, to_jsonld
from ...vocab.codelists import codelist, municipality_by_ags
from ...vocab.geo import BOUNDARIES_ATTRIBUTION, POPULATION_SOURCE
from ..context import current_hub
from ..offers.queries import read_snapshot
from ..pages_nav import PageLink
from ..problems import Problem, bad_parameter
from .definitions import (
    ALL_PHASES,
    Indicator,
    indicators,
    life_phases,
    phase_label,
    topic_variant,
)
from .need import describe_sources, load_need_map, need_observations, need_state
from .present import BASE_PATH, area_names, cube_meta, german_number
from .store import iter_stored_values, series_state, snapshot_created, stored_values
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


def _topics() -> list[tuple[str, str]]:
    return [("", "Alle Themenbereiche"),
            *((c.code, c.label_de) for c in codelist("themenbereich").concepts)]


def _chosen_indicator() -> Indicator | None:
    """The indicator of `indikator` and `thema`: a topic chosen in the form turns the
    indicator into its variant for that topic (or the topic's offers per 1,000 inhabitants);
    "all topics" turns a per-topic one back into its family's indicator, if there is one.
    Without `thema`, an indicator keeps its own topic. None: unknown code or topic."""
    code = _choice("indikator", indicators(), DEFAULT_INDICATOR)
    topics = [t for t, _ in _topics()]
    if code is None or "thema" not in request.args:
        return None if code is None else indicators()[code]
    topic = _choice("thema", topics, "")
    if topic is None:
        return None
    ind = indicators()[code]
    if topic == "":
        return indicators().get(ind.kind, indicators()[DEFAULT_INDICATOR]) if ind.topic else ind
    return (topic_variant(ind.kind, topic)
            or topic_variant(DEFAULT_INDICATOR, topic))  # type: ignore[return-value]


def _values(session: Any, ind: Indicator, phase: str, day: date | None, district_key: str
            ) -> tuple[date | None, list[Observation], list[Observation]]:
    """(its day, the rows of that day, the district's series) of one indicator and phase:
    stored rows, or the survey's published values for a need indicator."""
    hub = current_hub()
    if ind.from_survey:
        every = [r for r in need_observations(session, hub.settings, latest_only=False)
                 if r.indikator == ind.code and r.lebensphase == phase]
        latest_need = [r for r in need_observations(session, hub.settings)
                       if r.indikator == ind.code and r.lebensphase == phase]
        return (latest_need[0].stichtag if latest_need else None, latest_need,
                [r for r in every if r.gemeinde_ags == district_key and not r.suppressed])
    rows = stored_values(session, day, ind.code, lebensphase=phase) if day else []
    return day, rows, stored_values(session, None, ind.code, district_key, phase)


@bp.get("/monitoring")
def dashboard() -> Any:
    hub = current_hub()
    ind = _chosen_indicator()
    if ind is None:
        return _not_found("Diesen Indikator oder Themenbereich gibt es nicht.")
    phase = _choice("lebensphase", (ALL_PHASES, *life_phases()), ALL_PHASES)
    if phase is None:
        return _not_found("Diese Lebensphase gibt es nicht.")
    names, district_key = area_names(hub.settings), hub.settings.district_key
    with hub.sessions() as session:
        latest, days = series_state(session)
        day, rows, history = _values(session, ind, phase, latest, district_key)
        compare = _need_against_supply(session, ind.topic, phase, latest) if ind.topic else None
        sources = describe_sources(session, hub.settings, _sources(rows))
    district = next((r for r in rows if r.gemeinde_ags == district_key), None)
    local = {r.gemeinde_ags: r for r in rows if r.gemeinde_ags in municipality_by_ags()}
    table = [{"ags": m, "name": names[m], "row": local.get(m)}
             for m in sorted(municipality_by_ags(), key=lambda a: names[a])]
    values = {a: r.wert for a, r in local.items() if r.wert is not None}
    karte = None
    if day and not ind.district_only:
        karte = choropleth(values,
                           f"Karte: {ind.title}, {phase_label(phase)}, Stichtag "
                           f"{day.strftime('%d.%m.%Y')}",
                           lambda v: german_number(v, ind.unit), lambda a: f"/monitoring/gemeinden/{a}",
                           {a: "gesperrt (Geheimhaltung der Befragung)"
                            for a, r in local.items() if r.suppressed})
    legend = [(c.index, german_number(c.low, ind.unit), german_number(c.high, ind.unit))
              for c in classes(list(values.values()))]
    timeline = _timeline({hub.settings.district_name: history}, ind.title, ind.unit)
    shown = [i for i in indicators().values() if i.topic == ind.topic]
    return render_template(
        "monitoring.html", timeline=timeline, ind=ind, code=ind.code, phase=phase,
        phases=_phases(), topics=_topics(), topic=ind.topic or "", indicators=shown,
        all_indicators=indicators().values(), latest=latest, day=day, days=days,
        district=district, table=table, karte=karte, legend=legend, fmt=german_number,
        attribution=BOUNDARIES_ATTRIBUTION, population_source=POPULATION_SOURCE,
        radius=hub.settings.monitoring_radius_km, phase_label=phase_label, compare=compare,
        need_error=load_need_map(hub.settings).error, sources=sources)


def _sources(rows: list[Observation]) -> list[str]:
    """The published survey tables the rows were read from (in order, once each)."""
    return list(dict.fromkeys(r.quelle for r in rows if r.quelle))


def _need_against_supply(session: Any, topic: str, phase: str,
                         latest: date | None) -> dict[str, Any] | None:
    """Need (survey) next to supply (offers per 1,000, share of offers) of one topic, per
    area; None when no survey table states a need for it."""
    hub = current_hub()
    need = {r.gemeinde_ags: r for r in need_observations(session, hub.settings)
            if r.indikator == f"bedarf_thema_{topic}" and r.lebensphase == phase}
    if not need:
        return None
    supply = {(r.indikator, r.gemeinde_ags): r
              for code in (f"angebote_je_1000_einwohner_thema_{topic}", f"anteil_thema_{topic}")
              for r in (stored_values(session, latest, code, lebensphase=phase) if latest else [])}
    names = area_names(hub.settings)
    areas = [hub.settings.district_key,
             *sorted(municipality_by_ags(), key=lambda a: names[a])]
    lines = [{"ags": a, "name": names[a], "need": need.get(a),
              "per_1000": supply.get((f"angebote_je_1000_einwohner_thema_{topic}", a)),
              "share": supply.get((f"anteil_thema_{topic}", a))} for a in areas]
    any_need = next(iter(need.values()))
    return {"lines": lines, "day": any_need.stichtag,
            "sources": describe_sources(session, hub.settings, _sources(list(need.values()))),
            "suppressed": any(r.suppressed for r in need.values()),
            "label": dict(_topics())[topic]}


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
        need = [r for r in need_observations(session, hub.settings) if r.lebensphase == phase]
        need_sources = describe_sources(session, hub.settings, _sources(need))
        history = {name: stored_values(session, None, DEFAULT_INDICATOR, area, phase)
                   for name, area in ((municipality.short_name, ags),
                                      (hub.settings.district_name, hub.settings.district_key))}
    own = {r.indikator: r for r in rows if r.gemeinde_ags == ags}
    district = {r.indikator: r for r in rows if r.gemeinde_ags == hub.settings.district_key}
    lines = [{"ind": i, "own": own.get(c), "district": district.get(c)}
             for c, i in indicators().items() if c in own or c in district]
    # the need values have their own table (with their source); stored rows only here
    blank = [phase_label(r.lebensphase) for r in reach if r.zaehler == 0]
    needs = _profile_need(need, own, district, ags, hub.settings.district_key)
    timeline = _timeline(history, indicators()[DEFAULT_INDICATOR].title,
                         indicators()[DEFAULT_INDICATOR].unit)
    return render_template("monitoring_gemeinde.html", timeline=timeline, m=municipality, ags=ags, phase=phase,
                           phases=_phases(), latest=latest, lines=lines, blank=blank,
                           fmt=german_number, radius=hub.settings.monitoring_radius_km,
                           district_name=hub.settings.district_name, needs=needs,
                           need_sources=need_sources)


def _profile_need(need: list[Observation], own: dict[str, Observation],
                  district: dict[str, Observation], ags: str,
                  district_key: str) -> list[dict[str, Any]]:
    """Per topic with a need value: the need here and in the district next to the offers of
    the topic per 1,000 inhabitants here and in the district."""
    here = {r.indikator: r for r in need if r.gemeinde_ags == ags}
    whole = {r.indikator: r for r in need if r.gemeinde_ags == district_key}
    out = []
    for code, label in _topics()[1:]:
        key = f"bedarf_thema_{code}"
        if key not in here and key not in whole:
            continue
        supply = f"angebote_je_1000_einwohner_thema_{code}"
        out.append({"label": label, "code": code, "need": here.get(key),
                    "need_district": whole.get(key), "supply": own.get(supply),
                    "supply_district": district.get(supply)})
    return out


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
    """Every stored day, streamed from one read snapshot, then the need values of every
    release of the mapped surveys; gzip-compressed when the client accepts it. Revalidated by
    the latest day, the number of days and the need's state (stored days and releases never
    change), and by Last-Modified (the latest stored day or release)."""
    hub = current_hub()
    names = area_names(hub.settings)
    with hub.sessions() as session:
        latest, days = series_state(session)
        need = need_state(session, hub.settings)
        changed = max((t for t in (snapshot_created(session, latest), need[-1]) if t),
                      default=None)
    packed = accepts_gzip(request.headers.get("Accept-Encoding"))
    plain_tag = etag("monitoring", "csv", latest, days, need, hub.settings.hub_base_uri)
    tag = gzip_etag(plain_tag) if packed else plain_tag
    if _not_modified(tag, changed):
        resp = Response(status=304)
    else:
        def body() -> Iterator[str]:
            with read_snapshot(hub.engine) as session:
                # only days up to the tagged one: the body always matches its ETag
                stored = iter_stored_values(session, latest) if latest else iter(())
                yield from to_csv(_chain(stored, lambda: need_observations(
                    session, hub.settings, latest_only=False)), names)

        def encoded() -> Iterator[bytes]:
            return (chunk.encode("utf-8") for chunk in body())

        kept = _csv_kept().get(plain_tag)
        if kept is not None:  # the same tag, the same bytes: no query, no serialising
            resp = Response(kept if packed else gzip.decompress(kept), mimetype="text/csv")
        else:
            stream = _keeping(_csv_kept(), plain_tag, packed, encoded())
            resp = Response(stream_with_context(stream), mimetype="text/csv")
        resp.headers["Content-Disposition"] = 'inline; filename="indikatoren.csv"'
        if packed:
            resp.headers["Content-Encoding"] = "gzip"
    resp.headers["ETag"] = tag
    resp.headers["Vary"] = "Accept-Encoding"
    if changed is not None:
        resp.last_modified = changed
    resp.headers["Cache-Control"] = CACHE
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Link"] = f'<{BASE_PATH}.schema.json>; rel="describedby"; type="application/json"'
    return resp


# The whole CSV of the latest tag, gzip-compressed, kept per process and app: a tag names
# fixed bytes (stored days and releases never change); a year of daily rows is ~15 MB packed.
CSV_KEEP_BYTES = 32 * 1024 * 1024


def _csv_kept() -> dict[str, bytes]:
    return current_app.extensions.setdefault("monitoring.csv", {})  # type: ignore[no-any-return]


def _keeping(store: dict[str, bytes], tag: str, packed: bool,
             chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The body as it streams (gzip when `packed`), its gzip copy kept under `tag` once it
    has streamed to the end within CSV_KEEP_BYTES."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31 = gzip container
    kept: list[bytes] | None = []
    size = 0
    for chunk in chunks:
        out = compressor.compress(chunk)
        if kept is not None:
            kept.append(out)
            size += len(out)
            kept = kept if size <= CSV_KEEP_BYTES else None
        if packed:
            if out:
                yield out
        else:
            yield chunk
    tail = compressor.flush()
    if packed:
        yield tail
    if kept is not None:
        store.clear()
        store[tag] = b"".join(kept) + tail


def _chain(first: Iterator[Observation], then: Any) -> Iterator[Observation]:
    """`first`, then what `then()` returns (called only once `first` is used up)."""
    yield from first
    yield from then()


def _not_modified(tag: str, changed: datetime | None) -> bool:
    """If-None-Match decides when sent; otherwise If-Modified-Since (RFC 9110 13.2.2)."""
    if request.headers.get("If-None-Match") is not None:
        return etag_matches(request.headers.get("If-None-Match"), tag)
    since = request.if_modified_since
    return since is not None and changed is not None and \
        changed.replace(microsecond=0, tzinfo=changed.tzinfo or UTC) <= since


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
        # the need values of the releases published by that day (each with its own day)
        rows += need_observations(session, hub.settings, upto=day) if day else []
        need = need_state(session, hub.settings)
    # a stored day never changes; a release or mapping published later may add need values
    tag = etag("monitoring-cube", day, need, hub.settings.hub_base_uri)
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
