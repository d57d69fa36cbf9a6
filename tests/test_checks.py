"""queries/checks/*-violation.rq on the embedded store: the kitchen sink passes every check; a
mutated graph makes each one return its row. Plus the wiring: `govgraph validate` and a failing
build that leaves the previous out/ intact."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from govgraph.core import iris
from govgraph.core.vocab import GG, ID
from govgraph.curated import loader
from govgraph.rdf import mapping, serialise
from govgraph.store import embedded
from govgraph.validate import shapes

from conftest import run_govgraph

REPO = Path(__file__).resolve().parent.parent
KS = REPO / "tests" / "fixtures" / "kitchen-sink"
ZZ = ID + "zz/"


def u(local: str) -> URIRef:
    return URIRef(ZZ + local)


def d(text: str) -> Literal:
    return Literal(text, datatype=XSD.date)


@pytest.fixture(scope="module")
def graphs():
    return mapping.build(loader.load(KS))


def _checks(tmp_path: Path, graphs: list[Graph], mutate=None) -> shapes.Report:
    country = next(g for g in graphs if g.identifier == iris.country_graph_iri("zz"))
    changed = Graph(identifier=country.identifier)
    for t in country:
        changed.add(t)
    if mutate:
        mutate(changed)
    others = [g for g in graphs if g.identifier != country.identifier]
    tmp_path.mkdir(parents=True, exist_ok=True)
    embedded.create(tmp_path / "store", serialise.ntriples_by_graph(others + [changed]))
    handle = embedded.open_store(tmp_path)
    try:
        return shapes.run_checks(handle)
    finally:
        del handle


def test_kitchen_sink_passes_every_violation_check(tmp_path, graphs):
    report = _checks(tmp_path, graphs)
    assert len([c for c in report.checks if c.endswith("-violation")]) >= 5
    assert report.violations == 0, shapes.summary(report)


def _second_lead(g):
    node = u("lead/finance-2015-01-01")
    g.add((node, RDF.type, GG.LeadDesignation))
    g.add((node, GG.country, URIRef(ID + "zz")))
    g.add((node, GG.leadBody, u("finance")))
    g.add((node, GG.validFrom, d("2015-01-01")))


def _foreign_lead(g):
    g.remove((u("lead/digital-agency-2014-02-01"), GG.leadBody, None))
    g.add((u("lead/digital-agency-2014-02-01"), GG.leadBody, URIRef(ID + "yy/agency")))


def _membership_before_body(g):
    body = u("digital-council")
    g.add((body, GG.validFrom, d("2014-01-01")))
    for m in set(g.subjects(URIRef("http://www.w3.org/ns/org#organization"), body)):
        if (m, GG.validFrom, None) not in g:  # the build gives memberships their body's dates
            g.add((m, GG.validFrom, d("2014-01-01")))
    m = u("digital-council/member/president/chair")
    g.remove((m, GG.validFrom, None))
    g.add((m, GG.validFrom, d("2010-01-01")))


def _lever_before_holder(g):
    g.add((u("spend-control"), GG.validFrom, d("2010-01-01")))
    g.remove((u("spend-control"), GG.leverHolder, None))
    g.add((u("spend-control"), GG.leverHolder, u("digital-agency")))  # exists from 2014-02-01


def _no_source(g):
    g.remove((u("finance"), DCTERMS.source, None))


def _role_unknown(g):
    node = u("cast/2016-06-30/digital-identity-provider")
    g.remove((node, GG.roleStatus, None))
    g.add((node, GG.roleStatus, URIRef("https://w3id.org/govgraph/concept/role-status/unknown")))


CASES = [
    ("two-lead-bodies-violation", _second_lead, u("lead/digital-agency-2014-02-01")),
    ("lead-body-not-of-country-violation", _foreign_lead, u("lead/digital-agency-2014-02-01")),
    ("membership-outside-body-life-violation", _membership_before_body, u("digital-council/member/president/chair")),
    ("lever-holder-not-existing-violation", _lever_before_holder, u("spend-control")),
    ("fact-without-source-violation", _no_source, u("finance")),
    ("cast-role-unknown-violation", _role_unknown, u("cast/2016-06-30/digital-identity-provider")),
]


@pytest.mark.parametrize("check, mutate, focus", CASES, ids=[c for c, _, _ in CASES])
def test_each_check_returns_its_violation(tmp_path, graphs, check, mutate, focus):
    report = _checks(tmp_path, graphs, mutate)
    found = [f for f in report.findings if f.rule == f"checks/{check}.rq"]
    assert [f.focus for f in found] == [str(focus)]
    assert found[0].severity == "violation" and found[0].message


def _drop_spanish_name(node):
    def mutate(g):
        for label in [o for o in g.objects(node, RDFS.label) if getattr(o, "language", None) == "es"]:
            g.remove((node, RDFS.label, label))
    return mutate


@pytest.mark.parametrize("focus", [u("finance"), URIRef(ID + "zz")], ids=["institution", "country"])
def test_a_name_missing_in_the_official_language_is_a_warning(tmp_path, graphs, focus):
    rule = "checks/official-language-label-warning.rq"
    assert not [f for f in _checks(tmp_path / "before", graphs).findings if f.rule == rule and f.focus == str(focus)]
    found = [f for f in _checks(tmp_path / "after", graphs, _drop_spanish_name(focus)).findings
             if f.rule == rule and f.focus == str(focus)]
    assert [f.severity for f in found] == ["warning"]
    assert "es" in found[0].message


def test_every_violation_check_has_a_case():
    names = {p.stem for p in shapes.check_files() if p.stem.endswith("-violation")}
    assert names == {c for c, _, _ in CASES}


# -- wiring: CLI and build -------------------------------------------------------------------------

@pytest.mark.slow
def test_validate_command_on_the_kitchen_sink():
    result = run_govgraph("validate", "--data", str(KS), "--shapes-only")
    assert result.returncode == 0, result.stderr
    assert "0 violation(s)" in result.stdout


@pytest.mark.slow
def test_inconsistent_data_fails_the_build_and_keeps_the_previous_out(tmp_path, kitchen_sink_build):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(kitchen_sink_build, out)
    before = (out / "build.json").read_bytes()
    assert (out / "graphs" / "inferred.ttl").exists() and (out / "validation.json").exists()
    data = tmp_path / "data"
    shutil.copytree(KS, data)
    zz = data / "countries" / "zz.yaml"
    # the same id as an institution and a body would be a load error; a lead that is a co-ordination
    # body's member-only institution is fine… so break the ontology instead: two leads at once.
    text = zz.read_text(encoding="utf-8")
    text = text.replace("  - body: digital-agency\n    from: 2014-02-01\n",
                        "  - body: finance\n    from: 2014-02-01\n    sources: [{id: zz-handbook, locator: \"x\"}]\n"
                        "    confidence: reported\n  - body: digital-agency\n    from: 2014-02-01\n", 1)
    zz.write_text(text, encoding="utf-8")
    result = run_govgraph("build", "--data", str(data), "--out", str(out))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "two lead bodies" in result.stderr
    assert (out / "build.json").read_bytes() == before


@pytest.mark.slow
def test_a_source_nothing_cites_is_a_warning(tmp_path):
    import shutil

    from conftest import KITCHEN_SINK, run_govgraph

    data = tmp_path / "data"
    shutil.copytree(KITCHEN_SINK, data)
    with (data / "sources.yaml").open("a", encoding="utf-8") as handle:
        handle.write('\n- id: zz-never-cited\n  title: "A source nobody cites (fictional)"\n  kind: secondary\n')
    result = run_govgraph("validate", "--data", str(data), "--shapes-only")
    assert result.returncode == 0  # a warning, not a violation
    assert "source/zz-never-cited: this source is declared but nothing cites it" in result.stdout
    strict = run_govgraph("validate", "--data", str(data), "--shapes-only", "--strict")
    assert strict.returncode == 1
