"""Reasoning: HermiT (the build bundled with owlready2) over the ontology and one snapshot of the data.

Why a reasoner at all: the ontology's defined classes (gg:LeadBody, gg:EmpoweredLeadBody,
gg:PoliticalCoordinationBody, …) turn the OECD's questions into classes, and HermiT both checks that
the data does not contradict the ontology (disjoint classes, functional properties, ranges) and
realises every individual into those classes. The inferences go into their own named graph, so a
query can tell asserted facts from inferred ones.

Design choices (see docs/reasoning.md):

- HermiT reads N-Triples made from the graphs' canonical N-Triples (`input`), and only what it
  reasons with: types, resource-valued statements and the literals of datatype properties whose
  datatype is in the OWL 2 datatype map (labels, descriptions and ``xsd:date`` values take no part in
  any axiom, and ``xsd:date`` would stop HermiT). Its answers (the class hierarchy and each
  individual's direct classes) are read back here: every named class an individual of ours belongs
  to and was not asserted in is an inference. owlready2's `sync_reasoner_hermit` does the same
  through a World (an SQLite quadstore) loaded from the input and saved again for HermiT: a third
  of the reasoner's time on the real data, for the same triples (tests/test_reason.py holds the two
  to each other).
- Each run is reasoned over on its own: no state leaks between the baseline and a scenario.
- The Java heap is set explicitly (``java_memory_mb``), never left to the JVM's default.
- One JVM for all the runs of a build (`reason_runs`): HermiT's command line reasons over each
  ontology it is given on its own, so the baseline and the scenarios keep their own results,
  without a JVM start, a class-loading and a compiler warm-up each. The JVM uses its C1
  compiler only (``JVM_OPTIONS``): for runs this short, C2 costs more than it gives.
- Closed world, deliberately and narrowly: a lead body's ``gg:holdsLever`` values and each lever's
  ``gg:leverType`` are closed, and the codes of each SKOS scheme are declared pairwise different,
  so the negated class gg:LeadBodyWithoutKeyLever can be inferred (`input.closed`). No other class
  or property is closed.
- On inconsistency, a plain-words report: a targeted search over the ontology's disjointness,
  functional-property and range axioms names the individuals and axioms (with the curated file:line
  where known), and Pellet's explanation (bundled with owlready2) lists the axioms HermiT's refusal
  rests on. Never a Java stack trace.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
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
from govgraph.curated.model import Dataset, snapshot
from govgraph.rdf import mapping, serialise
from govgraph.reason import input, jvm
from govgraph.reason.cache import Cache, Reasoned
from govgraph.reason.explain import _inconsistency

DEFAULT_JAVA_MEMORY_MB = 2000


class ReasonerError(ExternalToolError):
    """HermiT (Java) could not run at all: an external failure, not a data problem (exit 3)."""


# -- running HermiT --------------------------------------------------------------------------------

# HermiT runs for a second or two: the JVM's optimising compiler (C2) costs more than it gives over
# so short a run, and on 2 cores its compiler threads take the CPU from the reasoner. The C1
# compiler alone roughly halves HermiT's time on the real dataset; the results are the same. The
# serial garbage collector spares the parallel one's threads the same way (8.1 s instead of 9.3 s
# for the real dataset's runs). HermiT prints IRIs as they are: in UTF-8, whatever the locale.
JVM_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dfile.encoding=UTF-8")


def _command(files: list[str], java_memory_mb: int, property_values: bool) -> list[str]:
    """HermiT's command line: classify (-c) and realise (-I) each ontology in `files` on its own;
    entailed object-property values (-Y) only when asked. owlready2's own command also classifies
    the object and data properties (-O -D): nothing kept depends on them."""
    return [jvm.java(), *JVM_OPTIONS, f"-Xmx{java_memory_mb}M", "-cp", jvm.hermit_classpath(),
            "org.semanticweb.HermiT.cli.CommandLine", "-c", "-I", *files, *(["-Y"] if property_values else []),
            "--ignoreUnsupportedDatatypes"]


def _start(command: list[str], sink) -> subprocess.Popen:
    try:
        # the JVM dies with the process that started it (PR_SET_PDEATHSIG), so a killed build
        # leaves no reasoner running
        return subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
    except OSError as exc:
        raise ReasonerError(f"HermiT needs Java, which was not found ({exc.filename}); install a JRE "
                            f"(e.g. `apt-get install default-jre-headless`)") from None


def _java_message(text: str) -> str:
    """The first meaningful line of a Java failure, never the stack trace."""
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("at "):
            return line[:300]
    return text[:300]


class _Inconsistent(Exception):
    """HermiT found a run's input inconsistent."""


