"""Checking in a helper process that hands over each batch of mapped rows as soon as it is made.

An import writes the first batches while the helper still checks the rest of the file, so
checking and writing share the two cores instead of taking turns. The helper runs
`validate(..., sink=...)` and sends length-prefixed pickles through a pipe: one frame per
batch, then the report. In the caller a reader thread drains the pipe (the helper never waits
for a slow writer) and `batches()` unpickles in file order.

The helper is a fork of this process where that is safe (no other threads). In a threaded
process (a web server) forking is not safe; with `spawn=True` a large file is then checked by
a fresh interpreter (`python -m` this module) that gets the file and the mapper factory,
pickled, on its stdin: the mapper factory must then be importable (a module-level function or
a functools.partial of one). Otherwise, and for small files, the same interface checks in this
process first and then hands over everything as one batch.
"""
from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from . import parallel as parallel_
from .core import Limits, RowMapper, ValidationResult, validate
from .report import Report
from .sources import Source

_BATCH, _DONE = b"B", b"D"
# A fresh interpreter needs about half a second to start and import the mapper's modules:
# below this size checking in the caller's process is as fast.
SPAWN_MIN_BYTES = 16 * 1024 * 1024


class StreamBroken(Exception):
    """The helper died before its report: the batches handed over so far are not to be used."""


@dataclass
class Batch:
    """Mapped items of consecutive data rows, with the rows read and errors found so far."""

    items: list[Any]
    rows: int
    errors: int


def _run_helper(args: tuple[Any, ...], out: IO[bytes]) -> None:
    """The helper's work: validate with a sink that writes each batch as a frame to `out`."""
    source, filename, lang, limits, mapper, defaults = args

    result = validate(source, filename=filename, lang=lang, limits=limits, collect=True,
                      mapper=mapper, defaults=defaults,
                      sink=lambda items, rows, errors: parallel_.write_frame(
                          out, _BATCH, (items, rows, errors)))
    parallel_.write_frame(out, _DONE, result.report)


