"""Open feeds of the offers: JSON-LD snapshot, CSV (+ CSVW, Data Package), RPDE change feed,
the @context, and the German /feeds overview page."""
from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, json, render_template, request, send_file

from ...feeds import csv_feed
from ...feeds.dcat.model import normalise_licence
from ...feeds.http import (
    accepts_gzip,
    etag,
    etag_matches,
    gzip_bytes,
    gzip_etag,
    gzip_stream,
    http_date,
)
from ...feeds.jsonld import JSONLD_MEDIA_TYPE, stream_documents
from ...feeds.rpde import Cursor, FeedParameterError, page_bytes, parse_cursor
from ...vocab.jsonld import CONTEXT_PATH, context_bytes
from ...vocab.table_schema import csvw_metadata, data_package
from ..context import current_hub
from ..models import Offer
from ..offers.documents import RenderedDocument, render_target, store_documents
from ..offers.exports import EXPORTS, stored_export
from ..offers.filters import OfferFilters
from ..offers.queries import (
    feed_version,
    fill_documents,
    iter_offer_batches,
    iter_offer_documents,
    read_snapshot,
    rpde_rows,
)
from ..pages_nav import PageLink
from ..problems import bad_parameter

bp = Blueprint("feeds", __name__, template_folder="../templates")

LINKS = (
    PageLink("Offene Daten", "/feeds", "Alle Angebote als JSON-LD, CSV und RPDE-Änderungsfeed",
              order=20, in_nav=True),
)

RPDE_PATH = "/feeds/offers/rpde"
CSV_PATH = "/feeds/offers.csv"
SNAPSHOT_MAX_AGE = 300
# Rendered RPDE pages kept per process, bounded by bytes: a page of 500 offers is ~3 MB as
# JSON and ~180 kB gzipped, and once a gzip copy exists only that is kept (plain copies are
# unpacked on demand, ~5 ms). 64 MB hold ~350 gzipped pages: every page of a 100,000-offer
# feed, which harvesters walk in turn (an LRU of 32 pages thrashed and served 80 pages/s).
PAGE_CACHE_BYTES = 64 * 1024 * 1024
# app.config key: False turns the per-process page cache off (benchmarks of page building).
PAGE_CACHE_CONFIG = "RPDE_PAGE_CACHE"


def _problem_from(exc: FeedParameterError) -> Any:
    return bad_parameter(exc.parameter, exc.detail)


def _common(resp: Response, tag: str | None, last_modified_ms: int | None,
            cache_control: str) -> Response:
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Cache-Control"] = cache_control
    resp.headers["Vary"] = "Accept-Encoding"
    if tag:
        resp.headers["ETag"] = tag
    date = http_date(last_modified_ms) if last_modified_ms else None
    if date:
        resp.headers["Last-Modified"] = date
    return resp


def _not_modified(tag: str, last_modified_ms: int | None, cache_control: str) -> Response:
    return _common(Response(status=304), tag, last_modified_ms, cache_control)


def _conditional_stream(kind: str, content_type: str, make_chunks: Callable[[], Iterable[bytes]],
                        parts: tuple[Any, ...], download_name: str | None = None) -> Response:
    """A streamed snapshot with ETag/Last-Modified (304), optional streamed gzip, and the
    licence of the whole (the district's default) as a `Link: <…>; rel="license"` header;
    each offer names its own licence inside (JSON-LD `license`, the CSV's `lizenz`)."""
    hub = current_hub()
    with hub.sessions() as session:
        max_modified = feed_version(session)
    gz = accepts_gzip(request.headers.get("Accept-Encoding"))
    licence = normalise_licence(hub.settings.default_licence)
    base_tag = etag(kind, max_modified, hub.settings.hub_base_uri, licence, *parts)
    tag = gzip_etag(base_tag) if gz else base_tag
    cache_control = f"public, max-age={SNAPSHOT_MAX_AGE}"
    if etag_matches(request.headers.get("If-None-Match"), tag):
        return _not_modified(tag, max_modified, cache_control)
    since = request.if_modified_since
    if since is not None and "If-None-Match" not in request.headers and max_modified and \
            int(since.timestamp()) >= max_modified // 1000:
        return _not_modified(tag, max_modified, cache_control)
    chunks: Iterator[bytes] = iter(make_chunks())
    # content_type, not mimetype: werkzeug would append a second "; charset=utf-8" to text/*.
    resp = Response(gzip_stream(chunks) if gz else chunks, content_type=content_type)
    resp.headers["Link"] = f'<{licence}>; rel="license"'
    if gz:
        resp.headers["Content-Encoding"] = "gzip"
    if download_name:
        resp.headers["Content-Disposition"] = f'inline; filename="{download_name}"'
    return _common(resp, tag, max_modified or None, cache_control)


