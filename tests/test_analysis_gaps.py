"""Findings that know a gap from a weakness, on the kitchen sink: a finding resting on a cast role
nobody searched for is a data gap (what is missing and how to fill it), never a weakness of the
government; one resting on a role searched and not found stays a weakness and says so."""

from __future__ import annotations

import copy
import datetime as dt

import pyoxigraph as ox
import pytest

from govgraph.analysis import findings, indicators, metrics, projection
from govgraph.curated import loader
from govgraph.rdf import mapping, serialise

from conftest import KITCHEN_SINK

DAY = dt.date(2016, 6, 30)
NETWORK_RULES = {"low-reach", "key-lever-misaligned", "mandate-off-bodies", "lead-not-central", "bridge",
                 "single-point-of-failure", "fragmented"}


def analyse_graph(dataset):
    """The kitchen sink's baseline projected from an in-memory store of its built graphs."""
    store = ox.Store()
    names = []
    for g in mapping.build(dataset):
        if "/scenario/" not in str(g.identifier):
            name = ox.NamedNode(str(g.identifier))
            store.load(serialise.to_ntriples(g), format=ox.RdfFormat.N_TRIPLES, to_graph=name)
            names.append(name)
    return projection.project(store, "zz", as_of=DAY, graphs=names)


def analysed(dataset) -> tuple[list[findings.Finding], dict[str, str]]:
    G = analyse_graph(dataset)
    return findings.findings(G), findings.cast_status(G)


@pytest.fixture(scope="module")
def kitchen_sink():
    return loader.load(KITCHEN_SINK)


def without_main_body(dataset, *, searched: bool):
    """The kitchen sink with its main co-ordination body no longer marked as such; `searched`: and a
    search recorded for it (so the role is 'searched, not found' rather than unknown)."""
    data = copy.deepcopy(dataset)
    country = data.countries["zz"]
    for body in country.coordination_bodies:
        body.roles = [r for r in body.roles if r != "main-coordination-body"]
    if searched:
        search = copy.deepcopy(country.searched[0])
        search.roles = ["main-coordination-body", "coordination-chair", "coordination-secretariat",
                        "coordination-members"]
        search.from_ = search.until = None
        country.searched = [*country.searched, search]
    return data


def test_on_the_complete_kitchen_sink_every_finding_is_a_weakness(kitchen_sink):
    found, cast = analysed(kitchen_sink)
    assert found and all(f.nature == "weakness" for f in found)
    assert "unknown" not in cast.values()


def test_a_role_nobody_searched_for_turns_its_findings_into_data_gaps(kitchen_sink):
    found, cast = analysed(without_main_body(kitchen_sink, searched=False))
    assert cast["main-coordination-body"] == "unknown"
    network = [f for f in found if f.rule in NETWORK_RULES]
    assert network, "the network rules still fire on the kitchen sink"
    assert all(f.nature == "data-gap" for f in network)
    for f in network:
        assert "main-coordination-body" in f.evidence["missing"] and "searched:" in f.evidence["to_fill"]
    G = analyse_graph(without_main_body(kitchen_sink, searched=False))
    m = metrics.metrics(G)
    row = indicators.indicators(G, m, findings.findings(G, m))
    assert row["data_gaps"] >= len(network) and row["findings_total"] == sum(1 for f in found if f.nature == "weakness")
    assert row["cast_unknown"] >= 1


def test_a_role_searched_and_not_found_keeps_its_findings_weaknesses(kitchen_sink):
    found, cast = analysed(without_main_body(kitchen_sink, searched=True))
    assert cast["main-coordination-body"] == "searched-not-found"
    network = [f for f in found if f.rule in NETWORK_RULES]
    assert network and all(f.nature == "weakness" for f in network)
    assert all("main-coordination-body" in f.evidence.get("searched_not_found", []) for f in network)

