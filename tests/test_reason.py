"""Reasoning on real HermiT: defined classes inferred (and not), plain-words inconsistency reports,
no state shared between runs, and the expected inferences on the real dataset."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import OWL, RDF

from govgraph.core import iris
from govgraph.core.errors import OntologyError
from govgraph.core.vocab import GG, ID
from govgraph.curated import loader
from govgraph.curated.model import BASELINE, snapshot
from govgraph.rdf import mapping, serialise
from govgraph.reason import cache, explain, hermit, input, jvm

HERE = Path(__file__).resolve().parent
FIX = HERE / "fixtures" / "reasoning"
REPO = HERE.parent
QQ = ID + "qq/"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return mapping.ontology_graph()


def _graph(name: str) -> Graph:
    g = Graph()
    g.parse(FIX / name, format="turtle")
    return g


@pytest.fixture(scope="module")
def defined(ontology) -> cache.Reasoned:
    return hermit.reason(ontology, [_graph("defined-classes.ttl")], label="defined-classes fixture")


DEFINED = [
    (GG.LeadBody, "pos-lead", "neg-lead"),
    (GG.LeadBodyWithLegalBasis, "pos-lead-law", "neg-lead-law"),
    (GG.EmpoweredLeadBody, "pos-empowered", "neg-empowered"),
    (GG.LeadBodyWithoutKeyLever, "neg-empowered", "pos-empowered"),
    (GG.PoliticalCoordinationBody, "pos-political", "neg-political"),
    (GG.SeniorOfficialCoordinationBody, "pos-senior", "neg-senior"),
    (GG.BindingLever, "pos-binding", "neg-binding"),
    (GG.BoundInstitution, "pos-bound", "neg-bound"),
]


@pytest.mark.parametrize("cls, yes, no", DEFINED, ids=[str(c).split("#")[1] for c, _, _ in DEFINED])
def test_defined_class_is_inferred_where_it_must_be_and_only_there(defined, cls, yes, no):
    assert (URIRef(QQ + yes), RDF.type, cls) in defined.graph
    assert (URIRef(QQ + no), RDF.type, cls) not in defined.graph


def test_every_defined_class_of_the_ontology_has_a_fixture(ontology):
    from rdflib.namespace import OWL

    defined_classes = {c for c in ontology.subjects(OWL.equivalentClass, None) if str(c).startswith(str(GG))}
    assert defined_classes == {c for c, _, _ in DEFINED}


def test_inferred_graph_holds_only_new_triples_about_our_individuals(defined):
    asserted = _graph("defined-classes.ttl")
    assert defined.graph.identifier == iris.INFERRED_GRAPH
    assert len(defined.graph) > 0
    for s, p, o in defined.graph:
        assert str(s).startswith(ID)
        assert (s, p, o) not in asserted
    # superclasses of the inferred class come along: a lead body is also an org:Organization
    assert (URIRef(QQ + "pos-empowered"), RDF.type, GG.LeadBody) in defined.graph
    assert defined.classes[str(GG.LeadBody)] >= 4


def test_without_closed_world_the_negated_class_is_not_inferred(ontology):
    result = hermit.reason(ontology, [_graph("defined-classes.ttl")], closed_world=False)
    assert not set(result.graph.subjects(RDF.type, GG.LeadBodyWithoutKeyLever))
    assert (URIRef(QQ + "pos-empowered"), RDF.type, GG.EmpoweredLeadBody) in result.graph


def test_each_run_has_its_own_world(ontology):
    first = hermit.reason(ontology, [_graph("defined-classes.ttl")])
    lonely = Graph()
    lonely.add((URIRef(QQ + "alone"), RDF.type, GG.Agency))
    second = hermit.reason(ontology, [lonely])
    assert set(first.graph.subjects()) and not (set(second.graph.subjects()) & set(first.graph.subjects()))
    assert not set(second.graph.subjects(RDF.type, GG.LeadBody))


def test_disjoint_classes_give_a_plain_words_report(ontology):
    origins = {QQ + "council": "graph/countries/qq.yaml:12"}
    with pytest.raises(explain.InconsistencyError) as info:
        hermit.reason(ontology, [_graph("disjoint.ttl")], label="fixture qq", origins=origins)
    err = info.value
    assert isinstance(err, OntologyError) and err.exit_code == 1
    text = str(err)
    assert "Digital Council" in text and "qq/council" in text
    assert "gg:CoordinationBody" in text and "gg:PublicInstitution" in text and "disjoint" in text
    assert "graph/countries/qq.yaml:12" in text
    assert "A consistent agency" not in text
    assert "Exception" not in text and "\tat " not in text and "java." not in text
    assert [c.individuals for c in err.conflicts] == [(QQ + "council",)]
    assert any("council" in line for line in err.explanation)  # Pellet names the axioms


def test_functional_property_conflict_is_named(ontology):
    with pytest.raises(explain.InconsistencyError) as info:
        hermit.reason(ontology, [_graph("functional.ttl")])
    text = str(info.value)
    assert "Project approval" in text and "gg:binding" in text and "functional" in text


def test_conflict_through_a_range_says_why_the_type_was_inferred(ontology):
    with pytest.raises(explain.InconsistencyError) as info:
        hermit.reason(ontology, [_graph("range.ttl")])
    conflict = info.value.conflicts[0]
    assert conflict.individuals == (QQ + "finance",)
    assert "gg:chairs" in conflict.message and "range" in conflict.message


def test_consistency_only_check(ontology):
    assert hermit.check_consistency(ontology, [_graph("defined-classes.ttl")]) > 0
    with pytest.raises(explain.InconsistencyError):
        hermit.check_consistency(ontology, [_graph("disjoint.ttl")])


def test_baseline_and_scenarios_are_reasoned_separately(ontology):
    dataset = loader.load(REPO / "tests" / "fixtures" / "kitchen-sink")
    results = hermit.reason_dataset(dataset, ontology, BASELINE)
    by_graph = {str(r.graph.identifier): r for r in results}
    assert set(by_graph) == {str(iris.INFERRED_GRAPH), str(iris.inferred_graph_iri("zz-finance"))}
    council = URIRef(ID + "zz/cio-council")  # added by the scenario only
    scenario = by_graph[str(iris.inferred_graph_iri("zz-finance"))].graph
    baseline = by_graph[str(iris.INFERRED_GRAPH)].graph
    assert (council, RDF.type, GG.SeniorOfficialCoordinationBody) in scenario
    assert council not in set(baseline.subjects())


# -- the real dataset ------------------------------------------------------------------------------

def _country_inferences(ontology, code: str, day: dt.date = BASELINE) -> Graph:
    path = REPO / "graph" / "countries" / f"{code}.yaml"
    if not path.exists():
        pytest.skip(f"{path} not curated yet")
    dataset = loader.load(REPO / "graph")
    return hermit.reason(ontology, [mapping.country_graph(snapshot(dataset.countries[code], day))]).graph


def _leads(g: Graph) -> set:
    return set(g.subjects(RDF.type, GG.LeadBody))


def test_chile_2016_lead_unit_is_not_empowered(ontology):
    g = _country_inferences(ontology, "cl")
    leads = _leads(g)
    assert leads, "Chile has a lead body in 2016"
    for lead in leads:
        assert (lead, RDF.type, GG.EmpoweredLeadBody) not in g
        assert (lead, RDF.type, GG.LeadBodyWithoutKeyLever) in g


def test_uk_lead_body_gds_is_empowered(ontology):
    g = _country_inferences(ontology, "gb")
    gds = URIRef(ID + "gb/gds")
    assert gds in _leads(g)
    assert (gds, RDF.type, GG.EmpoweredLeadBody) in g
    assert (gds, RDF.type, GG.LeadBodyWithoutKeyLever) not in g


# -- several runs, one JVM ------------------------------------------------------------------------

def _owlready2_reasoning(ontology: Graph, data: tuple[Graph, ...], property_values: bool = False) -> set:
    """What owlready2's own reasoning infers over the same data, the reference govgraph's reading of
    HermiT's answers is held to: a World loaded from the whole (unpruned) input with the codes made
    distinct, each lead body's gg:holdsLever and each lever's gg:leverType closed by owlready2's
    close_world, `sync_reasoner_hermit` (its own JVM and command line), then every named class an
    individual of ours is in (the ancestors of its classes) and was not asserted in, and the
    object-property values owlready2 added."""
    import io

    from owlready2 import Thing, ThingClass, World, close_world, sync_reasoner_hermit

    shared = input.Ontology.of(ontology)
    whole = input.reasoner_input(shared, hermit.Run(data).ntriples)
    whole = (*whole, *input.distinct_codes(whole))
    merged = serialise.from_ntriples(input.ntriples(whole), "urn:reference")
    world = World()
    try:
        world.get_ontology("urn:reference").load(fileobj=io.BytesIO(input.ntriples(whole)), format="ntriples")
        for subjects, prop in ((merged.subjects(GG.leadsDigitalGovernment, None), GG.holdsLever),
                               (merged.subjects(RDF.type, GG.PolicyLever), GG.leverType)):
            for s in set(subjects):
                close_world(world[str(s)], Properties=[world[str(prop)]])
        sync_reasoner_hermit(world, infer_property_values=property_values, debug=0, ignore_unsupported_datatypes=True)
        found = set()
        for s in set(merged.subjects(RDF.type, None)):
            ind = world[str(s)]
            if not input.ours(str(s)) or not isinstance(ind, Thing):
                continue
            named = {a.iri for cls in ind.is_a if isinstance(cls, ThingClass) for a in cls.ancestors()
                     if isinstance(a, ThingClass)}
            found |= {(s, RDF.type, URIRef(c)) for c in named - {str(o) for o in merged.objects(s, RDF.type)}
                      - {str(OWL.Thing)}}
        for s, p, o in world.get_ontology("http://inferrences/").get_triples():
            if isinstance(o, int) and o > 0 and s > 0 and p != world._abbreviate(str(RDF.type)):
                t = tuple(URIRef(world._unabbreviate(x)) for x in (s, p, o))
                if input.ours(str(t[0])) and t not in merged:
                    found.add(t)
        return found
    finally:
        world.close()


def test_hermits_answers_are_read_as_owlready2_reads_them(ontology):
    """The kitchen sink, Chile and the defined-classes fixture, reasoned in one JVM with pruned
    input, infer what owlready2's own reasoning infers, run by run."""
    runs = _sample_runs()
    for run, result in zip(runs, hermit.reason_runs(ontology, runs)):
        assert set(result.graph) == _owlready2_reasoning(ontology, run.data), run.label
        assert result.graph.identifier == run.graph_iri


