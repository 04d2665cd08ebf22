"""A CSV reader in C (pyarrow.csv): the data rows of a file as columns of Python strings.

Optional (`validate(..., arrow=True)`, pyarrow installed): it reads the records the csv module
reads (tables.csv_rows), numbered alike, and gives them column by column, so the column passes
of `RowChecker.check_columns` need no per-row Python work to split and transpose cells. Where it
cannot vouch for reading exactly what csv_rows reads it raises ArrowUnfit and the caller checks
the file again with csv_rows: a record with another cell count than the header (ragged rows,
a quote left open), a cell over tables.FIELD_LIMIT, any parse or decode error.
"""
from __future__ import annotations

from collections.abc import Iterator

from .sources import Encoding, Source
from .tables import FIELD_LIMIT

BLOCK = 1 << 20  # bytes parsed at once: memory stays flat in the number of rows


class ArrowUnfit(Exception):
    """The file needs the csv module (tables.csv_rows) to be read exactly."""


def arrow_available() -> bool:
    try:
        import pyarrow.csv  # noqa: F401
    except ImportError:
        return False
    return True


def fits(encoding: Encoding) -> bool:
    """Encodings read alike by pyarrow: strict UTF-8 (BOM too) and the single-byte ones;
    not a lossy decode (U+FFFD per bad byte), not NUL bytes, not UTF-16."""
    return (not encoding.lossy and not encoding.nul
            and encoding.name in ("utf-8", "utf-8-sig", "cp1252", "iso-8859-15"))


def arrow_columns(source: Source, encoding: Encoding, *, delimiter: str, skip_lines: int,
                  width: int, first_number: int, rows: int
                  ) -> Iterator[tuple[int, list[list[str]]]]:
    """(number of the first row, columns) of up to `rows` records at a time, from the line
    after the first `skip_lines` physical lines (all quote-free: one record each), every
    record `width` cells. Raises ArrowUnfit (see the module)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    names = [f"c{i}" for i in range(width)]

    read = pcsv.ReadOptions(
        encoding="utf8" if encoding.name in ("utf-8", "utf-8-sig") else encoding.name,
        block_size=BLOCK, skip_rows=skip_lines, use_threads=False, column_names=names)
    parse = pcsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                              escape_char=False, newlines_in_values=True,
                              ignore_empty_lines=False)  # a ragged row raises ArrowInvalid
    convert = pcsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                  strings_can_be_null=False, quoted_strings_can_be_null=False)
    stream = source.open_binary()
    number = first_number
    waiting: list[list[str]] = [[] for _ in names]  # rows of the last block short of a chunk
    try:
        try:
            reader = pcsv.open_csv(stream, read_options=read, parse_options=parse,
                                   convert_options=convert)
            for batch in reader:
                if max((pc.max(pc.utf8_length(c)).as_py() or 0 for c in batch.columns),
                       default=0) > FIELD_LIMIT:
                    raise ArrowUnfit("cell over the field limit")
                start = 0
                if waiting[0]:
                    start = min(rows - len(waiting[0]), batch.num_rows)
                    head = batch.slice(0, start)
                    for kept, column in zip(waiting, head.columns, strict=True):
                        kept.extend(column.to_pylist())
                    if len(waiting[0]) < rows:
                        continue
                    yield number, waiting
                    number += rows
                    waiting = [[] for _ in names]
                for offset in range(start, batch.num_rows, rows):
                    part = batch.slice(offset, rows)
                    columns = [c.to_pylist() for c in part.columns]
                    if part.num_rows < rows:
                        waiting = columns
                        break
                    yield number, columns
                    number += rows
            if waiting[0]:
                yield number, waiting
        except (pa.ArrowException, UnicodeDecodeError) as exc:
            raise ArrowUnfit(str(exc)) from None
    finally:
        stream.close()
