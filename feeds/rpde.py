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
_json_text = json.JSONEncoder(ensure_ascii=False).encode  # one encoder, not one per item


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


def page_bytes(feed_url: str, request_cursor: Cursor | None,
               items: Sequence[tuple[str, int]], documents: Sequence[bytes | None],
               licence: str, context_url: str | None) -> bytes:
    """A whole page as UTF-8. `items` are the page's (feed_id, modified) in order, `documents`
    each item's JSON-LD as UTF-8 JSON without "@context" (feeds.jsonld.offer_document), None
    for a deletion; `data` gets "@context" put first. `next` comes from the last item; on the
    last page (no items) it is the page's own URL.

    The documents are copied once, into the page (no parsing, no re-encoding).
    """
    if items:
        next_cursor: Cursor | None = Cursor(items[-1][1], items[-1][0])
    else:
        next_cursor = request_cursor
    data_head = (',"data":{"@context":' + json.dumps(context_url) + ","
                 if context_url else ',"data":{').encode()
    parts: list[bytes | memoryview] = [
        f'{{"next":{json.dumps(page_url(feed_url, next_cursor))},"items":['.encode()]
    for n, ((feed_id, modified), document) in enumerate(zip(items, documents, strict=True)):
        head = (f'{"," if n else ""}{{"state":"{"deleted" if document is None else "updated"}",'
                f'"kind":"{RPDE_KIND}","id":{_json_text(feed_id)},'
                f'"modified":{int(modified)}').encode()
        if document is None:
            parts += (head, b"}")
        else:  # the document without its opening brace, which data_head provides
            parts += (head, data_head, memoryview(document)[1:], b"}")
    parts.append(f'],"license":{json.dumps(licence)}}}'.encode())
    return b"".join(parts)
