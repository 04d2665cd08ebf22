"""The DCAT-AP.de catalogue: /catalog (+ .ttl/.rdf/.jsonld) with Hydra paging, /datasets/<id>.

Content negotiation picks Turtle, RDF/XML, JSON-LD or HTML from Accept (Turtle when the client
says nothing); harvesters rely on the exact Content-Type. All IRIs come from HUB_BASE_URI.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, render_template, request

from ...feeds.dcat import DEFAULT_PROFILE, PROFILES
from ...feeds.dcat.model import Catalogue, Dataset
from ..catalog import PageOutOfRange, build_catalogue, find_dataset, parse_modified_since
from ..context import current_hub
from ..input_guard import bounded_int
from ..pages_nav import PageLink
from ..problems import Problem, bad_parameter

bp = Blueprint("catalog", __name__, template_folder="../templates")

LINKS = (
    PageLink("Datenkatalog", "/catalog", "Alle Datensätze im DCAT-AP.de-Katalog (Turtle, "
              "RDF/XML, JSON-LD) – so finden GovData und andere Portale die Daten", order=30,
              in_nav=True),
)

# extension -> (rdf format for feeds.dcat, media type); html is rendered from templates.
FORMATS: dict[str, tuple[str, str]] = {
    "ttl": ("turtle", "text/turtle"),
    "rdf": ("xml", "application/rdf+xml"),
    "jsonld": ("json-ld", "application/ld+json"),
    "html": ("html", "text/html"),
}
# Accept values in order of preference on a tie (*/* gets Turtle), with common aliases.
ACCEPTED: list[tuple[str, str]] = [
    ("text/turtle", "ttl"), ("application/x-turtle", "ttl"), ("application/rdf+xml", "rdf"),
    ("application/ld+json", "jsonld"), ("application/json", "jsonld"), ("text/html", "html"),
    ("application/xhtml+xml", "html"),
]
PARAMETERS = ("page", "modified_since")
MAX_AGE = 300


def _negotiate(ext: str | None) -> str:
    """The extension of the format to answer with; 406 as problem+json when there is none."""
    if ext is not None:
        if ext in FORMATS:
            return ext
        raise _not_acceptable(f"Unbekanntes Format „.{ext}“.")
    if not request.accept_mimetypes:
        return "ttl"
    best = request.accept_mimetypes.best_match([mime for mime, _ in ACCEPTED])
    if best is None:
        raise _not_acceptable(f"Keines der verlangten Formate ({request.headers.get('Accept')}) "
                              "ist verfügbar.")
    return dict(ACCEPTED)[best]


def _not_acceptable(detail: str) -> Problem:
    offered = [FORMATS[e][1] for e in FORMATS]
    return Problem(406, "not-acceptable", "Format nicht verfügbar",
                   detail + " Verfügbar: " + ", ".join(offered) + " (oder die Endungen "
                   ".ttl, .rdf, .jsonld, .html).", available=offered)


def _rdf_response(body: str, ext: str) -> Response:
    resp = Response(body, mimetype=FORMATS[ext][1])
    return _headers(resp)


def _headers(resp: Response) -> Response:
    resp.headers["Vary"] = "Accept"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return resp


def _query() -> tuple[int, datetime | None, str | None]:
    for name in request.args:
        if name not in PARAMETERS:
            raise bad_parameter(name, "Unbekannter Parameter; erlaubt sind page und "
                                      "modified_since.")
    raw_page = request.args.get("page", "1")
    page = bounded_int(raw_page, low=1)
    if page is None:
        raise bad_parameter("page", f"„{raw_page}“ ist keine Seitenzahl; erwartet wird eine "
                                    "ganze Zahl ab 1, z. B. page=2.")
    raw_since = request.args.get("modified_since")
    since = None
    if raw_since is not None:
        try:
            since = parse_modified_since(raw_since)
        except ValueError:
            raise bad_parameter("modified_since", f"„{raw_since}“ ist kein Datum nach ISO 8601; "
                                "erwartet z. B. 2025-03-01 oder 2025-03-01T10:00:00+01:00."
                                ) from None
    return page, since, raw_since


def _catalogue(path: str) -> Catalogue:
    page, since, raw_since = _query()
    hub = current_hub()
    with hub.sessions() as session:
        try:
            return build_catalogue(session, hub.settings, hub.dataset_sources, page, since, path,
                                   raw_since)
        except PageOutOfRange as exc:
            raise Problem(404, "page-not-found", "Seite nicht vorhanden",
                          f"Seite {exc.page} gibt es nicht; der Katalog hat {exc.last} "
                          f"Seite(n).", parameter="page", last_page=exc.last) from None


@bp.get("/catalog")
def catalogue() -> Any:
    return _serve_catalogue(_negotiate(None), "/catalog")


@bp.get("/catalog.<ext>")
def catalogue_file(ext: str) -> Any:
    fmt = _negotiate(ext)
    return _serve_catalogue(fmt, f"/catalog.{fmt}" if fmt != "html" else "/catalog")


def _serve_catalogue(ext: str, path: str) -> Any:
    cat = _catalogue(path)
    if ext == "html":
        return _headers(Response(render_template(
            "catalog.html", catalogue=cat, formats=_format_links("/catalog")),
            mimetype="text/html"))
    return _rdf_response(PROFILES[DEFAULT_PROFILE].render_catalogue(cat, FORMATS[ext][0]), ext)


@bp.get("/datasets/<name>")
def dataset(name: str) -> Any:
    dataset_id, ext = name, None
    if "." in name and name.rsplit(".", 1)[0]:
        dataset_id, ext = name.rsplit(".", 1)
    hub = current_hub()
    with hub.sessions() as session:
        found = find_dataset(session, hub.settings, hub.dataset_sources, dataset_id)
    if found is None:
        raise Problem(404, "dataset-not-found", "Datensatz nicht gefunden",
                      f"Einen Datensatz „{dataset_id}“ gibt es im Katalog nicht.")
    fmt = _negotiate(ext)
    if fmt == "html":
        return _dataset_page(found)
    return _rdf_response(PROFILES[DEFAULT_PROFILE].render_dataset(found, FORMATS[fmt][0]), fmt)


def _dataset_page(found: Dataset) -> Response:
    profile = PROFILES[DEFAULT_PROFILE]
    # Embedded for search engines; "</" is escaped so no text can close the script element.
    embedded = profile.render_dataset(found, "json-ld").replace("</", "<\\/")
    html = render_template("dataset.html", dataset=found, embedded_jsonld=embedded,
                           licence_labels=LICENCE_LABELS,
                           formats=_format_links(f"/datasets/{found.id}"))
    return _headers(Response(html, mimetype="text/html"))


def _format_links(path: str) -> list[tuple[str, str, str]]:
    return [("Turtle", f"{path}.ttl", "text/turtle"),
            ("RDF/XML", f"{path}.rdf", "application/rdf+xml"),
            ("JSON-LD", f"{path}.jsonld", "application/ld+json")]


LICENCE_LABELS = {
    "http://dcat-ap.de/def/licenses/dl-by-de/2.0": "Datenlizenz Deutschland – Namensnennung – 2.0",
    "http://dcat-ap.de/def/licenses/dl-zero-de/2.0": "Datenlizenz Deutschland – Zero – 2.0",
    "http://dcat-ap.de/def/licenses/cc-by/4.0": "Creative Commons Namensnennung 4.0",
    "http://dcat-ap.de/def/licenses/cc-by-sa/4.0": "Creative Commons Namensnennung – Weitergabe "
                                                   "unter gleichen Bedingungen 4.0",
    "http://dcat-ap.de/def/licenses/cc-zero": "Creative Commons Zero (CC0 1.0)",
}
