"""The embedded store: Oxigraph (pyoxigraph), persisted under out/store.

Which graphs a query sees is chosen here, not in query text: by default the union of the country
graphs with the ontology and sources (the 2016-and-after record of every country), or a scenario's
graph instead of the countries.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from .errors import StoreError
from .vocab import GRAPH

ONTOLOGY = GRAPH + "ontology"
SOURCES = GRAPH + "sources"
INFERRED = GRAPH + "inferred"


def create(path: Path, nquads: bytes) -> int:
    """Create a store at `path` holding `nquads`; return its number of quads."""
    try:
        store = ox.Store(str(path))
        store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
        store.flush()
        count = len(store)
        del store
        return count
    except (OSError, SyntaxError, ValueError) as exc:
        raise StoreError(f"could not create the store at {path}: {exc}") from exc


def open_store(out: Path) -> ox.Store:
    """Open the build's store read-only; a clear error when there is no build."""
    path = Path(out) / "store"
    if not path.is_dir():
        raise StoreError(f"no build found in {out}: run `govgraph build` first (or pass --out DIR)")
    try:
        return ox.Store.read_only(str(path))
    except OSError as exc:
        raise StoreError(f"could not open the store at {path}: {exc}") from exc


def graph_names(store: ox.Store) -> list[str]:
    return sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))


def dataset_graphs(store: ox.Store, scenario: str | None = None) -> list[ox.NamedNode]:
    """The graphs a query's default graph is made of (see module docstring)."""
    names = graph_names(store)
    shared = [n for n in names if n in (ONTOLOGY, SOURCES, INFERRED)]
    if scenario is not None:
        wanted = f"{GRAPH}scenario/{scenario}"
        if wanted not in names:
            known = ", ".join(n.rsplit("/", 1)[1] for n in names if "/scenario/" in n) or "none"
            raise StoreError(f"no scenario '{scenario}' in this build (known: {known})")
        chosen = shared + [wanted]
    else:
        chosen = shared + [n for n in names if n not in shared and "/scenario/" not in n]
    return [ox.NamedNode(n) for n in chosen]


def select(store: ox.Store, sparql: str, *, graphs: Iterable[ox.NamedNode] | None = None,
           bindings: dict[str, ox.NamedNode | ox.Literal] | None = None) -> tuple[list[str], list[tuple]]:
    """Run a SELECT; return the variable names and rows of pyoxigraph terms (None when unbound)."""
    try:
        result = store.query(sparql, default_graph=list(graphs) if graphs is not None else None,
                             substitutions={ox.Variable(k): v for k, v in (bindings or {}).items()})
    except SyntaxError as exc:
        raise StoreError(f"the query is not valid SPARQL: {exc}") from exc
    columns = [v.value for v in result.variables]
    rows = [tuple(solution[c] for c in columns) for solution in result]
    return columns, rows
