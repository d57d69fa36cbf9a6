"""The SPARQL projection: what becomes a node and an edge, on which day, and the same network from the
embedded store and from an external SPARQL server (a real `oxigraph serve` on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pyoxigraph as ox
import pytest

from govgraph.analysis import projection
from govgraph.core.errors import QueryError
from govgraph.store import embedded
from govgraph.store.remote import RemoteStore

from conftest import running_oxigraph

D2016 = dt.date(2016, 6, 30)


@pytest.fixture(scope="module")
def ks(kitchen_sink_build):
    db = embedded.open_store(kitchen_sink_build)
    yield db
    del db


def edge_types(G) -> Counter:
    return Counter(d["type"] for _, _, d in G.edges(data=True))


def test_nodes_kinds_labels_and_lead(ks):
    G = projection.project(ks, "ZZ", as_of=D2016)
    assert G.graph["leads"] == ["digital-agency"] and G.graph["country"] == "zz"
    agency = G.nodes["digital-agency"]
    assert agency["kind"] == "agency" and agency["lead"] and agency["placement"] == "centre-of-government"
    assert agency["labels"] == {"en": "Digital Government Agency", "es": "Agencia de Gobierno Digital"}
    assert agency["legal_basis"] == ["https://w3id.org/govgraph/id/zz/digital-law"]
    assert {lv["type"] for lv in agency["levers"]} >= {"spending-control", "project-approval"}
    assert G.nodes["cio-network"]["kind"] == "coordination-body"
    assert G.nodes["cio-network"]["level"] == "senior-official"
    assert "old-digital-unit" not in G  # replaced before 2016
    # every institution kind and the co-ordination bodies are nodes; levers, mandates, laws are not
    kinds = {d["kind"] for _, d in G.nodes(data=True)}
    assert {"ministry", "agency", "unit", "autonomous-body", "political-office", "coordination-body",
            "local-government-association", "state-enterprise", "centre-of-government-office"} <= kinds
    assert "spend-control" not in G and "digital-law" not in G


def test_edges_types_weights_and_evidence(ks):
    G = projection.project(ks, "ZZ", as_of=D2016)
    assert edge_types(G) == Counter({"part-of": 3, "member": 3, "chair": 2, "lever": 2, "secretariat": 1,
                                     "vice-chair": 1, "observer": 1, "reports-to": 2, "funds": 1,
                                     "oversees": 1, "supervises": 1, "advises": 1})
    # the lever binds interior and finance: an edge from its holder to each
    lever = G.get_edge_data("digital-agency", "finance", key="lever")
    assert lever["weight"] == 1.0 and lever["record"].endswith("/zz/spend-control")
    observer = G.get_edge_data("audit-office", "digital-council", key="observer")
    assert observer["weight"] == 0.25 and observer["tie"] is False and observer["membership"] is False
    assert G.get_edge_data("president", "digital-council", key="chair")["membership"] is True
    # a relation and its shortcut triple (procurement-agency reports to finance) make one edge
    assert list(G.get_edge_data("procurement-agency", "finance")) == ["part-of", "reports-to"]


def test_as_of_date_is_half_open(ks):
    early = projection.project(ks, "ZZ", as_of=dt.date(2010, 6, 30))
    assert early.graph["leads"] == ["old-digital-unit"]
    assert "digital-agency" not in early
    # memberships of a node that does not yet exist are recorded as dropped, not silently lost
    assert ("digital-agency", "chair", "cio-network") in early.graph["dropped_edges"]
    # interior joined the council in 2015 (from: 2015): not a member on 30 June 2014
    before = projection.project(ks, "ZZ", as_of=dt.date(2014, 6, 30))
    on = projection.project(ks, "ZZ", as_of=dt.date(2015, 1, 1))
    assert not before.has_edge("interior", "digital-council")
    assert on.has_edge("interior", "digital-council", key="member")


def test_scenario_graph(ks):
    G = projection.project(ks, "ZZ", as_of=D2016, scenario="zz-finance")
    assert G.graph["scenario"] == "zz-finance"
    assert G.has_edge("digital-agency", "finance", key="part-of")
    assert G.nodes["digital-agency"]["placement"] == "finance-ministry"
    assert "cio-council" in G and G.has_edge("digital-agency", "cio-council", key="chair")
    assert "ict-budget" in {lv["type"] for lv in G.nodes["digital-agency"]["levers"]}
    assert "framework-agreements" not in {lv["id"] for lv in G.nodes["procurement-agency"]["levers"]}


def test_edge_mapping_is_data(ks, tmp_path):
    rules = projection.load_edge_rules()
    assert rules["http://www.w3.org/ns/org#unitOf"].type == "part-of"
    only_structure = {k: r for k, r in rules.items() if r.type in ("part-of", "reports-to")}
    G = projection.project(ks, "ZZ", as_of=D2016, rules=only_structure)
    assert set(edge_types(G)) == {"part-of", "reports-to"}
    bad = tmp_path / "edges.toml"
    bad.write_text('[[edge]]\nrelation = "x"\ntype = "t"\n')
    with pytest.raises(QueryError, match="weight"):
        projection.load_edge_rules(bad)


def test_parameters_are_bound_as_terms_not_text():
    q = "SELECT ?x WHERE { ?x ?p ?country }"
    bound = projection.with_values(q, {"country": ox.Literal('a" } DROP ALL #'),
                                    "asOf": ox.Literal("2016-06-30", datatype=projection.XSD_DATE)})
    assert 'VALUES (?asOf ?country) { ("2016-06-30"^^<http://www.w3.org/2001/XMLSchema#date> ' \
           '"a\\" } DROP ALL #") }' in bound
    ox.Store().query(bound)  # still one valid query


def test_source_without_select_is_refused():
    with pytest.raises(QueryError):
        projection.project(object(), "ZZ", as_of=D2016)


# -- the same network from an external SPARQL server -----------------------------------------------

@pytest.fixture(scope="module")
def kitchen_sink_oxigraph(kitchen_sink_build, tmp_path_factory):
    """`oxigraph serve-read-only` holding the kitchen-sink build; yields its query URL."""
    location = tmp_path_factory.mktemp("oxigraph-server")
    with running_oxigraph(location, load=kitchen_sink_build / "govgraph.nq", read_only=True) as base:
        yield base + "/query"


@pytest.fixture(scope="module")
def remote(kitchen_sink_oxigraph):
    return RemoteStore(kitchen_sink_oxigraph)


@pytest.mark.parametrize("as_of,scenario", [(D2016, None), (dt.date(2010, 6, 30), None), (D2016, "zz-finance")])
def test_same_network_from_embedded_store_and_server(ks, remote, as_of, scenario):
    here = projection.project(ks, "ZZ", as_of=as_of, scenario=scenario)
    there = projection.project(remote, "ZZ", as_of=as_of, scenario=scenario)
    assert edge_types(here) == edge_types(there) and here.number_of_edges() > 0
    assert sorted(here.edges(keys=True)) == sorted(there.edges(keys=True))
    assert dict(here.nodes(data="kind")) == dict(there.nodes(data="kind"))
    assert here.graph["leads"] == there.graph["leads"]
    assert projection.countries(remote) == projection.countries(ks) == ["zz"]
