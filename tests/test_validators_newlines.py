"""Lines split at LF alone (`Encoding.lf_lines`, newline="\\n") are exactly the lines of
universal newlines (newline="") whenever the encoding guess allows them: no CR is followed by
anything but LF (validators/sources.py: _LineScan, detect_encoding, guess_utf8)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bildungsdaten.validators.sources import (
    Encoding,
    Source,
    _LineScan,
    detect_encoding,
    guess_utf8,
)
from bildungsdaten.validators.tables import TableBroken, csv_rows

PIECES = st.sampled_from(["a", ";", '"', "\r", "\n", "\r\n", "\r\n", "ä", "x;y", '"q\r\nr"', "€"])
TEXTS = st.lists(PIECES, max_size=40).map("".join)


def _lone_cr(data: bytes) -> bool:
    """The definition: a CR before the last byte that LF does not follow."""
    return any(data[i] == 0x0D and data[i + 1] != 0x0A for i in range(len(data) - 1))


@settings(max_examples=400, deadline=None)
@given(TEXTS, st.integers(1, 9))
def test_lone_cr_scan_is_the_definition_across_chunk_edges(text: str, size: int) -> None:
    data = text.encode("utf-8")
    scan = _LineScan()
    for start in range(0, len(data), size):
        scan.scan(data[start:start + size])
    assert scan.lone_cr == _lone_cr(data)
    assert scan.nul == (b"\x00" in data)


def _read(source: Source, encoding: Encoding, **part: int) -> tuple[list, str | None]:
    rows = []
    try:
        for row in csv_rows(source, encoding, **part):
            rows.append(row)
    except TableBroken as exc:
        return rows, f"{exc.row} {exc.detail}"
    except UnicodeDecodeError as exc:  # a wrong UTF-8 guess fails in either mode
        return rows, str(exc)
    return rows, None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(TEXTS, st.sampled_from(["utf-8", "cp1252"]), st.booleans())
def test_lf_lines_read_exactly_as_universal_newlines(tmp_path: Path, text: str, name: str,
                                                     on_disk: bool) -> None:
    data = ("angebot_id;titel\r\n" + text).encode(name)
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    source = Source(None, path, "f.csv") if on_disk else Source(data, None, "f.csv")
    for encoding in (detect_encoding(source), guess_utf8(source)):
        if encoding is None:
            continue
        assert encoding.lf_lines == (not _lone_cr(data))
        universal = replace(encoding, lf_lines=False)
        assert _read(source, encoding) == _read(source, universal)
        # The parts of a file split for two processes (both start at a line start after LF).
        for cut in [i + 1 for i, b in enumerate(data) if b == 0x0A][:3]:
            assert _read(source, encoding, start=cut, delimiter=";") == \
                _read(source, universal, start=cut, delimiter=";")
            assert _read(source, encoding, stop=cut) == _read(source, universal, stop=cut)


@pytest.mark.parametrize(("data", "lf"), [
    (b"a;b\r\nc;d\r\n", True), (b"a;b\nc;d\n", True), (b"a;b\rc;d\r", False),
    (b"a;b\r\nc;d\r", True), (b"a;\"b\rc\";d\r\n", False), (b"\xe4;b\r\nc;d\r\n", True),
    (b"\xe4;b\rc;d\r\n", False)])
def test_line_endings_of_whole_files(data: bytes, lf: bool) -> None:
    assert detect_encoding(Source(data, None, "f.csv")).lf_lines is lf
    guess = guess_utf8(Source(data, None, "f.csv"))
    assert guess is None or guess.lf_lines is lf


def test_utf16_never_splits_at_lf_alone() -> None:
    data = "a;b\r\nc;d\r\n".encode("utf-16")
    assert detect_encoding(Source(data, None, "f.csv")).lf_lines is False
