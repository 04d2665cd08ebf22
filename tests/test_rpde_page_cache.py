"""The per-process RPDE page cache is bounded by bytes, keeps only the gzip copy once one
exists (the plain page is unpacked from it byte for byte), and serves both encodings of a
page identically."""
from __future__ import annotations

import gzip
import json
from typing import Any

from bildungsdaten.hub.blueprints.feeds import _CachedPage, _PageCache
from tests.api_sample import store_district


def page(n: int, size: int = 100_000) -> _CachedPage:
    body = json.dumps({"n": n, "items": ["x" * 50] * (size // 54)}).encode()
    return _CachedPage(version=1, tag=f'"{n}"', last_ms=None, last_page=False, body=body)


def test_budget_in_bytes_evicts_the_least_recently_used() -> None:
    cache = _PageCache(budget=350_000)
    for n in range(3):
        cache.put(n, page(n))
    assert cache.get(0) is not None  # 0 is now the most recent
    cache.put(3, page(3))
    assert cache.get(1) is None and cache.get(0) is not None and cache.get(3) is not None
    assert cache.used == sum(cache.pages[k].size() for k in cache.pages) <= 350_000


def test_gzip_copy_replaces_the_plain_page_and_frees_the_budget() -> None:
    cache = _PageCache(budget=10_000_000)
    entry = page(7)
    plain = entry.body
    cache.put(7, entry)
    before = cache.used
    packed = cache.compress(7, entry)
    assert gzip.decompress(packed) == plain
    assert entry.body is None and entry.plain() == plain
    assert cache.used == before - len(plain) + len(packed) == entry.size()
    assert cache.compress(7, entry) is packed  # made once
    # Many gzipped pages fit where few plain ones would.
    for n in range(100):
        cache.put(("p", n), entry := page(n))
        cache.compress(("p", n), entry)
    assert len(cache.pages) == 101 and cache.used <= cache.budget


def test_both_encodings_of_a_cached_page_are_the_same_json(app: Any, client: Any) -> None:
    store_district(app.extensions["hub"].engine)
    zipped = client.get("/feeds/offers/rpde", headers={"Accept-Encoding": "gzip"})
    plain = client.get("/feeds/offers/rpde")
    again = client.get("/feeds/offers/rpde", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert gzip.decompress(zipped.data) == plain.data == gzip.decompress(again.data)
    assert json.loads(plain.data)["items"]
    cache = app.extensions["rpde_page_cache"]
    (entry,) = cache.pages.values()
    assert entry.body is None and entry.gzipped == zipped.data == again.data
