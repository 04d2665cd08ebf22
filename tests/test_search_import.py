"""Uploads keep the search index: a streamed import (new offers written while the file is
still checked, hub.offers.stream) indexes what it writes, a replacement drops what it
tombstones, and an invalid file changes nothing in the index either."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bildungsdaten.hub.db import make_sessionmaker
from bildungsdaten.hub.offers.importer import import_file
from bildungsdaten.hub.settings import load_settings
from bildungsdaten.validators.template import EXAMPLE
from bildungsdaten.vocab.columns import COLUMN_NAMES
from tests.import_support import add_provider
from tests.test_search_text import search


def upload(titles: dict[str, str], bad: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    for angebot_id, title in titles.items():
        row = dict(EXAMPLE, angebot_id=angebot_id, termin_id=f"{angebot_id}-1", titel=title,
                   anmeldeschluss="", beginn_datum="01.03.2027", ende_datum="01.04.2027")
        if bad:
            row["beginn_datum"] = "31.02.2027"
        writer.writerow([row[name] for name in COLUMN_NAMES])
    return out.getvalue().encode("utf-8")


def test_imports_keep_the_index(engine: Engine, db_url: str, tmp_path: Path) -> None:
    sessions = make_sessionmaker(engine)
    settings = load_settings({"database_url": db_url, "secret_key": "t",
                              "instance_path": tmp_path})
    pid = add_provider(engine, "vhs", "Volkshochschule Lorsch")

    def run(data: bytes, mode: str = "replace") -> str:
        return import_file(sessions, settings, pid, data, filename="a.csv", mode=mode,
                           fork=False).status

    assert run(upload({"a": "Töpferkurse am Abend", "b": "Führungen im Kloster"})) == "done"
    assert search(engine, "Töpferkurs") == ["vhs/a"]
    assert search(engine, "fuehrung kloster") == ["vhs/b"]
    assert search(engine, "Volkshochschule Lorsch") == ["vhs/a", "vhs/b"]
    assert run(upload({"b": "Führungen im Kloster", "c": "Yoga"})) == "done"  # a: tombstone
    assert search(engine, "Töpferkurs") == []
    assert search(engine, "yoga") == ["vhs/c"]
    assert run(upload({"d": "Malen"}, bad=True)) == "invalid"
    assert search(engine, "malen") == []
    with engine.connect() as conn:
        indexed = conn.execute(sa.text("SELECT count(*) FROM offer_search")).scalar_one()
    assert indexed == 2
