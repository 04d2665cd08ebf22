"""The demo district: a deterministic, realistic set of fictional providers and their offers.

`demo_records(offers, seed, today)` yields one batch of offers per provider. The same seed and
`today` always give the same records; dates are placed relative to `today` so the demo always
has past, current and future offers. Every record satisfies the conditional rules of the offers
CSV (start date unless rolling entry, address for on-site modes, online URL for online modes,
AZAV number with Bildungsgutschein/AVGS, end not before start).
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, time, timedelta
from decimal import Decimal

from ...vocab.codelists import Municipality, municipalities
from ...vocab.records import (
    PRICE_AMOUNT,
    PRICE_FREE,
    PRICE_ON_REQUEST,
    InstanceRecord,
    OfferRecord,
    ProviderRecord,
    VenueRecord,
)
from .data import (
    GUEST_VENUES,
    PRICE_NOTES,
    PROVIDERS,
    REDUCED_NOTES,
    SCHEDULE_NOTES,
    STREETS,
    ProviderSpec,
    Theme,
)
from .schedule import SCHEDULES, TITLE_SCHEDULES, Schedule, align, end_date
from .themes import LANGUAGE_CODES, LEVEL_LABELS, THEMES

ONLINE_MODES = frozenset({"online_live", "online_selbstlern", "hybrid", "blended",
                          "fernunterricht"})
VENUE_MODES = frozenset({"praesenz", "hybrid", "blended"})
AZAV_FUNDING = frozenset({"bildungsgutschein", "avgs"})
INFO_WORDS = ("Infoabend", "Informationsabend", "Studieninfotag", "Schnupper")
BILDUNGSURLAUB_NOTE = "als Bildungsurlaub nach dem Hessischen Bildungsurlaubsgesetz anerkannt"


def demo_providers(seed: int = 0) -> list[ProviderRecord]:
    """The demo district's fictional providers (the same for every seed)."""
    return [
        ProviderRecord(slug=p.slug, name=p.name, type=p.type, url=f"https://{p.slug}.example/",
                       email=f"info@{p.slug}.example", telephone=f"069 90009 {n:03d}",
                       licence=p.licence)
        for n, p in enumerate(PROVIDERS, start=100)
    ]


def demo_records(offers: int = 1200, seed: int = 0, today: date | None = None
                 ) -> Iterator[tuple[ProviderRecord, list[OfferRecord]]]:
    """Yield (provider, its offers) for every demo provider; `offers` offers in total."""
    today = today or date.today()
    counts = _allocate(offers, [p.weight for p in PROVIDERS])
    for spec, provider, count in zip(PROVIDERS, demo_providers(seed), counts, strict=True):
        # One stream per provider, so each provider's offers do not depend on the others.
        maker = _OfferMaker(random.Random(f"{seed}/{spec.slug}"), spec, provider, today)
        yield provider, [maker.offer(n) for n in range(1, count + 1)]


def _allocate(total: int, weights: list[float]) -> list[int]:
    """Split `total` by `weights` (largest remainder, ties to the earlier provider)."""
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[:total - sum(counts)]:
        counts[i] += 1
    return counts


