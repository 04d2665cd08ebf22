"""Scheduler job: fetch each provider's published file (`source_url`) and import it.

Conditional GET (If-None-Match / If-Modified-Since from the last fetch) so an unchanged file
costs one 304; a changed file is imported in replace mode as an upload with source "pull",
all-or-nothing like any upload. One provider's failure never stops the others.
Registered by hub/scheduler.py from `JOBS`.
"""
from __future__ import annotations

import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask

from ..context import HubContext
from ..db import transaction
from ..models import Provider, utcnow
from ..offers.importer import ImportFailed, import_file

log = logging.getLogger(__name__)

TIMEOUT = 60  # seconds per provider file
USER_AGENT = "Bildungsdaten-Hub (+https://w3id.org/bildungsdaten/)"


@dataclass
class PullResult:
    """What happened to one provider's source in one run."""

    slug: str
    outcome: str  # not-modified, done, invalid, failed, too-large, http-error
    upload_id: int | None = None
    detail: str | None = None


def pull_provider_sources(app: Flask) -> list[PullResult]:
    """Fetch and import every provider's `source_url`; returns one result per provider."""
    with app.app_context():
        hub: HubContext = app.extensions["hub"]
        with hub.sessions() as session:
            providers = session.execute(
                sa.select(Provider.id, Provider.slug, Provider.source_url, Provider.source_etag,
                          Provider.source_last_modified)
                .where(Provider.source_url.is_not(None), Provider.source_url != "")
                .order_by(Provider.id)).all()
        results = []
        for row in providers:
            try:
                results.append(_pull_one(hub, row))
            except Exception as exc:  # one provider never stops the others
                log.exception("pull of %s failed", row.slug)
                results.append(PullResult(row.slug, "failed", detail=exc.__class__.__name__))
        return results


def _pull_one(hub: HubContext, row: Any) -> PullResult:
    request = urllib.request.Request(row.source_url, headers={"User-Agent": USER_AGENT})
    if row.source_etag:
        request.add_header("If-None-Match", row.source_etag)
    if row.source_last_modified:
        request.add_header("If-Modified-Since", row.source_last_modified)
    limit = hub.settings.upload_max_bytes
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as resp:
            data = resp.read(limit + 1)
            headers: Message = resp.headers
            final_url = resp.geturl()
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            _remember(hub, row.id, checked=True)
            return PullResult(row.slug, "not-modified")
        log.warning("pull of %s: HTTP %s", row.slug, exc.code)
        _remember(hub, row.id, checked=True)
        return PullResult(row.slug, "http-error", detail=f"HTTP {exc.code}")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        log.warning("pull of %s: %s", row.slug, exc)
        _remember(hub, row.id, checked=True)
        return PullResult(row.slug, "http-error", detail=str(exc)[:200])
    if len(data) > limit:
        _remember(hub, row.id, checked=True)
        return PullResult(row.slug, "too-large", detail=f"> {limit} Bytes")
    content_type = headers.get_content_type() if headers.get("Content-Type") else None
    filename = PurePosixPath(urlsplit(final_url).path).name or None
    try:
        outcome = import_file(hub.sessions, hub.settings, row.id, data, filename=filename,
                              content_type=content_type, mode="replace", source="pull")
    except ImportFailed as exc:
        _remember(hub, row.id, checked=True)
        return PullResult(row.slug, "failed", exc.upload_id, str(exc))
    # Imported or invalid, this file is dealt with: the next run only asks "changed?" (an
    # invalid file is not re-reported every hour; the fixed one has new validators).
    _remember(hub, row.id, checked=True, etag=headers.get("ETag"),
              last_modified=headers.get("Last-Modified"))
    return PullResult(row.slug, outcome.status, outcome.upload_id)


def _remember(hub: HubContext, provider_id: int, *, checked: bool, etag: str | None = None,
              last_modified: str | None = None) -> None:
    values: dict[str, Any] = {"source_checked_at": utcnow()} if checked else {}
    if etag is not None or last_modified is not None:
        values.update(source_etag=etag, source_last_modified=last_modified)
    with transaction(hub.sessions) as session:
        session.execute(sa.update(Provider).where(Provider.id == provider_id).values(**values))


JOBS = [("pull-provider-sources", pull_provider_sources, {"minutes": 60})]
