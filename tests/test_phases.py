"""Scenario phases (a roadmap): each phase applied on the picture the ones before it left; every
bad phase reported at its file, line and field, with a fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govgraph.core.errors import DataError
from govgraph.curated.loader import load

from conftest import KITCHEN_SINK

HEAD = ("scenario:\n  id: zz-roadmap\n  country: ZZ\n  title: {en: Roadmap}\n  description: {en: Roadmap}\n"
        "  base: 2016\n  sources: [{id: zz-handbook, locator: p. 1}]\n  confidence: uncertain\n")
SOURCED = "    sources: [{id: zz-handbook, locator: p. 2}]\n    confidence: uncertain\n"


def phase(pid: str, when: str, body: str) -> str:
    return f"  - id: {pid}\n    title: {{en: {pid}}}\n    when: {when}\n{body}{SOURCED}"


def data_with(tmp_path: Path, scenario: str) -> Path:
    shutil.copytree(KITCHEN_SINK, tmp_path / "data")
    (tmp_path / "data" / "scenarios" / "zz-roadmap.yaml").write_text(scenario, encoding="utf-8")
    return tmp_path / "data"


def problems(tmp_path: Path, scenario: str) -> list:
    with pytest.raises(DataError) as caught:
        load(data_with(tmp_path, scenario))
    found = caught.value.problems
    assert all(p.path.endswith("scenarios/zz-roadmap.yaml") for p in found), found
    assert all(" — " in str(p) for p in found), "every problem says how to fix it"
    return found


def test_each_phase_is_a_picture_of_its_own_and_the_last_is_the_scenario():
    ks = load(KITCHEN_SINK)
    scenario = ks.scenarios["zz-finance"]
    pictures = ks.phase_views["zz-finance"]
    assert len(pictures) == len(scenario.phases) == 2
    levers = [{lv.id for lv in p.levers} for p in pictures]
    added = {lv.id for lv in scenario.phases[0].add.levers}
    assert added <= levers[0] and not added & levers[1]
    assert {lv.id for lv in ks.scenario_views["zz-finance"].levers} == levers[-1]
    # a change in a phase takes the phase's sources unless it gives its own
    mandate = next(m for m in pictures[0].mandates if m.id == scenario.phases[0].change[0]["id"])
    assert [c.locator for c in mandate.sources] == [c.locator for c in scenario.phases[0].sources]
    assert scenario.phases[1].when == (2, 3) and scenario.phases[1].when_text() == "years 2-3"


def test_a_scenario_without_phases_has_no_phase_pictures(tmp_path):
    data = load(data_with(tmp_path, HEAD + "remove: [framework-agreements]\n"))
    assert "zz-roadmap" in data.scenario_views and "zz-roadmap" not in data.phase_views


def test_removing_what_an_earlier_phase_removed_is_located(tmp_path):
    text = HEAD + "phases:\n" + phase("one", "2017", "    remove: [framework-agreements]\n") + \
        phase("two", "2018", "    remove: [framework-agreements]\n")
    [p] = problems(tmp_path, text)
    assert p.field == "phases[1].remove[0]" and "before this phase" in p.message
    lines = text.splitlines()
    assert p.line == len(lines) - lines[::-1].index("    remove: [framework-agreements]")


def test_a_phase_that_refers_to_a_later_phase_is_located(tmp_path):
    lever = ("    add:\n      levers:\n        - id: new-lever\n          holder: new-office\n          type: standards\n"
             "          description: {en: x}\n          binding: false\n          sources: [{id: zz-handbook, locator: p. 3}]\n"
             "          confidence: uncertain\n")
    office = ("    add:\n      institutions:\n        - id: new-office\n          name: {en: New office}\n"
              "          kind: unit\n          sources: [{id: zz-handbook, locator: p. 3}]\n          confidence: uncertain\n")
    text = HEAD + "phases:\n" + phase("lever-first", "year 1", lever) + phase("office-later", "year 2", office)
    [p] = problems(tmp_path, text)
    assert p.field == "phases[0].add.levers[0].holder" and "new-office" in p.message
    # the same two phases in the right order load
    load(data_with(tmp_path / "ok", HEAD + "phases:\n" + phase("office", "year 1", office)
                   + phase("lever", "year 2", lever)))


@pytest.mark.parametrize(("whens", "field", "words"), [
    (("2018", "2017"), "phases[1].when", "comes before"),
    (("2018", "year 2"), "phases[1].when", "mixes a relative phase"),
    (("2010", "2018"), "phases[0].when", "before the scenario's base date"),
    (("soon", "2018"), "phases[0].when", "neither a date"),
    (("years 3-2", "2018"), "phases[0].when", "years count from 1"),
])
def test_a_phase_out_of_order_or_badly_dated_is_located(tmp_path, whens, field, words):
    text = HEAD + "phases:\n" + phase("one", whens[0], "    remove: [framework-agreements]\n") + \
        phase("two", whens[1], "    remove: [ict-budget]\n")
    found = problems(tmp_path, text)
    assert [p.field for p in found] == [field] and words in found[0].message
    assert found[0].line == text.splitlines().index(f"    when: {whens[int(field[7])]}") + 1


def test_an_empty_phase_and_a_repeated_phase_id_are_located(tmp_path):
    text = HEAD + "phases:\n" + phase("one", "2017", "") + phase("one", "2018", "    remove: [ict-budget]\n")
    found = {(p.field, p.line) for p in problems(tmp_path, text)}
    lines = text.splitlines()
    assert found == {("phases[0].add", lines.index("  - id: one") + 1),
                     ("phases[1].id", len(lines) - lines[::-1].index("  - id: one"))}


def test_removing_a_body_the_baseline_still_refers_to_is_located_at_the_phase(tmp_path):
    text = HEAD + "phases:\n" + phase("one", "2017", "    remove: [procurement-agency]\n")
    [p] = problems(tmp_path, text)
    assert p.field == "phases[0].remove" and "no longer hold" in p.message


# -- the analysis: strengths and weaknesses, phase by phase ----------------------------------------

def analysed(G):
    from govgraph.analysis import findings, indicators, metrics, run

    m = metrics.metrics(G)
    found = findings.findings(G, m)
    return run.Analysis(G, m, found, indicators.indicators(G, m, found))


def test_strengths_and_weaknesses_lines_follow_from_the_two_arrangements():
    """Every line of the table is derived: findings resolved/created are the set differences, the
    indicators that improve or worsen are those whose verdict says so, and each cites the changes."""
    import copy

    from govgraph.analysis import assess
    from test_analyse import edge, lever, node

    base = nx_weak(node, edge, lever)
    alt = copy.deepcopy(base)
    # the budget lever moves to the lead unit, and the unit is re-homed under finance
    alt.nodes["bud"]["levers"], alt.nodes["u"]["levers"] = [], [lever("budget", "ict-budget")]
    alt.remove_edge("u", "seg", key="part-of")
    edge(alt, "u", "fin", "part-of", membership=False)
    a, b = analysed(alt), analysed(base)
    table = assess.table(a, b, against="baseline")
    lines = {(x["kind"], x["what"]) for x in table["lines"]}
    resolved = {f.id for f in b.findings} - {f.id for f in a.findings}
    created = {f.id for f in a.findings} - {f.id for f in b.findings}
    assert resolved, "moving the budget lever to the lead must resolve something"
    assert {w for k, w in lines if k == "resolves"} == resolved
    assert {w for k, w in lines if k == "creates"} == created
    for x in table["lines"]:
        if x["kind"] in ("improves", "worsens"):
            diff = x["to"] - x["from"]
            assert diff != 0 and (diff > 0) == ((x["kind"] == "improves") == (x["better_when"] == "high"))
    assert table["changes"]["levers_moved"] == [{"lever": "budget", "type": "ict-budget", "from": "bud", "to": "u",
                                                 "record": "urn:lever:budget"}]
    assert table["changes"]["rehomed"][0] | {"record": None} == {"body": "u", "tie": "part-of", "from": "seg",
                                                                  "to": "fin", "record": None}
    assert not table["changes"]["ties_added"] and not table["changes"]["ties_removed"], "a re-homing is not a new tie"
    levers_line = next(x for x in table["lines"] if x["what"] == "lead_key_levers")
    assert levers_line["kind"] == "improves" and "levers_moved" in levers_line["evidence"]
    # against itself: nothing to say
    same = assess.table(b, analysed(copy.deepcopy(base)), against="itself")
    assert same["lines"] == [] and not assess.changed(same["changes"])


def nx_weak(node, edge, lever):
    import networkx as nx

    G = nx.MultiDiGraph(leads=["u"])
    node(G, "u", "unit", lead=True, no_legal_basis_found=True)
    for key in ("seg", "fin", "m1"):
        node(G, key)
    node(G, "bud", "agency", levers=[lever("budget", "ict-budget")])
    node(G, "com", "coordination-body", level="senior-official")
    edge(G, "u", "seg", "part-of", membership=False)
    edge(G, "seg", "com", "chair", 1.5)
    edge(G, "fin", "com"), edge(G, "m1", "com")
    edge(G, "bud", "fin", "part-of", membership=False)
    return G


def test_each_phase_is_analysed_and_reported(kitchen_sink_build, tmp_path):
    import json

    from conftest import run_govgraph

    folder = kitchen_sink_build / "analysis"
    deltas = {d["scenario"]: d for d in json.loads((folder / "scenarios.json").read_text())}
    zz = deltas["zz-finance"]
    assert [ph["order"] for ph in zz["phases"]] == [1, 2] and zz["phases"][1]["when"] == "years 2-3"
    for ph in zz["phases"]:
        own = json.loads((folder / f"scenario-zz-finance-phase-{ph['order']}.json").read_text())
        assert {k: v["scenario"] for k, v in ph["indicators"].items()} == \
            {k: own["indicators"].get(k) for k in ph["indicators"]}
    # the picture after the last phase is the scenario
    final = json.loads((folder / "scenario-zz-finance.json").read_text())
    assert {k: v["scenario"] for k, v in zz["phases"][-1]["indicators"].items()} == \
        {k: final["indicators"].get(k) for k in zz["phases"][-1]["indicators"]}
    first, second = zz["phases"]
    added = {x["lever"] for t in first["assessment"] if t["against"] == "baseline" for x in t["changes"]["levers_added"]}
    assert "interim-standards" in added
    step = next(t for t in second["assessment"] if t["against"] == "previous phase")
    assert [x["lever"] for x in step["changes"]["levers_removed"]] == ["interim-standards"]
    assert "Phase by phase" in (folder / "scenarios.md").read_text()
    out = Path(shutil.copytree(kitchen_sink_build, tmp_path / "out"))
    ok = run_govgraph("analyse", "ZZ", "--scenario", "zz-finance", "--phase", "1", "--out", str(out))
    assert ok.returncode == 0, ok.stderr
    assert json.loads((out / "analysis" / "scenario-zz-finance-phase-1.json").read_text())["scenario"] == \
        "zz-finance/phase/1"
    beyond = run_govgraph("analyse", "ZZ", "--scenario", "zz-finance", "--phase", "3", "--out", str(out))
    assert beyond.returncode == 2 and "has no phase 3" in beyond.stderr and "phases 1-2" in beyond.stderr
    alone = run_govgraph("analyse", "ZZ", "--phase", "1", "--out", str(out))
    assert alone.returncode == 2 and "--scenario" in alone.stderr


# -- RDF: a phase is a dated or relative activity of its scenario, and a graph of its own ------------

@pytest.mark.parametrize("mutation", ["no-order", "dated-and-relative", "neither", "order-zero"])
def test_phase_shape_conforming_and_not(mutation):
    from rdflib import Literal

    from govgraph.core import iris
    from govgraph.core.vocab import GG
    from govgraph.rdf import mapping
    from govgraph.validate import shapes

    ks = load(KITCHEN_SINK)
    graphs = mapping.build(ks)
    by = {g.identifier: g for g in graphs}
    context = [by[iris.ONTOLOGY_GRAPH], by[iris.SOURCES_GRAPH]]
    scenario = by[iris.scenario_graph_iri("zz-finance")]
    node = iris.phase_iri("zz-finance", "standards-handed-back")
    assert (node, GG.phaseGraph, iris.phase_graph_iri("zz-finance", 2)) in scenario
    assert (node, GG.removes, iris.record_iri("zz", "interim-standards")) in scenario
    assert iris.phase_graph_iri("zz-finance", 2) in by, "the picture after the phase is a graph of its own"
    ok = shapes.validate_graph([scenario], context=context)
    assert not [f for f in ok.findings if f.focus == str(node)], "the phase as built conforms"
    if mutation == "no-order":
        scenario.remove((node, GG.phaseOrder, None))
    elif mutation == "dated-and-relative":
        scenario.add((node, GG.phaseDate, Literal("2019-01-01", datatype=iris.XSD.date)))
    elif mutation == "neither":
        scenario.remove((node, GG.phaseFirstYear, None))
        scenario.remove((node, GG.phaseLastYear, None))
    else:
        scenario.set((node, GG.phaseOrder, Literal(0)))
    bad = shapes.validate_graph([scenario], context=context)
    found = [f for f in bad.findings if f.focus == str(node)]
    assert found and all(f.severity == "violation" and "phase" in f.message for f in found)
