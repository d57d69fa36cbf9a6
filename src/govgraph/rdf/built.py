"""The build's named graphs as their canonical N-Triples, each rdflib graph made only when a step
needs it.

Most steps of a build read a graph's N-Triples (files, store, description, analysis inputs); only
a few need the rdflib graph (a serialisation or a shape validation not kept from an earlier build,
the reasoner's scenarios). A graph whose key (`mapping.graph_keys`) an earlier build saw comes back
from the memo with the origins of its records, so an unchanged country costs no rdflib graph at all.
"""

from __future__ import annotations

import json

from rdflib import Graph, URIRef

from govgraph.core.iris import ONTOLOGY_GRAPH
from govgraph.core.memo import Memo
from govgraph.curated.model import Dataset
from govgraph.rdf import mapping, serialise


class Built:
    """Every named graph of `dataset`: `ntriples` (graph IRI → canonical N-Triples, build order)
    and `origins` (node IRI → "file:line:column", as `mapping.record_origins` gives them)."""

    def __init__(self, dataset: Dataset, memo: Memo = Memo(), keys: dict[URIRef, str] | None = None):
        self.keys = keys if keys is not None else mapping.graph_keys(dataset)
        self._recipes = mapping.recipes(dataset)
        self._graphs: dict[URIRef, Graph] = {}
        self.ntriples: dict[str, bytes] = {}
        self.origins: dict[str, str] = {}
        for iri, make in self._recipes.items():
            nt, own = memo.get(f"{self.keys[iri]}.nt"), memo.get(f"{self.keys[iri]}.origins.json")
            if nt is None or own is None:
                found: dict[str, str] = {}
                self._graphs[iri] = make(found)
                nt, own = serialise.to_ntriples(self._graphs[iri]), json.dumps(found).encode("utf-8")
                memo.put(f"{self.keys[iri]}.nt", nt)
                memo.put(f"{self.keys[iri]}.origins.json", own)
            for node, origin in json.loads(own).items():  # the first record to make a node names it
                self.origins.setdefault(node, origin)
            self.ntriples[str(iri)] = nt

    @property
    def iris(self) -> list[URIRef]:
        return list(self._recipes)

    def graph(self, iri: URIRef | str) -> Graph:
        """The rdflib graph, made from the records the first time it is asked for."""
        iri = URIRef(str(iri))
        if iri not in self._graphs and iri == ONTOLOGY_GRAPH:
            self._graphs[iri] = _read_back(self.ntriples[str(iri)])
        elif iri not in self._graphs:
            self._graphs[iri] = self._recipes[iri](None)
        return self._graphs[iri]


def ontology_graph(memo: Memo, keys: dict[URIRef, str]) -> Graph:
    """The ontology's graph as `Built` gives it, without building the other graphs: read back from
    the N-Triples an earlier build kept under its key, or made from the ontology's files. For a
    process that starts before `Built` is done (the reasoner)."""
    nt = memo.get(f"{keys[ONTOLOGY_GRAPH]}.nt")
    return _read_back(nt) if nt is not None else mapping.ontology_graph()


def _read_back(ntriples: bytes) -> Graph:
    """The ontology's graph from its canonical N-Triples: 4× faster than making it, and the same
    triples, blank-node labels and prefixes."""
    graph = serialise.from_ntriples(ntriples, ONTOLOGY_GRAPH)
    mapping._bind(graph)
    return graph
