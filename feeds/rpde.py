"""RPDE 1.0 pages (OpenActive "Realtime Paged Data Exchange", modified + id ordering).

Pure: the hub runs the keyset query and hands the rows here. See ../shared/standards/rpde.md.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

RPDE_KIND = "Course"
MAX_STAMP = 2**63 - 1  # consumers store `modified` as int64
MAX_ID_LENGTH = 120
PARAMETERS = ("afterTimestamp", "afterId")


class FeedParameterError(ValueError):
    """A query parameter a feed cannot accept; `parameter` names it, `detail` says why (German)."""

    def __init__(self, parameter: str, detail: str) -> None:
        super().__init__(f"{parameter}: {detail}")
        self.parameter = parameter
        self.detail = detail


@dataclass(frozen=True, order=True)
class Cursor:
    """A position in the feed: the (modified, id) of the last item a harvester has seen."""

    modified: int
    feed_id: str


def parse_cursor(args: Mapping[str, str]) -> Cursor | None:
    """The cursor of an RPDE request; None for the first page. Raises FeedParameterError."""
    for name in args:
        if name not in PARAMETERS:
            raise FeedParameterError(name, "Unbekannter Parameter; erlaubt sind afterTimestamp "
                                           "und afterId.")
    ts, after_id = args.get("afterTimestamp"), args.get("afterId")
    if ts is None and after_id is None:
        return None
    if ts is None:
        raise FeedParameterError("afterTimestamp", "afterId braucht afterTimestamp.")
    if after_id is None:
        raise FeedParameterError("afterId", "afterTimestamp braucht afterId.")
    if not ts.isascii() or not ts.isdigit() or len(ts) > 19 or int(ts) > MAX_STAMP:
        raise FeedParameterError("afterTimestamp", "Erwartet wird eine ganze Zahl ≥ 0 "
                                                   "(Millisekunden-Stempel aus „modified“).")
    if not after_id or len(after_id) > MAX_ID_LENGTH or not after_id.isprintable():
        raise FeedParameterError("afterId", f"Erwartet wird eine Angebotskennung "
                                            f"„<anbieter>/<angebot_id>“ (höchstens "
                                            f"{MAX_ID_LENGTH} Zeichen).")
    return Cursor(int(ts), after_id)


def page_url(feed_url: str, cursor: Cursor | None) -> str:
    """The absolute URL of the page after `cursor` (the feed's start for None)."""
    if cursor is None:
        return feed_url
    return feed_url + "?" + urlencode({"afterTimestamp": cursor.modified,
                                       "afterId": cursor.feed_id})


def item_json(feed_id: str, modified: int, data_json: str | None) -> str:
    """One item as JSON text; `data_json` is the offer's JSON-LD text, None for a deletion."""
    head = (f'{{"state":"{"deleted" if data_json is None else "updated"}",'
            f'"kind":"{RPDE_KIND}","id":{json.dumps(feed_id, ensure_ascii=False)},'
            f'"modified":{int(modified)}')
    return head + ("}" if data_json is None else f',"data":{data_json}}}')


def page_json(feed_url: str, request_cursor: Cursor | None, items: Sequence[tuple[str, int]],
              items_json: Sequence[str], licence: str) -> str:
    """A whole page. `items` are the page's (feed_id, modified) in order, `items_json` their
    JSON. `next` comes from the last item; on the last page (no items) it is the page's own URL.
    """
    if items:
        next_cursor: Cursor | None = Cursor(items[-1][1], items[-1][0])
    else:
        next_cursor = request_cursor
    return (f'{{"next":{json.dumps(page_url(feed_url, next_cursor))},'
            f'"items":[{",".join(items_json)}],'
            f'"license":{json.dumps(licence)}}}')
