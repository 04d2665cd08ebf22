"""Catalogue descriptions (plain data) -> DCAT in RDF, one module per application profile.

`PROFILES` maps a profile name to its `Profile`; the next profile (e.g. DCAT-AP.de 3.1 or
DCAT-AP 3) is a new module plus one line here, not a branch in an old one.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from . import dcat_ap_de_3
from .model import Catalogue, Dataset
from .rdf import PREFIXES, Node, to_graph
from .writers import FORMATS, MEDIA_TYPES, render


@dataclass(frozen=True)
class Profile:
    """A DCAT application profile: how a description becomes RDF nodes."""

    name: str
    label: str
    catalogue_nodes: Callable[[Catalogue], list[Node]]
    dataset_nodes: Callable[[Dataset], list[Node]]
    prefixes: dict[str, str] = field(default_factory=lambda: dict(PREFIXES))

    def render_catalogue(self, catalogue: Catalogue, fmt: str) -> str:
        """One catalogue document (page) as `fmt` ("turtle", "json-ld" or "xml")."""
        return render(self.catalogue_nodes(catalogue), fmt, self.prefixes)

    def render_dataset(self, dataset: Dataset, fmt: str) -> str:
        """One dataset's own document as `fmt`."""
        return render(self.dataset_nodes(dataset), fmt, self.prefixes)


PROFILES: dict[str, Profile] = {
    dcat_ap_de_3.NAME: Profile(dcat_ap_de_3.NAME, dcat_ap_de_3.LABEL,
                               dcat_ap_de_3.catalogue_nodes, dcat_ap_de_3.dataset_nodes),
}
DEFAULT_PROFILE = dcat_ap_de_3.NAME

__all__ = ["DEFAULT_PROFILE", "FORMATS", "MEDIA_TYPES", "PROFILES", "Profile", "render", "to_graph"]
