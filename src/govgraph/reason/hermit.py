"""Reasoning: owlready2 + HermiT over the ontology and one snapshot of the data.

Why a reasoner at all: the ontology's defined classes (gg:LeadBody, gg:EmpoweredLeadBody,
gg:PoliticalCoordinationBody, …) turn the OECD's questions into classes, and HermiT both checks that
the data does not contradict the ontology (disjoint classes, functional properties, ranges) and
realises every individual into those classes. The inferences go into their own named graph, so a
query can tell asserted facts from inferred ones.

Design choices (see docs/reasoning.md):

- One fresh owlready2 ``World`` per run, closed afterwards: no state leaks between the baseline and a
  scenario, or between two builds in one process.
- HermiT gets N-Triples, and only what it reasons with: types, resource-valued statements and the
  literals of datatype properties whose datatype is in the OWL 2 datatype map (labels, descriptions
  and ``xsd:date`` values take no part in any axiom, and ``xsd:date`` would stop HermiT).
- The Java heap is set explicitly (``java_memory_mb``), never left to the JVM's default.
- One JVM for all the runs of a build (`reason_runs`): HermiT's command line reasons over each
  ontology it is given on its own, so the baseline and the scenarios keep their own Worlds and
  results, without a JVM start, a class-loading and a compiler warm-up each. The JVM uses its C1
  compiler only (``JVM_OPTIONS``): for runs this short, C2 costs more than it gives.
- Closed world, deliberately and narrowly: a lead body's ``gg:holdsLever`` values and each lever's
  ``gg:leverType`` are closed (owlready2 ``close_world``), and the codes of each SKOS scheme are
  declared pairwise different, so the negated class gg:LeadBodyWithoutKeyLever can be inferred. No
  other class or property is closed.
- On inconsistency, a plain-words report: a targeted search over the ontology's disjointness,
  functional-property and range axioms names the individuals and axioms (with the curated file:line
  where known), and Pellet's explanation (bundled with owlready2) lists the axioms HermiT's refusal
  rests on. Never a Java stack trace.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import shutil
import subprocess
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from govgraph.core import iris
from govgraph.core.background import die_with_parent
from govgraph.core.errors import ExternalToolError
from govgraph.core.memo import digest
from govgraph.core.vocab import GG
from govgraph.curated.model import Dataset, snapshot
from govgraph.rdf import mapping, serialise
from govgraph.reason.cache import Cache, Reasoned
from govgraph.reason.explain import _inconsistency
from govgraph.reason.input import _ours, _scheme_distinctness, reasoner_input

DEFAULT_JAVA_MEMORY_MB = 2000


class ReasonerError(ExternalToolError):
    """HermiT (Java) could not run at all: an external failure, not a data problem (exit 3)."""


# -- running HermiT --------------------------------------------------------------------------------

def _configure(java_memory_mb: int) -> None:
    import owlready2
    from owlready2 import reasoning

    java = shutil.which("java") or "/usr/bin/java"
    owlready2.JAVA_EXE = java
    owlready2.JAVA_MEMORY = java_memory_mb
    reasoning.JAVA_MEMORY = java_memory_mb  # the module-level value is what sync_reasoner reads


def _java_message(exc: Exception) -> str:
    """The first meaningful line of a Java failure, never the stack trace."""
    text = str(exc)
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("at ") and "Java error message is" not in line:
            return line[:300]
    return text[:300]


def _load_world(merged: Graph):
    from owlready2 import World

    world = World()
    nt = merged.serialize(format="nt", encoding="utf-8")
    onto = world.get_ontology("https://w3id.org/govgraph/graph/reasoner-input").load(
        fileobj=io.BytesIO(nt), format="ntriples")
    return world, onto


def _close_world(world, merged: Graph) -> None:
    """Close exactly what gg:LeadBodyWithoutKeyLever needs (see docs/reasoning.md)."""
    from owlready2 import close_world

    holds = world[str(GG.holdsLever)]
    lever_type = world[str(GG.leverType)]
    if holds is None or lever_type is None:
        return
    leads = sorted({s for s in merged.subjects(GG.leadsDigitalGovernment, None) if isinstance(s, URIRef)})
    levers = sorted({s for s in merged.subjects(RDF.type, GG.PolicyLever) if isinstance(s, URIRef)})
    for iri in leads:
        ind = world[str(iri)]
        if ind is not None:
            close_world(ind, Properties=[holds])
    for iri in levers:
        ind = world[str(iri)]
        if ind is not None:
            close_world(ind, Properties=[lever_type])


def _run_hermit(world, property_values: bool = False) -> None:
    from owlready2 import OwlReadyInconsistentOntologyError, OwlReadyJavaError, sync_reasoner_hermit

    try:
        sync_reasoner_hermit(world, infer_property_values=property_values, debug=0, ignore_unsupported_datatypes=True)
    except OwlReadyInconsistentOntologyError:
        raise
    except OwlReadyJavaError as exc:
        raise ReasonerError(f"HermiT could not run: {_java_message(exc)}") from None
    except FileNotFoundError as exc:
        raise ReasonerError(f"HermiT needs Java, which was not found ({exc.filename}); install a JRE "
                            f"(e.g. `apt-get install default-jre-headless`)") from None


def _inferred(world, merged: Graph, graph_iri: URIRef) -> tuple[Graph, dict[str, int]]:
    """New triples about our individuals: every named class they now belong to that was not
    asserted (the defined classes and the superclasses they entail), and the inferred object-property
    values, if HermiT was asked for them."""
    from owlready2 import Thing, ThingClass

    out = Graph(identifier=graph_iri)
    mapping._bind(out)
    asserted_types = defaultdict(set)
    for s, o in merged.subject_objects(RDF.type):
        asserted_types[str(s)].add(str(o))
    thing = str(OWL.Thing)
    counts: dict[str, int] = defaultdict(int)
    for iri in sorted(asserted_types):  # world.individuals() knows only owl:NamedIndividual ones
        ind = world[iri] if _ours(iri) else None
        if ind is None or not isinstance(ind, Thing):
            continue
        named = set()
        for cls in ind.is_a:
            if isinstance(cls, ThingClass):
                named |= {a.iri for a in cls.ancestors() if isinstance(a, ThingClass)}
        for cls_iri in sorted(named - asserted_types[iri] - {thing}):
            out.add((URIRef(iri), RDF.type, URIRef(cls_iri)))
            counts[cls_iri] += 1
    inferences = world.get_ontology("http://inferrences/")
    asserted = set(merged)
    for s, p, o in inferences.get_triples():
        if not isinstance(o, int) or p == world._abbreviate(str(RDF.type)) or o < 0 or s < 0:
            continue
        triple = (URIRef(world._unabbreviate(s)), URIRef(world._unabbreviate(p)), URIRef(world._unabbreviate(o)))
        if _ours(str(triple[0])) and triple not in asserted:
            out.add(triple)
    return out, dict(sorted(counts.items()))


# -- one JVM for several runs ----------------------------------------------------------------------

# HermiT runs for a second or two: the JVM's optimising compiler (C2) costs more than it gives over
# so short a run, and on 2 cores its compiler threads take the CPU from the reasoner. The C1
# compiler alone roughly halves HermiT's time on the real dataset; the results are the same. The
# serial garbage collector spares the parallel one's threads the same way (8.1 s instead of 9.3 s
# for the real dataset's runs).
JVM_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
_MARKER = "urn:govgraph:hermit-batch:"


@dataclass
class _Prepared:
    """One run ready for HermiT: its input graph and the owlready2 World loaded from it."""

    merged: Graph
    world: object


def _prepare(ontology: Graph, data: list[Graph], closed_world: bool, prune: bool = True) -> _Prepared:
    merged = reasoner_input(ontology, data, prune=prune)
    if closed_world:
        merged += _scheme_distinctness(merged)
    world, _ = _load_world(merged)
    try:
        if closed_world:
            _close_world(world, merged)
    except BaseException:
        world.close()
        raise
    return _Prepared(merged, world)


def _whole_input(ontology: Graph, data: list[Graph], closed_world: bool) -> Graph:
    """HermiT's input without pruning: what an inconsistency report searches."""
    merged = reasoner_input(ontology, data)
    if closed_world:
        merged += _scheme_distinctness(merged)
    return merged


