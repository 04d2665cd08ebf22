"""A database that cannot be reached answers 503 with Retry-After, not 500: the request was
fine, the hub is (briefly) unable to serve it, and clients and caches should come back."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, render_template_string, request
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from .problems import Problem, internal_error, wants_problem_json

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
# Connection refused or dropped, database missing or unreadable, pool exhausted, SQLite busy.
OUTAGES = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)

PAGE = """<!doctype html><html lang="de"><head><meta charset="utf-8">
<title>Vorübergehend nicht erreichbar</title></head><body>
<h1>Vorübergehend nicht erreichbar</h1>
<p>Die Datenbank des Bildungsdaten-Hubs ist gerade nicht erreichbar. Bitte versuchen Sie es in
{{ seconds }} Sekunden erneut.</p></body></html>"""


def is_outage(exc: Exception) -> bool:
    """A database that cannot serve now, not one lacking a table (SQLite reports a database
    never migrated as OperationalError, PostgreSQL as ProgrammingError: a bug, a 500 on both)."""
    return not str(getattr(exc, "orig", exc)).startswith(("no such table", "no such column"))


def database_unavailable(exc: Exception) -> Any:
    """503 + Retry-After: problem+json for the API and feeds, a German page otherwise."""
    if not is_outage(exc):
        log.exception("unhandled error on %s", request.path, exc_info=exc)
        return internal_error()
    # One line, no traceback: the cause is outside the code (and repeats on every request).
    log.error("database unavailable on %s: %s", request.path, exc)
    if wants_problem_json():
        resp: Response = Problem(503, "database-unavailable", "Vorübergehend nicht erreichbar",
                                 "Die Datenbank ist gerade nicht erreichbar. Bitte in "
                                 f"{RETRY_AFTER_SECONDS} Sekunden erneut versuchen.").response()
    else:
        resp = Response(render_template_string(PAGE, seconds=RETRY_AFTER_SECONDS), 503,
                        mimetype="text/html")
    resp.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def init_app(app: Flask) -> None:
    for exc_class in OUTAGES:
        app.register_error_handler(exc_class, database_unavailable)
