"""The RPDE client (hub/federation/rpde_client.py) against real HTTP servers on loopback: this
hub's own feed served by the app, and hostile feeds that loop, go backwards, lie about their
type, fail or send far too much. Loopback is allowed only through the allow list, as in tests."""
from __future__ import annotations

import gc
import json
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
import sqlalchemy as sa

from bildungsdaten.hub.federation.items import HarvestError, HarvestLimits, HarvestPage
from bildungsdaten.hub.federation.rpde_client import (
    max_age_seconds,
    retry_after_seconds,
    walk,
)
from tests.demo_district import load_demo
from tests.fetch_support import Served, answer, drip, redirect, serve

LOOPBACK = ["127.0.0.1"]
MB = 1024 * 1024
LIMITS = HarvestLimits(max_pages=50, max_page_bytes=MB, max_seconds=30.0, timeout_seconds=10.0)
JSON = "application/json"
Routes = dict[str, Callable[[BaseHTTPRequestHandler], None]]


def item(item_id: Any, modified: Any, state: str = "updated", **extra: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {"state": state, "kind": "Course", "id": item_id, "modified": modified}
    if state == "updated":
        raw["data"] = {"@type": "Course", "name": f"Kurs {item_id}"}
    raw.update(extra)
    return raw


def page(next_url: str, items: list[Any], **headers: str) -> Any:
    body = json.dumps({"next": next_url, "items": items, "license": "https://www.govdata.de/dl-de/by-2-0"})
    return answer(body.encode(), content_type=JSON, headers=headers)


def feed(server: Served, routes: Routes, pages: dict[str, list[Any]], last: str) -> None:
    """Routes for pages chained in the dict's order, then an empty last page at `last`."""
    paths = list(pages)
    for n, path in enumerate(paths):
        following = paths[n + 1] if n + 1 < len(paths) else last
        routes[path] = page(server.url(following), pages[path])
    routes[last] = page(server.url(last), [], **{"Cache-Control": "public, max-age=8"})


@contextmanager
def feed_server() -> Iterator[tuple[Served, Routes]]:
    """A loopback server whose routes are set once its URL is known (serve reads them late)."""
    routes: Routes = {}
    with serve(routes) as server:
        yield server, routes


def run(url: str, limits: HarvestLimits = LIMITS, allow: list[str] | None = None
        ) -> tuple[list[HarvestPage], HarvestError | None]:
    """Every page the walk yields, and the error that ended it (None: it reached the end)."""
    pages: list[HarvestPage] = []
    try:
        for got in walk(url, limits=limits, allow_hosts=LOOPBACK if allow is None else allow):
            pages.append(got)
    except HarvestError as exc:
        return pages, exc
    return pages, None


# --- this hub's own feed, served by the app over real HTTP -----------------------------------

@pytest.fixture
def own_feed(app: Any, live_server: str) -> Iterator[str]:
    settings = app.extensions["hub"].settings
    settings.hub_base_uri = live_server  # the feed's `next` URLs point back at this server
    settings.rpde_page_size = 40
    load_demo(app, offers=120, tombstones=3)
    yield live_server + "/feeds/offers/rpde"


def test_our_own_feed_is_walked_to_its_last_page(app, own_feed):
    pages, error = run(own_feed)
    assert error is None
    engine = app.extensions["hub"].engine
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT feed_id, modified, deleted FROM offers "
                                    "ORDER BY modified, feed_id")).all()
    got = [(i.item_id, i.modified, i.state == "deleted") for p in pages for i in p.items]
    assert got == [(r[0], int(r[1]), bool(r[2])) for r in rows]
    assert len(pages) == -(-len(rows) // 40) + 1  # full pages, then the empty last one
    assert pages[-1].is_last and pages[-1].max_age == 8
    assert all(p.max_age == 3600 for p in pages[:-1])
    assert not any(p.skipped for p in pages)
    assert all(i.data and i.data["@type"] == "Course" for p in pages for i in p.items
               if i.state == "updated")
    assert {p.licence for p in pages} == {app.extensions["hub"].settings.default_licence}


def test_a_walk_resumes_from_a_stored_next_url(own_feed):
    first, _ = run(own_feed, HarvestLimits(max_pages=1))
    assert len(first) == 1
    rest, error = run(first[0].next_url)
    assert error is None
    everything, _ = run(own_feed)
    assert [i for p in first + rest for i in p.items] == [i for p in everything for i in p.items]


def test_a_last_page_read_again_ends_at_once(own_feed):
    pages, _ = run(own_feed)
    again, error = run(pages[-1].url)
    assert error is None and len(again) == 1 and again[0].is_last


# --- hostile feeds --------------------------------------------------------------------------

def test_a_page_with_items_pointing_to_itself_is_a_loop():
    with feed_server() as (server, routes):
        routes["/p1"] = page(server.url("/p1"), [item("a", 1)])
        pages, error = run(server.url("/p1"))
    assert pages == [] and error is not None and error.code == "loop"
    assert "verweist" in error.message and error.url == server.url("/p1")


def test_a_next_url_coming_round_again_is_a_loop_and_the_pages_before_stay():
    with feed_server() as (server, routes):
        routes["/p1"] = page(server.url("/p2"), [item("a", 1)])
        routes["/p2"] = page(server.url("/p1"), [item("b", 2)])
        pages, error = run(server.url("/p1"))
    assert [p.url for p in pages] == [server.url("/p1")]
    assert error is not None and error.code == "loop" and "schon gelesene" in error.message


def test_items_going_backwards_within_a_page_end_the_run_before_that_page():
    with feed_server() as (server, routes):
        feed(server, routes, {"/p1": [item("a", 5)], "/p2": [item("b", 7), item("c", 6)]}, "/end")
        pages, error = run(server.url("/p1"))
    assert [i.item_id for p in pages for i in p.items] == ["a"]
    assert error is not None and error.code == "backwards" and error.url == server.url("/p2")
    assert "geht zurück" in error.message


def test_items_going_backwards_across_pages_end_the_run():
    with feed_server() as (server, routes):
        feed(server, routes, {"/p1": [item("a", 5), item("b", 9)], "/p2": [item("c", 8)]}, "/end")
        pages, error = run(server.url("/p1"))
    assert len(pages) == 1 and error is not None and error.code == "backwards"


def test_an_item_served_twice_is_the_greater_or_equal_bug():
    with feed_server() as (server, routes):
        feed(server, routes, {"/p1": [item("a", 5), item("b", 5)], "/p2": [item("b", 5)]}, "/end")
        pages, error = run(server.url("/p1"))
    assert len(pages) == 1 and error is not None and error.code == "backwards"
    assert "zweites Mal" in error.message


def test_equal_modified_ids_in_any_collation_order_are_accepted():
    with feed_server() as (server, routes):
        feed(server, routes, {"/p1": [item("vhs/b", 5), item("vhs/A", 5), item(7, 5)]}, "/end")
        pages, error = run(server.url("/p1"))
    assert error is None and [i.item_id for i in pages[0].items] == ["vhs/b", "vhs/A", "7"]


def test_bad_items_are_skipped_with_a_german_reason_and_the_run_goes_on():
    bad = [{"state": "updated", "modified": 1, "data": {}},                   # no id
           item("no-data", 2, data=None),
           item("text-stamp", "3"),
           item("float-stamp", 3.5),
           item("odd", 4, state="changed"),
           "kein Objekt",
           item("ok", 5),
           item("gone", 6, state="deleted")]
    with feed_server() as (server, routes):
        feed(server, routes, {"/p1": bad}, "/end")
        pages, error = run(server.url("/p1"))
    assert error is None and len(pages) == 2 and pages[-1].is_last
    first = pages[0]
    assert [(i.item_id, i.state) for i in first.items] == [("ok", "updated"), ("gone", "deleted")]
    assert first.items[1].data is None
    reasons = {(s.position, s.item_id): s.reason for s in first.skipped}
    assert list(reasons) == [(1, None), (2, "no-data"), (3, "text-stamp"), (4, "float-stamp"),
                             (5, "odd"), (6, None)]
    assert "keine „id“" in reasons[(1, None)]
    assert "ohne „data“-Objekt" in reasons[(2, "no-data")]
    assert "keine ganze Zahl" in reasons[(3, "text-stamp")]
    assert "Unbekannter Zustand „changed“" in reasons[(5, "odd")]
    assert "kein JSON-Objekt" in reasons[(6, None)]


def test_invalid_json_is_bad_json():
    with serve({"/p": answer(b'{"next": "x", "items": [', content_type=JSON)}) as server:
        pages, error = run(server.url("/p"))
    assert pages == [] and error is not None and error.code == "bad-json"
    assert "kein gültiges JSON" in error.message
    assert gc.isenabled()  # the parse pauses the garbage collector, and resumes it on failure


def test_an_html_page_is_not_json():
    html = b"<!doctype html><title>Wartung</title><p>Bald wieder da."
    with serve({"/p": answer(html, content_type="text/html")}) as server:
        pages, error = run(server.url("/p"))
    assert pages == [] and error is not None and error.code == "not-json"
    assert "text/html" in error.message


def test_json_that_is_no_rpde_page_is_refused():
    with serve({"/p": answer(b'[{"id": 1}]', content_type=JSON)}) as server:
        _pages, error = run(server.url("/p"))
    assert error is not None and error.code == "not-rpde" and "keine RPDE-Seite" in error.message


def test_a_server_error_is_named_by_its_status():
    with serve({"/p": answer(b"kaputt", status=500, content_type="text/plain")}) as server:
        _pages, error = run(server.url("/p"))
    assert error is not None and error.code == "http-500" and "HTTP 500" in error.message


@pytest.mark.parametrize("status", [404, 410])
def test_a_missing_feed_is_gone(status):
    with serve({"/p": answer(b"", status=status, content_type="text/plain")}) as server:
        _pages, error = run(server.url("/p"))
    assert error is not None and error.code == "gone" and f"HTTP {status}" in error.message


def test_a_503_with_retry_after_says_when_to_come_back():
    with feed_server() as (server, routes):
        routes["/p1"] = page(server.url("/p2"), [item("a", 1)])
        routes["/p2"] = answer(b"busy", status=503, content_type="text/plain",
                                              headers={"Retry-After": "120"})
        pages, error = run(server.url("/p1"))
    assert len(pages) == 1
    assert error is not None and (error.code, error.retry_after) == ("retry-later", 120)
    assert "in 120 s" in error.message and error.url == server.url("/p2")


def test_a_429_with_a_date_is_turned_into_seconds():
    later = formatdate(time.time() + 300, usegmt=True)
    routes = {"/p": answer(b"", status=429, content_type="text/plain",
                           headers={"Retry-After": later})}
    with serve(routes) as server:
        _pages, error = run(server.url("/p"))
    assert error is not None and error.code == "retry-later"
    assert error.retry_after is not None and 290 <= error.retry_after <= 300


def test_a_50_mb_page_is_cut_off_while_streaming_and_memory_stays_bounded():
    def huge(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", JSON)
        h.send_header("Connection", "close")  # no Content-Length: only streaming can tell
        h.end_headers()
        h.wfile.write(b'{"next": "x", "items": [')
        chunk = json.dumps(item("x", 1)).encode() + b","
        for _ in range(50 * MB // len(chunk)):
            h.wfile.write(chunk)
    with serve({"/p": huge}) as server:
        tracemalloc.start()
        try:
            pages, error = run(server.url("/p"))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert pages == [] and error is not None and error.code == "too-large"
    assert peak < 4 * MB, f"peak {peak} bytes for a 1 MB page limit"


def test_a_redirect_to_a_private_address_is_refused():
    with serve({"/p": redirect("http://10.20.30.40/feed")}) as server:
        pages, error = run(server.url("/p"))
    assert pages == [] and error is not None and error.code == "address-not-allowed"
    assert "10.20.30.40" in error.message and len(server.seen) == 1


def test_loopback_is_refused_unless_allowed():
    with feed_server() as (server, routes):
        feed(server, routes, {}, "/end")
        pages, error = run(server.url("/end"), allow=[])
    assert pages == [] and error is not None and error.code == "address-not-allowed"
    assert server.seen == []


def test_a_redirected_last_page_still_ends_the_walk():
    with feed_server() as (server, routes):
        feed(server, routes, {"/p1": [item("a", 1)]}, "/end")
        routes["/old"] = redirect(server.url("/p1"), status=301)
        pages, error = run(server.url("/old"))
    assert error is None and [p.url for p in pages] == [server.url("/old"), server.url("/end")]


def test_the_page_limit_ends_a_run_that_the_next_run_resumes():
    with feed_server() as (server, routes):
        feed(server, routes, {"/p1": [item("a", 1)], "/p2": [item("b", 2)]}, "/end")
        pages, error = run(server.url("/p1"), HarvestLimits(max_pages=1))
        rest, done = run(pages[0].next_url)
    assert error is not None and error.code == "page-limit" and error.url == server.url("/p2")
    assert done is None and [p.url for p in rest] == [server.url("/p2"), server.url("/end")]


def test_too_many_items_on_a_page_are_refused():
    with feed_server() as (server, routes):
        feed(server, routes, {"/p1": [item(str(n), n) for n in range(6)]}, "/end")
        _pages, error = run(server.url("/p1"), HarvestLimits(max_items_per_page=5))
    assert error is not None and error.code == "too-many-items"


def test_the_time_of_a_run_is_limited():
    body = json.dumps({"next": "/x", "items": []}).encode()
    with serve({"/p": drip(body, 0.05)}) as server:
        started = time.monotonic()
        _pages, error = run(server.url("/p"), HarvestLimits(max_seconds=0.5))
    assert error is not None and error.code == "time-limit" and "Zeit dieses Laufs" in error.message
    assert time.monotonic() - started < 3


def test_relative_next_urls_are_resolved_against_the_page():
    with feed_server() as (server, routes):
        routes["/feed/p1"] = page("p2", [item("a", 1)])
        routes["/feed/p2"] = page("p2", [])
        pages, error = run(server.url("/feed/p1"))
    assert error is None and pages[0].next_url == server.url("/feed/p2") and pages[1].is_last


def test_header_helpers():
    assert max_age_seconds("public, max-age=3600") == 3600
    assert max_age_seconds("no-store") is None and max_age_seconds(None) is None
    assert retry_after_seconds("  30 ") == 30 and retry_after_seconds("bald") is None
    assert retry_after_seconds("Thu, 01 Jan 1970 00:00:00 GMT") == 0
