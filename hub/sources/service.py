"""Managing sources, shared by the CLI, the admin page and the scheduler: add (checked by the
fetch guard before anything is stored), list with health, enable/disable, remove, harvest."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from ...feeds.dcat.model import normalise_licence
from ..auth.audit import record
from ..federation.ingest import RunOutcome, Walk, harvest_source
from ..federation.items import HarvestLimits
from ..fetch_guard import precheck_url
from ..fetch_rules import FetchError
from ..models import Offer, utcnow
from ..offers.store import tombstone_offers
from ..settings import Settings
from .models import OfferSource, Source

# Lower-case letters, digits and single hyphens: "--" separates it in harvested provider slugs.
NAME = re.compile(r"^[a-z0-9](?:-?[a-z0-9])*$")
NAME_MAX = 30
MIN_INTERVAL = 5


class SourceError(ValueError):
    """A source request that cannot be done: stable `code`, German `message`, the `field`."""

    def __init__(self, code: str, message: str, field: str) -> None:
        super().__init__(f"{field}: {message}")
        self.code = code
        self.message = message
        self.field = field


@dataclass
class NewSource:
    """What `add_source` stored, with a German note (e.g. the host does not resolve now)."""

    source: Source
    note: str | None


def add_source(sessions: sessionmaker[Session], settings: Settings, name: str, rpde_url: str, *,
               licence: str | None = None, attribution: str | None = None,
               interval_minutes: int = 60, actor: str | None = None) -> NewSource:
    """Check and store a new source; raises SourceError and stores nothing on bad input."""
    name = name.strip()
    if not NAME.match(name) or len(name) > NAME_MAX:
        raise SourceError("bad-name", f"Der Name darf nur Kleinbuchstaben, Ziffern und einzelne "
                                      f"Bindestriche enthalten (höchstens {NAME_MAX} Zeichen).",
                          "name")
    rpde_url = rpde_url.strip()
    if len(rpde_url) > 1000:
        raise SourceError("bad-url", "Die Adresse ist länger als 1000 Zeichen.", "rpde")
    try:
        note = precheck_url(rpde_url, settings.fetch_allow_hosts)
    except FetchError as exc:
        raise SourceError(exc.code, exc.message, "rpde") from exc
    if licence is not None and licence.strip():
        licence = normalise_licence(licence)
        if not licence.startswith(("http://", "https://")) or len(licence) > 200:
            raise SourceError("bad-licence", "Die Lizenz muss eine IRI sein (z. B. "
                                             "http://dcat-ap.de/def/licenses/dl-by-de/2.0).",
                              "licence")
    else:
        licence = None
    attribution = (attribution or "").strip() or None
    if attribution is not None and len(attribution) > 500:
        raise SourceError("bad-attribution", "Der Namensnennungstext ist länger als 500 Zeichen.",
                          "attribution")
    if not MIN_INTERVAL <= interval_minutes <= 7 * 24 * 60:
        raise SourceError("bad-interval", f"Der Abstand muss zwischen {MIN_INTERVAL} Minuten und "
                                          "einer Woche liegen.", "interval")
    with sessions() as session:
        if session.execute(sa.select(Source.id).where(Source.name == name)).first():
            raise SourceError("source-exists", f"Eine Quelle „{name}“ gibt es schon.", "name")
        source = Source(name=name, rpde_url=rpde_url, licence=licence, attribution=attribution,
                        interval_minutes=interval_minutes, enabled=True, items_seen=0,
                        pages_read=0)
        session.add(source)
        record(session, "source.added", name, {"rpde": rpde_url, "lizenz": licence,
                                               "abstand_minuten": interval_minutes}, actor)
        session.commit()
    return NewSource(source, note)


def get_source(session: Session, name: str) -> Source:
    source = session.execute(sa.select(Source).where(Source.name == name)).scalar_one_or_none()
    if source is None:
        raise SourceError("source-not-found", f"Es gibt keine Quelle „{name}“.", "name")
    return source


def list_sources(session: Session) -> list[Source]:
    return list(session.execute(sa.select(Source).order_by(Source.name)).scalars())


def live_counts(session: Session) -> dict[int, int]:
    """Live harvested offers per source id."""
    links, offers = OfferSource.__table__, Offer.__table__
    return dict(session.execute(  # type: ignore[arg-type]
        sa.select(links.c.source_id, sa.func.count()).join(offers, offers.c.id == links.c.offer_id)
        .where(offers.c.deleted.is_(False)).group_by(links.c.source_id)).all())


def set_enabled(sessions: sessionmaker[Session], name: str, enabled: bool,
                actor: str | None = None) -> None:
    with sessions() as session:
        source = get_source(session, name)
        if source.enabled != enabled:
            source.enabled = enabled
            record(session, "source.enabled" if enabled else "source.disabled", name,
                   actor=actor)
        session.commit()


def remove_source(sessions: sessionmaker[Session], name: str, actor: str | None = None) -> int:
    """Delete the source; its live offers become tombstones (so harvesters of our feed see
    them go). Returns how many were withdrawn."""
    links, offers = OfferSource.__table__, Offer.__table__
    with sessions() as session:
        source = get_source(session, name)
        live = list(session.execute(
            sa.select(links.c.offer_id).join(offers, offers.c.id == links.c.offer_id)
            .where(links.c.source_id == source.id, offers.c.deleted.is_(False))
            .order_by(links.c.offer_id)).scalars())
        withdrawn = tombstone_offers(session, live)
        session.delete(source)
        record(session, "source.removed", name, {"zurückgezogene_angebote": withdrawn}, actor)
        session.commit()
    return withdrawn


def is_due(source: Source, now: datetime) -> bool:
    """Enabled, not asked to wait, and its interval passed since the last attempt."""
    if not source.enabled or (source.not_before is not None and source.not_before > now):
        return False
    last = source.last_attempt_at
    return last is None or last + timedelta(minutes=source.interval_minutes) <= now


def harvest(sessions: sessionmaker[Session], settings: Settings, name: str,
            walk: Walk | None = None, max_seconds: float | None = None) -> RunOutcome:
    """Run one harvest of the source (the RPDE client unless `walk` is given); `max_seconds`:
    a shorter time budget than the settings' (the run ends "partial", the next goes on)."""
    if walk is None:
        from ..federation.rpde_client import walk as rpde_walk
        walk = rpde_walk
    with sessions() as session:
        get_source(session, name)
    limits = harvest_limits(settings)
    if max_seconds is not None:
        limits = replace(limits, max_seconds=min(limits.max_seconds, max_seconds))
    return harvest_source(sessions, name, walk, base_uri=settings.hub_base_uri,
                          allow_hosts=settings.fetch_allow_hosts, limits=limits)


def harvest_limits(settings: Settings) -> HarvestLimits:
    """The RPDE client's limits of one run, from the settings (HARVEST_MAX_…, and
    FETCH_RUN_DEADLINE_SECONDS for its time)."""
    return HarvestLimits(max_pages=settings.harvest_max_pages,
                         max_page_bytes=settings.harvest_max_page_bytes,
                         max_items_per_page=settings.harvest_max_items_per_page,
                         max_seconds=float(settings.fetch_run_deadline_seconds))


def due_sources(sessions: sessionmaker[Session]) -> list[str]:
    """The names of the enabled sources whose interval is due now."""
    now = utcnow()
    with sessions() as session:
        return [s.name for s in list_sources(session) if is_due(s, now)]


def harvest_due(sessions: sessionmaker[Session], settings: Settings,
                walk: Walk | None = None) -> list[RunOutcome]:
    """Harvest every enabled source whose interval is due; one failure never stops the rest."""
    due = due_sources(sessions)
    outcomes = []
    for name in due:
        try:
            outcomes.append(harvest(sessions, settings, name, walk))
        except Exception:  # recorded in the source's health by harvest_source
            continue
    return outcomes

