"""Walk a neighbour's RPDE 1.0 feed (../shared/standards/rpde.md) from a stored resume URL.

`walk` fetches every page through the fetch guard, checks it and yields it as a
`HarvestPage`; it follows `next` and ends after the last page (no items, `next` equal to the
page's own URL). A page that cannot be taken ends the run with a `HarvestError` *before* it
is yielded, so the pages yielded before stay valid and the next run resumes at that page.
One bad item does not end the run: it becomes a `SkippedItem` with a German reason.

Stable error codes: the fetch guard's own (address-not-allowed, scheme-not-allowed,
ip-notation, url-invalid, dns-failed, connect-failed, deadline, too-many-redirects,
bad-response, tls-failed, too-large) and
  not-json        the answer is not JSON (e.g. an HTML error page)
  bad-json        the body does not parse as JSON
  not-rpde        JSON, but no RPDE page (no "items" list or no "next" URL)
  gone            HTTP 404/410: the feed is not there (any more)
  retry-later     HTTP 503/429: the source asks to wait (`retry_after` seconds, if sent)
  http-NNN        any other non-2xx status
  loop            a page with items points to itself, or a `next` URL comes round again
  backwards       an item's `modified` is smaller than the one before, or an item repeats
  too-many-items  a page holds more items than the limit
  page-limit      the run read as many pages as allowed (the next run goes on from there)
  time-limit      the run's time is up (likewise)
"""
from __future__ import annotations

import gc
import re
import time
from collections.abc import Iterable, Iterator
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

import orjson

from ..fetch_guard import (
    USER_AGENT,
    AllowList,
    FetchError,
    FetchResult,
    RunDeadline,
    guarded_fetch,
    parse_allow_hosts,
)
from .items import HarvestError, HarvestItem, HarvestLimits, HarvestPage, SkippedItem

JSON_TYPES = ("application/json", "application/ld+json")
STATES = ("updated", "deleted")
MAX_STAMP = 2**63 - 1  # consumers store `modified` as int64
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.IGNORECASE)
# The guard's codes that mean something more specific for a feed page.
_GUARD_CODES = {"content-type": "not-json", "run-deadline": "time-limit"}


def walk(start_url: str, *, limits: HarvestLimits,
         allow_hosts: AllowList | Iterable[str] | str | None,
         user_agent: str = USER_AGENT) -> Iterator[HarvestPage]:
    """Yield the checked pages of the feed from `start_url` on, up to and including the last.

    Raises HarvestError (see the module docstring) when a page cannot be taken or a limit of
    `limits` is reached; pages yielded before that are complete and in order.
    """
    allow = allow_hosts if isinstance(allow_hosts, AllowList) else parse_allow_hosts(allow_hosts)
    deadline = RunDeadline(limits.max_seconds)
    order = _Order()
    seen = {start_url}
    url = start_url
    for count in range(1, limits.max_pages + 1):
        if deadline.remaining() <= 0:
            raise _time_up(url, limits)
        result = _fetch(url, limits, allow, deadline, user_agent)
        seen.add(result.url)
        page = _read_page(url, result, limits, order)
        if page.next_url == url:
            if page.items or page.skipped:
                raise HarvestError("loop", f"Die Seite „{url}“ enthält Einträge, verweist mit "
                                           "„next“ aber auf sich selbst; der Lauf endet hier.",
                                   url)
            yield page
            return
        if page.next_url in seen:
            raise HarvestError("loop", f"„next“ der Seite „{url}“ führt zurück auf die schon "
                                       f"gelesene Seite „{page.next_url}“; der Lauf endet hier.",
                               url)
        yield page
        seen.add(page.next_url)
        url = page.next_url
        if count == limits.max_pages:
            raise HarvestError("page-limit", f"Höchstzahl von {limits.max_pages} Seiten je Lauf "
                                             "erreicht; der nächste Lauf setzt bei "
                                             f"„{url}“ fort.", url)
    raise HarvestError("page-limit", "Höchstzahl von 0 Seiten je Lauf: nichts gelesen.", url)


