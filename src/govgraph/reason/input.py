"""What HermiT reads, as N-Triples: the ontology and the data, with provenance left out (citations
and sources change no inference and would only slow the reasoner down), and, under the closed world,
the concept schemes' codes made pairwise distinct and the levers closed.

The input is made from the graphs' canonical N-Triples line by line (`serialise.to_ntriples`: one
triple a line, `<s> <p> <o> .`): it is the file HermiT reads, and the same lines key the reasoning
cache, so no graph is copied or written again for the reasoner."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable

from rdflib import Graph
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from govgraph.core.vocab import CONCEPT, GG, ID, SOURCE
from govgraph.rdf.serialise import to_ntriples

Triple = tuple[bytes, bytes, bytes]  # N-Triples terms as written: b"<iri>", b"_:label", b'"text"@en'


def term(iri) -> bytes:
    """An IRI as N-Triples writes it."""
    return b"<" + str(iri).encode("utf-8") + b">"


# Datatypes HermiT accepts (OWL 2 datatype map, the ones we use); others are left out of its input.
_OWL2_DATATYPES = {XSD.boolean, XSD.decimal, XSD.integer, XSD.string, XSD.language, XSD.double,
                   XSD.float, XSD.int, XSD.long, XSD.nonNegativeInteger, XSD.anyURI, XSD.dateTime,
                   RDF.PlainLiteral, RDF.langString, RDFS.Literal}
_OWL2 = {str(d).encode("utf-8") for d in _OWL2_DATATYPES}

OURS = (ID, SOURCE)  # inferences are kept only about these individuals
_OURS = tuple(b"<" + prefix.encode("utf-8") for prefix in OURS)
_TYPE, _RANGE, _INVERSE = term(RDF.type), term(RDFS.range), term(OWL.inverseOf)


def triples(nt: bytes) -> list[Triple]:
    """The triples of canonical N-Triples (terms as written): a line is `<s> <p> <o> .`, and only an
    object, a literal, can hold a space."""
    out = []
    for line in nt.splitlines():
        if line and not line.startswith(b"#"):
            s, p, o = line.split(b" ", 2)
            out.append((s, p, o[:-2]))
    return out


def ntriples(triples: Iterable[Triple]) -> bytes:
    return b"".join(s + b" " + p + b" " + o + b" .\n" for s, p, o in triples)


def _datatype(literal: bytes) -> bytes | None:
    """A literal's datatype IRI; None for a plain or language-tagged one (rdflib's datatype None)."""
    return literal[literal.rindex(b"^^<") + 3:-1] if literal.endswith(b">") else None


def _unsupported(literal: bytes) -> bool:
    dt = _datatype(literal)
    return dt is not None and dt not in _OWL2


@dataclass(frozen=True)
class Ontology:
    """The ontology's part of every run's input, worked out once: its triples HermiT reads, and what
    filtering and pruning the data needs from it."""

    triples: tuple[Triple, ...]
    datatype_properties: frozenset[bytes]
    inverses: dict[bytes, frozenset[bytes]]  # property → its inverses (owl:inverseOf, both ways)
    prunable: bool  # the axioms `_prune` rests on are those it was checked against
    ranges: dict[bytes, frozenset[bytes]]  # the ranges of the properties pruned when their range holds
    nodes: frozenset[bytes]  # every subject and object

    @classmethod
    def of(cls, ontology: Graph) -> "Ontology":
        kept = tuple(t for t in triples(to_ntriples(ontology))
                     if not (t[2].startswith(b'"') and _unsupported(t[2])))  # e.g. dcterms:issued ^^xsd:date
        inverses = defaultdict(set)
        for s, p, o in kept:
            if p == _INVERSE:
                inverses[s].add(o)
                inverses[o].add(s)
        ranges = {term(p): frozenset(o for s, q, o in kept if s == term(p) and q == _RANGE)
                  for p, kind in _PRUNED_PROPERTIES.items() if kind == "range"}
        return cls(kept, frozenset(s for s, p, o in kept if p == _TYPE and o == term(OWL.DatatypeProperty)),
                   {p: frozenset(q) for p, q in inverses.items()}, prune_axioms_digest(ontology) == _PRUNE_AXIOMS,
                   ranges, frozenset(x for s, p, o in kept for x in (s, o)))


def reasoner_input(ontology: Ontology, data: Iterable[bytes], *, prune: bool = False,
                   closed_world: bool = False) -> tuple[Triple, ...]:
    """The triples HermiT sees: the ontology whole, the data (each graph's canonical N-Triples)
    without what no axiom uses. `prune` also leaves out the provenance no axiom reasons with
    (`_prune`); `closed_world` adds the codes' distinctness and the closed levers (`closed`)."""
    kept = []
    for nt in data:
        for t in triples(nt):
            o = t[2]
            if o.startswith(b'"') and (t[1] not in ontology.datatype_properties or _unsupported(o)):
                continue
            kept.append(t)
    if prune:
        kept = _prune(ontology, kept)
    merged = (*ontology.triples, *kept)
    return (*merged, *closed(ontology, merged)) if closed_world else merged


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
_PRUNED = {term(p): kind for p, kind in _PRUNED_PROPERTIES.items()}


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


def _prune(ontology: Ontology, data: list[Triple]) -> list[Triple]:
    """`data` (the data part of HermiT's input) without the provenance above, or unchanged when
    the ontology's axioms are not those the argument was checked against, or when a node to be left
    out is used by any other triple."""
    if not ontology.prunable:
        return data
    citation = term(GG.Citation)
    citations = {s for s, p, o in data if p == _TYPE and o == citation}
    typed = {(s, o) for s, p, o in (*data, *ontology.triples) if p == _TYPE}
    kept, gone = [], set(citations)
    for s, p, o in data:
        kind = _PRUNED.get(p)
        if s in citations or kind == "link":
            if kind == "link":
                gone.add(o)
            continue
        if kind == "range" and all((o, r) in typed for r in ontology.ranges[p]):
            continue
        kept.append((s, p, o))
    if any(s in gone or o in gone for s, p, o in kept) or not gone.isdisjoint(ontology.nodes):
        return data
    return kept


def ours(iri: str | bytes) -> bool:
    """An individual of govgraph's (an IRI; as a term, in angle brackets)."""
    return iri.startswith(_OURS) if isinstance(iri, bytes) else iri.startswith(OURS)


def individuals(data: Iterable[bytes]) -> int:
    """Individuals of ours with a type in the data (citations included, pruned or not; the ontology
    has none)."""
    return len({s for nt in data for s, p, o in triples(nt) if p == _TYPE and ours(s)})


# -- the closed world ---------------------------------------------------------------------------------
#
# gg:LeadBodyWithoutKeyLever is a negated class: HermiT can infer it only if a lead body's levers,
# and each lever's types, are known to be all there are, and two codes of one scheme are known to be
# different things (HermiT makes no unique-name assumption). So each lead body's gg:holdsLever and
# each lever's gg:leverType are closed to the values recorded (`lead ∈ ∀holdsLever.{values}`, or
# ∀holdsLever.owl:Nothing when it holds none), and each scheme's codes are owl:AllDifferent. Nothing
# else is closed (docs/reasoning.md).

def closed(ontology: Ontology, merged: Iterable[Triple]) -> list[Triple]:
    """The closed-world axioms for `merged` (the reasoner's input): codes distinct, levers closed."""
    merged = list(merged)
    return [*distinct_codes(merged), *_closed_levers(ontology, merged)]


def _collection(items: list[bytes], node: Callable[[], bytes], out: list[Triple]) -> bytes:
    """An RDF list of `items` (its triples added to `out`): its head."""
    head = term(RDF.nil)
    for item in reversed(items):
        cell = node()
        out.extend([(cell, term(RDF.first), item), (cell, term(RDF.rest), head)])
        head = cell
    return head


def _labels(prefix: bytes) -> Callable[[], bytes]:
    """New blank nodes, `_:<prefix><n>` (no other part of the input has labels like these)."""
    numbers = iter(range(1 << 62))
    return lambda: b"_:%s%d" % (prefix, next(numbers))


def distinct_codes(merged: Iterable[Triple]) -> list[Triple]:
    """owl:AllDifferent per SKOS scheme: two codes of one list are never the same thing."""
    schemes = defaultdict(set)
    concept = b"<" + CONCEPT.encode("utf-8")
    for s, p, o in merged:
        if p == term(SKOS.inScheme) and s.startswith(concept):
            schemes[o].add(s)
    out: list[Triple] = []
    node = _labels(b"govgraphDistinct")
    for scheme, codes in sorted(schemes.items()):
        if len(codes) > 1:
            different = node()
            out.extend([(different, _TYPE, term(OWL.AllDifferent)),
                        (different, term(OWL.distinctMembers), _collection(sorted(codes), node, out))])
    return out


def _closed_levers(ontology: Ontology, merged: list[Triple]) -> list[Triple]:
    """Each lead body's gg:holdsLever and each lever's gg:leverType closed to the values stated
    (either way round, through owl:inverseOf)."""
    leads = {s for s, p, o in merged if p == term(GG.leadsDigitalGovernment)}
    levers = {s for s, p, o in merged if p == _TYPE and o == term(GG.PolicyLever)}
    closing = {term(GG.holdsLever): leads, term(GG.leverType): levers}
    values = defaultdict(set)  # (subject, closed property) → its values
    inverse = {q: p for p in closing for q in ontology.inverses.get(p, ())}
    for s, p, o in merged:
        if p in closing:
            values[s, p].add(o)
        elif p in inverse:
            values[o, inverse[p]].add(s)
    out: list[Triple] = []
    node = _labels(b"govgraphClosed")
    for prop, subjects in closing.items():
        for subject in sorted(x for x in subjects if x.startswith(b"<")):
            held = sorted(values.get((subject, prop), ()))
            if held:
                only = node()
                out.extend([(only, _TYPE, term(OWL.Class)), (only, term(OWL.oneOf), _collection(held, node, out))])
            else:
                only = term(OWL.Nothing)
            restriction = node()
            out.extend([(restriction, _TYPE, term(OWL.Restriction)), (restriction, term(OWL.onProperty), prop),
                        (restriction, term(OWL.allValuesFrom), only), (subject, _TYPE, restriction)])
    return out
