"""Bounds on an XLSX before openpyxl builds objects from it (a zip whose parts can be tiny
packed and huge unpacked: 0.44 MB holding 10.5 million shared strings took 1.3 GB).

openpyxl reads the shared strings and the other small parts (styles, workbook, relations) whole
at load time; only worksheets stream. So before loading, from the zip directory and by
streaming the unpacked bytes through a tag count (never building a tree):
- the shared strings: unpacked size and number of strings (`<si>` elements);
- every other part outside xl/worksheets/: unpacked size;
- every worksheet: number of cells (`<c>` elements).
zipfile never returns more than a member's declared size, so the declared sizes bound the work.
"""
from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from typing import IO

from .errors import FileTooLarge, TooManyCells, ValidationError
from .sources import CHUNK, Source

STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
DEFAULT_STRINGS = "xl/sharedStrings.xml"
CONTENT_TYPES = "[Content_Types].xml"
SHEETS = "xl/worksheets/"
_XML_PART = (".xml", ".rels", ".vml")
# The root element's namespace prefix, if the writer used one (`<x:worksheet …>`).
_ROOT_PREFIX = re.compile(rb"<([A-Za-z_][\w.-]{0,15}):(?:worksheet|sst)\b")
_STRINGS_OVERRIDE = re.compile(
    rb"<(?:[\w.-]+:)?Override\b[^>]*?PartName=[\"']/?([^\"']+)[\"'][^>]*?ContentType=[\"']"
    + re.escape(STRINGS_TYPE.encode()) + rb"[\"']"
    rb"|<(?:[\w.-]+:)?Override\b[^>]*?ContentType=[\"']" + re.escape(STRINGS_TYPE.encode())
    + rb"[\"'][^>]*?PartName=[\"']/?([^\"']+)[\"']")


def check_xlsx(source: Source, *, max_strings: int, max_strings_bytes: int,
               max_part_bytes: int, max_sheet_cells: int) -> ValidationError | None:
    """The first bound the workbook exceeds, as the error to report, or None.

    Raises what zipfile raises for a damaged archive (the caller reports it as broken)."""
    with zipfile.ZipFile(source.open_binary()) as archive:
        infos = archive.infolist()
        types = next((i for i in infos if i.filename == CONTENT_TYPES), None)
        if types is not None and types.file_size > max_part_bytes:
            return FileTooLarge(detail="part", params={
                "part": CONTENT_TYPES, "size": types.file_size, "limit": max_part_bytes})
        strings = _strings_part(archive, {i.filename for i in infos})
        for info in infos:
            name = info.filename
            if name == strings or name.startswith(SHEETS) or not name.endswith(_XML_PART):
                continue
            if info.file_size > max_part_bytes:
                return FileTooLarge(detail="part", params={
                    "part": name, "size": info.file_size, "limit": max_part_bytes})
        if strings is not None:
            size = archive.getinfo(strings).file_size
            if size > max_strings_bytes:
                return FileTooLarge(detail="strings",
                                    params={"size": size, "limit": max_strings_bytes})
            with archive.open(strings) as stream:
                if count_tags(stream, "si", max_strings) > max_strings:
                    return TooManyCells(detail="strings", params={"limit": max_strings})
        for info in infos:
            if info.filename.startswith(SHEETS) and info.filename.endswith(".xml"):
                with archive.open(info) as stream:
                    if count_tags(stream, "c", max_sheet_cells) > max_sheet_cells:
                        sheet = info.filename.removeprefix(SHEETS)
                        return TooManyCells(detail="sheet",
                                            params={"limit": max_sheet_cells, "sheet": sheet})
    return None


def _strings_part(archive: zipfile.ZipFile, names: set[str]) -> str | None:
    """The shared strings part openpyxl will read: named in [Content_Types].xml (its size
    already checked), else the usual name."""
    if CONTENT_TYPES in names:
        types = archive.read(CONTENT_TYPES)
        found = _STRINGS_OVERRIDE.search(types)
        if found:
            part = (found.group(1) or found.group(2)).decode("utf-8", "replace")
            return part if part in names else None
    return DEFAULT_STRINGS if DEFAULT_STRINGS in names else None


def count_tags(stream: IO[bytes], tag: str, stop_after: int) -> int:
    """How many `<tag>` elements the XML stream opens (counting stops past `stop_after`).

    A byte count, not a parse: a start tag is `<tag` (or `<prefix:tag` with the root element's
    prefix) followed by a space, `>` or `/`; XML text cannot hold a raw `<`, so text never
    counts. Chunks are cut before their last `<` so no tag is split between two counts.
    """
    count = 0
    tail = b""
    patterns: tuple[bytes, ...] | None = None
    while chunk := stream.read(CHUNK):
        buffer = tail + chunk
        if patterns is None:
            patterns = _start_tags(buffer, tag)
        cut = buffer.rfind(b"<", max(len(buffer) - 32, 0))
        if cut < 0:
            cut = len(buffer)
        tail = buffer[cut:]
        count += _count(buffer[:cut], patterns)
        if count > stop_after:
            return count
    if tail and patterns is not None:
        count += _count(tail, patterns)
    return count


def _start_tags(head: bytes, tag: str) -> tuple[bytes, ...]:
    found = _ROOT_PREFIX.search(head[:4096])
    name = (found.group(1) + b":" if found else b"") + tag.encode()
    return tuple(b"<" + name + end for end in (b" ", b">", b"/", b"\t", b"\n", b"\r"))


def _count(data: bytes, patterns: Iterable[bytes]) -> int:
    return sum(data.count(p) for p in patterns)
