"""When the data contradicts the ontology: the conflicts in words a curator can act on (disjoint
classes, functional properties, ranges), with the records' file and line, and the axioms Pellet
names."""

from __future__ import annotations

import subprocess
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD

from govgraph.core import iris
from govgraph.core.errors import OntologyError
from govgraph.reason import jvm
from govgraph.reason.input import _OWL2_DATATYPES, ours


@dataclass(frozen=True)
class Conflict:
    """One reason the data contradicts the ontology, in words a curator can act on."""

    individuals: tuple[str, ...]  # IRIs
    axiom: str  # the ontology axiom involved, in words
    message: str  # the whole sentence
    origins: tuple[str, ...] = ()  # "file:line:column" of the records involved, where known

    def as_dict(self) -> dict:
        return {"individuals": list(self.individuals), "axiom": self.axiom, "message": self.message,
                "origins": list(self.origins)}


class InconsistencyError(OntologyError):
    """The data contradicts the ontology. `conflicts` are the plain-words findings; `explanation`
    the axioms Pellet names (may be empty when Pellet could not say)."""

    def __init__(self, label: str, conflicts: list[Conflict], explanation: list[str]):
        self.label = label
        self.conflicts = conflicts
        self.explanation = explanation
        lines = [f"the data contradicts the ontology ({label}); HermiT found it inconsistent."]
        if conflicts:
            lines += [f"  {n}. {c.message}" for n, c in enumerate(conflicts, 1)]
        else:
            lines.append("  No disjointness, functional-property or range conflict was found by the "
                         "targeted search; the axioms below are what the reasoner's explanation names.")
        if explanation:
            lines.append("  Axioms involved (Pellet's explanation):")
            lines += [f"    {line}" for line in explanation]
        lines.append("  Fix the record(s) named above so each individual fits its classes, then rebuild.")
        super().__init__("\n".join(lines))

    def __reduce__(self):  # picklable, so a reasoning run in a child process can raise it in the parent
        return (type(self), (self.label, self.conflicts, self.explanation))


def _label(data: Iterable[Graph], node) -> str:
    for g in data:
        for lang in ("en", None):
            for value in g.objects(node, RDFS.label):
                if isinstance(value, Literal) and (lang is None or value.language == lang):
                    return str(value)
    return ""




def _class_closure(merged: Graph) -> dict:
    """Named superclasses of every named class (rdfs:subClassOf, named equivalents, and the named
    members of an equivalent intersection)."""
    parents = defaultdict(set)
    for c, d in merged.subject_objects(RDFS.subClassOf):
        if isinstance(c, URIRef) and isinstance(d, URIRef):
            parents[c].add(d)
    for c, d in merged.subject_objects(OWL.equivalentClass):
        if isinstance(c, URIRef) and isinstance(d, URIRef):
            parents[c].add(d)
            parents[d].add(c)
        elif isinstance(c, URIRef) and isinstance(d, BNode):
            for lst in merged.objects(d, OWL.intersectionOf):
                for member in Collection(merged, lst):
                    if isinstance(member, URIRef):
                        parents[c].add(member)
    closure = {}

    def up(c, seen):
        for d in parents.get(c, ()):
            if d not in seen:
                seen.add(d)
                up(d, seen)
        return seen

    for c in set(parents) | {d for ds in parents.values() for d in ds}:
        closure[c] = up(c, {c})
    return closure


def _types_with_reasons(merged: Graph) -> dict:
    """individual → {class: why}, from assertions, domains and ranges, closed under subclassing."""
    closure = _class_closure(merged)
    domains = defaultdict(set)
    ranges = defaultdict(set)
    for p, c in merged.subject_objects(RDFS.domain):
        if isinstance(c, URIRef):
            domains[p].add(c)
    for p, c in merged.subject_objects(RDFS.range):
        if isinstance(c, URIRef):
            ranges[p].add(c)
    inverse: dict[Any, Any] = {}
    for p, q in merged.subject_objects(OWL.inverseOf):
        inverse[p], inverse[q] = q, p
    obj_props = set(merged.subjects(RDF.type, OWL.ObjectProperty))
    direct: dict[Any, dict[Any, str]] = defaultdict(dict)
    for s, o in merged.subject_objects(RDF.type):
        if isinstance(s, URIRef) and ours(str(s)) and isinstance(o, URIRef):
            direct[s].setdefault(o, f"asserted as {iris.short(o)}")
    for s, p, o in merged:
        if p == RDF.type or not isinstance(s, URIRef):
            continue
        for c in domains.get(p, ()):
            if ours(str(s)):
                direct[s].setdefault(c, f"it is the subject of {iris.short(p)}, whose domain is {iris.short(c)}")
        if p in obj_props and isinstance(o, URIRef) and ours(str(o)):
            for c in ranges.get(p, ()):
                direct[o].setdefault(c, f"{iris.short(s)} {iris.short(p)} it, and the range of {iris.short(p)} is {iris.short(c)}")
            inv = inverse.get(p)
            for c in domains.get(inv, ()) if inv is not None else ():
                direct[o].setdefault(c, f"{iris.short(s)} {iris.short(p)} it (inverse of {iris.short(inv)}, whose domain is {iris.short(c)})")
    types = {}
    for ind, found in direct.items():
        full: dict[Any, str] = {}
        for c, why in found.items():
            for sup in sorted(closure.get(c, {c})):
                full.setdefault(sup, why if sup == c else f"{why}, a subclass of {iris.short(sup)}")
        types[ind] = full
    return types


