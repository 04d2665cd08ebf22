"""Background jobs, run as their own process (`bildungsdaten scheduler`).

Each job is (name, func(app), trigger kwargs); kwargs go to APScheduler's add_job, with
trigger "interval" unless they name another ("cron", …). Jobs come from this module and from
the area modules listed in `all_jobs`. Each run happens inside
app.app_context(); a failing run is logged and the next run is tried as scheduled.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from ..context import HubContext
from ..db import begin_write, transaction
from ..offers.documents import render_target
from ..offers.expiry import BERLIN, expire_offers, purge_tombstones
from ..offers.exports import refresh_exports
from ..offers.queries import prerender_documents
from ..offers.retention import enforce_quotas, expire_originals, fail_interrupted_uploads

log = logging.getLogger(__name__)

Job = tuple[str, Callable[[Flask], Any], dict[str, Any]]


def _in_write_transaction(app: Flask, name: str, work: Callable[[Any, Any], int],
                          done: str) -> int:
    """Run `work(session, settings)` in one write transaction and log its count."""
    hub: HubContext = app.extensions["hub"]
    with transaction(hub.sessions) as session:
        begin_write(session)
        count = work(session, hub.settings)
    log.info("%s: %d %s", name, count, done)
    return count


def expire_offers_job(app: Flask) -> int:
    """Tombstone offers whose last date + grace has passed (one transaction)."""
    return _in_write_transaction(app, "expire-offers", expire_offers,
                                 "offers became tombstones")


def purge_tombstones_job(app: Flask) -> int:
    """Remove tombstones older than tombstone_days (one transaction)."""
    return _in_write_transaction(app, "purge-tombstones", purge_tombstones,
                                 "tombstones removed")


def render_offer_documents_job(app: Flask) -> int:
    """Render and store the JSON-LD of live offers without a valid stored document (new,
    changed, or after a config/vocabulary change), so harvesters hit a warm cache."""
    hub: HubContext = app.extensions["hub"]
    count = prerender_documents(hub.engine, render_target(hub.settings))
    log.info("render-offer-documents: %d documents rendered", count)
    return count


def render_exports_job(app: Flask) -> list[str]:
    """Render the full CSV and JSON-LD snapshots after a change, so the first download finds
    the file ready (downloads render it themselves when this job has not run yet)."""
    rendered = refresh_exports(app.extensions["hub"])
    log.info("render-exports: %s", ", ".join(rendered) or "all current")
    return rendered


def expire_originals_job(app: Flask) -> int:
    """Drop originals past ORIGINALS_KEEP_DAYS, then those beyond each provider's quota."""
    return _in_write_transaction(
        app, "expire-originals",
        lambda session, settings: expire_originals(session, settings)
        + enforce_quotas(session, settings), "originals dropped")


def fail_interrupted_uploads_job(app: Flask) -> int:
    """Uploads left "pending" by a killed process become "failed" with a German reason."""
    hub: HubContext = app.extensions["hub"]
    count = fail_interrupted_uploads(hub.sessions, hub.settings)
    log.info("fail-interrupted-uploads: %d uploads marked failed", count)
    return count


JOBS: list[Job] = [
    ("expire-offers", expire_offers_job, {"trigger": "cron", "minute": 5}),
    ("purge-tombstones", purge_tombstones_job, {"trigger": "cron", "hour": 3, "minute": 17}),
    ("render-offer-documents", render_offer_documents_job, {"minutes": 3}),
    ("render-exports", render_exports_job, {"minutes": 2}),
    ("expire-originals", expire_originals_job, {"trigger": "cron", "hour": 3, "minute": 41}),
    ("fail-interrupted-uploads", fail_interrupted_uploads_job, {"minutes": 5}),
]


def all_jobs() -> list[Job]:
    """This module's jobs plus those of the areas, listed here."""
    from . import harvest, monitoring, pull

    return [*JOBS, *pull.JOBS, *monitoring.JOBS, *harvest.JOBS]


def run_job(app: Flask, name: str) -> Any:
    """Run one job now, inside the app context; KeyError for an unknown name."""
    jobs = {job[0]: job for job in all_jobs()}
    _, func, _ = jobs[name]
    with app.app_context():
        return func(app)


def _runner(app: Flask, name: str, func: Callable[[Flask], Any]) -> Callable[[], Any]:
    def run() -> Any:
        with app.app_context():
            try:
                return func(app)
            except Exception:  # the scheduler keeps running; the next run tries again
                log.exception("job %s failed", name)
                return None
    return run


def build_scheduler(app: Flask, blocking: bool = True) -> BaseScheduler:
    """A scheduler with every job registered (not started)."""
    scheduler: BaseScheduler = (BlockingScheduler if blocking else BackgroundScheduler)(
        timezone=BERLIN)
    for name, func, trigger in all_jobs():
        kwargs = dict(trigger)
        kind = kwargs.pop("trigger", "interval")
        scheduler.add_job(_runner(app, name, func), kind, id=name, name=name,
                          max_instances=1, coalesce=True, misfire_grace_time=600, **kwargs)
    return scheduler
