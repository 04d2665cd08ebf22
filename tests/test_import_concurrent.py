"""Two uploads of one provider at the same time are serialised: both succeed, and the
provider ends with exactly one file's offers (never a mix, never a unique-key error)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from tests.import_support import add_provider, add_token, auth, live_offers, offers_csv


def test_concurrent_uploads_of_one_provider_are_serialised(live_server, engine):
    pid = add_provider(engine, "kvhs")
    token = add_token(engine, pid)
    files = [offers_csv(range(0, 400)), offers_csv(range(200, 600), title="Spanisch B1")]

    def send(data: bytes) -> int:
        return requests.post(f"{live_server}/api/v1/uploads", data=data, timeout=120,
                             headers={**auth(token), "Content-Type": "text/csv"}).status_code

    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(send, files)) == [200, 200]
    live = sorted(live_offers(engine, pid))
    assert live in (sorted(f"K{i}" for i in range(0, 400)),
                    sorted(f"K{i}" for i in range(200, 600)))
