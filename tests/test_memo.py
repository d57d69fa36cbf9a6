"""Work kept between builds (core/memo): an unchanged curated file is not read again, an unchanged
graph is not serialised again, and a build that reuses them writes what a fresh build writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govgraph import pipeline
from govgraph.core.memo import Memo
from govgraph.curated import loader
from govgraph.curated.model import Record

from conftest import KITCHEN_SINK


def two_countries(folder: Path) -> Path:
    """The kitchen sink with a second country (ZY, a renamed copy of ZZ), so a change to one country
    leaves the other's work reusable."""
    shutil.copytree(KITCHEN_SINK, folder)
    zz = (folder / "countries" / "zz.yaml").read_text(encoding="utf-8")
    zy = zz.replace("code: ZZ", "code: ZY").replace("zz-gazette", "zy-gazette")
    assert zy != zz
    (folder / "countries" / "zy.yaml").write_text(zy, encoding="utf-8")
    return folder


def records(dataset) -> list[tuple]:
    """Every record of every country with its place in its file: what a reuse must give back."""
    found = []

    def walk(value):
        if isinstance(value, Record):
            found.append((type(value).__name__, value.origin, value.model_dump_json()))
            for item in value.__dict__.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for code, country in sorted(dataset.countries.items()):
        for name in type(country).model_fields:
            walk(getattr(country, name))
    return found


def test_unchanged_files_come_from_the_memo_and_give_the_same_records(tmp_path):
    data = two_countries(tmp_path / "data")
    first = Memo(write=tmp_path / "one")
    fresh = loader.load(data, first)
    assert first.hits == [] and len([p for p in (tmp_path / "one").iterdir() if p.is_file()]) == 2  # a file each

    second = Memo(read=tmp_path / "one", write=tmp_path / "two")
    again = loader.load(data, second)
    assert second.reused() == {"one": 2, "views": 1}  # the two country files, the scenario's views
    assert records(again) == records(fresh)
    assert sorted(again.countries) == sorted(fresh.countries)

    zy = data / "countries" / "zy.yaml"
    zy.write_text(zy.read_text(encoding="utf-8").replace("binding: false", "binding: true", 1), encoding="utf-8")
    third = Memo(read=tmp_path / "two", write=tmp_path / "three")
    changed = loader.load(data, third)
    assert third.reused() == {"two": 1, "views": 1}  # ZZ's file, and the views of ZZ's scenario
    assert records(changed) != records(fresh)
    assert records(changed) == records(loader.load(data))  # the same as a load without any memo


def test_a_damaged_entry_is_read_again_and_a_failed_load_keeps_nothing(tmp_path):
    data = two_countries(tmp_path / "data")
    # two files the memo does not answer: checked on two cores, the same records as one by one
    assert records(loader.load(data, Memo(write=tmp_path / "one"))) == records(loader.load(data))
    for entry in (tmp_path / "one").rglob("*"):  # the files' records and the scenario's views
        if entry.is_file():
            entry.write_bytes(b"not a pickle")
    damaged = Memo(read=tmp_path / "one", write=tmp_path / "two")
    assert records(loader.load(data, damaged)) == records(loader.load(data))

    zy = data / "countries" / "zy.yaml"
    zy.write_text(zy.read_text(encoding="utf-8").replace("confidence: confirmed", "confidence: sure", 1),
                  encoding="utf-8")
    failing = Memo(write=tmp_path / "three")
    with pytest.raises(loader.DataError) as parallel:
        loader.load(data, failing)
    assert not (tmp_path / "three").exists()
    with pytest.raises(loader.DataError) as alone:
        loader.load(data)
    assert parallel.value.problems == alone.value.problems and parallel.value.problems


