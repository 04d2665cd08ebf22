"""Scheduler job: harvest every enabled source whose interval is due (hub.sources).

Runs every few minutes; each source says how often it wants to be read (interval_minutes)
and may ask to be left alone (Retry-After -> not_before). One source's failure is recorded in
its health and never stops the others. Registered by hub/jobs/scheduler.py (all_jobs).
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from ..context import HubContext
from ..federation.ingest import RunOutcome
from ..sources.service import harvest_due

log = logging.getLogger(__name__)


def harvest_sources_job(app: Flask) -> list[RunOutcome]:
    """Harvest the due sources; returns each run's outcome."""
    hub: HubContext = app.extensions["hub"]
    outcomes = harvest_due(hub.sessions, hub.settings)
    for outcome in outcomes:
        log.info("harvest-sources: %s %s %s", outcome.source, outcome.status,
                 outcome.counts.as_dict())
    return outcomes


JOBS: list[tuple[str, Any, dict[str, Any]]] = [
    ("harvest-sources", harvest_sources_job, {"minutes": 5}),
]
