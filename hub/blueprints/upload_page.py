"""The upload page `/hochladen`: sign in with the provider token, check or import a file,
read the report as a table, download it as CSV; download the template (CSV, XLSX).

Forms carry a CSRF token kept in the Flask session; a sign-in is a server-side session bound
to the token's id (hub.auth.web_sessions: ended by signing out and by revoking the token),
never the token itself.
"""
from __future__ import annotations

import csv
import io
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import RequestEntityTooLarge

from ..auth import web_sessions
from ..auth.csrf import check_csrf, csrf_token
from ..auth.ratelimit import client_key, is_blocked, record_failure, retry_after
from ..auth.tokens import TokenOwner, authenticate, owner_of_token_id, touch
from ..context import current_hub
from ..db import transaction
from ..offers.defaults import check_defaults, save_defaults, stored_defaults
from ..offers.importer import ImportFailed, import_file
from ..pages_nav import PageLink
from ..problems import Problem
from .upload_presets import PresetField, field_id, preset_fields, presets_from_form
from .uploads import own_upload, read_limited

bp = Blueprint("upload_page", __name__, template_folder="../templates")

LINKS = (
    PageLink("Angebote hochladen", "/hochladen",
              "Anbieter prüfen und übermitteln ihre Angebote als CSV- oder Excel-Datei, "
              "open-Qcat oder Kalender (.ics)",
              order=20, in_nav=True),
)