def _individuals(ontology: Graph, data: list[Graph]) -> int:
    """Individuals of ours with a type in the input (citations included, pruned or not)."""
    return len({s for g in (ontology, *data) for s in g.subjects(RDF.type, None)
                if isinstance(s, URIRef) and _ours(str(s))})


def _marker(n: int) -> bytes:
    """A two-class ontology whose whole HermiT output is one recognisable line (then blank ones)."""
    a, b = f"<{_MARKER}{n}>", f"<{_MARKER}{n}:end>"
    cls = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2002/07/owl#Class> ."
    return f"{a} {cls}\n{b} {cls}\n{a} <http://www.w3.org/2000/01/rdf-schema#subClassOf> {b} .\n".encode()


def _hermit_batch(runs: list[_Prepared], java_memory_mb: int, workdir: Path | None = None,
                  meanwhile: Callable[[], None] | None = None, property_values: bool = False) -> list[bytes] | None:
    """Run HermiT once over every World (its command line reasons over each ontology it is given on
    its own, with a fresh reasoner), instead of starting one JVM per World. A marker ontology after
    each World's file splits the output back into each World's part. None when the JVM failed
    (inconsistent data, no Java …): the caller then runs each World on its own, which reports the
    failure as a single run does. `meanwhile()` runs while the JVM does (its output goes to a file,
    so it never waits for a reader)."""
    from owlready2 import reasoning

    with tempfile.TemporaryDirectory(prefix=".hermit-", dir=workdir) as tmp:
        files = []
        for n, run in enumerate(runs):
            path = Path(tmp) / f"run-{n}.nt"
            with path.open("wb") as out:  # what sync_reasoner_hermit gives HermiT
                run.world.save(out, format="ntriples", filter=lambda graph, s, p, o, d: p != reasoning.owl_imports)
            marker = Path(tmp) / f"marker-{n}.nt"
            marker.write_bytes(_marker(n))
            files += [path.as_uri(), marker.as_uri()]
        # sync_reasoner_hermit(ignore_unsupported_datatypes=True) also passes -O -D (classify the
        # object and data properties): left out, as nothing kept depends on them (`_inferred` keeps
        # triples about our individuals; property values come from -Y, asked only with `property_values`)
        command = [reasoning.owlready2.JAVA_EXE, *JVM_OPTIONS, f"-Xmx{java_memory_mb}M", "-cp",
                   reasoning._HERMIT_CLASSPATH, "org.semanticweb.HermiT.cli.CommandLine", "-c", "-I",
                   *files, *(["-Y"] if property_values else []), "--ignoreUnsupportedDatatypes"]
        output = Path(tmp) / "output.txt"
        with output.open("wb") as sink:
            try:
                # the JVM dies with the process that started it (PR_SET_PDEATHSIG), so a killed
                # build leaves no reasoner running
                jvm = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
            except OSError:
                jvm = None
            try:
                if meanwhile is not None:
                    meanwhile()
            except BaseException:
                if jvm is not None:
                    jvm.kill()
                    jvm.wait()
                raise
            if jvm is None or jvm.wait() != 0:
                return None
        rest = output.read_bytes()
    parts = []
    for n in range(len(runs)):
        line = f"SubClassOf( <{_MARKER}{n}> <{_MARKER}{n}:end> )\n".encode()
        head, found, rest = rest.partition(line)
        if not found or _MARKER.encode() in head:
            return None
        parts.append(head)
    return parts


