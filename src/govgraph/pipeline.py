"""The recipe: load → build → reason and validate → write → store → check → describe → analyse →
render → publish.

Everything is written into a fresh folder beside out/, which replaces out/ only once the whole build
has succeeded: a failed or killed build leaves the previous out/ as it was.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TypeVar

from rdflib import Graph

from govgraph import __version__
from govgraph.core import iris, outdir, vocab
from govgraph.core.memo import Memo, code_digest, digest
from govgraph.curated import loader
from govgraph.curated.model import BASELINE, Dataset
from govgraph.exports import coverage
from govgraph.rdf import mapping, serialise
from govgraph.rdf.built import Built

if TYPE_CHECKING:
    from govgraph.reason.cache import Reasoned
    from govgraph.validate import shapes

Progress = Callable[[str], None]
T = TypeVar("T")


@dataclass
class BuildSummary:
    out: Path
    as_of: dt.date
    graphs: dict[str, int] = field(default_factory=dict)  # graph IRI → triples
    coverage: dict = field(default_factory=dict)
    quads: int = 0
    quality: dict = field(default_factory=dict)  # reasoning and validation counts
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step (shown, never written)
    reused: dict[str, int] = field(default_factory=dict)  # results taken from the previous build, by kind
    digests: dict[str, str] = field(default_factory=dict)  # graph IRI → digest of its N-Triples (for kept work)


def graph_file_stem(iri: str) -> str:
    """A graph's files under graphs/: ontology, sources, cl, scenario-cl-enacted-2024 …"""
    return str(iri).removeprefix(vocab.GRAPH).replace("/", "-")


def graph_files(iri: str) -> list[str]:
    """The files under graphs/ that `write_graph_files` writes for the graph `iri`."""
    stem = graph_file_stem(iri)
    return [f"graphs/{stem}.{suffix}" for suffix in ("nt", "ttl", "jsonld", "owl")
            if suffix != "owl" or iri == str(iris.ONTOLOGY_GRAPH)]


DUMPS = ("govgraph.trig", "govgraph.nq", "void.ttl")  # what `_write_files` writes besides the graphs'


def load(data_dir: Path, memo: Memo | None = None) -> Dataset:
    return loader.load(data_dir, memo)


def write_graph_files(folder: Path, ntriples: dict[str, bytes], graph: Callable[[str], Graph],
                      summary: BuildSummary, turtle: dict[str, bytes], memo: Memo = Memo()) -> None:
    """graphs/<name>.nt, .ttl, .jsonld for each graph in `ntriples` (graph IRI → canonical
    N-Triples), and the ontology also as RDF/XML (graphs/ontology.owl, the file Protégé and
    owlready2 open); the Turtle is kept in `turtle` (graph IRI → bytes) for the dump. A format an
    earlier build wrote from the same N-Triples comes from `memo`; the others are written from
    `graph(iri)` (its prefixes) and the N-Triples."""
    (folder / "graphs").mkdir(parents=True, exist_ok=True)
    writers = {"ttl": serialise.to_turtle, "jsonld": serialise.to_jsonld, "owl": serialise.to_rdfxml}
    for iri, nt in ntriples.items():
        for path in graph_files(iri):
            suffix = path.rsplit(".", 1)[1]
            if suffix == "nt":
                data = nt
            else:
                key = digest(code_digest(), suffix, iri, nt)
                kept = memo.get(key)
                if kept is None:
                    kept = writers[suffix](graph(iri), nt)
                    memo.put(key, kept)
                data = kept
            (folder / path).write_bytes(data)
            if suffix == "ttl":
                turtle[iri] = data
        summary.graphs[iri] = nt.count(b"\n")


def write_coverage(folder: Path, dataset: Dataset, as_of: dt.date, summary: BuildSummary) -> None:
    report = coverage.coverage(dataset, as_of)
    summary.coverage = report
    (folder / "coverage.json").write_bytes(coverage.to_json(report))
    (folder / "coverage.csv").write_bytes(coverage.to_csv(report))
    (folder / "coverage.md").write_bytes(coverage.to_markdown(report))