def _stored(kind: str, version: int, download_name: str | None = None) -> Response:
    """A full snapshot from its stored file: strong ETag (its digest), Last-Modified, 304,
    Content-Length and byte ranges (send_file), the gzip copy when the client takes gzip."""
    export = EXPORTS[kind]
    gz = accepts_gzip(request.headers.get("Accept-Encoding"))
    for _attempt in range(3):
        stored = stored_export(current_hub(), kind, version)
        try:  # send_file opens the file now: once open, a newer rendering may unlink it
            resp = send_file(stored.gzip_path if gz else stored.path, mimetype=export.media_type,
                             download_name=download_name, conditional=True,
                             etag=stored.digest + ("-gzip" if gz else ""),
                             last_modified=stored.version / 1000 if stored.version else None)
            break
        except FileNotFoundError:  # replaced between listing and opening: list again
            continue
    else:
        raise RuntimeError(f"stored export {kind} vanished three times")
    resp.headers["Content-Type"] = export.media_type  # as it is: no second "; charset"
    # The licence of the whole, as on the streamed snapshots (each offer names its own inside).
    licence = normalise_licence(current_hub().settings.default_licence)
    resp.headers["Link"] = f'<{licence}>; rel="license"'
    if download_name is None:  # send_file names the stored file otherwise: not the client's
        resp.headers.pop("Content-Disposition", None)
    if gz:
        resp.headers["Content-Encoding"] = "gzip"
    resp.headers.pop("Expires", None)
    return _common(resp, None, None, f"public, max-age={SNAPSHOT_MAX_AGE}")


@bp.route("/feeds/offers.jsonld", methods=["GET", "HEAD"])
def offers_jsonld() -> Any:
    hub = current_hub()
    with hub.sessions() as session:
        filters = OfferFilters.parse(request.args, session)
        version = feed_version(session)
    if filters == OfferFilters():  # the full snapshot: rendered once per version
        return _stored("jsonld", version)
    settings = hub.settings
    engine = hub.engine
    target = render_target(settings)

    def chunks() -> Iterable[bytes]:
        return stream_documents(iter_offer_documents(engine, filters, target),
                                settings.url(CONTEXT_PATH))

    return _conditional_stream("jsonld", JSONLD_MEDIA_TYPE, chunks,
                               (target.version, *filters.key()))


@bp.route(CSV_PATH, methods=["GET", "HEAD"])
def offers_csv() -> Any:
    hub = current_hub()
    with hub.sessions() as session:
        filters = OfferFilters.parse(request.args, session, extra=("bom",))
        version = feed_version(session)
    bom = request.args.get("bom", "0")
    if bom not in ("0", "1") or len(request.args.getlist("bom")) > 1:
        raise bad_parameter("bom", "Erlaubt sind 1 (mit Byte-Order-Mark für Excel) und 0.")
    if filters == OfferFilters() and bom == "0":  # the full snapshot: see offers_jsonld
        return _stored("csv", version, download_name="angebote.csv")
    engine = hub.engine
    settings = hub.settings

    def chunks() -> Iterable[bytes]:
        return csv_feed.stream_csv(iter_offer_batches(engine, filters), settings.hub_base_uri,
                                   settings.default_licence, bom=bom == "1")

    return _conditional_stream("csv", csv_feed.CSV_MEDIA_TYPE, chunks, (*filters.key(), bom),
                               download_name="angebote.csv")


