"""The embedded store: Oxigraph (pyoxigraph), persisted under out/store.

Which graphs a query sees is chosen here, not in query text: by default the union of the country
graphs with the ontology and sources (the 2016-and-after record of every country), or a scenario's
graph instead of the countries.

Why the store's default graph holds a copy of that union (the *baseline view*): Oxigraph evaluates
every triple pattern once per graph of an explicit default-graph list, so with one graph per
country the cost of every lookup grows with the number of countries (1.6–30× slower at 42 graphs
than one graph holding the same triples; benchmarks/RESULTS.md). The copy costs about half of the
named graphs' load time (three indexes instead of six, strings shared) and makes the baseline one
graph. Queries whose default graph is exactly the baseline view run on it; any other choice (a
scenario, graphs a client names) gets the explicit list.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Mapping, Protocol

import pyoxigraph as ox

from govgraph.core.errors import BuildStateError, QueryError, StoreError, UsageError
from govgraph.core.vocab import GRAPH

ONTOLOGY = GRAPH + "ontology"
SOURCES = GRAPH + "sources"
INFERRED = GRAPH + "inferred"


def create(path: Path, graphs: Mapping[str, bytes], *, previous: Path | None = None,
           previous_graphs: Mapping[str, bytes] | None = None) -> int:
    """Create a store at `path` from each named graph's N-Triples (graph IRI → bytes), with the
    baseline view in the default graph; return the number of quads in the named graphs.

    Each graph is one bulk load, in parallel threads: pyoxigraph's bulk loader releases the GIL and
    runs on about one core per call, so a 2-core machine loads twice as fast (benchmarks/RESULTS.md).
    One parse per graph also keeps each graph's blank nodes its own, as an RDF merge requires. The
    store is compacted at the end: the queries that read it run about 3× faster at 1M triples.

    With `previous` (the last build's store) and `previous_graphs` (the N-Triples it was made
    from), the store is that store's copy with only the graphs whose N-Triples differ replaced, and
    the view brought up to date (`_update`): the same quads as a store made from scratch.
    """
    if previous is not None and previous_graphs is not None:
        try:
            count = _update(path, graphs, previous, previous_graphs)
        except (OSError, ValueError, SyntaxError):
            count = None  # anything unexpected in the previous store: made from scratch instead
        if count is not None:
            return count
        _remove_store(path)
    from concurrent.futures import ThreadPoolExecutor

    view = {g.value for g in choose_graphs(graphs)}
    jobs: list[tuple[bytes, ox.NamedNode | ox.DefaultGraph]] = [(data, ox.NamedNode(iri)) for iri, data in graphs.items() if data]
    jobs += [(data, ox.DefaultGraph()) for iri, data in graphs.items() if data and iri in view]
    jobs.sort(key=lambda job: -len(job[0]))  # longest first: the threads finish together
    try:
        store = ox.Store(str(path))

        def load(job):
            store.bulk_load(job[0], format=ox.RdfFormat.N_TRIPLES, to_graph=job[1])  # noqa: F821 (deleted after use)

        with ThreadPoolExecutor(max_workers=max(1, min(len(jobs), os.cpu_count() or 1))) as pool:
            list(pool.map(load, jobs))
        store.flush()
        # each bulk load leaves its own files; merged, reads look in one place (3× faster at 1M triples)
        store.optimize()
        count = len(store) - _default_size(store)
        del store
        return count
    except (OSError, SyntaxError, ValueError) as exc:
        raise StoreError(f"could not create the store at {path}: {exc}") from exc


def _update(path: Path, graphs: Mapping[str, bytes], previous: Path,
            previous_graphs: Mapping[str, bytes]) -> int | None:
    """The previous store copied (a RocksDB checkpoint: its files hard-linked, not rewritten), each
    changed graph replaced, and the view's default graph changed by what those graphs lost and
    gained — a triple they lost stays while another graph of the view still holds it. None when an
    update cannot be exact: no previous store, other graphs than it was made from, or a changed
    graph with blank nodes (two parses never share them, so they cannot be matched)."""
    if not previous.is_dir():
        return None
    old = ox.Store.read_only(str(previous))
    try:
        if set(graph_names(old)) != {iri for iri, data in previous_graphs.items() if data}:
            return None
        changed = sorted(iri for iri in set(graphs) | set(previous_graphs)
                         if graphs.get(iri, b"") != previous_graphs.get(iri, b""))
        if any(b"_:" in graphs.get(iri, b"") or b"_:" in previous_graphs.get(iri, b"") for iri in changed):
            return None
        old.backup(str(path))
    finally:
        del old
    store = ox.Store(str(path))
    view = {g.value for g in choose_graphs(graphs)}
    lost: set[ox.Triple] = set()
    gained: set[ox.Triple] = set()
    for iri in changed:
        name = ox.NamedNode(iri)
        before = {q.triple for q in store.quads_for_pattern(None, None, None, name)}
        after = set(ox.parse(graphs.get(iri, b""), format=ox.RdfFormat.N_TRIPLES)) if graphs.get(iri) else set()
        store.remove_graph(name)
        if after:
            store.extend(ox.Quad(t.subject, t.predicate, t.object, name) for t in after)
        if iri in view:
            gained |= after - before
            lost |= before - after
        elif previous_graphs.get(iri) and iri in {g.value for g in choose_graphs(previous_graphs)}:
            lost |= before  # a graph that left the view
    for t in lost - gained:
        if not any(isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in view
                   for q in store.quads_for_pattern(t.subject, t.predicate, t.object, None)):
            store.remove(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()))
    store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in gained)
    store.flush()
    count = sum(data.count(b"\n") for data in graphs.values())  # canonical N-Triples: one triple a line
    del store
    return count


def _remove_store(path: Path) -> None:
    """Remove a store this process began at `path` (an update that could not be finished)."""
    import shutil

    if path.is_dir():
        shutil.rmtree(path)


def _default_size(store: ox.Store) -> int:
    solutions = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert isinstance(solutions, ox.QuerySolutions)
    return int(next(iter(solutions))["n"].value)


def has_baseline_view(store: ox.Store) -> bool:
    """True when the store's default graph holds the baseline view (stores made by `create`)."""
    return next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None


