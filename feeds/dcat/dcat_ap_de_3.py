"""DCAT-AP.de 3.0: a catalogue description -> RDF nodes (GovData's profile, harvested by CKAN).

Quirks of the official shapes honoured here (../shared/standards/dcat-ap-de/PROVENANCE.md):
`dcatap:` in the slash namespace; `dct:spatial` with the district key plus
`dcatde:politicalGeocodingLevelURI` (not the deprecated politicalGeocodingURI); licences
without trailing slash; `accessURL` on every distribution; `mailto:` e-mail IRIs;
`byteSize` as xsd:nonNegativeInteger; an explicit `foaf:Agent` type; codes as IRIs.
"""
from __future__ import annotations

from .hydra import add_paging
from .model import (
    Agent,
    Catalogue,
    ContactPoint,
    DataService,
    Dataset,
    Distribution,
    LangText,
    PeriodOfTime,
    normalise_licence,
)
from .rdf import IRI, PREFIXES, RDF_TYPE, XSD, Lit, Node, date_literal

NAME = "dcat-ap.de-3.0"
LABEL = "DCAT-AP.de 3.0"

DCAT = PREFIXES["dcat"]
DCT = PREFIXES["dct"]
DCATDE = PREFIXES["dcatde"]
DCATAP = PREFIXES["dcatap"]
FOAF = PREFIXES["foaf"]
VCARD = PREFIXES["vcard"]


def catalogue_nodes(catalogue: Catalogue) -> list[Node]:
    """Every node of one catalogue document (page): catalogue, publisher, datasets, services."""
    cat = Node(catalogue.iri, [(RDF_TYPE, IRI(DCAT + "Catalog"))])
    _texts(cat, DCT + "title", catalogue.title)
    _texts(cat, DCT + "description", catalogue.description)
    cat.add(DCT + "publisher", IRI(catalogue.publisher.iri))
    cat.add(FOAF + "homepage", IRI(catalogue.homepage))
    for language in catalogue.languages:
        cat.add(DCT + "language", IRI(language))
    if catalogue.licence:
        cat.add(DCT + "license", IRI(normalise_licence(catalogue.licence)))
    cat.add(DCAT + "themeTaxonomy", IRI(catalogue.theme_taxonomy))
    if catalogue.spatial:
        cat.add(DCT + "spatial", IRI(catalogue.spatial))
    _dates(cat, catalogue.issued, catalogue.modified)
    if catalogue.contact_point:
        cat.add(DCAT + "contactPoint", contact_node(catalogue.contact_point))
    for dataset in catalogue.datasets:
        cat.add(DCAT + "dataset", IRI(dataset.iri))
    services = catalogue.services
    for service in services:
        cat.add(DCAT + "service", IRI(service.iri))
    nodes = [cat]
    if catalogue.paging:
        nodes.append(add_paging(cat, catalogue.paging))
    agents: dict[str, Agent] = {catalogue.publisher.iri: catalogue.publisher}
    locations = {catalogue.spatial} if catalogue.spatial else set()
    for dataset in catalogue.datasets:
        _collect_agents(agents, dataset)
        locations.add(dataset.spatial)
        nodes.extend(_dataset_and_distributions(dataset))
    nodes.extend(service_node(service) for service in services)
    nodes.extend(agent_node(agent) for agent in agents.values())
    nodes.extend(Node(iri, [(RDF_TYPE, IRI(DCT + "Location"))]) for iri in sorted(locations))
    return nodes


def dataset_nodes(dataset: Dataset) -> list[Node]:
    """The nodes of one dataset's own document: dataset, distributions, agents, services."""
    nodes = _dataset_and_distributions(dataset)
    nodes.extend(service_node(service) for service in dataset.services)
    agents: dict[str, Agent] = {}
    _collect_agents(agents, dataset)
    nodes.extend(agent_node(agent) for agent in agents.values())
    nodes.append(Node(dataset.spatial, [(RDF_TYPE, IRI(DCT + "Location"))]))
    return nodes


def _collect_agents(agents: dict[str, Agent], dataset: Dataset) -> None:
    for agent in [dataset.publisher, dataset.creator] + [s.publisher for s in dataset.services]:
        if agent is not None:
            agents.setdefault(agent.iri, agent)


def _dataset_and_distributions(dataset: Dataset) -> list[Node]:
    return [dataset_node(dataset)] + [distribution_node(d) for d in dataset.distributions]


def dataset_node(dataset: Dataset) -> Node:
    """A dcat:Dataset with every mandatory and recommended DCAT-AP.de property it has."""
    ds = Node(dataset.iri, [(RDF_TYPE, IRI(DCAT + "Dataset"))])
    _texts(ds, DCT + "title", dataset.title)
    _texts(ds, DCT + "description", dataset.description)
    ds.add(DCT + "identifier", Lit(dataset.iri))  # GovData de-duplicates on dct:identifier
    ds.add(DCT + "publisher", IRI(dataset.publisher.iri))
    if dataset.creator:
        ds.add(DCT + "creator", IRI(dataset.creator.iri))
    ds.add(DCAT + "contactPoint", contact_node(dataset.contact_point))
    for language, words in dataset.keywords.items():
        for word in words:
            ds.add(DCAT + "keyword", Lit(word, lang=language))
    for theme in dataset.themes:
        ds.add(DCAT + "theme", IRI(theme))
    ds.add(DCT + "spatial", IRI(dataset.spatial))
    if dataset.geocoding_level:
        ds.add(DCATDE + "politicalGeocodingLevelURI", IRI(dataset.geocoding_level))
    ds.add(DCATAP + "availability", IRI(dataset.availability))
    ds.add(DCT + "accessRights", IRI(dataset.access_rights))
    ds.add(DCT + "accrualPeriodicity", IRI(dataset.accrual_periodicity))
    for language in dataset.languages:
        ds.add(DCT + "language", IRI(language))
    _dates(ds, dataset.issued, dataset.modified)
    if dataset.temporal and (dataset.temporal.start or dataset.temporal.end):
        ds.add(DCT + "temporal", period_node(dataset.temporal))
    ds.add(DCAT + "landingPage", IRI(dataset.landing_page))
    for standard in dataset.conforms_to:
        ds.add(DCT + "conformsTo", IRI(standard))
    for dist in dataset.distributions:
        ds.add(DCAT + "distribution", IRI(dist.iri))
    return ds


