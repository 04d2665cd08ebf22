"""How long uploaded originals are kept, and uploads whose process died.

- Originals of uploads that changed nothing (dry runs, invalid and failed uploads) expire
  after ORIGINALS_KEEP_DAYS; the report stays. Originals of real imports stay (the history
  of what went live), within the quota.
- A provider's stored originals take at most ORIGINALS_QUOTA_BYTES: beyond it the oldest are
  dropped, never the original of the provider's current live import. Five 19.5 MB dry runs
  added 114 MB in 7.6 s before there was a quota.
- An upload stays "pending" while its process checks and writes it; a process killed midway
  left it pending forever. Each pending upload names its process (host, boot, pid and start
  time); an upload whose process is gone becomes "failed" with a German reason, at start-up
  and by the scheduler, and so does any upload pending longer than PENDING_UPLOAD_MINUTES
  (its process may run on another machine).
"""
from __future__ import annotations

import logging
import os
import socket
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ..db import transaction
from ..models import Upload, utcnow
from ..settings import Settings
from .originals import pack

log = logging.getLogger(__name__)

OWNER = "_owner"  # key in a pending upload's stats: the process working on it
INTERRUPTED = {
    "row": None, "column": None, "code": "upload-interrupted", "severity": "error",
    "value": None,
    "message": "Die Verarbeitung dieser Datei wurde unterbrochen (der Server wurde neu "
               "gestartet oder der Prozess beendet), bevor sie abgeschlossen war. Es wurde "
               "nichts geändert. Bitte laden Sie die Datei erneut hoch.",
}


def _stored_size() -> Any:
    return sa.func.coalesce(sa.func.length(Upload.original), 0)


def expire_originals(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Drop the originals of dry runs, invalid and failed uploads finished more than
    originals_keep_days ago (the reports stay). Returns how many were dropped."""
    cutoff = (now or utcnow()) - timedelta(days=settings.originals_keep_days)
    result = session.execute(sa.update(Upload).where(
        Upload.original.is_not(None),
        sa.or_(Upload.dry_run.is_(True), Upload.status.in_(("invalid", "failed"))),
        sa.func.coalesce(Upload.finished_at, Upload.created_at) < cutoff,
    ).values(original=None, original_compression=None).execution_options(
        synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _live_import(session: Session, provider_id: int) -> int | None:
    """The provider's current live import: its last successful real (not dry) upload."""
    return session.execute(sa.select(sa.func.max(Upload.id)).where(
        Upload.provider_id == provider_id, Upload.dry_run.is_(False),
        Upload.status == "done")).scalar()


def make_room(session: Session, provider_id: int, quota: int, incoming: int = 0) -> int:
    """Drop the provider's oldest originals until they take at most `quota` bytes, leaving
    room for `incoming` more (an upload about to be stored); never the original of the live
    import. Returns how many were dropped."""
    live = _live_import(session, provider_id)
    rows = session.execute(
        sa.select(Upload.id, _stored_size()).where(
            Upload.provider_id == provider_id, Upload.original.is_not(None))
        .order_by(Upload.id)).all()
    total = sum(int(size) for _id, size in rows) + incoming
    doomed: list[int] = []
    for upload_id, size in rows:
        if total <= quota:
            break
        if upload_id != live:
            doomed.append(upload_id)
            total -= int(size)
    if doomed:
        session.execute(sa.update(Upload).where(Upload.id.in_(doomed)).values(
            original=None, original_compression=None).execution_options(
            synchronize_session=False))
    return len(doomed)


def enforce_quotas(session: Session, settings: Settings) -> int:
    """make_room for every provider above the quota; returns the originals dropped."""
    over = session.execute(
        sa.select(Upload.provider_id).where(Upload.original.is_not(None))
        .group_by(Upload.provider_id)
        .having(sa.func.sum(_stored_size()) > settings.originals_quota_bytes)).scalars().all()
    return sum(make_room(session, pid, settings.originals_quota_bytes) for pid in over)


def make_room_for(sessions: sessionmaker[Session], settings: Settings, provider_id: int,
                  data: bytes) -> None:
    """make_room, in its own short transaction, for the original `data` about to be stored."""
    quota = settings.originals_quota_bytes
    with transaction(sessions) as session:
        stored = session.execute(sa.select(sa.func.sum(_stored_size())).where(
            Upload.provider_id == provider_id)).scalar() or 0
        if stored + len(data) <= quota:
            return  # fits even uncompressed: the common case costs one query
        # Near the quota the stored size counts (CSV shrinks 5-30x): packed once more here.
        dropped = make_room(session, provider_id, quota, len(pack(data)[0]))
    if dropped:
        log.info("provider %s: %d old originals dropped (quota)", provider_id, dropped)


# --- interrupted uploads ----------------------------------------------------------------

@cache
def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _start_time(pid: int) -> str | None:
    """The process's start (clock ticks since boot, from /proc), "" where /proc is missing,
    None when no such process runs."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]  # field 22; the name before ")" may hold spaces


def process_owner(pid: int | None = None) -> str:
    """This process (or `pid` on this machine) as host|boot|pid|start."""
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}|{_boot_id()}|{pid}|{_start_time(pid) or ''}"


def _owner_gone(owner: str) -> bool:
    """True when `owner` (see process_owner) ran on this machine and has ended; False when
    it may still run (alive, or on another machine)."""
    host, boot, pid, start = (owner.split("|") + ["", "", "", ""])[:4]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if boot and _boot_id() and boot != _boot_id():
        return True  # the machine has restarted since
    now = _start_time(int(pid))
    if now is None:
        return True
    if now and start:
        return now != start  # the pid was reused by another process
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def interrupted_uploads(session: Session, settings: Settings,
                        now: datetime | None = None) -> list[int]:
    """Pending uploads whose process has ended, or pending longer than the threshold."""
    cutoff = (now or utcnow()) - timedelta(minutes=settings.pending_upload_minutes)
    rows = session.execute(sa.select(Upload.id, Upload.stats, Upload.created_at).where(
        Upload.status == "pending")).all()
    return [r.id for r in rows if r.created_at < cutoff
            or _owner_gone(str((r.stats or {}).get(OWNER, "")))]


def fail_uploads(session: Session, upload_ids: Sequence[int]) -> int:
    """Mark pending uploads failed, with the German reason as their report."""
    if not upload_ids:
        return 0
    report = {"valid": False, "stats": {}, "errors": [INTERRUPTED], "truncated": False}
    result = session.execute(sa.update(Upload).where(
        Upload.id.in_(list(upload_ids)), Upload.status == "pending").values(
        status="failed", report=report, stats=None, finished_at=utcnow()).execution_options(
        synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def fail_interrupted_uploads(sessions: sessionmaker[Session], settings: Settings) -> int:
    """Find and fail interrupted uploads; the write happens only when there are some (on
    SQLite it would wait for a running import's lock)."""
    with sessions() as session:
        doomed = interrupted_uploads(session, settings)
    if not doomed:
        return 0
    with transaction(sessions) as session:
        count = fail_uploads(session, doomed)
    log.warning("%d interrupted uploads marked failed: %s", count, doomed)
    return count


def recover_at_start(sessions: sessionmaker[Session], settings: Settings) -> None:
    """fail_interrupted_uploads at start-up; a database that is down or not yet migrated
    only logs (the scheduler tries again)."""
    try:
        fail_interrupted_uploads(sessions, settings)
    except SQLAlchemyError as exc:
        log.warning("interrupted uploads not checked at start-up: %s", exc.__class__.__name__)