class _Replay:
    """Stands in for the `subprocess` module inside owlready2.reasoning while one World's results
    are applied: owlready2 builds HermiT's command and parses its output itself, exactly as in a
    run of its own; only the output comes from the batched run instead of a new JVM."""

    def __init__(self, output: bytes):
        self.output = output

    def check_output(self, *args, **kwargs) -> bytes:
        return self.output

    def __getattr__(self, name):
        return getattr(subprocess, name)


def _apply(world, output: bytes, property_values: bool = False) -> None:
    from owlready2 import reasoning

    real = reasoning.subprocess
    reasoning.subprocess = _Replay(output)
    try:
        _run_hermit(world, property_values)
    finally:
        reasoning.subprocess = real


@dataclass(frozen=True)
class Run:
    """One reasoning run: the data (with the ontology), where its inferences go, and its name.
    `made` is the data or a function that makes it; with a `key` (a digest of what decides the
    data, from `mapping.graph_keys`) a cached result is found without making the data at all."""

    made: tuple[Graph, ...] | Callable[[], tuple[Graph, ...]]
    graph_iri: URIRef = iris.INFERRED_GRAPH
    label: str = "data"
    key: str = ""
    # runs with the same `batch` that all miss the cache are reasoned as one World (one HermiT
    # ontology costs less than several) and its inferences split back by `owns`, the IRI every
    # node of the run's data starts with (see `_split`)
    batch: str = ""
    owns: str = ""

    @functools.cached_property
    def data(self) -> tuple[Graph, ...]:
        return self.made() if callable(self.made) else self.made