def distribution_node(dist: Distribution) -> Node:
    """A dcat:Distribution: access and download URL, licence, format and media type as IRIs."""
    node = Node(dist.iri, [(RDF_TYPE, IRI(DCAT + "Distribution"))])
    _texts(node, DCT + "title", dist.title)
    _texts(node, DCT + "description", dist.description)
    node.add(DCAT + "accessURL", IRI(dist.access_url))
    if dist.download_url:
        node.add(DCAT + "downloadURL", IRI(dist.download_url))
    if dist.access_service:
        node.add(DCAT + "accessService", IRI(dist.access_service.iri))
    _licence(node, dist.licence, dist.licence_attribution)
    node.add(DCT + "format", IRI(dist.format))
    node.add(DCAT + "mediaType", IRI(dist.media_type))
    for standard in dist.conforms_to:
        node.add(DCT + "conformsTo", IRI(standard))
    for page in dist.pages:
        node.add(FOAF + "page", IRI(page))
    node.add(DCATAP + "availability", IRI(dist.availability))
    _dates(node, dist.issued, dist.modified)
    if dist.byte_size is not None:
        node.add(DCAT + "byteSize", Lit(str(dist.byte_size), datatype=XSD + "nonNegativeInteger"))
    return node


def service_node(service: DataService) -> Node:
    """A dcat:DataService (an API such as the RPDE feed)."""
    node = Node(service.iri, [(RDF_TYPE, IRI(DCAT + "DataService"))])
    _texts(node, DCT + "title", service.title)
    _texts(node, DCT + "description", service.description)
    node.add(DCAT + "endpointURL", IRI(service.endpoint_url))
    if service.endpoint_description:
        node.add(DCAT + "endpointDescription", IRI(service.endpoint_description))
    for standard in service.conforms_to:
        node.add(DCT + "conformsTo", IRI(standard))
    for iri in service.serves_datasets:
        node.add(DCAT + "servesDataset", IRI(iri))
    if service.publisher:
        node.add(DCT + "publisher", IRI(service.publisher.iri))
    if service.contact_point:
        node.add(DCAT + "contactPoint", contact_node(service.contact_point))
    if service.licence:
        _licence(node, service.licence, service.licence_attribution)
    node.add(DCT + "accessRights", IRI(service.access_rights))
    for language, words in service.keywords.items():
        for word in words:
            node.add(DCAT + "keyword", Lit(word, lang=language))
    for theme in service.themes:
        node.add(DCAT + "theme", IRI(theme))
    return node


def agent_node(agent: Agent) -> Node:
    """A foaf:Agent, typed explicitly (the shapes do not infer it from foaf:Organization)."""
    node = Node(agent.iri, [(RDF_TYPE, IRI(FOAF + "Agent")), (RDF_TYPE, IRI(FOAF + "Organization"))])
    _texts(node, FOAF + "name", agent.name)
    if agent.type_iri:
        node.add(DCT + "type", IRI(agent.type_iri))
    if agent.homepage:
        node.add(FOAF + "homepage", IRI(agent.homepage))
    if agent.email:
        node.add(FOAF + "mbox", IRI("mailto:" + agent.email))
    return node


def contact_node(contact: ContactPoint) -> Node:
    """A vcard:Kind blank node with a mailto: IRI."""
    node = Node(None, [(RDF_TYPE, IRI(VCARD + "Kind")), (VCARD + "fn", Lit(contact.name)),
                       (VCARD + "hasEmail", IRI("mailto:" + contact.email))])
    if contact.url:
        node.add(VCARD + "hasURL", IRI(contact.url))
    return node


def period_node(period: PeriodOfTime) -> Node:
    node = Node(None, [(RDF_TYPE, IRI(DCT + "PeriodOfTime"))])
    if period.start:
        node.add(DCAT + "startDate", date_literal(period.start))
    if period.end:
        node.add(DCAT + "endDate", date_literal(period.end))
    return node


def _licence(node: Node, licence: str, attribution: str | None) -> None:
    node.add(DCT + "license", IRI(normalise_licence(licence)))
    if attribution:
        node.add(DCATDE + "licenseAttributionByText", Lit(attribution))


def _texts(node: Node, predicate: str, texts: LangText) -> None:
    for language, text in texts.items():
        if text:
            node.add(predicate, Lit(text, lang=language))


def _dates(node: Node, issued: object, modified: object) -> None:
    if issued is not None:
        node.add(DCT + "issued", date_literal(issued))  # type: ignore[arg-type]
    if modified is not None:
        node.add(DCT + "modified", date_literal(modified))  # type: ignore[arg-type]
