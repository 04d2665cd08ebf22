"""The full snapshots /feeds/offers.csv and /feeds/offers.jsonld are rendered once per feed
version into a stored file and served from it (issue 11: eight concurrent downloads of the
CSV rendered it eight times, 83 s each): over real HTTP, across processes, with ETag/304,
Last-Modified, Content-Length and ranges."""
from __future__ import annotations

import fcntl
import gzip
import subprocess
import sys
import threading
from typing import Any

import pytest
import requests

from bildungsdaten.hub.jobs.scheduler import run_job
from bildungsdaten.hub.offers.exports import EXPORTS, FOLDER
from bildungsdaten.hub.offers.snapshot_files import RENDERS
from tests.feed_data import MUSIK, simple_offer, write

PATHS = {"csv": "/feeds/offers.csv", "jsonld": "/feeds/offers.jsonld"}
CONCURRENT = 8


@pytest.fixture
def offers(engine):
    write(engine, [simple_offer(f"K-{i}", title=f"Kurs {i}") for i in range(300)])
    write(engine, [simple_offer("M-1", provider=MUSIK)])


def _hub(app: Any) -> Any:
    return app.extensions["hub"]


def _streamed(app: Any, kind: str) -> bytes:
    """The bytes as the feed streamed them per request before (the same generators)."""
    return b"".join(EXPORTS[kind].chunks(_hub(app)))


def _renders(kind: str) -> int:
    return RENDERS[EXPORTS[kind].name]


def _stored_files(app: Any) -> list[str]:
    return sorted(p.name for p in (_hub(app).settings.instance_path / FOLDER).iterdir()
                  if not p.name.startswith("."))


def _download_at_once(url: str, count: int) -> list[requests.Response]:
    """`count` downloads started at the same moment, half of them asking for gzip."""
    barrier = threading.Barrier(count)
    answers: list[Any] = [None] * count

    def fetch(i: int) -> None:
        encoding = "gzip" if i % 2 else "identity"
        barrier.wait()
        answers[i] = requests.get(url, headers={"Accept-Encoding": encoding}, timeout=60)

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.mark.parametrize("kind", ["csv", "jsonld"])
def test_concurrent_downloads_render_once(app, live_server, offers, kind):
    before = _renders(kind)
    answers = _download_at_once(live_server + PATHS[kind], CONCURRENT)
    assert [a.status_code for a in answers] == [200] * CONCURRENT
    assert _renders(kind) - before == 1
    expected = _streamed(app, kind)
    assert all(a.content == expected for a in answers)  # requests unpacks the gzip copies
    # The feed's own streamed rendering: every offer has a stamp >= 0, so this filter keeps all.
    streamed = requests.get(live_server + PATHS[kind] + "?modified_since=0", timeout=60)
    assert streamed.content == expected and _renders(kind) - before == 1
    assert {a.headers.get("Content-Encoding") for a in answers} == {"gzip", None}
    assert len({a.headers["ETag"] for a in answers}) == 2  # one tag per encoding


@pytest.mark.parametrize("kind", ["csv", "jsonld"])
def test_stored_snapshot_has_validators_length_and_ranges(live_server, offers, kind):
    url = live_server + PATHS[kind]
    plain = {"Accept-Encoding": "identity"}
    first = requests.get(url, headers=plain, timeout=30)
    tag = first.headers["ETag"]
    assert tag.startswith('"') and not tag.startswith("W/")  # strong
    assert int(first.headers["Content-Length"]) == len(first.content)
    assert first.headers["Last-Modified"] and first.headers["Accept-Ranges"] == "bytes"
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert first.headers["Content-Type"] in ("text/csv; charset=utf-8", "application/ld+json")
    assert first.headers.get("Content-Disposition") in ('inline; filename=angebote.csv', None)
    again = requests.get(url, headers={**plain, "If-None-Match": tag}, timeout=30)
    assert (again.status_code, again.content, again.headers["ETag"]) == (304, b"", tag)
    since = requests.get(url, headers={
        **plain, "If-Modified-Since": first.headers["Last-Modified"]}, timeout=30)
    assert since.status_code == 304
    part = requests.get(url, headers={**plain, "Range": "bytes=100-199"}, timeout=30)
    assert part.status_code == 206 and part.content == first.content[100:200]
    packed = requests.get(url, headers={"Accept-Encoding": "gzip"}, stream=True, timeout=30)
    raw = packed.raw.read(decode_content=False)
    assert packed.headers["Content-Encoding"] == "gzip" and gzip.decompress(raw) == first.content
    assert packed.headers["ETag"] != tag and int(packed.headers["Content-Length"]) == len(raw)


