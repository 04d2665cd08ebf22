"""Checking a CSV in two processes (second half in a forked helper) gives exactly the one-pass
report, and falls back to one pass whenever the split is not clean."""
from __future__ import annotations

import csv
import io
import random
from typing import Any

import pytest

from bildungsdaten.validators import Limits, validate
from bildungsdaten.validators.template import EXAMPLE
from bildungsdaten.vocab.columns import COLUMN_NAMES

pytestmark = pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")

ID = COLUMN_NAMES.index("angebot_id")


def offers_csv(rows: int, seed: int, problems: int) -> bytes:
    """Template rows (3 per offer) with `problems` random damages: bad cells, blank rows,
    repeated rows, quoted multi-line cells, extra and missing cells, formulas, spaces."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    lines: list[list[str]] = []
    for n in range(rows):
        values = {**EXAMPLE, "angebot_id": f"A-{n // 3}", "termin_id": f"A-{n // 3}-{n % 3}",
                  "titel": f"Kurs {n // 3}", "beginn_datum": f"{1 + n % 28:02d}.09.2026",
                  "ende_datum": "30.12.2026"}
        lines.append([values.get(name, "") for name in COLUMN_NAMES])
    for _ in range(problems):
        i = rng.randrange(len(lines))
        cells = list(lines[i])
        if not cells:
            continue
        kind = rng.randrange(8)
        col = rng.randrange(len(cells))
        if kind == 0:
            cells[col] = rng.choice(["31.02.2026", "abc", "-5", "x" * 300, "19 Uhr", " 12 "])
        elif kind == 1:
            cells = [""] * len(cells)
        elif kind == 2:
            cells = list(lines[i - 1])
        elif kind == 3:
            cells[col] = 'Zeile eins\r\nZeile "zwei"; drei'
        elif kind == 4:
            cells.append("extra")
        elif kind == 5:
            cells = cells[:col]
        elif kind == 6:
            cells[col] = "=SUMME(A1)"
        else:
            cells[col] = ""
        lines[i] = cells
    writer.writerows(lines)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("seed,problems", [(1, 0), (2, 40), (3, 3000)])
def test_two_processes_give_the_one_pass_report(seed: int, problems: int) -> None:
    data = offers_csv(3000, seed, problems)
    one = validate(data, parallel=False)
    two = validate(data, parallel=True)
    assert two.processes == 2
    assert two.report.to_dict() == one.report.to_dict()


def test_row_limit_across_both_halves_falls_back_to_one_pass() -> None:
    data = offers_csv(3000, 4, 10)
    limits = Limits(max_rows=2000)
    one = validate(data, parallel=False, limits=limits)
    two = validate(data, parallel=True, limits=limits)
    assert two.processes == 1
    assert two.report.to_dict() == one.report.to_dict()
    assert "too-many-rows" in [code for _r, _c, code in one.report.flatten()]


def test_split_inside_a_quoted_cell_falls_back_to_one_pass() -> None:
    # A stray quote inside a plain cell evens the quote count where a quoted cell is open,
    # so the middle line start the splitter picks lies inside that cell.
    lines = [";".join(COLUMN_NAMES)]
    values = [EXAMPLE.get(name, "") for name in COLUMN_NAMES]
    for n in range(50):
        row = list(values)
        row[ID] = f"B-{n}"
        if n == 1:
            row[2] = 'Zoll 5"'
        if n == 2:  # most of the file: the middle lies inside this cell
            row[3] = '"Beginn' + "\r\n".join(f"Zeile {k} " * 20 for k in range(2000)) + ' Ende"'
        lines.append(";".join(row))
    data = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    one = validate(data, parallel=False)
    two = validate(data, parallel=True)
    assert two.processes == 1
    assert two.report.to_dict() == one.report.to_dict()


def test_mapped_rows_come_back_in_file_order() -> None:
    data = offers_csv(3000, 5, 0)

    def mapper() -> Any:
        return lambda rows: [r[ID] for r in rows]

    one = validate(data, parallel=False, collect=True, mapper=mapper)
    two = validate(data, parallel=True, collect=True, mapper=mapper)
    assert two.processes == 2
    assert two.mapped == one.mapped
    assert len(one.mapped) == 3000


def test_a_late_byte_that_is_not_utf8_falls_back_to_one_pass() -> None:
    # The first 64 KiB are UTF-8, a Windows-1252 "ä" near the end is not: the halves read
    # strictly as UTF-8 and fail, and the one pass detects the encoding of the whole file.
    text = offers_csv(3000, 6, 0)
    cut = len(text) - 2000
    data = text[:cut] + "Kurs für Anfänger".encode("cp1252") + text[cut:]
    one = validate(data, parallel=False)
    two = validate(data, parallel=True)
    assert two.processes == 1
    assert two.report.to_dict() == one.report.to_dict()