def _fetch(url: str, limits: HarvestLimits, allow: AllowList, deadline: RunDeadline,
           user_agent: str) -> FetchResult:
    """The page's answer (2xx, JSON) or a HarvestError saying why there is none."""
    try:
        result = guarded_fetch(url, max_bytes=limits.max_page_bytes,
                               deadline_s=limits.timeout_seconds, allow_hosts=allow,
                               accept=JSON_TYPES, headers={"User-Agent": user_agent},
                               max_redirects=limits.max_redirects, run_deadline=deadline)
    except FetchError as exc:
        if exc.code == "run-deadline":
            raise _time_up(url, limits) from None
        raise HarvestError(_GUARD_CODES.get(exc.code, exc.code), exc.message, url) from None
    status = result.status
    if 200 <= status < 300:
        return result
    if status in (404, 410):
        raise HarvestError("gone", f"Die Seite „{url}“ gibt es nicht (mehr) (HTTP {status}); "
                                   "die Adresse der Quelle muss geprüft werden.", url)
    if status in (429, 503):
        wait = retry_after_seconds(result.headers.get("Retry-After"))
        later = f"; neuer Versuch frühestens in {wait} s" if wait is not None else ""
        raise HarvestError("retry-later", f"Die Quelle ist vorübergehend nicht bereit (HTTP "
                                          f"{status}) bei „{url}“{later}.", url, retry_after=wait)
    raise HarvestError(f"http-{status}", f"Die Quelle antwortet auf „{url}“ mit HTTP {status}.",
                       url)


def _read_page(url: str, result: FetchResult, limits: HarvestLimits,
               order: _Order) -> HarvestPage:
    """The page parsed and checked; `next` made absolute, and equal to `url` when it points
    at the page itself (also when the page was reached through a redirect)."""
    try:
        document = decode_page(result.body)
    except orjson.JSONDecodeError as exc:
        raise HarvestError("bad-json", f"Die Seite „{url}“ ist kein gültiges JSON ({exc}).",
                           url) from None
    raw_items = document.get("items") if isinstance(document, dict) else None
    raw_next = document.get("next") if isinstance(document, dict) else None
    if not isinstance(raw_items, list) or not isinstance(raw_next, str) or not raw_next:
        raise HarvestError("not-rpde", f"Die Seite „{url}“ ist keine RPDE-Seite (erwartet: ein "
                                       "Objekt mit „items“-Liste und „next“-Adresse).", url)
    if len(raw_items) > limits.max_items_per_page:
        raise HarvestError("too-many-items", f"Die Seite „{url}“ enthält {len(raw_items)} "
                                             f"Einträge, erlaubt sind höchstens "
                                             f"{limits.max_items_per_page}.", url)
    next_url = urljoin(result.url, raw_next.strip())
    if next_url == result.url:
        next_url = url
    items: list[HarvestItem] = []
    skipped: list[SkippedItem] = []
    for position, raw in enumerate(raw_items, start=1):
        taken = check_item(position, raw)
        if taken.key is not None:
            order.advance(taken.key, url, position)
        if isinstance(taken.result, HarvestItem):
            items.append(taken.result)
        else:
            skipped.append(taken.result)
    licence = document.get("license")
    return HarvestPage(url=url, next_url=next_url, items=tuple(items), skipped=tuple(skipped),
                       licence=licence if isinstance(licence, str) else None,
                       max_age=max_age_seconds(result.headers.get("Cache-Control")))


def decode_page(body: bytes) -> Any:
    """The page's JSON, parsed with the cyclic garbage collector paused.

    A page of 500 offers builds some 10^5 dicts and lists; the collector would scan them
    again and again while they are built (none can be garbage yet), which more than doubles
    the cost of the parse. Paused only if it was running, and resumed in any case, so another
    thread doing the same leaves it running at the end."""
    running = gc.isenabled()
    gc.disable()
    try:
        return orjson.loads(body)
    finally:
        if running:
            gc.enable()


