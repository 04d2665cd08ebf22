"""Reading a source's pages ahead of the ingest: fetch and check each page (the RPDE client),
read its items' JSON-LD into records and the records into the write path's row items and
search texts, while the ingest writes the page before.

Where this process runs no other thread, the reading is done by a forked helper process that
sends each page through a pipe (a length-prefixed pickle of plain tuples): reading is about
half of a harvest's CPU, and a second core takes it. In a threaded process (the web server,
the scheduler) forking is not safe: a helper thread reads instead, sharing the core.
A page is handed over with each updated item's `data` cut to the keys the ingest still looks
at (its @id and its origin, see ingest._is_own), so the pickle carries no JSON-LD.
"""
from __future__ import annotations

import gc
import os
import pickle
import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import IO, Any

from sqlalchemy.engine import Dialect

from ...feeds.jsonld_read import ReadError, read_offer
from ...validators.parallel import fork_writer, read_frame, stop_child, write_frame
from ..offers.rows import Preparer, RowItem
from ..offers.store import CourseTexts, record_texts
from .items import HarvestError, HarvestItem, HarvestPage

# An updated item read: (provider facts: slug, name, type, url, email, telephone, licence;
# angebot_id; its row items; its search texts), or why it cannot be an offer.
ReadItem = tuple[tuple[str | None, ...], str, list[RowItem], CourseTexts]
Read = dict[str, "ReadItem | ReadError"]
# The keys of an item's data the ingest looks at once the item is read (ingest._is_own,
# ingest._original_iri).
KEPT_KEYS = ("@id", "isBasedOn", "prov:wasDerivedFrom")
GC_EVERY_PAGES = 20
_PAGE, _END, _FAILED, _BROKEN = b"P", b"E", b"H", b"X"


def read_item(data: dict[str, Any], preparer: Preparer) -> ReadItem:
    """One item's JSON-LD as the ingest writes it; raises ReadError."""
    record = read_offer(data)
    p = record.provider
    return ((p.slug, p.name, p.type, p.url, p.email, p.telephone, p.licence),
            record.angebot_id, preparer.record_items([record]), record_texts(record))


def read_items(page: HarvestPage, preparer: Preparer) -> Read:
    """Each updated item of the page read (or the reason it cannot be an offer). The cyclic
    collector is already paused for the whole run (ingest.harvest_source; a forked reader
    inherits that)."""
    out: Read = {}
    for item in page.items:
        if item.state == "updated" and item.data is not None:
            try:
                out[item.item_id] = read_item(item.data, preparer)
            except ReadError as exc:
                out[item.item_id] = exc
    return out


def read_ahead(pages: Iterable[HarvestPage], dialect: Dialect, process: bool | None = None
               ) -> Iterator[tuple[HarvestPage, Read]]:
    """The pages in order with their items read, the next page fetched and read by a helper
    while the caller writes the current one: a forked process (`process` None: where this
    process runs no other thread) or a thread. An error of the walk is raised here, in its
    turn; a page read ahead but not written is read again by the next run, as the resume
    point was not moved past it."""
    if process is None:
        process = threading.active_count() == 1
    if process and hasattr(os, "fork"):
        return _forked(pages, dialect)
    return _threaded(pages, dialect)


def _threaded(pages: Iterable[HarvestPage], dialect: Dialect
              ) -> Iterator[tuple[HarvestPage, Read]]:
    box: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(entry: tuple[Any, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                box.put(entry, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        preparer = Preparer(dialect)
        try:
            for page in pages:
                if not put(((page, read_items(page, preparer)), None)):
                    return
        except BaseException as exc:  # handed over to the caller's thread
            put((None, exc))
            return
        put((_END, None))

    thread = threading.Thread(target=run, name="rpde-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            page, error = box.get()
            if error is not None:
                raise error
            if page is _END:
                return
            yield page
    finally:
        stop.set()  # the helper ends after its current fetch


def _forked(pages: Iterable[HarvestPage], dialect: Dialect
            ) -> Iterator[tuple[HarvestPage, Read]]:
    pid, read_fd = fork_writer(lambda pipe: _run_helper(pages, dialect, pipe))
    done = False
    try:
        with os.fdopen(read_fd, "rb") as pipe:
            while True:
                kind, payload = _receive(pipe)
                if kind == _PAGE:
                    yield payload
                elif kind == _END:
                    done = True
                    return
                elif kind == _FAILED:
                    done = True
                    raise HarvestError(*payload)
                else:
                    done = True
                    raise RuntimeError(f"Der Lesehelfer ist abgebrochen: {payload}")
    finally:
        if done:
            os.waitpid(pid, 0)
        else:  # the caller stopped early (or the helper died): stop and reap it
            stop_child(pid)


def _run_helper(pages: Iterable[HarvestPage], dialect: Dialect, pipe: IO[bytes]
                ) -> None:  # pragma: no cover - runs in the child
    """The helper's work: read every page and send it; then the end, or why it stopped."""
    preparer = Preparer(dialect)
    try:
        for number, page in enumerate(pages, start=1):
            read = read_items(page, preparer)
            _send(pipe, _PAGE, (_without_data(page), read))
            if number % GC_EVERY_PAGES == 0:
                gc.collect()  # the run's collector is paused (inherited): cycles stay bounded
    except HarvestError as exc:
        _send(pipe, _FAILED, (exc.code, exc.message, exc.url, exc.retry_after))
        return
    except Exception as exc:  # noqa: BLE001 - a fault of ours, raised in the parent
        _send(pipe, _BROKEN, f"{exc.__class__.__name__}: {exc}")
        return
    _send(pipe, _END, None)


def _without_data(page: HarvestPage) -> HarvestPage:
    """The page with each item's data cut to KEPT_KEYS (read already)."""
    items = tuple(item if item.data is None else HarvestItem(
        item.item_id, item.state, item.modified, item.kind,
        {key: item.data[key] for key in KEPT_KEYS if key in item.data})
        for item in page.items)
    return replace(page, items=items)


def _send(pipe: IO[bytes], kind: bytes, payload: Any) -> None:
    write_frame(pipe, kind, payload)


def _receive(pipe: IO[bytes]) -> tuple[bytes, Any]:
    try:
        frame = read_frame(pipe)
    except EOFError:
        return _BROKEN, "mitten in einer Seite beendet"
    if frame is None:
        return _BROKEN, "ohne Ergebnis beendet"
    kind, body = frame
    return kind, pickle.loads(body)  # the run's collector is paused (harvest_source)
