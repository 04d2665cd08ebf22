"""One JSON error type for the API and feeds: RFC 9457 `application/problem+json`."""
from __future__ import annotations

from typing import Any

from flask import Response, json, request

PROBLEM_TYPE_BASE = "https://w3id.org/bildungsdaten/problems/"
# Paths whose errors are answered as problem+json instead of HTML.
JSON_PREFIXES = ("/api/", "/feeds/", "/catalog", "/survey/api", "/angebote.ics", "/angebote.atom",
                 "/monitoring/indikatoren.")


class Problem(Exception):
    """An error answered as problem+json: a stable `code`, a German `title`, the place."""

    def __init__(self, status: int, code: str, title: str, detail: str | None = None,
                 **extra: Any) -> None:
        super().__init__(title)
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.extra = extra

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": PROBLEM_TYPE_BASE + self.code, "title": self.title,
                                "status": self.status, "code": self.code}
        if self.detail:
            body["detail"] = self.detail
        body.update(self.extra)
        return body

    def response(self) -> Response:
        resp = Response(json.dumps(self.to_dict(), ensure_ascii=False), status=self.status,
                        mimetype="application/problem+json")
        resp.headers["Content-Language"] = "de"
        return resp


def bad_parameter(name: str, detail: str) -> Problem:
    """400 for a query parameter, naming it."""
    return Problem(400, "invalid-parameter", f"Ungültiger Parameter „{name}“", detail,
                   parameter=name)


def wants_problem_json() -> bool:
    """True when the current request's errors are answered as problem+json (API, feeds,
    catalogue, or a client asking for JSON); HTML pages otherwise."""
    return request.path.startswith(JSON_PREFIXES) or request.accept_mimetypes.best in (
        "application/json", "application/problem+json")


def internal_error() -> Any:
    """The 500 answer (problem+json or a German page); the caller has logged the cause."""
    if wants_problem_json():
        return Problem(500, "internal-error", "Interner Fehler",
                       "Der Fehler wurde protokolliert. Bitte später erneut versuchen.").response()
    return ("<!doctype html><html lang=de><title>Fehler</title><h1>Interner Fehler</h1>"
            "<p>Der Fehler wurde protokolliert.</p>", 500)
