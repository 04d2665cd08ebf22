"""The harvest's reader (hub.federation.reader): a forked helper process hands over the same
pages, read items and errors as a helper thread, in order; the items are what the ingest
would make of each record (row items and search texts)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from psycopg.types.json import Json, Jsonb
from sqlalchemy.dialects import postgresql, sqlite

from bildungsdaten.feeds.jsonld import offer_to_jsonld
from bildungsdaten.feeds.jsonld_read import ReadError, read_offer
from bildungsdaten.hub.demo.district import demo_records
from bildungsdaten.hub.federation.items import HarvestError, HarvestItem, HarvestPage
from bildungsdaten.hub.federation.reader import KEPT_KEYS, read_ahead
from bildungsdaten.hub.offers.rows import Preparer
from bildungsdaten.hub.offers.store import record_texts

BASE = "https://nachbar.example"
FEED = BASE + "/feeds/offers/rpde"
DIALECTS = [sqlite.dialect(), postgresql.psycopg.dialect()]


def _pages() -> list[HarvestPage]:
    records = [r for _p, rs in demo_records(600, seed=4) for r in rs]
    items = [HarvestItem(f"{r.provider.slug}/{r.angebot_id}", "updated", n,
                         data={**offer_to_jsonld(r, BASE, BASE + "/vocab/context.jsonld"),
                               "isBasedOn": f"{BASE}/original/{n}"})
             for n, r in enumerate(records, start=1)]
    items.insert(5, HarvestItem("kaputt", "updated", 5, data={"@type": "Course"}))
    items.insert(9, HarvestItem("weg", "deleted", 9))
    return [HarvestPage(url=f"{FEED}?p={n}", next_url=f"{FEED}?p={n + 1}",
                        items=tuple(items[at:at + 250]))
            for n, at in enumerate(range(0, len(items), 250))]


def _walk(pages: list[HarvestPage], fail: HarvestError | None) -> Iterator[HarvestPage]:
    yield from pages
    if fail is not None:
        raise fail


def _plain(read: dict[str, Any]) -> dict[str, Any]:
    return {k: ("error", v.reason) if isinstance(v, ReadError) else _values(v)
            for k, v in read.items()}


def _values(value: Any) -> Any:
    """Comparable values: psycopg's JSON wrappers (equal only to themselves) as their JSON."""
    if isinstance(value, (tuple, list)):
        return type(value)(map(_values, value))
    if isinstance(value, (Json, Jsonb)):
        return ("json", value.obj)
    return value


def _run(process: bool, pages: list[HarvestPage], dialect: Any,
         fail: HarvestError | None = None) -> tuple[list[Any], HarvestError | None]:
    out = []
    try:
        for page, read in read_ahead(_walk(pages, fail), dialect, process=process):
            out.append((page, _plain(read)))
    except HarvestError as exc:
        return out, exc
    return out, None


@pytest.mark.parametrize("dialect", DIALECTS, ids=["sqlite", "postgresql"])
def test_forked_reader_hands_over_what_the_thread_reads(dialect: Any) -> None:
    pages = _pages()
    threaded, none = _run(False, pages, dialect)
    forked, also_none = _run(True, pages, dialect)
    assert none is None and also_none is None
    assert [page.url for page, _read in forked] == [page.url for page in pages]
    assert [read for _page, read in forked] == [read for _page, read in threaded]
    # the pages come without the JSON-LD, only with what the ingest still looks at
    for (page, _read), original in zip(forked, pages, strict=True):
        assert [(i.item_id, i.state, i.modified) for i in page.items] == [
            (i.item_id, i.state, i.modified) for i in original.items]
        for item, whole in zip(page.items, original.items, strict=True):
            assert item.data == (None if whole.data is None else
                                 {k: whole.data[k] for k in KEPT_KEYS if k in whole.data})
    first = threaded[0][1]
    assert first["kaputt"][0] == "error"
    record = read_offer(pages[0].items[0].data or {})
    facts, angebot_id, rows, texts = first[pages[0].items[0].item_id]
    assert (facts[0], facts[1], angebot_id) == (record.provider.slug, record.provider.name,
                                                record.angebot_id)
    assert rows == _values(Preparer(dialect).record_items([record]))
    assert texts == record_texts(record)


def test_an_error_of_the_walk_comes_after_the_pages_before_it() -> None:
    pages = _pages()[:2]
    fail = HarvestError("retry-later", "Die Quelle ist vorübergehend nicht bereit.",
                        FEED + "?p=2", retry_after=120)
    for process in (False, True):
        read, error = _run(process, pages, DIALECTS[0], fail)
        assert [page.url for page, _read in read] == [page.url for page in pages]
        assert error is not None
        assert (error.code, error.message, error.url, error.retry_after) == (
            fail.code, fail.message, fail.url, fail.retry_after)


def test_the_forked_reader_stops_when_the_caller_stops() -> None:
    before = _children()
    pages = read_ahead(iter(_pages()), DIALECTS[0], process=True)
    page, _read = next(pages)
    assert page.url.endswith("?p=0")
    assert len(_children()) == len(before) + 1
    pages.close()
    assert _children() == before  # the helper was stopped and reaped


def _children() -> list[str]:
    return [pid for task in Path("/proc/self/task").iterdir()
            for pid in (task / "children").read_text().split()]