class _OfferMaker:
    """Builds one provider's offers from its themes with its own random stream."""

    def __init__(self, rng: random.Random, spec: ProviderSpec, provider: ProviderRecord,
                 today: date) -> None:
        self.rng, self.spec, self.provider, self.today = rng, spec, provider, today
        self.domain = f"{spec.slug}.example"
        self.places = municipalities()
        self.home = next(m for m in self.places if m.ags == spec.home)
        self.venues: dict[str, VenueRecord] = {}

    def offer(self, number: int) -> OfferRecord:
        rng, theme_key = self.rng, self.rng.choice(self.spec.themes)
        theme = THEMES[theme_key]
        aid = f"{self.spec.prefix}-{number:05d}"
        level = rng.choice(theme.levels) if theme.levels else None
        subject = rng.choice(theme.subjects)
        templates = [t for t in theme.titles if level or "{n}" not in t]
        title = self._fill(rng.choice(templates), subject, level)
        info = any(w in title for w in INFO_WORDS)
        mode = rng.choice(theme.modes)
        hinted = next((key for words, key in TITLE_SCHEDULES if words in title), None)
        sched_key = rng.choice(theme.schedules)
        if hinted:
            sched_key = hinted
            if mode == "online_selbstlern":  # a title naming meeting times is not self-paced
                mode = "online_live"
        if info:
            sched_key = "einmalig"
        if "(Fernstudium)" in title:
            mode = "fernunterricht"
        if mode == "online_selbstlern":
            sched_key = "selbstlern"
        elif sched_key == "selbstlern" and mode != "fernunterricht":
            mode = "online_selbstlern"
        schedule = SCHEDULES[sched_key]
        languages = self._languages(theme_key, subject)
        if languages == ["en"]:
            title += " (in English)"
        funding = self._funding(theme, theme_key, sched_key, info)
        record = OfferRecord(
            angebot_id=aid, title=title[:200], description="", provider=self.provider,
            keywords=self._keywords(theme, subject), url=f"https://{self.domain}/angebote/{aid.lower()}",
            image_url=f"https://{self.domain}/bilder/{theme_key}.jpg" if rng.random() < 0.15 else None,
            life_phases=self._phases(theme), topic=theme.topic,
            offer_form=self._form(theme, sched_key, info),
            kursnet_code=theme.kursnet if theme.kursnet and rng.random() < 0.6 else None,
            contact_email=rng.choice((f"info@{self.domain}", f"anmeldung@{self.domain}")),
            contact_phone=self.provider.telephone, audience=theme.audience_text,
            audience_codes=sorted(rng.sample(theme.audience, rng.randint(1, len(theme.audience)))),
            level=level, languages=languages, funding=funding,
            azav_number=(f"{rng.randint(900, 999)}/{rng.randint(1000, 9999)}/{rng.randint(21, 25)}"
                         if AZAV_FUNDING & set(funding) else None),
            funding_note=BILDUNGSURLAUB_NOTE if "bildungsurlaub_hessen" in funding else None,
            date_modified=self.today - timedelta(days=rng.randint(0, 120)),
        )
        self._credential(record, theme, theme_key, subject, level, info)
        self._ages(record, theme, title)
        record.prerequisites = self._prerequisites(theme, level)
        record.instances = self._instances(record, theme, schedule, mode, info)
        record.description = self._description(theme, subject, record)
        return record

    # --- course level ------------------------------------------------------------------------

    @staticmethod
    def _fill(template: str, subject: str, level: str | None) -> str:
        label = LEVEL_LABELS.get(level, level) if level else ""
        return " ".join(template.format(s=subject, n=label).split())

    def _languages(self, theme_key: str, subject: str) -> list[str]:
        rng = self.rng
        if theme_key == "sprache":
            return [LANGUAGE_CODES[subject], "de"]
        if theme_key == "gebaerde":
            return ["gsg", "de"]
        if theme_key == "integration":
            return ["de", "ar", "uk", "tr"]
        if theme_key in ("edv", "hochschule") and rng.random() < 0.08:
            return ["en"]
        return ["de"]

    def _keywords(self, theme: Theme, subject: str) -> list[str]:
        words = [subject.split(" (")[0], *self.rng.sample(theme.keywords, 2)]
        return list(dict.fromkeys(w for w in words if w))

    def _phases(self, theme: Theme) -> list[str]:
        phases = [theme.phases[0]]
        if len(theme.phases) > 1 and self.rng.random() < 0.35:
            phases.append(theme.phases[1])
        return phases

    def _form(self, theme: Theme, sched_key: str, info: bool) -> str:
        if info:
            return "vortrag" if self.rng.random() < 0.5 else "beratung"
        if sched_key in ("einmalig", "samstag") and theme.form == "kurs":
            return self.rng.choice(("workshop", "vortrag", "seminar"))
        return theme.form

    def _funding(self, theme: Theme, theme_key: str, sched_key: str, info: bool) -> list[str]:
        if info:
            return []
        funding = [f for f in theme.funding if self.rng.random() < 0.45]
        if sched_key == "bildungsurlaub" and theme_key not in ("schule", "sport_kinder"):
            funding.append("bildungsurlaub_hessen")
        return funding

    def _credential(self, record: OfferRecord, theme: Theme, theme_key: str, subject: str,
                    level: str | None, info: bool) -> None:
        rng = self.rng
        if info:
            record.credential_type = "keiner"
            return
        record.credential_type = theme.credential
        if theme_key == "sprache":
            if rng.random() < 0.25:  # some language courses end with an external exam
                record.credential_type = "zertifikat_extern"
                record.credential_name = self._fill(theme.credential_name or "", subject, level)
                record.examining_body = "telc gGmbH"
            return
        if theme.credential_name:
            record.credential_name = self._fill(theme.credential_name, subject, level)[:200]
        record.examining_body = theme.examining_body
        if theme.ects:
            record.ects = Decimal(rng.choice(theme.ects))

    def _ages(self, record: OfferRecord, theme: Theme, title: str) -> None:
        if theme.ages is None:
            return
        low, high = theme.ages
        if high >= 99:  # open upwards: only offers for children name an age range
            if "Kinder" not in title and self.rng.random() < 0.6:
                return
            record.min_age = self.rng.randint(low, low + 4)
            return
        record.min_age = self.rng.randint(low, max(low, (low + high) // 2))
        record.max_age = min(high, record.min_age + self.rng.randint(1, 6))

    def _prerequisites(self, theme: Theme, level: str | None) -> str | None:
        cefr = ("A1", "A2", "B1", "B2", "C1", "C2")
        if level in cefr[1:]:
            return f"Kenntnisse auf Niveau {cefr[cefr.index(level) - 1]}"
        if level == "einsteiger":
            return "Keine Vorkenntnisse nötig"
        return theme.prerequisites if self.rng.random() < 0.5 else None

    def _description(self, theme: Theme, subject: str, record: OfferRecord) -> str:
        rng = self.rng
        picked = sorted(rng.sample(range(len(theme.sentences)),
                                   min(len(theme.sentences), rng.randint(2, 4))))
        text = [theme.sentences[i].format(s=subject) for i in picked]
        first = record.instances[0]
        if first.venue and first.venue.locality:
            text.append(f"Veranstaltungsort: {(first.venue.venue_name or '').split(',')[0]}.")
        elif first.mode in ONLINE_MODES:
            text.append("Die Zugangsdaten erhalten Sie nach der Anmeldung per E-Mail.")
        if first.sessions and first.sessions > 1:
            text.append(f"Insgesamt {first.sessions} Termine.")
        return " ".join(text)[:4000]

    # --- instances ---------------------------------------------------------------------------

    def _instances(self, record: OfferRecord, theme: Theme, schedule: Schedule, mode: str,
                   info: bool) -> list[InstanceRecord]:
        rng = self.rng
        runs = 1
        if not schedule.rolling:
            runs = rng.choices((1, 2, 3), weights=(80, 14, 6))[0]
        place = self._municipality()
        days = self._days(schedule)
        times = rng.choice(schedule.times) if schedule.times else None
        sessions = rng.randint(*schedule.sessions) if schedule.sessions[1] else None
        start = self._first_start(schedule, sessions, days)
        out = []
        for run in range(runs):
            if run and rng.random() < 0.3:
                place = self._municipality()
            inst = self._instance(schedule, mode, start, days, times, sessions, place, theme)
            if runs > 1 or rng.random() < 0.6:
                inst.termin_id = f"{record.angebot_id}-{'ABC'[run]}"
            out.append(inst)
            if start is not None:
                start = align((inst.end_date or start) + timedelta(days=rng.randint(7, 35)),
                               days)
        price = self._price(theme, info, out[0].teaching_units)
        for inst in out:
            inst.price, inst.price_kind, inst.reduced_price, inst.price_note = price
        return out

    def _instance(self, schedule: Schedule, mode: str, start: date | None, days: list[str],
                  times: tuple[int, int, int, int] | None, sessions: int | None,
                  place: Municipality, theme: Theme) -> InstanceRecord:
        rng = self.rng
        end = end_date(start, schedule, sessions) if start else None
        if schedule.rhythm == "einmalig" and rng.random() < 0.25:
            end = None  # providers often leave the end of a one-day event empty
        inst = InstanceRecord(
            start_date=start, end_date=end, weekdays=list(days), rhythm=schedule.rhythm,
            sessions=sessions, mode=mode, time_forms=list(schedule.time_forms),
            rolling_entry=True if schedule.rolling else (False if rng.random() < 0.3 else None),
        )
        if times:
            inst.start_time, inst.end_time = time(times[0], times[1]), time(times[2], times[3])
            if sessions:
                minutes = (times[2] * 60 + times[3] - times[0] * 60 - times[1]) * sessions
                inst.teaching_units = Decimal(max(1, round(minutes / 45)))
        elif schedule.rolling:
            inst.teaching_units = Decimal(rng.choice((10, 20, 40, 60)))
        if schedule.rhythm in ("woechentlich", "vierzehntaegig") and rng.random() < 0.2:
            inst.schedule_note = rng.choice(SCHEDULE_NOTES)
        elif schedule.rhythm == "unregelmaessig":
            inst.schedule_note = "Termine nach Vereinbarung"
        if start and start > self.today and rng.random() < 0.4:
            inst.registration_deadline = start - timedelta(days=rng.randint(3, 14))
        inst.status = self._status(start)
        if mode in VENUE_MODES:
            inst.venue = self._venue(place)
        if mode in ONLINE_MODES:
            inst.online_url = (f"https://lernraum.{self.domain}/kurs/"
                               f"{rng.randint(10000, 99999)}")
        self._accessibility(inst, theme)
        if not schedule.rolling:
            low = rng.randint(3, 8)
            inst.min_participants = low
            inst.max_participants = low + rng.randint(4, 16)
        return inst

    def _days(self, schedule: Schedule) -> list[str]:
        if not schedule.days:
            return []
        if schedule.all_days:
            return list(schedule.days)
        return [self.rng.choice(schedule.days)]

    def _first_start(self, schedule: Schedule, sessions: int | None, days: list[str]
                     ) -> date | None:
        rng, today = self.rng, self.today
        if schedule.rolling:
            if rng.random() < 0.5:
                return None
            return align(today - timedelta(days=rng.randint(10, 400)), days)
        last = end_date(today, schedule, sessions)
        span = (last - today).days if last else 90
        when = rng.choices(("past", "current", "future"), weights=(25, 30, 45))[0]
        if when == "past":
            start = today - timedelta(days=span + rng.randint(7, 200))
        elif when == "current":
            start = today - timedelta(days=rng.randint(0, span))
        else:
            start = today + timedelta(days=rng.randint(7, 240))
        return align(start, days[:1])

    def _status(self, start: date | None) -> str | None:
        if start is None or start <= self.today:
            return self.rng.choices(("geplant", None, "abgesagt"), weights=(70, 28, 2))[0]
        return self.rng.choices(("geplant", "ausgebucht", "warteliste", "abgesagt", "verschoben",
                                 None), weights=(66, 8, 8, 4, 3, 11))[0]

    def _price(self, theme: Theme, info: bool, units: Decimal | None
               ) -> tuple[Decimal | None, str, Decimal | None, str | None]:
        rng = self.rng
        roll = rng.random()
        if info or roll < theme.free:
            return Decimal("0.00"), PRICE_FREE, None, None
        if roll < theme.free + theme.on_request:
            return None, PRICE_ON_REQUEST, None, "Preis abhängig von Förderung und Vorkenntnissen"
        hours = float(units) if units else rng.randint(8, 40)  # open-ended: price of a term
        amount = Decimal(max(5, round(hours * rng.uniform(*theme.rate)))).quantize(Decimal("0.01"))
        reduced, note = None, None
        if rng.random() < 0.35 and amount < 1000:
            reduced = (amount * Decimal("0.7")).quantize(Decimal("0.10"))
            reduced = reduced.quantize(Decimal("0.01"))
            note = rng.choice(REDUCED_NOTES)
        elif rng.random() < 0.3:
            note = rng.choice(PRICE_NOTES)
        return amount, PRICE_AMOUNT, reduced, note

    def _municipality(self) -> Municipality:
        if self.rng.random() < self.spec.at_home:
            return self.home
        return self.rng.choice(self.places)

    def _venue(self, place: Municipality) -> VenueRecord:
        base = self.venues.get(place.ags)
        if base is None:
            base = self.venues[place.ags] = self._make_venue(place)
        room = self.rng.randint(0, 4)
        name = f"{base.venue_name}, Raum {room}" if room else base.venue_name
        return VenueRecord(venue_name=name, street=base.street, postal_code=base.postal_code,
                           locality=base.locality, ags=base.ags, lat=base.lat, lon=base.lon,
                           venue_accessible=base.venue_accessible)

    def _make_venue(self, place: Municipality) -> VenueRecord:
        # Seeded by provider and place only, so a venue looks the same in every offer.
        vrng = random.Random(f"{self.spec.slug}|{place.ags}")
        own = place.ags == self.spec.home or vrng.random() < 0.3
        label = self.spec.venue if own else vrng.choice(GUEST_VENUES)
        return VenueRecord(
            venue_name=f"{label} {place.short_name}",
            street=f"{vrng.choice(STREETS)} {vrng.randint(1, 60)}",
            postal_code=place.postal_code, locality=place.short_name, ags=place.ags,
            lat=Decimal(f"{place.lat + vrng.uniform(-0.006, 0.006):.6f}"),
            lon=Decimal(f"{place.lon + vrng.uniform(-0.009, 0.009):.6f}"),
            venue_accessible=vrng.choices(("ja", "teilweise", "nein", "unbekannt"),
                                          weights=(45, 25, 15, 15))[0],
        )

    def _accessibility(self, inst: InstanceRecord, theme: Theme) -> None:
        rng = self.rng
        features: list[str] = []
        if inst.venue and inst.venue.venue_accessible == "ja":
            features += ["rollstuhlgerecht", "aufzug", "behinderten_wc"][:rng.randint(1, 3)]
            if rng.random() < 0.2:
                features.append("induktive_hoeranlage")
        elif inst.venue and inst.venue.venue_accessible == "teilweise":
            features.append("aufzug")
            inst.accessibility_note = "Aufzug vorhanden, WC nicht barrierefrei"
        if inst.mode == "online_live" and rng.random() < 0.2:
            features.append("untertitel")
        features += [f for f in theme.features if f not in features]
        inst.accessibility_features = features
        if "gebaerdensprache" not in features and rng.random() < 0.05:
            inst.accessibility_note = "Gebärdensprachdolmetschung auf Anfrage"