def test_entailed_property_values_are_read_as_owlready2_reads_them():
    """-Y: a transitive property's closure and the inverse of what it entails are new; the inverse
    of what is stated is not (owlready2 drops a value whose inverse is stated)."""
    ex = Namespace("urn:example#")
    ontology = Graph()
    for t in [(ex.part, RDF.type, OWL.ObjectProperty), (ex.part, RDF.type, OWL.TransitiveProperty),
              (ex.whole, RDF.type, OWL.ObjectProperty), (ex.whole, OWL.inverseOf, ex.part), (ex.Unit, RDF.type, OWL.Class)]:
        ontology.add(t)
    a, b, c = (URIRef(QQ + x) for x in "abc")
    g = Graph()
    for t in [(a, RDF.type, ex.Unit), (b, RDF.type, ex.Unit), (c, RDF.type, ex.Unit), (a, ex.part, b), (b, ex.part, c)]:
        g.add(t)
    asked = hermit.reason(ontology, [g], property_values=True, closed_world=False)
    assert set(asked.graph) == {(a, ex.part, c), (c, ex.whole, a)}
    assert set(asked.graph) == _owlready2_reasoning(ontology, (g,), property_values=True)
    assert not set(hermit.reason(ontology, [g], closed_world=False).graph)


def test_runs_in_a_jvm_each_give_what_one_jvm_gives(ontology, monkeypatch):
    runs = _sample_runs()
    together = hermit.reason_runs(ontology, runs)
    monkeypatch.setattr(hermit, "_hermit_batch", lambda *args, **kwargs: None)  # as when the batch fails
    alone = hermit.reason_runs(ontology, runs)
    assert [r.label for r in together] == [run.label for run in runs]
    for a, b in zip(together, alone):
        assert (a.ntriples, a.classes, a.individuals, a.graph_iri) == (b.ntriples, b.classes, b.individuals, b.graph_iri)


