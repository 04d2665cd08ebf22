"""Hydra paging nodes, understood by both harvester families.

ckanext-dcat reads `hydra:PagedCollection` with `hydra:nextPage` …; udata (data.gouv.fr,
data.europa.eu's tooling) reads `hydra:PartialCollectionView` with `hydra:next` …. One node, the
page's own URL, carries both types and both sets of links.
"""
from __future__ import annotations

from .model import Paging
from .rdf import IRI, PREFIXES, RDF_TYPE, XSD, Lit, Node

HYDRA = PREFIXES["hydra"]


def add_paging(collection: Node, paging: Paging) -> Node:
    """Link the collection (the catalogue) to its page; returns the page node (both vocabularies)."""
    collection.add(HYDRA + "view", IRI(paging.page))
    collection.add(HYDRA + "totalItems", Lit(str(paging.total_items), datatype=XSD + "integer"))
    page = Node(paging.page, [(RDF_TYPE, IRI(HYDRA + "PagedCollection")),
                              (RDF_TYPE, IRI(HYDRA + "PartialCollectionView"))])
    page.add(HYDRA + "totalItems", Lit(str(paging.total_items), datatype=XSD + "integer"))
    page.add(HYDRA + "itemsPerPage", Lit(str(paging.items_per_page), datatype=XSD + "integer"))
    for old, new, url in (("firstPage", "first", paging.first), ("lastPage", "last", paging.last),
                          ("nextPage", "next", paging.next),
                          ("previousPage", "previous", paging.previous)):
        if url:
            page.add(HYDRA + old, IRI(url))
            page.add(HYDRA + new, IRI(url))
    return page
