"""Checking in a forked helper that hands over each batch of mapped rows as soon as it is made.

An import writes the first batches while the helper still checks the rest of the file, so
checking and writing share the two cores instead of taking turns. The helper runs
`validate(..., sink=...)` and sends length-prefixed pickles through a pipe: one frame per
batch, then the report. In the caller a reader thread drains the pipe (the helper never waits
for a slow writer) and `batches()` unpickles in file order. Where forking is not possible or
not worth it (a threaded web server, a small file, no fork) the same interface checks in this
process first and then hands over everything as one batch.
"""
from __future__ import annotations

import os
import pickle
import queue
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from . import parallel as parallel_
from .core import Limits, RowMapper, ValidationResult, validate
from .report import Report
from .sources import Source

_LENGTH = struct.Struct("<Q")
_BATCH, _DONE = b"B", b"D"


class StreamBroken(Exception):
    """The helper died before its report: the batches handed over so far are not to be used."""


@dataclass
class Batch:
    """Mapped items of consecutive data rows, with the rows read and errors found so far."""

    items: list[Any]
    rows: int
    errors: int


class CheckStream:
    """Batches while the file is being checked; `result` once they are all handed over."""

    def __init__(self, source: bytes, *, filename: str | None, lang: str, limits: Limits,
                 mapper: Callable[[], RowMapper], fork: bool | None) -> None:
        self._args = (source, filename, lang, limits, mapper)
        self._result: ValidationResult | None = None
        self._pid: int | None = None
        self._frames: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._reader: threading.Thread | None = None
        if should_fork(source, filename, fork):
            self._start()

    @property
    def forked(self) -> bool:
        return self._pid is not None

    @property
    def result(self) -> ValidationResult:
        if self._result is None:
            raise RuntimeError("result erst nach allen Stapeln")
        return self._result

    # --- the helper -----------------------------------------------------------------------

    def _start(self) -> None:
        source, filename, lang, limits, mapper = self._args
        read_fd, write_fd = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError:  # no process to spare: check in this process instead
            os.close(read_fd)
            os.close(write_fd)
            return
        if pid == 0:  # pragma: no cover - runs in the child (coverage does not follow forks)
            code = 1
            try:
                os.close(read_fd)
                with os.fdopen(write_fd, "wb", buffering=0) as pipe:
                    def send(kind: bytes, payload: Any) -> None:
                        data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
                        pipe.write(kind + _LENGTH.pack(len(data)) + data)

                    result = validate(source, filename=filename, lang=lang, limits=limits,
                                      collect=True, mapper=mapper,
                                      sink=lambda items, rows, errors: send(
                                          _BATCH, (items, rows, errors)))
                    send(_DONE, result.report)
                code = 0
            except BaseException:  # noqa: BLE001, S110 - the parent sees the missing report
                pass
            finally:
                # Never run the parent's exit handlers (database connections, temp files).
                os._exit(code)
        os.close(write_fd)
        self._pid = pid
        self._reader = threading.Thread(target=self._read, args=(read_fd,), daemon=True,
                                        name="check-stream-reader")
        self._reader.start()

    def _read(self, read_fd: int) -> None:
        """Move whole frames from the pipe into the queue; None marks the end."""
        try:
            with os.fdopen(read_fd, "rb") as pipe:
                while True:
                    head = pipe.read(1 + _LENGTH.size)
                    if len(head) < 1 + _LENGTH.size:
                        break
                    (size,) = _LENGTH.unpack(head[1:])
                    body = pipe.read(size)
                    if len(body) < size:
                        break
                    self._frames.put(head[:1] + body)
        finally:
            self._frames.put(None)

    # --- handing over ---------------------------------------------------------------------

    def batches(self) -> Iterator[Batch]:
        """The batches in file order; afterwards `result` holds the report. Raises
        StreamBroken when the helper failed (check again with fork=False)."""
        if self._pid is None:
            source, filename, lang, limits, mapper = self._args
            self._result = validate(source, filename=filename, lang=lang, limits=limits,
                                    collect=True, mapper=mapper)
            whole = self._result.report
            items = [] if whole.error_count else self._result.mapped
            yield Batch(items, whole.rows, whole.error_count)
            return
        report: Report | None = None
        while True:
            frame = self._frames.get()
            if frame is None:
                break
            if frame[:1] == _DONE:
                report = pickle.loads(frame[1:])
                continue
            items, rows, errors = pickle.loads(frame[1:])
            yield Batch(items, rows, errors)
        self._wait()
        if not isinstance(report, Report):
            raise StreamBroken("the checking helper ended without a report")
        report.sort()
        self._result = ValidationResult(report, [], mapped=True, processes=2)

    def _wait(self) -> None:
        if self._reader is not None:
            self._reader.join()
        if self._pid is not None:
            try:
                os.waitpid(self._pid, 0)
            except ChildProcessError:
                pass

    def close(self) -> None:
        """Stop the helper if it still runs (the caller gave up)."""
        if self._pid is not None and self._result is None:
            parallel_.stop_child(self._pid)
            if self._reader is not None:
                self._reader.join(5)
            self._pid = None

    def __enter__(self) -> CheckStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def should_fork(source: bytes, filename: str | None, fork: bool | None) -> bool:
    """Whether a helper process is possible and worth it for this file."""
    if fork is False or not hasattr(os, "fork"):
        return False
    if threading.active_count() > 1:
        return False  # forking a threaded process (a web server) risks locks held elsewhere
    if fork:
        return True
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) >= 2 and Source.of(source, filename).size >= parallel_.MIN_BYTES


def check_stream(source: bytes, *, mapper: Callable[[], RowMapper], filename: str | None = None,
                 lang: str = "de", limits: Limits | None = None,
                 fork: bool | None = None) -> CheckStream:
    """Start checking `source`; iterate `.batches()`, then read `.result`. Use as a context
    manager so a helper is stopped when the caller gives up early. `fork`: None decides by
    size and circumstances, False never forks, True forks whenever possible."""
    return CheckStream(source, filename=filename, lang=lang, limits=limits or Limits(),
                       mapper=mapper, fork=fork)
