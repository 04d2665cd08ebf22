"""The quality score: the pure rule (hub.offers.quality) and the counts the database gives it
(hub.offers.quality_queries) for a provider computed by hand (tests/workspace_sample.py)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from bildungsdaten.hub.offers.quality import (
    ProviderFacts,
    UploadCheck,
    file_quality,
    freshness,
    quality_score,
)
from bildungsdaten.hub.offers.quality_queries import expiry_lists, offer_groups, provider_counts
from bildungsdaten.hub.offers.store import write_offers
from tests.demo_district import TODAY
from tests.workspace_sample import EXPECTED_SCORE, PROBE, _offer, store_probe


@pytest.mark.parametrize(("days", "share"), [(0, 1.0), (30, 1.0), (60, 0.8), (105, 0.5),
                                             (179, 1 / 150), (180, 0.0), (400, 0.0)])
def test_freshness_is_full_for_30_days_then_falls_to_zero_at_180(days, share):
    assert freshness(TODAY - timedelta(days=days), TODAY) == pytest.approx(share)


def test_no_import_and_no_checked_file_give_zero():
    assert freshness(None, TODAY) == 0.0
    assert file_quality(None) == 0.0


def test_file_quality_weighs_four_warnings_as_one_error_and_stops_at_zero():
    assert file_quality(UploadCheck(rows=10, errors=1, warnings=2)) == pytest.approx(0.85)
    assert file_quality(UploadCheck(rows=8, errors=0, warnings=4)) == pytest.approx(0.875)
    assert file_quality(UploadCheck(rows=2, errors=5, warnings=0)) == 0.0
    assert file_quality(UploadCheck(rows=0, errors=0, warnings=0)) == 1.0


def test_score_components_add_up_to_the_hand_computed_total():
    facts = ProviderFacts(offers=3, groups_present=15, accessible=2,
                          last_import=TODAY - timedelta(days=60),
                          last_check=UploadCheck(10, 1, 2))
    score = quality_score(facts, TODAY)
    assert [(c.key, c.weight) for c in score.components] == [
        ("completeness", 40), ("accessibility", 20), ("freshness", 20), ("file_quality", 20)]
    assert [round(c.points, 2) for c in score.components] == [33.33, 13.33, 16.0, 17.0]
    assert score.total == EXPECTED_SCORE
    assert "15 von 18" in score.components[0].explanation


def test_a_provider_without_offers_or_uploads_scores_zero():
    assert quality_score(ProviderFacts(0, 0, 0, None, None), TODAY).total == 0


def test_database_counts_of_the_constructed_provider(engine):
    ids = store_probe(engine, TODAY)
    with Session(engine) as session:
        rows = {r.slug: r for r in provider_counts(session, TODAY)}
        one = provider_counts(session, TODAY, ids["probe"])
    probe = rows["probe"]
    assert probe.facts == ProviderFacts(
        offers=3, groups_present=15, accessible=2, last_import=TODAY - timedelta(days=60),
        last_check=UploadCheck(rows=10, errors=1, warnings=2))
    assert (probe.past, probe.expiring, probe.last_upload) == (1, 1, TODAY - timedelta(days=1))
    assert probe.groups == {"accessibility": 2, "contact": 3, "prices": 3, "funding": 2,
                            "coordinates": 3, "prerequisites": 2}
    assert quality_score(probe.facts, TODAY).total == EXPECTED_SCORE
    assert one == [probe]  # one provider alone counts the same
    other = rows["andere"].facts
    assert (other.offers, other.groups_present, other.last_import) == (1, 6, None)
    assert other.last_check == UploadCheck(4, 2, 0)


def test_what_each_offer_lacks(engine):
    ids = store_probe(engine, TODAY)
    with Session(engine) as session:
        from bildungsdaten.hub.models import Offer

        offer_ids = dict(session.query(Offer.angebot_id, Offer.id).filter(
            Offer.provider_id == ids["probe"]))
        groups = offer_groups(session, list(offer_ids.values()))
    assert groups[offer_ids["voll"]] == dict.fromkeys(groups[offer_ids["voll"]], True)
    assert {k for k, v in groups[offer_ids["halb"]].items() if not v} == {
        "accessibility", "funding", "prerequisites"}


def test_expiry_lists_at_a_fixed_today_with_their_edges(engine):
    ids = store_probe(engine, TODAY)
    edges = [_offer(PROBE, name, name, TODAY + timedelta(days=days), True)
             for name, days in (("heute", 0), ("tag-14", 14), ("tag-15", 15))]
    with Session(engine) as session, session.begin():
        write_offers(session, ids["probe"], edges)
    with Session(engine) as session:
        past, soon = expiry_lists(session, ids["probe"], TODAY)
        later_past, _ = expiry_lists(session, ids["probe"], date(2099, 1, 1))
        other_past, other_soon = expiry_lists(session, ids["other"], TODAY)
    assert [o.angebot_id for o in past] == ["halb"]
    assert [o.angebot_id for o in soon] == ["heute", "voll", "tag-14"]
    # Latest first; the tombstone "weg" never shows up.
    assert [o.angebot_id for o in later_past] == ["weit", "tag-15", "tag-14", "voll", "heute",
                                                  "halb"]
    assert (other_past, [o.angebot_id for o in other_soon]) == ([], [])