def test_iris_beyond_ascii_survive_the_reasoner_in_any_locale(ontology, monkeypatch):
    monkeypatch.setenv("LC_ALL", "C")  # the JVM's default charset is then ASCII
    lead = URIRef(QQ + "ministère-numérique")
    g = Graph()
    g.add((lead, RDF.type, GG.Ministry))
    g.add((lead, GG.leadsDigitalGovernment, URIRef(ID + "qq")))
    result = hermit.reason(ontology, [g])
    assert (lead, RDF.type, GG.LeadBody) in result.graph
    assert all("?" not in str(s) for s in result.graph.subjects())


def test_without_java_the_reasoner_says_what_to_install(ontology, monkeypatch):
    monkeypatch.setattr(jvm, "java", lambda: "/nonexistent/java")
    with pytest.raises(hermit.ReasonerError) as info:
        hermit.reason(ontology, [_graph("defined-classes.ttl")])
    assert "needs Java" in str(info.value) and info.value.exit_code == 3


def test_a_batch_is_split_back_into_the_runs_by_the_nodes_each_owns():
    typed = f"<{RDF.type}>"
    lines = [f"<{ID}ab/lead> {typed} <{GG.LeadBody}> .\n", f"<{ID}ab> <{GG.leadBody}> <{ID}ab/lead> .\n",
             f"<{ID}a/x> {typed} <{GG.LeadBody}> .\n", f"<{ID}a/y> {typed} <{GG.EmpoweredLeadBody}> .\n"]
    batch = cache.Reasoned("batch", "".join(sorted(lines)).encode(), str(iris.INFERRED_GRAPH), 9, 3.0)
    runs = [hermit.Run((), label="A", owns=ID + "a"), hermit.Run((), label="AB", owns=ID + "ab")]
    a, ab = hermit._split(batch, runs)
    assert a.ntriples == "".join(sorted(lines[2:])).encode() and ab.ntriples == "".join(sorted(lines[:2])).encode()
    assert a.classes == {str(GG.EmpoweredLeadBody): 1, str(GG.LeadBody): 1} and ab.classes == {str(GG.LeadBody): 1}
    assert (a.label, ab.label, a.seconds) == ("A", "AB", 1.5)
    shared = cache.Reasoned("batch", batch.ntriples + f"<{ID}source/s> {typed} <{GG.Source}> .\n".encode(),
                            str(iris.INFERRED_GRAPH), 9, 3.0)
    assert hermit._split(shared, runs) is None  # a node neither owns: the batch stays whole


