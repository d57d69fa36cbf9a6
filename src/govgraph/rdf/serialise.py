"""Canonical serialisations: the same graph always gives the same bytes, so a diff of two builds
shows real changes only (sorted N-Triples underneath every format)."""

from __future__ import annotations

import json
import re
from typing import Any, Iterable

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import RDF, XSD

from govgraph.core.iris import PREFIXES


def new_graph(identifier: Any = None) -> Graph:
    """An empty graph in rdflib's SimpleMemory store: the graphs govgraph builds are each one graph
    (never a dataset), and rdflib's default store, which keeps every triple's contexts, makes each
    add and lookup about half as slow again."""
    return Graph(store="SimpleMemory", identifier=identifier)


def to_ntriples(g: Graph) -> bytes:
    """The lines rdflib's N-Triples serialiser writes, sorted, each distinct term written once
    (rdflib checks and formats every occurrence: a third of the time, on the real data)."""
    from rdflib import Literal
    from rdflib.plugins.serializers.nt import _quoteLiteral

    written: dict = {}
    lines = set()
    for triple in g:
        terms = []
        for term in triple:
            text = written.get(term)
            if text is None:
                text = written[term] = _quoteLiteral(term) if isinstance(term, Literal) else term.n3()
            terms.append(text)
        lines.add("%s %s %s .\n" % tuple(terms))
    return "".join(sorted(lines)).encode("utf-8")


def from_ntriples(nt: bytes, identifier: str) -> Graph:
    """The graph of canonical N-Triples, blank nodes keeping their labels (rdflib's parser mints
    new ones), so it serialises back to the same bytes. Read by pyoxigraph: faster than building
    the ontology's graph again from its Turtle."""
    from rdflib import URIRef

    g = new_graph(URIRef(identifier))
    for t in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES):
        g.add((rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object)))
    return g


def rdflib_term(t: Any) -> Any:
    """The rdflib term of a pyoxigraph one, as rdflib's own parsers give it (a plain literal for
    xsd:string) but with blank-node labels kept."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    if t.language:
        return Literal(t.value, lang=t.language)
    return Literal(t.value, datatype=None if t.datatype.value == XSD_STRING else URIRef(t.datatype.value))


def ntriples_by_graph(graphs: Iterable[Graph]) -> dict[str, bytes]:
    """Graph IRI → its canonical N-Triples: what `store.create` loads."""
    return {str(g.identifier): to_ntriples(g) for g in graphs}


def to_nquads(graphs: Iterable[Graph], ntriples: dict[str, bytes] | None = None) -> bytes:
    """Every graph's sorted N-Triples with the graph's IRI added: N-Quads, sorted.
    `ntriples` (graph IRI → bytes) reuses serialisations already made."""
    return nquads_of({str(g.identifier): (ntriples or {}).get(str(g.identifier)) or to_ntriples(g) for g in graphs})


def nquads_of(ntriples: dict[str, bytes]) -> bytes:
    """N-Quads, sorted, of the graphs in `ntriples` (graph IRI → its canonical N-Triples). Sorted
    as bytes: UTF-8 keeps the order of the characters, so this is the order of the text."""
    lines: set[bytes] = set()
    for iri, nt in ntriples.items():
        suffix = b" <" + iri.encode("utf-8") + b"> .\n"
        lines.update(line[:-2] + suffix for line in nt.splitlines(keepends=True) if line.strip())
    return b"".join(sorted(lines))


def to_turtle(g: Graph, ntriples: bytes | None = None) -> bytes:
    """Canonical Turtle: the graph's sorted N-Triples written by pyoxigraph with the graph's bound
    prefixes, prefix lines sorted, so the same graph always gives the same bytes. pyoxigraph's writer
    is some fifty times faster than rdflib's on our graphs (the build writes ~100k triples)."""
    nt = ntriples if ntriples is not None else to_ntriples(g)
    triples = ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)
    prefixes = {str(p): str(ns) for p, ns in g.namespaces() if p and b"<" + str(ns).encode() in nt}
    text = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b""
    head, body = [], []
    for line in text.decode("utf-8").splitlines():
        (head if line.startswith("@prefix ") else body).append(line)
    return ("\n".join(sorted(head) + [""] + body) + "\n").encode("utf-8")


def to_rdfxml(g: Graph, ntriples: bytes | None = None) -> bytes:
    """RDF/XML (for OWL tools that read no Turtle: owlready2, older Protégé), written by pyoxigraph
    from the sorted N-Triples with the graph's prefixes, so the bytes are stable."""
    nt = ntriples if ntriples is not None else to_ntriples(g)
    prefixes = {str(p): str(ns) for p, ns in g.namespaces() if p and b"<" + str(ns).encode() in nt}
    return ox.serialize(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.RDF_XML,
                        prefixes=dict(sorted(prefixes.items()))) or b""