def reason_runs(ontology: Graph, runs: list[Run], *, origins: Mapping[str, str] | None = None,
                java_memory_mb: int = DEFAULT_JAVA_MEMORY_MB, closed_world: bool = True,
                prune: bool = True, workdir: Path | None = None,
                meanwhile: Callable[[], None] | None = None, property_values: bool = False) -> list[Reasoned]:
    """`reason` for several runs, each with a World of its own, and HermiT started once for all.
    Results (and the first inconsistency, in the order of `runs`) are those of separate runs.
    `prune=False` gives HermiT the provenance too (the same results, slower: see `_prune`).
    `property_values=True` also asks HermiT for the object-property values it entails (-Y): about
    half of HermiT's time, for nothing on govgraph's data, as the mapping states both directions of
    every inverse pair (and owlready2 drops a value whose inverse is stated); see docs/reasoning.md.
    `workdir`: where HermiT's input files go (a build puts them in its own folder, which a killed
    build's successor cleans up); by default the system's temporary folder. `meanwhile()` is run
    while HermiT runs."""
    from owlready2 import OwlReadyInconsistentOntologyError

    if not runs:
        return []
    _configure(java_memory_mb)
    started = time.perf_counter()
    prepared: list[_Prepared] = []
    try:
        for run in runs:
            prepared.append(_prepare(ontology, list(run.data), closed_world, prune))
        outputs = _hermit_batch(prepared, java_memory_mb, workdir, meanwhile, property_values)
        share = (time.perf_counter() - started) / len(runs)
        results = []
        for n, (run, prep) in enumerate(zip(runs, prepared)):
            began = time.perf_counter()
            try:
                if outputs is None:
                    _run_hermit(prep.world, property_values)  # the batch failed: a JVM of its own says why
                else:
                    _apply(prep.world, outputs[n], property_values)
            except OwlReadyInconsistentOntologyError:
                raise _inconsistency(_whole_input(ontology, list(run.data), closed_world), list(run.data),
                                     run.label, origins or {}, java_memory_mb) from None
            graph, counts = _inferred(prep.world, prep.merged, run.graph_iri)
            individuals = _individuals(ontology, list(run.data))
            results.append(Reasoned.of(run.label, graph, individuals, share + time.perf_counter() - began, counts))
        return results
    finally:
        for prep in prepared:
            prep.world.close()


