"""/vocab/: the code lists, municipalities and the hub's own terms as SKOS, by content
negotiation (HTML, Turtle, JSON-LD, RDF/XML) or by file suffix; cacheable by ETag."""
from __future__ import annotations

import hashlib

from flask import Blueprint, Response, abort, render_template, request

from ...vocab.codelists import codelists, municipalities
from ...vocab.columns import COLUMNS
from ...vocab.skos import (
    FORMATS,
    MUNICIPALITY_SCHEME,
    concept_mappings,
    hub_terms,
    municipality_iri,
    serialize,
)
from ...vocab.terms import MUNICIPALITY_KEY_NS, VOCAB_NS
from ..pages_nav import PageLink
from ..problems import Problem

bp = Blueprint("vocab", __name__, url_prefix="/vocab")

LINKS = (
    PageLink("Vokabular", "/vocab/", "Codelisten mit Bezeichnungen, Synonymen und Zuordnungen "
              "zu schema.org, die Gemeinden und die eigenen Begriffe (HTML, Turtle, JSON-LD)",
              order=400, in_nav=True),
)

SUFFIXES = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}
# Offered media types, the first wins a tie (a browser's */* gets the HTML page).
OFFERED = {"text/html": "html", "text/turtle": "turtle", "application/ld+json": "json-ld",
           "application/rdf+xml": "xml", "application/json": "json-ld"}
CACHE_CONTROL = "public, max-age=3600"


@bp.get("/")
def index() -> Response:
    """The whole vocabulary in the format the client asks for."""
    fmt = _negotiate()
    if fmt == "html":
        return _cached(render_template(
            "vocab.html", schemes=list(codelists().values()), municipalities=municipalities(),
            terms=hub_terms(), vocab_ns=VOCAB_NS, columns=_columns_by_codelist(),
            mappings=concept_mappings, municipality_iri=municipality_iri,
            municipality_key_ns=MUNICIPALITY_KEY_NS).encode(), "text/html; charset=utf-8",
            negotiated=True)
    return _rdf(None, fmt, negotiated=True)


@bp.get("/vocab.<suffix>")
def download(suffix: str) -> Response:
    """The whole vocabulary as a file: vocab.ttl, vocab.jsonld, vocab.rdf."""
    if suffix not in SUFFIXES:
        abort(404)
    return _rdf(None, SUFFIXES[suffix])


@bp.get("/<name>")
def scheme(name: str) -> Response:
    """One code list (or `gemeinde`): /vocab/lernform by negotiation, lernform.ttl as a file."""
    base, _, suffix = name.partition(".")
    if base not in codelists() and base != MUNICIPALITY_SCHEME:
        raise Problem(404, "unknown-scheme", "Unbekannte Codeliste",
                      f"Es gibt keine Codeliste „{base}“. Vorhanden: "
                      + ", ".join([*codelists(), MUNICIPALITY_SCHEME]) + ".")
    if suffix:
        if suffix not in SUFFIXES:
            abort(404)
        return _rdf(base, SUFFIXES[suffix])
    fmt = _negotiate()
    if fmt != "html":
        return _rdf(base, fmt, negotiated=True)
    body = render_template(
        "vocab_scheme.html", scheme=codelists().get(base), name=base,
        municipalities=municipalities(), vocab_ns=VOCAB_NS, columns=_columns_by_codelist(),
        mappings=concept_mappings, municipality_iri=municipality_iri,
        municipality_key_ns=MUNICIPALITY_KEY_NS)
    return _cached(body.encode(), "text/html; charset=utf-8", negotiated=True)


def _negotiate() -> str:
    accept = request.accept_mimetypes
    if not accept:
        return "html"
    best = accept.best_match(list(OFFERED))
    if best is None:
        raise Problem(406, "not-acceptable", "Format nicht verfügbar",
                      "Verfügbar sind: " + ", ".join(OFFERED) + ".")
    return OFFERED[best]


def _rdf(scheme_name: str | None, fmt: str, negotiated: bool = False) -> Response:
    mimetype = FORMATS[fmt]
    return _cached(serialize(scheme_name, fmt), f"{mimetype}; charset=utf-8", negotiated)


def _cached(body: bytes, content_type: str, negotiated: bool = False) -> Response:
    resp = Response(body, content_type=content_type)
    resp.set_etag(hashlib.sha256(body).hexdigest()[:32])
    resp.headers["Cache-Control"] = CACHE_CONTROL
    if negotiated:
        resp.vary.add("Accept")
    resp.make_conditional(request)  # 304 without a body when If-None-Match matches
    return resp


def _columns_by_codelist() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for column in COLUMNS:
        if column.codelist:
            out.setdefault(column.codelist, []).append(column.name)
    return out
