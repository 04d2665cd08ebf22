"""Checking a large CSV in two processes: the second half of the file in a forked child.

The file is split at a line start with an even number of quote characters before it. The
parent checks the first part (which ends with a sentinel row: if that row arrives intact the
split fell between two records), the child the rest with row numbers from 1. The child sends
back its kept errors, counts and cross-row fingerprints; the parent renumbers and merges them
in file order, so the report is the same as checking the file in one pass. Whenever anything
is unusual (the split fell inside a quoted cell, a damaged part, more rows than allowed, the
child failed) the caller checks the whole file again in one process.
"""
from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np

from .errors import ValidationError
from .report import Report
from .rows import RowChecker
from .sources import Encoding, Source, quote_balanced_split
from .tables import SENTINEL, Row

MIN_BYTES = 4 * 1024 * 1024  # below this a fork costs more than it saves
ARRAYS = ("unique_keys", "unique_rows", "course_keys", "course_fps", "course_rows",
          "other_offer_keys")
ROW_ARRAYS = ("unique_rows", "course_rows")


class SplitFailed(Exception):
    """The two-process check cannot give the one-pass report: check in one pass instead."""


def can_split(source: Source, encoding: Encoding, force: bool | None) -> bool:
    """Whether checking this CSV in two processes is possible and worth it."""
    if encoding.nul or encoding.name.startswith("utf-16"):
        return False  # NUL rows need the reader's own check; UTF-16 has no byte-level lines
    return fork_worthwhile(source.size, force)


def fork_worthwhile(size: int, force: bool | None) -> bool:
    """Whether forking a helper for `size` bytes is safe and pays (force: None decides by
    size and cores, False never, True whenever safe)."""
    if force is False or not hasattr(os, "fork"):
        return False
    if threading.active_count() > 1:
        return False  # forking a threaded process (a web server) risks locks held elsewhere
    if force:
        return True
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) >= 2 and size >= MIN_BYTES


def first_share(*, scanned: bool, collect: bool) -> float:
    """The parent's share of the bytes, so that both processes finish together: besides its
    rows the parent alone guesses the encoding before the fork (`scanned`: a full scan of a
    non-UTF-8 file, ~7 % of the CPU of checking it; the UTF-8 guess and the split search
    ~3 %) and merges the child's result and counts the offers after it (~4 %); the child
    takes half of that extra. With collected rows (pickled back from the child, kept by the
    parent) the share stays 0.55 as before: not re-measured on a quiet machine."""
    if collect:
        return 0.55
    extra = (0.07 if scanned else 0.0) + 0.03 + 0.04
    return 0.5 - extra / 2


def split_offset(source: Source, first_share: float = 0.5) -> int | None:
    """Where the second part starts (after about `first_share` of the bytes), or None."""
    return quote_balanced_split(source, int(source.size * first_share))


@dataclass
class PartResult:
    """What the checker of one part found (row numbers relative to the part)."""

    rows: int = 0
    last_row: int = 0  # the part's last record number (for renumbering the next part)
    blank: range = range(0)  # blank rows at the end, not yet reported
    errors: list[ValidationError] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    truncated: bool = False
    arrays: dict[str, bytes] = field(default_factory=dict)
    collected: list[Any] | None = None


class UntilSentinel:
    """Rows of a first part up to its sentinel row; `clean` tells whether it arrived intact."""

    def __init__(self, reader: Iterator[Row]) -> None:
        self.reader = reader
        self.clean = False
        self.last_row = 0

    def __iter__(self) -> Iterator[Row]:
        for number, cells in self.reader:
            if len(cells) == 1 and cells[0] == SENTINEL:
                self.clean = True
                self.last_row = number - 1
                return
            yield number, cells


_FRAME_LENGTH = struct.Struct("<Q")


def write_frame(pipe: IO[bytes], kind: bytes, payload: Any) -> None:
    """One frame to a helper's pipe: a one-byte kind, the length, the pickled payload; flushed,
    so the reader has it at once."""
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    pipe.write(kind + _FRAME_LENGTH.pack(len(data)))
    pipe.write(data)
    pipe.flush()


