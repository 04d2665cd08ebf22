"""Where the bytes come from and what they are: size, format sniffing by content, encoding.

A source is either bytes in memory or a path read in chunks (large files never load whole).
"""
from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .bytescan import _UTF8_MULTI, has_any, has_utf8_multi, singles  # noqa: F401 - the pattern is the reference
from .survey_shapes import is_survey_archive, is_survey_structure

CHUNK = 1 << 20

# _UTF8_MULTI: valid UTF-8 multi-byte sequences; beside invalid bytes they mean mixed encodings.
_C1 = re.compile(rb"[\x80-\x9f]")
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
# Bytes where ISO-8859-15 differs from Windows-1252 (€ Š š Ž ž Œ œ Ÿ at 0xA4…0xBE).
_LATIN9_ONLY = re.compile(rb"[\xa4\xa6\xa8\xb4\xb8\xbc\xbd\xbe]")
# The same byte classes as needles for bytescan.has_any (the patterns stay as the reference).
_C1_BYTES = singles(bytes(range(0x80, 0xA0)))
_CP1252_UNDEFINED_BYTES = singles(b"\x81\x8d\x8f\x90\x9d")
_LATIN9_ONLY_BYTES = singles(b"\xa4\xa6\xa8\xb4\xb8\xbc\xbd\xbe")


@dataclass
class Source:
    """The uploaded file: bytes in memory or a path on disk."""

    data: bytes | None
    path: Path | None
    filename: str | None

    @classmethod
    def of(cls, source: bytes | str | os.PathLike[str], filename: str | None) -> Source:
        if isinstance(source, (bytes, bytearray, memoryview)):
            return cls(bytes(source), None, filename)
        path = Path(source)
        return cls(None, path, filename or path.name)

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else self.path.stat().st_size  # type: ignore[union-attr]

    def head(self, n: int = 65536) -> bytes:
        if self.data is not None:
            return self.data[:n]
        with open(self.path, "rb") as f:  # type: ignore[arg-type]
            return f.read(n)

    def open_binary(self) -> IO[bytes]:
        if self.data is not None:
            return io.BytesIO(self.data)
        return open(self.path, "rb")  # type: ignore[arg-type]

    def chunks(self) -> Iterator[bytes]:
        if self.data is not None:
            yield self.data
            return
        with self.open_binary() as f:
            while chunk := f.read(CHUNK):
                yield chunk


# --- format sniffing ----------------------------------------------------------------------

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls"),
    (b"\x89PNG", "image"), (b"\xff\xd8\xff", "image"), (b"GIF87a", "image"),
    (b"GIF89a", "image"), (b"BM", "image"), (b"II*\x00", "image"), (b"MM\x00*", "image"),
    (b"\x1f\x8b", "binary"), (b"Rar!", "binary"), (b"7z\xbc\xaf", "binary"),
)


def sniff_format(source: Source) -> str:
    """"csv", "xlsx", "openqcat", "ics" or the kind of unsupported file ("pdf", "zip", …)."""
    from .ics import looks_like_ics
    from .openqcat import looks_like_openqcat

    head = source.head(8192)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(source)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image"
    if looks_like_ics(head) or (source.filename or "").lower().endswith((".ics", ".ical")):
        return "ics"  # by content; an .ics name that is no calendar is reported as such
    if looks_like_openqcat(head):
        return "openqcat"  # any encoding: UTF-8, ISO-8859-1/-15, UTF-16 with or without BOM
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "csv"  # UTF-16 text with BOM (Excel's "Unicode text")
    if b"\x00" in head[:1024] or head.count(b"\x00") * 100 > len(head):
        return "binary"  # a stray NUL further on is reported at its row instead
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:20].lower()
    if start.startswith((b"<?xml", b"<!doctype", b"<html", b"<svg")):
        if is_survey_structure(head):
            return "survey-structure"
        # An .xml upload is read as open-Qcat: a bomb in its DOCTYPE or another root element
        # is then reported as such, not as "save it as CSV".
        xml = (source.filename or "").lower().endswith(".xml")
        return "openqcat" if xml and not start.startswith(b"<html") else "markup"
    return "csv"


