"""Reasoning results and their cache: a result is kept under a digest of everything that decides it
(the reasoning code, the ontology, the data), so a hit is the answer HermiT would give again."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef

from govgraph.rdf import mapping, serialise


@dataclass
class Reasoned:
    """What one reasoning run produced."""

    label: str  # e.g. "baseline as of 2016-06-30", "scenario zz-finance"
    graph: Graph  # the inferred triples, identifier = the inferred named graph
    individuals: int  # individuals of ours in the input
    seconds: float
    classes: dict[str, int] = field(default_factory=dict)  # inferred class IRI → individuals
    cached: bool = False  # taken from the previous build: same ontology, data and reasoner code
    content_key: str = ""  # when taken from the cache: the key of the data it was reasoned over (Cache.key)

    def __reduce__(self):  # pickled as N-Triples (what Cache keeps too), for a run in a child process
        return (_reasoned, (self.label, str(self.graph.identifier), serialise.to_ntriples(self.graph),
                            self.individuals, self.seconds, self.classes, self.cached))


def _reasoned(label: str, iri: str, nt: bytes, individuals: int, seconds: float, classes: dict,
              cached: bool) -> Reasoned:
    graph = Graph(identifier=URIRef(iri))
    mapping._bind(graph)  # the prefixes of a fresh run, so the files are byte-identical
    graph.parse(data=nt, format="nt")
    return Reasoned(label, graph, individuals, seconds, classes, cached)


@dataclass(frozen=True)
class Cache:
    """Where earlier results are read from (the previous build's out/cache/reasoning) and where the
    results of this build are kept (the new build's). Results are keyed by a digest of everything
    that decides them, so a hit is the answer HermiT would give again, without the JVM."""

    read: Path | None = None
    write: Path | None = None

    @staticmethod
    def key(ontology: Graph | bytes, data: list[Graph], closed_world: bool) -> str:
        """`ontology` may be given as its canonical N-Triples already (the same for every run)."""
        digest = hashlib.sha256()
        for module in sorted(Path(__file__).parent.glob("*.py")):  # the reasoning code itself
            digest.update(module.read_bytes())
        digest.update(b"closed" if closed_world else b"open")
        digest.update(ontology if isinstance(ontology, bytes) else serialise.to_ntriples(ontology))
        for g in data:
            digest.update(serialise.to_ntriples(g))
        return digest.hexdigest()

    @staticmethod
    def key_of(data_key: str, closed_world: bool) -> str:
        """The key of a run whose data is keyed already (`data_key`: a digest of govgraph's code,
        the ontology included, and of the curated records the data is made from)."""
        digest = hashlib.sha256()
        for module in sorted(Path(__file__).parent.glob("*.py")):
            digest.update(module.read_bytes())
        digest.update(b"closed" if closed_world else b"open")
        digest.update(b"keyed data " + data_key.encode("ascii"))
        return digest.hexdigest()

    def load(self, key: str, graph_iri: URIRef, label: str) -> Reasoned | None:
        if self.read is None or not (self.read / f"{key}.json").exists():
            return None
        try:
            meta = json.loads((self.read / f"{key}.json").read_text(encoding="utf-8"))
            graph = Graph(identifier=graph_iri)
            mapping._bind(graph)  # the same prefixes as a fresh run, so the files are byte-identical
            graph.parse(self.read / f"{key}.nt", format="nt")
        except (OSError, ValueError, SyntaxError):
            return None  # a damaged entry is recomputed
        return Reasoned(label=label, graph=graph, individuals=meta["individuals"], seconds=0.0,
                        classes=meta["classes"], cached=True, content_key=meta.get("content", key))

    def store(self, key: str, result: Reasoned, content: str = "") -> None:
        """Keep `result` under `key`; `content`: the key of its data (`key`), when `key` is another."""
        if self.write is None:
            return
        self.write.mkdir(parents=True, exist_ok=True)
        (self.write / f"{key}.nt").write_bytes(serialise.to_ntriples(result.graph))
        meta = {"individuals": result.individuals, "classes": result.classes, "content": content or key}
        (self.write / f"{key}.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8")
