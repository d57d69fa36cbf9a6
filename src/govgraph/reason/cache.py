"""Reasoning results and their cache: a result is kept under a digest of everything that decides it
(the reasoning code, the ontology, the data), so a hit is the answer HermiT would give again."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef

from govgraph.core.memo import Memo
from govgraph.rdf import mapping


@dataclass
class Reasoned:
    """What one reasoning run produced. The inferred triples are kept as canonical N-Triples (what
    the cache, the child process's pipe and the build's files carry); `graph` reads them into rdflib
    only for a caller that asks."""

    label: str  # e.g. "baseline as of 2016-06-30", "scenario zz-finance"
    ntriples: bytes  # the inferred triples (serialise.to_ntriples)
    graph_iri: str  # the inferred named graph
    individuals: int  # individuals of ours in the input
    seconds: float
    classes: dict[str, int] = field(default_factory=dict)  # inferred class IRI → individuals
    cached: bool = False  # taken from the previous build: same ontology, data and reasoner code
    content_key: str = ""  # when taken from the cache: the key of the data it was reasoned over (Cache.key)

    @functools.cached_property
    def graph(self) -> Graph:
        graph = self.prefixed()
        graph.parse(data=self.ntriples, format="nt")
        return graph

    def prefixed(self) -> Graph:
        """An empty graph with the prefixes `graph` has (the same for every run, so the files are
        byte-identical): all a writer that reads the N-Triples needs of it."""
        graph = Graph(identifier=URIRef(self.graph_iri))
        mapping._bind(graph)
        return graph

    @property
    def triples(self) -> int:
        return self.ntriples.count(b"\n")

    def __reduce__(self):  # without the rdflib graph: the N-Triples say it all
        return (Reasoned, (self.label, self.ntriples, self.graph_iri, self.individuals, self.seconds, self.classes,
                           self.cached, self.content_key))


@functools.cache
def _reasoning_code() -> bytes:
    """The reasoning code itself (this package's modules), part of every key: read once per process."""
    return b"".join(module.read_bytes() for module in sorted(Path(__file__).parent.glob("*.py")))


@dataclass(frozen=True)
class Cache:
    """Reasoning results kept between builds in a `Memo` (the previous build's out/cache/reasoning
    read, this build's written, a hit carried forward as a hard link). Results are keyed by a digest
    of everything that decides them, so a hit is the answer HermiT would give again, without the JVM."""

    memo: Memo = field(default_factory=Memo)

    @property
    def readable(self) -> bool:
        """An earlier build's results are there to be read."""
        return self.memo.read is not None and self.memo.read.is_dir()

    @staticmethod
    def key(ontology: bytes, data: list[bytes], closed_world: bool) -> str:
        """The key of a run over `data` (each graph's canonical N-Triples) with `ontology` (its
        canonical N-Triples, the same for every run)."""
        digest = hashlib.sha256(_reasoning_code())
        digest.update(b"closed" if closed_world else b"open")
        digest.update(ontology)
        for nt in data:
            digest.update(nt)
        return digest.hexdigest()

    @staticmethod
    def key_of(data_key: str, closed_world: bool) -> str:
        """The key of a run whose data is keyed already (`data_key`: a digest of govgraph's code,
        the ontology included, and of the curated records the data is made from)."""
        digest = hashlib.sha256(_reasoning_code())
        digest.update(b"closed" if closed_world else b"open")
        digest.update(b"keyed data " + data_key.encode("ascii"))
        return digest.hexdigest()

    def load(self, key: str, graph_iri: URIRef, label: str) -> Reasoned | None:
        found = self.memo.get(f"{key}.json")
        nt = self.memo.get(f"{key}.nt") if found is not None else None
        if found is None or nt is None:
            return None
        try:
            meta = json.loads(found)
            individuals, classes = int(meta["individuals"]), dict(meta["classes"])
        except (ValueError, TypeError, KeyError):
            return None  # a damaged entry is recomputed
        return Reasoned(label=label, ntriples=nt, graph_iri=str(graph_iri), individuals=individuals, seconds=0.0,
                        classes=classes, cached=True, content_key=meta.get("content", key))

    def store(self, key: str, result: Reasoned, content: str = "") -> None:
        """Keep `result` under `key`; `content`: the key of its data (`key`), when `key` is another."""
        meta = {"individuals": result.individuals, "classes": result.classes, "content": content or key}
        self.memo.put(f"{key}.nt", result.ntriples)
        self.memo.put(f"{key}.json", (json.dumps(meta, indent=1, sort_keys=True) + "\n").encode("utf-8"))