def reason(ontology: Graph, data: Iterable[Graph], *, graph_iri: URIRef = iris.INFERRED_GRAPH,
           label: str = "data", origins: Mapping[str, str] | None = None,
           java_memory_mb: int = DEFAULT_JAVA_MEMORY_MB, closed_world: bool = True,
           prune: bool = True, property_values: bool = False) -> Reasoned:
    """Check consistency and realise every individual; return the new triples as `graph_iri`.

    Raises InconsistencyError (an OntologyError, exit 1) with a plain-words report when the data
    contradicts the ontology, ReasonerError (exit 3) when Java or HermiT cannot run.
    """
    return reason_runs(ontology, [Run(tuple(data), graph_iri, label)], origins=origins,
                       java_memory_mb=java_memory_mb, closed_world=closed_world, prune=prune,
                       property_values=property_values)[0]


def check_consistency(ontology: Graph, data: Iterable[Graph], *, label: str = "data",
                      origins: Mapping[str, str] | None = None,
                      java_memory_mb: int = DEFAULT_JAVA_MEMORY_MB) -> float:
    """Consistency only (HermiT's `-k`, no realisation): the cheaper check, for comparison in the
    benchmarks. Returns the seconds taken; raises like `reason`."""
    data = list(data)
    merged = reasoner_input(ontology, data)
    _configure(java_memory_mb)
    from owlready2 import reasoning

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.nt"
        path.write_bytes(merged.serialize(format="nt", encoding="utf-8"))
        command = [reasoning.owlready2.JAVA_EXE, f"-Xmx{java_memory_mb}M", "-cp", reasoning._HERMIT_CLASSPATH,
                   "org.semanticweb.HermiT.cli.CommandLine", "-k", "--ignoreUnsupportedDatatypes",
                   path.as_uri()]
        try:
            result = subprocess.run(command, capture_output=True, text=True)
        except FileNotFoundError as exc:
            raise ReasonerError(f"HermiT needs Java, which was not found ({exc.filename})") from None
    output = result.stdout + result.stderr
    if "Inconsistent ontology" in output or ("false" in result.stdout.lower() and result.returncode == 0
                                              and "consistent" not in result.stdout.lower()):
        raise _inconsistency(merged, data, label, origins or {}, java_memory_mb)
    if result.returncode != 0:
        raise ReasonerError(f"HermiT could not run: {_java_message(Exception(output))}")
    if "is not satisfiable" in result.stdout or "not consistent" in result.stdout.lower():
        raise _inconsistency(merged, data, label, origins or {}, java_memory_mb)
    return time.perf_counter() - started


# -- the dataset: baseline and scenarios, each on its own --------------------------------------------

BASELINE_GROUPS = 8


def _group_of(code: str) -> int:
    return int(hashlib.sha256(code.lower().encode("utf-8")).hexdigest(), 16) % BASELINE_GROUPS


def dataset_runs(dataset: Dataset, as_of: dt.date, scenario_graphs: dict[str, Graph] | None = None,
                 keys: dict[URIRef, str] | None = None) -> list[Run]:
    """The baseline (each country's snapshot as of `as_of`, a run each, batched in BASELINE_GROUPS)
    and each scenario's view on its own; `scenario_graphs` (scenario id → its graph, as build.build
    made it) saves building them again. With the graphs' `keys` (`mapping.graph_keys`), each run is
    keyed by them and its data made only if HermiT is to read it."""
    scenario_graphs = scenario_graphs or {}
    # a country is a run of its own, so a change to one country reasons that country alone; the
    # countries that miss the cache together are reasoned in BASELINE_GROUPS batches, as HermiT's
    # time grows faster than its input while each run has a cost of its own (31 countries: 31 s in
    # one run, 22 s in 31, 16 s in 8). Countries share no individual, so their inferences are those
    # of one run over all of them, and a batch's split back by country; a country's batch comes from
    # a digest of its code (reason_dataset merges the countries back)
    def country(c) -> tuple[Graph, ...]:
        return (mapping.country_graph(snapshot(c, as_of), curation=False),)

    def scenario(sid: str) -> tuple[Graph, ...]:
        g = scenario_graphs.get(sid)
        return (g if g is not None else mapping.scenario_graph(dataset.scenarios[sid], dataset.scenario_views[sid]),)

    runs = [Run(functools.partial(country, c), iris.inferred_graph_iri(), f"baseline {cc.upper()} as of {as_of.isoformat()}",
                digest("baseline", as_of.isoformat(), keys[iris.country_graph_iri(cc)]) if keys else "",
                batch=f"baseline {_group_of(cc)}", owns=str(iris.country_iri(cc)))
            for cc, c in sorted(dataset.countries.items())]
    for sid in sorted(dataset.scenario_views):
        runs.append(Run(functools.partial(scenario, sid), iris.inferred_graph_iri(sid), f"scenario {sid}",
                        digest("scenario", keys[iris.scenario_graph_iri(sid)]) if keys else ""))
    return runs


