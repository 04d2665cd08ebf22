"""Import a provider's file: check it and write its offers, all-or-nothing.

Order of work: record the upload (status "pending") -> check the file in a helper process
(hub-side: validators.stream) that hands over its rows batch by batch -> from the first batch
on, write the new offers in ONE transaction that first locks the provider (concurrent uploads
of one provider queue up) -> when the report is complete and valid, finish the offers of
several rows and the changed and missing ones, mark the upload done with its original file and
report, and commit. The first error in the file rolls the transaction back at once (the lock
is released while the checker still reports the rest). An invalid file changes no offer; a
crash or kill before the commit leaves the old offers as they were and the upload "pending".
Dry runs only check and count.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ... import validators as validators_pkg
from ... import vocab as vocab_pkg
from ...validators import (
    CheckStream,
    Limits,
    RowMapper,
    StreamBroken,
    check_stream,
    count_ics_events,
    gc_paused,
    looks_like_ics,
    validate,
)
from ...vocab.records import ProviderRecord
from ..db import begin_write, transaction
from ..models import Offer, Provider, Upload, utcnow
from ..settings import Settings
from .checkpoint import checkpoint_soon, defer_checkpoint
from .defaults import upload_defaults
from .originals import PackInBackground, keeps_original, pack
from .retention import OWNER, make_room_for, process_owner
from .rows import PreparedOffer, driver_of, group_items, row_mapper
from .store import classify, provider_record, stored_offers
from .stream import OfferStream

log = logging.getLogger(__name__)

MODES = ("replace", "upsert")
SOURCES = ("api", "page", "cli", "pull")

# progress(phase, done, total): data rows so far of the total (estimated, or None) in phase
# "read" (checked only: a dry run, or an invalid file after its first error) or "write"
# (checked and written; the last call, with done == total, comes after the commit).
Progress = Callable[[str, int, int | None], None]


class ImportFailed(Exception):
    """The import broke for a reason that is not the file's fault (recorded as "failed")."""

    def __init__(self, upload_id: int, reason: str) -> None:
        super().__init__(reason)
        self.upload_id = upload_id


@dataclass
class ImportOutcome:
    """How one upload ended: its row id, status, the validation report and what changed."""

    upload_id: int
    status: str  # done, invalid, failed
    mode: str
    dry_run: bool
    report: dict[str, Any]
    counts: dict[str, int] | None

    @property
    def valid(self) -> bool:
        return bool(self.report.get("valid"))

    def to_dict(self) -> dict[str, Any]:
        """The API answer: upload facts, the report's own keys, then the import counts."""
        return upload_dict(self.upload_id, self.status, self.mode, self.dry_run, self.report,
                           self.counts)


def upload_dict(upload_id: int, status: str, mode: str, dry_run: bool,
                report: dict[str, Any] | None, counts: dict[str, int] | None,
                **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"upload_id": upload_id, "status": status, "mode": mode,
                            "dry_run": dry_run, **extra}
    body.update(report or {})
    body["import"] = None if counts is None or status == "pending" else {
        k: v for k, v in counts.items() if not k.startswith("_")}
    return body


def limits_from(settings: Settings) -> Limits:
    return Limits(max_bytes=settings.upload_max_bytes, max_rows=settings.upload_max_rows,
                  max_inflated_bytes=settings.upload_max_inflated_bytes,
                  max_events=settings.ics_max_events)


