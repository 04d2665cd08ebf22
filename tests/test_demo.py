"""The demo district: deterministic, realistic, valid by the CSV rules, loadable by the CLI."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from bildungsdaten.feeds.csv_feed import stream_csv
from bildungsdaten.hub.cli import main
from bildungsdaten.hub.db import make_engine
from bildungsdaten.hub.demo.district import demo_providers, demo_records
from bildungsdaten.hub.models import Offer, OfferInstance, Provider
from bildungsdaten.validators.core import validate
from bildungsdaten.vocab.codelists import codelist, find_municipality, municipalities
from bildungsdaten.vocab.columns import COLUMNS
from bildungsdaten.vocab.records import InstanceRecord, OfferRecord, ProviderRecord

TODAY = date(2025, 10, 1)
ONLINE = {"online_live", "online_selbstlern", "hybrid", "blended", "fernunterricht"}
DCAT_LICENCES = "http://dcat-ap.de/def/licenses/"
Batches = list[tuple[ProviderRecord, list[OfferRecord]]]


@pytest.fixture(scope="module")
def batches() -> Batches:
    return list(demo_records(today=TODAY))


@pytest.fixture(scope="module")
def offers(batches: Batches) -> list[OfferRecord]:
    return [offer for _, batch in batches for offer in batch]


def instances(offers: list[OfferRecord]) -> Iterator[tuple[OfferRecord, InstanceRecord]]:
    return ((o, i) for o in offers for i in o.instances)


# --- determinism ------------------------------------------------------------------------------

def test_same_seed_and_day_give_identical_records(batches):
    assert list(demo_records(today=TODAY)) == batches


def test_another_seed_gives_other_offers(batches):
    other = list(demo_records(seed=1, today=TODAY))
    assert [o.title for _, b in other for o in b] != [o.title for _, b in batches for o in b]


def test_offer_count_is_exact_and_larger_runs_extend_smaller_ones():
    small = {o.feed_id: o for _, b in demo_records(137, today=TODAY) for o in b}
    large = {o.feed_id: o for _, b in demo_records(500, today=TODAY) for o in b}
    assert len(small) == 137 and len(large) == 500
    assert all(large[key] == offer for key, offer in small.items())


# --- coverage ---------------------------------------------------------------------------------

def test_at_least_25_providers_of_the_real_kinds(batches):
    providers = [p for p, _ in batches]
    assert len(providers) >= 25 and providers == demo_providers()
    kinds = {p.type for p in providers}
    assert {"vhs", "musikschule", "familienbildung", "bibliothek", "kita", "schule",
            "berufliche_schule", "kammer", "privater_traeger", "verein", "hochschule"} <= kinds


def test_providers_are_fictional_with_function_addresses_at_example_domains(batches):
    for provider, _ in batches:
        assert provider.email and provider.email.startswith("info@")
        assert provider.email.endswith(".example") and provider.url
        assert provider.url.startswith(f"https://{provider.slug}.example/")
        assert provider.telephone and provider.telephone.startswith("069 90009 ")


def test_a_few_providers_name_another_dcat_ap_de_licence(batches):
    licences = [p.licence for p, _ in batches]
    others = [lic for lic in licences if lic is not None]
    assert 0 < len(others) < len(licences) / 2
    assert all(lic.startswith(DCAT_LICENCES) for lic in others)


def test_default_run_has_at_least_1000_offers(offers):
    assert len(offers) >= 1000


def test_all_life_phases(offers):
    assert {p for o in offers for p in o.life_phases} == set(codelist("lebensphase").codes)


def test_all_22_municipalities_have_venues(offers):
    seen = {i.venue.ags for _, i in instances(offers) if i.venue}
    assert seen == {m.ags for m in municipalities()} and len(seen) == 22


def test_all_learning_modes(offers):
    assert {i.mode for _, i in instances(offers)} == set(codelist("lernform").codes)


def test_free_paid_on_request_and_reduced_prices(offers):
    kinds = {i.price_kind for _, i in instances(offers)}
    assert kinds == {"betrag", "kostenlos", "auf_anfrage"}
    assert any(i.reduced_price for _, i in instances(offers))


def test_past_current_and_future_offers(offers):
    ends = [(i.start_date, i.end_date or i.start_date) for _, i in instances(offers)
            if i.start_date]
    assert any(end < TODAY for _, end in ends)
    assert any(start <= TODAY <= end for start, end in ends)
    assert any(start > TODAY for start, _ in ends)


def test_quirks_of_real_data(offers):
    pairs = list(instances(offers))
    assert any(i.rolling_entry and i.start_date is None for _, i in pairs)
    assert any(i.start_date and i.end_date is None for _, i in pairs)
    assert any(all(i.venue is None and i.online_url for i in o.instances) for o in offers)
    assert any(len(o.instances) >= 2 and all(i.termin_id for i in o.instances) for o in offers)
    assert any(i.weekdays and i.start_time and i.teaching_units for _, i in pairs)


def test_language_courses_have_cefr_levels_and_children_offers_ages(offers):
    languages = [o for o in offers if o.topic == "sprachen"]
    assert languages and all(o.level in {"A1", "A2", "B1", "B2", "C1", "C2"} for o in languages)
    children = [o for o in offers if o.life_phases == ["fruehe_kindheit"]
                and o.audience_codes == ["kinder"]]
    assert any(o.min_age is not None and o.max_age is not None for o in offers)
    assert all(o.min_age is not None for o in children)


def test_funding_accessibility_and_languages_occur(offers):
    funding = {f for o in offers for f in o.funding}
    assert {"bildungsurlaub_hessen", "bildungsgutschein"} <= funding
    assert {f for _, i in instances(offers) for f in i.accessibility_features} >= {
        "rollstuhlgerecht", "leichte_sprache"}
    assert len({lang for o in offers for lang in o.languages}) >= 8


def test_titles_vary_enough_for_free_text_search(offers):
    titles = {o.title for o in offers}
    assert len(titles) > len(offers) / 2
    assert len({w for t in titles for w in t.split()}) > 300


# --- the conditional rules of offer-columns.md, for every record -------------------------------

def _start_unless_rolling(o: OfferRecord, i: InstanceRecord) -> bool:
    return i.start_date is not None or i.rolling_entry is True


def _address_for_onsite(o: OfferRecord, i: InstanceRecord) -> bool:
    if i.mode not in ("praesenz", "hybrid"):
        return True
    v = i.venue
    return bool(v and v.venue_name and v.street and v.postal_code and v.locality)


def _online_url_for_online(o: OfferRecord, i: InstanceRecord) -> bool:
    return i.mode not in ONLINE or bool(i.online_url and i.online_url.startswith("https://"))


def _azav_with_voucher(o: OfferRecord, i: InstanceRecord) -> bool:
    return not {"bildungsgutschein", "avgs"} & set(o.funding) or bool(o.azav_number)


def _end_not_before_start(o: OfferRecord, i: InstanceRecord) -> bool:
    return not (i.start_date and i.end_date) or i.end_date >= i.start_date


def _venue_in_its_municipality(o: OfferRecord, i: InstanceRecord) -> bool:
    if i.venue is None:
        return True
    place = find_municipality(i.venue.postal_code, i.venue.locality)
    return place is not None and place.ags == i.venue.ags


RULES: dict[str, Callable[[OfferRecord, InstanceRecord], bool]] = {
    "start-unless-rolling": _start_unless_rolling, "address-onsite": _address_for_onsite,
    "online-url": _online_url_for_online, "azav": _azav_with_voucher,
    "end-after-start": _end_not_before_start, "venue-municipality": _venue_in_its_municipality,
}


@pytest.mark.parametrize("rule", RULES)
def test_every_instance_keeps_the_rule(offers, rule):
    broken = [f"{o.feed_id}/{i.key}" for o, i in instances(offers) if not RULES[rule](o, i)]
    assert broken == []


def test_every_code_is_in_its_code_list_and_every_text_fits(offers):
    problems = []
    for o, i in instances(offers):
        for col in COLUMNS:
            holder = i.venue if col.level == "venue" else i if col.level == "instance" else o
            if col.level == "provider" or holder is None:
                continue
            value = getattr(holder, col.field)
            values = value if col.is_list else [value]
            for v in values:
                if col.codelist and v is not None and v not in codelist(col.codelist).codes:
                    problems.append((o.feed_id, col.name, v))
                if col.max_length and isinstance(v, str) and len(v) > col.max_length:
                    problems.append((o.feed_id, col.name, len(v)))
    assert problems == []


def test_csv_export_reimports_without_errors_or_warnings_and_unchanged(batches):
    for provider, batch in batches:
        result = validate(b"".join(stream_csv([batch], "http://hub.test")), filename="demo.csv",
                          collect=True)
        assert result.report.stats["errors"] == 0 and result.report.stats["warnings"] == 0, (
            provider.slug, result.report.to_dict()["errors"][:5])
        assert result.offers(provider) == batch


# --- the command --------------------------------------------------------------------------------

@pytest.fixture
def cli(db_url: str, tmp_path: Path) -> Callable[..., object]:
    runner = CliRunner()
    env = {"DATABASE_URL": db_url, "SECRET_KEY": "test", "HUB_INSTANCE_PATH": str(tmp_path)}

    def run(*args: str) -> object:
        return runner.invoke(main, ["demo", *args], env=env, catch_exceptions=False)
    return run


def _counts(engine: sa.engine.Engine) -> tuple[int, int, int, int]:
    with engine.connect() as conn:
        return (conn.execute(sa.select(sa.func.count()).select_from(Provider)).scalar_one(),
                conn.execute(sa.select(sa.func.count()).select_from(Offer)
                             .where(Offer.deleted.is_(False))).scalar_one(),
                conn.execute(sa.select(sa.func.count()).select_from(OfferInstance)).scalar_one(),
                conn.execute(sa.select(sa.func.max(Offer.modified))).scalar() or 0)


def test_cli_loads_the_demo_into_a_migrated_database(cli, engine):
    result = cli()
    assert result.exit_code == 0, result.output
    providers, offers, instance_rows, _ = _counts(engine)
    assert providers == len(demo_providers()) and offers == 1200 and instance_rows > offers
    today = date.today()  # without --today the dates are placed around the real today
    with engine.connect() as conn:
        firsts = list(conn.execute(sa.select(Offer.first_date)).scalars())
    assert any(d and d < today for d in firsts) and any(d and d > today for d in firsts)


def test_if_empty_loads_once_and_then_does_nothing(cli, engine):
    assert cli("--if-empty", "--offers", "300").exit_code == 0
    before = _counts(engine)
    again = cli("--if-empty", "--offers", "300")
    assert again.exit_code == 0 and "schon 300 Angebote" in again.output
    assert _counts(engine) == before


def test_reloading_the_same_demo_changes_nothing(cli, engine):
    cli("--offers", "300", "--today", "2025-10-01")
    before = _counts(engine)
    again = cli("--offers", "300", "--today", "2025-10-01")
    assert "300 unverändert" in again.output and _counts(engine) == before


def test_replace_tombstones_offers_the_smaller_demo_lacks(cli, engine):
    cli("--offers", "300", "--today", "2025-10-01")
    result = cli("--offers", "200", "--today", "2025-10-01", "--replace")
    assert "100 gelöscht" in result.output, result.output
    assert _counts(engine)[1] == 200


def test_unmigrated_database_is_refused_with_the_upgrade_hint(tmp_path):
    url = f"sqlite:///{tmp_path / 'leer.sqlite'}"
    make_engine(url).dispose()
    result = CliRunner().invoke(main, ["demo"], env={
        "DATABASE_URL": url, "SECRET_KEY": "test", "HUB_INSTANCE_PATH": str(tmp_path)})
    assert result.exit_code == 1 and "bildungsdaten db upgrade" in result.output