def test_a_changed_offer_gives_a_new_version_and_drops_the_old(app, client, engine, offers):
    first = client.get("/feeds/offers.csv")
    before = _renders("csv")
    assert client.get("/feeds/offers.csv").data == first.data and _renders("csv") == before
    write(engine, [simple_offer("K-7", title="Kurs 7 – neuer Titel")])
    second = client.get("/feeds/offers.csv")
    assert _renders("csv") == before + 1
    assert second.headers["ETag"] != first.headers["ETag"]
    assert "Kurs 7 – neuer Titel".encode() in second.data
    assert second.data == _streamed(app, "csv")
    assert client.get("/feeds/offers.csv", headers={
        "If-None-Match": first.headers["ETag"]}).status_code == 200
    assert len(_stored_files(app)) == 2  # the new plain and gzip copies, nothing older


def test_while_one_request_renders_others_get_the_previous_snapshot(app, client, engine,
                                                                    offers):
    old = client.get("/feeds/offers.csv")
    write(engine, [simple_offer("K-1", title="geändert")])
    lock = _hub(app).settings.instance_path / FOLDER / ".offers-csv.lock"
    with open(lock, "a+b") as handle:  # as a rendering in another process holds it
        fcntl.flock(handle, fcntl.LOCK_EX)
        during = client.get("/feeds/offers.csv")
    assert during.data == old.data and during.headers["ETag"] == old.headers["ETag"]
    after = client.get("/feeds/offers.csv")
    assert "geändert".encode() in after.data


def test_filtered_snapshots_still_stream(app, client, offers):
    before = _renders("csv")
    resp = client.get("/feeds/offers.csv?provider=musikschule")
    assert resp.status_code == 200 and resp.data.count(b"\r\n") == 2  # header + M-1
    assert client.get("/feeds/offers.csv?bom=1").data.startswith("\ufeff".encode())
    assert _renders("csv") == before
    assert not (_hub(app).settings.instance_path / FOLDER).exists()


def test_scheduler_job_renders_ahead_of_the_first_download(app, client, offers):
    assert run_job(app, "render-exports") == ["csv", "jsonld"]
    assert run_job(app, "render-exports") == []  # nothing changed since
    before = (_renders("csv"), _renders("jsonld"))
    assert client.get("/feeds/offers.csv").status_code == 200
    assert client.get("/feeds/offers.jsonld").status_code == 200
    assert (_renders("csv"), _renders("jsonld")) == before


# A worker process: waits for the start file, then asks for the CSV snapshot of the feed
# version now, and prints how often it rendered and the digest it got.
WORKER = """
import sys, time
from pathlib import Path
from bildungsdaten.hub.app import create_app
from bildungsdaten.hub.offers.exports import current_version, stored_export
from bildungsdaten.hub.offers.snapshot_files import RENDERS
db_url, instance, start = sys.argv[1:]
app = create_app({"database_url": db_url, "instance_path": Path(instance),
                  "hub_base_uri": "http://hub.test", "secret_key": "test-secret"})
hub = app.extensions["hub"]
print("ready", flush=True)
while not Path(start).exists():
    time.sleep(0.01)
stored = stored_export(hub, "csv", current_version(hub))
print(RENDERS["offers-csv"], stored.digest)
"""


def test_worker_processes_share_one_rendering(app, db_url, offers, tmp_path):
    instance = str(_hub(app).settings.instance_path)
    start = tmp_path / "start"
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, db_url, instance, str(start)],
                                stdout=subprocess.PIPE, text=True) for _ in range(3)]
    for worker in workers:  # all three have imported the hub: they start at one moment
        assert worker.stdout is not None and worker.stdout.readline() == "ready\n"
    start.touch()
    results = [worker.communicate(timeout=120)[0].split() for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0, 0]
    assert sum(int(renders) for renders, _digest in results) == 1
    assert len({digest for _renders, digest in results}) == 1