SESSION_KIND = "provider"
MODES = {"replace": "Ersetzen – die Datei ist unser vollständiger Bestand",
         "upsert": "Ergänzen – nur neue und geänderte Angebote übernehmen"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.context_processor
def _forms() -> dict[str, Any]:
    return {"csrf_token": csrf_token}


def signed_in() -> TokenOwner | None:
    with current_hub().sessions() as db:
        row = web_sessions.current(db, SESSION_KIND)
        # The token may have been revoked meanwhile: then the sign-in is over too.
        return None if row is None or row.token_id is None else owner_of_token_id(db, row.token_id)


def _page(owner: TokenOwner | None, errors: list[tuple[str, str]] | None = None,
          status: int = 200, mode: str = "replace",
          presets: dict[str, str] | None = None) -> tuple[str, int]:
    template = "upload.html" if owner else "upload_signin.html"
    fields: list[PresetField] = []
    if owner is not None:
        if presets is None:
            with current_hub().sessions() as db:
                presets = stored_defaults(db, owner.provider_id)
        fields = preset_fields(presets)
    return render_template(template, owner=owner, errors=errors or [], modes=MODES,
                           mode=mode, presets=fields,
                           saved=request.args.get("gespeichert") == "1"), status


@bp.get("/hochladen")
def index() -> Any:
    return _page(signed_in())


@bp.post("/hochladen/anmelden")
def sign_in() -> Any:
    check_csrf()
    hub = current_hub()
    token = request.form.get("token", "").strip()
    if not token:
        return _page(None, [("token", "Bitte geben Sie Ihr Token ein.")], 400)
    client = client_key(request.remote_addr)
    with hub.sessions() as db:  # reads only; writes below in their own transactions
        if is_blocked(db, client, hub.settings.failed_auth_limit):
            page, status = _page(None, [("token", ("Zu viele Fehlversuche von dieser Adresse. "
                                                   "Bitte warten Sie eine Minute."))], 429)
            return page, status, {"Retry-After": str(retry_after(db, client))}
        owner = authenticate(db, token)
    if owner is None:
        with transaction(hub.sessions) as db:
            record_failure(db, client)
        return _page(None, [("token", ("Das Token ist unbekannt oder gesperrt. Bitte prüfen Sie "
                                       "es oder fragen Sie die Bildungskoordination."))], 401)
    touch(hub.sessions, owner)
    web_sessions.sign_in(SESSION_KIND, owner.token_id)
    csrf_token()
    return redirect(url_for(".index"), 303)


@bp.post("/hochladen/abmelden")
def sign_out() -> Any:
    check_csrf()
    web_sessions.sign_out()
    return redirect(url_for(".index"), 303)


@bp.post("/hochladen")
def upload() -> Any:
    owner = signed_in()
    if owner is None:
        return redirect(url_for(".index"), 303)
    hub = current_hub()
    limit = hub.settings.upload_max_bytes
    try:
        check_csrf()
        mode = request.form.get("modus", "replace")
        storage = request.files.get("datei")
    except RequestEntityTooLarge:
        return _page(owner, [("datei", _too_large_text(limit))], 413)
    if mode not in MODES:
        return _page(owner, [("modus-replace", "Bitte wählen Sie Ersetzen oder Ergänzen.")], 400)
    if storage is None or not storage.filename:
        return _page(owner, [("datei", "Bitte wählen Sie eine Datei aus.")], 400, mode)
    try:
        data = read_limited(storage.stream, limit)
    except Problem:
        return _page(owner, [("datei", _too_large_text(limit))], 413, mode)
    dry_run = request.form.get("aktion") != "importieren"
    try:
        outcome = import_file(hub.sessions, hub.settings, owner.provider_id, data,
                              filename=storage.filename, content_type=storage.mimetype,
                              mode=mode, dry_run=dry_run, source="page")
    except ImportFailed as exc:
        return _page(owner, [("datei", (f"Beim Speichern ist ein Fehler aufgetreten (Upload "
                                       f"{exc.upload_id}); es wurde nichts geändert. Bitte "
                                       "später erneut versuchen."))], 500, mode)
    return redirect(url_for(".report", upload_id=outcome.upload_id), 303)


@bp.post("/hochladen/voreinstellungen")
def save_presets() -> Any:
    """The provider's presets for calendar uploads: checked as upload cells, then stored."""
    owner = signed_in()
    if owner is None:
        return redirect(url_for(".index"), 303)
    check_csrf()
    values = presets_from_form(request.form)
    problems = check_defaults(values)
    if problems:
        return _page(owner, [(field_id(name), message) for name, message in problems], 400,
                     presets=values)
    hub = current_hub()
    with transaction(hub.sessions) as db:
        save_defaults(db, owner.provider_id, values)
    return redirect(url_for(".index", gespeichert="1", _anchor="voreinstellungen"), 303)


def _too_large_text(limit: int) -> str:
    return (f"Die Datei ist größer als {limit // (1024 * 1024)} MB. Bitte teilen Sie sie auf.")


@bp.get("/hochladen/berichte/<int:upload_id>")
def report(upload_id: int) -> Any:
    owner = signed_in()
    if owner is None:
        return redirect(url_for(".index"), 303)
    try:
        row = own_upload(upload_id, owner.provider_id)
    except Problem:
        abort(404)
    return render_template("upload_report.html", owner=owner, upload=row,
                           report=row.report or {}, counts=row.stats or {})


@bp.get("/hochladen/berichte/<int:upload_id>.csv")
def report_csv(upload_id: int) -> Any:
    owner = signed_in()
    if owner is None:
        abort(401)
    try:
        row = own_upload(upload_id, owner.provider_id)
    except Problem:
        abort(404)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Zeile", "Spalte", "Spaltenname", "Art", "Code", "Problem", "Wert"])
    for err in (row.report or {}).get("errors", []):
        # Every text cell: the column name, message and value come from the provider's file.
        # open-Qcat: the element and its PRODUCT_ID (from the file, so neutralised) as place.
        place = _neutral(err["place"]) if err.get("place") else err.get("row") or ""
        writer.writerow([place, _neutral(err.get("column_letter")),
                         _neutral(err.get("column")),
                         "Fehler" if err.get("severity") == "error" else "Warnung",
                         _neutral(err.get("code")), _neutral(err.get("message")),
                         _neutral(err.get("value"))])
    # UTF-8 with BOM and ";" so Excel opens it with umlauts and in columns.
    return _download(("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv; charset=utf-8",
                     f"pruefbericht-{upload_id}.csv")


# What makes a spreadsheet read a cell as a formula (OWASP CSV injection): = + - @, and tab or
# CR, after which some programs skip to such a sign.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _neutral(value: Any) -> str:
    """A cell value that Excel shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@bp.get("/hochladen/vorlage.csv")
def template_csv() -> Any:
    from ...validators import template_csv as make

    return _download(make(), "text/csv; charset=utf-8", "angebote-vorlage.csv")


@bp.get("/hochladen/vorlage.xlsx")
def template_xlsx() -> Any:
    from ...validators import template_xlsx as make

    return _download(make(), XLSX_TYPE, "angebote-vorlage.xlsx")


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    resp = Response(data, mimetype=mimetype.split(";")[0])
    resp.headers["Content-Type"] = mimetype
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp
