"""SHACL shapes on the real engine (rudof, held to pySHACL's results): for every shape, a conforming node (the kitchen-sink country as
built) and a non-conforming one (the same graph with one mutation); the report is data with the
curated file:line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS, XSD

from govgraph.core import iris
from govgraph.core.errors import ConformanceError
from govgraph.core.vocab import CONCEPT, ELI, GG, ID
from govgraph.curated import loader
from govgraph.rdf import mapping
from govgraph.validate import shapes as shacl

REPO = Path(__file__).resolve().parent.parent
ZZ = ID + "zz/"


@pytest.fixture(scope="module")
def built():
    dataset = loader.load(REPO / "tests" / "fixtures" / "kitchen-sink")
    graphs = mapping.build(dataset)
    by = {str(g.identifier): g for g in graphs}
    return {"zz": by[str(iris.country_graph_iri("zz"))],
            "context": [by[str(iris.ONTOLOGY_GRAPH)], by[str(iris.SOURCES_GRAPH)]],
            "origins": mapping.record_origins(dataset), "graphs": graphs}


@pytest.fixture(scope="module")
def shapes():
    return shacl.load_shapes()


def _validate(built, shapes, g: Graph) -> shacl.Report:
    return shacl.validate_graph([g], context=built["context"], shapes=shapes, origins=built["origins"],
                                   label="zz")


def _copy(g: Graph) -> Graph:
    out = Graph()
    for t in g:
        out.add(t)
    return out


def u(local: str) -> URIRef:
    return URIRef(ZZ + local)


def c(scheme: str, code: str) -> URIRef:
    return URIRef(f"{CONCEPT}{scheme}/{code}")


def remove(s, p, o=None):
    return lambda g: g.remove((s, p, o))


def add(s, p, o):
    return lambda g: g.add((s, p, o))


def replace(s, p, o):
    def mutate(g):
        g.remove((s, p, None))
        g.add((s, p, o))
    return mutate


# (rule, focus, mutation that breaks it, severity)
CASES = [
    ("ggsh:SourcedRecordShape", u("finance"), remove(u("finance"), DCTERMS.source), "violation"),
    ("ggsh:SourcedRecordShape", u("finance"), remove(u("finance"), PROV.wasDerivedFrom), "violation"),
    ("ggsh:SourcedRecordShape", u("finance"), remove(u("finance"), GG.confidence), "violation"),
    ("ggsh:SourcedRecordShape", u("finance"), replace(u("finance"), GG.confidence, c("lever-type", "skills")), "violation"),
    ("ggsh:CitationShape", URIRef(ZZ + "finance/citation/1"), remove(URIRef(ZZ + "finance/citation/1"), GG.locator), "violation"),
    ("ggsh:LabelledShape", u("finance"), remove(u("finance"), RDFS.label, Literal("Ministry of Finance", lang="en")), "violation"),
    ("ggsh:DescribedShape", u("spend-control"), remove(u("spend-control"), DCTERMS.description), "violation"),
    ("ggsh:ValidityShape", u("digital-agency"), replace(u("digital-agency"), GG.validFrom, Literal("2014")), "violation"),
    ("ggsh:ValidityShape", u("old-digital-unit"), replace(u("old-digital-unit"), GG.validUntil, Literal("2004-01-01", datatype=XSD.date)), "violation"),
    ("ggsh:ValidityShape", u("presidency"), replace(u("presidency"), GG.established, Literal(1950)), "violation"),
    ("ggsh:IssuedShape", u("digital-law"), add(u("digital-law"), DCTERMS.issued, Literal("last year")), "violation"),
    ("ggsh:InForceShape", u("digital-law"), add(u("digital-law"), ELI.first_date_entry_in_force, Literal("soon")), "violation"),
    ("ggsh:CountryShape", URIRef(ID + "zz"), replace(URIRef(ID + "zz"), GG.iso3166Alpha2, Literal("zz")), "violation"),
    ("ggsh:InstitutionShape", u("finance"), replace(u("finance"), ORG.classification, c("placement", "line-ministry")), "violation"),
    ("ggsh:CoordinationBodyShape", u("digital-council"), remove(u("digital-council"), GG.coordinationLevel), "violation"),
    ("ggsh:MembershipShape", u("digital-council/member/president/chair"), add(u("digital-council/member/president/chair"), ORG.member, u("finance")), "violation"),
    ("ggsh:MembershipShape", u("digital-council/member/president/chair"), replace(u("digital-council/member/president/chair"), ORG.organization, u("finance")), "violation"),
    ("ggsh:MembershipShape", u("digital-council/member/president/chair"), remove(u("digital-council/member/president/chair"), ORG.role), "violation"),
    ("ggsh:LeadDesignationShape", u("lead/digital-agency-2014-02-01"), replace(u("lead/digital-agency-2014-02-01"), GG.leadBody, u("digital-council")), "violation"),
    ("ggsh:MandateShape", u("old-unit-mandate"), replace(u("old-unit-mandate"), GG.mandateStrength, c("lever-type", "skills")), "violation"),
    ("ggsh:LeverShape", u("spend-control"), replace(u("spend-control"), GG.leverType, c("mandate-strength", "advisory")), "violation"),
    ("ggsh:LeverShape", u("spend-control"), replace(u("spend-control"), GG.thresholdCurrency, Literal("pounds")), "violation"),
    ("ggsh:LeverShape", u("spend-control"), replace(u("spend-control"), GG.thresholdAmount, Literal("1000")), "violation"),
    ("ggsh:LeverShape", u("spend-control"), replace(u("spend-control"), GG.binding, Literal("yes")), "violation"),
    ("ggsh:ThresholdShape", u("spend-control"), remove(u("spend-control"), GG.thresholdCurrency), "violation"),
    ("ggsh:LegalInstrumentShape", u("digital-law"), remove(u("digital-law"), GG.instrumentKind), "violation"),
    ("ggsh:RelationShape", u("relation/audit-office/supervises/digital-agency"), remove(u("relation/audit-office/supervises/digital-agency"), GG.target), "violation"),
    ("ggsh:CastRoleShape", u("finance"), replace(u("finance"), GG.playsCastRole, c("lever-type", "skills")), "violation"),
    ("ggsh:RoleSearchShape", u("search/data-protection-authority/any"), remove(u("search/data-protection-authority/any"), GG.searchedWhere), "violation"),
    ("ggsh:RoleSearchShape", u("search/data-protection-authority/any"), replace(u("search/data-protection-authority/any"), GG.searchedRole, c("role-status", "unknown")), "violation"),
    ("ggsh:RoleAssessmentShape", u("cast/2016-06-30/finance-ministry"), replace(u("cast/2016-06-30/finance-ministry"), GG.roleStatus, c("cast-role", "lead-body")), "violation"),
    ("ggsh:RoleAssessmentShape", u("cast/2016-06-30/finance-ministry"), add(u("cast/2016-06-30/finance-ministry"), GG.assessedOn, Literal("2025-06-30", datatype=XSD.date)), "violation"),
]


@pytest.fixture(scope="module")
def baseline_report(built, shapes):
    return _validate(built, shapes, built["zz"])


def test_kitchen_sink_conforms(baseline_report):
    assert baseline_report.violations == 0, shacl.summary(baseline_report)


@pytest.mark.parametrize("rule, focus, mutate, severity", CASES, ids=[f"{r}-{i}" for i, (r, *_rest) in enumerate(CASES)])
def test_shape_conforming_and_not(built, shapes, baseline_report, rule, focus, mutate, severity):
    before = [f for f in baseline_report.findings if f.rule == rule and f.focus == str(focus)]
    assert before == [], "the unmutated node conforms"
    g = _copy(built["zz"])
    assert (focus, None, None) in g
    mutate(g)
    found = [f for f in _validate(built, shapes, g).findings if f.rule == rule and f.focus == str(focus)]
    assert found, f"{rule} must flag {focus}"
    assert {f.severity for f in found} == {severity}
    assert all(f.message for f in found)


def test_every_shape_has_a_case(shapes):
    from rdflib.namespace import SH

    named = {str(s).replace("https://w3id.org/govgraph/shapes#", "ggsh:")
             for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}
    targeted = {s for s in named if not s.endswith("Concept")}  # concept shapes are used via sh:node
    # sources: test below; phases: tests/test_phases.py
    assert targeted <= {rule for rule, *_ in CASES} | {"ggsh:SourceShape", "ggsh:PhaseShape"}


def test_source_shape(built, shapes):
    from govgraph.core.vocab import SOURCE

    sources = next(g for g in built["graphs"] if g.identifier == iris.SOURCES_GRAPH)
    ok = shacl.validate_graph([sources], context=built["context"][:1], shapes=shapes)
    assert [f for f in ok.findings if f.rule == "ggsh:SourceShape"] == []
    broken = _copy(sources)
    broken.remove((URIRef(SOURCE + "zz-gazette"), GG.sourceKind, None))
    bad = shacl.validate_graph([broken], context=built["context"][:1], shapes=shapes)
    assert [f.focus for f in bad.findings if f.rule == "ggsh:SourceShape"] == [SOURCE + "zz-gazette"]


def test_report_is_data_with_the_curated_line(built, shapes):
    g = _copy(built["zz"])
    g.remove((u("finance"), DCTERMS.source, None))
    report = _validate(built, shapes, g)
    finding = next(f for f in report.findings if f.focus == str(u("finance")) and f.path == "dcterms:source")
    assert finding.severity == "violation"
    assert re.fullmatch(r"kitchen-sink/countries/zz\.yaml:\d+:\d+", finding.origin), "file:line:column, as errors"
    assert "source" in finding.message
    data = json.loads(report.to_json())
    assert data["conforms"] is False and data["counts"]["violation"] >= 1
    assert {"severity", "focus", "path", "message", "origin"} <= set(data["findings"][0])
    assert b"| violation |" in report.to_markdown()
    with pytest.raises(ConformanceError) as info:
        report.raise_if_fails()
    assert info.value.exit_code == 1 and "zz.yaml:" in str(info.value)


def test_warnings_fail_only_when_strict():
    report = shacl.Report(findings=[shacl.Finding(
        severity="warning", graph="countries", focus=str(u("finance")), path="",
        message="No name in the official language es", rule="checks/official-language-label-warning.rq")])
    assert report.violations == 0 and report.warnings == 1
    report.raise_if_fails()
    with pytest.raises(ConformanceError):
        report.raise_if_fails(strict=True)


def _damaged(graphs: list[Graph], seed: int) -> list[Graph]:
    """Copies of `graphs` with a sixth of their statements gone and some dates and numbers made text."""
    import random

    rng = random.Random(seed)
    out = []
    for g in graphs:
        copy = _copy_as(g)
        for s_, p_, o_ in rng.sample(sorted(copy), len(copy) // 6):
            copy.remove((s_, p_, o_))
            if isinstance(o_, Literal) and o_.datatype is not None and rng.random() < 0.5:
                copy.add((s_, p_, Literal(str(o_))))
        out.append(copy)
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_rudof_finds_what_pyshacl_finds(built, shapes, seed):
    """The shapes are checked by rudof (validate/engine.py); pySHACL, the reference implementation,
    finds the same results on damaged graphs: the same focus node, path, constraint, severity and
    value, and for our shapes' messages the same text."""
    import pyshacl
    from rdflib.namespace import SH

    from govgraph.validate import engine

    data = _damaged([built["zz"]], seed)[0]
    union = _copy_as(data)
    for g in built["context"]:
        union += g
    ours = set(data.subjects())

    def n3(term) -> str:
        return "" if term is None else str(term)

    _, results, _ = pyshacl.validate(union, shacl_graph=shapes, inference="none", advanced=False,
                                     allow_warnings=True, meta_shacl=False)
    details = set(results.objects(None, SH.detail))
    expected = {(str(results.value(r, SH.focusNode)), n3(results.value(r, SH.resultPath)),
                 str(results.value(r, SH.sourceConstraintComponent)),
                 str(results.value(r, SH.resultSeverity)).rsplit("#", 1)[-1].lower(), n3(results.value(r, SH.value)))
                for r in results.subjects(RDF.type, SH.ValidationResult)
                if r not in details and results.value(r, SH.focusNode) in ours}
    found = engine.validate(union.serialize(format="nt", encoding="utf-8"), shapes)
    got = {(r.focus, r.path, r.component, r.severity, r.value) for r in found if URIRef(r.focus) in ours}
    assert len(expected) > 20 and got == expected
    messages = {m for r in found for m in [r.message] if URIRef(r.focus) in ours}
    assert messages >= {str(m) for m in shapes.objects(None, SH.message)} & {
        str(m) for r in results.subjects(RDF.type, SH.ValidationResult) for m in results.objects(r, SH.resultMessage)}


