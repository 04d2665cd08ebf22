"""Checking in a forked helper that hands over mapped batches as they are made gives the same
report and items as plain validate(), stops handing over items at the first error, breaks
loudly (StreamBroken) when the helper dies, and leaves no child process behind."""
from __future__ import annotations

import csv
import functools
import io
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bildungsdaten.hub.offers.rows import Preparer, row_mapper
from bildungsdaten.validators import Limits, validate
from bildungsdaten.validators.core import BATCH
from bildungsdaten.validators.parallel import MIN_BYTES
from bildungsdaten.validators.stream import (
    Batch,
    StreamBroken,
    check_stream,
    should_fork,
    should_spawn,
)
from bildungsdaten.validators.template import EXAMPLE, template_xlsx
from bildungsdaten.vocab.columns import COLUMN_NAMES
from tests.support import unavailable
from tests.test_validators_parallel import offers_csv

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

ID = COLUMN_NAMES.index("angebot_id")
FIXTURES = Path(__file__).parent / "fixtures" / "uploads"


def spread_csv(rows: int, offers: int, example: dict[str, str] | None = None) -> bytes:
    """Template rows where row n belongs to offer n % `offers`: an offer's rows lie `offers`
    rows apart, in different batches (its course fields agree, its termin_id differs)."""
    base = example or EXAMPLE
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    for n in range(rows):
        offer = n % offers
        values = {**base, "angebot_id": f"A-{offer}", "termin_id": f"A-{offer}-{n // offers}",
                  "titel": f"Kurs {offer}", "beginn_datum": f"{1 + n % 28:02d}.09.2026",
                  "ende_datum": "30.12.2026"}
        writer.writerow([values.get(name, "") for name in COLUMN_NAMES])
    return out.getvalue().encode("utf-8")


def ids() -> Callable[[list[Any]], list[Any]]:
    """A pure mapper: each typed row's angebot_id."""
    return lambda rows: [r[ID] for r in rows]


def hub_mapper() -> Callable[[list[Any]], list[Any]]:
    """The hub's mapper (stateful: an offer's course values only at its first row)."""
    return Preparer(sa.create_engine("sqlite://").dialect).map_rows


def counts(batches: list[Batch]) -> list[tuple[int, int, int]]:
    return [(len(b.items), b.rows, b.errors) for b in batches]


def child_pid_written(path: Path, mapper: Callable[[list[Any]], list[Any]]) -> Callable[[], Any]:
    """A mapper factory that notes the pid of the process it runs in (the helper)."""
    def factory() -> Callable[[list[Any]], list[Any]]:
        path.write_text(str(os.getpid()))
        return mapper
    return factory


def assert_gone(pid: int) -> None:
    """`pid` neither runs nor waits to be reaped, and this process has no child left."""
    assert pid != os.getpid()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # a zombie would still accept signal 0
    try:
        assert os.waitpid(-1, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        pass
    assert not [t for t in threading.enumerate() if t.name == "check-stream-reader"]


@pytest.fixture
def single_threaded() -> Iterator[None]:
    """A fork is refused while other threads run; wait briefly for leftovers of other tests."""
    deadline = time.monotonic() + 5
    for thread in threading.enumerate():
        if thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))
    others = [t.name for t in threading.enumerate() if t is not threading.current_thread()]
    assert "check-stream-reader" not in others  # left by an earlier stream: ours to fix
    if others:
        unavailable(f"other threads run ({others}): forking is refused in this process")
    yield


