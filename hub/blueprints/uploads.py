"""Upload API: `POST /api/v1/uploads` (Bearer token of one provider) and its past uploads.

The token's provider owns everything uploaded with it; the file's anbieter_name column is only
informational. Answers are the validation report plus upload id and import counts, or
problem+json (400 bad parameter, 401 token, 404 someone else's upload, 413 too large,
429 too many failed token attempts).
"""
from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from flask import Blueprint, Response, json, request
from werkzeug.http import parse_options_header

from ..auth.ratelimit import client_key, is_blocked, record_failure, retry_after
from ..auth.tokens import TokenOwner, authenticate, touch
from ..context import current_hub
from ..db import transaction
from ..models import Upload
from ..offers.importer import ImportFailed, import_file, upload_dict
from ..offers.originals import keeps_original, unpack
from ..problems import Problem, bad_parameter

bp = Blueprint("uploads", __name__, url_prefix="/api/v1/uploads")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GUESSED_NAMES = {"text/csv": "upload.csv", "text/plain": "upload.csv",
                 "application/csv": "upload.csv", "text/tab-separated-values": "upload.tsv",
                 XLSX_TYPE: "upload.xlsx", "text/calendar": "upload.ics"}
BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
CHUNK = 64 * 1024


class HeaderProblem(Problem):
    """A Problem answered with extra HTTP headers (WWW-Authenticate, Retry-After)."""

    def __init__(self, *args: Any, headers: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers

    def response(self) -> Response:
        resp = super().response()
        resp.headers.update(self.headers)
        return resp


def unauthorized(detail: str) -> Problem:
    return HeaderProblem(401, "unauthorized", "Nicht angemeldet", detail,
                         headers={"WWW-Authenticate": 'Bearer realm="bildungsdaten"'})


def too_many_attempts(seconds: int) -> Problem:
    return HeaderProblem(429, "too-many-requests", "Zu viele Fehlversuche",
                         "Zu viele ungültige Tokens von dieser Adresse. Bitte in "
                         f"{seconds} Sekunden erneut versuchen.",
                         headers={"Retry-After": str(seconds)})


def check_token(token: str | None) -> TokenOwner:
    """The provider a presented token speaks for; counts and limits failed attempts."""
    hub = current_hub()
    client = client_key(request.remote_addr)
    # Reads first, writes in their own short transactions: on SQLite a read transaction that
    # later writes fails at once ("locked") when another upload committed in between.
    with hub.sessions() as session:
        if is_blocked(session, client, hub.settings.failed_auth_limit):
            raise too_many_attempts(retry_after(session, client))
        if not token:
            raise unauthorized("Bitte das Token des Anbieters als „Authorization: Bearer …“ "
                               "mitsenden.")
        owner = authenticate(session, token)
    if owner is None:
        with transaction(hub.sessions) as session:
            record_failure(session, client)
        raise unauthorized("Das Token ist unbekannt oder gesperrt.")
    touch(hub.sessions, owner)
    return owner


def _bearer_owner() -> TokenOwner:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return check_token(token.strip() if scheme.lower() == "bearer" else None)


def _flag(name: str, default: bool) -> bool:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() not in BOOLEANS:
        raise bad_parameter(name, f"„{raw}“ ist nicht erlaubt: true oder false.")
    return BOOLEANS[raw.lower()]


def _choice(name: str, allowed: tuple[str, ...], default: str) -> str:
    raw = request.args.get(name) or default
    if raw not in allowed:
        raise bad_parameter(name, f"„{raw}“ ist nicht erlaubt: {' oder '.join(allowed)}.")
    return raw


def too_large(limit: int) -> Problem:
    return Problem(413, "file-too-large", "Datei zu groß",
                   f"Die Datei ist größer als {limit // (1024 * 1024)} MB. Bitte teilen Sie sie "
                   "auf oder wenden Sie sich an die Bildungskoordination.", limit=limit)


def read_limited(stream: Any, limit: int) -> bytes:
    """At most `limit` bytes of a stream; 413 as soon as it is longer."""
    parts: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            return b"".join(parts)
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        parts.append(chunk)


def safe_filename(name: str | None) -> str | None:
    """The last path part of a client-given file name (no directories)."""
    if not name:
        return None
    base = PurePosixPath(name.replace("\\", "/")).name.strip()
    return base[:300] or None


def guessed_filename(content_type: str | None) -> str | None:
    if not content_type:
        return None
    if content_type in GUESSED_NAMES:
        return GUESSED_NAMES[content_type]
    ext = mimetypes.guess_extension(content_type)
    return f"upload{ext}" if ext else None


def read_upload_body(limit: int) -> tuple[bytes, str | None, str | None]:
    """The uploaded file (multipart field `file`, or the raw body): bytes, name, type."""
    if request.content_length is not None and request.content_length > limit + CHUNK:
        raise too_large(limit)  # multipart framing gets one chunk of slack
    if request.mimetype == "multipart/form-data":
        storage = request.files.get("file")
        if storage is None:
            raise bad_parameter("file", "Bitte die Datei im Formularfeld „file“ senden.")
        data = read_limited(storage.stream, limit)
        return data, safe_filename(storage.filename), storage.mimetype or None
    if request.content_length is not None and request.content_length > limit:
        raise too_large(limit)
    data = read_limited(request.stream, limit)
    content_type = request.mimetype or None
    _disposition, options = parse_options_header(request.headers.get("Content-Disposition"))
    name = safe_filename(options.get("filename")) or guessed_filename(content_type)
    return data, name, content_type


def _json(body: dict[str, Any], status: int, location: str | None = None) -> Response:
    resp = Response(json.dumps(body, ensure_ascii=False), status=status,
                    mimetype="application/json")
    resp.headers["Cache-Control"] = "no-store"
    if location:
        resp.headers["Location"] = location
    return resp


@bp.post("")
def create_upload() -> Response:
    hub = current_hub()
    owner = _bearer_owner()
    mode = _choice("mode", ("replace", "upsert"), "replace")
    dry_run = _flag("dry_run", False)
    lang = _choice("lang", ("de", "en"), "de")
    data, filename, content_type = read_upload_body(hub.settings.upload_max_bytes)
    try:
        outcome = import_file(hub.sessions, hub.settings, owner.provider_id, data,
                              filename=filename, content_type=content_type, mode=mode,
                              dry_run=dry_run, source="api", lang=lang)
    except ImportFailed as exc:
        raise Problem(500, "import-failed", "Import fehlgeschlagen",
                      "Beim Speichern ist ein Fehler aufgetreten; es wurde nichts geändert.",
                      upload_id=exc.upload_id) from None
    location = hub.settings.url(f"/api/v1/uploads/{outcome.upload_id}")
    body = outcome.to_dict()
    body["url"] = location
    return _json(body, 200 if outcome.status == "done" else 422, location)


def upload_body(row: Upload) -> dict[str, Any]:
    return upload_dict(row.id, row.status, row.mode, row.dry_run, row.report, row.stats,
                       source=row.source, filename=row.filename, size=row.size,
                       sha256=row.sha256,
                       created_at=row.created_at.isoformat() + "Z",
                       finished_at=row.finished_at.isoformat() + "Z" if row.finished_at else None,
                       url=current_hub().settings.url(f"/api/v1/uploads/{row.id}"))


def own_upload(upload_id: int, provider_id: int) -> Upload:
    """An upload of this provider; 404 for missing ones and for other providers' uploads."""
    with current_hub().sessions() as session:
        row = session.execute(sa.select(Upload).where(
            Upload.id == upload_id, Upload.provider_id == provider_id)).scalar()
    if row is None:
        raise Problem(404, "not-found", "Nicht gefunden",
                      f"Ein Upload {upload_id} dieses Anbieters existiert nicht.")
    return row


@bp.get("/<int:upload_id>")
def get_upload(upload_id: int) -> Response:
    owner = _bearer_owner()
    return _json(upload_body(own_upload(upload_id, owner.provider_id)), 200)


def original_gone(upload: Upload) -> Problem:
    """The problem answered for an upload whose original file is not (or no longer) kept."""
    settings = current_hub().settings
    if upload.status == "pending":
        return Problem(409, "original-pending", "Noch in Bearbeitung",
                       "Die Datei wird noch geprüft; die Originaldatei ist danach abrufbar.")
    if not keeps_original(upload.report):
        return Problem(410, "original-not-kept", "Originaldatei nicht aufbewahrt",
                       "Diese Datei ist ein Umfrage-Export und wurde deshalb nicht gespeichert.")
    return Problem(410, "original-expired", "Originaldatei nicht mehr aufbewahrt",
                   "Originaldateien von Probeläufen, abgelehnten und abgebrochenen Uploads "
                   f"werden nach {settings.originals_keep_days} Tagen gelöscht, ältere "
                   "Originaldateien außerdem, wenn ein Anbieter mehr als "
                   f"{settings.originals_quota_bytes // (1024 * 1024)} MB gespeichert hat. "
                   "Der Prüfbericht bleibt erhalten.")


@bp.get("/<int:upload_id>/original")
def get_original(upload_id: int) -> Response:
    owner = _bearer_owner()
    row = own_upload(upload_id, owner.provider_id)
    if row.original is None:  # pending, expired, over the quota, or never kept
        raise original_gone(row)
    resp = Response(unpack(row.original, row.original_compression), mimetype=row.content_type or "application/octet-stream")
    name = row.filename or f"upload-{row.id}"
    resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("")
def list_uploads() -> Response:
    owner = _bearer_owner()
    with current_hub().sessions() as session:
        rows = session.execute(sa.select(Upload).where(Upload.provider_id == owner.provider_id)
                               .order_by(Upload.id.desc()).limit(50)).scalars().all()
    items = [{k: v for k, v in upload_body(row).items() if k != "errors"} for row in rows]
    return _json({"provider": owner.provider_slug, "uploads": items}, 200)