def import_file(sessions: sessionmaker[Session], settings: Settings, provider_id: int,
                data: bytes, *, filename: str | None = None, content_type: str | None = None,
                mode: str = "replace", dry_run: bool = False, source: str = "api",
                lang: str = "de", progress: Progress | None = None,
                fork: bool | None = None) -> ImportOutcome:
    """Validate `data` and (unless invalid or a dry run) make it the provider's offers.

    `fork`: check in a helper process while writing (None: where it pays; False: never;
    True: whenever the process may fork).

    Raises ImportFailed (after recording the upload as "failed") when the database or the
    validator breaks; an invalid file is a normal outcome with status "invalid".
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    sha256 = hashlib.sha256(data).hexdigest()  # once: a large file takes a while to hash
    upload_id = _record_pending(sessions, provider_id, data, sha256, filename, content_type, mode,
                                dry_run, source)
    make_room_for(sessions, settings, provider_id, data)  # the provider's quota of originals
    with sessions() as session:
        # Only a calendar uses them; they are part of the rules its report came from.
        defaults = upload_defaults(session, provider_id)
    reuse_key = _reuse_key(sha256, mode, lang, settings, defaults)
    if not dry_run:
        same = _same_as_last_import(sessions, provider_id, reuse_key)
        if same is not None:
            report, stats = same
            _finish(sessions, upload_id, "done", report, stats, data)
            counts = {k: v for k, v in stats.items() if not k.startswith("_")}
            return ImportOutcome(upload_id, "done", mode, dry_run, report, counts)
    with sessions() as session:
        provider = provider_record(session.execute(
            sa.select(Provider).where(Provider.id == provider_id)).scalar_one())
        dialect = session.get_bind().dialect
    estimate = _estimate_rows(data, filename)
    filename = _named_by_type(filename, content_type)
    # By name, not a closure: a helper interpreter (threaded servers) builds its own mapper.
    mapper = functools.partial(row_mapper, driver_of(dialect))
    job = _Job(sessions, settings, provider_id, provider, upload_id, data, filename, mode, lang,
               progress, estimate, reuse_key, mapper, defaults)
    if dry_run:
        return _dry_run(job)
    try:
        return _stream_import(job, fork=fork)
    except StreamBroken:
        log.warning("checking helper of upload %s failed; checking in this process", upload_id)
        return _stream_import(job, fork=False)


@dataclass
class _Job:
    """One upload on its way in."""

    sessions: sessionmaker[Session]
    settings: Settings
    provider_id: int
    provider: ProviderRecord
    upload_id: int
    data: bytes
    filename: str | None
    mode: str
    lang: str
    progress: Progress | None
    estimate: int | None
    reuse_key: str
    mapper: Callable[[], RowMapper]
    defaults: dict[str, str]

    def read(self, rows: int) -> None:
        self.report("read", rows)

    def report(self, phase: str, rows: int) -> None:
        if self.progress is not None:
            self.progress(phase, rows, self.estimate)


def _dry_run(job: _Job) -> ImportOutcome:
    """Check the file (in two processes where it pays) and count what an import would do."""
    try:
        result = validate(job.data, filename=job.filename, lang=job.lang,
                          limits=limits_from(job.settings), collect=True, progress=job.read,
                          mapper=job.mapper, defaults=job.defaults)
        report = result.report.to_dict()
    except Exception as exc:
        raise _failed(job, "Prüfung", None, exc) from exc
    if not report["valid"]:
        _finish(job.sessions, job.upload_id, "invalid", report, None, job.data)
        return ImportOutcome(job.upload_id, "invalid", job.mode, True, report, None)
    with gc_paused():
        offers, _venues = group_items(result.mapped, job.provider.name)
    with job.sessions() as session:
        counts = _preview(session, job.provider_id, offers, job.mode == "replace")
    _finish(job.sessions, job.upload_id, "done", report, counts, job.data)
    return ImportOutcome(job.upload_id, "done", job.mode, True, report, counts)


class _Writing:
    """The write transaction of a streamed import, opened at the first batch without errors
    and dropped (rolled back, lock released) as soon as the file shows an error."""

    def __init__(self, job: _Job) -> None:
        self.job = job
        self.session: Session | None = None
        self.stream: OfferStream | None = None
        self.deferred_checkpoint = False

    def open(self) -> OfferStream:
        if self.stream is None:
            self.session = session = self.job.sessions()
            self.deferred_checkpoint = defer_checkpoint(session)
            lock_provider(session, self.job.provider_id)  # a second upload of it waits here
            self.stream = OfferStream(session, self.job.provider_id, self.job.provider.name,
                                      (self.job.provider.slug + "/").__add__)
        return self.stream

    def drop(self) -> None:
        if self.session is not None:
            try:
                self.session.rollback()
            finally:
                self.session.close()
        self.session = self.stream = None


def _stream_import(job: _Job, fork: bool | None) -> ImportOutcome:
    """Check the file in a helper process and write its offers as the batches arrive; commit
    only when the whole report is valid (all-or-nothing, as the transaction holds it all)."""
    writing = _Writing(job)
    try:
        with gc_paused(), check_stream(job.data, mapper=job.mapper, filename=job.filename,
                                       lang=job.lang, limits=limits_from(job.settings),
                                       fork=fork, spawn=True, defaults=job.defaults) as stream:
            log.info("upload %s: checked by %s", job.upload_id,
                     {"fork": "a forked helper", "spawn": "a helper interpreter"}.get(
                         stream.helper or "", "this process"))
            try:
                failure = _write_batches(stream, writing, job)
                report = stream.result.report.to_dict()
            except StreamBroken:
                raise
            except Exception as exc:
                writing.drop()
                raise _failed(job, "Prüfung", None, exc) from exc
            if not report["valid"]:
                writing.drop()
                _finish(job.sessions, job.upload_id, "invalid", report, None, job.data)
                return ImportOutcome(job.upload_id, "invalid", job.mode, False, report, None)
            try:
                if failure is not None:
                    raise failure
                counts = _complete(job, writing, report)
            except Exception as exc:
                writing.drop()
                raise _failed(job, "Import", report, exc) from exc
    finally:
        writing.drop()  # whatever is still open was not committed: roll it back
    return ImportOutcome(job.upload_id, "done", job.mode, False, report, counts)


def _write_batches(stream: CheckStream, writing: _Writing, job: _Job) -> Exception | None:
    """Write each batch as it arrives, until the file shows an error; returns the database
    error that stopped the writing, if any (the checker's report decides what it means)."""
    failure: Exception | None = None
    for batch in stream.batches():
        if batch.errors or failure is not None:
            writing.drop()  # the file is invalid (or the write broke): keep nothing
            job.report("read", batch.rows)
            continue
        try:
            writing.open().add(batch.items)
        except SQLAlchemyError as exc:
            failure = exc
            writing.drop()
        job.report("write", batch.rows)  # checked and written (not committed)
    return failure


def _failed(job: _Job, stage: str, report: dict[str, Any] | None,
            exc: Exception) -> ImportFailed:
    """Record the upload as failed (not the file's fault); the exception to raise."""
    log.error("%s of upload %s broke", stage, job.upload_id, exc_info=exc)
    _finish(job.sessions, job.upload_id, "failed", report, None, job.data)
    return ImportFailed(job.upload_id, f"{stage} abgebrochen: {exc.__class__.__name__}")


def _complete(job: _Job, writing: _Writing, report: dict[str, Any]) -> dict[str, int]:
    """Finish the offers, mark the upload done (same transaction: done <=> written), commit."""
    packing = PackInBackground(job.data)  # the original shrinks on the other core meanwhile
    stream = writing.open()  # a valid file without data rows still replaces the offers
    session = writing.session
    assert session is not None
    result = stream.finish(job.mode == "replace")
    counts = result.as_dict()
    stats = {**counts, REUSE: f"{job.reuse_key}:{_offers_state(session, job.provider_id)}"}
    original, compression = packing.result()
    session.execute(sa.update(Upload).where(Upload.id == job.upload_id).values(
        status="done", report=report, stats=stats, original=original,
        original_compression=compression, finished_at=utcnow()))
    engine = session.get_bind()
    session.commit()
    if writing.deferred_checkpoint:
        checkpoint_soon(engine)  # type: ignore[arg-type]
    if job.progress is not None:
        rows = int(report["stats"]["rows"])
        job.progress("write", rows, rows)  # committed: every row is in
    return counts


# --- the same file again -------------------------------------------------------------------
# Re-uploading the file of the provider's last import, with nothing changed since (same rules,
# limits, mode and language; the provider's offers exactly as that import left them), cannot
# change anything: answer with that import's report and skip validating and hashing.
REUSE = "_reuse"


@lru_cache(maxsize=1)
def ruleset_fingerprint() -> str:
    """A hash of the validator code and the vocabulary data: the rules a report came from."""
    digest = hashlib.sha256()
    roots = [Path(validators_pkg.__file__).parent, Path(vocab_pkg.__file__).parent]
    for path in sorted(p for root in roots for p in root.rglob("*")
                       if p.is_file() and p.suffix in (".py", ".toml", ".csv", ".json")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _reuse_key(sha256: str, mode: str, lang: str, settings: Settings,
               defaults: dict[str, str]) -> str:
    limits = (settings.upload_max_bytes, settings.upload_max_rows,
              settings.upload_max_inflated_bytes, settings.ics_max_events)
    presets = hashlib.sha256(json.dumps(defaults, sort_keys=True).encode()).hexdigest()[:16]
    return ":".join([sha256, mode, lang, ruleset_fingerprint(),
                     "-".join(map(str, limits)), presets])


def _offers_state(session: Session, provider_id: int) -> str:
    count, last = session.execute(sa.select(sa.func.count(), sa.func.max(Offer.modified))
                                  .where(Offer.provider_id == provider_id)).one()
    return f"{count}-{last}"


def _same_as_last_import(sessions: sessionmaker[Session], provider_id: int, reuse_key: str
                         ) -> tuple[dict[str, Any], dict[str, Any]] | None:
    with sessions() as session:
        last = session.execute(
            sa.select(Upload.report, Upload.stats).where(
                Upload.provider_id == provider_id, Upload.dry_run.is_(False),
                Upload.status == "done")
            .order_by(Upload.id.desc()).limit(1)).first()
        if last is None or not last.stats or not last.report:
            return None
        if last.stats.get(REUSE) != f"{reuse_key}:{_offers_state(session, provider_id)}":
            return None
    offers = int(last.report.get("stats", {}).get("offers", 0))
    counts = {"created": 0, "updated": 0, "unchanged": offers, "deleted": 0}
    return last.report, {**counts, REUSE: last.stats[REUSE]}


def lock_provider(session: Session, provider_id: int) -> None:
    """Serialise writers of one provider until the transaction ends."""
    if session.get_bind().dialect.name == "sqlite":
        begin_write(session)  # SQLite: the database-wide write lock, taken now
    else:
        session.execute(sa.select(Provider.id).where(Provider.id == provider_id).with_for_update())


def _preview(session: Session, provider_id: int, offers: Sequence[PreparedOffer],
             replace: bool) -> dict[str, int]:
    """What the import would do, decided as the import itself decides it (store.classify)."""
    return classify(offers, stored_offers(session, provider_id), replace).counts()


def _record_pending(sessions: sessionmaker[Session], provider_id: int, data: bytes, sha256: str,
                    filename: str | None, content_type: str | None, mode: str, dry_run: bool,
                    source: str) -> int:
    # The file itself is stored once, with the outcome: SQLite rewrites a whole row on UPDATE,
    # so storing it here too would write every byte twice.
    with transaction(sessions) as session:
        row = Upload(provider_id=provider_id, filename=(filename or "")[:300] or None,
                     content_type=(content_type or "")[:200] or None, size=len(data),
                     sha256=sha256, mode=mode,
                     source=source, dry_run=dry_run, status="pending",
                     stats={OWNER: process_owner()})  # so a killed process is recognised
        session.add(row)
        session.flush()
        return int(row.id)


def _finish(sessions: sessionmaker[Session], upload_id: int, status: str,
            report: dict[str, Any] | None, counts: dict[str, Any] | None, data: bytes) -> None:
    original, compression = pack(data) if keeps_original(report) else (None, None)
    with transaction(sessions) as session:
        session.execute(sa.update(Upload).where(Upload.id == upload_id).values(
            status=status, report=report, stats=counts, original=original,
            original_compression=compression, finished_at=utcnow()))


def _named_by_type(filename: str | None, content_type: str | None) -> str | None:
    """A calendar sent as text/calendar under another name is checked as .ics (the name
    decides what a file that is no calendar is reported as)."""
    calendar = (content_type or "").split(";")[0].strip().lower() == "text/calendar"
    if calendar and not PurePosixPath(filename or "").suffix:  # a named .csv stays a CSV
        return (filename or "upload") + ".ics"
    return filename


def _estimate_rows(data: bytes, filename: str | None) -> int | None:
    """Data rows of a CSV for the progress bar (line count; multi-line cells make it high)."""
    if data[:2] == b"PK" or (filename or "").lower().endswith(".xlsx"):
        return None
    if looks_like_ics(data[:1024]):
        return count_ics_events(data) or None  # a series counts once (its dates are more)
    if b"<OPENQCAT" in data[:8192] or b"<BMECAT" in data[:8192]:
        # open-Qcat: one row per SERVICE at most (lines say nothing; UTF-16 gives None).
        return data.count(b"<SERVICE>") + data.count(b"<SERVICE ") or None
    return max(data.count(b"\n") - 1, 0) or None