def query_dataset(store: ox.Store, graphs: Iterable[ox.NamedNode] | None, *,
                  view: list[str] | None = None) -> dict:
    """pyoxigraph `query()` keywords for a default graph made of `graphs`: none at all (the store's
    default graph) when they are exactly the baseline view and the store holds it. `view`: the
    sorted IRIs of the view's graphs, or [] when the store has none (found here when not given)."""
    if graphs is None:
        return {}
    graphs = list(graphs)
    if view is None:
        view = baseline_view(store)
    return {} if view and sorted(g.value for g in graphs) == view else {"default_graph": graphs}


def baseline_view(store: ox.Store) -> list[str]:
    """The sorted IRIs of the graphs merged into the store's default graph ([] when there is none)."""
    return sorted(g.value for g in choose_graphs(graph_names(store))) if has_baseline_view(store) else []


def open_store(out: Path) -> ox.Store:
    """Open the build's store read-only; a clear error when there is no build."""
    path = Path(out) / "store"
    if not path.is_dir():
        raise BuildStateError(f"no build found in {out}: run `govgraph build` first (or pass --out DIR)")
    try:
        return ox.Store.read_only(str(path))
    except OSError as exc:
        raise StoreError(f"could not open the store at {path}: {exc}") from exc


def graph_names(store: ox.Store) -> list[str]:
    return sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))


def dataset_graphs(store: ox.Store, scenario: str | None = None) -> list[ox.NamedNode]:
    """The graphs a query's default graph is made of (see module docstring)."""
    return choose_graphs(graph_names(store), scenario)


def select(store: ox.Store, sparql: str, *, graphs: Iterable[ox.NamedNode] | None = None,
           bindings: dict[str, ox.NamedNode | ox.Literal] | None = None,
           view: list[str] | None = None) -> tuple[list[str], list[tuple]]:
    """Run a SELECT over `graphs` as the default graph (`view`: see `query_dataset`); return the
    variable names and rows of pyoxigraph terms (None when unbound). QueryError if it is not valid
    SPARQL or not a SELECT; StoreError if the store fails."""
    try:
        result = store.query(sparql, **query_dataset(store, graphs, view=view),
                             substitutions={ox.Variable(k): v for k, v in (bindings or {}).items()})
    except SyntaxError as exc:
        raise QueryError(f"the query is not valid SPARQL: {exc}") from exc
    except OSError as exc:
        raise StoreError(f"the store failed: {exc}") from exc
    if not isinstance(result, ox.QuerySolutions):
        raise QueryError("only SELECT queries return rows")
    columns = [v.value for v in result.variables]
    return columns, [tuple(solution) for solution in result]  # values in the order of the variables


Rows = list[tuple]