def _zip_kind(source: Source) -> str:
    try:
        with zipfile.ZipFile(source.open_binary()) as archive:
            names = set(archive.namelist())
    except Exception:  # noqa: BLE001 - untrusted input: zipfile raises many kinds (NotImplementedError, …)
        return "zip"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    if "content.xml" in names and "mimetype" in names:
        return "ods"
    if is_survey_archive(names):
        return "survey-archive"
    return "zip"


def inflated_size(source: Source) -> int:
    """The declared unpacked size of a ZIP (zipfile never inflates beyond it)."""
    with zipfile.ZipFile(source.open_binary()) as archive:
        return sum(info.file_size for info in archive.infolist())


# --- encoding -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Encoding:
    """How to decode a text file; `lossy` means bad bytes became U+FFFD (row errors follow)."""

    name: str
    lossy: bool = False
    nul: bool = False  # NUL bytes occur: rows are checked for them (binary garbage)
    # Every CR is followed by LF (or ends the file): lines split at LF alone are the lines of
    # universal newlines, and TextIOWrapper finds them with memchr instead of testing every
    # character for CR as well (newline="" cost ~40 % of reading the lines).
    lf_lines: bool = False

    @property
    def newline(self) -> str:
        """The `newline` of open(): "\n" where it reads the same lines as "" (see lf_lines)."""
        return "\n" if self.lf_lines else ""


def detect_encoding(source: Source) -> Encoding:
    """UTF-8 (with or without BOM), UTF-16 (BOM), else Windows-1252 or ISO-8859-15."""
    head = source.head(4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Encoding("utf-16", lossy=not _decodes(source, "utf-16"), nul=True)
    if head.startswith(b"\xef\xbb\xbf"):
        return Encoding("utf-8-sig", not _decodes(source, "utf-8-sig"), *_nul_and_lf(source))
    if _decodes(source, "utf-8"):
        return Encoding("utf-8", False, *_nul_and_lf(source))
    multi = c1 = undefined = latin9 = False
    lines = _LineScan()
    for chunk in source.chunks():  # the patterns above, scanned in C (bytescan)
        lines.scan(chunk)  # in the same pass: the file is read once more, not twice
        multi = multi or has_utf8_multi(chunk)
        c1 = c1 or has_any(chunk, _C1_BYTES)
        undefined = undefined or has_any(chunk, _CP1252_UNDEFINED_BYTES)
        latin9 = latin9 or has_any(chunk, _LATIN9_ONLY_BYTES)
    nul, lf = lines.result()
    if multi:  # mostly UTF-8 with stray single bytes
        return Encoding("utf-8", lossy=True, nul=nul, lf_lines=lf)
    if c1:
        return Encoding("cp1252", lossy=undefined, nul=nul, lf_lines=lf)
    return Encoding("iso-8859-15" if latin9 else "cp1252", nul=nul, lf_lines=lf)


_CR_NOT_LF = re.compile(rb"\r(?!\n)")


class _LineScan:
    """What a byte stream, read chunk by chunk, holds for reading its lines: NUL bytes, and a
    CR not followed by LF (a line end of its own under universal newlines); a CR as the
    stream's last byte ends the last line under either newline mode and does not count.
    Bytes, so only for encodings where 0x0D and 0x0A are always CR and LF (not UTF-16)."""

    def __init__(self) -> None:
        self.nul = False
        self.lone_cr = False
        self.open_cr = False  # the previous chunk ended with a CR

    def scan(self, chunk: bytes) -> None:
        self.nul = self.nul or b"\x00" in chunk
        if self.lone_cr or not chunk:
            return
        if self.open_cr and chunk[:1] != b"\n":
            self.lone_cr = True
            return
        match = _CR_NOT_LF.search(chunk)
        self.open_cr = match is not None and match.start() == len(chunk) - 1
        self.lone_cr = match is not None and not self.open_cr

    def result(self) -> tuple[bool, bool]:
        """(NUL bytes occur, lines may split at LF alone)."""
        return self.nul, not self.lone_cr


def _nul_and_lf(source: Source) -> tuple[bool, bool]:
    """(NUL bytes occur, lines may split at LF alone), in one pass over the file."""
    lines = _LineScan()
    for chunk in source.chunks():
        lines.scan(chunk)
    return lines.result()


def guess_utf8(source: Source) -> Encoding | None:
    """UTF-8 (with or without BOM) if the first 64 KiB decode as UTF-8, else None; the rest
    of the file is then only proven UTF-8 by a strict reader (detect_encoding reads it all)."""
    sample = source.head(65536)
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    import codecs

    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample)  # a cut character may follow
    except UnicodeDecodeError:
        return None
    return Encoding("utf-8-sig" if sample.startswith(b"\xef\xbb\xbf") else "utf-8", False,
                    *_nul_and_lf(source))