def reason_dataset(dataset: Dataset, ontology: Graph | Callable[[], Graph], as_of: dt.date, *,
                   origins: Mapping[str, str] | None = None, java_memory_mb: int = DEFAULT_JAVA_MEMORY_MB,
                   progress: Callable[[str], None] = lambda step: None, cache: Cache = Cache(),
                   scenario_graphs: dict[str, Graph] | None = None, workdir: Path | None = None,
                   keys: dict[URIRef, str] | None = None) -> list[Reasoned]:
    """Reason over the baseline (each country's snapshot as of `as_of`, merged into one result) and
    over each scenario's view on its own. The baseline's inferences go to …/graph/inferred, a scenario's to
    …/graph/inferred/scenario/<id>. A run whose inputs are unchanged since the build `cache` reads
    from is not repeated; the others share one start of HermiT (`reason_runs`). `ontology` may be
    a function that makes it, and `keys` (`mapping.graph_keys`) key the runs by what decides them:
    then a build whose runs are all cached makes neither the ontology nor any run's data."""
    runs = dataset_runs(dataset, as_of, scenario_graphs, keys)
    results = reason_all(ontology, runs, origins=origins, java_memory_mb=java_memory_mb, progress=progress,
                         cache=cache, workdir=workdir)
    baseline = [r for run, r in zip(runs, results) if run.graph_iri == iris.INFERRED_GRAPH]
    others = [r for run, r in zip(runs, results) if run.graph_iri != iris.INFERRED_GRAPH]
    return [_merged(baseline, f"baseline as of {as_of.isoformat()}"), *others]


def _merged(parts: list[Reasoned], label: str) -> Reasoned:
    """One country's run each, as one result: the baseline's inferred graph and its counts."""
    lines: set[bytes] = set()
    classes: dict[str, int] = {}
    for part in parts:
        lines.update(part.ntriples.splitlines(keepends=True))
        for cls, n in part.classes.items():
            classes[cls] = classes.get(cls, 0) + n
    return Reasoned(label, b"".join(sorted(lines)), str(iris.INFERRED_GRAPH), sum(p.individuals for p in parts),
                    sum(p.seconds for p in parts), dict(sorted(classes.items())),
                    all(p.cached for p in parts) if parts else False)