def read_frame(pipe: IO[bytes]) -> tuple[bytes, bytes] | None:
    """The next frame written by write_frame as (kind, pickled payload); None where the pipe
    ends before one, EOFError where it ends inside one (the writer died mid-frame)."""
    head = pipe.read(1 + _FRAME_LENGTH.size)
    if len(head) < 1 + _FRAME_LENGTH.size:
        return None
    (size,) = _FRAME_LENGTH.unpack(head[1:])
    body = pipe.read(size)
    if len(body) < size:
        raise EOFError("the pipe ended inside a frame")
    return head[:1], body


def fork_writer(write: Callable[[IO[bytes]], object]) -> tuple[int, int]:
    """Fork a child that runs `write` on the write end of a pipe and exits, 0 when `write`
    returned; (pid, read fd of the pipe). OSError (no process to spare) leaves no pipe open."""
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        raise
    if pid == 0:  # pragma: no cover - runs in the child (coverage does not follow forks)
        code = 1
        try:
            os.close(read_fd)
            with os.fdopen(write_fd, "wb") as pipe:
                write(pipe)
            code = 0
        except BaseException:  # noqa: BLE001, S110 - the parent sees the exit code
            pass
        finally:
            # Never run the parent's exit handlers (database connections, temp files).
            os._exit(code)
    os.close(write_fd)
    return pid, read_fd


def start_child(work: Callable[[], PartResult]) -> tuple[int, int]:
    """Fork a child that runs `work` and pipes back its pickled result; (pid, read fd)."""
    return fork_writer(lambda pipe: pipe.write(
        pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)))


def collect_child(pid: int, read_fd: int) -> PartResult:
    """The child's result; raises SplitFailed when it failed."""
    try:
        with os.fdopen(read_fd, "rb") as pipe:
            payload = pipe.read()
    finally:
        _, status = os.waitpid(pid, 0)
    if not payload or not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        raise SplitFailed("child failed")
    result = pickle.loads(payload)
    if not isinstance(result, PartResult):
        raise SplitFailed("child result")
    return result


def stop_child(pid: int, read_fd: int | None = None) -> None:
    """End a child whose result is no longer wanted."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if read_fd is not None:
        try:
            os.close(read_fd)
        except OSError:
            pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def part_result(checker: RowChecker, report: Report, rows: int, blank: range,
                collected: list[Any] | None) -> PartResult:
    """Pack what a part's checker and report hold for sending to the parent."""
    return PartResult(
        rows=rows, blank=blank, errors=report.errors, error_count=report.error_count,
        warning_count=report.warning_count, truncated=report.truncated,
        arrays={name: getattr(checker, name).tobytes() for name in ARRAYS},
        collected=collected)


def merge_second_part(report: Report, checker: RowChecker, first_blank: range,
                      part: PartResult, offset: int) -> None:
    """Add the second part's findings to the first part's report and checker, renumbered."""
    if part.rows:
        # Blank rows at the end of the first part are reported because data follows.
        report.add_blank_rows(first_blank)
    kept_errors = kept_warnings = 0
    for error in part.errors:
        if error.row is not None:
            error.row += offset
        if error.severity == "error":
            kept_errors += 1
        else:
            kept_warnings += 1
        report.add(error)
    # Problems the child counted beyond its own cap still count (the cap was reached anyway).
    report.error_count += part.error_count - kept_errors
    report.warning_count += part.warning_count - kept_warnings
    report.truncated = report.truncated or part.truncated
    for name in ARRAYS:
        target = getattr(checker, name)
        before = len(target)
        target.frombytes(part.arrays.pop(name))
        if name in ROW_ARRAYS and offset:
            view = np.frombuffer(target, dtype=np.dtype(target.typecode))
            view[before:] += offset  # renumbered in place
            del view  # the array must not stay exported
