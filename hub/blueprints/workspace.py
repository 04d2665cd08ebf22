"""The provider workspace `/hochladen/bereich`, for a provider signed in on the upload page:
its quality score with the rule, offers that lie in the past or expire soon, its uploads with
their reports, its live offers with search, filters and what each one lacks, and its current
data as the upload template (CSV, XLSX) to edit and upload again.

A provider sees only its own offers and uploads: the filters are fixed to its slug, the
reports are the upload page's (hub.blueprints.upload_page: 404 for anyone else's).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ...feeds.csv_feed import offer_to_template_rows
from ...validators import template_csv, template_xlsx
from ...vocab.codelists import codelist
from ..auth.csrf import csrf_token
from ..auth.tokens import TokenOwner
from ..context import current_hub
from ..input_guard import bounded_int
from ..models import Offer, Upload
from ..offers.expiry import local_today
from ..offers.filters import OfferFilters
from ..offers.quality import EXPIRY_DAYS, FORMULA, GROUPS, missing_groups, quality_score
from ..offers.quality_queries import expiry_lists, offer_groups, provider_counts
from ..offers.queries import iter_offer_batches
from ..offers.store import load_offer_records
from ..problems import Problem
from .upload_page import XLSX_TYPE, signed_in

bp = Blueprint("workspace", __name__, url_prefix="/hochladen/bereich",
               template_folder="../templates")

PAGE_SIZE = 25
HISTORY_SIZE = 30
# The filters the offers list offers as form fields (the rest of the filter model works too).
FORM_CODELISTS = (("topic", "themenbereich", "Themenbereich"),
                  ("life_phase", "lebensphase", "Lebensphase"),
                  ("mode", "lernform", "Lernform"))
STATUS_TEXT = {"invalid": "Mit Fehlern – nichts übernommen",
               "failed": "Abgebrochen – nichts übernommen", "pending": "In Bearbeitung"}


def result_text(upload: Any) -> str:
    """How an upload ended, in words."""
    if upload.status == "done":
        return "Ohne Fehler geprüft" if upload.dry_run else "Übernommen"
    return STATUS_TEXT.get(upload.status, upload.status)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"csrf_token": csrf_token, "groups": GROUPS, "formula": FORMULA,
            "result_text": result_text, "expiry_days": EXPIRY_DAYS}


def _owner() -> TokenOwner:
    owner = signed_in()
    if owner is None:
        abort(redirect(url_for("upload_page.index"), 303))
    return owner


@bp.get("")
def index() -> Any:
    owner = _owner()
    today = local_today()
    with current_hub().sessions() as session:
        counts = provider_counts(session, today, owner.provider_id)[0]
        past, soon = expiry_lists(session, owner.provider_id, today)
        history = list(session.execute(
            sa.select(Upload.id, Upload.created_at, Upload.filename, Upload.dry_run,
                      Upload.mode, Upload.status, Upload.report)
            .where(Upload.provider_id == owner.provider_id)
            .order_by(Upload.id.desc()).limit(HISTORY_SIZE)))
    return render_template("workspace.html", owner=owner, counts=counts,
                           score=quality_score(counts.facts, today), past=past, soon=soon,
                           history=history, today=today)


@bp.get("/angebote")
def offers() -> Any:
    owner = _owner()
    args = MultiDict([(k, v) for k, v in request.args.items(multi=True) if v != ""])
    after = _after(args.pop("nach", None))
    with current_hub().sessions() as session:
        try:
            parsed = OfferFilters.parse(args, session)
        except Problem as problem:
            field, label = _field(problem)
            return _offers_page(owner, [], {}, None, args,
                                [(field, f"{label}: {problem.detail}")], 400)
        # The provider is fixed: whatever `provider` says, only this provider's offers match.
        filters = replace(parsed, providers=(owner.provider_slug,))
        ids = list(session.execute(filters.select_ids(session, after).limit(PAGE_SIZE + 1))
                   .scalars())
        more = len(ids) > PAGE_SIZE
        ids = ids[:PAGE_SIZE]
        records = load_offer_records(session, ids)
        present = offer_groups(session, ids)
        total = session.execute(sa.select(sa.func.count()).select_from(Offer)
                                .where(*filters.where(session))).scalar_one()
    rows = [(record, present.get(offer_id, {})) for offer_id, record in zip(ids, records,
                                                                           strict=True)]
    kept = [(k, v) for k, v in args.items(multi=True) if k != "provider"]
    next_url = url_for(".offers") + "?" + urlencode([*kept, ("nach", str(ids[-1]))]) \
        if more else None
    first_url = url_for(".offers") + ("?" + urlencode(kept) if kept else "")
    return _offers_page(owner, rows, {"total": total, "first": after is None,
                                      "first_url": first_url}, next_url, args)


def _after(raw: str | None) -> int | None:
    """The offer id a page starts after (`nach`), or None for the first page."""
    if raw is None:
        return None
    after = bounded_int(raw)
    if after is None:
        abort(400, "Der Link zur nächsten Seite ist ungültig. Bitte von der ersten Seite aus "
                   "weiterblättern.")
    return after


FIELD_LABELS = {"q": ("q", "Suchwörter"), "from": ("von", "Mit einem Termin ab"),
                "to": ("bis", "Mit einem Termin bis"),
                **{param: (param, label) for param, _name, label in FORM_CODELISTS}}


def _field(problem: Problem) -> tuple[str, str]:
    """The form field a filter problem is about (the error summary links to it), its label."""
    name = str(problem.extra.get("parameter") or "q")
    return FIELD_LABELS.get(name, ("q", f"Parameter „{name}“"))


def _offers_page(owner: TokenOwner, rows: list[Any],
                 info: dict[str, Any], next_url: str | None, args: MultiDict[str, str],
                 errors: list[tuple[str, str]] | None = None, status: int = 200) -> Any:
    choices = [(param, label, codelist(name).concepts) for param, name, label in FORM_CODELISTS]
    return render_template("workspace_offers.html", owner=owner, rows=rows, info=info,
                           next_url=next_url, args=args, choices=choices, errors=errors or [],
                           missing_groups=missing_groups), status


def current_rows(provider_slug: str) -> list[list[str]]:
    """The provider's live offers as rows of the upload template (one per date)."""
    hub = current_hub()
    return [row for batch in iter_offer_batches(hub.engine, OfferFilters(
        providers=(provider_slug,))) for record in batch for row in offer_to_template_rows(record)]


def _download(data: bytes, mimetype: str, name: str) -> Response:
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    resp.headers["Cache-Control"] = "no-store"  # one provider's data, behind its sign-in
    return resp


def _download_owner() -> TokenOwner:
    owner = signed_in()
    if owner is None:
        abort(401)
    return owner


@bp.get("/angebote.csv")
def offers_csv() -> Response:
    owner = _download_owner()
    data = template_csv(rows=current_rows(owner.provider_slug))
    return _download(data, "text/csv; charset=utf-8", _file_name(owner, "csv"))


@bp.get("/angebote.xlsx")
def offers_xlsx() -> Response:
    owner = _download_owner()
    data = template_xlsx(rows=current_rows(owner.provider_slug))
    return _download(data, XLSX_TYPE, _file_name(owner, "xlsx"))


def _file_name(owner: TokenOwner, suffix: str) -> str:
    # Slugs are [a-z0-9-]: safe inside the quoted header value.
    return f"angebote-{owner.provider_slug}-{local_today():%Y-%m-%d}.{suffix}"
