"""Uploaded files as stored: compressed with zlib when that helps, given back byte for byte.

Providers' CSV files shrink 5-30x; storing 85 MB raw cost the import of a 100,000-row file
about a second of writing and committing. XLSX files are zip archives already and stay as
they are.
"""
from __future__ import annotations

import threading
import zlib
from typing import Any

ZLIB = "zlib"
LEVEL = 1  # the fastest level: it already gets most of the gain on CSV text
# Report codes of files that must not be kept: survey exports are personal data uploaded
# by mistake (validators.survey_shapes).
NOT_KEPT = frozenset({"survey-export"})


def keeps_original(report: dict[str, Any] | None) -> bool:
    """Whether an upload with this report keeps its original file."""
    return not any(e.get("code") in NOT_KEPT for e in (report or {}).get("errors", []))


def pack(data: bytes) -> tuple[bytes, str | None]:
    """(stored bytes, compression): compressed with zlib unless that saves nothing."""
    packed = zlib.compress(data, LEVEL)
    if len(packed) < len(data):
        return packed, ZLIB
    return data, None


def unpack(stored: bytes | None, compression: str | None) -> bytes:
    """The file as uploaded, from its stored bytes and compression."""
    if stored is None:
        return b""
    if compression is None:
        return stored
    if compression == ZLIB:
        return zlib.decompress(stored)
    raise ValueError(f"unknown compression {compression!r}")


class PackInBackground:
    """pack(data) in a thread, so it overlaps the offers' write (zlib releases the GIL)."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._result: tuple[bytes, str | None] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="pack-original", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = pack(self._data)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller in result()
            self._error = exc

    def result(self) -> tuple[bytes, str | None]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result