def _static_json(payload: dict[str, Any], mimetype: str) -> Response:
    if request.args:
        name = next(iter(request.args))
        raise bad_parameter(name, "Diese Ressource kennt keine Parameter.")
    body = json.dumps(payload, ensure_ascii=False, indent=2).encode()
    tag = etag("static", body)
    cache_control = "public, max-age=86400"
    if etag_matches(request.headers.get("If-None-Match"), tag):
        return _not_modified(tag, None, cache_control)
    return _common(Response(body, mimetype=mimetype), tag, None, cache_control)


@bp.route("/feeds/offers.csv-metadata.json", methods=["GET", "HEAD"])
def offers_csvw() -> Any:
    return _static_json(csvw_metadata(current_hub().settings.url(CSV_PATH)),
                        "application/csvm+json")


@bp.route("/feeds/datapackage.json", methods=["GET", "HEAD"])
def datapackage() -> Any:
    settings = current_hub().settings
    package = data_package(
        settings.url(CSV_PATH), title=f"Bildungsangebote im {settings.district_name}",
        description="Alle aktuellen Bildungsangebote, eine Zeile je Termin, in den Spalten "
                    "der Upload-Vorlage; danach anbieter_kennung, hub_url (Seite des Angebots "
                    "im Hub) und lizenz. Jede Zeile steht unter der Lizenz in ihrer Spalte "
                    "lizenz (der des Anbieters); die Lizenz des Pakets gilt für die "
                    "Zusammenstellung.",
        licence_url=settings.default_licence,
        licence_title="Datenlizenz Deutschland – Namensnennung – Version 2.0",
        homepage=settings.url("/feeds"))
    return _static_json(package, "application/json")


@bp.route(CONTEXT_PATH, methods=["GET", "HEAD"])
def jsonld_context() -> Any:
    body = context_bytes()
    tag = etag("context", body)
    cache_control = "public, max-age=86400"
    if etag_matches(request.headers.get("If-None-Match"), tag):
        return _not_modified(tag, None, cache_control)
    return _common(Response(body, mimetype=JSONLD_MEDIA_TYPE), tag, None, cache_control)


@dataclass
class _CachedPage:
    version: int  # feed_clock value the page was last confirmed at
    tag: str
    last_ms: int | None
    last_page: bool
    body: bytes | None  # the JSON, until a gzip copy replaces it
    gzipped: bytes | None = None

    def size(self) -> int:
        return len(self.body or b"") + len(self.gzipped or b"")

    def plain(self) -> bytes:
        body = self.body  # read once: another thread may swap it for the gzip copy meanwhile
        if body is not None:
            return body
        assert self.gzipped is not None  # set before body is dropped
        return gzip.decompress(self.gzipped)


class _PageCache:
    """Rendered RPDE pages by cursor, bounded by bytes (LRU). Sound because a page's bytes are
    a function of its items' (id, modified) pairs, and `modified` grows on every change of
    what `data` shows: a page is reused while the change clock has not moved, and re-validated
    by its pairs (the ETag) when it has."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used = 0
        self.lock = threading.Lock()
        self.pages: OrderedDict[Any, _CachedPage] = OrderedDict()

    def get(self, key: Any) -> _CachedPage | None:
        with self.lock:
            entry = self.pages.get(key)
            if entry is not None:
                self.pages.move_to_end(key)
            return entry

    def put(self, key: Any, entry: _CachedPage) -> None:
        with self.lock:
            old = self.pages.pop(key, None)
            if old is not None:
                self.used -= old.size()
            self.pages[key] = entry
            self.used += entry.size()
            self._evict()

    def compress(self, key: Any, entry: _CachedPage) -> bytes:
        """The page's gzip copy, made once; the plain copy is dropped then."""
        packed = entry.gzipped
        if packed is not None:
            return packed
        body = entry.body
        assert body is not None
        packed = gzip_bytes(body, level=5)
        with self.lock:
            if entry.gzipped is None:
                before = entry.size()
                entry.gzipped = packed  # before body goes: plain() relies on that order
                entry.body = None
                if self.pages.get(key) is entry:  # still cached: it counts against the budget
                    self.used += entry.size() - before
            return entry.gzipped

    def _evict(self) -> None:
        while self.used > self.budget and len(self.pages) > 1:
            _key, oldest = self.pages.popitem(last=False)
            self.used -= oldest.size()