def _hermit_alone(run: bytes, java_memory_mb: int, workdir: Path | None, property_values: bool) -> bytes:
    """HermiT's output for one run's input, in a JVM of its own; raises _Inconsistent or ReasonerError."""
    with tempfile.TemporaryDirectory(prefix=".hermit-", dir=workdir) as tmp:
        path = Path(tmp) / "input.nt"
        path.write_bytes(run)
        output = Path(tmp) / "output.txt"
        with output.open("wb") as sink:
            code = _start(_command([path.as_uri()], java_memory_mb, property_values), sink).wait()
        text = output.read_bytes()
    if code == 1 and b"Inconsistent ontology" in text:
        raise _Inconsistent()
    if code != 0:
        raise ReasonerError(f"HermiT could not run: {_java_message(text.decode('utf-8', 'replace'))}")
    return text


# -- one JVM for several runs ----------------------------------------------------------------------

_MARKER = "urn:govgraph:hermit-batch:"


def _marker(n: int) -> bytes:
    """A two-class ontology whose whole HermiT output is one recognisable line (then blank ones)."""
    a, b = f"<{_MARKER}{n}>", f"<{_MARKER}{n}:end>"
    cls = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2002/07/owl#Class> ."
    return f"{a} {cls}\n{b} {cls}\n{a} <http://www.w3.org/2000/01/rdf-schema#subClassOf> {b} .\n".encode()


def _hermit_batch(runs: list[bytes], java_memory_mb: int, workdir: Path | None = None,
                  meanwhile: Callable[[], None] | None = None, property_values: bool = False) -> list[bytes] | None:
    """HermiT's output for each run's input (N-Triples), from one JVM (its command line reasons over
    each ontology it is given on its own, with a fresh reasoner), instead of one JVM per run. A
    marker ontology after each run's file splits the output back into each run's part. None when
    the JVM failed (inconsistent data …): the caller then runs each on its own, which says why.
    `meanwhile()` runs while the JVM does (its output goes to a file, so it never waits for a reader)."""
    with tempfile.TemporaryDirectory(prefix=".hermit-", dir=workdir) as tmp:
        files = []
        for n, run in enumerate(runs):
            path = Path(tmp) / f"run-{n}.nt"
            path.write_bytes(run)
            marker = Path(tmp) / f"marker-{n}.nt"
            marker.write_bytes(_marker(n))
            files += [path.as_uri(), marker.as_uri()]
        output = Path(tmp) / "output.txt"
        with output.open("wb") as sink:
            jvm = _start(_command(files, java_memory_mb, property_values), sink)
            try:
                if meanwhile is not None:
                    meanwhile()
            except BaseException:
                jvm.kill()
                jvm.wait()
                raise
            if jvm.wait() != 0:
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


# -- HermiT's answers ------------------------------------------------------------------------------

# what -c and -I print: the class hierarchy (direct subclasses, equivalent classes) and each
# individual's direct classes, one axiom a line in OWL functional syntax; and what -Y prints, each
# object property's known pairs
_ANSWER = re.compile(rb"^(SubClassOf|EquivalentClasses|Type)\( ((?:<[^>]+>\s*)+) \)$", re.MULTILINE)
_KNOWN = re.compile(rb"^<([^>]+)> \(known instances:\s*(.*?)(?:\s*\|\s*)possible instances:", re.MULTILINE)
_TYPE, _THING = input.term(RDF.type), input.term(OWL.Thing)


