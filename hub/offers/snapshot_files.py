"""Rendered snapshots kept as files: one plain and one gzip copy per feed version, written
once (temp file + rename) under a lock shared by every process on the machine.

A big snapshot (50 MB of CSV at 61,000 offers) took 83 s per download when eight harvesters
fetched it at once, each request rendering it anew. Here the first request after a change
renders it into the instance folder; every other request, in any gunicorn worker, reads the
file. The file name carries what decides the bytes:

    <name>-<config>-<version>-<digest>.<suffix>   (+ ".gz" for the gzip copy)

`config` hashes the serialiser code and settings, `version` is the feed version (the last
change stamp) the rendering started from, `digest` is the SHA-256 of the plain bytes (the
strong ETag). Only the newest file of a name is kept.
"""
from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import secrets
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

GZIP_LEVEL = 6
# Renders per name in this process (logged, and read by the tests to show one render for
# many concurrent requests).
RENDERS: Counter[str] = Counter()


@dataclass(frozen=True)
class StoredSnapshot:
    """One rendered snapshot on disk."""

    path: Path  # the plain copy; the gzip copy is gzip_path
    version: int  # the feed version the rendering started from (a lower bound of its content)
    digest: str  # hex SHA-256 of the plain bytes, cut to 32 characters

    @property
    def gzip_path(self) -> Path:
        return self.path.with_name(self.path.name + ".gz")


class SnapshotFiles:
    """The stored snapshots of one export (`name`, e.g. "offers-csv") in `folder`."""

    def __init__(self, folder: Path, name: str, suffix: str, config: str) -> None:
        if not re.fullmatch(r"[a-z0-9-]+", name) or not re.fullmatch(r"[a-z0-9]+", suffix):
            raise ValueError(f"bad snapshot name {name!r}.{suffix!r}")
        self.folder = folder
        self.name = name
        self.suffix = suffix
        self.config = config
        self._pattern = re.compile(
            rf"{re.escape(name)}-([0-9a-f]+)-(\d{{20}})-([0-9a-f]{{32}})\.{suffix}")

    def _stored(self) -> Iterator[tuple[str, StoredSnapshot]]:
        """(config, snapshot) of every complete file of this name (gzip copy included)."""
        try:
            entries = list(os.scandir(self.folder))
        except FileNotFoundError:
            return
        names = {e.name for e in entries}
        for name in names:
            match = self._pattern.fullmatch(name)
            if match and name + ".gz" in names:  # the gzip copy is renamed into place first
                yield match[1], StoredSnapshot(self.folder / name, int(match[2]), match[3])

    def newest(self, version: int | None = None) -> StoredSnapshot | None:
        """The stored snapshot of the current config rendered from feed version `version`
        (any version when None: the newest), or None."""
        best: StoredSnapshot | None = None
        for config, stored in self._stored():
            if config != self.config or (version is not None and stored.version != version):
                continue
            if best is None or stored.version > best.version:
                best = stored
        return best

    def get(self, wanted: int, version_now: Callable[[], int],
            chunks: Callable[[], Iterable[bytes]]) -> StoredSnapshot:
        """The snapshot of feed version `wanted`, rendering it when there is none.
        Concurrent callers (threads or processes) render once: while one renders, the others
        get the previous snapshot when one exists, else they wait for the new one."""
        # An exact version, not "at least": a database restored from a backup moves the
        # clock back, and a file from the lost future must not be served then.
        stored = self.newest(wanted)
        if stored is not None:
            return stored
        with self._lock(wait=False) as locked:
            if locked:
                return self._current(version_now, chunks)
            previous = self.newest()
        if previous is not None:  # stale for the seconds the rendering takes
            return previous
        with self._lock(wait=True):
            return self._current(version_now, chunks)

    def refresh(self, version_now: Callable[[], int],
                chunks: Callable[[], Iterable[bytes]]) -> StoredSnapshot | None:
        """Render the snapshot when the stored one is older than the feed (for a background
        job); None when it was current."""
        with self._lock(wait=True):
            version = version_now()
            if self.newest(version) is not None:
                return None
            return self._render(version, chunks)

    def _current(self, version_now: Callable[[], int],
                 chunks: Callable[[], Iterable[bytes]]) -> StoredSnapshot:
        """The snapshot of the feed version now, rendered unless stored. The caller holds the
        lock; the version is read again here, as it may have moved while the caller waited."""
        version = version_now()
        return self.newest(version) or self._render(version, chunks)

    @contextmanager
    def _lock(self, wait: bool) -> Iterator[bool]:
        # flock locks an open file description: it excludes other processes and also other
        # threads of this process, as each call opens the lock file anew.
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / f".{self.name}.lock", "a+b") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _render(self, version: int, chunks: Callable[[], Iterable[bytes]]) -> StoredSnapshot:
        """Write both copies to temp files, rename them into place, drop the older ones.
        The caller holds the lock and read `version` before the rendering's own snapshot, so
        the content is at least that version (a later change leads to another rendering)."""
        self._remove(lambda name: name.startswith(f".tmp-{self.name}-"))  # from a killed run
        token = f"{os.getpid()}-{secrets.token_hex(4)}"
        tmp_plain = self.folder / f".tmp-{self.name}-{token}.{self.suffix}"
        tmp_gzip = tmp_plain.with_name(tmp_plain.name + ".gz")
        try:
            with open(tmp_plain, "wb") as plain, open(tmp_gzip, "wb") as packed:
                digest = _write_both(chunks(), plain, packed)
            stored = StoredSnapshot(
                self.folder / f"{self.name}-{self.config}-{version:020d}-{digest}.{self.suffix}",
                version, digest)
            os.replace(tmp_gzip, stored.gzip_path)  # first: a plain copy implies its gzip copy
            os.replace(tmp_plain, stored.path)
        finally:
            for tmp in (tmp_plain, tmp_gzip):
                tmp.unlink(missing_ok=True)
        keep = {stored.path.name, stored.gzip_path.name}
        # Readers open a file before sending it; an unlinked file stays readable to them.
        self._remove(lambda name: name not in keep and (
            self._pattern.fullmatch(name.removesuffix(".gz")) is not None))
        RENDERS[self.name] += 1
        log.info("snapshot %s rendered from feed version %d (%d bytes)", self.name, version,
                 stored.path.stat().st_size)
        return stored

    def _remove(self, doomed: Callable[[str], bool]) -> None:
        for entry in os.scandir(self.folder):
            if doomed(entry.name):
                Path(entry.path).unlink(missing_ok=True)


def _write_both(chunks: Iterable[bytes], plain: IO[bytes], packed: IO[bytes]) -> str:
    """Write the chunks to `plain` and gzip-compressed to `packed` (flushed to disk); returns
    the plain bytes' digest."""
    digest = hashlib.sha256()
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # wbits 31: gzip container
    for chunk in chunks:
        plain.write(chunk)
        digest.update(chunk)
        packed.write(compressor.compress(chunk))
    packed.write(compressor.flush())
    for handle in (plain, packed):
        handle.flush()
        os.fsync(handle.fileno())  # a rename must never expose a file the disk lacks
    return digest.hexdigest()[:32]


def fingerprint(*parts: object, roots: Iterable[Path] = ()) -> str:
    """A short hash of `parts` and every file under `roots` (the code and data that decide
    a snapshot's bytes), so a deployment with changed serialisers renders anew."""
    digest = hashlib.sha256(repr(parts).encode())
    for root in roots:
        for path in sorted(p for p in root.rglob("*")
                           if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
