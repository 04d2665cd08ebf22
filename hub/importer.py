"""Import a provider's file: validate it, then write its offers all-or-nothing.

Order of work: record the upload (status "pending") -> validate outside any database
transaction -> if valid and not a dry run, write every offer in ONE transaction that first
locks the provider (concurrent uploads of one provider queue up) and marks the upload done,
keeping the original file and the report with it.
An invalid file changes no offer; a crash or kill during the write leaves the old offers as they
were (the transaction never commits) and the upload stays "pending".
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from .. import validators as validators_pkg
from .. import vocab as vocab_pkg
from ..validators import Limits, validate
from ..validators.core import gc_paused
from ..vocab.records import OfferRecord, ProviderRecord
from .checkpoint import checkpoint_soon, defer_checkpoint
from .db import begin_write, transaction
from .models import Offer, Provider, Upload, utcnow
from .offer_rows import PreparedOffer, Preparer, group_items
from .originals import PackInBackground, pack
from .settings import Settings
from .store import provider_record, write_prepared

log = logging.getLogger(__name__)

MODES = ("replace", "upsert")
SOURCES = ("api", "page", "cli", "pull")

# progress(phase, done, total): phase "read" (rows read, total estimated or None) or "write".
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
    body["import"] = None if counts is None else {
        k: v for k, v in counts.items() if not k.startswith("_")}
    return body


def limits_from(settings: Settings) -> Limits:
    return Limits(max_bytes=settings.upload_max_bytes, max_rows=settings.upload_max_rows,
                  max_inflated_bytes=settings.upload_max_inflated_bytes)


def import_file(sessions: sessionmaker[Session], settings: Settings, provider_id: int,
                data: bytes, *, filename: str | None = None, content_type: str | None = None,
                mode: str = "replace", dry_run: bool = False, source: str = "api",
                lang: str = "de", progress: Progress | None = None) -> ImportOutcome:
    """Validate `data` and (unless invalid or a dry run) make it the provider's offers.

    Raises ImportFailed (after recording the upload as "failed") when the database or the
    validator breaks; an invalid file is a normal outcome with status "invalid".
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    sha256 = hashlib.sha256(data).hexdigest()  # once: a large file takes a while to hash
    upload_id = _record_pending(sessions, provider_id, data, sha256, filename, content_type, mode,
                                dry_run, source)
    reuse_key = _reuse_key(sha256, mode, lang, settings)
    if not dry_run:
        same = _same_as_last_import(sessions, provider_id, reuse_key)
        if same is not None:
            report, stats = same
            _finish(sessions, upload_id, "done", report, stats, data)
            counts = {k: v for k, v in stats.items() if not k.startswith("_")}
            return ImportOutcome(upload_id, "done", mode, dry_run, report, counts)
    try:
        with sessions() as session:
            provider = provider_record(session.execute(
                sa.select(Provider).where(Provider.id == provider_id)).scalar_one())
            dialect = session.get_bind().dialect
        estimate = _estimate_rows(data, filename)
        read_cb = None if progress is None else (lambda n: progress("read", n, estimate))
        # Rows become database-ready items while they are checked (in the validator's
        # processes), so no OfferRecords are built on the way into the database.
        result = validate(data, filename=filename, lang=lang, limits=limits_from(settings),
                          collect=True, progress=read_cb,
                          mapper=lambda: Preparer(dialect).map_rows)
        report = result.report.to_dict()
    except Exception as exc:
        log.exception("validation of upload %s broke", upload_id)
        _finish(sessions, upload_id, "failed", None, None, data)
        raise ImportFailed(upload_id, f"Prüfung abgebrochen: {exc.__class__.__name__}") from exc
    if not report["valid"]:
        _finish(sessions, upload_id, "invalid", report, None, data)
        return ImportOutcome(upload_id, "invalid", mode, dry_run, report, None)
    try:
        # The file's anbieter_name is informational: offers carry the token's provider.
        with gc_paused():
            offers, venues = group_items(result.mapped, provider.name)
        if dry_run:
            with sessions() as session:
                counts = _preview(session, provider_id, offers, mode == "replace")
            _finish(sessions, upload_id, "done", report, counts, data)
        else:
            counts = _write(sessions, provider, provider_id, upload_id, offers, venues, mode,
                            report, data, progress, reuse_key)
    except Exception as exc:
        log.exception("import of upload %s failed", upload_id)
        _finish(sessions, upload_id, "failed", report, None, data)
        raise ImportFailed(upload_id, f"Import abgebrochen: {exc.__class__.__name__}") from exc
    return ImportOutcome(upload_id, "done", mode, dry_run, report, counts)


