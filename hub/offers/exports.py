"""The full offer snapshots (/feeds/offers.csv and /feeds/offers.jsonld without filters),
rendered once per feed version into the instance folder (hub.offers.snapshot_files) and
served from there; filtered snapshots keep streaming."""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ... import feeds as feeds_pkg
from ... import vocab as vocab_pkg
from ...feeds import csv_feed
from ...feeds.jsonld import JSONLD_MEDIA_TYPE, stream_documents
from ...vocab.jsonld import CONTEXT_PATH
from ..context import HubContext
from .documents import render_target
from .filters import OfferFilters
from .queries import feed_version, iter_offer_batches, iter_offer_documents
from .snapshot_files import SnapshotFiles, StoredSnapshot, fingerprint

FOLDER = "exports"  # under the instance folder, shared by every worker of the machine


@dataclass(frozen=True)
class Export:
    """One full snapshot: its file name, media type and how its bytes are streamed."""

    name: str
    suffix: str
    media_type: str
    chunks: Callable[[HubContext], Iterable[bytes]]


def full_csv(hub: HubContext) -> Iterable[bytes]:
    """The bytes of /feeds/offers.csv without parameters, streamed from the database."""
    settings = hub.settings
    return csv_feed.stream_csv(iter_offer_batches(hub.engine, OfferFilters()),
                               settings.hub_base_uri, settings.default_licence)


def full_jsonld(hub: HubContext) -> Iterable[bytes]:
    """The bytes of /feeds/offers.jsonld without parameters, streamed from the database."""
    settings = hub.settings
    return stream_documents(
        iter_offer_documents(hub.engine, OfferFilters(), render_target(settings)),
        settings.url(CONTEXT_PATH))


EXPORTS: dict[str, Export] = {
    "csv": Export("offers-csv", "csv", csv_feed.CSV_MEDIA_TYPE, full_csv),
    "jsonld": Export("offers-jsonld", "jsonld", JSONLD_MEDIA_TYPE, full_jsonld),
}


@cache
def _code_fingerprint() -> str:
    """The serialisers and the vocabulary (read once per process)."""
    return fingerprint(roots=(Path(feeds_pkg.__file__).parent, Path(vocab_pkg.__file__).parent))


def export_files(hub: HubContext, kind: str) -> SnapshotFiles:
    """The stored files of export `kind` ("csv" or "jsonld")."""
    export = EXPORTS[kind]
    settings = hub.settings
    config = fingerprint(export.name, settings.hub_base_uri, settings.default_licence,
                         render_target(settings).version, _code_fingerprint())
    return SnapshotFiles(hub.settings.instance_path / FOLDER, export.name, export.suffix,
                         config)


def current_version(hub: HubContext) -> int:
    """The feed version now (one primary-key read)."""
    with hub.sessions() as session:
        return feed_version(session)


def stored_export(hub: HubContext, kind: str, wanted: int) -> StoredSnapshot:
    """The stored full snapshot of feed version `wanted` (rendered now if missing; while
    another request renders it, the previous one if there is one)."""
    return export_files(hub, kind).get(wanted, lambda: current_version(hub),
                                       functools.partial(EXPORTS[kind].chunks, hub))


def refresh_exports(hub: HubContext) -> list[str]:
    """Render every full snapshot whose stored file is older than the feed; the kinds
    rendered (the scheduler job, so the first download after a change finds it ready)."""
    rendered = []
    for kind, export in EXPORTS.items():
        chunks = functools.partial(export.chunks, hub)
        if export_files(hub, kind).refresh(lambda: current_version(hub), chunks) is not None:
            rendered.append(kind)
    return rendered