def test_valid_multi_batch_csv_matches_plain_validate(single_threaded: None) -> None:
    data = spread_csv(4500, 1500)  # every offer has rows 1,500 rows apart
    # Below MIN_BYTES plain validate checks in one pass, as the helper does: the stateful
    # mapper sees every row (a split would make one mapper per half).
    assert len(data) < MIN_BYTES
    plain = validate(data, collect=True, mapper=hub_mapper)
    assert plain.processes == 1
    assert plain.valid and plain.report.rows == 4500 and plain.report.offers == 1500
    assert len(plain.mapped) == 4500
    assert plain.mapped[1500][1] is None  # a later row of an offer: course values not again

    with check_stream(data, mapper=hub_mapper, fork=True) as stream:
        assert stream.forked
        with pytest.raises(RuntimeError):
            stream.result  # noqa: B018 - only after all batches
        batches = list(stream.batches())
        forked = stream.result
    assert len(batches) > 1
    assert [b.rows for b in batches] == [*range(BATCH, 4500, BATCH), 4500]
    assert all(b.errors == 0 for b in batches)
    assert [i for b in batches for i in b.items] == plain.mapped
    assert forked.report.to_dict() == plain.report.to_dict()
    assert forked.processes == 2

    with check_stream(data, mapper=hub_mapper, fork=False) as stream:
        assert not stream.forked
        batches = list(stream.batches())
        local = stream.result
    assert counts(batches) == [(4500, 4500, 0)]
    assert batches[0].items == plain.mapped
    assert local.report.to_dict() == plain.report.to_dict()


@pytest.mark.parametrize("damage", ["bad-date-row-3001", "row-limit-2500"])
def test_no_items_from_the_batch_with_the_first_error_on(damage: str,
                                                         single_threaded: None) -> None:
    data = spread_csv(5000, 1700)
    limits = Limits()
    if damage == "bad-date-row-3001":
        lines = data.split(b"\r\n")
        lines[3000] = lines[3000].replace(b"30.12.2026", b"31.02.2026")  # Excel row 3001
        data = b"\r\n".join(lines)
        first_bad = 3000  # the data row with the first error
    else:
        limits = Limits(max_rows=2500)
        first_bad = 2500  # the error comes with the last batch, rows 2049-2500
    plain = validate(data, collect=True, mapper=ids, lang="en", limits=limits)
    assert not plain.valid and plain.report.errors

    with check_stream(data, mapper=ids, lang="en", limits=limits, fork=True) as stream:
        assert stream.forked
        batches = list(stream.batches())
        result = stream.result
    assert result.report.to_dict() == plain.report.to_dict()
    assert result.report.to_dict()["errors"] == plain.report.to_dict()["errors"]
    clean = [b for b in batches if b.rows < first_bad]
    assert len(clean) == (first_bad - 1) // BATCH == 2
    assert all(b.errors == 0 and len(b.items) == BATCH for b in clean)
    assert [i for b in clean for i in b.items] == plain.mapped[:len(clean) * BATCH]
    rest = batches[len(clean):]
    assert rest and all(b.items == [] and b.errors > 0 for b in rest)
    assert rest[-1].rows == plain.report.rows

    with check_stream(data, mapper=ids, lang="en", limits=limits, fork=False) as stream:
        batches = list(stream.batches())
        assert counts(batches) == [(0, plain.report.rows, plain.report.error_count)]
        assert stream.result.report.to_dict() == plain.report.to_dict()


def many_rows_xlsx(rows: int) -> bytes:
    """The template's example row `rows` times (offers repeat 600 rows apart)."""
    from openpyxl import Workbook, load_workbook

    example = [c.value for c in load_workbook(io.BytesIO(template_xlsx()))["Angebote"][2]]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Angebote")
    sheet.append(list(COLUMN_NAMES))
    for n in range(rows):
        row = list(example)
        row[ID] = f"X-{n % 600}"
        row[COLUMN_NAMES.index("termin_id")] = f"X-{n}"
        row[COLUMN_NAMES.index("titel")] = f"Kurs {n % 600}"
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("name,fork", [("template", True), ("template", False),
                                       ("fixture", True), ("fixture", False),
                                       ("1100-rows", True)])
