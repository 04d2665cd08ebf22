"""Scheduler job: fetch each provider's published file (`source_url`) and import it.

Every fetch goes through the fetch guard (hub/fetch_guard.py: no internal addresses, one
deadline per fetch and per run, a size limit). Conditional GET (If-None-Match /
If-Modified-Since from the last fetch) so an unchanged file costs one 304; a changed file is
imported in replace mode as an upload with source "pull", all-or-nothing like any upload. One provider's failure never stops the others.
Registered by hub/jobs/scheduler.py (all_jobs) from `JOBS`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask

from ..context import HubContext
from ..db import transaction
from ..fetch_guard import (
    AllowList,
    FetchError,
    FetchRefused,
    RunDeadline,
    guarded_fetch,
    parse_allow_hosts,
)
from ..models import Provider, utcnow
from ..offers.importer import ImportFailed, import_file

log = logging.getLogger(__name__)


@dataclass
class PullResult:
    """What happened to one provider's source in one run."""

    slug: str
    outcome: str  # not-modified, done, invalid, failed, too-large, http-error, refused, fetch-failed
    upload_id: int | None = None
    detail: str | None = None  # German, for the admin
    code: str | None = None  # the fetch guard's stable code (hub/fetch_guard.py)


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
        allow = parse_allow_hosts(hub.settings.fetch_allow_hosts)
        # One budget for the whole run: a slow source delays the others by its share only.
        run = RunDeadline(hub.settings.fetch_run_deadline_seconds)
        results = []
        for row in providers:
            try:
                results.append(_pull_one(hub, row, allow, run))
            except Exception as exc:  # one provider never stops the others
                log.exception("pull of %s failed", row.slug)
                results.append(PullResult(row.slug, "failed",
                                          detail=f"Unerwarteter Fehler ({exc.__class__.__name__})."))
        return results


def _pull_one(hub: HubContext, row: Any, allow: AllowList, run: RunDeadline) -> PullResult:
    headers = {}
    if row.source_etag:
        headers["If-None-Match"] = row.source_etag
    if row.source_last_modified:
        headers["If-Modified-Since"] = row.source_last_modified
    settings = hub.settings
    try:
        fetched = guarded_fetch(row.source_url, max_bytes=settings.upload_max_bytes,
                                deadline_s=settings.fetch_deadline_seconds, allow_hosts=allow,
                                headers=headers, run_deadline=run)
    except FetchError as exc:
        # Nothing of a refused or failed fetch is kept: import_file (which stores the
        # original) only ever sees a complete, allowed answer.
        log.warning("pull of %s: %s (%s)", row.slug, exc.message, exc.code)
        _remember(hub, row.id, checked=True)
        kind = ("refused" if isinstance(exc, FetchRefused)
                else "too-large" if exc.code == "too-large" else "fetch-failed")
        return PullResult(row.slug, kind, detail=exc.message, code=exc.code)
    if fetched.status == 304:
        _remember(hub, row.id, checked=True)
        return PullResult(row.slug, "not-modified")
    if fetched.status != 200:
        log.warning("pull of %s: HTTP %s", row.slug, fetched.status)
        _remember(hub, row.id, checked=True)
        return PullResult(row.slug, "http-error", code="http-status",
                          detail=f"„{fetched.url}“ antwortete mit HTTP {fetched.status}.")
    data, resp_headers = fetched.body, fetched.headers
    content_type = resp_headers.get_content_type() if resp_headers.get("Content-Type") else None
    filename = PurePosixPath(urlsplit(fetched.url).path).name or None
    try:
        outcome = import_file(hub.sessions, settings, row.id, data, filename=filename,
                              content_type=content_type, mode="replace", source="pull")
    except ImportFailed as exc:
        _remember(hub, row.id, checked=True)
        return PullResult(row.slug, "failed", exc.upload_id, str(exc))
    # Imported or invalid, this file is dealt with: the next run only asks "changed?" (an
    # invalid file is not re-reported every hour; the fixed one has new validators).
    _remember(hub, row.id, checked=True, etag=resp_headers.get("ETag"),
              last_modified=resp_headers.get("Last-Modified"))
    return PullResult(row.slug, outcome.status, outcome.upload_id)


def _remember(hub: HubContext, provider_id: int, *, checked: bool, etag: str | None = None,
              last_modified: str | None = None) -> None:
    values: dict[str, Any] = {"source_checked_at": utcnow()} if checked else {}
    if etag is not None or last_modified is not None:
        values.update(source_etag=etag, source_last_modified=last_modified)
    with transaction(hub.sessions) as session:
        session.execute(sa.update(Provider).where(Provider.id == provider_id).values(**values))


JOBS = [("pull-provider-sources", pull_provider_sources, {"minutes": 60})]