def test_an_inconsistent_run_among_others_is_reported_as_on_its_own(ontology):
    runs = [hermit.Run((_graph("defined-classes.ttl"),), label="fine"),
            hermit.Run((_graph("disjoint.ttl"),), iris.inferred_graph_iri("bad"), "fixture qq")]
    with pytest.raises(explain.InconsistencyError) as info:
        hermit.reason_runs(ontology, runs)
    assert info.value.label == "fixture qq"
    assert [c.individuals for c in info.value.conflicts] == [(QQ + "council",)]


def test_the_jvm_runs_with_the_c1_compiler_only(ontology, monkeypatch):
    import subprocess

    seen = []
    real = subprocess.Popen
    monkeypatch.setattr(hermit.subprocess, "Popen", lambda cmd, **kw: seen.append(cmd) or real(cmd, **kw))
    hermit.reason(ontology, [_graph("defined-classes.ttl")])
    assert seen and all(opt in seen[0] for opt in hermit.JVM_OPTIONS)


# -- provenance left out of HermiT's input ---------------------------------------------------------

def test_provenance_is_left_out_for_the_shipped_ontology(ontology):
    """If this fails, the ontology's axioms about provenance terms changed: check that the argument
    in reason.py (`_prune`) still holds, run the test below, then update reason._PRUNE_AXIOMS."""
    assert input.prune_axioms_digest(ontology) == input._PRUNE_AXIOMS
    data = [mapping.country_graph(snapshot(loader.load(REPO / "tests" / "fixtures" / "kitchen-sink").countries["zz"],
                                         BASELINE))]
    shared, nts = input.Ontology.of(ontology), hermit.Run(tuple(data)).ntriples
    whole, pruned = input.reasoner_input(shared, nts), input.reasoner_input(shared, nts, prune=True)
    citation = (b"<" + str(RDF.type).encode() + b">", b"<" + str(GG.Citation).encode() + b">")
    assert len(pruned) < len(whole) and not [t for t in pruned if t[1:] == citation]
    assert [t for t in whole if t[1:] == citation]


