"""The links of the start page and the navigation. Each area declares its links as `LINKS`;
the app factory (or an area's `init_app`) adds them to the app with `add_links`."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask


@dataclass(frozen=True)
class PageLink:
    label: str
    href: str
    description: str
    order: int = 100
    in_nav: bool = False


def add_links(app: Flask, links: Iterable[PageLink]) -> None:
    """Make an area reachable from the start page (and the navigation when `in_nav`)."""
    registered: list[PageLink] = app.extensions["hub"].links
    for link in links:
        if not any(known.href == link.href for known in registered):
            registered.append(link)
    registered.sort(key=lambda link: link.order)