def choose_graphs(names: Iterable[str], scenario: str | None = None) -> list[ox.NamedNode]:
    """The default graph of a query, from the graph names a store holds (see module docstring).

    Only govgraph's own graphs count, so a shared triplestore holding other data is not mixed in.

    Parameters
    ----------
    names : iterable of str
        The named graphs of the store.
    scenario : str, optional
        A scenario id (or ``<id>/phase/<n>``): its graph instead of the countries'.

    Returns
    -------
    list of pyoxigraph.NamedNode

    Raises
    ------
    UsageError
        When the store holds no such scenario.

    Examples
    --------
    >>> g = "https://w3id.org/govgraph/graph/"
    >>> names = [g + "ontology", g + "sources", g + "cl", g + "scenario/x", "http://example.org/other"]
    >>> [n.value.removeprefix(g) for n in choose_graphs(names)]
    ['ontology', 'sources', 'cl']
    >>> [n.value.removeprefix(g) for n in choose_graphs(names, "x")]
    ['ontology', 'sources', 'scenario/x']
    """
    names = sorted(n for n in names if n.startswith(GRAPH))
    shared = [n for n in names if n in (ONTOLOGY, SOURCES, INFERRED)]
    if scenario is not None:
        wanted = f"{GRAPH}scenario/{scenario}"
        if wanted not in names:
            sid, _, order = scenario.partition("/phase/")
            phases = sorted(int(n.rsplit("/", 1)[1]) for n in names if n.startswith(f"{GRAPH}scenario/{sid}/phase/"))
            if order and f"{GRAPH}scenario/{sid}" in names:
                raise UsageError(f"scenario '{sid}' has no phase {order} (it has "
                                 + (f"phases 1-{phases[-1]})" if phases else "no phases)"))
            known = ", ".join(n.rsplit("/", 1)[1] for n in names
                              if n.startswith(f"{GRAPH}scenario/") and "/phase/" not in n) or "none"
            raise UsageError(f"no scenario '{sid}' in this build (known: {known})")
        # a scenario sees its own inferences (…/graph/inferred/scenario/<id>), not the baseline's
        own_inferred = f"{INFERRED}/scenario/{scenario}"
        chosen = [n for n in shared if n != INFERRED] + ([own_inferred] if own_inferred in names else []) + [wanted]
    else:
        chosen = shared + [n for n in names if n not in shared and "/scenario/" not in n]
    return [ox.NamedNode(n) for n in chosen]


class LocalStore:
    """The embedded store of a build (out/store), opened read-only; or a pyoxigraph `store` already open."""

    def __init__(self, out: Path | None = None, *, store: ox.Store | None = None):
        if store is None:
            if out is None:
                raise TypeError("LocalStore needs a build folder or an open store")
            store = open_store(Path(out))
        self.out = Path(out) if out is not None else None
        self.store = store
        self._names: list[str] | None = None  # read-only: the graphs cannot change while open
        self._view: list[str] | None = None

    def __repr__(self) -> str:
        return f"LocalStore({str(self.out)!r})" if self.out is not None else "LocalStore(store=…)"

    def graph_names(self) -> list[str]:
        if self._names is None:
            self._names = graph_names(self.store)
        return self._names

    def dataset_graphs(self, scenario: str | None = None) -> list[ox.NamedNode]:
        return choose_graphs(self.graph_names(), scenario)

    def select(self, sparql: str, *, graphs: Iterable[ox.NamedNode] | None = None) -> tuple[list[str], Rows]:
        """`select` on this store, its baseline view read once."""
        if self._view is None:
            self._view = baseline_view(self.store)
        return select(self.store, sparql, graphs=graphs, view=self._view)


class Selector(Protocol):
    """Anything that runs a SELECT over chosen graphs and returns (variables, rows of pyoxigraph
    terms): `LocalStore`, `remote.RemoteStore`."""

    def select(self, sparql: str, *, graphs: Iterable[Any] | None = None) -> tuple[list[str], list[tuple]]: ...


def selector(source: Any) -> Selector:
    """What the projection, the questions and the maps' details run their SELECTs on: an open
    pyoxigraph store (as a `LocalStore`), or `source` itself when it has a select()."""
    if isinstance(source, ox.Store):
        return LocalStore(store=source)
    if callable(getattr(source, "select", None)):
        return source
    raise QueryError(f"cannot query {type(source).__name__}: it has no select() method")


def dataset_of(sel: Selector, scenario: str | None = None) -> list | None:
    """The graphs of the baseline (or of `scenario`) on `sel`; None when it cannot choose them (its
    own default graph is then queried)."""
    choose = getattr(sel, "dataset_graphs", None)
    return choose(scenario) if callable(choose) else None
