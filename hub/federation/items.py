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

    @property
    def is_last(self) -> bool:
        """RPDE's only end marker: an empty page whose `next` is its own URL."""
        return not self.items and not self.skipped and self.next_url == self.url