def _decodes(source: Source, encoding: str) -> bool:
    import codecs

    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for chunk in source.chunks():
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def open_text(source: Source, encoding: Encoding, start: int = 0,
              stop: int | None = None) -> IO[str]:
    """The source (or its bytes start:stop) as a text stream with raw line endings."""
    errors = "replace" if encoding.lossy else "strict"
    if source.data is not None:
        data = source.data if start == 0 and stop is None else source.data[start:stop]
        # Decoded as it is read, not all at once: the first rows are ready at once and the
        # whole file reads twice as fast as through one str and a StringIO.
        return io.TextIOWrapper(io.BufferedReader(io.BytesIO(data), CHUNK),
                                encoding=encoding.name, errors=errors, newline=encoding.newline)
    if start == 0 and stop is None:
        return open(source.path, encoding=encoding.name, errors=errors,  # type: ignore[arg-type]
                    newline=encoding.newline)
    if stop is None:
        # A file object over FileIO, not _Window: TextIOWrapper checks a FileIO's `closed`
        # directly, a Python raw's through a property call on every line (~7 % of reading).
        rest = open(source.path, "rb")  # type: ignore[arg-type]  # noqa: SIM115
        rest.seek(start)
        return io.TextIOWrapper(rest, encoding=encoding.name, errors=errors,
                                newline=encoding.newline)
    window = io.BufferedReader(_Window(open(source.path, "rb"), start, stop), CHUNK)  # type: ignore[arg-type]
    return io.TextIOWrapper(window, encoding=encoding.name, errors=errors,
                            newline=encoding.newline)


class _Window(io.RawIOBase):
    """Bytes start:stop of an open file, read in place (a part of a large file)."""

    def __init__(self, raw: IO[bytes], start: int, stop: int | None) -> None:
        raw.seek(start)
        self.raw = raw
        self.left = None if stop is None else stop - start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self.left is not None:
            view = view[:self.left]
        n = self.raw.readinto(view) or 0  # type: ignore[attr-defined]
        if self.left is not None:
            self.left -= n
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


def quote_balanced_split(source: Source, near: int) -> int | None:
    """A byte offset at a line start after `near` with an even number of quote characters
    before it (so, in a well-formed CSV, between two records), or None."""
    count = 0
    pos = 0
    head = b""
    for chunk in source.chunks():
        if pos + len(chunk) <= near:
            count += chunk.count(b'"')
            pos += len(chunk)
            continue
        head = chunk[max(near - pos, 0):]
        count += chunk.count(b'"', 0, max(near - pos, 0))
        pos = max(near, pos)
        break
    # Look at most a few thousand lines on for a line start outside quotes.
    offset = 0
    for _ in range(5000):
        newline = head.find(b"\n", offset)
        if newline < 0:
            return None
        count += head.count(b'"', offset, newline + 1)
        offset = newline + 1
        if count % 2 == 0:
            return pos + offset if offset < len(head) else None
    return None
