"""/offers/<provider>/<angebot_id>: one offer for people (HTML with embedded JSON-LD) and for
machines (application/ld+json), chosen by the Accept header."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from markupsafe import Markup

from ...feeds.http import etag, etag_matches, http_date
from ...feeds.jsonld import JSONLD_MEDIA_TYPE, dumps, offer_to_jsonld
from ...vocab.codelists import codelist
from ...vocab.jsonld import CONTEXT_PATH
from ..context import current_hub
from ..problems import Problem
from ..store import load_offer

bp = Blueprint("offer_pages", __name__, template_folder="../templates")

MEDIA_TYPES = ["text/html", JSONLD_MEDIA_TYPE, "application/json"]


def _label(scheme: str, code: str | None) -> str:
    if not code:
        return ""
    concept = codelist(scheme).get(code)
    return concept.label_de if concept else code


@bp.route("/offers/<provider>/<path:angebot_id>", methods=["GET", "HEAD"])
def offer(provider: str, angebot_id: str) -> Any:
    hub = current_hub()
    wanted = request.accept_mimetypes.best_match(MEDIA_TYPES, default="text/html")
    machine = wanted != "text/html"
    with hub.sessions() as session:
        record = load_offer(session, provider, angebot_id)
    if record is None or record.deleted:
        status = 404 if record is None else 410
        if machine:
            raise Problem(status, "not-found" if status == 404 else "gone",
                          "Nicht gefunden" if status == 404 else "Angebot gelöscht",
                          f"Angebot „{provider}/{angebot_id}“ "
                          + ("gibt es nicht." if status == 404 else "wurde gelöscht oder ist "
                             "abgelaufen."))
        abort(status)
    settings = hub.settings
    tag = etag("offer", record.feed_id, record.modified, wanted, settings.hub_base_uri)
    headers = {"ETag": tag, "Vary": "Accept", "Access-Control-Allow-Origin": "*",
               "Cache-Control": "public, max-age=300"}
    last_modified = http_date(record.modified or 0)
    if last_modified:
        headers["Last-Modified"] = last_modified
    if etag_matches(request.headers.get("If-None-Match"), tag):
        return Response(status=304, headers=headers)
    node = offer_to_jsonld(record, settings.hub_base_uri, settings.url(CONTEXT_PATH))
    if machine:
        return Response(dumps(node), mimetype=JSONLD_MEDIA_TYPE, headers=headers)
    # "<" escaped so no text inside the offer can close the <script> element.
    embedded = Markup(dumps(node).replace("<", "\\u003c"))
    html = render_template("offer.html", offer=record, jsonld=embedded, label=_label,
                           jsonld_url=request.path)
    return Response(html, mimetype="text/html", headers=headers)
