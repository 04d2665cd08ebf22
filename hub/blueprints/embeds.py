"""Embeds for the municipalities' websites: `/einbetten` builds an <iframe> snippet with a live
preview, `/einbetten/liste` is the list that goes into the frame.

The list uses the one filter model (the same parameters as the search and the API) plus its
own display parameters. It sets no cookie, loads nothing from another host, opens offers in a
new tab (said in words), and may be framed by EMBED_ALLOWED_ORIGINS (every other page of the
hub refuses framing). It reports its height to the host page by postMessage; the host resizes
the frame only if it opted in with the documented script (static/embed-host.js).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, Response, render_template, request

from ...feeds.jsonld import offer_iri
from ...vocab.codelists import codelist, municipalities
from ..context import current_hub
from ..models import Offer, OfferInstance, Provider
from ..offers.filter_params import FILTER_NAMES
from ..offers.filters import OfferFilters
from ..offers.store import load_offer_records
from ..pages_nav import PageLink
from ..problems import Problem
from ..security import allow_framing

bp = Blueprint("embeds", __name__, template_folder="../templates")

LINKS = (
    PageLink("Für Webteams", "/fuer-webteams", "Angebote auf der eigenen Website zeigen: "
             "Einbetten, Kalender- und Nachrichten-Abos, API und Feeds mit Beispielen",
             order=330),
)

MAX_ENTRIES = 500  # more is asked: capped and said so
DEFAULT_ENTRIES = 10
COLOURS = {"blau": "Blau", "gruen": "Grün", "rot": "Rot", "violett": "Violett",
           "grau": "Grau"}
LAYOUTS = {"kompakt": "Kompakt (Titel, Termin, Ort)", "ausfuehrlich": "Ausführlich (mit Anbieter, "
           "Preis und Kurzbeschreibung)"}
DISPLAY = ("anzahl", "darstellung", "farbe")


@dataclass(frozen=True)
class EmbedDisplay:
    """How the embedded list looks: entries, layout, colour."""

    entries: int = DEFAULT_ENTRIES
    layout: str = "kompakt"
    colour: str = "blau"
    capped: bool = False

    @classmethod
    def parse(cls, args: Any) -> EmbedDisplay:
        for name in DISPLAY:
            if len(args.getlist(name)) > 1:
                raise Problem(400, "invalid-parameter", f"Ungültiger Parameter „{name}“",
                              "Der Parameter darf nur einmal vorkommen.", parameter=name)
        raw = args.get("anzahl", str(DEFAULT_ENTRIES))
        if not (raw.isascii() and raw.isdigit() and 0 < len(raw) <= 6 and int(raw) >= 1):
            raise Problem(400, "invalid-parameter", "Ungültiger Parameter „anzahl“",
                          "Erwartet wird eine ganze Zahl ab 1.", parameter="anzahl")
        entries = int(raw)
        layout = args.get("darstellung", "kompakt")
        if layout not in LAYOUTS:
            raise Problem(400, "invalid-parameter", "Ungültiger Parameter „darstellung“",
                          "Erlaubt sind: " + ", ".join(LAYOUTS) + ".", parameter="darstellung")
        colour = args.get("farbe", "blau")
        if colour not in COLOURS:
            raise Problem(400, "invalid-parameter", "Ungültiger Parameter „farbe“",
                          "Erlaubt sind: " + ", ".join(COLOURS) + ".", parameter="farbe")
        return cls(min(entries, MAX_ENTRIES), layout, colour, entries > MAX_ENTRIES)


def _framing(resp: Response) -> Response:
    """Caching and referrer of the framed list; who may frame it is decided where every
    page's frame-ancestors is (hub.security.allow_framing, EMBED_ALLOWED_ORIGINS)."""
    resp.headers["Cache-Control"] = "public, max-age=300"
    resp.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    return resp