def test_a_finding_names_its_shape_the_same_way_every_time(built, shapes):
    """rudof labels blank nodes at random: the shapes are named first, so a finding's rule and
    message are the same in every run, and lead back to the named shape."""
    from govgraph.validate import engine

    broken = _copy(built["zz"])
    for s in sorted(broken.subjects(RDF.type, GG.RoleAssessment))[:2]:
        broken.set((s, GG.assessedRole, URIRef(CONCEPT + "role-status/found")))  # a code of another list
    reports = []
    for _ in range(2):
        engine._READY.clear()
        reports.append(_validate(built, shapes, broken).to_json())
    assert reports[0] == reports[1] and b"ggsh:RoleAssessmentShape" in reports[0]
    assert b"_:" not in reports[0]


# -- a SHACL violation through the CLI: a report and exit 1, never a traceback ---------------------

NONCONFORMING = """\
country:
  code: ZZ
  name: {en: Zembla}
  sources: [{id: zz-handbook, locator: "p. 1"}]
  confidence: confirmed
institutions:
  - id: towns
    name: {en: Association of Towns}
    kind: local-government-association
    sources: [{id: zz-handbook, locator: "p. 2"}]
    confidence: confirmed
lead:
  - body: towns
    sources: [{id: zz-handbook, locator: "p. 3"}]
    confidence: confirmed
"""


