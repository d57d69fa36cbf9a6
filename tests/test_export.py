"""`govgraph export`: network files valid against their XSDs and read back by networkx and igraph
with the projection's counts, RDF formats that say the same thing, and the ORG/CPOV view checked
with the SEMIC CPOV SHACL shapes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import warnings

import igraph as ig
import networkx as nx
import pyoxigraph as ox
import pytest
from lxml import etree
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SKOS

from govgraph.analysis import projection, run
from govgraph.core.errors import UsageError
from govgraph.exports import network
from govgraph.store import embedded

from conftest import FIXTURES, run_govgraph

CPOV_SHAPES = FIXTURES / "cpov" / "core-public-organisation-ap-SHACL.ttl"
SCHEMAS = {"graphml": FIXTURES / "xsd" / "graphml" / "graphml.xsd", "gexf": FIXTURES / "xsd" / "gexf-1.3" / "gexf.xsd"}
DAY = dt.date(2016, 6, 30)


def _export(out, fmt, **kw):
    return network.export(out, fmt, **kw)


def _union_counts(db, cc, scenario=None):
    """Nodes and edges of every picture of the country's history, by projection."""
    days = network.change_days(db, cc, scenario)
    probes = [days[0] - dt.timedelta(days=1)] + days
    nodes, edges = set(), set()
    for day in probes:
        G = projection.project(db, cc, as_of=day, scenario=scenario)
        nodes |= set(G.nodes)
        edges |= set(G.edges(keys=True))
    return len(nodes), len(edges)


@pytest.mark.parametrize("fmt,reader", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_network_files_read_back_with_the_projection_counts(real_build, fmt, reader):
    db = embedded.open_store(real_build)
    G = projection.project(db, "cl", as_of=DAY)
    (data,) = _export(real_build, fmt, country="cl", as_of=DAY).values()
    back = reader(io.BytesIO(data))
    assert (back.number_of_nodes(), back.number_of_edges()) == (G.number_of_nodes(), G.number_of_edges())
    assert {n.split(":", 1)[1] for n in back.nodes} == set(G.nodes)
    (data,) = _export(real_build, fmt, country="cl").values()  # the whole timeline
    back = reader(io.BytesIO(data))
    assert (back.number_of_nodes(), back.number_of_edges()) == _union_counts(db, "cl")
    for attrs in [a for _, a in back.nodes(data=True)] + [a for *_, a in back.edges(data=True)]:
        for key, value in attrs.items():
            assert key == "spells" or isinstance(value, (str, bool, int, float)), (key, value)


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_network_files_are_valid_and_load_without_warnings(real_build, fmt, tmp_path):
    """Valid against the format's own XSD (GraphML 1.0, GEXF 1.3; shipped in tests/fixtures/xsd), for
    one day and for the whole timeline, and read by networkx and igraph without a warning."""
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS[fmt])))
    for kw in ({"as_of": DAY}, {}):
        (data,) = _export(real_build, fmt, country="cl", **kw).values()
        assert schema.validate(etree.fromstring(data)), [e.message for e in schema.error_log][:5]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            back = (nx.read_graphml if fmt == "graphml" else nx.read_gexf)(io.BytesIO(data))
            if fmt == "graphml":  # igraph reads a path only
                (tmp_path / "g.graphml").write_bytes(data)
                g = ig.Graph.Read_GraphML(str(tmp_path / "g.graphml"))
                assert (g.vcount(), g.ecount()) == (back.number_of_nodes(), back.number_of_edges())
        assert all("networkx_key" not in a for *_, a in back.edges(data=True))
    if fmt == "gexf":
        assert etree.fromstring(data).get("version") == "1.3"


def test_graphml_attributes_are_typed(real_build):
    (data,) = _export(real_build, "graphml", country="cl", as_of=DAY).values()
    text = data.decode()
    assert 'attr.name="lead" attr.type="boolean"' in text
    assert 'attr.name="weight" attr.type="double"' in text
    assert 'attr.name="lever_count" attr.type="long"' in text or 'attr.name="lever_count" attr.type="int"' in text
    back = nx.read_graphml(io.BytesIO(data))
    leads = [n for n, a in back.nodes(data=True) if a["lead"] is True]
    assert leads and all(isinstance(a["weight"], float) for *_, a in back.edges(data=True))


