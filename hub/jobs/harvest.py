"""Scheduler job: harvest every enabled source whose interval is due (hub.sources).

Runs every few minutes; each source says how often it wants to be read (interval_minutes)
and may ask to be left alone (Retry-After -> not_before). One source's failure is recorded in
its health and never stops the others. Registered by hub/jobs/scheduler.py (all_jobs).
"""
from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import threading
from typing import Any

from flask import Flask

from ..context import HubContext
from ..db import make_engine, make_sessionmaker
from ..federation.ingest import RunOutcome
from ..settings import Settings
from ..sources.service import due_sources, harvest_due

log = logging.getLogger(__name__)


def harvest_sources_job(app: Flask) -> list[RunOutcome]:
    """Harvest the due sources; returns each run's outcome. In a process with other threads
    (the scheduler runs its jobs in a pool) a fresh interpreter does the harvesting: there the
    reading may go to a forked helper on the second core (hub.federation.reader), which a
    threaded process must not fork; a big first harvest takes half the time, and the
    scheduler's own memory stays as it was."""
    hub: HubContext = app.extensions["hub"]
    if not due_sources(hub.sessions):  # the usual case: no interpreter started for nothing
        return []
    if threading.active_count() > 1:
        outcomes = harvest_in_fresh_process(hub.settings)
    else:
        outcomes = harvest_due(hub.sessions, hub.settings)
    for outcome in outcomes:
        log.info("harvest-sources: %s %s %s", outcome.source, outcome.status,
                 outcome.counts.as_dict())
    return outcomes


def harvest_in_fresh_process(settings: Settings) -> list[RunOutcome]:
    """harvest_due with these settings in a new interpreter (nothing of this process's
    threads or connections is inherited; unlike multiprocessing's "spawn", no main module is
    imported again): the settings go in on its stdin, its outcomes come back through a pipe
    of their own (its stdout and stderr are this process's, for its log). A failure of the
    process is raised here, as harvest_due's own would be."""
    read_fd, write_fd = os.pipe()
    try:
        child = subprocess.Popen(
            [sys.executable, "-c", f"from {__name__} import _child; _child({write_fd})"],
            stdin=subprocess.PIPE, pass_fds=(write_fd,))
    finally:
        os.close(write_fd)
    with os.fdopen(read_fd, "rb") as results:
        assert child.stdin is not None
        with child.stdin:
            pickle.dump(settings, child.stdin)
        body = results.read()
    if child.wait() != 0 or not body:
        raise RuntimeError(f"Die Ernte im eigenen Prozess brach ab (Exitcode {child.returncode}).")
    return pickle.loads(body)  # type: ignore[no-any-return]


def _child(result_fd: int) -> None:  # pragma: no cover - runs in the child
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = pickle.load(sys.stdin.buffer)
    engine = make_engine(settings.database_url)
    try:
        outcomes = harvest_due(make_sessionmaker(engine), settings)
    finally:
        engine.dispose()
    with os.fdopen(result_fd, "wb") as out:
        pickle.dump(outcomes, out)


JOBS: list[tuple[str, Any, dict[str, Any]]] = [
    ("harvest-sources", harvest_sources_job, {"minutes": 5}),
]