def write_artefacts(folder: Path, built: Built, dataset: Dataset, as_of: dt.date, progress: Progress,
                    *, inferred: Callable[[], list[Reasoned]] | None = None, previous: Path | None = None,
                    memo: Memo = Memo(), stored: Callable[[BuildSummary], None] = lambda summary: None
                    ) -> BuildSummary:
    """Every artefact of a build into `folder`. `built` holds the asserted graphs; the reasoner's
    graphs come from `inferred()`, asked for only when a step needs them, so what does not depend
    on them is written while the reasoner runs elsewhere. `previous`: the last build's folder,
    whose cache/ may spare work; `memo`: results kept between builds (this build's cache/);
    `stored(summary)` is called once the store is loaded (so its readers can start)."""
    summary = BuildSummary(out=folder, as_of=as_of)
    ntriples = dict(built.ntriples)
    summary.graphs = {iri: nt.count(b"\n") for iri, nt in ntriples.items()}
    (folder / "context.jsonld").write_bytes(
        (json.dumps(serialise.jsonld_context(), indent=2, sort_keys=True) + "\n").encode("utf-8"))
    progress("Writing coverage")
    write_coverage(folder, dataset, as_of, summary)
    progress("Importing the analysis")  # here, where the build would otherwise wait for the reasoner
    from govgraph.analysis import run
    from govgraph.site import pages

    run.preload()
    extra: dict[str, Reasoned] = {}
    if inferred is not None:
        progress("Waiting for the reasoner")
        extra = {r.graph_iri: r for r in inferred()}
        ntriples.update({iri: r.ntriples for iri, r in extra.items()})
        summary.graphs.update({iri: r.ntriples.count(b"\n") for iri, r in extra.items()})
    summary.digests = {iri: digest(nt) for iri, nt in ntriples.items()}
    from govgraph.core.background import Background

    # the graphs' files and the dumps, in a process of its own beside the store and the analyses (at
    # a lower priority: they are needed only at the end)
    files = Background(_with_hits, memo, lambda: _write_files(folder, built, extra, ntriples, summary.digests,
                                                              dataset, as_of, memo), nice=10)
    try:
        progress("Loading the embedded store")
        from govgraph.store import embedded

        summary.quads = embedded.create(folder / "store", ntriples, previous=previous / "store" if previous else None,
                                        previous_graphs=previous_ntriples(previous) if previous else None)
        stored(summary)
        progress("Analysing the networks")
        inputs = view_inputs(ntriples)
        run.run_into(folder, as_of, kept=memo.sub("analysis"), inputs=inputs)
        progress("Analysing every year")
        years = analyse_years(folder, memo.sub("years"), inputs)
        progress("Drawing the maps and the site")
        sources = ntriples.get(str(iris.SOURCES_GRAPH), b"")  # the pages cite them in their tooltips
        pages.write_site(folder, years=years, kept=memo.sub("pages"),
                         inputs={cc: digest(key, sources) for cc, key in inputs.items()},
                         coming=[*DUMPS, *(f for iri in ntriples for f in graph_files(iri))])
        progress("Writing the dumps")
        memo.hits.extend(files.result()[1])
    except BaseException:
        files.cancel()
        raise
    manifest = {
        "govgraph": __version__,
        "as_of": as_of.isoformat(),
        "graphs": summary.graphs,
        "countries": sorted(c.upper() for c in dataset.countries),
        "scenarios": sorted(dataset.scenario_views),
    }
    (folder / "build.json").write_bytes((json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    return summary


def _write_files(folder: Path, built: Built, extra: dict[str, Reasoned], ntriples: dict[str, bytes],
                 digests: dict[str, str], dataset: Dataset, as_of: dt.date, memo: Memo) -> None:
    """Every graph's files (`built`'s and the reasoner's `extra`), the whole dataset's dumps (TriG,
    N-Quads) and its VoID description (the build writes them in a child process)."""
    from govgraph.exports import void

    turtle: dict[str, bytes] = {}
    write_graph_files(folder, built.ntriples, built.graph, BuildSummary(out=folder, as_of=as_of), turtle,
                      memo.sub("graphs"))
    write_graph_files(folder, {iri: r.ntriples for iri, r in extra.items()}, lambda iri: extra[iri].prefixed(),
                      BuildSummary(out=folder, as_of=as_of), turtle, memo.sub("graphs"))
    dumps = digest(code_digest(), "dumps", *(f"{iri}={d}" for iri, d in sorted(digests.items())))
    trig, nquads = memo.sub("dumps").through([f"{dumps}.trig", f"{dumps}.nq"], lambda: [
        serialise.trig_of(turtle), serialise.nquads_of(ntriples)])
    (folder / "govgraph.trig").write_bytes(trig)
    (folder / "govgraph.nq").write_bytes(nquads)
    (folder / "void.ttl").write_bytes(void.describe_build(ntriples, dataset, as_of))


def _with_hits(memo: Memo | None, make: Callable[[], T]) -> tuple[T, list[Path]]:
    """`make()` and what it took from the previous build (`memo`'s new hits): a child process hands
    both back, since the hits it records stay in its own copy of the memo."""
    before = len(memo.hits) if memo is not None else 0  # the parent's, as forked
    made = make()
    return made, memo.hits[before:] if memo is not None else []


def previous_ntriples(previous: Path) -> dict[str, bytes] | None:
    """The N-Triples of every graph of the build in `previous` (graph IRI → bytes), as its
    build.json lists them; None when that build is incomplete or not there."""
    try:
        listed = json.loads((previous / "build.json").read_text(encoding="utf-8"))["graphs"]
        return {iri: (previous / "graphs" / f"{graph_file_stem(iri)}.nt").read_bytes() for iri in listed}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def analyse_years(folder: Path, memo: Memo = Memo(), inputs: dict[str, str] | None = None) -> dict:
    """Every country year by year (the site's year controls), and that panel as
    ``analysis/panel.csv`` and ``.json`` (what `govgraph export --format panel-*` gives). A country
    whose `inputs` (`view_inputs`) are unchanged since the build `memo` reads from is not
    analysed again, nor its part of the panel made again."""
    from govgraph.analysis import timeline
    from govgraph.core.background import on_two_cores
    from govgraph.store import embedded

    def analyse(codes: list[str], span: list[int]) -> dict:
        def part(codes: list[str]) -> dict:
            db = embedded.open_store(folder)  # a handle of its own in each process
            try:
                return {cc: timeline.analyse_years(db, cc, span) for cc in codes}
            finally:
                del db

        return on_two_cores(codes, part)

    db = embedded.open_store(folder)
    keys: dict[str, str] = {}
    try:
        years = timeline.analyse_all_years(db, memo=memo, inputs=inputs, keys=keys, analyse=analyse)
    finally:
        del db
    csv, json_ = timeline.panel_files(years, memo.sub("panel"), keys)
    (folder / "analysis" / "panel.csv").write_bytes(csv)
    (folder / "analysis" / "panel.json").write_bytes(json_)
    return years


def view_inputs(ntriples: dict[str, bytes]) -> dict[str, str]:
    """What the store holds that each view's analysis reads, as a digest: for a country (lower-case
    code) its own graph, the inferences about its nodes and any inference about no country's node
    (those could concern every country); for a scenario or a phase (its id or `<id>/phase/<n>`) its
    graph and its own inferences. The ontology is part of govgraph's code digest."""
    prefix = str(vocab.ID).encode("utf-8")  # a country's nodes are …/id/<cc> and …/id/<cc>/…
    codes = {iri.removeprefix(vocab.GRAPH) for iri in ntriples
             if str(iris.country_graph_iri(iri.removeprefix(vocab.GRAPH)[:2])) == iri}
    own: dict[str, list[bytes]] = {cc: [] for cc in codes}
    shared: list[bytes] = []
    for line in ntriples.get(str(iris.INFERRED_GRAPH), b"").splitlines():
        rest = line[1 + len(prefix):] if line.startswith(b"<" + prefix) else b""
        cc = rest[:2].decode("ascii", "replace")
        (own[cc] if cc in own and rest[2:3] in (b"/", b">") else shared).append(line)
    inputs = {cc: digest(ntriples[vocab.GRAPH + cc], b"\n".join(own[cc]), b"\n".join(shared)) for cc in sorted(codes)}
    scenarios = str(iris.scenario_graph_iri(""))
    for iri in sorted(ntriples):
        if iri.startswith(scenarios):
            key = iri.removeprefix(scenarios)
            inputs[key] = digest(ntriples[iri], ntriples.get(str(iris.inferred_graph_iri(key)), b""))
    return inputs


def document_ontology(folder: Path, previous: Path | None = None) -> None:
    """out/ontology/: depends on the ontology files only, so the pages of the `previous` build
    (kept in its cache/ontodoc) are reused when those did not change."""
    from govgraph import ontodoc

    ontodoc.write_docs(folder / "ontology", cache_from=previous / "cache" / "ontodoc" if previous else None,
                       cache_to=folder / "cache" / "ontodoc")


def run_build(data_dir: Path, out: Path, *, as_of: dt.date = BASELINE,
              progress: Progress = lambda step: None, strict: bool = False) -> BuildSummary:
    """The main job. Raises DataError (nothing written) when the curated data has problems.

    Processes share the work (`background.Background`): the reasoner (a JVM, for most of its time),
    forked once the data is loaded, since the store and everything after it wait for its graphs;
    what is needed only at the end (the ontology's documentation, the shape validation, the graphs'
    files and dumps, the checks), at a lower CPU priority; everything else here, the store, the
    analyses and the pages, which wait for the reasoner."""
    out = outdir.check(out, data_dir)
    with outdir.locked(out):
        return _build_into(data_dir, out, as_of=as_of, progress=progress, strict=strict)


def _build_into(data_dir: Path, out: Path, *, as_of: dt.date, progress: Progress, strict: bool) -> BuildSummary:
    outdir.recover(out)
    steps: dict[str, float] = {}
    progress = _timed(progress, steps)
    tmp = outdir.fresh(out)
    memo = Memo(read=out / "cache", write=tmp / "cache")
    children = []
    try:
        progress("Loading curated data")
        dataset = load(data_dir, memo.sub("curated"))
        from govgraph.core.background import Background
        from govgraph.reason.cache import Cache

        cache = Cache(memo.sub("reasoning"))
        keys = mapping.graph_keys(dataset)
        reasoner = Background(_reason, dataset, keys, memo.sub("built"), as_of, cache, tmp)
        children.append(reasoner)
        docs = Background(document_ontology, tmp, out, nice=10)  # needed only at the end
        children.append(docs)
        progress("Building graphs")
        built = Built(dataset, memo.sub("built"), keys)
        # the shapes in two processes (the countries' run; the sources, scenarios and phases), so the
        # end of a fresh build, where only they are left, has both cores
        sides = [Background(_validate, built, memo.sub("shapes"), mapping.sources_key(dataset, with_origins=False),
                            countries, nice=10) for countries in (True, False)]
        children.extend(sides)
        from govgraph.validate.shapes import Report

        quality = Quality(report=Report(), origins=built.origins)  # the shapes' and checks' findings join it at the end

        def inferred() -> list[Reasoned]:
            quality.reasoned = reasoner.result()
            return quality.reasoned

        checks: list[Background] = []

        def stored(summary: BuildSummary) -> None:  # the checks read the store beside the analyses
            checks.append(Background(_checks, tmp, quality.origins, memo.sub("checks"), summary.digests))
            children.append(checks[0])

        summary = write_artefacts(tmp, built, dataset, as_of, progress, inferred=inferred, previous=out,
                                  memo=memo, stored=stored)
        progress("Documenting the ontology")
        docs.result()
        progress("Validating the shapes")
        for side in sides:
            found, hits = side.result()
            quality.report.extend(found)
            memo.hits.extend(hits)
        progress("Running the quality checks")
        checked, hits = checks[0].result()
        memo.hits.extend(hits)
        quality.report.extend(checked)
        finish_quality(tmp, quality, summary, strict=strict)  # raises before publish
        progress("Publishing")
        outdir.publish(tmp, out)
        progress("")
    except BaseException:
        for child in children:
            child.cancel()
        outdir.discard(tmp)
        raise
    summary.out = out
    summary.steps = steps
    summary.reused = memo.reused()
    return summary


def _checks(folder: Path, origins: dict[str, str], kept: Memo | None = None,
            graph_keys: dict[str, str] | None = None) -> tuple[shapes.Report, list[Path]]:
    """queries/checks on the store under `folder` (the countries, then each scenario): their report,
    and what they took from the previous build (`kept`, `graph_keys`: see `shapes.run_checks`). The
    build runs it in a child process."""
    from govgraph.store import embedded
    from govgraph.validate import shapes

    def check() -> shapes.Report:
        handle = embedded.open_store(folder)
        try:
            return shapes.run_checks(handle, origins=origins, kept=kept, graph_keys=graph_keys)
        finally:
            del handle

    return _with_hits(kept, check)


def _validate(built: Built, memo: Memo, context_key: str, countries: bool | None = None):
    """The shapes' report (of the `countries` part: see `shapes.validate_graphs`), in a child
    process, and what it took from the previous build."""
    from govgraph.validate import shapes

    return _with_hits(memo, lambda: shapes.validate_graphs(built, origins=built.origins, memo=memo, keys=built.keys,
                                                           context_key=context_key, countries=countries))


def _reason(dataset: Dataset, keys: dict, kept: Memo, as_of: dt.date, cache, workdir: Path) -> list:
    """The build's reasoning, as run in the child process, started as soon as the data is loaded:
    runs keyed by the graphs' `keys`, so the ontology (from what the last build `kept`, if it can)
    and each run's data (the baseline's snapshots, the scenarios) are made here only for the runs
    the cache does not answer. The records' origins are worked out only to report an inconsistency."""
    from govgraph.rdf import built
    from govgraph.reason import hermit

    return hermit.reason_dataset(dataset, lambda: built.ontology_graph(kept, keys), as_of,
                                 origins=_Later(lambda: mapping.record_origins(dataset)),
                                 cache=cache, workdir=workdir, keys=keys)


class _Later(Mapping):
    """A mapping made by `make()` the first time it is read."""

    def __init__(self, make: Callable[[], Mapping]):
        self._make = make

    @functools.cached_property
    def _made(self) -> Mapping:
        return self._make()

    def __getitem__(self, key):
        return self._made[key]

    def __iter__(self):
        return iter(self._made)

    def __len__(self) -> int:
        return len(self._made)


def _timed(progress: Progress, steps: dict[str, float]) -> Progress:
    """Wrap `progress` so that the seconds between one step and the next are recorded in `steps`."""
    import time

    current, since = "", time.perf_counter()

    def report(step: str) -> None:
        nonlocal current, since
        now = time.perf_counter()
        if current:
            steps[current] = steps.get(current, 0.0) + now - since
        current, since = step, now
        if step:
            progress(step)

    return report


# -- reasoning, validation and checks ---------------------------------------------------------------

@dataclass
class Quality:
    """What reasoning, the shapes and the checks found; `inferred` are the reasoner's graphs."""

    report: "shapes.Report"
    reasoned: list = field(default_factory=list)  # cache.Reasoned, baseline first
    origins: dict = field(default_factory=dict)

    @property
    def inferred(self) -> list[Graph]:
        return [r.graph for r in self.reasoned]

    def counts(self) -> dict:
        return {
            "violations": self.report.violations,
            "warnings": self.report.warnings,
            "checks": len(self.report.checks),
            "graphs_validated": len(set(self.report.graphs)),
            "reasoning": [{"label": r.label, "graph": r.graph_iri, "individuals": r.individuals,
                           "inferred_triples": r.triples, "seconds": round(r.seconds, 2), "cached": r.cached,
                           "classes": {k.rsplit("#", 1)[-1]: v for k, v in r.classes.items()
                                       if k.startswith(str(vocab.GG))}}
                          for r in self.reasoned],
        }


def assure(dataset: Dataset, graphs: list[Graph], as_of: dt.date, *, reasoning: bool = True,
           shapes: bool = True, progress: Progress = lambda step: None, cache=None,
           origins: dict[str, str] | None = None) -> Quality:
    """Reason (baseline and each scenario) and validate the shapes. InconsistencyError (exit 1)
    when the data contradicts the ontology; shape findings are returned, not raised. `origins`:
    as build.build(origins=…) filled them, else worked out here."""
    from govgraph.reason import hermit
    from govgraph.reason.cache import Cache
    from govgraph.validate import shapes as shacl  # `shapes` is the flag

    origins = origins if origins is not None else mapping.record_origins(dataset)
    quality = Quality(report=shacl.Report(), origins=origins)
    if reasoning:
        ontology = next(g for g in graphs if g.identifier == iris.ONTOLOGY_GRAPH)
        quality.reasoned = hermit.reason_dataset(dataset, ontology, as_of, origins=origins, progress=progress,
                                                 cache=cache or Cache())
    if shapes:
        progress("Validating the shapes")
        quality.report.extend(shacl.validate_graphs(graphs, origins=origins))
    return quality


def run_checks(folder: Path, quality: Quality, progress: Progress = lambda step: None) -> None:
    """`_checks` here, their findings into `quality`."""
    progress("Running the quality checks")
    quality.report.extend(_checks(folder, quality.origins)[0])


def finish_quality(folder: Path, quality: Quality, summary: BuildSummary, *, strict: bool = False) -> None:
    """validation.json/.md into `folder` (the checks' findings in `quality` already); ConformanceError
    when the build must fail."""
    (folder / "validation.json").write_bytes(quality.report.to_json())
    (folder / "validation.md").write_bytes(quality.report.to_markdown())
    summary.quality = quality.counts()
    quality.report.raise_if_fails(strict)


def run_validate(data_dir: Path, *, as_of: dt.date = BASELINE, reasoning: bool = True, shapes: bool = True,
                 checks: bool = True, progress: Progress = lambda step: None) -> Quality:
    """`govgraph validate`: everything the build checks, writing nothing (the checks run on a
    throw-away store)."""
    import tempfile

    from govgraph.store import embedded

    dataset = load(data_dir)
    graphs = mapping.build(dataset)
    quality = assure(dataset, graphs, as_of, reasoning=reasoning, shapes=shapes, progress=progress)
    if checks:
        with tempfile.TemporaryDirectory(prefix="govgraph-validate-") as tmp:
            embedded.create(Path(tmp) / "store", serialise.ntriples_by_graph(graphs)
                            | {r.graph_iri: r.ntriples for r in quality.reasoned})
            run_checks(Path(tmp), quality, progress)
    return quality
