"""Metrics and findings on small hand-built graphs whose answers are worked out by hand below;
then findings on the kitchen-sink build and on the real dataset (Chile 2016 against the OECD review)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import networkx as nx
import pytest

from govgraph.analysis import findings, indicators, metrics
from govgraph.analysis.metrics import Params

from conftest import REAL_DATA, run_govgraph


def node(G, key, kind="ministry", **attrs):
    base = {"kind": kind, "label": key, "lead": False, "levers": [], "mandates": [], "legal_basis": [],
            "no_legal_basis_found": False, "iri": f"urn:x:{key}"}
    base.update(attrs)
    G.add_node(key, **base)


def edge(G, u, v, type_="member", weight=1.0, tie=True, membership=None):
    membership = type_ in ("member", "chair", "secretariat", "vice-chair") if membership is None else membership
    G.add_edge(u, v, key=type_, type=type_, weight=weight, tie=tie, membership=membership, record=f"urn:r:{u}-{v}")


def lever(id_, type_, binding=True):
    return {"id": id_, "iri": f"urn:lever:{id_}", "type": type_, "binding": binding, "legal_basis": [],
            "no_legal_basis_found": False}


def mandate(id_, strength="co-ordinating", basis=(), none_found=False):
    return {"id": id_, "iri": f"urn:mandate:{id_}", "strength": strength, "legal_basis": list(basis),
            "no_legal_basis_found": none_found}


# -- metrics ------------------------------------------------------------------------------------

@pytest.fixture
def star():
    """c with three leaves a, b, d (a 'body' with three members)."""
    G = nx.MultiDiGraph(leads=["c"])
    for k in "abcd":
        node(G, k)
    for k in "abd":
        edge(G, k, "c")
    return G


def test_pagerank_is_networkx_s_within_its_tolerance_weights_and_isolated_bodies_included():
    import random

    rng = random.Random(7)
    H = nx.Graph()
    H.add_nodes_from(range(40))  # 35–39 stay isolated (dangling)
    for _ in range(90):
        u, v = rng.sample(range(35), 2)
        H.add_edge(u, v, weight=rng.choice([0.5, 1.0, 2.0, 3.0]))
    ours, theirs = metrics.pagerank(H), nx.pagerank(H, alpha=0.85, weight="weight", tol=1e-12)
    assert list(ours) == list(H) and sum(ours.values()) == pytest.approx(1.0)
    assert all(ours[n] == pytest.approx(theirs[n], abs=1e-9) for n in H)
    assert metrics.ranks(ours) == metrics.ranks(theirs)


def test_star_metrics_by_hand(star):
    m = metrics.metrics(star)
    assert m.degree == {"a": 1, "b": 1, "c": 3, "d": 1}
    # c lies on the shortest path of every pair of leaves: 3 of the C(3,2) = 3 pairs → 1.0
    assert m.betweenness["c"] == pytest.approx(1.0)
    assert m.betweenness["a"] == 0
    assert m.betweenness_method == {"method": "exact", "nodes": 4}
    # closeness: c is 1 step from 3 nodes → 3/3; a leaf is at 1, 2, 2 → 3/5
    assert m.closeness["c"] == pytest.approx(1.0)
    assert m.closeness["a"] == pytest.approx(0.6)
    # PageRank (alpha .85, n = 4): leaf p = .0375 + .85 q/3, centre q = .0375 + .85·3p → p = .048125/.2775
    p = 0.048125 / 0.2775
    assert m.pagerank["a"] == pytest.approx(p, abs=1e-12)  # solved exactly (igraph's PRPACK)
    assert m.pagerank["c"] == pytest.approx(1 - 3 * p, abs=1e-12)
    # Burt: c spreads its ties over 3 unconnected contacts, each 1/3 → 3·(1/3)² = 1/3; a leaf is bound to one
    assert m.constraint["c"] == pytest.approx(1 / 3)
    assert m.constraint["a"] == pytest.approx(1.0)
    assert m.effective_size["c"] == pytest.approx(3.0)
    assert m.effective_size["a"] == pytest.approx(1.0)
    assert m.articulation_points == ["c"]
    assert m.bridges == [("a", "c"), ("b", "c"), ("c", "d")]
    assert m.components == [["a", "b", "c", "d"]]


def test_path_and_triangle_by_hand():
    G = nx.MultiDiGraph()
    for k in "abcde":
        node(G, k)
    edge(G, "a", "b"), edge(G, "b", "c"), edge(G, "c", "d")
    m = metrics.metrics(G)
    # a-b-c-d and an isolated e (5 nodes: normalised by C(4,2) = 6); b is on a–c, a–d → 2/6
    assert m.betweenness["b"] == pytest.approx(2 / 6)
    assert m.articulation_points == ["b", "c"]
    assert len(m.bridges) == 3
    assert m.components == [["a", "b", "c", "d"], ["e"]]
    assert m.constraint["e"] is None and m.effective_size["e"] is None  # undefined for an isolate
    # a triangle has no articulation point or bridge, and every contact is redundant for Burt
    T = nx.MultiDiGraph()
    for k in "xyz":
        node(T, k)
    edge(T, "x", "y"), edge(T, "y", "z"), edge(T, "z", "x")
    mt = metrics.metrics(T)
    assert mt.articulation_points == [] and mt.bridges == []
    # x: two contacts, each 1/2, each also reachable via the other (1/2·1/2): (1/2 + 1/4)² · 2 = 1.125
    assert mt.constraint["x"] == pytest.approx(1.125)
    assert mt.effective_size["x"] == pytest.approx(1.0)  # 2 contacts − redundancy 1


def test_simple_graph_merges_parallel_ties_and_ties_only():
    G = nx.MultiDiGraph()
    for k in "ab":
        node(G, k)
    edge(G, "a", "b", "part-of", 1.0)
    edge(G, "b", "a", "oversees", 1.0)
    edge(G, "a", "b", "observer", 0.25, tie=False)
    H = metrics.simple_graph(G)
    assert H["a"]["b"]["weight"] == pytest.approx(2.25)
    assert H["a"]["b"]["types"] == ["observer", "oversees", "part-of"]
    assert metrics.simple_graph(G, ties_only=True)["a"]["b"]["weight"] == pytest.approx(2.0)


def test_sampled_betweenness_is_labelled_and_reproducible():
    G = nx.MultiDiGraph()
    for i in range(30):
        node(G, i)
    for i in range(29):
        edge(G, i, i + 1)
    p = Params(exact_betweenness_max_nodes=10, betweenness_samples=8, seed=7)
    m1, m2 = metrics.metrics(G, p), metrics.metrics(G, p)
    assert m1.betweenness_method == {"method": "sampled", "nodes": 30, "samples": 8, "seed": 7}
    assert m1.betweenness == m2.betweenness
    assert metrics.metrics(G).betweenness_method["method"] == "exact"


def test_reach_counts_ministries_within_steps():
    G = nx.MultiDiGraph()
    node(G, "lead", "agency")
    node(G, "body", "coordination-body", level="senior-official")
    for k in ("m1", "m2", "m3"):
        node(G, k)
    edge(G, "lead", "body", "chair"), edge(G, "m1", "body"), edge(G, "m2", "body")
    edge(G, "m3", "m2", "reports-to")
    two = metrics.reach(G, "lead", 2)
    assert two["share"] == pytest.approx(2 / 3) and two["missed"] == ["m3"]
    assert metrics.reach(G, "lead", 3)["share"] == pytest.approx(1.0)


def test_rank_is_competition_rank():
    assert metrics.rank({"a": 3, "b": 2, "c": 2, "d": 0}, "c") == 2
    assert metrics.rank({"a": 3, "b": 2, "c": 2, "d": 0}, "d") == 4
    assert metrics.rank({"a": 1.0, "b": None}, "b") == 2


# -- findings -----------------------------------------------------------------------------------

@pytest.fixture
def weak():
    """A Chile-like arrangement, by hand:

        u (lead unit, no legal basis, no levers) —part-of→ seg —chair→ com ←member— fin, m1
        bud —part-of→ fin; bud holds the binding ICT budget
        proc (isolated) holds binding procurement and a decision-making mandate
        com is political: there is no senior-official body
    """
    G = nx.MultiDiGraph(leads=["u"])
    node(G, "u", "unit", lead=True, no_legal_basis_found=True,
         mandates=[mandate("u-mandate", none_found=True)])
    node(G, "seg")
    node(G, "fin")
    node(G, "m1")
    node(G, "bud", "agency", levers=[lever("budget", "ict-budget")])
    node(G, "proc", "agency", levers=[lever("procurement", "procurement")],
         mandates=[mandate("proc-mandate", "decision-making", basis=["urn:law"])])
    node(G, "com", "coordination-body", level="political")
    edge(G, "u", "seg", "part-of", membership=False)
    edge(G, "seg", "com", "chair", 1.5)
    edge(G, "fin", "com"), edge(G, "m1", "com")
    edge(G, "bud", "fin", "part-of", membership=False)
    return G


def by_id(found):
    return {f.id: f for f in found}


def test_findings_on_a_weak_arrangement_by_hand(weak):
    found = by_id(findings.findings(weak))
    # u is a leaf: betweenness 0 while seg, com and fin broker → not central, high
    f = found["lead-not-central:u"]
    assert f.severity == "high" and f.evidence["values"]["betweenness"] == 0
    assert f.evidence["values"]["betweenness_rank"] == 4  # seg, com, fin above it; the rest tie at 0
    assert found["lead-lacks-levers:u"].severity == "high"
    assert "urn:lever:budget" in found["lead-lacks-levers:u"].evidence["facts"]
    # bud – fin – com – seg – u: 4 steps > 2; proc has no path at all
    mis = found["key-lever-misaligned:budget"]
    assert mis.severity == "high" and mis.evidence["values"]["distance"] == 4
    assert ["seg", "chair", "com"] in mis.evidence["edges"] and ["bud", "part-of", "fin"] in mis.evidence["edges"]
    assert found["key-lever-misaligned:procurement"].evidence["values"]["distance"] is None
    assert found["lead-no-legal-basis:u"].severity == "high"
    assert found["mandate-no-legal-basis:u-mandate"].severity == "high"
    assert "mandate-no-legal-basis:proc-mandate" not in found  # it cites a law
    assert found["mandate-off-bodies:u"].severity == "high"
    assert found["mandate-off-bodies:proc"].severity == "medium"
    # ministries seg, fin, m1: within two steps of u only seg (com is the second step) → 1/3
    reach = found["low-reach:u"]
    assert reach.severity == "medium" and reach.evidence["values"]["share"] == pytest.approx(1 / 3)
    frag = found["fragmented"]
    assert frag.severity == "medium" and frag.evidence["values"]["isolated"] == ["proc"]
    assert found["no-senior-official-body"].severity == "high"
    # removing seg cuts u off from com, fin, m1, bud (4 of 7 ≥ 25%) → high; removing fin cuts off
    # only bud (fewer than 2) → not reported
    assert found["single-point-of-failure:seg"].evidence["values"]["cut_off"] == 4
    assert found["single-point-of-failure:com"].evidence["values"]["cut_off"] == 3
    assert "single-point-of-failure:fin" not in found
    assert found["bridge:seg--u"].evidence["values"]["cut_off"] == 5
    assert found["bridge:com--fin"].evidence["values"]["cut_off"] == 2
    assert "bridge:bud--fin" not in found
    severities = [f.severity for f in findings.findings(weak)]
    assert severities == sorted(severities, key=findings.SEVERITIES.index)


def test_thresholds_are_parameters(weak):
    found = by_id(findings.findings(weak, params=Params(min_reach=0.3, tie_distance=4, central_rank=5,
                                                       min_separated=5)))
    assert "low-reach:u" not in found               # 1/3 ≥ 0.3
    assert "key-lever-misaligned:budget" not in found  # 4 steps allowed
    assert "key-lever-misaligned:procurement" in found  # still no path
    assert "lead-not-central:u" not in found         # rank 4 ≤ 5
    assert "bridge:seg--u" in found and "bridge:com--fin" not in found


@pytest.fixture
def strong():
    """A UK-like arrangement: the lead chairs a senior-official network of every ministry and holds a
    binding spending control; its mandate and itself have a legal basis."""
    G = nx.MultiDiGraph(leads=["g"])
    node(G, "g", "unit", lead=True, legal_basis=["urn:law"], levers=[lever("spend", "spending-control")],
         mandates=[mandate("g-mandate", basis=["urn:law"])])
    node(G, "co", "centre-of-government-office")
    node(G, "net", "coordination-body", level="senior-official")
    node(G, "pro", "agency", levers=[lever("frameworks", "procurement")])
    for k in ("m1", "m2", "m3"):
        node(G, k)
        edge(G, k, "net")
    edge(G, "g", "net", "chair", 1.5), edge(G, "g", "co", "part-of", membership=False), edge(G, "co", "net")
    edge(G, "pro", "co", "part-of", membership=False)
    return G


def test_findings_that_must_not_fire_on_a_strong_arrangement(strong):
    rules = {f.rule for f in findings.findings(strong)}
    for rule in ("lead-lacks-levers", "lead-no-legal-basis", "mandate-no-legal-basis", "lead-not-central",
                 "low-reach", "key-lever-misaligned", "no-senior-official-body", "fragmented",
                 "mandate-off-bodies", "no-lead-body"):
        assert rule not in rules, rule


def test_lead_levers_through_a_body_it_serves_and_non_binding(strong):
    strong.nodes["g"]["levers"] = [lever("spend", "spending-control", binding=False)]
    assert by_id(findings.findings(strong))["lead-lacks-levers:g"].severity == "medium"
    strong.nodes["g"]["levers"] = []
    strong.nodes["net"]["levers"] = [lever("approve", "project-approval")]
    assert by_id(findings.findings(strong))["lead-lacks-levers:g"].severity == "low"


def test_no_lead_and_lead_off_senior_bodies(strong):
    strong.nodes["g"]["lead"] = False
    strong.graph["leads"] = []
    assert "no-lead-body" in by_id(findings.findings(strong))
    strong.graph["leads"] = ["pro"]
    f = by_id(findings.findings(strong))["no-senior-official-body"]
    assert f.severity == "medium" and "net" in f.evidence["nodes"]


def test_indicators_annotate_and_deltas(weak, strong):
    mw, ms = metrics.metrics(weak), metrics.metrics(strong)
    fw, fs = findings.findings(weak, mw), findings.findings(strong, ms)
    rw = indicators.indicators(weak, mw, fw)
    assert rw["lead"] == "u" and rw["lead_key_levers"] == 0 and rw["key_levers_misaligned"] == 2
    assert rw["reach"] == pytest.approx(1 / 3, abs=1e-6) and rw["lead_legal_basis"] == "none-found"
    assert rw["components"] == 2 and rw["findings_total"] == len(fw)
    indicators.annotate(weak, mw, fw)
    assert weak.nodes["u"]["weak"] and weak.nodes["u"]["weak_severity"] == "high"
    assert "lead-lacks-levers:u" in weak.nodes["u"]["weak_findings"]
    assert 0 <= weak.nodes["seg"]["size"] <= 1
    rs = indicators.indicators(strong, ms, fs)
    delta = indicators.scenario_delta(rw, fw, rs, fs)
    assert delta["indicators"]["lead_key_levers"] == {"baseline": 0, "scenario": 1, "delta": 1, "verdict": "better"}
    assert "lead-lacks-levers" in delta["rules_resolved"]
    assert "lead-lacks-levers:u" in delta["resolved"]
    table = indicators.compare([dict(rw, country="CL"), dict(rs, country="GB")], focus="CL")
    assert table["ranks"]["GB"]["reach"] == 1 and table["ranks"]["CL"]["reach"] == 2
    assert table["position"]["lead_key_levers"]["rank"] == 2


def test_every_indicator_column_has_a_name_a_unit_and_a_meaning(weak, strong):
    """queries/indicators.toml names every column the analysis writes (CSV/JSON keep the variable
    names, the pages show the label and unit), and lists nothing the analysis does not write."""
    catalogue = indicators.catalogue()
    for G in (weak, strong):
        m = metrics.metrics(G)
        row = indicators.indicators(G, m, findings.findings(G, m))
        assert sorted(set(row) - set(catalogue)) == [], "add these to queries/indicators.toml"
        assert sorted(set(catalogue) - set(row)) == [], "listed in queries/indicators.toml, never written"
    for ind in catalogue.values():
        assert ind.label and ind.unit and ind.meaning and ind.name not in (ind.label, ind.unit)
    assert all(i.better in ("high", "low") for i in indicators.ranked()) and len(indicators.ranked()) >= 10


def test_an_indicator_without_its_words_is_refused(tmp_path):
    from govgraph.core.errors import QueryError

    path = tmp_path / "indicators.toml"
    path.write_text('[[indicator]]\nname = "reach"\nlabel = "Reach"\nmeaning = "m"\nbetter = "high"\nkey = true\n')
    with pytest.raises(QueryError, match=r"indicator 1 \(reach\) has no unit"):
        indicators.catalogue(path)
    path.write_text('[[indicator]]\nname = "reach"\nlabel = ""\nunit = "u"\nmeaning = "m"\nbetter = "up"\n'
                    'key = true\n')
    with pytest.raises(QueryError, match="must be non-empty"):
        indicators.catalogue(path)


# -- on builds ----------------------------------------------------------------------------------

def test_kitchen_sink_findings_and_files(kitchen_sink_build):
    folder = kitchen_sink_build / "analysis"
    doc = json.loads((folder / "zz.json").read_text())
    ids = {f["id"] for f in doc["findings"]}
    # the fictional agency holds binding spending control and project approval, has a law, chairs the
    # CIO network: none of the lead-body findings fire
    assert not {i for i in ids if i.startswith(("lead-lacks-levers", "lead-no-legal-basis", "lead-not-central"))}
    # the standards group hangs on the CIO network alone
    assert "single-point-of-failure:cio-network" in ids
    assert doc["betweenness"]["method"] == "exact"
    lead = next(n for n in doc["nodes"] if n["id"] == "digital-agency")
    assert lead["lead"] and lead["size"] > 0
    assert {"compare.csv", "compare.json", "compare.md", "scenarios.csv", "scenarios.json", "scenarios.md",
            "zz.md", "scenario-zz-finance.json"} <= {p.name for p in folder.iterdir()}
    deltas = json.loads((folder / "scenarios.json").read_text())
    zz = next(d for d in deltas if d["scenario"] == "zz-finance")
    assert zz["indicators"]["lead_placement"] == {"baseline": "centre-of-government", "scenario": "finance-ministry",
                                                  "delta": None, "verdict": "changed"}
    assert zz["indicators"]["lead_key_levers"]["verdict"] == "better"  # the ICT budget moved to the agency


def test_cli_analyse_and_compare(kitchen_sink_build, tmp_path):
    # a copy: `analyse` rewrites out/analysis/, and the session build is shared with other tests
    kitchen_sink_build = Path(shutil.copytree(kitchen_sink_build, tmp_path / "out"))
    result = run_govgraph("analyse", "ZZ", "--out", str(kitchen_sink_build))
    assert result.returncode == 0, result.stderr
    assert "single-point-of-failure:cio-network" in result.stdout
    site_report = (kitchen_sink_build / "analysis" / "zz.json").read_bytes()
    assert run_govgraph("analyse", "ZZ", "--as-of", "2010", "--out", str(kitchen_sink_build)).returncode == 0
    assert (kitchen_sink_build / "analysis" / "zz.json").read_bytes() == site_report, "another day never overwrites"
    assert json.loads((kitchen_sink_build / "analysis" / "zz-2010-06-30.json").read_text())["as_of"] == "2010-06-30"
    bad = run_govgraph("analyse", "XX", "--out", str(kitchen_sink_build))
    assert bad.returncode == 2 and "XX" in bad.stderr and "known: ZZ" in bad.stderr
    unknown = run_govgraph("analyse", "ZZ", "--scenario", "nope", "--out", str(kitchen_sink_build))
    assert unknown.returncode == 2 and "nope" in unknown.stderr
    known = unknown.stderr.split("known:", 1)[1]
    assert known.count("zz-finance") == 1, "each known scenario is listed once"
    result = run_govgraph("compare", "--out", str(kitchen_sink_build))
    assert result.returncode == 0, result.stderr
    assert "ZZ" in result.stdout


needs_chile = pytest.mark.skipif(not (REAL_DATA / "countries" / "cl.yaml").exists(), reason="graph/countries/cl.yaml not curated yet")


@pytest.fixture(scope="module")
def real(real_build):
    folder = real_build / "analysis"
    return lambda cc: json.loads((folder / f"{cc}.json").read_text())


@needs_chile
def test_chile_2016_matches_the_oecd_review(real):
    """OECD (2016): the lead unit lacks a strong legal basis and the levers to drive the agenda."""
    cl = real("cl")
    found = {f["id"]: f for f in cl["findings"]}
    lead = cl["leads"][0]
    legal = found[f"lead-no-legal-basis:{lead}"]
    assert legal["severity"] == "high" and legal["evidence"]["facts"]
    levers = found[f"lead-lacks-levers:{lead}"]
    assert levers["severity"] == "high"
    # the evidence names who holds the ICT budget instead (DIPRES)
    assert any(f.endswith("/dipres-budget") for f in levers["evidence"]["facts"])
    # and that holder has no co-ordination tie to the lead unit
    assert any(i.startswith("key-lever-misaligned:") and f["evidence"]["values"]["lever_type"] == "ict-budget"
               for i, f in found.items())


@needs_chile
@pytest.mark.parametrize("cc", ["gb", "pt"])
def test_lead_with_binding_spending_controls_does_not_lack_levers(real, cc):
    doc = real(cc)
    assert not [f for f in doc["findings"] if f["rule"] == "lead-lacks-levers"]
    assert doc["indicators"]["lead_key_levers"] >= 1


@needs_chile
def test_compare_ranks_every_country_and_places_chile(real_build):
    comparison = json.loads((real_build / "analysis" / "compare.json").read_text())
    countries = {r["country"] for r in comparison["rows"]}
    assert {"CL", "GB"} <= countries
    assert comparison["focus"] == "CL" and comparison["position"]["lead_key_levers"]["of"] == len(countries)
    gb, cl = comparison["ranks"]["GB"], comparison["ranks"]["CL"]
    assert gb["lead_key_levers"] < cl["lead_key_levers"]


# -- large graphs: the fast paths give what the plain networkx computations give -------------------

def _government(n: int, seed: int) -> nx.MultiDiGraph:
    """A tree of institutions under a centre (cut points and bridges everywhere) plus co-ordination
    bodies tying random members together, one lead body, a second small part on its own."""
    import random

    rng = random.Random(seed)
    G = nx.MultiDiGraph(leads=["i1"])
    node(G, "i0", kind="centre-of-government-office")
    for i in range(1, n):
        node(G, f"i{i}", kind=rng.choice(["ministry", "agency", "unit"]), lead=(i == 1),
             levers=[lever(f"l{i}", "ict-budget")] if i % 7 == 0 else [])
        edge(G, f"i{i}", f"i{rng.randrange(i)}", "part-of", weight=rng.choice([1.0, 2.0]))
    for b in range(n // 10):
        node(G, f"b{b}", kind=metrics.COORDINATION_BODY, level="technical")
        for member in rng.sample(range(n), 3):
            edge(G, f"i{member}", f"b{b}", "member")
    node(G, "x0", kind="agency")
    node(G, "x1", kind="agency")
    edge(G, "x0", "x1", "part-of")
    return G


def test_sampled_betweenness_is_networkx_estimate_with_the_same_pivots():
    H = metrics.simple_graph(_government(400, seed=1))
    p = Params(exact_betweenness_max_nodes=100, betweenness_samples=60, seed=7)
    values, method = metrics.betweenness(H, p)
    reference = nx.betweenness_centrality(H, k=60, normalized=True, seed=7)
    assert method == {"method": "sampled", "nodes": H.number_of_nodes(), "samples": 60, "seed": 7}
    assert max(abs(values[v] - reference[v]) for v in H) < 1e-12
    assert sum(1 for v in values.values() if v > 0) > 20


def test_estimated_closeness_is_near_the_exact_value_and_exact_in_small_parts():
    H = metrics.simple_graph(_government(1500, seed=2))
    exact = nx.closeness_centrality(H, wf_improved=True)
    p = Params(exact_betweenness_max_nodes=200, closeness_samples=300)
    estimate = metrics.closeness(H, p)
    assert estimate["x0"] == pytest.approx(exact["x0"], abs=1e-12)  # the two-node part: exact
    errors = sorted(abs(estimate[v] - exact[v]) / exact[v] for v in H if exact[v] > 0)
    assert errors[len(errors) // 2] < 0.03 and errors[-1] < 0.15  # median and worst relative error
    assert estimate == metrics.closeness(H, p)  # the fixed seed: the same estimate every time
    assert metrics.closeness(H, Params()) == pytest.approx(exact)  # below the threshold: exact


def test_effective_size_is_burts_weighted_formula_as_networkx_has_it():
    H = metrics.simple_graph(_government(300, seed=3))
    H.add_node("alone")
    H.add_edge("i3", "i5", weight=1.5)  # a chair's tie: weights differ within an ego network
    ours = metrics.effective_size(H)
    # networkx's node-by-node definition (its all-nodes matrix shortcut in 3.6 disagrees with it when
    # weights differ: 3.9 instead of 3.83 for the UK's GDS)
    reference = nx.effective_size(H, nodes=list(H), weight="weight")
    assert ours["alone"] is None
    assert max(abs(ours[v] - reference[v]) for v in H if v != "alone") < 1e-9


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_what_cut_points_and_bridges_separate_matches_removing_them(seed):
    G = _government(250, seed=seed)
    m = metrics.metrics(G)
    H = m.simple
    assert m.articulation_points and m.bridges
    found = {f.id: f for f in findings.find_single_points(G, m, Params(min_separated=1))}
    for v in m.articulation_points:
        if v == "i1":
            continue
        lost, count = findings._cut_off(H, removed_nodes=[v], anchor="i1")
        f = found.get(f"single-point-of-failure:{v}")
        assert (f.evidence["values"]["cut_off"] if f else 0) == count
        if f:
            assert f.evidence["nodes"] == [v, *lost]
    for u, v in m.bridges:
        lost, count = findings._cut_off(H, removed_edges=[(u, v)], anchor="i1")
        f = found.get(f"bridge:{u}--{v}")
        assert (f.evidence["values"]["cut_off"] if f else 0) == count
        if f:
            assert f.evidence["nodes"][2:] == lost


def test_misaligned_levers_are_measured_along_shortest_tie_paths():
    G = _government(300, seed=8)
    T = metrics.simple_graph(G, ties_only=True)
    found = [f for f in findings.findings(G) if f.rule == "key-lever-misaligned"]
    assert found
    for f in found:
        holder = f.evidence["nodes"][0]
        d = f.evidence["values"]["distance"]
        expected = nx.shortest_path_length(T, holder, "i1") if nx.has_path(T, holder, "i1") else None
        assert d == expected and (d is None or d > 2)
        if d is not None:
            assert len({e[0] for e in f.evidence["edges"]} | {e[2] for e in f.evidence["edges"]}) == d + 1


def test_cut_points_and_bridges_from_igraph_match_networkx():
    H = metrics.simple_graph(_government(300, seed=9))
    view = metrics.igraph_view(H)
    assert metrics.articulation_points(H, view) == metrics.articulation_points(H)
    assert metrics.bridges(H, view) == metrics.bridges(H) and metrics.bridges(H)


def test_constraint_is_burts_weighted_formula_as_networkx_has_it():
    H = metrics.simple_graph(_government(300, seed=10))
    H.add_node("alone")
    H.add_edge("i3", "i5", weight=1.5)
    ours = metrics.constraint(H)
    reference = nx.constraint(H, nodes=list(H), weight="weight")
    assert ours["alone"] is None
    assert max(abs(ours[v] - reference[v]) for v in H if v != "alone") < 1e-9


def test_effective_size_worked_by_hand_on_the_uk_lead_body():
    # GDS's ego network in the 2016 UK data: with p = w / 5 and m = w / (the contact's largest w),
    # 1 − Σ_q p_q m_jq is 0.6 (Cabinet Office), 0.733 (network), 0.8 (CCS), 0.7 (HMT), 1 (NAO)
    H = nx.Graph()
    for u, v, w in [("gds", "co", 1.0), ("gds", "dln", 1.5), ("gds", "ccs", 0.5), ("gds", "hmt", 1.0),
                    ("gds", "nao", 1.0), ("co", "dln", 1.0), ("co", "ccs", 1.0), ("dln", "hmt", 1.0)]:
        H.add_edge(u, v, weight=w)
    assert metrics.effective_size(H)["gds"] == pytest.approx(0.6 + (1 - 0.4 / 1.5) + 0.8 + 0.7 + 1)
    # (networkx 3.6's all-nodes shortcut, nx.effective_size(H, weight="weight"), says 3.9 here)


def test_exact_path_metrics_are_networkx_values():
    H = metrics.simple_graph(_government(500, seed=11))  # two parts: closeness needs Wasserman–Faust
    bc, method = metrics.betweenness(H)
    assert method == {"method": "exact", "nodes": H.number_of_nodes()}
    reference = nx.betweenness_centrality(H, normalized=True)
    assert max(abs(bc[v] - reference[v]) for v in H) < 1e-12
    assert metrics.closeness(H) == pytest.approx(nx.closeness_centrality(H, wf_improved=True), abs=1e-12)
    assert metrics.metrics(nx.MultiDiGraph()).betweenness == {}


def test_ranks_of_all_nodes_at_once_equal_rank_of_each():
    values = {"a": 0.5, "b": 0.5, "c": 0.1, "d": None, "e": 0.5 + 1e-13, "f": 0.9}
    assert metrics.ranks(values) == {v: metrics.rank(values, v) for v in values}
    assert metrics.ranks(values)["d"] == 6 and metrics.ranks(values)["a"] == 2