@pytest.mark.slow
def test_a_shape_violation_gives_its_report_and_exit_1_through_the_cli(tmp_path):
    import shutil

    from conftest import KITCHEN_SINK, run_govgraph

    data = tmp_path / "data"
    (data / "countries").mkdir(parents=True)
    shutil.copy(KITCHEN_SINK / "sources.yaml", data / "sources.yaml")
    (data / "countries" / "zz.yaml").write_text(NONCONFORMING, encoding="utf-8")
    checked = run_govgraph("validate", "--data", str(data), "--shapes-only")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    text = checked.stdout + checked.stderr
    assert "Traceback" not in text
    assert "countries/zz.yaml:13" in text and "lead designation names exactly one public institution" in text
    built = run_govgraph("build", "--data", str(data), "--out", str(tmp_path / "out"))
    assert built.returncode == 1 and "Traceback" not in built.stderr
    assert not (tmp_path / "out").exists()
    reasoned = run_govgraph("validate", "--data", str(data), "--reason-only")
    assert "lead designation names exactly one public institution" not in reasoned.stdout + reasoned.stderr, \
        "--reason-only runs no shapes"


def test_the_sources_a_graph_never_reaches_change_no_finding():
    """Each validation run is given only the part of the sources graph its data can reach: on graphs
    damaged at random (so that there are findings), the findings are those of the whole context."""
    import random

    from govgraph.curated import loader
    from govgraph.rdf import mapping
    from govgraph.validate import shapes as shacl

    from conftest import KITCHEN_SINK

    graphs = mapping.build(loader.load(KITCHEN_SINK))
    by_iri = {g.identifier: g for g in graphs}
    context = [by_iri[iris.ONTOLOGY_GRAPH], by_iri[iris.SOURCES_GRAPH]]
    rng = random.Random(3)
    data = [g for g in graphs if g.identifier not in (iris.ONTOLOGY_GRAPH, iris.SOURCES_GRAPH)]
    for g in data:
        for triple in rng.sample(sorted(g), len(g) // 6):
            g.remove(triple)
    shapes = shacl.load_shapes()
    for part in ([g for g in data if "/scenario/" not in str(g.identifier)],
                 *([g] for g in data if "/scenario/" in str(g.identifier))):
        pairs = [(str(g.identifier), shacl._ntriples(g)) for g in part]
        whole = shacl._validate(pairs, [shacl._ntriples(g) for g in context], shapes, None, "")
        indexed = [shacl._ntriples(context[0]), shacl._Indexed(shacl._ntriples(context[1]))]
        reached = shacl._validate(pairs, shacl._reachable(indexed, [nt for _, nt in pairs]), shapes, None, "")
        assert whole.findings and sorted(set(reached.findings)) == sorted(set(whole.findings))
    ontology, sources = shacl._reachable(indexed, [b""])  # data that names no source
    assert ontology is indexed[0] and sources == b""


def test_a_validation_in_two_parts_is_the_whole(built, shapes):
    """The build validates the country graphs in one process and the rest in another."""

    graphs = [_copy_as(g) for g in built["graphs"]]
    zz = next(g for g in graphs if g.identifier == iris.country_graph_iri("zz"))
    zz.add((URIRef(ID + "zz/finance"), GG.established, Literal("not a date")))  # a finding in the countries' part
    whole = shacl.validate_graphs(graphs, origins=built["origins"], shapes=shapes)
    parts = [shacl.validate_graphs(graphs, origins=built["origins"], shapes=shapes, countries=flag)
             for flag in (True, False)]
    assert whole.findings and parts[0].findings and not {f.graph for f in parts[1].findings} & {str(zz.identifier)}
    assert sorted(parts[0].findings + parts[1].findings) == sorted(whole.findings)
    assert sorted(parts[0].graphs + parts[1].graphs) == sorted(whole.graphs)
    assert str(zz.identifier) in parts[0].graphs and str(iris.SOURCES_GRAPH) in parts[1].graphs


def _copy_as(g: Graph) -> Graph:
    out = Graph(identifier=g.identifier)
    for t in g:
        out.add(t)
    return out


def test_a_process_that_validated_can_still_fork_a_validation(real_build):
    """rudof keeps worker threads once it has validated a large graph, and a process forked after
    that hung in its next validation (a test run validates, then builds): rudof runs only in child
    processes, so the process that asks stays without them."""
    import subprocess
    import sys

    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from govgraph.core.background import Background\n"
        "from govgraph.validate import engine, shapes\n"
        "data = b''.join(p.read_bytes() for p in sorted(Path(sys.argv[1]).glob('graphs/*.nt')))\n"
        "engine.validate(data, shapes.load_shapes())\n"
        "print('threads', len(os.listdir('/proc/self/task')))\n"
        "part = data[:200000].rsplit(b'\\n', 1)[0] + b'\\n'\n"
        "print('child', type(Background(engine.validate, part, shapes.load_shapes()).result()).__name__)\n")
    result = subprocess.run([sys.executable, "-c", script, str(real_build)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert "threads 1" in result.stdout and "child list" in result.stdout, result.stdout
