"""Calendar files of offer dates (written by feeds.ical, as the subscriptions are: the same
event has the same UID) and the Merkliste: a watch list kept only in the browser
(localStorage, no account, no cookie); the server renders what the browser names."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template, request

from ...feeds.ical import ICAL_MEDIA_TYPE, offers_to_ical
from ..context import current_hub
from ..models import Offer
from ..offers.store import load_offer, load_offer_records

bp = Blueprint("watchlist", __name__, template_folder="../templates")

offers_t = Offer.__table__
MAX_WATCHED = 100  # offers named in one Merkliste link: bounds the URL and the queries


def _calendar_response(body: bytes, filename: str) -> Response:
    return Response(body, mimetype=ICAL_MEDIA_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "public, max-age=300"})


@bp.get("/kalender/<provider>/<path:angebot_id>.ics")
def offer_ics(provider: str, angebot_id: str) -> Response:
    """All dates of one offer, or date number `termin` (0-based, as on the offer page)."""
    termin = request.args.get("termin")
    if termin is not None and not (termin.isascii() and termin.isdigit() and len(termin) < 5):
        abort(400, "Die Terminnummer ist ungültig.")
    with current_hub().sessions() as session:
        record = load_offer(session, provider, angebot_id)
    if record is None:
        abort(404)
    if record.deleted:
        abort(410)
    only = int(termin) if termin is not None else None
    if only is not None and (only >= len(record.instances)
                             or record.instances[only].start_date is None):
        abort(404)
    if only is not None:  # the same event (same UID) as in a subscription of a search
        record = replace(record, instances=[record.instances[only]])
    body = offers_to_ical([[record]], current_hub().settings.hub_base_uri, record.title)
    return _calendar_response(body, "termin.ics" if only is not None else "termine.ics")


def _watched() -> list[Any]:
    """The live offers named by ?angebot=<provider>/<angebot_id> (repeatable), in that order."""
    names = list(dict.fromkeys(request.args.getlist("angebot")))
    if len(names) > MAX_WATCHED:
        abort(400, f"Die Merkliste kann höchstens {MAX_WATCHED} Angebote enthalten.")
    if any(len(n) > 200 or "/" not in n for n in names):
        abort(400, "Ein Eintrag der Merkliste ist ungültig.")
    if not names:
        return []
    with current_hub().sessions() as session:
        ids = dict(session.execute(sa.select(offers_t.c.feed_id, offers_t.c.id).where(
            offers_t.c.feed_id.in_(names), offers_t.c.deleted.is_(False))).all())
        return load_offer_records(session, [ids[n] for n in names if n in ids])


@bp.get("/merkliste")
def watchlist() -> str:
    names = request.args.getlist("angebot")
    records = _watched()
    found = {r.feed_id for r in records}
    missing = [n for n in dict.fromkeys(names) if n not in found]
    return render_template("watchlist.html", records=records, missing=missing,
                           query=request.query_string.decode("ascii", "replace"))


@bp.get("/merkliste.ics")
def watchlist_ics() -> Response:
    records = _watched()
    if not records:
        abort(404)
    body = offers_to_ical([records], current_hub().settings.hub_base_uri, "Meine Merkliste")
    return _calendar_response(body, "merkliste.ics")
