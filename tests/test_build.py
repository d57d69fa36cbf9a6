"""The build: byte-stable output, lossless formats, an out/ that is never left half-written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF

from govgraph import pipeline
from govgraph.core import outdir, vocab
from govgraph.core.vocab import GG
from govgraph.curated import loader
from govgraph.rdf import mapping, serialise

from conftest import KITCHEN_SINK, REPO, run_govgraph


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and "store" not in p.relative_to(folder).parts}


def test_same_input_gives_byte_identical_files(tmp_path, kitchen_sink_build):
    again = tmp_path / "again"
    result = run_govgraph("build", "--data", str(KITCHEN_SINK), "--out", str(again),
                          env={"PYTHONHASHSEED": "12345"})
    assert result.returncode == 0, result.stderr
    # not on a terminal (a log): one line per step as it starts, no spinner
    steps = [line for line in result.stderr.splitlines() if line.endswith("…")]
    assert steps[:2] == ["Loading curated data…", "Building graphs…"] and len(steps) >= 8, result.stderr
    # the process ends at once after a build (cli.main), its summary written out to the last line
    assert "quads →" in result.stdout and result.stdout.rstrip().endswith("s)"), result.stdout[-300:]
    first, second = files_of(kitchen_sink_build), files_of(again)
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []
    assert "graphs/zz.ttl" in first and "govgraph.trig" in first


def test_every_output_format_reads_back_to_the_same_graph(kitchen_sink_build):
    graphs = {str(g.identifier): g for g in mapping.build(loader.load(KITCHEN_SINK))}
    for iri, expected in graphs.items():
        stem = iri.removeprefix(vocab.GRAPH).replace("/", "-")
        for suffix, fmt in ((".ttl", "turtle"), (".nt", "nt"), (".jsonld", "json-ld")):
            parsed = Graph().parse(kitchen_sink_build / "graphs" / f"{stem}{suffix}", format=fmt)
            assert isomorphic(parsed, expected), f"{stem}{suffix} differs from the built graph"
    for name, fmt in (("govgraph.trig", "trig"), ("govgraph.nq", "nquads")):
        ds = Dataset()
        ds.parse(kitchen_sink_build / name, format=fmt)
        for iri, expected in graphs.items():
            assert isomorphic(ds.graph(URIRef(iri)), expected), f"{name}: graph {iri} differs"


def test_every_fact_bearing_node_carries_source_locator_and_confidence(kitchen_sink_build):
    g = Graph().parse(kitchen_sink_build / "graphs" / "zz.ttl")
    records = set(g.subjects(RDF.type, GG.SourcedRecord))
    assert len(records) > 40
    for node in records:
        assert set(g.objects(node, DCTERMS.source)), node
        assert set(g.objects(node, GG.confidence)), node
        for citation in g.objects(node, GG.citation):
            assert g.value(citation, GG.locator) is not None


def test_scenario_graph_holds_the_changed_arrangement(kitchen_sink_build):
    g = Graph().parse(kitchen_sink_build / "graphs" / "scenario-zz-finance.ttl")
    agency = URIRef("https://w3id.org/govgraph/id/zz/digital-agency")
    assert (agency, URIRef("http://www.w3.org/ns/org#subOrganizationOf"),
            URIRef("https://w3id.org/govgraph/id/zz/finance")) in g
    assert (URIRef("https://w3id.org/govgraph/id/zz/ict-budget"), GG.leverHolder, agency) in g
    assert (URIRef("https://w3id.org/govgraph/id/zz/framework-agreements"), None, None) not in g


def test_bad_data_exits_2_names_the_place_and_leaves_out_untouched(tmp_path, kitchen_sink_build):
    out = tmp_path / "out"
    assert run_govgraph("build", "--data", str(KITCHEN_SINK), "--out", str(out)).returncode == 0
    before = files_of(out)
    bad = tmp_path / "bad"
    (bad / "countries").mkdir(parents=True)
    (bad / "sources.yaml").write_bytes((KITCHEN_SINK / "sources.yaml").read_bytes())
    text = (KITCHEN_SINK / "countries" / "zz.yaml").read_text(encoding="utf-8")
    (bad / "countries" / "zz.yaml").write_text(text.replace("kind: ministry", "kind: ministery", 1), encoding="utf-8")
    result = run_govgraph("build", "--data", str(bad), "--out", str(out))
    assert result.returncode == 2
    assert "zz.yaml:" in result.stderr and "kind" in result.stderr and "ministery" in result.stderr
    assert files_of(out) == before
    assert not list(tmp_path.glob(".out.tmp-*"))
    assert run_govgraph("validate", "--data", str(bad)).returncode == 2


@pytest.mark.slow
def test_a_build_killed_while_writing_leaves_the_previous_out_intact(tmp_path):
    out = tmp_path / "out"
    assert run_govgraph("build", "--data", str(KITCHEN_SINK), "--out", str(out)).returncode == 0
    before = files_of(out)
    killed_while_writing = False
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, "-m", "govgraph", "build", "--data", str(KITCHEN_SINK),
                                 "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        tmp = tmp_path / f".out.tmp-{proc.pid}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if (tmp / "graphs").exists() and any((tmp / "graphs").iterdir()):
                break
            time.sleep(0.002)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            killed_while_writing = True
            break
        proc.wait()
    assert killed_while_writing, "the build finished before it could be killed"
    assert files_of(out) == before
    g = Graph().parse(out / "graphs" / "zz.ttl")
    assert len(g) > 100
    # the next build cleans up after the killed one
    assert run_govgraph("build", "--data", str(KITCHEN_SINK), "--out", str(out)).returncode == 0
    assert not list(tmp_path.glob(".out.tmp-*"))
    assert files_of(out) == before


def test_a_swap_cut_short_between_its_two_renames_is_mended(tmp_path):
    out = tmp_path / "out"
    (tmp_path / ".out.old").mkdir()
    (tmp_path / ".out.old" / "marker").write_text("previous build")
    outdir.mark(tmp_path / ".out.old")
    outdir.recover(out)
    assert (out / "marker").read_text() == "previous build"
    assert not (tmp_path / ".out.old").exists()


@pytest.mark.slow
def test_an_installed_wheel_builds_the_kitchen_sink_outside_the_checkout(tmp_path):
    wheels = tmp_path / "wheels"
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    [wheel] = wheels.glob("govgraph-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "govgraph/_data/ontology/govgraph.ttl" in names
    assert any(n.startswith("govgraph/_data/queries/") for n in names)
    assert "govgraph/_data/graph/countries/cl.yaml" in names
    target = tmp_path / "site"
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PYTHONPATH": str(target)}
    probe = subprocess.run([sys.executable, "-c", "import govgraph, sys; print(govgraph.__file__)"],
                           cwd=elsewhere, env={**os.environ, **env}, capture_output=True, text=True)
    assert probe.stdout.startswith(str(target)), probe.stdout + probe.stderr
    result = run_govgraph("build", "--data", str(KITCHEN_SINK), "--out", "out", cwd=elsewhere, env=env)
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "out" / "graphs" / "zz.ttl").exists()
    manifest = json.loads((elsewhere / "out" / "build.json").read_text())
    assert manifest["countries"] == ["ZZ"]
    # with no ./graph here, validate falls back to the dataset shipped in the wheel
    result = run_govgraph("validate", cwd=elsewhere, env=env)
    assert result.returncode == 0, result.stderr
    assert str(target) in result.stdout


def test_version_flag():
    result = run_govgraph("--version")
    assert result.returncode == 0 and "govgraph" in result.stdout


@pytest.mark.slow
def test_unchanged_reasoning_is_reused_and_a_change_recomputes_it(tmp_path):
    import shutil

    out = tmp_path / "out"
    first = pipeline.run_build(KITCHEN_SINK, out)
    assert [r["cached"] for r in first.quality["reasoning"]] == [False, False]
    inferred = (out / "graphs" / "inferred.nt").read_bytes()
    second = pipeline.run_build(KITCHEN_SINK, out)
    assert [r["cached"] for r in second.quality["reasoning"]] == [True, True]
    assert (out / "graphs" / "inferred.nt").read_bytes() == inferred
    # change a lever the scenario removes: the baseline is reasoned again, the scenario's result reused
    data = tmp_path / "data"
    shutil.copytree(KITCHEN_SINK, data)
    zz = data / "countries" / "zz.yaml"
    zz.write_text(zz.read_text(encoding="utf-8").replace("    binding: false\n", "    binding: true\n", 1), encoding="utf-8")
    third = pipeline.run_build(data, out)
    cached = {r["label"].split()[0]: r["cached"] for r in third.quality["reasoning"]}
    assert cached == {"baseline": False, "scenario": True}


def test_serialisations_read_back_to_the_graph_and_are_canonical():
    """build.to_turtle (pyoxigraph's writer) and to_jsonld (ours) give, for every graph, text that
    rdflib parses back to the same graph, whatever order the triples were added in."""
    for g in mapping.build(loader.load(KITCHEN_SINK)):
        ttl, jsonld = serialise.to_turtle(g), serialise.to_jsonld(g)
        assert isomorphic(Graph().parse(data=ttl, format="turtle"), g), g.identifier
        assert isomorphic(Graph().parse(data=jsonld, format="json-ld"), g), g.identifier
        shuffled = Graph(identifier=g.identifier, bind_namespaces="none")
        for prefix, ns in g.namespaces():
            shuffled.bind(prefix, ns, override=True)
        for t in sorted(g, key=lambda t: str(t[2]), reverse=True):
            shuffled.add(t)
        assert serialise.to_turtle(shuffled) == ttl and serialise.to_jsonld(shuffled) == jsonld
    assert json.loads(jsonld)["@context"]["gg"] == "https://w3id.org/govgraph/ontology#"


@pytest.mark.slow
def test_a_failure_in_the_reasoning_child_fails_the_build_and_writes_nothing(tmp_path, monkeypatch):
    """The reasoner runs in a child process: its exception is the build's, as it was in-process,
    the previous out/ stays, and no temporary folder or process is left behind."""
    from govgraph.reason import explain, hermit

    out = tmp_path / "out"
    (out / "marker").parent.mkdir(parents=True)
    (out / "marker").write_text("previous build")
    outdir.mark(out)  # a previous build of govgraph's

    def inconsistent(*args, **kwargs):
        raise explain.InconsistencyError("baseline", [explain.Conflict(("urn:x",), "an axiom", "x is both")], [])

    monkeypatch.setattr(hermit, "reason_dataset", inconsistent)  # inherited by the forked child
    with pytest.raises(explain.InconsistencyError) as caught:
        pipeline.run_build(KITCHEN_SINK, out)
    assert caught.value.conflicts[0].message == "x is both" and caught.value.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == [outdir.MARKER, "marker"]
    assert not list(tmp_path.glob(".out.tmp-*"))


@pytest.mark.slow
def test_concurrent_build_infers_what_reasoning_in_process_infers(tmp_path):
    dataset = loader.load(KITCHEN_SINK)
    out = tmp_path / "out"
    pipeline.run_build(KITCHEN_SINK, out)
    from govgraph.reason import hermit

    for r in hermit.reason_dataset(dataset, mapping.ontology_graph(), pipeline.BASELINE):
        stem = pipeline.graph_file_stem(r.graph.identifier)
        assert (out / "graphs" / f"{stem}.nt").read_bytes() == serialise.to_ntriples(r.graph)


@pytest.mark.slow  # a JVM killed and waited for
def test_a_killed_build_leaves_no_reasoner_running(tmp_path):
    """HermiT's JVM dies with the build. A stand-in `java` first on PATH records its PID and sleeps
    two minutes; the build is killed while it runs; the stand-in must be gone long before."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    pid_file = tmp_path / "java.pid"
    java = fake_bin / "java"
    java.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 120\n")
    java.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake_bin}:{os.environ['PATH']}"}
    proc = subprocess.Popen([sys.executable, "-m", "govgraph", "build", "--data", str(KITCHEN_SINK),
                             "--out", str(tmp_path / "out")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not pid_file.exists() or not pid_file.read_text().strip():
            assert proc.poll() is None and time.monotonic() < deadline, "the stand-in JVM never started"
            time.sleep(0.05)
        jvm = int(pid_file.read_text())
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    for _ in range(200):  # up to 20 s, against the stand-in's 120
        try:
            state = Path(f"/proc/{jvm}/status").read_text()
        except FileNotFoundError:
            break
        if "State:\tZ" in state:
            break
        time.sleep(0.1)
    else:
        os.kill(jvm, signal.SIGKILL)
        pytest.fail("the JVM outlived the killed build")


def test_reports_are_the_same_from_any_working_directory(tmp_path, kitchen_sink_build):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    assert run_govgraph("build", "--data", str(KITCHEN_SINK), "--out", str(out), cwd=elsewhere).returncode == 0
    for name in ("validation.md", "validation.json", "coverage.md", "build.json"):
        assert (out / name).read_bytes() == (kitchen_sink_build / name).read_bytes(), name
    assert b"kitchen-sink/countries/zz.yaml:" in (out / "validation.md").read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("code", ["yy", "yd"])  # in another batch than ZZ; in ZZ's batch
def test_after_a_change_to_one_country_only_that_country_is_reasoned_again(tmp_path, code):
    """Each country's inferences are cached by a digest of its input (countries that miss the cache
    together are reasoned in one batch and split back): after a change to one country, the other's
    result is read from the cache (its key is unchanged), whether or not they share a batch."""
    import shutil

    from govgraph.reason import hermit

    data = tmp_path / "data"
    shutil.copytree(KITCHEN_SINK, data)
    zz = (data / "countries" / "zz.yaml").read_text(encoding="utf-8")
    other = zz.replace("code: ZZ", f"code: {code.upper()}").replace("iso3: ZZZ", f"iso3: {code.upper()}Y")
    other = other.replace("zz-gazette", f"{code}-gazette")
    (data / "countries" / f"{code}.yaml").write_text(other, encoding="utf-8")
    out = tmp_path / "out"

    def keys() -> set[str]:
        """The results kept, by the digest of the data each was reasoned over (each is also kept
        under the key of the curated files it was made from)."""
        import json

        return {json.loads(p.read_text())["content"] for p in (out / "cache" / "reasoning").glob("*.json")}

    def inferred() -> bytes:
        return (out / "graphs" / "inferred.nt").read_bytes()

    assert (hermit._group_of(code) == hermit._group_of("zz")) == (code == "yd")
    pipeline.run_build(data, out)
    first = keys()
    assert len(first) == 3  # the two countries and the scenario zz-finance
    assert f"/id/{code}/".encode() in inferred() and b"/id/zz/" in inferred()
    (data / "countries" / f"{code}.yaml").write_text(
        other.replace("Five-year digital", "Five-year (changed) digital"), encoding="utf-8")
    pipeline.run_build(data, out)
    second = keys()
    assert len(second) == 3 and len(first & second) == 2  # ZZ and the scenario reused; the other anew
    again = inferred()
    shutil.rmtree(out / "cache" / "reasoning")  # everything reasoned anew, the two countries together
    pipeline.run_build(data, out)
    assert inferred() == again


def test_the_ontology_is_published_as_rdf_xml_for_owl_tools(kitchen_sink_build):
    """owlready2 (and Protégé) read RDF/XML, not Turtle: graphs/ontology.owl is the same graph."""
    import owlready2
    from rdflib import Graph
    from rdflib.compare import isomorphic

    owl, ttl = kitchen_sink_build / "graphs" / "ontology.owl", kitchen_sink_build / "graphs" / "ontology.ttl"
    assert isomorphic(Graph().parse(owl, format="xml"), Graph().parse(ttl, format="turtle"))
    onto = owlready2.World().get_ontology(owl.as_uri()).load()
    assert onto.search_one(iri="https://w3id.org/govgraph/ontology#EmpoweredLeadBody") is not None