def _disjoint_pairs(merged: Graph) -> list[tuple[URIRef, URIRef, str]]:
    pairs: list[tuple[URIRef, URIRef, str]] = []
    for node in merged.subjects(RDF.type, OWL.AllDisjointClasses):
        for lst in merged.objects(node, OWL.members):
            members = [m for m in Collection(merged, lst) if isinstance(m, URIRef)]
            names = ", ".join(iris.short(m) for m in members)
            for i, a in enumerate(members):
                for b in members[i + 1:]:
                    pairs.append((a, b, f"the classes {names} are pairwise disjoint (owl:AllDisjointClasses)"))
    for x, y in merged.subject_objects(OWL.disjointWith):
        if isinstance(x, URIRef) and isinstance(y, URIRef):
            pairs.append((x, y, f"{iris.short(x)} owl:disjointWith {iris.short(y)}"))
    return pairs


def explain(merged: Graph, data: Iterable[Graph], origins: Mapping[str, str] | None = None) -> list[Conflict]:
    """A targeted search for why the data contradicts the ontology: an individual in two disjoint
    classes, two values of a functional datatype property, a value outside a datatype range."""
    data = list(data)
    origins = origins or {}
    conflicts: list[Conflict] = []

    def name(node) -> str:
        label = _label(data, node)
        where = origins.get(str(node))
        text = f"{label} ({iris.short(node)})" if label else iris.short(node)
        return f"{text} [{where}]" if where else text

    types = _types_with_reasons(merged)
    for a, b, axiom in _disjoint_pairs(merged):
        for ind in sorted(types):
            found = types[ind]
            if a in found and b in found:
                conflicts.append(Conflict(
                    individuals=(str(ind),), axiom=axiom,
                    message=(f"{name(ind)} is both a {iris.short(a)} ({found[a]}) and a {iris.short(b)} "
                             f"({found[b]}), but {axiom}."),
                    origins=tuple(o for o in (origins.get(str(ind)),) if o)))
    functional = set(merged.subjects(RDF.type, OWL.FunctionalProperty))
    datatype_props = set(merged.subjects(RDF.type, OWL.DatatypeProperty))
    for p in sorted(functional & datatype_props, key=str):
        values = defaultdict(set)
        for s, o in merged.subject_objects(p):
            if ours(str(s)):
                values[s].add(o)
        for s, vs in sorted(values.items()):
            if len(vs) > 1:
                shown = ", ".join(sorted(repr(str(v)) for v in vs))
                conflicts.append(Conflict(
                    individuals=(str(s),), axiom=f"{iris.short(p)} is functional (at most one value)",
                    message=f"{name(s)} has {len(vs)} values of {iris.short(p)} ({shown}), but {iris.short(p)} is "
                            f"functional: it allows at most one.",
                    origins=tuple(o for o in (origins.get(str(s)),) if o)))
    for p in sorted(datatype_props, key=str):
        for rng in merged.objects(p, RDFS.range):
            if rng not in _OWL2_DATATYPES or rng in (RDFS.Literal,):
                continue
            for s, o in merged.subject_objects(p):
                if isinstance(o, Literal) and ours(str(s)) and (o.datatype or XSD.string) != rng \
                        and not (rng == XSD.string and o.language is None and o.datatype is None):
                    conflicts.append(Conflict(
                        individuals=(str(s),), axiom=f"the range of {iris.short(p)} is {iris.short(rng)}",
                        message=f"{name(s)} has {iris.short(p)} {str(o)!r} of type {iris.short(o.datatype or XSD.string)}, "
                                f"but the range of {iris.short(p)} is {iris.short(rng)}.",
                        origins=tuple(x for x in (origins.get(str(s)),) if x)))
    return conflicts


def pellet_explanation(merged: Graph, java_memory_mb: int,
                       timeout: float = 120) -> list[str]:
    """The axioms Pellet (bundled with owlready2) says the inconsistency rests on; [] if it cannot."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.nt"
        path.write_bytes(merged.serialize(format="nt", encoding="utf-8"))
        command = [jvm.java(), f"-Xmx{java_memory_mb}M", "-cp", jvm.pellet_classpath(),
                   "pellet.Pellet", "explain", "--ignore-imports", str(path)]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired):
            return []
    text = result.stdout
    if "Explanation(s)" not in text:
        return []
    body = text.split("Explanation(s):", 1)[1]
    lines = []
    for line in body.splitlines():
        stripped = line.rstrip()
        if stripped.strip():
            lines.append(stripped.strip() if not stripped.startswith("     ") else "  " + stripped.strip())
    return [line for line in lines if not line.startswith(("at ", "Exception"))][:40]


def _inconsistency(merged: Graph, data: list[Graph], label: str, origins: Mapping[str, str],
                   java_memory_mb: int) -> InconsistencyError:
    conflicts = explain(merged, data, origins)
    explanation = pellet_explanation(merged, java_memory_mb)
    return InconsistencyError(label, conflicts, explanation)
