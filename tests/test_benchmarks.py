"""Smoke test of the benchmark generator: synthetic governments go through govgraph's own loader and
build, are valid, and are the same for the same seed. No benchmark runs here and nothing is timed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from rdflib.namespace import RDF

from govgraph.core import iris
from govgraph.core.vocab import GG, ORG
from govgraph.curated import loader
from govgraph.rdf import mapping, serialise
from govgraph.store import embedded

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))
import synthetic  # noqa: E402  (benchmarks/ is put on sys.path above)


@pytest.fixture(scope="module")
def ontology():
    return mapping.ontology_graph()


def test_tiny_size_loads_through_the_curated_loader(tmp_path, ontology):
    size = synthetic.SIZES["tiny"]
    synthetic.write_data_dir(tmp_path / "data", size.countries, size.institutions, seed=5)
    dataset = loader.load(tmp_path / "data")  # raises DataError on any problem, with file:line
    assert sorted(dataset.countries) == ["aa", "qm"]
    graphs = mapping.build(dataset, ontology=ontology)
    country = next(g for g in graphs if g.identifier == iris.country_graph_iri("aa"))
    kinds = {o for o in country.objects(None, RDF.type)}
    for cls in (GG.Ministry, GG.Agency, GG.InternalUnit, GG.CoordinationBody, GG.Membership, GG.PolicyLever,
                GG.LegalInstrument, GG.Strategy, GG.Mandate, GG.LeadDesignation, GG.Citation, GG.Relation):
        assert cls in kinds, cls
    # hierarchy three levels deep: a unit inside an agency inside a ministry
    units_in_agencies = [
        (u, a) for u, a in country.subject_objects(ORG.unitOf)
        if (a, RDF.type, GG.Agency) in country and any(country.objects(a, ORG.subOrganizationOf))
    ]
    assert units_in_agencies
    # every fact-bearing record cites a source
    for node in country.subjects(RDF.type, GG.SourcedRecord):
        assert any(country.objects(node, GG.citation)), node
    # chairs and secretariats on the bodies
    assert any(country.subject_objects(GG.chairs)) and any(country.subject_objects(GG.providesSecretariatFor))


def test_records_path_equals_the_yaml_path(tmp_path, ontology):
    size = synthetic.SIZES["tiny"]
    synthetic.write_data_dir(tmp_path / "data", size.countries, size.institutions, seed=5)
    via_yaml = serialise.to_nquads(mapping.build(loader.load(tmp_path / "data"), ontology=ontology))
    direct = serialise.to_nquads(synthetic.graphs(synthetic.dataset(size.countries, size.institutions, seed=5),
                                              ontology=ontology))
    assert via_yaml == direct


def test_same_seed_same_bytes_other_seed_other_data(tmp_path, ontology):
    one = synthetic.write_data_dir(tmp_path / "one", 2, 20, seed=11)
    two = synthetic.write_data_dir(tmp_path / "two", 2, 20, seed=11)
    three = synthetic.write_data_dir(tmp_path / "three", 2, 20, seed=12)
    files = sorted(p.name for p in (one / "countries").iterdir())
    assert files == sorted(p.name for p in (two / "countries").iterdir())
    for name in files:
        assert (one / "countries" / name).read_bytes() == (two / "countries" / name).read_bytes()
    assert any((one / "countries" / n).read_bytes() != (three / "countries" / n).read_bytes() for n in files)


def test_loads_into_the_embedded_store(tmp_path, ontology):
    graphs = synthetic.graphs(synthetic.dataset(1, 15, seed=1), ontology=ontology)
    count = embedded.create(tmp_path / "store", serialise.ntriples_by_graph(graphs))
    assert count == sum(len(g) for g in graphs)
    names = embedded.graph_names(embedded.open_store(tmp_path))
    assert str(iris.country_graph_iri("aa")) in names


def test_sizes_scale_with_the_named_size(ontology):
    small = sum(len(g) for g in synthetic.graphs(synthetic.dataset(1, 20), ontology=ontology))
    larger = sum(len(g) for g in synthetic.graphs(synthetic.dataset(2, 40), ontology=ontology))
    assert larger > 2.5 * (small - len(ontology))
    assert set(synthetic.SIZES) >= {"10k", "100k", "1m"}


def test_country_codes_are_unique():
    codes = [synthetic.country_code(i) for i in range(200)]
    assert len(set(codes)) == len(codes)
    assert all(len(c) == 2 and c.isupper() for c in codes)


@pytest.mark.slow
def test_the_benchmark_runner_still_runs(tmp_path):
    """`benchmarks/run.py --quick` on a few parts: it executes and reports every target it measures
    (times are not looked at: benchmarks assert nothing about speed)."""
    import json
    import subprocess

    prefix = tmp_path / "quick"
    done = subprocess.run([sys.executable, str(BENCH / "run.py"), "--quick", "--only", "build,query,analysis",
                           "--out", str(prefix)], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(prefix.with_suffix(".json").read_text(encoding="utf-8"))
    titles = [s["title"] for s in report["sections"]]
    assert {"Build and load", "Query library"} <= set(titles) and any(t.startswith("Analysis") for t in titles)
    assert not any(t.endswith(": failed") for t in titles), titles
    targets = {t["name"]: t["status"] for t in report["targets"]}
    assert targets["query library within 1.3× of raw pyoxigraph"] in ("pass", "miss")
    queries = next(s for s in report["sections"] if s["title"] == "Query library")["data"]
    assert len([d for d in queries if d.get("query") != "TOTAL"]) == sum(len(list((BENCH.parent / "queries" / f).glob("*.rq"))) for f in ("questions", "checks"))
    assert "| **whole library** |" in prefix.with_suffix(".md").read_text(encoding="utf-8")
