"""Bounded parsers: hostile files are refused quickly and in little memory (issue 11).

The files of the issue (a 19 MB CSV of one line `X;` × 9.5 million, which peaked at 4.5 GB; a
0.44 MB XLSX of 10.5 million tiny shared strings, 1.3 GB and 136 s) are made in tmp_path and
checked in a fresh process each, whose peak RSS (its own and its children's: forked or
spawned checking helpers) must stay below 300 MB, through `bildungsdaten validate` and
through a real HTTP upload to a threaded server (where the check runs in a spawned helper).
"""
from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from bildungsdaten.validators import Limits, validate
from bildungsdaten.validators.template import template_csv, template_xlsx
from tests.import_support import add_provider, add_token

CLI = Path(sys.executable).parent / "bildungsdaten"
PEAK_MB = 300
MAX_ROW_CELLS = 16_384  # Excel's column count, the bound of a row
SECONDS = 60  # both took minutes before; generous for a loaded 2-core machine

# Measures a command's peak memory from a fresh interpreter: RUSAGE_CHILDREN covers every
# descendant it waited for (the CLI and the CLI's own helpers).
CLI_PROBE = textwrap.dedent("""
    import json, resource, subprocess, sys, time
    start = time.monotonic()
    done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
    print(json.dumps({"seconds": time.monotonic() - start, "code": done.returncode,
                      "out": done.stdout, "err": done.stderr,
                      "peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
""")

# A threaded HTTP server with the hub in this fresh process; one upload; this process's peak
# and its children's (the spawned checking helper; forked from this small process, so their
# ru_maxrss, kept across exec, is this process's at most).
UPLOAD_PROBE = textwrap.dedent("""
    import json, resource, sys, threading, time, urllib.error, urllib.request
    from pathlib import Path
    from werkzeug.serving import make_server
    from bildungsdaten.hub.app import create_app
    db_url, instance, token, path, kind = sys.argv[1:]
    app = create_app({"database_url": db_url, "instance_path": Path(instance),
                      "hub_base_uri": "http://hub.test", "secret_key": "test-secret"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    data = open(path, "rb").read()
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.server_port}/api/v1/uploads?dry_run=true", data=data,
        headers={"Authorization": "Bearer " + token, "Content-Type": kind}, method="POST")
    start = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=600) as resp:
            status, body = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    seconds = time.monotonic() - start
    server.shutdown()
    # Not RUSAGE_SELF: Linux keeps ru_maxrss across exec, so it would report the test
    # process this one was forked from. VmHWM belongs to this process's own memory.
    own = next(int(line.split()[1]) for line in open("/proc/self/status")
               if line.startswith("VmHWM:"))
    peak = max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({"seconds": seconds, "status": status, "body": json.loads(body),
                      "peak_kb": peak}))
""")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def hostile_csv(path: Path) -> Path:
    path.write_bytes(b"X;" * 9_500_000)  # 19 MB: under the 20 MB upload limit
    return path


