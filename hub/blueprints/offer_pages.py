"""/offers/<provider>/<angebot_id>: one offer for people (HTML with embedded JSON-LD) and for
machines (application/ld+json), chosen by the Accept header."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template, request
from markupsafe import Markup

from ...feeds.http import etag, etag_matches, http_date
from ...feeds.jsonld import JSONLD_MEDIA_TYPE, with_context
from ...vocab.jsonld import CONTEXT_PATH
from ..context import current_hub
from ..offers.documents import RenderedDocument, render_target, store_documents
from ..offers.queries import fill_documents, offer_head, read_snapshot
from ..offers.store import load_offer_records
from ..portal.present import BERLIN
from ..problems import Problem
from ..sources.models import Source

bp = Blueprint("offer_pages", __name__, template_folder="../templates")

MEDIA_TYPES = ["text/html", JSONLD_MEDIA_TYPE, "application/json"]


@bp.route("/offers/<provider>/<path:angebot_id>", methods=["GET", "HEAD"])
def offer(provider: str, angebot_id: str) -> Any:
    hub = current_hub()
    settings = hub.settings
    wanted = request.accept_mimetypes.best_match(MEDIA_TYPES, default="text/html")
    machine = wanted != "text/html"
    target = render_target(settings)
    version = target.version
    with read_snapshot(hub.engine) as session:  # head, record and document agree
        head = offer_head(session, f"{provider}/{angebot_id}", version)
        if head is None or head.deleted:
            status = 404 if head is None else 410
            if machine:
                raise Problem(status, "not-found" if status == 404 else "gone",
                              "Nicht gefunden" if status == 404 else "Angebot gelöscht",
                              f"Angebot „{provider}/{angebot_id}“ "
                              + ("gibt es nicht." if status == 404 else "wurde gelöscht oder "
                                 "ist abgelaufen."))
            abort(status)
        # The page says which dates and deadlines are past: it changes with the day too.
        day = "" if machine else datetime.now(BERLIN).date().isoformat()
        tag = etag("offer", head.feed_id, head.modified, wanted, version, day)
        headers = {"ETag": tag, "Vary": "Accept", "Access-Control-Allow-Origin": "*",
                   "Cache-Control": "public, max-age=300"}
        last_modified = http_date(head.modified or 0)
        if last_modified:
            headers["Last-Modified"] = last_modified
        if etag_matches(request.headers.get("If-None-Match"), tag):
            return Response(status=304, headers=headers)
        rendered: list[RenderedDocument] = []
        record = None
        origin: Source | None = None
        if machine:  # the stored document alone answers: no record needed
            (stored,), rendered = fill_documents(
                session, [(head.id, head.feed_id, head.jsonld)], target)
            document = stored.decode()
        else:
            # The page shows the record; its JSON-LD is the stored text or rendered from it.
            record = load_offer_records(session, [head.id])[0]
            origin = (session.execute(sa.select(Source).where(Source.name == record.source.name))
                      .scalar_one_or_none() if record.source is not None else None)
            if head.jsonld is not None:
                document = bytes(head.jsonld).decode()
            else:
                document = target.document(record)
                rendered = [RenderedDocument(head.id, int(record.modified or 0), document)]
    if rendered:  # a separate short write after the read (a cache, see hub.offers.documents)
        store_documents(hub.engine, rendered, version)
    text = with_context(document, settings.url(CONTEXT_PATH))
    if machine:
        return Response(text, mimetype=JSONLD_MEDIA_TYPE, headers=headers)
    # "<" escaped so no text inside the offer can close the <script> element.
    embedded = Markup(text.replace("<", "\\u003c"))
    html = render_template("offer.html", offer=record, jsonld=embedded, jsonld_url=request.path,
                           origin=origin)
    return Response(html, mimetype="text/html", headers=headers)
