"""A search as a subscription: /angebote.ics (read back by `icalendar`) and /angebote.atom
(read back by `feedparser`) list exactly what the API finds, keep their identities, change
exactly where an offer changed, and cache like the other feeds."""
from __future__ import annotations

from typing import Any

import feedparser
import icalendar
import pytest

from bildungsdaten.hub.db import make_sessionmaker, transaction
from bildungsdaten.hub.offers.store import ensure_provider, load_offer, write_offers
from tests.demo_district import load_demo

BASE = "http://hub.test"
SEARCHES = ["", "life_phase=senioren", "municipality=06431002&mode=praesenz",
            "life_phase=schule&q=kurs"]


@pytest.fixture
def district(app: Any, client: Any) -> Any:
    load_demo(app, offers=300)
    return client


def api_offers(client: Any, query: str) -> list[dict[str, Any]]:
    url: str | None = f"/api/v1/offers?limit=500&{query}"
    items: list[dict[str, Any]] = []
    while url:
        body = client.get(url).get_json()
        items += body["items"]
        url = body["next"][len(BASE):] if body["next"] else None
    return items


def calendar(client: Any, query: str) -> icalendar.Calendar:
    resp = client.get(f"/angebote.ics?{query}")
    assert resp.status_code == 200
    assert resp.mimetype == "text/calendar"
    return icalendar.Calendar.from_ical(resp.data)


def events(cal: icalendar.Calendar) -> dict[str, icalendar.Event]:
    found = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert len(found) == len(cal.walk("VEVENT")), "UIDs must be unique"
    return found


@pytest.mark.parametrize("query", SEARCHES)
def test_calendar_has_one_event_per_dated_instance_of_the_api_results(district: Any,
                                                                      query: str) -> None:
    offers = api_offers(district, query)
    assert offers
    dated = [(o["id"], i) for o in offers for i in o["instances"] if i["start_date"]]
    found = events(calendar(district, query))
    assert len(found) == len(dated)
    assert {uid.split("#")[0] for uid in found} == {oid for oid, _ in dated}
    cancelled = {uid for uid, e in found.items() if str(e["STATUS"]) == "CANCELLED"}
    assert len(cancelled) == sum(1 for _, i in dated if i["status"] == "abgesagt")


def test_calendar_times_are_berlin_local_with_its_timezone(district: Any) -> None:
    cal = calendar(district, "")
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    timed = [e for e in cal.walk("VEVENT") if hasattr(e["DTSTART"].dt, "hour")]
    assert timed
    assert all(str(e["DTSTART"].dt.tzinfo) == "Europe/Berlin" for e in timed)


@pytest.mark.parametrize("query", SEARCHES)
def test_atom_has_one_entry_per_offer_of_the_api_results(district: Any, query: str) -> None:
    offers = api_offers(district, query)
    resp = district.get(f"/angebote.atom?{query}")
    assert resp.status_code == 200
    assert resp.mimetype == "application/atom+xml"
    feed = feedparser.parse(resp.data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    expected = [f"{BASE}/offers/{o['id']}" for o in offers]
    entries = [e.id for e in feed.entries]
    # The same offers, each once; the API orders them by date (or relevance), the feed by id.
    assert len(entries) == len(set(entries))
    assert sorted(entries) == sorted(expected)
    assert feed.feed.links[0].href.startswith(BASE + "/angebote.atom")


def test_a_changed_offer_changes_exactly_its_entry_and_events(app: Any, district: Any) -> None:
    before_atom = {e.id: e.updated for e in feedparser.parse(
        district.get("/angebote.atom").data).entries}
    before_ical = {uid: e.to_ical() for uid, e in events(calendar(district, "")).items()}
    first = api_offers(district, "")[5]
    slug, angebot_id = first["id"].split("/", 1)
    sessions = make_sessionmaker(app.extensions["hub"].engine)
    with transaction(sessions) as session:
        record = load_offer(session, slug, angebot_id)
        assert record is not None and record.instances
        record.title = record.title + " (neu)"
        write_offers(session, ensure_provider(session, record.provider), [record])
    after_atom = {e.id: e.updated for e in feedparser.parse(
        district.get("/angebote.atom").data).entries}
    after_ical = {uid: e.to_ical() for uid, e in events(calendar(district, "")).items()}
    changed = {k for k in before_atom if before_atom[k] != after_atom[k]}
    assert changed == {f"{BASE}/offers/{first['id']}"}
    assert set(before_ical) == set(after_ical)
    changed_events = {uid.split("#")[0] for uid in before_ical
                      if before_ical[uid] != after_ical[uid]}
    assert changed_events == {first["id"]}


@pytest.mark.parametrize("path", ["/angebote.ics", "/angebote.atom"])
def test_subscriptions_revalidate_to_304_and_are_open_to_other_origins(district: Any,
                                                                       path: str) -> None:
    first = district.get(f"{path}?life_phase=senioren")
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age" in first.headers["Cache-Control"]
    again = district.get(f"{path}?life_phase=senioren",
                         headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("path", ["/angebote.ics", "/angebote.atom"])
@pytest.mark.parametrize("query, parameter", [("life_phase=rentner", "life_phase"),
                                              ("farbe=blau", "farbe"),
                                              ("municipality=99999999", "municipality")])
def test_a_bad_filter_is_a_problem_naming_it(client: Any, path: str, query: str,
                                             parameter: str) -> None:
    resp = client.get(f"{path}?{query}")
    assert resp.status_code == 400
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json()["parameter"] == parameter