def to_trig(graphs: Iterable[Graph], turtle: dict[str, bytes] | None = None) -> bytes:
    """TriG made of each graph's Turtle body, graphs sorted by IRI, prefixes declared once.
    `turtle` (graph IRI → bytes) reuses serialisations already made."""
    return trig_of({str(g.identifier): (turtle or {}).get(str(g.identifier)) or to_turtle(g) for g in graphs})


def trig_of(turtle: dict[str, bytes]) -> bytes:
    """TriG of the graphs in `turtle` (graph IRI → its canonical Turtle), sorted by IRI."""
    prefixes: set[str] = set()
    bodies = []
    for iri, text in sorted(turtle.items()):
        lines = text.decode("utf-8").splitlines()
        prefixes.update(line for line in lines if line.startswith("@prefix"))
        body = "\n".join(("    " + line) if line.strip() else "" for line in lines
                         if not line.startswith("@prefix")).strip("\n")
        bodies.append(f"\n<{iri}> {{\n{body}\n}}\n")
    return ("\n".join(sorted(prefixes)) + "\n" + "".join(bodies)).encode("utf-8")


def jsonld_context() -> dict:
    return {"@context": {**PREFIXES, "@language": "en"}}


_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


XSD_STRING, XSD_BOOLEAN = str(XSD.string), str(XSD.boolean)
_SORT_KEY = json.JSONEncoder(sort_keys=True).encode  # json.dumps(v, sort_keys=True), its encoder made once


def to_jsonld(g: Graph, ntriples: bytes | None = None) -> bytes:
    """JSON-LD with our prefixes as its context: one node per subject (sorted by @id) and per line,
    keys and values sorted, so bytes are stable. Written here from the sorted N-Triples because rdflib's
    serializer took most of the build's writing time; tests read it back with rdflib's parser."""
    nt = ntriples if ntriples is not None else to_ntriples(g)
    context = {p: ns for p, ns in PREFIXES.items() if ("<" + ns).encode() in nt}
    bases = sorted(((ns, p) for p, ns in context.items()), key=lambda x: -len(x[0]))

    shrunk: dict[str, str] = {}  # an IRI recurs (predicates, classes, shared nodes): looked up once

    def shrink(iri: str) -> str:
        found = shrunk.get(iri)
        if found is None:
            found = shrunk[iri] = next((f"{prefix}:{iri[len(ns):]}" for ns, prefix in bases
                                        if iri.startswith(ns) and _LOCAL.match(iri[len(ns):])), iri)
        return found

    def value(term) -> Any:
        if isinstance(term, ox.NamedNode):
            return {"@id": shrink(term.value)}
        if isinstance(term, ox.BlankNode):
            return {"@id": f"_:{term.value}"}
        if term.language:
            return {"@language": term.language, "@value": term.value}
        if term.datatype.value == XSD_STRING:
            return term.value
        if term.datatype.value == XSD_BOOLEAN and term.value in ("true", "false"):
            return term.value == "true"
        return {"@type": shrink(term.datatype.value), "@value": term.value}

    nodes: dict[str, dict[str, list]] = {}
    rdf_type, named = str(RDF.type), ox.NamedNode
    for t in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES):
        subject, obj = t.subject, t.object
        sid = shrink(subject.value) if type(subject) is named else f"_:{subject.value}"
        node = nodes.get(sid)
        if node is None:
            node = nodes[sid] = {}
        predicate = t.predicate.value
        if predicate == rdf_type and type(obj) is named:
            key, item = "@type", shrink(obj.value)
        else:
            key, item = shrink(predicate), value(obj)
        found = node.get(key)
        if found is None:
            node[key] = [item]
        else:
            found.append(item)
    graph = []
    for sid in sorted(nodes):
        item: dict[str, Any] = {"@id": sid}
        for key, values in nodes[sid].items():
            if len(values) == 1:
                item[key] = values[0]
            else:
                item[key] = sorted(values, key=_SORT_KEY)
        graph.append(item)
    # one node a line: json's C encoder writes no indented text, and the file still reads (and
    # diffs) node by node
    lines = [json.dumps(node, ensure_ascii=False, sort_keys=True) for node in graph]
    text = '{\n "@context": ' + json.dumps(context, ensure_ascii=False, sort_keys=True) + ',\n "@graph": [\n  ' \
        + ",\n  ".join(lines) + "\n ]\n}\n"
    return text.encode("utf-8")
