"""The SPARQL 1.1 Protocol details of `govgraph serve`: which format an answer takes (the Accept
header, then `format=`), and the Service Description a client gets when it asks /sparql for RDF."""

from __future__ import annotations

import pyoxigraph as ox

RESULT_TYPES = [  # media type → writer key, first is the default
    ("application/sparql-results+json", "json"),
    ("application/json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("application/xml", "xml"),
    ("text/xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
]


BOOLEAN_TYPES = [t for t in RESULT_TYPES if t[1] in ("json", "xml")]


GRAPH_TYPES = [  # media type → pyoxigraph format
    ("text/turtle", "TURTLE"),
    ("application/n-triples", "N_TRIPLES"),
    ("application/ld+json", "JSON_LD"),
    ("application/rdf+xml", "RDF_XML"),
    ("text/plain", "N_TRIPLES"),
]


# ?format= (or output=) shortcuts, by kind of result: "xml" and "json" mean the SPARQL results
# formats for SELECT/ASK and RDF/XML and JSON-LD for CONSTRUCT/DESCRIBE (SPARQLWrapper's defaults)
RESULT_ALIASES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                  "csv": "text/csv", "tsv": "text/tab-separated-values"}


GRAPH_ALIASES = {"xml": "application/rdf+xml", "rdfxml": "application/rdf+xml", "json": "application/ld+json",
                 "jsonld": "application/ld+json", "json-ld": "application/ld+json", "turtle": "text/turtle",
                 "ttl": "text/turtle", "nt": "application/n-triples", "ntriples": "application/n-triples"}


def _media_ranges(accept: str | None) -> list[tuple[str, float, int]]:
    """The Accept header as (media range, q, position), ranges with q = 0 left out."""
    ranges = []
    for position, part in enumerate((accept or "").split(",")):
        fields = [f.strip() for f in part.split(";")]
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if fields[0] and q > 0:
            ranges.append((fields[0].lower(), q, position))
    return ranges


def _preferred(accept: str | None) -> list[str]:
    """The media types the Accept header ranks first (highest q), in their order; none for */*."""
    ranked = sorted((-q, position, media) for media, q, position in _media_ranges(accept) if "*" not in media)
    return [media for q, _, media in ranked if q == ranked[0][0]] if ranked else []


def choose(accept: str | None, fmt: str | None, offers: list[tuple[str, str]],
           aliases: dict[str, str]) -> tuple[str, str] | None:
    """The answer's format: the Accept header when the type it prefers is offered (it wins over
    `format` when they disagree); else `format` (an alias for this kind of result, or a media type);
    else ordinary negotiation over Accept (q-values, wildcards; the first offer when there is none)."""
    for media in _preferred(accept):
        for offer in offers:
            if offer[0] == media:
                return offer
    if fmt:
        wanted = aliases.get(fmt.lower(), fmt.lower())
        return next((o for o in offers if o[0] == wanted), None)
    return negotiate(accept, offers)


SD = "http://www.w3.org/ns/sparql-service-description#"


FORMATS = "http://www.w3.org/ns/formats/"


SD_PREFIXES = {"sd": SD, "formats": FORMATS, "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}


RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                  "Turtle", "N-Triples", "JSON-LD", "RDF_XML")


def service_description(endpoint: str, void: str, graph_names: list[str]) -> list[ox.Triple]:
    """What the endpoint offers (SPARQL 1.1 Service Description): the query language only, no
    sd:UpdateLanguage (the service is read-only: updates and SERVICE are refused), its result
    formats, and the dataset: the default graph (the baseline view) and every named graph of the
    build. VoID links: the service `rdfs:seeAlso` the build's void.ttl, and each named graph's
    description (`sd:graph`) is the VoID subset of the same IRI that void.ttl counts."""
    node, dataset, default = ox.NamedNode(endpoint), ox.BlankNode("dataset"), ox.BlankNode("default")
    a, sd = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), (lambda t: ox.NamedNode(SD + t))
    comment = ox.NamedNode(SD_PREFIXES["rdfs"] + "comment")
    triples = [ox.Triple(node, a, sd("Service")), ox.Triple(node, sd("endpoint"), node),
               ox.Triple(node, sd("supportedLanguage"), sd("SPARQL11Query")),
               ox.Triple(node, comment, ox.Literal(
                   "Read-only: SPARQL Update is refused (403), so no update language is offered, and so is "
                   "SERVICE (400); queries have a time, memory and row limit. Relative IRIs in a query "
                   "resolve against this endpoint's URL (a BASE in the query overrides it). The default "
                   "graph is the union of the ontology, the sources and every country's graph with its "
                   "inferences; scenarios are named graphs. Each named graph is described in VoID "
                   "(rdfs:seeAlso).", language="en")),
               ox.Triple(node, ox.NamedNode(SD_PREFIXES["rdfs"] + "seeAlso"), ox.NamedNode(void)),
               ox.Triple(node, sd("defaultDataset"), dataset), ox.Triple(dataset, a, sd("Dataset")),
               ox.Triple(dataset, sd("defaultGraph"), default), ox.Triple(default, a, sd("Graph"))]
    triples += [ox.Triple(node, sd("resultFormat"), ox.NamedNode(FORMATS + f)) for f in RESULT_FORMATS]
    for n, name in enumerate(graph_names):
        graph = ox.BlankNode(f"graph{n}")
        iri = ox.NamedNode(name)
        triples += [ox.Triple(dataset, sd("namedGraph"), graph), ox.Triple(graph, a, sd("NamedGraph")),
                    ox.Triple(graph, sd("name"), iri), ox.Triple(graph, sd("graph"), iri),
                    ox.Triple(iri, a, sd("Graph"))]
    return triples


def negotiate(accept: str | None, offers: list[tuple[str, str]]) -> tuple[str, str] | None:
    """Pick the offer the Accept header likes best (q-values, type/*, */*); the first offer if none."""
    if not accept or not accept.strip():
        return offers[0]
    best, best_q = None, 0.0
    for media, q, position in _media_ranges(accept):
        for offer in offers:
            kind = offer[0]
            if media == kind or media == "*/*" or (media.endswith("/*") and kind.startswith(media[:-1])):
                # exact matches beat wildcards at equal q
                score = q - (0.0001 if "*" in media else 0) - position * 1e-7
                if score > best_q:
                    best, best_q = offer, score
                break
    return best
