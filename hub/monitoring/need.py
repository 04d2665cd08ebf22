"""Need against supply: the share of respondents wishing a topic, read from the published
survey tables only — released, disclosure-controlled cells, never a raw answer.

Which tables state a wish and what their codes mean (residence code -> AGS, age code -> life
phase, answer code -> themenbereich) says a small TOML file (setting MONITORING_BEDARF):

    [umfragen.bu2026]                 # survey slug
    tabellen = ["lernwunsch-gemeinde", "lernwunsch-alter"]
    gemeinden = { G01 = "06431001", G02 = "06431002" }
    lebensphasen = { A1 = "schule", A5 = "senioren" }
    themen = { T1 = "sprachen", T2 = "arbeit_beruf_it" }

A published code counts when every answer code it groups maps to the same municipality, life
phase or topic; the margin ("Insgesamt") is the district or all life phases; a breakdown the
file does not map is read at its margin only. A value needs two published cells (wish and
margin): where the release suppressed either, the value is suppressed too (status "."). The
values are not stored daily: a release never changes, so they are read from it (stichtag =
the day of the release) and every release of a survey stays in the series.
"""
from __future__ import annotations

import hashlib
import itertools
import logging
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from ...feeds.cube import SUPPRESSED
from ...feeds.monitoring import Observation
from ...vocab.codelists import codelist, municipality_by_ags
from ..settings import Settings
from ..survey.models import Survey, SurveyRelease, SurveyReleaseTable
from ..survey.publish import table_path
from ..survey.tables import ANSWER, ITEM, TOTAL, TableSpec
from .compute import DECIMALS
from .definitions import ALL_PHASES, PERCENT, life_phases

log = logging.getLogger(__name__)
WISHED = "Y"  # a ticked option of a multiple-choice question


class NeedMapError(ValueError):
    """The mapping file is unreadable or names an unknown code (German, with its place)."""

    def __init__(self, message: str, where: str) -> None:
        super().__init__(f"{where}: {message}")
        self.message, self.where = message, where


@dataclass(frozen=True)
class SurveyNeed:
    """What one survey's tables mean for the monitoring."""

    survey: str
    tables: tuple[str, ...]
    areas: dict[str, str] = field(default_factory=dict)  # residence answer code -> AGS
    phases: dict[str, str] = field(default_factory=dict)  # age answer code -> life phase
    topics: dict[str, str] = field(default_factory=dict)  # wish answer code -> themenbereich


@dataclass(frozen=True)
class NeedMap:
    surveys: tuple[SurveyNeed, ...] = ()
    digest: str = ""  # of the file's bytes: the published files' tags depend on it
    error: str = ""  # why the file was not used ("" = fine or no file configured)


def parse_need_map(data: bytes, where: str = "MONITORING_BEDARF") -> NeedMap:
    """The mapping file checked against the vocabulary; NeedMapError names the bad entry."""
    try:
        raw = tomllib.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise NeedMapError(f"keine gültige TOML-Datei ({exc})", where) from None
    surveys = raw.get("umfragen")
    if not isinstance(surveys, dict) or not surveys:
        raise NeedMapError("es fehlt [umfragen.<kennung>] mit tabellen und themen", where)
    known = {"gemeinden": set(municipality_by_ags()), "lebensphasen": set(life_phases()),
             "themen": set(codelist("themenbereich").codes)}
    out = []
    for slug, spec in surveys.items():
        place = f"{where}, [umfragen.{slug}]"
        if not isinstance(spec, dict):
            raise NeedMapError("muss eine Tabelle mit Schlüsseln sein", place)
        tables = spec.get("tabellen")
        if (not isinstance(tables, list) or not tables
                or not all(isinstance(t, str) for t in tables)):
            raise NeedMapError("„tabellen“ muss eine Liste von Tabellennamen sein", place)
        maps: dict[str, dict[str, str]] = {}
        for key, allowed in known.items():
            value = spec.get(key, {})
            if not isinstance(value, dict):
                raise NeedMapError(f"„{key}“ muss Antwortcodes Werten zuordnen", place)
            for code, target in value.items():
                if target not in allowed:
                    raise NeedMapError(f"„{key}.{code}“: „{target}“ ist kein bekannter Code "
                                       f"({_example(key)})", place)
            maps[key] = {str(k): str(v) for k, v in value.items()}
        if not maps["themen"]:
            raise NeedMapError("„themen“ fehlt: welche Antwort meint welchen Themenbereich?",
                               place)
        out.append(SurveyNeed(str(slug), tuple(tables), maps["gemeinden"],
                              maps["lebensphasen"], maps["themen"]))
    return NeedMap(tuple(out), hashlib.sha256(data).hexdigest()[:16])