class CheckStream:
    """Batches while the file is being checked; `result` once they are all handed over."""

    def __init__(self, source: bytes, *, filename: str | None, lang: str, limits: Limits,
                 mapper: Callable[[], RowMapper], fork: bool | None,
                 spawn: bool = False, defaults: Mapping[str, str] | None = None) -> None:
        self._args = (source, filename, lang, limits, mapper, dict(defaults or {}))
        self._result: ValidationResult | None = None
        self._pid: int | None = None  # a forked helper
        self._proc: subprocess.Popen[bytes] | None = None  # a spawned helper
        self._running = False  # a helper that is not yet reaped
        self._frames: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._reader: threading.Thread | None = None
        if should_fork(source, filename, fork):
            self._fork()
        elif spawn and should_spawn(source, filename, fork):
            self._spawn()

    @property
    def forked(self) -> bool:
        """Whether a helper process checks the file (forked or spawned)."""
        return self._pid is not None or self._proc is not None

    @property
    def helper(self) -> str | None:
        """"fork", "spawn" or None (checked in this process)."""
        return "fork" if self._pid is not None else "spawn" if self._proc is not None else None

    @property
    def result(self) -> ValidationResult:
        if self._result is None:
            raise RuntimeError("result erst nach allen Stapeln")
        return self._result

    # --- the helper -----------------------------------------------------------------------

    def _fork(self) -> None:
        args = self._args
        try:
            pid, read_fd = parallel_.fork_writer(lambda pipe: _run_helper(args, pipe))
        except OSError:  # no process to spare: check in this process instead
            return
        self._pid = pid
        self._running = True
        self._start_reader(os.fdopen(read_fd, "rb"))

    def _spawn(self) -> None:
        try:
            payload = pickle.dumps(self._args, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, AttributeError, TypeError):
            return  # a mapper that cannot travel: check in this process
        try:
            # A new interpreter (fork + exec in subprocess's C code): safe in threaded servers.
            proc = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE)
        except OSError:
            return
        self._proc = proc
        self._running = True
        assert proc.stdin is not None and proc.stdout is not None
        threading.Thread(target=_feed, args=(proc.stdin, payload), daemon=True,
                         name="check-stream-feeder").start()
        self._start_reader(proc.stdout)

    def _start_reader(self, pipe: IO[bytes]) -> None:
        self._reader = threading.Thread(target=self._read, args=(pipe,), daemon=True,
                                        name="check-stream-reader")
        self._reader.start()

    def _read(self, pipe: IO[bytes]) -> None:
        """Move whole frames from the pipe into the queue; None marks the end."""
        try:
            with pipe:
                while (frame := parallel_.read_frame(pipe)) is not None:
                    self._frames.put(frame[0] + frame[1])
        except (OSError, ValueError, EOFError):
            pass  # the pipe was closed under us (close()) or the helper died mid-frame: the end
        finally:
            self._frames.put(None)

    # --- handing over ---------------------------------------------------------------------

    def batches(self) -> Iterator[Batch]:
        """The batches in file order; afterwards `result` holds the report. Raises
        StreamBroken when the helper failed (check again with fork=False)."""
        if not self.forked:
            source, filename, lang, limits, mapper, defaults = self._args
            self._result = validate(source, filename=filename, lang=lang, limits=limits,
                                    collect=True, mapper=mapper, defaults=defaults)
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
        self._reap()
        if not isinstance(report, Report):
            raise StreamBroken("the checking helper ended without a report")
        self._result = ValidationResult(report, [], mapped=True, processes=2)

    def _reap(self) -> None:
        """Wait for the helper's end (once: its pid may be reused afterwards)."""
        if self._reader is not None:
            self._reader.join()
        if not self._running:
            return
        self._running = False
        if self._proc is not None:
            self._proc.wait()
        elif self._pid is not None:
            try:
                os.waitpid(self._pid, 0)
            except ChildProcessError:
                pass

    def close(self) -> None:
        """Stop the helper if it still runs (the caller gave up)."""
        if self._running:
            self._running = False
            if self._proc is not None:
                self._proc.kill()
                self._proc.wait()
            elif self._pid is not None:
                parallel_.stop_child(self._pid)
            if self._reader is not None:
                self._reader.join(5)

    def __enter__(self) -> CheckStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _feed(pipe: IO[bytes], payload: bytes) -> None:
    """Write the spawned helper's input and close it (a thread: the pipe holds 64 KiB)."""
    try:
        with pipe:
            pipe.write(payload)
    except (BrokenPipeError, OSError):
        pass  # the helper died: its missing report says so


def should_fork(source: bytes, filename: str | None, fork: bool | None) -> bool:
    """Whether a forked helper is possible and worth it for this file."""
    return parallel_.fork_worthwhile(Source.of(source, filename).size, fork)


def should_spawn(source: bytes, filename: str | None, fork: bool | None) -> bool:
    """Whether a fresh interpreter as the helper is worth its start (when forking is not)."""
    if fork is False:
        return False
    return bool(fork) or Source.of(source, filename).size >= SPAWN_MIN_BYTES


def check_stream(source: bytes, *, mapper: Callable[[], RowMapper], filename: str | None = None,
                 lang: str = "de", limits: Limits | None = None,
                 fork: bool | None = None, spawn: bool = False,
                 defaults: Mapping[str, str] | None = None) -> CheckStream:
    """Start checking `source`; iterate `.batches()`, then read `.result`. Use as a context
    manager so a helper is stopped when the caller gives up early.

    `fork`: None decides by size and circumstances, True uses a helper whenever possible,
    False checks in this process (where `validate` may still split a large file into two
    processes by itself; the batch is the same). `spawn`: where forking is not safe, a fresh
    interpreter may be the helper (the mapper factory must be importable there). `defaults`:
    the provider's presets for an iCalendar file (see `validate`)."""
    return CheckStream(source, filename=filename, lang=lang, limits=limits or Limits(),
                       mapper=mapper, fork=fork, spawn=spawn, defaults=defaults)


def _helper_main() -> int:  # pragma: no cover - runs in the spawned interpreter
    """The spawned helper: its arguments pickled on stdin, its frames on stdout."""
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else (a module printing on import) may write into frames
    args = pickle.loads(sys.stdin.buffer.read())
    _run_helper(args, out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_helper_main())
