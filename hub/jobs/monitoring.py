"""The monitoring's daily job: store the day's indicator values once (see hub.monitoring)."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import Flask

from ..context import HubContext
from ..monitoring.store import SnapshotResult, store_snapshot
from ..offers.expiry import BERLIN

log = logging.getLogger(__name__)


def monitoring_snapshot_job(app: Flask) -> SnapshotResult:
    """Today's snapshot (Europe/Berlin); a day already stored stays as it is."""
    hub: HubContext = app.extensions["hub"]
    result = store_snapshot(hub.engine, hub.settings, datetime.now(BERLIN).date())
    log.info("monitoring-snapshot: %s %s (%d values)", result.stichtag,
             "stored" if result.created else "kept", result.values)
    return result


# Early morning after expiry (hh:05) so expired offers are gone; hourly retries cover a missed
# run (a stored day is kept, so only the first successful run of a day writes).
JOBS: list[tuple[str, Any, dict[str, Any]]] = [
    ("monitoring-snapshot", monitoring_snapshot_job, {"trigger": "cron", "minute": 40}),
]
