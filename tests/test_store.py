"""The embedded store: named graphs loaded in parallel, the baseline view in the default graph, and
queries routed to it only when they ask for exactly that view."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from govgraph.core import vocab
from govgraph.core.errors import StoreError
from govgraph.curated import loader
from govgraph.rdf import mapping, serialise
from govgraph.store import embedded

from conftest import KITCHEN_SINK

LEADS = ("PREFIX gg: <https://w3id.org/govgraph/ontology#> "
         "SELECT ?d ?body WHERE { ?d a gg:LeadDesignation ; gg:leadBody ?body } ORDER BY ?d ?body")


@pytest.fixture(scope="module")
def graphs():
    return mapping.build(loader.load(KITCHEN_SINK))


@pytest.fixture(scope="module")
def made(tmp_path_factory, graphs):
    out = tmp_path_factory.mktemp("store")
    count = embedded.create(out / "store", serialise.ntriples_by_graph(graphs))
    return out, count


def _graph(db: ox.Store, name: ox.NamedNode | ox.DefaultGraph) -> Graph:
    data = db.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=name)
    return Graph().parse(data=data.decode("utf-8"), format="nt")


def test_every_named_graph_holds_what_was_built(made, graphs):
    out, count = made
    db = embedded.open_store(out)
    assert count == sum(len(g) for g in graphs)
    assert embedded.graph_names(db) == sorted(str(g.identifier) for g in graphs)
    for g in graphs:  # as one load on its own would store it (Oxigraph canonicalises literals such
        # as decimals), blank nodes included: isomorphic
        alone = ox.Store()
        alone.bulk_load(serialise.to_ntriples(g), format=ox.RdfFormat.N_TRIPLES)
        assert isomorphic(_graph(db, ox.NamedNode(str(g.identifier))), _graph(alone, ox.DefaultGraph())), g.identifier


def test_the_default_graph_is_the_baseline_view(made):
    out, _ = made
    db = embedded.open_store(out)
    view = {g.value for g in embedded.dataset_graphs(db)}
    assert not any("/scenario/" in name for name in view)
    union = Graph()
    for name in view:
        union += _graph(db, ox.NamedNode(name))
    assert len(view) >= 3 and isomorphic(_graph(db, ox.DefaultGraph()), union)


def test_queries_use_the_view_only_when_asked_for_exactly_it(made):
    out, _ = made
    db = embedded.open_store(out)
    baseline = embedded.dataset_graphs(db)
    scenario = embedded.dataset_graphs(db, "zz-finance")
    assert embedded.query_dataset(db, baseline) == {}
    assert embedded.query_dataset(db, list(reversed(baseline))) == {}
    assert embedded.query_dataset(db, scenario) == {"default_graph": scenario}
    assert embedded.query_dataset(db, baseline[:-1]) == {"default_graph": baseline[:-1]}
    # the view answers as the explicit list of its graphs does
    assert embedded.select(db, LEADS, graphs=baseline)[1] == [
        tuple(s) for s in db.query(LEADS, default_graph=baseline)]
    assert embedded.select(db, LEADS, graphs=scenario)[1] != embedded.select(db, LEADS, graphs=baseline)[1]


def test_a_store_without_the_view_falls_back_to_the_list(tmp_path, graphs):
    nquads = serialise.to_nquads(graphs)
    db = ox.Store(str(tmp_path / "store"))
    db.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)  # named graphs only, as builds before the view
    baseline = embedded.dataset_graphs(db)
    assert not embedded.has_baseline_view(db)
    assert embedded.query_dataset(db, baseline) == {"default_graph": baseline}
    rows = embedded.select(db, LEADS, graphs=baseline)[1]
    assert rows and rows == [tuple(s) for s in db.query(LEADS, default_graph=baseline)]


def test_bad_data_names_the_store(tmp_path):
    with pytest.raises(StoreError, match="could not create the store"):
        embedded.create(tmp_path / "store", {vocab.GRAPH + "zz": b"<a> <b> .\n"})


def test_one_selector_for_an_open_store_a_build_folder_or_a_server(made):
    """`embedded.selector`: what the projection, the questions and the maps' details run on. An open
    pyoxigraph store answers as the build's LocalStore does; anything with select() is itself; the
    rest is refused, by name."""
    from govgraph.core.errors import QueryError

    out, _ = made
    local = embedded.LocalStore(out)
    wrapped = embedded.selector(embedded.open_store(out))
    assert isinstance(wrapped, embedded.LocalStore)
    assert wrapped.select(LEADS, graphs=wrapped.dataset_graphs())[1] == local.select(LEADS, graphs=local.dataset_graphs())[1]
    assert wrapped.select(LEADS)[1] and wrapped.dataset_graphs("zz-finance") == local.dataset_graphs("zz-finance")
    assert embedded.selector(local) is local
    with pytest.raises(QueryError, match="cannot query Graph: it has no select"):
        embedded.selector(Graph())