def _example(key: str) -> str:
    return {"gemeinden": "achtstelliger AGS einer Gemeinde des Kreises, z. B. 06431001",
            "lebensphasen": "z. B. schule, senioren", "themen": "z. B. sprachen"}[key]


_loaded: dict[tuple[str, float], NeedMap] = {}  # by (path, mtime): re-read when it changes


def load_need_map(settings: Settings) -> NeedMap:
    """The configured mapping; an empty map without a file, one with `error` when it is bad
    (the pages say so; nothing is divided or guessed)."""
    if not settings.monitoring_bedarf:
        return NeedMap()
    path = Path(settings.monitoring_bedarf)
    try:
        key = (str(path), path.stat().st_mtime)
        if key not in _loaded:
            _loaded.clear()
            _loaded[key] = parse_need_map(path.read_bytes())
        return _loaded[key]
    except OSError as exc:
        error = f"MONITORING_BEDARF: Datei {path} nicht lesbar ({exc.strerror})"
    except NeedMapError as exc:
        error = str(exc)
    log.warning("monitoring: %s", error)
    return NeedMap(error=error)


def _single(codes: Iterable[str], mapping: dict[str, str]) -> str | None:
    """The one target all `codes` map to; None when one is unmapped or they differ."""
    targets = {mapping.get(c) for c in codes}
    return targets.pop() if len(targets) == 1 and None not in targets else None


def table_need(spec: TableSpec, cells: dict[tuple[str, ...], int | None], need: SurveyNeed,
               district_key: str, day: date, source: str) -> list[Observation]:
    """The need values one published table gives: per area × life phase × topic the share of
    the group wishing the topic; suppressed where a cell it needs is."""
    area_dim = phase_dim = topic_dim = None
    for n, d in enumerate(spec.dims):
        finest = [c for g in d.groups.values() for c in g]
        if (d.var == ITEM and spec.kind == "multiple") or (d.var == ANSWER
                                                            and spec.kind == "single"):
            topic_dim = n  # the wished topics: options ticked, or the one answer chosen
        elif d.var != ANSWER and finest and all(c in need.areas for c in finest):
            area_dim = n
        elif d.var != ANSWER and finest and all(c in need.phases for c in finest):
            phase_dim = n
    if topic_dim is None:
        return []
    answer_dim = spec.answer_dim()

    def options(n: int | None, mapping: dict[str, str], margin: str
                ) -> list[tuple[str, list[str]]]:
        """(what it means, the published codes meaning it) of a dimension, with the margin;
        a dimension the file does not map counts at its margin only."""
        if n is None:
            return []
        d = spec.dims[n]
        by_target: dict[str, list[str]] = {}
        for c in d.codes:
            target = _single(d.groups[c], mapping)
            if target is not None:
                by_target.setdefault(target, []).append(c)
        return [*by_target.items(), *([(margin, [TOTAL])] if d.has_total else [])]

    areas = options(area_dim, need.areas, district_key) or [(district_key, [])]
    phases = options(phase_dim, need.phases, ALL_PHASES) or [(ALL_PHASES, [])]
    topics = [(t, codes) for t, codes in options(topic_dim, need.topics, "")
              if t and not (spec.kind == "multiple" and len(codes) > 1)]  # one tick per person
    margins = tuple(TOTAL if d.has_total else "" for d in spec.dims)

    def total(fixed: dict[int | None, list[str]]) -> int | None:
        """The sum of the published cells over the codes fixed per dimension (margins
        elsewhere); None when one of them is suppressed."""
        axes = [fixed.get(n, [margins[n]]) for n in range(len(spec.dims))]
        counts = [cells.get(coords, 0) for coords in itertools.product(*axes)]
        return None if None in counts else sum(c or 0 for c in counts)

    out = []
    for (ags, a_codes), (phase, p_codes), (topic, t_codes) in itertools.product(
            areas, phases, topics):
        group: dict[int | None, list[str]] = {area_dim: a_codes, phase_dim: p_codes}
        if spec.kind == "multiple":
            wish = {**group, topic_dim: t_codes, answer_dim: [WISHED]}
            base = {**group, topic_dim: t_codes}
        else:
            wish, base = {**group, topic_dim: t_codes}, group
        zaehler, nenner = total(wish), total(base)
        code = f"bedarf_thema_{topic}"
        if zaehler is None or nenner is None:
            out.append(Observation(day, code, ags, phase, None, None, None, PERCENT,
                                   SUPPRESSED, source))
        elif nenner > 0:
            out.append(Observation(day, code, ags, phase, round(100 * zaehler / nenner, DECIMALS),
                                   zaehler, nenner, PERCENT, "", source))
    return out