def test_xlsx_goes_through_the_stream(name: str, fork: bool, single_threaded: None) -> None:
    data = {"template": template_xlsx,
            "fixture": (FIXTURES / "angebote.xlsx").read_bytes,
            "1100-rows": lambda: many_rows_xlsx(1100)}[name]()
    with check_stream(data, filename="angebote.xlsx", mapper=hub_mapper, fork=fork) as stream:
        assert stream.forked is fork
        # Meanwhile (the helper already checks) the plain check in this process.
        plain = validate(data, filename="angebote.xlsx", collect=True, mapper=hub_mapper)
        assert plain.valid and plain.mapped
        batches = list(stream.batches())
        assert stream.result.report.to_dict() == plain.report.to_dict()
    assert [i for b in batches for i in b.items] == plain.mapped
    assert batches[-1].rows == plain.report.rows
    if fork:  # one batch per BATCH rows
        assert len(batches) == -(-plain.report.rows // BATCH)


def test_a_mapper_failing_in_the_helper_breaks_the_stream(tmp_path: Path,
                                                          single_threaded: None) -> None:
    calls = 0

    def failing_from_the_third_batch(rows: list[Any]) -> list[Any]:
        nonlocal calls
        calls += 1
        if calls >= 3:
            raise RuntimeError("mapper kaputt")
        return [r[ID] for r in rows]

    data = spread_csv(5000, 1700)
    pid_file = tmp_path / "pid"
    seen: list[Batch] = []
    with check_stream(data, mapper=child_pid_written(pid_file, failing_from_the_third_batch),
                      fork=True) as stream:
        assert stream.forked
        with pytest.raises(StreamBroken):
            for batch in stream.batches():
                seen.append(batch)
        with pytest.raises(RuntimeError):
            stream.result  # noqa: B018 - a broken stream has no result
    assert counts(seen) == [(BATCH, BATCH, 0), (BATCH, 2 * BATCH, 0)]
    assert calls == 0  # the mapper ran in the helper only
    assert_gone(int(pid_file.read_text()))


def ascii_then_cp1252() -> bytes:
    """More than 70 KiB of plain ASCII rows, then a row with a Windows-1252 "ä"."""
    example = {k: v.encode("ascii", "replace").decode() for k, v in EXAMPLE.items()}
    lines = spread_csv(200, 70, example).split(b"\r\n")
    assert all(line.isascii() for line in lines)
    cut = next(n for n in range(len(lines)) if len(b"\r\n".join(lines[:n])) > 70 * 1024)
    lines[cut] = lines[cut].replace(b"Raum 3", b"Raum f\xfcr Anf\xe4nger")
    assert b"\xe4" in lines[cut]
    return b"\r\n".join(lines)


def venue_names() -> Callable[[list[Any]], list[Any]]:
    """A pure mapper: each typed row's ort_name."""
    column = COLUMN_NAMES.index("ort_name")
    return lambda rows: [r[column] for r in rows]


def test_a_late_byte_that_is_not_utf8_breaks_the_fork_but_not_one_process(
        single_threaded: None) -> None:
    data = ascii_then_cp1252()
    plain = validate(data, collect=True, mapper=venue_names)
    assert plain.report.rows == 200
    assert "vhs-Haus Heppenheim, Raum für Anfänger" in plain.mapped  # read as Windows-1252
    with check_stream(data, mapper=venue_names, fork=True) as stream:
        assert stream.forked
        with pytest.raises(StreamBroken):
            list(stream.batches())
    with check_stream(data, mapper=venue_names, fork=False) as stream:
        batches = list(stream.batches())
        assert stream.result.report.to_dict() == plain.report.to_dict()
    assert counts(batches) == [(200, 200, 0)]
    assert batches[0].items == plain.mapped


def test_leaving_early_stops_the_helper(tmp_path: Path, single_threaded: None) -> None:
    calls = 0

    def stuck_after_the_first_batch(rows: list[Any]) -> list[Any]:
        nonlocal calls
        calls += 1
        if calls > 1:
            time.sleep(60)  # the helper would still run when the caller leaves
        return [r[ID] for r in rows]

    data = spread_csv(5000, 1700)
    pid_file = tmp_path / "pid"
    started = time.monotonic()
    with check_stream(data, mapper=child_pid_written(pid_file, stuck_after_the_first_batch),
                      fork=True) as stream:
        assert stream.forked
        for batch in stream.batches():
            assert (len(batch.items), batch.rows) == (BATCH, BATCH)
            break
        pid = int(pid_file.read_text())
        os.kill(pid, 0)  # still running
    assert time.monotonic() - started < 5
    assert_gone(pid)
    with pytest.raises(RuntimeError):
        stream.result  # noqa: B018 - given up: no result


def test_a_sink_gets_the_mapped_items_batch_by_batch() -> None:
    data = offers_csv(3000, 7, 0)
    with pytest.raises(ValueError):
        validate(data, mapper=ids, sink=lambda items, rows, errors: None)  # no collect
    with pytest.raises(ValueError):
        validate(data, collect=True, sink=lambda items, rows, errors: None)  # no mapper
    plain = validate(data, collect=True, mapper=ids)
    got: list[tuple[list[Any], int, int]] = []
    result = validate(data, collect=True, mapper=ids,
                      sink=lambda items, rows, errors: got.append((items, rows, errors)))
    assert result.mapped == []
    assert result.processes == 1
    assert result.report.to_dict() == plain.report.to_dict()
    assert [rows for _i, rows, _e in got] == [1024, 2048, 3000]
    assert [errors for _i, _r, errors in got] == [0, 0, 0]
    assert [i for items, _r, _e in got for i in items] == plain.mapped
    assert len(plain.mapped) == 3000


def test_should_fork(single_threaded: None) -> None:
    small = offers_csv(30, 8, 0)
    assert len(small) < MIN_BYTES
    assert should_fork(small, None, False) is False
    assert should_fork(small, None, None) is False
    assert should_fork(small, None, True) is True
    big = spread_csv(5000, 1700)
    assert len(big) >= MIN_BYTES
    assert should_fork(big, None, False) is False
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert should_fork(big, None, None) is ((cores or 1) >= 2)
    with check_stream(small, mapper=ids) as stream:
        assert not stream.forked
        assert counts(list(stream.batches())) == [(30, 30, 0)]

    # Another thread running (a threaded web server): even fork=True checks in this process.
    release = threading.Event()
    other = threading.Thread(target=release.wait, name="busy-server-thread")
    other.start()
    try:
        assert should_fork(small, None, True) is False
        with check_stream(small, mapper=ids, fork=True) as stream:
            assert not stream.forked
            assert counts(list(stream.batches())) == [(30, 30, 0)]
            assert stream.result.valid
    finally:
        release.set()
        other.join()
    assert should_fork(small, None, True) is True


@pytest.fixture
def busy_server() -> Iterator[None]:
    """Another thread runs, as in a threaded web server: forking is not safe."""
    release = threading.Event()
    other = threading.Thread(target=release.wait, name="busy-server-thread")
    other.start()
    yield
    release.set()
    other.join()


def test_threaded_process_spawns_a_helper_interpreter(busy_server: None) -> None:
    data = spread_csv(3000, 1000)
    mapper = functools.partial(row_mapper, "sqlite+pysqlite")  # importable by name
    plain = validate(data, collect=True, mapper=mapper)
    with check_stream(data, mapper=mapper, fork=True, spawn=True) as stream:
        assert stream.helper == "spawn"
        batches = list(stream.batches())
    assert counts(batches) == [(1024, 1024, 0), (1024, 2048, 0), (952, 3000, 0)]
    assert [i for b in batches for i in b.items] == plain.mapped
    assert stream.result.report.to_dict() == plain.report.to_dict()


def test_spawned_helper_that_fails_breaks_the_stream(busy_server: None) -> None:
    text = spread_csv(3000, 1000).decode().translate(
        str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "–": "-", "€": "EUR"}))
    data = (text + text.splitlines()[-1].replace("Kurs", "Kurs für") + "\r\n").encode(
        "cp1252")  # ASCII until the last row: the helper reads it as UTF-8 and fails there
    with check_stream(data, mapper=functools.partial(row_mapper, "sqlite+pysqlite"),
                      fork=True, spawn=True) as stream:
        assert stream.helper == "spawn"
        with pytest.raises(StreamBroken):
            list(stream.batches())
    assert stream._proc is not None and stream._proc.returncode not in (None, 0)


def test_closures_do_not_travel_to_a_helper_interpreter(busy_server: None) -> None:
    data = spread_csv(1500, 500)
    with check_stream(data, mapper=lambda: (lambda rows: rows), fork=True, spawn=True) as stream:
        assert stream.helper is None
        assert counts(list(stream.batches())) == [(1500, 1500, 0)]


def test_should_spawn_only_for_large_files() -> None:
    from bildungsdaten.validators.stream import SPAWN_MIN_BYTES
    small = spread_csv(100, 10)
    assert should_spawn(small, None, None) is False
    assert should_spawn(small, None, True) is True
    assert should_spawn(small, None, False) is False
    assert should_spawn(b"x" * SPAWN_MIN_BYTES, "a.csv", None) is True