def _write(sessions: sessionmaker[Session], provider: ProviderRecord, provider_id: int,
           upload_id: int, offers: Sequence[PreparedOffer], venues: dict[str, tuple[Any, ...]],
           mode: str, report: dict[str, Any], data: bytes, progress: Progress | None,
           reuse_key: str) -> dict[str, int]:
    write_cb = None if progress is None else (lambda n: progress("write", n, len(offers)))
    if progress is not None:
        progress("write", 0, len(offers))
    prefix = provider.slug + "/"
    packing = PackInBackground(data)  # the original shrinks on the other core meanwhile
    with gc_paused(), transaction(sessions) as session:
        deferred = defer_checkpoint(session)
        lock_provider(session, provider_id)
        result = write_prepared(session, provider_id, offers, venues, prefix.__add__,
                                replace=mode == "replace", progress=write_cb)
        counts = result.as_dict()
        stats = {**counts, REUSE: f"{reuse_key}:{_offers_state(session, provider_id)}"}
        # The upload is marked done in the same transaction: done <=> the offers are written.
        original, compression = packing.result()
        session.execute(sa.update(Upload).where(Upload.id == upload_id).values(
            status="done", report=report, stats=stats, original=original,
            original_compression=compression, finished_at=utcnow()))
        engine = session.get_bind()
    if deferred:
        checkpoint_soon(engine)  # type: ignore[arg-type]
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


def _reuse_key(sha256: str, mode: str, lang: str, settings: Settings) -> str:
    limits = (settings.upload_max_bytes, settings.upload_max_rows,
              settings.upload_max_inflated_bytes)
    return ":".join([sha256, mode, lang, ruleset_fingerprint(),
                     "-".join(map(str, limits))])


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


def preview_counts(session: Session, provider_id: int, records: Sequence[OfferRecord],
                   replace: bool) -> dict[str, int]:
    """What write_offers would do, without writing (for dry runs)."""
    offers, _venues = Preparer(session.get_bind().dialect).prepare_records(records)
    return _preview(session, provider_id, offers, replace)


def _preview(session: Session, provider_id: int, offers: Sequence[PreparedOffer],
             replace: bool) -> dict[str, int]:
    existing = {r.angebot_id: (r.content_hash, r.deleted) for r in session.execute(
        sa.select(Offer.angebot_id, Offer.content_hash, Offer.deleted)
        .where(Offer.provider_id == provider_id))}
    counts = {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0}
    for offer in offers:
        old = existing.get(offer.angebot_id)
        if old is None:
            counts["created"] += 1
        elif old[1] or old[0] != offer.digest:
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    if replace:
        seen = {o.angebot_id for o in offers}
        counts["deleted"] = sum(1 for aid, (_h, deleted) in existing.items()
                                if aid not in seen and not deleted)
    return counts


def _record_pending(sessions: sessionmaker[Session], provider_id: int, data: bytes, sha256: str,
                    filename: str | None, content_type: str | None, mode: str, dry_run: bool,
                    source: str) -> int:
    # The file itself is stored once, with the outcome: SQLite rewrites a whole row on UPDATE,
    # so storing it here too would write every byte twice.
    with transaction(sessions) as session:
        row = Upload(provider_id=provider_id, filename=(filename or "")[:300] or None,
                     content_type=(content_type or "")[:200] or None, size=len(data),
                     sha256=sha256, mode=mode,
                     source=source, dry_run=dry_run, status="pending")
        session.add(row)
        session.flush()
        return int(row.id)


def _finish(sessions: sessionmaker[Session], upload_id: int, status: str,
            report: dict[str, Any] | None, counts: dict[str, Any] | None, data: bytes) -> None:
    original, compression = pack(data)
    with transaction(sessions) as session:
        session.execute(sa.update(Upload).where(Upload.id == upload_id).values(
            status=status, report=report, stats=counts, original=original,
            original_compression=compression, finished_at=utcnow()))


def _estimate_rows(data: bytes, filename: str | None) -> int | None:
    """Data rows of a CSV for the progress bar (line count; multi-line cells make it high)."""
    if data[:2] == b"PK" or (filename or "").lower().endswith(".xlsx"):
        return None
    return max(data.count(b"\n") - 1, 0) or None
