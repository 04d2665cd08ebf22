"""The links of the start page and the navigation; areas add theirs with `register_link`."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageLink:
    label: str
    href: str
    description: str
    order: int = 100
    in_nav: bool = False


LINKS: list[PageLink] = []


def register_link(label: str, href: str, description: str, order: int = 100,
                  in_nav: bool = False) -> None:
    """Make an area reachable from the start page (and the navigation when `in_nav`)."""
    if not any(link.href == href for link in LINKS):
        LINKS.append(PageLink(label, href, description, order, in_nav))