def _upcoming(session: Any, filters: OfferFilters, limit: int) -> list[Any]:
    """The matching live offers, the one whose next date comes first at the top (a date is
    "next" while it runs: its end, else its start, is today or later); undated ones last."""
    today = date.today()
    offers_t, inst = Offer.__table__, OfferInstance.__table__
    next_start = (sa.select(sa.func.min(inst.c.start_date))
                  .where(inst.c.offer_id == offers_t.c.id,
                         sa.func.coalesce(inst.c.end_date, inst.c.start_date) >= today)
                  .scalar_subquery())
    stmt = (sa.select(offers_t.c.id).where(*filters.where(session))
            .order_by(next_start.is_(None), next_start, offers_t.c.id).limit(limit))
    return load_offer_records(session, list(session.execute(stmt).scalars()))


def _next_date(record: Any) -> Any:
    """The instance to show: the first one still running or to come, else the last one."""
    today = date.today()
    dated = sorted((i for i in record.instances if i.start_date), key=lambda i: i.start_date)
    coming = [i for i in dated if (i.end_date or i.start_date) >= today]
    return coming[0] if coming else (dated[-1] if dated else None)


def euro(amount: Any) -> str:
    """An amount as Germans write it: 8.694,00 €."""
    return f"{amount:,.2f} €".replace(",", " ").replace(".", ",").replace(" ", ".")


@bp.route("/einbetten/liste", methods=["GET", "HEAD"])
@allow_framing()
def embedded_list() -> Any:
    """The list inside the frame; bad parameters are said in German inside the frame."""
    hub = current_hub()
    try:
        display = EmbedDisplay.parse(request.args)
        with hub.sessions() as session:
            filters = OfferFilters.parse(request.args, session, extra=DISPLAY)
            records = _upcoming(session, filters, display.entries)
    except Problem as problem:
        body = render_template("embed_list.html", problem=problem, display=EmbedDisplay(),
                               records=[], more_url=None, next_date=_next_date,
                               offer_url=None, euro=euro)
        return _framing(Response(body, status=problem.status, mimetype="text/html"))
    query = urlencode(filters.to_args())
    more_url = hub.settings.url("/angebote" + (f"?{query}" if query else ""))
    base = hub.settings.hub_base_uri

    def offer_url(record: Any) -> str:
        return offer_iri(base, record.provider.slug, record.angebot_id)

    body = render_template("embed_list.html", problem=None, display=display, records=records,
                           more_url=more_url, next_date=_next_date, offer_url=offer_url,
                           euro=euro)
    return _framing(Response(body, mimetype="text/html"))


@bp.get("/einbetten")
def builder() -> Any:
    """Build an embed: choose, preview (the real list in a frame), copy the snippet."""
    hub = current_hub()
    args = request.args
    kept = [(k, v) for k, v in args.items(multi=True) if v and (k in FILTER_NAMES
                                                                or k in DISPLAY)]
    error = None
    try:
        EmbedDisplay.parse(args)
        with hub.sessions() as session:
            OfferFilters.parse(args, session, extra=DISPLAY)
            providers = session.execute(sa.select(Provider.slug, Provider.name)
                                        .order_by(Provider.name)).all()
    except Problem as problem:
        error = problem
        kept = []
        with hub.sessions() as session:
            providers = session.execute(sa.select(Provider.slug, Provider.name)
                                        .order_by(Provider.name)).all()
    src = hub.settings.url("/einbetten/liste" + (f"?{urlencode(kept)}" if kept else ""))
    snippet = (f'<iframe src="{src}" title="Bildungsangebote – {hub.settings.district_name}" '
               f'width="100%" height="600" loading="lazy" '
               f'style="border:0;max-width:100%" data-bildungsdaten-hub></iframe>')
    host_script = f'<script src="{hub.settings.url("/static/embed-host.js")}" defer></script>'
    return render_template(
        "embed_builder.html", args=args, error=error, src=src, snippet=snippet,
        host_script=host_script, providers=providers, municipalities=municipalities(),
        life_phases=codelist("lebensphase").concepts, topics=codelist("themenbereich").concepts,
        colours=COLOURS, layouts=LAYOUTS, max_entries=MAX_ENTRIES)


@bp.get("/fuer-webteams")
def web_teams() -> Any:
    """How a municipality's web team shows offers on its own site, with working examples."""
    settings = current_hub().settings
    example = municipalities()[1]
    return render_template("web_teams.html", base=settings.url(""), example=example,
                           district=settings.district_name)