def files_of(folder: Path) -> dict[str, bytes]:
    """What a build publishes: everything but its cache and the store's database files."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).parts[0] not in ("cache", "store")}


def site_pages(folder: Path) -> list[str]:
    """The pages of a build's site (`site.pages.write_site`), not the ontology's."""
    return sorted(str(p.relative_to(folder)) for pattern in ("*.html", "countries/*.html", "scenarios/*.html")
                  for p in folder.glob(pattern))


@pytest.mark.slow
def test_a_build_that_reuses_work_writes_what_a_fresh_build_writes(tmp_path):
    data = two_countries(tmp_path / "data")
    out = tmp_path / "out"
    first = pipeline.run_build(data, out)
    assert first.reused == {}
    zy = data / "countries" / "zy.yaml"
    zy.write_text(zy.read_text(encoding="utf-8").replace("binding: false", "binding: true", 1), encoding="utf-8")
    second = pipeline.run_build(data, out)
    assert second.reused["curated"] == 1  # ZZ's file
    assert second.reused["graphs"] >= 3  # at least the ontology's Turtle, JSON-LD and RDF/XML
    from govgraph.rdf import mapping

    graphs = mapping.graph_keys(loader.load(data))
    assert second.reused["shapes"] == len(graphs) - 2  # all but the ontology (context only) and ZY
    assert second.reused["years"] == 1  # ZZ's analysis over the years
    site = site_pages(out)
    scenario_pages = [p for p in site if p.startswith("scenarios/")]
    assert len(scenario_pages) >= 2  # the scenario (about ZZ) and at least one phase before it
    # ZZ's page, every scenario page, the list of scenarios and the query library; not compare.html
    assert len(scenario_pages) + 3 <= second.reused["pages"] < len(site)
    views = pipeline.view_inputs(pipeline.previous_ntriples(out))  # ZZ, ZY, the scenario and its phases
    assert second.reused["analysis"] == len(views) - 1  # all but ZY's
    fresh = pipeline.run_build(data, tmp_path / "fresh")
    assert fresh.reused == {}
    incremental, clean = files_of(out), files_of(tmp_path / "fresh")
    assert incremental.keys() == clean.keys()
    assert [name for name in clean if incremental[name] != clean[name]] == []
    assert second.quads == fresh.quads  # the store, updated from the previous one, holds the same
    assert store_quads(out / "store") == store_quads(tmp_path / "fresh" / "store")
    third = pipeline.run_build(data, out)  # nothing changed: every page is the one kept
    assert third.reused["pages"] == len(site)
    assert files_of(out) == clean


def test_shape_findings_are_kept_per_graph_and_given_back_the_same(tmp_path):
    from rdflib import RDFS

    from govgraph.rdf import mapping
    from govgraph.validate import shapes

    dataset = loader.load(two_countries(tmp_path / "data"))
    graphs = mapping.build(dataset)
    zy = next(g for g in graphs if str(g.identifier).endswith("/zy"))
    for triple in list(zy.triples((None, RDFS.label, None))):
        zy.remove(triple)  # findings to keep: ZY's records lose their names
    keys, context = mapping.graph_keys(dataset), mapping.sources_key(dataset, with_origins=False)
    first = shapes.validate_graphs(graphs, memo=Memo(write=tmp_path / "one"), keys=keys, context_key=context)
    assert any(f.graph.endswith("/zy") for f in first.findings)

    second_memo = Memo(read=tmp_path / "one", write=tmp_path / "two")
    second = shapes.validate_graphs(graphs, memo=second_memo, keys=keys, context_key=context)
    assert len(second_memo.hits) == len(keys) - 1  # every graph but the ontology, which is context only
    assert second.to_json() == first.to_json()

    other = Memo(read=tmp_path / "one", write=tmp_path / "three")  # the sources changed: context differs
    shapes.validate_graphs(graphs, memo=other, keys=keys, context_key=context + "x")
    assert len(other.hits) == 1  # the sources graph itself, whose context is the ontology


def store_quads(store_dir: Path) -> tuple[list[str], int]:
    """Every quad of a store as sorted N-Quads lines (blank nodes aside), and how many there are."""
    import re

    import pyoxigraph as ox

    store = ox.Store.read_only(str(store_dir))
    lines = sorted(re.sub(r"_:\w+", "_:b", str(q)) for q in store)
    del store
    return lines, len(lines)


def test_a_store_updated_from_the_previous_one_holds_what_a_new_store_holds(tmp_path):
    from govgraph.rdf import mapping, serialise
    from govgraph.store import embedded

    graphs = serialise.ntriples_by_graph(mapping.build(loader.load(two_countries(tmp_path / "data"))))
    zz = next(iri for iri in graphs if iri.endswith("/zz"))
    zy = next(iri for iri in graphs if iri.endswith("/zy"))
    sources = next(iri for iri in graphs if iri.endswith("/sources"))
    shared = graphs[sources].splitlines(keepends=True)[0]  # a triple ZZ states too, at first
    graphs[zz] = b"".join(sorted(graphs[zz].splitlines(keepends=True) + [shared]))
    first = embedded.create(tmp_path / "one", graphs)
    # ZZ loses the shared triple (the view keeps it: the sources hold it) and one of its own; ZY goes;
    # XX comes
    own = graphs[zz].splitlines(keepends=True)[0 if graphs[zz].endswith(shared) else -1]
    assert own != shared
    changed = dict(graphs)
    changed[zz] = b"".join(line for line in graphs[zz].splitlines(keepends=True) if line not in (shared, own))
    del changed[zy]
    changed[zy.replace("/zy", "/xx")] = graphs[zy].replace(b"/zy", b"/xx")
    updated = embedded.create(tmp_path / "two", changed, previous=tmp_path / "one", previous_graphs=graphs)
    fresh = embedded.create(tmp_path / "three", changed)
    assert updated == fresh != first
    assert store_quads(tmp_path / "two") == store_quads(tmp_path / "three")
    assert store_quads(tmp_path / "one") == store_quads(tmp_path / "one")  # the previous store untouched
    # a previous store that does not match what it was said to be made from: made from scratch
    again = embedded.create(tmp_path / "four", changed, previous=tmp_path / "one", previous_graphs=changed)
    assert again == fresh and store_quads(tmp_path / "four") == store_quads(tmp_path / "three")


def test_unchanged_graphs_come_back_from_the_memo_with_their_origins(tmp_path):
    from govgraph.rdf import mapping, serialise
    from govgraph.rdf.built import Built

    dataset = loader.load(two_countries(tmp_path / "data"))
    fresh = Built(dataset, Memo(write=tmp_path / "one"))
    assert fresh.ntriples == serialise.ntriples_by_graph(mapping.build(dataset))
    assert fresh.origins == mapping.record_origins(dataset)

    memo = Memo(read=tmp_path / "one", write=tmp_path / "two")
    kept = Built(dataset, memo)
    assert len(memo.hits) == 2 * len(kept.keys)  # N-Triples and origins of every graph
    assert kept.ntriples == fresh.ntriples and list(kept.origins.items()) == list(fresh.origins.items())
    zy = next(iri for iri in kept.iris if str(iri).endswith("/zy"))
    assert serialise.to_ntriples(kept.graph(zy)) == fresh.ntriples[str(zy)]  # made when asked for
    from govgraph.core.iris import ONTOLOGY_GRAPH

    ontology = kept.graph(ONTOLOGY_GRAPH)  # read back from its N-Triples: the same graph, prefixes and bytes
    assert serialise.to_ntriples(ontology) == fresh.ntriples[str(ONTOLOGY_GRAPH)]
    assert serialise.to_turtle(ontology) == serialise.to_turtle(mapping.ontology_graph())


def test_void_counts_from_n_triples_are_rdflibs(tmp_path):
    from rdflib import RDF

    from govgraph.exports import void
    from govgraph.rdf import mapping, serialise

    for g in mapping.build(loader.load(two_countries(tmp_path / "data"))):
        counts = void.Counts.of(serialise.to_ntriples(g))
        assert (counts.triples, counts.subjects, counts.properties) == (
            len(g), len(set(g.subjects())), len(set(g.predicates()))), g.identifier
        assert counts.terms == {str(t) for t in set(g.predicates()) | set(g.objects(None, RDF.type))}


@pytest.mark.slow
def test_keyed_reasoning_runs_are_answered_without_making_their_data(tmp_path):
    from govgraph.curated.model import BASELINE
    from govgraph.rdf import mapping
    from govgraph.reason import hermit
    from govgraph.reason.cache import Cache

    dataset = loader.load(two_countries(tmp_path / "data"))
    keys = mapping.graph_keys(dataset)
    first = hermit.reason_dataset(dataset, mapping.ontology_graph, BASELINE, keys=keys,
                                  cache=Cache(Memo(write=tmp_path / "one")))

    def no_ontology():
        raise AssertionError("the ontology was made although every run is cached")

    again = hermit.reason_dataset(dataset, no_ontology, BASELINE, keys=keys,
                                  cache=Cache(Memo(read=tmp_path / "one", write=tmp_path / "two")))
    assert [r.cached for r in again] == [True] * len(first)
    assert [(r.label, set(r.graph), r.classes) for r in again] == [(r.label, set(r.graph), r.classes) for r in first]
    unkeyed = hermit.reason_dataset(dataset, mapping.ontology_graph(), BASELINE)  # as `govgraph validate` runs
    assert [set(r.graph) for r in unkeyed] == [set(r.graph) for r in first]


def test_a_kept_entry_is_shared_with_the_previous_build_and_never_changed_there(tmp_path):
    Memo(write=tmp_path / "one").put("k", b"first")
    second = Memo(read=tmp_path / "one", write=tmp_path / "two")
    assert second.get("k") == b"first" and (tmp_path / "two" / "k").read_bytes() == b"first"
    second.put("k", b"second")  # this build's entry replaced: the previous build's stays as it was
    assert (tmp_path / "one" / "k").read_bytes() == b"first"
    assert (tmp_path / "two" / "k").read_bytes() == b"second"
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == ["k"]  # no partial file left


def test_a_scenarios_views_are_kept_while_its_files_and_the_sources_stay_the_same(tmp_path):
    data = two_countries(tmp_path / "data")
    fresh = loader.load(data, Memo(write=tmp_path / "one"))
    assert fresh.scenario_views and (tmp_path / "one" / "views").is_dir()

    def views(dataset):
        return {sid: records_of(v) for sid, v in dataset.scenario_views.items()}, {
            sid: [records_of(p) for p in pictures] for sid, pictures in dataset.phase_views.items()}

    memo = Memo(read=tmp_path / "one", write=tmp_path / "two")
    again = loader.load(data, memo)
    assert memo.reused().get("views") == len(fresh.scenario_views)
    assert views(again) == views(fresh)

    zy = data / "countries" / "zy.yaml"  # another country's file: the views are still kept
    zy.write_text(zy.read_text(encoding="utf-8").replace("binding: false", "binding: true", 1), encoding="utf-8")
    memo = Memo(read=tmp_path / "two", write=tmp_path / "three")
    assert views(loader.load(data, memo)) == views(fresh) and memo.reused().get("views") == len(fresh.scenario_views)

    zz = data / "countries" / "zz.yaml"  # the scenario's country: linked again, as a load without memo links it
    zz.write_text(zz.read_text(encoding="utf-8").replace("Lidera el gobierno digital", "Dirige el gobierno digital", 1),
                  encoding="utf-8")
    memo = Memo(read=tmp_path / "three", write=tmp_path / "four")
    changed = loader.load(data, memo)
    assert "views" not in memo.reused() and views(changed) == views(loader.load(data)) != views(fresh)


def records_of(country) -> list[tuple]:
    """A view's records with where each comes from (what a kept view must give back)."""
    return [(kind, r.origin, r.model_dump_json()) for kind, r in country.records()] + [
        (m.origin, m.model_dump_json()) for body in country.coordination_bodies for m in body.members]


