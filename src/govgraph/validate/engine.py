"""SHACL by rudof (pyrudof, a Rust engine): data in as N-Triples, each result out as plain fields.

Why rudof: pySHACL spent 14 s of CPU on a fresh build of the 31 countries' graphs (most of it in
rdflib's store, for every value node of every nested shape); rudof gives the same results in about
2 s. tests/test_validate.py holds the two engines to the same findings on mutated data.

A shapes graph is read once per process. Its blank-node shapes are named first, after the shape
they belong to and the way to it (`…shapes#PhaseShape/xone/1`, `…shapes#CitationShape/citedSource`):
rudof labels blank nodes at random in each run, and a result must name its shape the same way
every time (validation.json is part of the build's output) and lead back to the named shape it
belongs to.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

# the predicates whose (blank-node) objects are shapes, and those whose objects are lists of shapes
_SHAPE_REFS = (SH.property, SH.node, SH.qualifiedValueShape, SH["not"])
_LIST_REFS = (SH["and"], SH["or"], SH.xone)
SEVERITIES = {"Violation": "violation", "Warning": "warning", "Info": "info"}
# rudof shows a literal as its lexical form in quotes, then a language tag or a datatype
_LITERAL = re.compile(r'^"(?P<lexical>.*)"(?:@[A-Za-z0-9-]+|\^\^(?:<[^<>]*>|[\w.-]*:[\w.-]*))?$', re.DOTALL)
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]*$")


@dataclass(frozen=True)
class Result:
    """One SHACL result. `focus`: an IRI, or `_:label` for a blank node (the label the data's
    N-Triples gave it); `path`: an IRI, "(complex path)" or ""; `value`: an IRI, `_:label` or a
    literal's lexical form, "" when none (`value_is_iri` tells an IRI from a literal); `shape`: the
    shape the result comes from, and `top`: the named shape that shape belongs to."""

    focus: str
    path: str
    value: str
    value_is_iri: bool
    severity: str  # violation | warning | info
    component: str
    shape: str
    top: str
    message: str


class _Shapes:
    """A shapes graph ready for rudof: its blank-node shapes named, each name's top shape, and each
    shape's own messages."""

    def __init__(self, shapes: Graph):
        self.named, self.top = _named_shapes(shapes)
        self.messages: dict[str, list[Literal]] = {}
        for shape, message in self.named.subject_objects(SH.message):
            if isinstance(message, Literal):
                self.messages.setdefault(str(shape), []).append(message)
        self.ntriples = self.named.serialize(format="nt", encoding="utf-8")
        self._rudof = None

    @property
    def rudof(self):
        """A rudof session with the shapes read, made when first needed (in a child process only:
        see `validate`)."""
        if self._rudof is None:
            import pyrudof

            self._rudof = pyrudof.Rudof(pyrudof.RudofConfig())
            self._rudof.read_shacl(self.ntriples.decode("utf-8"), pyrudof.ShaclFormat.NTriples)
        return self._rudof

    def message(self, shape: str, generated: str) -> str:
        """The shape's own sh:message (English or untagged first), else rudof's."""
        own = sorted(self.messages.get(shape, []), key=lambda m: (m.language not in (None, "en"), str(m)))
        return str(own[0]) if own else _lexical(generated)


_READY: dict[str, _Shapes] = {}


def _ready(shapes: Graph) -> _Shapes:
    key = hashlib.sha256(shapes.serialize(format="nt", encoding="utf-8")).hexdigest()
    if key not in _READY:
        _READY[key] = _Shapes(shapes)
    return _READY[key]


def validate(data: bytes, shapes: Graph) -> list[Result]:
    """Every result of validating `data` (N-Triples) against `shapes`, in rudof's order.

    rudof keeps worker threads once it has validated a large graph, and a process forked after
    that hangs in its own next validation (the threads are not there to answer): so rudof runs only
    in a child process (`core.background`), the build's or one forked here for the purpose, and a
    process that forks (the build's, a test run's, a notebook's) never starts it itself."""
    from govgraph.core.background import Background, in_child

    ready = _ready(shapes)
    if not in_child():
        return Background(_validate_here, data, ready).result()
    return _validate_here(data, ready)


def _validate_here(data: bytes, ready: _Shapes) -> list[Result]:
    import pyrudof

    if not data.strip():
        return []
    rudof = ready.rudof
    rudof.read_data(data.decode("utf-8"), pyrudof.RDFFormat.NTriples, reader_mode=pyrudof.ReaderMode.Strict)
    results = []
    for entry in rudof.validate_shacl():
        shape = str(entry.source_shape)
        value = "" if entry.value is None else str(entry.value)
        literal = _LITERAL.match(value)
        path = "" if entry.path is None else str(entry.path)
        results.append(Result(
            focus=str(entry.focus_node), path=path if not path or _IRI.match(path) else "(complex path)",
            value=literal.group("lexical") if literal else value,
            value_is_iri=bool(value) and not literal and not value.startswith("_:"),
            severity=SEVERITIES.get(str(entry.severity), "violation"), component=str(entry.constraint_component),
            shape=shape, top=ready.top.get(shape, ""), message=ready.message(shape, str(entry.message or ""))))
    rudof.reset_data()
    return results


def _lexical(shown: str) -> str:
    match = _LITERAL.match(shown.strip())
    return match.group("lexical") if match else shown.strip()


def _named_shapes(shapes: Graph) -> tuple[Graph, dict[str, str]]:
    """`shapes` with every blank node that is a shape given an IRI under the named shape it belongs
    to, and each shape's (named or not) top named shape. Lists and paths keep their blank nodes."""
    names: dict[BNode, URIRef] = {}
    top: dict[str, str] = {}
    used: set[str] = {str(s) for s in shapes.subjects() if isinstance(s, URIRef)}

    def signature(node: BNode) -> tuple:
        return tuple(sorted((str(p), "" if isinstance(o, BNode) else o.n3()) for p, o in shapes.predicate_objects(node)))

    def step(pred: URIRef, node: BNode) -> str:
        path = shapes.value(node, SH.path) if pred == SH.property else None
        return _local(path) if isinstance(path, URIRef) else _local(pred)

    def name(node: BNode, wanted: str, root: str) -> None:
        if node in names:
            return
        iri, n = wanted, 1
        while iri in used:
            n += 1
            iri = f"{wanted}-{n}"
        used.add(iri)
        names[node] = URIRef(iri)
        top[iri] = root
        visit(node, iri, root)

    def visit(node, iri: str, root: str) -> None:
        for pred in _SHAPE_REFS:
            for kid in sorted((o for o in shapes.objects(node, pred) if isinstance(o, BNode)), key=signature):
                name(kid, f"{iri}/{step(pred, kid)}", root)
        for pred in _LIST_REFS:
            for head in sorted(shapes.objects(node, pred), key=str):
                for i, member in enumerate(Collection(shapes, head)):
                    if isinstance(member, BNode):
                        name(member, f"{iri}/{_local(pred)}/{i}", root)

    for shape in sorted({s for s in shapes.subjects() if isinstance(s, URIRef)}, key=str):
        top[str(shape)] = str(shape)
        visit(shape, str(shape), str(shape))
    named = Graph()
    for prefix, namespace in shapes.namespaces():
        named.bind(prefix, namespace)
    for s, p, o in shapes:
        named.add((names.get(s, s) if isinstance(s, BNode) else s, p, names.get(o, o) if isinstance(o, BNode) else o))
    return named, top


def _local(iri: URIRef) -> str:
    return re.split(r"[#/]", str(iri))[-1] or str(iri)