class _Taken:
    """One item checked: the item or why it was skipped, and its (modified, id) if it has one."""

    __slots__ = ("result", "key")

    def __init__(self, result: HarvestItem | SkippedItem, key: tuple[int, str] | None) -> None:
        self.result = result
        self.key = key


def check_item(position: int, raw: Any) -> _Taken:
    """One RPDE item (1-based `position` on its page) as a HarvestItem or a SkippedItem."""
    if not isinstance(raw, dict):
        return _Taken(SkippedItem(position, "Der Eintrag ist kein JSON-Objekt."), None)
    item_id = _item_id(raw.get("id"))
    if item_id is None:
        return _Taken(SkippedItem(position, "Der Eintrag hat keine „id“ (erwartet: Text oder "
                                            "ganze Zahl)."), None)
    modified = raw.get("modified")
    if type(modified) is not int or not 0 <= modified <= MAX_STAMP:
        return _Taken(SkippedItem(position, "„modified“ fehlt oder ist keine ganze Zahl "
                                            f"zwischen 0 und {MAX_STAMP}.", item_id), None)
    key = (modified, item_id)
    state = raw.get("state")
    if state not in STATES:
        return _Taken(SkippedItem(position, f"Unbekannter Zustand „{state}“ (erlaubt: updated, "
                                            "deleted).", item_id), key)
    kind = raw.get("kind")
    kind = kind if isinstance(kind, str) and kind else "Course"
    if state == "deleted":
        return _Taken(HarvestItem(item_id, "deleted", modified, kind), key)
    data = raw.get("data")
    if not isinstance(data, dict):
        return _Taken(SkippedItem(position, "Eintrag mit Zustand „updated“ ohne „data“-Objekt.",
                                  item_id), key)
    return _Taken(HarvestItem(item_id, "updated", modified, kind, data), key)


def _item_id(value: Any) -> str | None:
    if isinstance(value, str):
        return value if value.strip() else None
    if type(value) is int:  # RPDE allows numeric ids; bool is not one
        return str(value)
    return None


class _Order:
    """RPDE's order over a whole run: `modified` never decreases, no item comes twice.

    Among items of equal `modified` the feed orders ids by its database's collation, which a
    harvester cannot know; so there only a repeated id counts (the `>=` bug that loops)."""

    def __init__(self) -> None:
        self.modified = -1
        self.ids: set[str] = set()

    def advance(self, key: tuple[int, str], url: str, position: int) -> None:
        modified, item_id = key
        if modified > self.modified:
            self.modified = modified
            self.ids = {item_id}
            return
        if modified < self.modified:
            raise HarvestError("backwards", f"Eintrag {position} („{item_id}“) der Seite „{url}“ "
                                            f"geht zurück: „modified“ {modified} nach "
                                            f"{self.modified}; der Lauf endet hier.", url)
        if item_id in self.ids:
            raise HarvestError("backwards", f"Eintrag {position} („{item_id}“) der Seite „{url}“ "
                                            f"kommt mit „modified“ {modified} ein zweites Mal "
                                            "(Schleife im Feed); der Lauf endet hier.", url)
        self.ids.add(item_id)


def retry_after_seconds(value: str | None, now: float | None = None) -> int | None:
    """Retry-After as whole seconds from now (delta-seconds or an HTTP date); None if absent."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return int(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT
        return None
    return max(0, round(when.timestamp() - (time.time() if now is None else now)))


def max_age_seconds(value: str | None) -> int | None:
    """Cache-Control max-age in seconds (None if absent)."""
    match = _MAX_AGE.search(value or "")
    return int(match.group(1)) if match else None


def _time_up(url: str, limits: HarvestLimits) -> HarvestError:
    return HarvestError("time-limit", f"Die Zeit dieses Laufs ({limits.max_seconds:g} s) ist "
                                      f"um; der nächste Lauf setzt bei „{url}“ fort.", url)


__all__ = ["check_item", "decode_page", "max_age_seconds", "retry_after_seconds", "walk"]
