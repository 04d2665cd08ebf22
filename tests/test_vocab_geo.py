"""The reference geography shipped in vocab/data: population and boundaries of the district."""
from __future__ import annotations

from bildungsdaten.vocab.codelists import municipality_by_ags
from bildungsdaten.vocab.geo import district_population, municipality_boundaries, population_by_ags


def test_population_covers_every_municipality_and_sums_to_the_census_total() -> None:
    assert set(population_by_ags()) == set(municipality_by_ags())
    assert district_population() == 271_617


def test_boundaries_have_one_feature_per_municipality() -> None:
    features = municipality_boundaries()["features"]
    assert {f["properties"]["ags"] for f in features} == set(municipality_by_ags())
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)