def test_the_sources_a_validation_reaches_are_read_from_n_triples(tmp_path):
    """A validation run gets, of the sources, what its graph's nodes lead to: every statement about
    a node the graph names, and nothing the sources graph does not hold."""
    from rdflib import Graph, Literal

    from govgraph.core.iris import ONTOLOGY_GRAPH, SOURCES_GRAPH
    from govgraph.rdf import mapping, serialise
    from govgraph.validate import shapes

    graphs = {g.identifier: g for g in mapping.build(loader.load(two_countries(tmp_path / "data")))}
    sources = graphs[SOURCES_GRAPH]
    ontology = serialise.to_ntriples(graphs[ONTOLOGY_GRAPH])
    indexed = shapes._Indexed(serialise.to_ntriples(sources))
    for iri, g in graphs.items():
        if iri in (ONTOLOGY_GRAPH, SOURCES_GRAPH):
            continue
        whole, part = shapes._reachable([ontology, indexed], [serialise.to_ntriples(g)])
        reached = set(Graph().parse(data=part, format="nt"))
        named = {n for t in g for n in (t[0], t[2]) if not isinstance(n, Literal)}
        assert whole is ontology  # the ontology whole
        assert reached and reached <= set(sources), iri
        assert {t for t in sources if t[0] in named or t[2] in named} <= reached, iri