def _sample_runs() -> list:
    """The kitchen sink's runs, Chile's (the focus country stands for the real data) and the
    defined-classes fixture: what two ways of reasoning are compared on."""
    runs = hermit.dataset_runs(loader.load(REPO / "tests" / "fixtures" / "kitchen-sink"), BASELINE)
    real = loader.load(REPO / "graph")
    real.countries = {"cl": real.countries["cl"]}
    real.scenario_views = {k: v for k, v in real.scenario_views.items() if v.code == "cl"}
    runs += hermit.dataset_runs(real, BASELINE)
    return runs + [hermit.Run((_graph("defined-classes.ttl"),), label="fixture")]


def test_pruned_input_gives_the_same_inferences(ontology):
    runs = _sample_runs()
    pruned = hermit.reason_runs(ontology, runs)
    whole = hermit.reason_runs(ontology, runs, prune=False)
    for a, b in zip(pruned, whole):
        assert set(a.graph) == set(b.graph) and a.classes == b.classes and a.individuals == b.individuals


def test_property_values_add_nothing_to_what_is_kept(ontology):
    """HermiT is not asked for entailed property values (-Y): on the fixtures and Chile, asking
    gives the same inferred triples (the mapping states both directions of every inverse pair)."""
    runs = _sample_runs()
    without = hermit.reason_runs(ontology, runs)
    asked = hermit.reason_runs(ontology, runs, property_values=True)
    assert any(len(r.graph) for r in without)
    for a, b in zip(without, asked):
        assert a.ntriples == b.ntriples and a.classes == b.classes


def test_property_values_are_asked_for_only_when_wanted(ontology, monkeypatch):
    import subprocess

    seen = []
    real = subprocess.Popen
    monkeypatch.setattr(hermit.subprocess, "Popen", lambda cmd, **kw: seen.append(cmd) or real(cmd, **kw))
    hermit.reason(ontology, [_graph("defined-classes.ttl")])
    hermit.reason(ontology, [_graph("defined-classes.ttl")], property_values=True)
    assert ["-Y" in cmd for cmd in seen] == [False, True]


@pytest.mark.parametrize("name", ["disjoint.ttl", "functional.ttl", "range.ttl"])
def test_pruned_input_finds_the_same_inconsistencies(ontology, name):
    reports = []
    for prune in (True, False):
        with pytest.raises(explain.InconsistencyError) as info:
            hermit.reason(ontology, [_graph(name)], prune=prune)
        reports.append((str(info.value), info.value.conflicts))
    assert reports[0] == reports[1]


def test_pruning_is_off_when_a_pruned_node_is_used_elsewhere(ontology):
    from rdflib.namespace import DCTERMS

    g = _graph("defined-classes.ttl")
    cite = URIRef(QQ + "pos-lead/citation/1")
    g.add((URIRef(QQ + "pos-lead"), GG.citation, cite))
    g.add((cite, RDF.type, GG.Citation))
    g.add((URIRef(QQ + "pos-lead"), DCTERMS.source, URIRef(QQ + "not-a-source")))
    g.add((URIRef(QQ + "pos-lead-law"), GG.binds, cite))  # a citation used by another fact
    def pruned() -> Graph:
        return serialise.from_ntriples(input.ntriples(input.reasoner_input(
            input.Ontology.of(ontology), hermit.Run((g,)).ntriples, prune=True)), "urn:input")

    assert (cite, RDF.type, GG.Citation) in pruned()
    g.remove((URIRef(QQ + "pos-lead-law"), GG.binds, cite))
    assert (cite, RDF.type, GG.Citation) not in pruned()