def xlsx_with_strings(path: Path, count: int, text: bytes = b"ab") -> Path:
    """A valid workbook (header row only) whose shared strings table holds `count` strings."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http:'
            '//schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'))
        archive.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.'
            'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats'
            '.org/officeDocument/2006/relationships"><sheets><sheet name="Angebote" sheetId="1"'
            ' r:id="rId1"/></sheets></workbook>'))
        archive.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http:'
            '//schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>'))
        archive.writestr("xl/worksheets/sheet1.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
            'openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
            '<c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'))
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
                       b'openxmlformats.org/spreadsheetml/2006/main" count="%d" '
                       b'uniqueCount="%d">' % (count, count))
            block = b"<si><t>" + text + b"</t></si>"
            left = count
            while left:
                n = min(left, 100_000)
                part.write(block * n)
                left -= n
            part.write(b"</sst>")
    return path


def hostile_xlsx(path: Path) -> Path:
    return xlsx_with_strings(path, 10_500_000)


def probe_cli(file: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", CLI_PROBE, str(CLI), "validate", "--format",
                           "json", str(file)], capture_output=True, text=True, timeout=600,
                          check=True)
    return json.loads(done.stdout)


def assert_quick_and_small(result: dict) -> None:
    assert result["peak_kb"] < PEAK_MB * 1024, f"peak {result['peak_kb'] // 1024} MB"
    assert result["seconds"] < SECONDS, f"{result['seconds']:.1f} s"


# --- the files of the issue, through the CLI ---------------------------------------------

def test_cli_refuses_one_line_of_millions_of_cells_quickly_in_little_memory(tmp_path) -> None:
    result = probe_cli(hostile_csv(tmp_path / "hostile.csv"))
    assert_quick_and_small(result)
    report = json.loads(result["out"])
    assert result["code"] == 1
    assert [(e["row"], e["code"]) for e in report["errors"]] == [(1, "too-many-cells")]
    assert report["errors"][0]["message"].startswith(
        f"Die Zeile hat mehr als {MAX_ROW_CELLS} Zellen")


@pytest.mark.parametrize("count, code", [
    (10_500_000, "file-too-large"),  # the file of the issue: 189 MB of strings unpacked
    (3_500_000, "too-many-cells"),  # within the size bound (60 MB), but too many strings
])
def test_cli_refuses_millions_of_shared_strings_quickly_in_little_memory(
        count, code, tmp_path) -> None:
    path = xlsx_with_strings(tmp_path / "hostile.xlsx", count)
    assert path.stat().st_size < 1024 * 1024  # small packed, like the file of the issue
    result = probe_cli(path)
    assert_quick_and_small(result)
    report = json.loads(result["out"])
    assert result["code"] == 2  # nothing of the file was read
    assert [(e["row"], e["code"]) for e in report["errors"]] == [(None, code)]
    assert "sharedStrings.xml" in report["errors"][0]["message"]


# --- the same files uploaded over HTTP to a threaded server (spawned helper) --------------

@pytest.mark.parametrize("make, kind, code", [
    (hostile_csv, "text/csv", "too-many-cells"),
    (hostile_xlsx, XLSX_TYPE, "file-too-large"),
])
def test_upload_refuses_hostile_file_quickly_in_little_memory(make, kind, code, db_url, engine,
                                                               tmp_path) -> None:
    token = add_token(engine, add_provider(engine, "kvhs"))
    file = make(tmp_path / ("hostile.xlsx" if kind == XLSX_TYPE else "hostile.csv"))
    done = subprocess.run([sys.executable, "-c", UPLOAD_PROBE, db_url, str(tmp_path / "inst"),
                           token, str(file), kind], capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert_quick_and_small(result)
    assert result["status"] == 422, result
    body = result["body"]
    assert body["valid"] is False and [e["code"] for e in body["errors"]] == [code]


# --- each bound on its own, in this process (small limits, small files) --------------------

def test_shared_strings_counted_before_openpyxl_builds_them(tmp_path) -> None:
    path = xlsx_with_strings(tmp_path / "many.xlsx", 2001, b"a")
    report = validate(path, limits=Limits(max_shared_strings=2000)).report
    assert report.flatten(["row", "code"]) == [[None, "too-many-cells"]]
    assert report.errors[0].message() == (
        "Die Excel-Datei enthält mehr als 2000 verschiedene Texte (sharedStrings.xml); so "
        "viele kann keine Angebotsdatei brauchen.")
    assert validate(path, limits=Limits(max_shared_strings=2001)).report.flatten(
        ["code"]) != [["too-many-cells"]]


def test_shared_strings_size_is_bounded(tmp_path) -> None:
    path = xlsx_with_strings(tmp_path / "big.xlsx", 10, b"x" * 1000)
    report = validate(path, limits=Limits(max_shared_strings_bytes=5000)).report
    assert report.flatten(["row", "code"]) == [[None, "file-too-large"]]
    assert not report.readable


def test_cells_per_sheet_are_counted_before_reading(tmp_path) -> None:
    report = validate(template_xlsx(), limits=Limits(max_sheet_cells=20)).report
    assert report.flatten(["row", "code"]) == [[None, "too-many-cells"]]
    assert "sheet1.xml" in report.errors[0].message()


def test_padded_cells_of_a_sheet_are_bounded_while_reading(tmp_path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Angebote"
    sheet.append(["angebot_id"])
    for row in range(2, 12):
        sheet.cell(row, 1, "A")
        sheet.cell(row, 5000, "x")  # openpyxl pads each row to its last cell
    buffer = io.BytesIO()
    book.save(buffer)
    # 21 cells on file, but 50,001 once padded: the guard while reading stops at row 11.
    report = validate(buffer.getvalue(), limits=Limits(max_sheet_cells=50_000)).report
    assert [e.code for e in report.errors if e.code == "too-many-cells"] == ["too-many-cells"]
    assert [e.row for e in report.errors if e.code == "too-many-cells"] == [11]


def test_wide_row_in_the_middle_stops_reading_there() -> None:
    head, example = template_csv().decode("utf-8-sig").split("\r\n")[:2]
    wide = ";".join(["x"] * (MAX_ROW_CELLS + 1))
    report = validate(f"{head}\r\n{example}\r\n{wide}\r\n{example}\r\n".encode()).report
    assert [[r, c] for r, c in report.flatten(["row", "code"])] == [[3, "too-many-cells"]]
    assert report.readable  # the rows before were read: exit code 1, not 2


def test_quote_open_over_many_lines_is_bounded_and_named() -> None:
    # A quote that never closes gathers the following lines into one record; it stops (as a
    # damaged file, the likely cause) before the record could hold too many cells.
    head, example = template_csv().decode("utf-8-sig").split("\r\n")[:2]
    lines = [example.replace("Englisch", f"Englisch {n}", 1) for n in range(400)]
    data = f'{head}\r\n"{lines[0]}\r\n' + "\r\n".join(lines[1:]) + "\r\n"
    report = validate(data.encode()).report
    assert report.flatten(["row", "code"]) == [[2, "unsupported-format"]]
    assert report.errors[0].message() == (
        "Die CSV-Datei ist ab hier nicht lesbar (Anführungszeichen über viele Zeilen offen); "
        "vermutlich fehlt ein schließendes Anführungszeichen.")


def test_cells_after_quoted_lines_are_bounded() -> None:
    head = template_csv().decode("utf-8-sig").split("\r\n")[0]
    record = '"a\nb"' + ";x" * (MAX_ROW_CELLS + 5)
    report = validate(f"{head}\r\n{record}\r\n".encode()).report
    assert report.flatten(["row", "code"]) == [[2, "too-many-cells"]]


def test_stray_cells_beyond_the_header_are_one_problem_per_row() -> None:
    head, example = template_csv().decode("utf-8-sig").split("\r\n")[:2]
    report = validate(f"{head}\r\n{example};x;y;z\r\n".encode()).report
    assert report.flatten(["row", "code"]) == [[2, "extra-cell"]]


def test_cli_millions_of_blank_lines_before_a_row_stay_small(tmp_path) -> None:
    head, example = template_csv().decode("utf-8-sig").split("\r\n")[:2]
    path = tmp_path / "blank.csv"
    path.write_bytes(f"{head}\r\n".encode() + b"\n" * 12_000_000 + f"{example}\r\n".encode())
    result = probe_cli(path)
    assert_quick_and_small(result)
    report = json.loads(result["out"])
    assert report["stats"]["warnings"] == 12_000_000 and report["truncated"] is True
    assert len(report["errors"]) == 1000 and report["errors"][0]["code"] == "blank-row"
