"""Every IRI govgraph mints, and the prefixes it writes them with: minted here and nowhere else
(docs/data-model.md says why each IRI has the shape it has). The namespaces themselves come from
the ontology, through the generated `vocab`."""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDFS, SKOS, XSD

from govgraph.core.vocab import CONCEPT, CV, GG, GRAPH, ID, ORG, SCHEMA, SOURCE

WD = "http://www.wikidata.org/entity/"
EU_COUNTRY = "http://publications.europa.eu/resource/authority/country/"
ONTOLOGY_GRAPH = URIRef(GRAPH + "ontology")
SOURCES_GRAPH = URIRef(GRAPH + "sources")
INFERRED_GRAPH = URIRef(GRAPH + "inferred")
PREFIXES = {
    "gg": str(GG),
    "org": str(ORG),
    "cv": str(CV),
    "eli": "http://data.europa.eu/eli/ontology#",
    "skos": str(SKOS),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "schema": str(SCHEMA),
    "rdfs": str(RDFS),
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": str(XSD),
    "wd": WD,
    "ggc": CONCEPT,
    "ggs": SOURCE,
}


_OWN = ((ID, ""), (SOURCE, "source/"), (CONCEPT, "concept/"))  # govgraph's records read best bare


def short(iri) -> str:
    """An IRI as reports and messages show it: govgraph's own records by their path (``cl/mdgu``,
    ``source/oecd-2016``, ``concept/…``), terms of known vocabularies by prefix (``gg:``, ``org:``,
    ``skos:`` …), anything else whole.

    Examples
    --------
    >>> short(ID + "cl/mdgu"), short(str(GG) + "Institution"), short("http://example.org/x")
    ('cl/mdgu', 'gg:Institution', 'http://example.org/x')
    """
    text = str(iri)
    for base, shown in _OWN:
        if text.startswith(base):
            return shown + text.removeprefix(base)
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if text.startswith(ns):
            return f"{prefix}:{text.removeprefix(ns)}"
    return text


def country_graph_iri(code: str) -> URIRef:
    return URIRef(GRAPH + code.lower())


def scenario_graph_iri(scenario_id: str) -> URIRef:
    return URIRef(f"{GRAPH}scenario/{scenario_id}")


def phase_graph_iri(scenario_id: str, order: int) -> URIRef:
    """The named graph of the whole arrangement after phase `order` (from 1) of a scenario."""
    return URIRef(f"{GRAPH}scenario/{scenario_id}/phase/{order}")


def phase_key(scenario_id: str, order: int) -> str:
    """How commands and queries name the picture after a phase, where they take a scenario id: the
    phase graph's IRI is then …/graph/scenario/<key>, like a scenario's."""
    return f"{scenario_id}/phase/{order}"


def split_key(key: str) -> tuple[str, int | None]:
    """A scenario id or `phase_key` → (scenario id, phase order or None)."""
    sid, _, order = key.partition("/phase/")
    return sid, int(order) if order.isdigit() else None


def scenario_iri(scenario_id: str) -> URIRef:
    return URIRef(f"{ID}scenario/{scenario_id}")


def phase_iri(scenario_id: str, phase_id: str) -> URIRef:
    return URIRef(f"{ID}scenario/{scenario_id}/phase/{phase_id}")


def country_iri(code: str) -> URIRef:
    return URIRef(ID + code.lower())


def group_iri(group_id: str) -> URIRef:
    """An intergovernmental organisation countries are grouped by (groups.yaml)."""
    return URIRef(f"{ID}group/{group_id}")


def record_iri(code: str, slug: str) -> URIRef:
    return URIRef(f"{ID}{code.lower()}/{slug}")


def concept(scheme: str, code: str) -> URIRef:
    return URIRef(f"{CONCEPT}{scheme}/{code}")


def source_iri(source_id: str) -> URIRef:
    return URIRef(SOURCE + source_id)


def eu_country_iri(iso3: str) -> URIRef:
    """The EU Publications Office country authority IRI (alpha-3 style, http, as the table publishes it)."""
    return URIRef(EU_COUNTRY + iso3.upper())


def inferred_graph_iri(scenario_id: str | None = None) -> URIRef:
    """The named graph of the reasoner's inferences: the baseline's, or one scenario's."""
    return INFERRED_GRAPH if scenario_id is None else URIRef(f"{INFERRED_GRAPH}/scenario/{scenario_id}")
