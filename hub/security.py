"""What every response and request of the hub gets, registered by one `init_app(app)`:
bounded input (hub.input_guard), 503 while the database is down (hub.outage), the session
cookie's flags, and the security headers.

The frame-ancestors rule lives only here: a view that may be framed (an embed) is marked with
`allow_framing`, every other page refuses to be framed.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request
from flask.sessions import SecureCookieSessionInterface

from . import input_guard, outage
from .settings import check_admin_token

# No inline script or style anywhere (templates load hub.js / hub.css); JSON-LD data blocks
# are not scripts and stay allowed. img data: for the SVG charts' inline use.
CSP_DIRECTIVES: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
}
NO_FRAMING = "'none'"
# Pages with a signed-in person's data or a form secret: never kept by a browser or proxy.
NO_STORE_PREFIXES = ("/survey/admin", "/verwaltung", "/hochladen", "/api/v1/uploads")
# Public downloads that need no session (kept cacheable).
NO_STORE_EXCEPTIONS = ("/hochladen/vorlage.",)

View = TypeVar("View", bound=Callable[..., Any])


def allow_framing(ancestors: str | None = None) -> Callable[[View], View]:
    """Let other sites frame this view (embeds); `ancestors` is the CSP source list, by
    default EMBED_ALLOWED_ORIGINS (read per request, "*" when empty)."""
    def mark(view: View) -> View:
        view.frame_ancestors = ancestors or ""  # type: ignore[attr-defined]
        return view
    return mark


# The page that may load map tiles from MAP_TILE_URL's host (only when that is set).
TILE_MAP_ENDPOINT = "search_page.map_page"


def content_security_policy(frame_ancestors: str = NO_FRAMING, images_from: str = "") -> str:
    """The CSP; `images_from`: one more origin images may come from (the map tiles)."""
    directives = dict(CSP_DIRECTIVES)
    if images_from:
        directives["img-src"] += " " + images_from
    parts = [f"{name} {value}" for name, value in directives.items()]
    return "; ".join([*parts, f"frame-ancestors {frame_ancestors}"])


def _frame_ancestors() -> str:
    view: Any = current_app.view_functions.get(request.endpoint or "")
    if not hasattr(view, "frame_ancestors"):
        return NO_FRAMING
    configured = current_app.extensions["hub"].settings.embed_allowed_origins.strip()
    ancestors = str(view.frame_ancestors or configured or "*")
    # The hub's own pages (the embed builder's preview) may always frame its embeds.
    return ancestors if ancestors == "*" else f"'self' {ancestors}"


def security_headers(resp: Response) -> Response:
    ancestors = _frame_ancestors()
    tiles = (current_app.extensions["hub"].settings.map_tile_origin
             if request.endpoint == TILE_MAP_ENDPOINT else "")
    resp.headers.setdefault("Content-Security-Policy", content_security_policy(ancestors, tiles))
    if ancestors == NO_FRAMING:
        resp.headers.setdefault("X-Frame-Options", "DENY")  # browsers without CSP level 2
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    path = request.path
    if path.startswith(NO_STORE_PREFIXES) and not path.startswith(NO_STORE_EXCEPTIONS):
        resp.headers["Cache-Control"] = "no-store"
        resp.headers.pop("ETag", None)
    return resp


class HubSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the client reaches the hub over https:
    directly, through trusted proxies (PROXY_HOPS, X-Forwarded-Proto) or at an https
    HUB_BASE_URI (a TLS-terminating proxy the hub is not told about)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        base = app.extensions["hub"].settings.hub_base_uri
        return request.is_secure or base.startswith("https://")


def init_app(app: Flask) -> None:
    """Register everything of this module; call before the blueprints (the int converter
    must be known when their rules are added)."""
    check_admin_token(app.extensions["hub"].settings.admin_token)  # also for create_app(settings=…)
    input_guard.init_app(app)
    outage.init_app(app)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.session_interface = HubSessionInterface()
    app.after_request(security_headers)