def reason_all(ontology: Graph | Callable[[], Graph], runs: list[Run], *, origins: Mapping[str, str] | None = None,
               java_memory_mb: int = DEFAULT_JAVA_MEMORY_MB, progress: Callable[[str], None] = lambda step: None,
               cache: Cache = Cache(), workdir: Path | None = None) -> list[Reasoned]:
    """`reason_runs` for the runs the cache cannot answer; results in the order of `runs`.

    A run with a `key` is looked up by it first (nothing made); a run it does not answer is looked
    up by a digest of the ontology and its data (a change to a country that leaves a run's data as
    it was still finds that run's result). The digests of the runs HermiT must reason over are
    worked out while it runs. Each result is kept under both keys."""
    made: list[Graph] = []
    content: dict[int, str] = {}

    def the_ontology() -> Graph:
        if not made:
            made.append(ontology if isinstance(ontology, Graph) else ontology())
        return made[0]

    def work_out(todo: list[int]) -> None:
        ontology_nt = serialise.to_ntriples(the_ontology()) if any(n not in content for n in todo) else b""
        for n in todo:
            if n not in content:
                content[n] = Cache.key(ontology_nt, list(runs[n].data), closed_world=True)

    keyed = [Cache.key_of(run.key, closed_world=True) if run.key else "" for run in runs]
    results: list[Reasoned | None] = [None] * len(runs)
    if cache.readable:
        results = [cache.load(key, run.graph_iri, run.label) if key else None for key, run in zip(keyed, runs)]
        missed = [n for n, r in enumerate(results) if r is None]
        work_out(missed)
        for n in missed:
            results[n] = cache.load(content[n], runs[n].graph_iri, runs[n].label)
    todo = [n for n, r in enumerate(results) if r is None]
    unkept: set[int] = set()
    if todo:
        progress("Reasoning: " + ", ".join(runs[n].label for n in todo))
        batches = _batches(runs, todo)
        done = reason_runs(the_ontology(), [run for _, run in batches], origins=origins, java_memory_mb=java_memory_mb,
                           workdir=workdir, meanwhile=lambda: work_out(todo))
        for (members, _), result in zip(batches, done):
            parts = _split(result, [runs[n] for n in members], the_ontology())
            if parts is None:  # an inference about a node no run owns: this build's, never kept
                parts = [result] + [Reasoned(runs[n].label, b"", result.graph_iri, 0, 0.0) for n in members[1:]]
                unkept.update(members)
            for n, part in zip(members, parts):
                results[n] = part
    for n, result in enumerate(results):
        assert result is not None
        if n in unkept:
            continue
        if n not in content and not result.content_key:
            work_out([n])
        key = content.get(n) or result.content_key
        cache.store(key, result)
        if keyed[n]:
            cache.store(keyed[n], result, content=key)
    return results  # type: ignore[return-value]


def _batches(runs: list[Run], todo: list[int]) -> list[tuple[list[int], Run]]:
    """The runs HermiT is given for the runs `todo`: those of one `batch` as one World (their data
    together), each other run on its own; with the indices of the runs each answers."""
    batches: dict[str, list[int]] = {}
    for n in todo:
        batches.setdefault(runs[n].batch or f"run {n}", []).append(n)
    out = []
    for members in batches.values():
        if len(members) == 1:
            out.append((members, runs[members[0]]))
        else:
            first = runs[members[0]]
            out.append((members, Run(lambda members=members: tuple(g for n in members for g in runs[n].data),
                                     first.graph_iri, ", ".join(runs[n].label for n in members))))
    return out


def _split(result: Reasoned, members: list[Run], ontology: Graph) -> list[Reasoned] | None:
    """`result` as each member run's own: the inferred triples about the nodes it `owns`, with its
    counts. None when a triple is about a node no member owns (nor, then, can any be kept alone)."""
    if len(members) == 1 and not members[0].owns:
        return [result]
    owned: list[list[bytes]] = [[] for _ in members]
    prefixes = [b"<" + m.owns.encode("utf-8") for m in members]
    for line in result.ntriples.splitlines(keepends=True):
        for part, prefix in zip(owned, prefixes):
            if line.startswith(prefix) and line[len(prefix):len(prefix) + 1] in (b"/", b">"):
                part.append(line)
                break
        else:
            return None
    if len(members) == 1:
        return [result]
    share = result.seconds / len(members)
    return [Reasoned(m.label, b"".join(part), result.graph_iri, _individuals(ontology, list(m.data)), share,
                     _classes(part))
            for m, part in zip(members, owned)]


def _classes(lines: list[bytes]) -> dict[str, int]:
    """Inferred class → individuals, from a result's N-Triples (as `_inferred` counts them)."""
    typed = b"<" + str(RDF.type).encode("ascii") + b"> <"
    counts: dict[str, int] = defaultdict(int)
    for line in lines:
        at = line.find(typed)
        if at > 0:
            rest = line[at + len(typed):]
            counts[rest[:rest.index(b">")].decode("utf-8")] += 1
    return dict(sorted(counts.items()))
