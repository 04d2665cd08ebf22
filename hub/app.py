"""The Flask app factory: settings, database, blueprints (one per area), error handling."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from . import monitoring, security, survey
from .blueprints import (
    accessibility,
    accounts,
    admin,
    api,
    audit_log,
    catalog,
    directory,
    embeds,
    feeds,
    health,
    offer_pages,
    openqcat,
    pages,
    quality_overview,
    search_page,
    sources,
    subscriptions,
    upload_page,
    uploads,
    vocab,
    watchlist,
    workspace,
)
from .context import HubContext
from .db import make_engine, make_sessionmaker
from .offers.retention import recover_at_start
from .pages_nav import add_links
from .portal.errors import german_detail, http_error_page, unexpected_error_page
from .problems import Problem, internal_error, wants_problem_json
from .search.fast import register as register_matrix
from .search.matrix_store import MatrixStore
from .settings import Settings, load_settings

log = logging.getLogger(__name__)


def create_app(overrides: dict[str, Any] | None = None, settings: Settings | None = None) -> Flask:
    """Build the hub. `overrides` set settings by field name (tests, embedding)."""
    settings = settings or load_settings(overrides)
    app = Flask(__name__, instance_path=str(settings.instance_path.resolve()))
    app.config.update(SECRET_KEY=settings.secret_key, JSON_SORT_KEYS=False,
                      MAX_CONTENT_LENGTH=settings.upload_max_bytes + 1024 * 1024)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    engine = make_engine(settings.database_url)
    app.extensions["hub"] = HubContext(settings, engine, make_sessionmaker(engine))
    # Searches on this engine filter and count from an in-memory matrix (hub.search.fast).
    store = MatrixStore(engine, enabled=settings.search_matrix)
    app.extensions["search_matrix"] = store
    register_matrix(store)
    if settings.proxy_hops > 0:
        # Behind nginx & co. the client's address (rate limit of failed tokens) and scheme
        # come from the proxy's headers; trusted only for the configured number of hops.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)
    security.init_app(app)  # before the blueprints: their <int:…> rules use its converter
    _register_blueprints(app)
    _register_errors(app)
    # Uploads left "pending" by a process killed midway (e.g. a worker restarted) fail now.
    recover_at_start(app.extensions["hub"].sessions, settings)
    return app


# The areas of the hub, each a blueprint with the links it adds to the start page.
AREAS = (pages, search_page, offer_pages, directory, watchlist, accessibility, feeds,
         subscriptions, embeds, api, catalog, vocab, upload_page, workspace, uploads, health,
         admin, accounts, audit_log, quality_overview, openqcat, sources)


def _register_blueprints(app: Flask) -> None:
    """Each area's blueprint and links, then the areas that wire themselves (init_app)."""
    for area in AREAS:
        app.register_blueprint(area.bp)
        add_links(app, getattr(area, "LINKS", ()))
    survey.init_app(app)
    monitoring.init_app(app)


def _register_errors(app: Flask) -> None:
    @app.errorhandler(Problem)
    def _problem(problem: Problem) -> Any:
        return problem.response()

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        if not wants_problem_json():
            return http_error_page(exc)
        titles = {404: "Nicht gefunden", 405: "Methode nicht erlaubt", 406: "Format nicht verfügbar",
                  413: "Datei zu groß", 400: "Ungültige Anfrage", 401: "Nicht angemeldet",
                  429: "Zu viele Anfragen"}
        code = {404: "not-found", 405: "method-not-allowed", 406: "not-acceptable",
                413: "file-too-large", 429: "too-many-requests"}.get(exc.code or 500, "http-error")
        resp = Problem(exc.code or 500, code, titles.get(exc.code or 500, exc.name),
                       german_detail(exc)).response()
        for name, value in exc.get_headers():  # Allow on 405 (RFC 9110), Retry-After, …
            if name.lower() != "content-type":
                resp.headers[name] = value
        return resp

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        log.exception("unhandled error on %s", request.path)
        if wants_problem_json():
            return internal_error()
        return unexpected_error_page()
