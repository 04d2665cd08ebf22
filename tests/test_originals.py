"""Uploaded files are stored compressed where that helps and always given back byte for byte."""
from __future__ import annotations

import os

import pytest

from bildungsdaten.hub.offers.originals import PackInBackground, pack, unpack
from tests.import_support import add_provider, add_token, add_upload, auth, fixture_bytes


def test_csv_is_compressed_and_comes_back_exactly():
    data = fixture_bytes("valid_cp1252.csv") * 20
    stored, compression = pack(data)
    assert compression == "zlib" and len(stored) < len(data) // 4
    assert unpack(stored, compression) == data


def test_incompressible_files_stay_as_uploaded():
    data = os.urandom(50_000)  # like an XLSX, deflated already: nothing left to gain
    assert pack(data) == (data, None)
    assert pack(b"") == (b"", None)


def test_unknown_compression_is_refused():
    with pytest.raises(ValueError, match="unknown compression"):
        unpack(b"abc", "brotli")


def test_background_packing_gives_the_same_result():
    data = fixture_bytes("valid_changed.csv") * 50
    assert PackInBackground(data).result() == pack(data)


def test_rows_stored_before_compression_are_served_as_they_are(client, engine):
    pid = add_provider(engine, "kvhs")
    upload_id = add_upload(engine, pid, original=b"a;b", filename="alt.csv")
    resp = client.get(f"/api/v1/uploads/{upload_id}/original",
                      headers=auth(add_token(engine, pid)))
    assert resp.status_code == 200 and resp.data == b"a;b"