def _inferred(merged: tuple[input.Triple, ...], output: bytes, ontology: input.Ontology,
              property_values: bool = False) -> bytes:
    """New triples about our individuals, as canonical N-Triples: every named class they belong to
    (HermiT's direct classes and all their superclasses and equivalents) that was not asserted, and
    the object-property values HermiT found, if it was asked (-Y), that are not stated either way."""
    parents: dict[bytes, set[bytes]] = defaultdict(set)
    direct: dict[bytes, set[bytes]] = defaultdict(set)
    for relation, names in _ANSWER.findall(output):
        terms = [b"<" + name + b">" for name in names.strip()[1:-1].split(b"> <")]
        if relation == b"Type":
            direct[terms[0]].add(terms[1])
        elif relation == b"SubClassOf":
            parents[terms[0]].add(terms[1])
        else:
            for a in terms:
                parents[a].update(b for b in terms if b != a)

    @functools.cache
    def above(cls: bytes) -> frozenset[bytes]:  # the class, its superclasses and their equivalents
        seen, todo = {cls}, [cls]
        while todo:
            for parent in parents.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return frozenset(seen)

    asserted: dict[bytes, set[bytes]] = defaultdict(set)
    for s, p, o in merged:
        if p == _TYPE and input.ours(s) and o.startswith(b"<"):
            asserted[s].add(o)
    lines = set()
    for individual, types in asserted.items():
        for cls in set().union(*map(above, types | direct.get(individual, set()))) - types - {_THING}:
            lines.add(individual + b" " + _TYPE + b" " + cls + b" .\n")
    if property_values:
        stated = set(merged)
        declared = {s for s, p, o in merged if p == _TYPE}
        for name, pairs in _KNOWN.findall(output):
            prop = b"<" + name + b">"
            if prop not in declared:
                continue
            for pair in pairs[1:-1].split(b")("):
                if not pair.strip():
                    continue
                a, b = (b"<" + x + b">" for x in pair[1:-1].split(b">, <", 1))
                if input.ours(a) and (a, prop, b) not in stated and \
                        not any((b, q, a) in stated for q in ontology.inverses.get(prop, ())):
                    lines.add(a + b" " + prop + b" " + b + b" .\n")
    return b"".join(sorted(lines))


@dataclass(frozen=True)
class Run:
    """One reasoning run: the data (with the ontology), where its inferences go, and its name.
    `made` is the data or a function that makes it; with a `key` (a digest of what decides the
    data, from `mapping.graph_keys`) a cached result is found without making the data at all."""

    made: tuple[Graph, ...] | Callable[[], tuple[Graph, ...]] = ()
    graph_iri: URIRef = iris.INFERRED_GRAPH
    label: str = "data"
    key: str = ""
    # runs with the same `batch` that all miss the cache are reasoned as one (one HermiT ontology
    # costs less than several) and its inferences split back by `owns`, the IRI every node of the
    # run's data starts with (see `_split`); such a run's data is its `parts`' data
    batch: str = ""
    owns: str = ""
    parts: tuple["Run", ...] = ()

    @functools.cached_property
    def data(self) -> tuple[Graph, ...]:
        if self.parts:
            return tuple(g for part in self.parts for g in part.data)
        return self.made() if callable(self.made) else self.made

    @functools.cached_property
    def ntriples(self) -> tuple[bytes, ...]:
        """Each graph of the data as canonical N-Triples: what HermiT's input and the cache key are made of."""
        if self.parts:
            return tuple(nt for part in self.parts for nt in part.ntriples)
        return tuple(serialise.to_ntriples(g) for g in self.data)


