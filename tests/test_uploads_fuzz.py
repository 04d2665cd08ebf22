"""Random bytes and mutated files through the API: never a 500, always a report or a problem,
and a rejected upload never changes the database."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.import_support import add_provider, add_token, auth, fixture_bytes, offers_snapshot

CONTENT_TYPES = ["text/csv", "application/octet-stream", "text/plain",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ""]
VALID = fixture_bytes("valid_cp1252.csv")
CHANGED = fixture_bytes("valid_changed.csv")
XLSX = fixture_bytes("valid.xlsx")


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A real upload with a few random edits: cut, insert, replace bytes, repeat lines."""
    data = bytearray(draw(st.sampled_from([VALID, CHANGED, XLSX])))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["cut", "insert", "flip", "dup", "delim"]))
        if kind == "cut":
            del data[pos:pos + draw(st.integers(1, 200))]
        elif kind == "insert":
            data[pos:pos] = draw(st.sampled_from([
                b";", b"\r\n", b'"', b"=SUMME(A1)", "ä€".encode("cp1252"), b"\x00", b"\xff\xfe",
                b"31.02.2027", b"kostenlos", b"\t"]))
        elif kind == "flip" and data:
            data[min(pos, len(data) - 1)] = draw(st.integers(0, 255))
        elif kind == "dup":
            lines = bytes(data).split(b"\r\n")
            lines.insert(min(pos % (len(lines) or 1), len(lines)), lines[pos % len(lines)])
            data = bytearray(b"\r\n".join(lines))
        else:
            data = bytearray(bytes(data).replace(b";", b",", draw(st.integers(1, 5))))
    return bytes(data)


@pytest.fixture
def kvhs(engine):
    pid = add_provider(engine, "kvhs")
    return pid, add_token(engine, pid)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=st.one_of(st.binary(max_size=3000), mutated()),
       content_type=st.sampled_from(CONTENT_TYPES),
       mode=st.sampled_from(["replace", "upsert"]), dry_run=st.booleans())
def test_any_upload_answers_a_report_and_rejects_without_change(client, engine, kvhs, body,
                                                                 content_type, mode, dry_run):
    before = offers_snapshot(engine)
    resp = client.post(f"/api/v1/uploads?mode={mode}&dry_run={str(dry_run).lower()}",
                       data=body, headers={**auth(kvhs[1]), "Content-Type": content_type})
    assert resp.status_code in (200, 422), resp.get_data(as_text=True)[:500]
    report = resp.get_json()
    assert {"valid", "stats", "errors", "truncated", "upload_id"} <= set(report)
    assert report["valid"] is (resp.status_code == 200)
    if resp.status_code != 200 or dry_run:
        assert offers_snapshot(engine) == before
