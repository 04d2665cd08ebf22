"""German error pages in the site layout for people (the API and feeds answer problem+json)."""
from __future__ import annotations

import logging
from typing import Any

from flask import render_template
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# status: (title, what happened, what to do) in plain words.
PAGES: dict[int, tuple[str, str, str]] = {
    400: ("Die Anfrage ist ungültig",
          "Die Adresse oder das Formular enthält Angaben, die wir nicht verstehen.",
          "Bitte prüfen Sie Ihre Eingabe oder beginnen Sie noch einmal auf der Startseite."),
    401: ("Anmeldung nötig", "Diese Seite ist nur für angemeldete Personen.",
          "Bitte melden Sie sich an."),
    403: ("Kein Zugriff", "Sie dürfen diese Seite nicht öffnen.",
          "Wenn Sie meinen, dass das ein Fehler ist, schreiben Sie uns bitte."),
    404: ("Seite nicht gefunden", "Diese Seite gibt es nicht. Vielleicht ist die Adresse falsch "
          "geschrieben, oder das Angebot wurde entfernt.",
          "Suchen Sie das Angebot bitte über die Suche."),
    405: ("Aktion nicht möglich", "Diese Seite kann so nicht aufgerufen werden.",
          "Bitte gehen Sie zurück und versuchen Sie es erneut."),
    410: ("Das Angebot gibt es nicht mehr", "Dieses Angebot ist abgelaufen oder wurde vom "
          "Anbieter gelöscht.", "Ähnliche Angebote finden Sie über die Suche."),
    413: ("Die Datei ist zu groß", "Die gesendete Datei oder das Formular ist größer, als wir "
          "annehmen können.", "Bitte senden Sie eine kleinere Datei."),
    429: ("Zu viele Anfragen", "Von Ihrem Anschluss kamen in kurzer Zeit sehr viele Anfragen.",
          "Bitte warten Sie eine Minute und versuchen Sie es dann erneut."),
    500: ("Ein Fehler ist aufgetreten", "Auf unserer Seite ist ein Fehler passiert. Er wurde "
          "aufgeschrieben und wird behoben.", "Bitte versuchen Sie es später noch einmal."),
}


def _detail(exc: HTTPException) -> str | None:
    """A German description the route gave (abort(400, "…")); werkzeug's own are English."""
    description = exc.description
    if not description or description == type(exc).description:
        return None
    return str(description)


def german_detail(exc: HTTPException) -> str:
    """The route's own German description, else the German words of its status (werkzeug's
    descriptions are English)."""
    status = exc.code or 500
    return _detail(exc) or PAGES.get(status, PAGES[500 if status >= 500 else 400])[1]


def error_page(status: int, detail: str | None = None) -> tuple[str, int]:
    title, what, todo = PAGES.get(status, PAGES[500 if status >= 500 else 400])
    return render_template("error.html", status=status, title=title, what=what, todo=todo,
                           detail=detail), status


def http_error_page(exc: HTTPException) -> Any:
    """The page for an HTTP error; a response the route built itself (401 with its
    WWW-Authenticate header) is kept."""
    if exc.response is not None:
        return exc
    page, status = error_page(exc.code or 500, _detail(exc))
    headers = exc.get_headers()  # Allow on 405, Retry-After, …
    return page, status, [(k, v) for k, v in headers if k.lower() != "content-type"]


def unexpected_error_page() -> Any:
    try:
        return error_page(500)
    except Exception:  # the layout itself failed: a bare page still says it in German
        log.exception("error page could not be rendered")
        return ("<!doctype html><html lang=de><title>Fehler</title><h1>Ein Fehler ist "
                "aufgetreten</h1><p>Der Fehler wurde protokolliert.</p>", 500)