def reason_runs(ontology: Graph, runs: list[Run], *, origins: Mapping[str, str] | None = None,
                java_memory_mb: int = DEFAULT_JAVA_MEMORY_MB, closed_world: bool = True,
                prune: bool = True, workdir: Path | None = None,
                meanwhile: Callable[[], None] | None = None, property_values: bool = False) -> list[Reasoned]:
    """`reason` for several runs, each on its own, and HermiT started once for all.
    Results (and the first inconsistency, in the order of `runs`) are those of separate runs.
    `prune=False` gives HermiT the provenance too (the same results, slower: see `input._prune`).
    `property_values=True` also asks HermiT for the object-property values it entails (-Y): about
    half of HermiT's time, for nothing on govgraph's data, as the mapping states both directions of
    every inverse pair (and a value whose inverse is stated is not new); see docs/reasoning.md.
    `workdir`: where HermiT's input files go (a build puts them in its own folder, which a killed
    build's successor cleans up); by default the system's temporary folder. `meanwhile()` is run
    while HermiT runs."""
    if not runs:
        return []
    started = time.perf_counter()
    shared = input.Ontology.of(ontology)
    merged = [input.reasoner_input(shared, run.ntriples, prune=prune, closed_world=closed_world) for run in runs]
    outputs = _hermit_batch([input.ntriples(m) for m in merged], java_memory_mb, workdir, meanwhile, property_values)
    share = (time.perf_counter() - started) / len(runs)
    results = []
    for n, run in enumerate(runs):
        began = time.perf_counter()
        try:  # the batch failed: a JVM of its own says why
            output = outputs[n] if outputs is not None else \
                _hermit_alone(input.ntriples(merged[n]), java_memory_mb, workdir, property_values)
        except _Inconsistent:
            raise _inconsistency(_whole_input(shared, run, closed_world), list(run.data), run.label, origins or {},
                                 java_memory_mb) from None
        inferred = _inferred(merged[n], output, shared, property_values)
        results.append(Reasoned(run.label, inferred, str(run.graph_iri), input.individuals(run.ntriples),
                                share + time.perf_counter() - began, _classes(inferred.splitlines(keepends=True))))
    return results


def _whole_input(ontology: input.Ontology, run: Run, closed_world: bool) -> Graph:
    """HermiT's input without pruning, and without the closed levers, as an rdflib graph: what an
    inconsistency report searches."""
    merged = input.reasoner_input(ontology, run.ntriples)
    if closed_world:
        merged = (*merged, *input.distinct_codes(merged))
    return serialise.from_ntriples(input.ntriples(merged), "urn:govgraph:reasoner-input")


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
    run = Run(tuple(data), label=label)
    shared = input.Ontology.of(ontology)
    merged = input.reasoner_input(shared, run.ntriples)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.nt"
        path.write_bytes(input.ntriples(merged))
        command = [jvm.java(), f"-Xmx{java_memory_mb}M", "-cp", jvm.hermit_classpath(),
                   "org.semanticweb.HermiT.cli.CommandLine", "-k", "--ignoreUnsupportedDatatypes", path.as_uri()]
        try:
            result = subprocess.run(command, capture_output=True, text=True)
        except FileNotFoundError as exc:
            raise ReasonerError(f"HermiT needs Java, which was not found ({exc.filename})") from None
    output = result.stdout + result.stderr
    inconsistent = "Inconsistent ontology" in output or "is not satisfiable" in result.stdout or (
        result.returncode == 0 and "false" in result.stdout.lower() and "consistent" not in result.stdout.lower()) \
        or "not consistent" in result.stdout.lower()
    if inconsistent:
        raise _inconsistency(_whole_input(shared, run, closed_world=False), list(run.data), label, origins or {},
                             java_memory_mb)
    if result.returncode != 0:
        raise ReasonerError(f"HermiT could not run: {_java_message(output)}")
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
                content[n] = Cache.key(ontology_nt, list(runs[n].ntriples), closed_world=True)

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
        for (members, _), whole in zip(batches, done):
            parts = _split(whole, [runs[n] for n in members])
            if parts is None:  # an inference about a node no run owns: this build's, never kept
                parts = [whole] + [Reasoned(runs[n].label, b"", whole.graph_iri, 0, 0.0) for n in members[1:]]
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
    """The runs HermiT is given for the runs `todo`: those of one `batch` as one (their data
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
            out.append((members, Run(graph_iri=first.graph_iri, label=", ".join(runs[n].label for n in members),
                                     parts=tuple(runs[n] for n in members))))
    return out


def _split(result: Reasoned, members: list[Run]) -> list[Reasoned] | None:
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
    return [Reasoned(m.label, b"".join(part), result.graph_iri, input.individuals(m.ntriples), share,
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