def test_gexf_timeline_has_spells_gephi_can_replay(real_build):
    (data,) = _export(real_build, "gexf", country="cl").values()
    text = data.decode()
    assert 'mode="dynamic"' in text and 'timeformat="date"' in text and "<spell " in text
    assert "lastmodifieddate" not in text  # no date of the day: same build, same bytes
    back = nx.read_gexf(io.BytesIO(data))
    spelled = [a for _, a in back.nodes(data=True) if a.get("spells")]
    assert spelled, "some Chilean bodies start or end after 2016"
    (again,) = _export(real_build, "gexf", country="cl").values()
    assert again == data


def test_csv_stable_columns_and_counts(real_build, tmp_path):
    db = embedded.open_store(real_build)
    G = projection.project(db, "cl", as_of=DAY)
    files = _export(real_build, "csv", country="cl", as_of=DAY)
    nodes = list(csv.DictReader(io.StringIO(files["nodes.csv"].decode())))
    edges = list(csv.DictReader(io.StringIO(files["edges.csv"].decode())))
    assert tuple(nodes[0].keys()) == network.NODE_COLUMNS and tuple(edges[0].keys()) == network.EDGE_COLUMNS
    assert (len(nodes), len(edges)) == (G.number_of_nodes(), G.number_of_edges())
    ids = {n["id"] for n in nodes}
    assert all(e["source"] in ids and e["target"] in ids for e in edges)
    result = run_govgraph("export", "--format", "csv", "--country", "CL", "--out", str(real_build), "-o",
                          str(tmp_path / "csv"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "csv" / "nodes.csv").read_bytes().startswith(b"id,label,kind,")
    result = run_govgraph("export", "--format", "csv", "--out", str(real_build))
    assert result.returncode == 2 and "-o DIR" in result.stderr


def test_jsonld_expands_to_the_same_triples_as_turtle(kitchen_sink_build):
    (ttl,) = _export(kitchen_sink_build, "ttl", country="zz").values()
    (jsonld,) = _export(kitchen_sink_build, "jsonld", country="zz").values()
    (nt,) = _export(kitchen_sink_build, "nt", country="zz").values()
    a = Graph().parse(data=ttl, format="turtle")
    b = Graph().parse(data=jsonld, format="json-ld")
    c = Graph().parse(data=nt, format="nt")
    assert len(a) > 100 and len(a) == len(b) == len(c)
    assert isomorphic(a, b) and isomorphic(a, c)
    # and the same bytes as the build's own files
    for data, suffix in ((ttl, "ttl"), (jsonld, "jsonld"), (nt, "nt")):
        assert data == (kitchen_sink_build / "graphs" / f"zz.{suffix}").read_bytes(), suffix


def test_trig_holds_every_named_graph_of_the_baseline(kitchen_sink_build):
    (trig,) = _export(kitchen_sink_build, "trig").values()
    ds = Dataset()
    ds.parse(data=trig, format="trig")
    db = embedded.open_store(kitchen_sink_build)
    names = [n for n in embedded.graph_names(db) if "/scenario/" not in n]
    got = {str(g.identifier): len(g) for g in ds.graphs() if len(g)}
    assert sorted(got) == sorted(names)
    for name in names:
        assert got[name] == sum(1 for _ in db.quads_for_pattern(None, None, None, ox.NamedNode(name)))
    (scenario,) = _export(kitchen_sink_build, "trig", scenario="zz-finance").values()
    ds = Dataset()
    ds.parse(data=scenario, format="trig")
    assert [str(g.identifier) for g in ds.graphs() if len(g)] == [
        "https://w3id.org/govgraph/graph/scenario/zz-finance"]


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld"])
def test_a_whole_dataset_export_never_mixes_a_scenario_into_the_baseline(kitchen_sink_build, fmt):
    """The scenario restates facts about the baseline's IRIs (zz-finance moves the lead body): a
    whole-dataset export holds the baseline and its history only, so no record gets two values."""
    (data,) = _export(kitchen_sink_build, fmt).values()
    whole = Graph().parse(data=data, format={"ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}[fmt])
    db = embedded.open_store(kitchen_sink_build)
    baseline = Graph()
    for name in embedded.graph_names(db):
        if "/scenario/" not in name:
            baseline += network.read_graph(db, name)
    assert isomorphic(whole, baseline)
    scenario = network.read_graph(db, "https://w3id.org/govgraph/graph/scenario/zz-finance")
    assert set(scenario) - set(baseline), "the fixture's scenario says something the baseline does not"
    assert not (set(scenario) - set(baseline)) & set(whole)


def test_cli_writes_to_stdout_and_checks_arguments(kitchen_sink_build):
    result = run_govgraph("export", "--format", "nt", "--country", "ZZ", "--out", str(kitchen_sink_build))
    assert result.returncode == 0 and result.stdout.count("\n") > 100
    result = run_govgraph("export", "--format", "ttl", "--as-of", "2016", "--out", str(kitchen_sink_build))
    assert result.returncode == 2 and "network formats" in result.stderr
    result = run_govgraph("export", "--format", "gexf", "--country", "QQ", "--out", str(kitchen_sink_build))
    assert result.returncode == 2 and "no country QQ" in result.stderr
    with pytest.raises(UsageError):
        network.export(kitchen_sink_build, "graphml", view="org-cpov")


def test_org_cpov_view_conforms_to_the_cpov_shapes(real_build):
    (ttl,) = _export(real_build, "ttl", view="org-cpov").values()
    view = Graph().parse(data=ttl, format="turtle")
    assert not [p for p in set(view.predicates()) if str(p).startswith("https://w3id.org/govgraph/ontology#")]
    report = network.validate_view(view, Graph().parse(CPOV_SHAPES))
    assert report["conforms"], json.dumps(report, indent=1)
    focus = report["focus_nodes"]
    assert focus["http://data.europa.eu/m8g/PublicOrganisation"] > 50
    org = sorted(view.subjects(RDF.type, URIRef("http://data.europa.eu/m8g/PublicOrganisation")))[0]
    view.add((org, SKOS.prefLabel, Literal("A second English name", lang="en")))  # CPOV: one per language
    view.add((org, SKOS.prefLabel, Literal("A name with no language")))  # CPOV: rdf:langString
    broken = network.validate_view(view, Graph().parse(CPOV_SHAPES))
    assert not broken["conforms"] and set(broken["violations"]) == {
        f"Violation {SKOS.prefLabel} {c}ConstraintComponent" for c in ("UniqueLang", "Datatype")}
    view.remove((org, SKOS.prefLabel, Literal("A second English name", lang="en")))
    view.remove((org, SKOS.prefLabel, Literal("A name with no language")))
    assert focus["http://data.europa.eu/m8g/ReferenceFramework"] > 20
    # entailments a consumer relies on, without our ontology
    ask = view.query("""PREFIX org: <http://www.w3.org/ns/org#> PREFIX cv: <http://data.europa.eu/m8g/>
        PREFIX dct: <http://purl.org/dc/terms/> PREFIX schema: <http://schema.org/>
        ASK { ?o a cv:PublicOrganisation , org:FormalOrganization , org:Organization , schema:GovernmentOrganization ;
                 dct:spatial <http://publications.europa.eu/resource/authority/country/CHL> ;
                 org:classification ?c .
              ?m a org:Membership ; org:member ?o ; org:organization ?b . ?b a org:OrganizationalCollaboration .
              ?u org:unitOf ?p . ?p org:hasUnit ?u . }""")
    assert ask.askAnswer


def test_a_phase_of_a_roadmap_exports_its_own_picture(kitchen_sink_build):
    """`govgraph export --scenario ID --phase N`: the picture after phase N, in RDF and for Gephi."""
    (first,) = _export(kitchen_sink_build, "ttl", scenario="zz-finance/phase/1").values()
    (second,) = _export(kitchen_sink_build, "ttl", scenario="zz-finance/phase/2").values()
    phase_graph = Graph().parse(kitchen_sink_build / "graphs" / "scenario-zz-finance-phase-1.ttl")
    exported = Graph().parse(data=first, format="turtle")
    assert len(phase_graph) and set(phase_graph) <= set(exported)
    assert first != second
    result = run_govgraph("export", "--format", "gexf", "--scenario", "zz-finance", "--phase", "1",
                          "--out", str(kitchen_sink_build))
    assert result.returncode == 0 and b"<gexf" in result.stdout.encode("utf-8"), result.stderr
    result = run_govgraph("export", "--format", "ttl", "--scenario", "zz-finance", "--phase", "9",
                          "--out", str(kitchen_sink_build))
    assert result.returncode == 2 and "has no phase 9" in result.stderr, result.stderr
    result = run_govgraph("export", "--format", "ttl", "--phase", "1", "--out", str(kitchen_sink_build))
    assert result.returncode == 2 and "--phase needs --scenario" in result.stderr, result.stderr


def _spells(data: bytes) -> dict[str, list[tuple[str, str | None]]]:
    """Each node and edge id of a GEXF file → its spells, read as Gephi reads them (the XML)."""
    ns = {"g": "http://gexf.net/1.3"}
    root = etree.fromstring(data)
    return {e.get("id"): [(s.get("start"), s.get("end")) for s in e.iterfind("g:spells/g:spell", ns)]
            for e in [*root.iterfind(".//g:node", ns), *root.iterfind(".//g:edge", ns)]}


@pytest.mark.parametrize("build,scenario", [("real_build", "cl-enacted-2024"), ("kitchen_sink_build", "zz-finance")])
def test_a_roadmap_exports_as_one_dynamic_gexf(request, build, scenario):
    """`govgraph export --format gexf --scenario ID` (no --phase): one time slice per picture of the
    roadmap, the baseline first; on the day a slice starts, the bodies and ties alive are those of
    the projection of that phase (dated phases: their date; relative: the end of their last year)."""
    out = request.getfixturevalue(build)
    db = embedded.open_store(out)
    sc = next(s for s in projection.scenarios(db) if s["id"] == scenario)
    steps = [p for p in projection.phases(db) if p["scenario"] == scenario]
    assert steps, f"{scenario} has a roadmap"
    day = run.scenario_date(dt.date.fromisoformat(json.loads((out / "build.json").read_text())["as_of"]), sc["base"])
    starts = [day]
    for p in steps:
        when = dt.date.fromisoformat(p["date"][:10]) if p["date"] else day.replace(year=day.year + p["years"][1])
        starts.append(max(when, starts[-1]))
    pictures = [projection.project(db, sc["country"], as_of=day)]
    pictures += [projection.project(db, sc["country"], as_of=day, scenario=p["key"]) for p in steps]
    assert len({(frozenset(G.nodes), frozenset(G.edges(keys=True))) for G in pictures}) > 1
    result = run_govgraph("export", "--format", "gexf", "--scenario", scenario, "--out", str(out))
    assert result.returncode == 0, result.stderr
    data = result.stdout.encode("utf-8")
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS["gexf"])))
    assert schema.validate(etree.fromstring(data)), [e.message for e in schema.error_log][:5]
    assert 'mode="dynamic"' in data.decode() and "<description>" in data.decode()
    spells = _spells(data)
    cc = sc["country"]
    for i, (start, G) in enumerate(zip(starts, pictures)):
        if i + 1 < len(starts) and starts[i + 1] == start:
            continue  # two phases on one day: the later one's picture holds from then
        at = start.isoformat()
        alive = {k for k, sp in spells.items() if any(s <= at and (e is None or at < e) for s, e in sp)}
        assert {k.split(":", 1)[1] for k in alive if "__" not in k} == set(G.nodes), (scenario, i)
        assert {k for k in alive if "__" in k} == {f"{cc}:{u}__{t}__{cc}:{v}" for u, v, t in G.edges(keys=True)}, \
            (scenario, i)
    back = nx.read_gexf(io.BytesIO(data))  # each body says in which pictures it is (0: the baseline)
    for n, a in back.nodes(data=True):
        assert a["phases"].split() == [str(i) for i, G in enumerate(pictures) if n.split(":", 1)[1] in G]
    (again,) = _export(out, "gexf", scenario=scenario).values()
    assert again == data  # the same build, the same bytes


def test_a_roadmaps_slices_start_on_the_phases_dates_and_only_move_forward():
    """Dated phases start on their date; relative ones when their last year is over, counted from
    the day the roadmap starts; a phase listed later never starts before the one above it."""
    start = dt.date(2016, 6, 30)
    dated = [{"date": "2018-01-01", "years": None}, {"date": "2019-11-11", "years": None},
             {"date": "2019-11-11", "years": None}]
    assert network.phase_starts(start, dated) == [start, dt.date(2018, 1, 1), dt.date(2019, 11, 11),
                                                  dt.date(2019, 11, 11)]
    relative = [{"date": None, "years": (1, 1)}, {"date": None, "years": (2, 3)}, {"date": None, "years": (2, 2)}]
    assert network.phase_starts(start, relative) == [start, dt.date(2017, 6, 30), dt.date(2019, 6, 30),
                                                     dt.date(2019, 6, 30)]
    assert network.phase_starts(dt.date(2016, 2, 29), relative[:1]) == [dt.date(2016, 2, 29), dt.date(2017, 2, 28)]
