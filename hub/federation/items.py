"""What the RPDE client hands to the ingest: one page of a source's feed, already checked."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class HarvestItem:
    """One RPDE item as the source sent it: `data` is its JSON-LD (None for a deletion)."""

    item_id: str
    state: Literal["updated", "deleted"]
    modified: int
    kind: str = "Course"
    data: dict[str, Any] | None = None


@dataclass(frozen=True)
class SkippedItem:
    """An item the client could not take (no id, no data, bad modified …), and why, in German."""

    position: int
    reason: str
    item_id: str | None = None


@dataclass(frozen=True)
class HarvestPage:
    """A page read and checked: its own URL, its items in feed order, and the next URL.

    The ingest stores `next_url` as the source's resume point only after it has written the
    page's items, so a crash between the two re-reads the page instead of losing it."""

    url: str
    next_url: str
    items: tuple[HarvestItem, ...]
    skipped: tuple[SkippedItem, ...] = field(default=())
    licence: str | None = None
    # Cache-Control max-age of the page (seconds): on the last page, when to poll again.
    max_age: int | None = None

    @property
    def is_last(self) -> bool:
        """RPDE's only end marker: an empty page whose `next` is its own URL."""
        return not self.items and not self.skipped and self.next_url == self.url


@dataclass(frozen=True)
class HarvestLimits:
    """What one run may cost: pages, bytes per page, items per page, seconds, redirects."""

    max_pages: int = 10_000
    max_page_bytes: int = 20 * 1024 * 1024
    max_items_per_page: int = 5_000
    max_seconds: float = 600.0
    max_redirects: int = 5
    timeout_seconds: float = 30.0


class HarvestError(Exception):
    """A failure that ends a run: `code` is stable (e.g. "loop", "bad-json", "http-500",
    "too-large", "backwards", "not-json", "blocked-address"), `message` German, `url` the page.
    `retry_after` (seconds) when the source asked to be left alone for a while (503/429)."""

    def __init__(self, code: str, message: str, url: str, retry_after: int | None = None) -> None:
        super().__init__(f"{code}: {message} ({url})")
        self.code = code
        self.message = message
        self.url = url
        self.retry_after = retry_after