def _page_cache() -> _PageCache | None:
    if not current_app.config.get(PAGE_CACHE_CONFIG, True):
        return None
    cache = current_app.extensions.get("rpde_page_cache")
    if cache is None:
        cache = current_app.extensions.setdefault("rpde_page_cache",
                                                  _PageCache(PAGE_CACHE_BYTES))
    return cache  # type: ignore[no-any-return]


def _render_page(session: Any, cursor: Cursor | None, version: int,
                 old: _CachedPage | None) -> tuple[_CachedPage, list[RenderedDocument]]:
    """The page after `cursor` from the session's snapshot, and the documents it had to render
    (to be stored once the read transaction has ended)."""
    settings = current_hub().settings
    feed_url = settings.url(RPDE_PATH)
    target = render_target(settings)
    docs_version = target.version
    # With a cached page at hand, first the keys alone: the page may still be the same.
    rows = rpde_rows(session, cursor, settings.rpde_page_size,
                     None if old is not None else docs_version)
    pairs = [(r.feed_id, r.modified) for r in rows]
    tag = etag("rpde", feed_url, settings.default_licence, docs_version, cursor, pairs)
    last_ms = rows[-1].modified if rows else (cursor.modified if cursor else None)
    if old is not None:
        if old.tag == tag:  # the clock moved, but not for this page
            old.version = version
            return old, []
        rows = rpde_rows(session, cursor, settings.rpde_page_size, docs_version)  # same snapshot
    live = [(r.id, r.feed_id, r.document) for r in rows if not r.deleted]
    filled, rendered = fill_documents(session, live, target)
    documents = iter(filled)
    body = page_bytes(feed_url, cursor, pairs,
                      [None if r.deleted else next(documents) for r in rows],
                      settings.default_licence, settings.url(CONTEXT_PATH))
    return _CachedPage(version, tag, last_ms, not rows, body), rendered


@bp.route(RPDE_PATH, methods=["GET", "HEAD"])
def offers_rpde() -> Any:
    """RPDE 1.0 page after (afterTimestamp, afterId).

    The commit-order race is solved where stamps are made (hub/offers/changelog.py): every `modified`
    comes from an UPDATE of the single feed_clock row, whose row lock is held until the
    writer's transaction ends. A second writer therefore draws its (larger) stamps only after
    the first has committed, so stamps become visible strictly in order and no row can ever
    appear behind a cursor a harvester has already passed. (SQLite's database-wide write lock
    gives the same order.) So this feed needs no "younger than 2 s" delay; it reads the clock
    and the page in one snapshot.
    """
    hub = current_hub()
    try:
        cursor = parse_cursor(request.args)
    except FeedParameterError as exc:
        raise _problem_from(exc) from None
    key = (cursor, hub.settings.rpde_page_size)
    cache = _page_cache()
    rendered: list[RenderedDocument] = []
    with read_snapshot(hub.engine) as session:
        version = feed_version(session)
        entry = cache.get(key) if cache is not None else None
        if entry is None or entry.version != version:
            entry, rendered = _render_page(session, cursor, version, entry)
            if cache is not None:
                cache.put(key, entry)
    if rendered:  # after the read transaction: a separate short write (a cache, see there)
        store_documents(hub.engine, rendered, render_target(hub.settings).version)
    cache_control = "public, max-age=8" if entry.last_page else "public, max-age=3600"
    gz = accepts_gzip(request.headers.get("Accept-Encoding"))
    variant = gzip_etag(entry.tag) if gz else entry.tag
    if etag_matches(request.headers.get("If-None-Match"), variant):
        return _not_modified(variant, entry.last_ms, cache_control)
    if gz:
        packed = (cache or _PageCache(0)).compress(key, entry)
        resp = Response(packed, mimetype="application/json")
        resp.headers["Content-Encoding"] = "gzip"
    else:
        resp = Response(entry.plain(), mimetype="application/json")
    return _common(resp, variant, entry.last_ms, cache_control)


