"""What HermiT reads: the ontology and the data, with provenance left out (citations and sources
change no inference and would only slow the reasoner down), and the concept schemes' codes made
pairwise distinct."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from govgraph.core.vocab import CONCEPT, GG, ID, SOURCE
from govgraph.rdf.serialise import new_graph

# Datatypes HermiT accepts (OWL 2 datatype map, the ones we use); others are left out of its input.
_OWL2_DATATYPES = {XSD.boolean, XSD.decimal, XSD.integer, XSD.string, XSD.language, XSD.double,
                   XSD.float, XSD.int, XSD.long, XSD.nonNegativeInteger, XSD.anyURI, XSD.dateTime,
                   RDF.PlainLiteral, RDF.langString, RDFS.Literal}


OURS = (ID, SOURCE)  # inferences are kept only about these individuals


def reasoner_input(ontology: Graph, data: Iterable[Graph], *, prune: bool = False) -> Graph:
    """The merged graph HermiT sees: the ontology whole, the data without what no axiom uses.
    `prune` also leaves out the provenance no axiom reasons with (`_prune`)."""
    datatype_props = set(ontology.subjects(RDF.type, OWL.DatatypeProperty))
    merged = new_graph()
    for t in ontology:
        if isinstance(t[2], Literal) and t[2].datatype is not None and t[2].datatype not in _OWL2_DATATYPES:
            continue  # e.g. dcterms:issued "2014-07-15"^^xsd:date on an annotation
        merged.add(t)
    triples = []
    for g in data:
        for s, p, o in g:
            if isinstance(o, Literal):
                if p not in datatype_props or (o.datatype is not None and o.datatype not in _OWL2_DATATYPES):
                    continue
            triples.append((s, p, o))
    if prune:
        triples = _prune(ontology, merged, triples)
    for t in triples:
        merged.add(t)
    return merged


# -- provenance, left out of HermiT's input ----------------------------------------------------------
#
# Every fact carries dcterms:source, prov:wasDerivedFrom and gg:citation (a gg:Citation node with
# gg:citedSource), gg:country and gg:confidence: a third of the input triples and, with the citation
# nodes, most of its individuals, and 40 % of HermiT's time. None of it decides an inference:
# - dcterms:source, dcterms:references and prov:wasDerivedFrom have no axiom at all;
# - gg:country and gg:confidence only have a range (gg:Country, skos:Concept) that their objects
#   are asserted to have anyway;
# - a citation node is linked only by gg:citation (range gg:Citation), typed gg:Citation (a class
#   no other axiom names) and points by gg:citedSource at a source (range gg:Source), which is in
#   the input for nothing else (sources are reasoned about nowhere: they have no asserted type).
# Any model of the rest extends to one of the whole (those properties interpreted as exactly the
# asserted pairs, one fresh citation and one fresh source element), so HermiT's answers about every
# other individual, and whether the data is consistent, are the same; a citation's answer is just
# gg:Citation, which is asserted, and the inferred graph keeps only new triples. This rests on the
# ontology's axioms about these terms: `_PRUNE_AXIOMS` is their digest when it was checked (and
# tests/test_reason.py compares pruned and whole input on every fixture and the real data). If
# they change, nothing is left out until someone checks again and updates the digest.
_PRUNED_PROPERTIES = {DCTERMS.source: "link", DCTERMS.references: "link", PROV.wasDerivedFrom: "link", GG.citation: "link",
                      GG.citedSource: "link", GG.country: "range", GG.confidence: "range"}


_PRUNE_TERMS = (*_PRUNED_PROPERTIES, GG.Citation, GG.Source, DCTERMS.BibliographicResource, PROV.Entity)


_PRUNE_AXIOMS = "531db46a07de53cea8ce5c51f8d44d3b77e0e4c8ed15e9d0f1d0a63bd4e801c1"


_ANNOTATIONS = {RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy}


def prune_axioms_digest(ontology: Graph) -> str:
    """Digest of the ontology's axioms (not annotations) that name a term `_prune` relies on."""
    annotations = _ANNOTATIONS | set(ontology.subjects(RDF.type, OWL.AnnotationProperty))
    terms = set(_PRUNE_TERMS)
    lines = sorted(f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in ontology
                   if p not in annotations and (s in terms or o in terms))
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _prune(ontology: Graph, merged: Graph, triples: list[tuple]) -> list[tuple]:
    """`triples` (the data part of HermiT's input) without the provenance above, or unchanged when
    the ontology's axioms are not those the argument was checked against, or when a node to be left
    out is used by any other triple."""
    if prune_axioms_digest(ontology) != _PRUNE_AXIOMS:
        return triples
    citations = {s for s, p, o in triples if p == RDF.type and o == GG.Citation}
    typed = {(s, o) for s, p, o in triples if p == RDF.type} | {(s, o) for s, o in merged.subject_objects(RDF.type)}
    ranges = {p: set(ontology.objects(p, RDFS.range)) for p, kind in _PRUNED_PROPERTIES.items() if kind == "range"}
    kept, gone = [], set(citations)
    for s, p, o in triples:
        kind = _PRUNED_PROPERTIES.get(p)
        if s in citations or kind == "link":
            gone.add(o) if kind == "link" else None
            continue
        if kind == "range" and all((o, r) in typed for r in ranges[p]):
            continue
        kept.append((s, p, o))
    if any(s in gone or o in gone for s, p, o in kept) or any(s in gone or o in gone for s, p, o in merged):
        return triples
    return kept


def _ours(iri: str) -> bool:
    return iri.startswith(OURS)


def _scheme_distinctness(merged: Graph) -> Graph:
    """owl:AllDifferent per SKOS scheme: two codes of one list are never the same thing. Needed for
    the closed-world classes (HermiT makes no unique-name assumption)."""
    extra = Graph()
    schemes = defaultdict(set)
    for c, scheme in merged.subject_objects(SKOS.inScheme):
        if isinstance(c, URIRef) and str(c).startswith(CONCEPT):
            schemes[scheme].add(c)
    for scheme, codes in sorted(schemes.items()):
        if len(codes) < 2:
            continue
        node = BNode()
        members = BNode()
        extra.add((node, RDF.type, OWL.AllDifferent))
        extra.add((node, OWL.distinctMembers, members))
        Collection(extra, members, sorted(codes))
    return extra
