"""`/anbieter/<slug>/openqcat.xml`: a provider's offers for KURSNET's XML upload (open-Qcat).

Only the offers KURSNET accepts (vocational further education; the rule is in
feeds/openqcat.py). An unknown provider is a 404 problem+json.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from ...feeds.openqcat import OPENQCAT_MEDIA_TYPE
from ..context import current_hub
from ..offers.kursnet import provider_catalog
from ..problems import Problem

bp = Blueprint("openqcat", __name__)
MAX_AGE = 300


@bp.route("/anbieter/<slug>/openqcat.xml", methods=["GET", "HEAD"])
def catalogue(slug: str) -> Any:
    body = provider_catalog(current_hub().engine, slug)
    if body is None:
        raise Problem(404, "not-found", "Anbieter nicht gefunden",
                      f"Es gibt keinen Anbieter mit dem Kürzel „{slug}“.")
    resp = Response(body, mimetype=OPENQCAT_MEDIA_TYPE)
    resp.headers["Content-Disposition"] = f'attachment; filename="openqcat-{slug}.xml"'
    resp.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    resp.add_etag()
    return resp.make_conditional(request)