FEEDS = (
    ("JSON-LD-Gesamtabzug", "/feeds/offers.jsonld",
     "Alle aktuellen Angebote als schema.org-Kurse (Course) in einem JSON-LD-Dokument.",
     "/feeds/offers.jsonld?municipality=06431002&life_phase=senioren"),
    ("CSV", CSV_PATH,
     "Eine Zeile je Termin in den Spalten der Upload-Vorlage (`;`, UTF-8), danach "
     "anbieter_kennung, hub_url (Seite des Angebots im Hub) und lizenz; ?bom=1 für Excel.",
     "/feeds/offers.csv?provider={provider}&bom=1"),
    ("CSVW-Metadaten", "/feeds/offers.csv-metadata.json",
     "Beschreibung der CSV-Spalten nach W3C CSVW (Datentypen, Listen, Pflichtfelder).",
     "/feeds/offers.csv-metadata.json"),
    ("Data Package", "/feeds/datapackage.json",
     "Frictionless Data Package mit Table Schema der CSV, zum Prüfen mit frictionless.",
     "/feeds/datapackage.json"),
    ("RPDE-Änderungsfeed", RPDE_PATH,
     ("Alle Änderungen seit dem Start, seitenweise nach (modified, id); Löschungen bleiben "
      "als „deleted“ erhalten."),
     "/feeds/offers/rpde?afterTimestamp={after_ts}&afterId={after_id}"),
    ("JSON-LD-Kontext", CONTEXT_PATH,
     "Der @context, auf den alle JSON-LD-Dokumente des Hubs verweisen.", CONTEXT_PATH),
    ("Einzelnes Angebot", "/offers/<anbieter>/<angebot_id>",
     "HTML-Seite mit eingebettetem JSON-LD; mit „Accept: application/ld+json“ nur JSON-LD.",
     "/offers/{provider}/{angebot_id}"),
)
# Used in the examples while the hub holds no offer yet.
EXAMPLE_OFFER = ("kvhs-bergstrasse/25H-101", 1732600000123)


def _examples() -> dict[str, str]:
    """Example values taken from a real live offer, so every example request answers."""
    with current_hub().sessions() as session:
        row = session.execute(sa.select(Offer.feed_id, Offer.modified)
                              .where(Offer.deleted.is_(False)).order_by(Offer.id).limit(1)).first()
    feed_id, modified = (row.feed_id, row.modified) if row else EXAMPLE_OFFER
    provider, angebot_id = feed_id.split("/", 1)
    return {"provider": quote(provider, safe=""), "angebot_id": quote(angebot_id, safe=""),
            "after_ts": str(modified - 1), "after_id": quote(feed_id, safe="")}


@bp.get("/feeds")
def feeds_page() -> str:
    settings = current_hub().settings
    examples = _examples()
    feeds = [(title, path, text, example.format(**examples))
             for title, path, text, example in FEEDS]
    return render_template("feeds.html", feeds=feeds, base=settings.hub_base_uri.rstrip("/"),
                           page_size=settings.rpde_page_size,
                           tombstone_days=settings.tombstone_days,
                           default_licence=normalise_licence(settings.default_licence))