def need_observations(session: Session, settings: Settings, upto: date | None = None,
                      latest_only: bool = True) -> list[Observation]:
    """The need values of the mapped published tables: of each survey's newest release up to
    `upto` (None: the newest), or of every release; one value per key, the first table in
    the file's order giving it."""
    need_map = load_need_map(settings)
    out: dict[tuple[date, str, str, str], Observation] = {}
    for need in need_map.surveys:
        releases = session.execute(
            sa.select(SurveyRelease).join(Survey, Survey.id == SurveyRelease.survey_id)
            .where(Survey.slug == need.survey).order_by(SurveyRelease.version.desc())
            .options(selectinload(SurveyRelease.tables).selectinload(SurveyReleaseTable.cells))
        ).scalars().all()
        releases = [r for r in releases if upto is None or r.created_at.date() <= upto]
        for release in releases[:1] if latest_only else releases:
            by_slug = {t.slug: t for t in release.tables}
            day = release.created_at.date()
            for slug in need.tables:
                table = by_slug.get(slug)
                if table is None:
                    continue  # not in this release: nothing to read
                cells = {tuple(c.coords): c.count for c in table.cells}
                source = settings.url(table_path(need.survey, release.version, slug))
                for obs in table_need(TableSpec.from_dict(table.spec), cells, need,
                                      settings.district_key, day, source):
                    out.setdefault((obs.stichtag, obs.indikator, obs.gemeinde_ags,
                                    obs.lebensphase), obs)
    return sorted(out.values(), key=lambda o: (o.stichtag, o.indikator, o.gemeinde_ags,
                                               o.lebensphase))


def need_state(session: Session, settings: Settings) -> tuple[Any, ...]:
    """What the need values depend on: the mapping file and the mapped surveys' releases;
    the last item is when the newest of those releases was published (or None)."""
    need_map = load_need_map(settings)
    slugs = [n.survey for n in need_map.surveys]
    releases = session.execute(
        sa.select(Survey.slug, sa.func.max(SurveyRelease.version), sa.func.count(),
                  sa.func.max(SurveyRelease.created_at))
        .join(SurveyRelease, SurveyRelease.survey_id == Survey.id)
        .where(Survey.slug.in_(slugs)).group_by(Survey.slug).order_by(Survey.slug)
    ).all() if slugs else []
    newest = max((r[3] for r in releases), default=None)
    return need_map.digest, need_map.error, tuple(tuple(r[:3]) for r in releases), newest


def describe_sources(session: Session, settings: Settings, urls: list[str]
                     ) -> list[tuple[str, str]]:
    """(URL, German description) of the published tables behind need values: the survey,
    the release with its day and the table's title."""
    out = []
    for url in urls:
        survey, version, slug = url.rstrip("/").rsplit("/", 3)[-3:]
        row = session.execute(
            sa.select(Survey.title, SurveyRelease.created_at, SurveyReleaseTable.title)
            .join(SurveyRelease, SurveyRelease.survey_id == Survey.id)
            .join(SurveyReleaseTable, SurveyReleaseTable.release_id == SurveyRelease.id)
            .where(Survey.slug == survey, SurveyRelease.version == int(version),
                   SurveyReleaseTable.slug == slug)).first()
        if row is None:
            continue
        out.append((url, f"{row[0]}, Veröffentlichung {version} vom "
                         f"{row[1]:%d.%m.%Y}, Tabelle „{row[2]}“"))
    return out


@dataclass(frozen=True)
class NeedCoverage:
    """What one mapped table of the newest release gives (for `monitoring bedarf`)."""

    survey: str
    table: str
    version: int | None  # None: the survey has no release (or this table is not in it)
    values: int
    suppressed: int


def need_coverage(session: Session, settings: Settings) -> list[NeedCoverage]:
    """Per mapped table: the newest release holding it and how many values it gives, how
    many of them suppressed. NeedMapError when the mapping file is bad."""
    need_map = load_need_map(settings)
    if need_map.error:
        raise NeedMapError(need_map.error, "MONITORING_BEDARF")
    rows = need_observations(session, settings)
    out = []
    for need in need_map.surveys:
        version = session.execute(
            sa.select(sa.func.max(SurveyRelease.version))
            .join(Survey, Survey.id == SurveyRelease.survey_id)
            .where(Survey.slug == need.survey)).scalar()
        for slug in need.tables:
            source = (settings.url(table_path(need.survey, version, slug))
                      if version is not None else None)
            mine = [r for r in rows if r.quelle == source]
            out.append(NeedCoverage(need.survey, slug, version if mine else None, len(mine),
                                    sum(r.suppressed for r in mine)))
    return out
