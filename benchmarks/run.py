"""One command for every benchmark: `python benchmarks/run.py [--quick]`.

Machines are shared and noisy, so every measurement is taken with its baseline in the same run, as
the median of several runs (govgraph and baseline interleaved), and reported as a ratio side by side —
never a lone absolute time. Results go to benchmarks/RESULTS.md and benchmarks/results.json (or
`--out PREFIX`).

Baselines: rdflib in memory (what a user would otherwise write), raw pyoxigraph (to show govgraph's
own overhead over the store it wraps), HermiT's consistency-only check (for realisation), networkx
exact betweenness (for sampling), the `oxigraph` server (for `govgraph serve`), and the bare
interpreter start (for `govgraph build`).

Slow baselines run in a forked child with a time limit, so one pathological rdflib query cannot
blow the time budget; a run cut off at the limit is reported as "> limit" and its ratio as a lower
bound (≥).

Benchmarks never run in the test command and assert nothing about times.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import json
import math
import multiprocessing as mp
import os
import platform
import pstats
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import pyoxigraph as ox  # noqa: E402
import rdflib  # noqa: E402

import synthetic  # noqa: E402
from govgraph.rdf import (
    mapping,
    serialise,  # noqa: E402
)
from govgraph.store import embedded, questions

CTX = mp.get_context("fork")
LIST_LIMIT = 60.0  # seconds for one run of a query over the explicit list of graphs


# -- timing helpers -------------------------------------------------------------------------------

def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    value = fn()
    return time.perf_counter() - t, value


def interleaved(fns: dict[str, Callable[[], Any]], repeat: int, warmup: int = 1) -> dict[str, list[float]]:
    """Run each function `repeat` times, round-robin (so drift on a shared machine hits all alike)."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            times[k].append(timed(fn)[0])
    return times


def _child(conn, fn):
    try:
        t = time.perf_counter()
        value = fn()
        conn.send(("ok", time.perf_counter() - t, value))
    except BaseException as exc:  # noqa: BLE001 - reported, not raised
        conn.send(("error", 0.0, f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def in_child(fn: Callable[[], Any], limit: float) -> tuple[str, float, Any]:
    """Run `fn` in a forked child (sharing the parent's loaded data); ("timeout", limit, None) past `limit`."""
    parent, child = CTX.Pipe(duplex=False)
    proc = CTX.Process(target=_child, args=(child, fn))
    proc.start()
    child.close()
    if parent.poll(limit):
        try:
            status, seconds, value = parent.recv()
        except EOFError:
            status, seconds, value = "error", 0.0, f"child died (exit {proc.exitcode})"
        proc.join()
        return status, seconds, value
    proc.kill()  # our own child, by its handle
    proc.join()
    return "timeout", limit, None


def fmt_s(x: float | None, cut: bool = False) -> str:
    if x is None or x != x:
        return "–"
    prefix = "> " if cut else ""
    if x >= 100:
        return f"{prefix}{x:.0f} s"
    if x >= 1:
        return f"{prefix}{x:.2f} s"
    if x >= 1e-3:
        return f"{prefix}{x * 1e3:.1f} ms"
    return f"{prefix}{x * 1e6:.0f} µs"


def fmt_ratio(r: float | None, lower_bound: bool = False) -> str:
    if r is None or r != r:
        return "–"
    return f"{'≥ ' if lower_bound else ''}{r:.1f}×" if r >= 10 else f"{'≥ ' if lower_bound else ''}{r:.2f}×"


def fmt_rate(n: float, s: float) -> str:
    if not s:
        return "–"
    r = n / s
    return f"{r / 1e6:.2f} M/s" if r >= 1e6 else f"{r / 1e3:.0f} k/s"


@dataclass
class Section:
    title: str
    intro: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: list[dict] = field(default_factory=list)


@dataclass
class Target:
    name: str
    goal: str
    measured: str
    status: str  # pass / miss / not measured
    why: str = ""


class Report:
    def __init__(self, args):
        self.args = args
        self.sections: list[Section] = []
        self.targets: list[Target] = []
        self.started = time.perf_counter()

    def add(self, s: Section) -> Section:
        self.sections.append(s)
        print(f"\n## {s.title}", flush=True)
        for row in s.rows:
            print("  " + " | ".join(row), flush=True)
        for n in s.notes:
            print("  note: " + n, flush=True)
        return s

    def target(self, t: Target) -> None:
        self.targets.append(t)
        print(f"  target {t.name}: {t.status} ({t.measured} vs {t.goal})", flush=True)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    versions = []
    for mod in ("pyoxigraph", "rdflib", "networkx", "owlready2", "pyvis"):
        try:
            versions.append(f"{mod} {importlib.metadata.version(mod)}")
        except Exception:  # noqa: BLE001
            pass
    return (f"{os.cpu_count()} cores ({cpu}){mem}; Python {platform.python_version()}; "
            f"{platform.system()} {platform.release()}; " + ", ".join(versions))


# -- synthetic data, built once per size ----------------------------------------------------------

@dataclass
class Built:
    size: synthetic.Size
    dataset: Any
    graphs: list
    triples: int
    nquads: bytes
    ntriples: dict  # graph IRI → N-Triples, what store.create loads
    out: Path  # a build folder holding store/


_ONTOLOGY = None


def ontology():
    global _ONTOLOGY
    if _ONTOLOGY is None:
        _ONTOLOGY = mapping.ontology_graph()
    return _ONTOLOGY


def make(size: synthetic.Size, workdir: Path) -> Built:
    ds = synthetic.dataset(size.countries, size.institutions)
    graphs = synthetic.graphs(ds, ontology=ontology())
    nt = serialise.ntriples_by_graph(graphs)
    nq = serialise.to_nquads(graphs, nt)
    out = workdir / f"out-{size.name}"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    embedded.create(out / "store", nt)
    return Built(size, ds, graphs, sum(len(g) for g in graphs), nq, nt, out)


# -- 1. build and load --------------------------------------------------------------------------

def bench_build_load(rep: Report, sizes: list[synthetic.Size], workdir: Path, repeat: int) -> dict[str, Built]:
    s = Section("Build and load",
                "Records → rdflib graphs (`build.build`) → canonical N-Quads (`build.to_nquads`, sorted, "
                "byte-stable) and Turtle; then loading the embedded store (`store.create`: each graph's N-Triples "
                "bulk-loaded on disk, in parallel threads, plus the baseline view in the default graph) against "
                "parsing the same N-Quads into an rdflib `Dataset` in memory. Load rates count the input triples "
                "(the view's copy is extra work, not extra triples). Canonical serialisation is compared with "
                "rdflib's plain (unsorted) N-Quads writer.",
                ["size", "triples", "records → RDF", "canonical N-Quads", "rdflib plain N-Quads", "canonical / plain",
                 "load: govgraph store", "load: rdflib memory", "rdflib / govgraph", "load rate govgraph",
                 "load rate rdflib", "pyoxigraph in memory (no disk)"])
    built: dict[str, Built] = {}
    best_rate = 0.0
    for size in sizes:
        print(f"  building {size.name} …", flush=True)
        b = make(size, workdir)
        built[size.name] = b
        n = b.triples
        reps = repeat if n < 500_000 else 2
        t_build = [timed(lambda: synthetic.graphs(b.dataset, ontology=ontology()))[0] for _ in range(reps)]

        def plain():
            ds = rdflib.Dataset()
            for g in b.graphs:
                target = ds.graph(g.identifier)
                for t in g:
                    target.add(t)
            return ds.serialize(format="nquads")

        ser = interleaved({"canonical": lambda: serialise.to_nquads(b.graphs), "plain": plain}, reps, warmup=0)
        tmp = workdir / "load-tmp"

        def load_ours():
            if tmp.exists():
                shutil.rmtree(tmp)
            return embedded.create(tmp, b.ntriples)

        def load_rdflib():
            ds = rdflib.Dataset()
            ds.parse(data=b.nquads, format="nquads")
            return len(ds)

        def load_raw_memory():  # what the store itself costs without disk (not what govgraph uses)
            st = ox.Store()
            st.bulk_load(b.nquads, format=ox.RdfFormat.N_QUADS)
            return len(st)

        loads = interleaved({"ours": load_ours, "rdflib": load_rdflib, "memory": load_raw_memory}, reps, warmup=0)
        shutil.rmtree(tmp, ignore_errors=True)
        lo, lr = median(loads["ours"]), median(loads["rdflib"])
        best_rate = max(best_rate, n / lo)
        s.rows.append([size.name, f"{n:,}", f"{fmt_s(median(t_build))} ({fmt_rate(n, median(t_build))})",
                       fmt_s(median(ser["canonical"])), fmt_s(median(ser["plain"])),
                       fmt_ratio(median(ser["canonical"]) / median(ser["plain"])),
                       fmt_s(lo), fmt_s(lr), fmt_ratio(lr / lo), fmt_rate(n, lo), fmt_rate(n, lr),
                       fmt_rate(n, median(loads["memory"]))])
        s.data.append({"size": size.name, "triples": n, "runs": reps, "build_s": t_build,
                       "canonical_nquads_s": ser["canonical"], "plain_nquads_s": ser["plain"],
                       "load_store_s": loads["ours"], "load_rdflib_s": loads["rdflib"],
                       "load_memory_s": loads["memory"]})
    s.notes.append("medians of the runs in `results.json`; 1M-triple sizes use fewer runs.")
    rep.add(s)
    rep.target(Target("load ≥ 250k triples/s", "≥ 250 k/s", f"{best_rate / 1e3:.0f} k/s (largest size measured)",
                      "pass" if best_rate >= 250_000 else "miss",
                      "" if best_rate >= 250_000 else
                      "store.create = pyoxigraph bulk loads on disk (RocksDB), one per graph in 2 threads, and the "
                      "baseline view again in the default graph; pyoxigraph's in-memory store loads ~3× faster"))
    return built


# -- 2. the query library -----------------------------------------------------------------------

def library() -> list[tuple[str, questions.Question]]:
    qs = []
    for folder in ("questions", "checks"):
        d = ROOT / "queries" / folder
        for p in sorted(d.glob("*.rq")):
            try:
                qs.append((f"{folder}/{p.stem}", questions.load_file(p)))
            except Exception as exc:  # noqa: BLE001 - a check that is not a parameterised question
                text = p.read_text(encoding="utf-8")
                qs.append((f"{folder}/{p.stem}", questions.Question(p.stem, p, p.stem, "", (), text)))
                print(f"  ({p.name}: header not a question: {exc}; run as plain SPARQL)")
    return qs


def sample_params(q: questions.Question, backend) -> dict[str, str] | None:
    """Values for a question's required parameters, taken from the data (None: cannot fill one)."""
    given: dict[str, str] = {}
    for p in q.params:
        if not p.required:
            continue
        if p.type == "record":
            _, rows = backend.select("PREFIX gg: <https://w3id.org/govgraph/ontology#> SELECT ?b WHERE "
                                     "{ ?d a gg:LeadDesignation ; gg:leadBody ?b } ORDER BY ?b LIMIT 1",
                                     graphs=backend.dataset_graphs())
            if not rows:
                return None
            given[p.name] = rows[0][0].value
        elif p.type == "country":
            _, rows = backend.select("PREFIX gg: <https://w3id.org/govgraph/ontology#> SELECT ?c WHERE "
                                     "{ ?x gg:iso3166Alpha2 ?c } ORDER BY ?c LIMIT 1", graphs=backend.dataset_graphs())
            if not rows:
                return None
            given[p.name] = rows[0][0].value
        elif p.type.startswith("concept:"):
            from govgraph.core.vocab import CONCEPT_SCHEMES
            given[p.name] = CONCEPT_SCHEMES[p.type.split(":", 1)[1]][0]
        else:
            return None
    return given


def bench_queries(rep: Report, built: dict[str, Built], sizes: list[str], repeat: int, rdflib_limit: float,
                  ours_limit: float = 120.0) -> None:
    qs = library()
    s = Section("Query library",
                f"Every query in queries/questions and queries/checks ({len(qs)} files), default parameters, over "
                "the default dataset (countries + ontology + sources). govgraph = `query.run(question, "
                "LocalStore(out))` (binding, VALUES rewriting, graph selection, rows materialised); raw = the same "
                "final SPARQL text on the same pyoxigraph store over the same dataset (the store's default graph, "
                "which holds the baseline view), rows materialised; list = raw with the dataset given as the "
                "explicit list of its named graphs instead (what govgraph did before the view; one run, "
                f"{LIST_LIMIT:.0f} s limit); rdflib = the same text on an rdflib `Dataset` (default graph = union) "
                "in memory. Row counts are checked equal.",
                ["size", "query", "rows", "govgraph", "raw pyoxigraph", "govgraph / raw", "raw, list of graphs",
                 "list / govgraph", "rdflib memory", "rdflib / govgraph"])
    rep.sections.append(s)  # written after each size (rep.flush), so a long run keeps what it has
    for name in sizes:
        b = built[name]
        big = b.triples > 500_000
        opens = [timed(lambda: embedded.LocalStore(b.out).dataset_graphs())[0] for _ in range(5)]
        s.notes.append(f"{name}: opening the store (`LocalStore(out)` and its graph list, once per `govgraph query` "
                       f"command) takes {fmt_s(median(opens))} (median of 5), not counted in the per-query times.")
        backend = embedded.LocalStore(b.out)
        graphs = backend.dataset_graphs()
        raw_store = backend.store
        print(f"  parsing {name} into rdflib …", flush=True)
        rds = rdflib.Dataset(default_union=True)
        rds.parse(data=b.nquads, format="nquads")
        tot = {"ours": 0.0, "raw": 0.0, "rdflib": 0.0, "ours_paired": 0.0, "list": 0.0}
        ratios: list[tuple[float, bool]] = []  # rdflib / govgraph per query, and whether rdflib was cut
        cut_queries: list[str] = []
        rd_cut = False
        for qname, q in qs:
            params = sample_params(q, backend)
            if params is None:
                s.notes.append(f"{qname}: skipped (a required parameter this runner cannot fill)")
                continue
            sparql = questions.with_values(q.text, questions.bind(q, params))

            def ours():
                return len(questions.run(q, backend, params=params).rows)

            def raw():
                res = raw_store.query(sparql, **embedded.query_dataset(raw_store, graphs))
                cols = [v.value for v in res.variables]
                return len([tuple(sol[c] for c in cols) for sol in res])

            def listed():
                res = raw_store.query(sparql, default_graph=graphs)
                cols = [v.value for v in res.variables]
                return len([tuple(sol[c] for c in cols) for sol in res])

            # first run in a child with its own read-only handle and a limit: a query that is slow on the
            # store itself (not only on rdflib) must not stall the whole benchmark
            def probe():
                return len(questions.run(q, embedded.LocalStore(b.out), params=params).rows)

            st_probe, t_probe, probe_value = in_child(probe, ours_limit / 2 if big else ours_limit)
            if st_probe != "ok":
                s.rows.append([name, qname, "–", fmt_s(t_probe, True) if st_probe == "timeout" else "error", "–", "–",
                               "–", "–", "not run", "–"])
                s.data.append({"size": name, "triples": b.triples, "query": qname, "govgraph_status": st_probe,
                               "govgraph_s": [t_probe], "error": str(probe_value)[:200]})
                s.notes.append(f"{name} {qname}: govgraph stopped at the {ours_limit:.0f} s limit on its first run "
                               "(slow on the store itself; the raw store is no faster); left out of the totals")
                cut_queries.append(qname)
                continue
            if big:  # at 1M: the probe was the first run; then a few interleaved runs (time budget)
                rows = probe_value
                times = interleaved({"ours": ours, "raw": raw}, 3, warmup=0)
            else:
                rows = ours()
                times = interleaved({"ours": ours, "raw": raw}, repeat, warmup=0)
            st_list, t_list, _ = in_child(listed, LIST_LIMIT)
            rd_times, rd_rows, rd_status, rd_err = [], None, "ok", ""
            budget = rdflib_limit
            for i in range(1 if b.triples > 500_000 else repeat):
                status, secs, value = in_child(lambda: len(list(rds.query(sparql))), budget)  # noqa: F821 (deleted after the loop)
                if status != "ok":
                    rd_status, rd_err = status, str(value)[:160]
                    if status == "timeout":
                        rd_times = [budget]
                    break
                rd_times.append(secs)
                rd_rows = value
                if sum(rd_times) > rdflib_limit:
                    break
            mo, mr, md = median(times["ours"]), median(times["raw"]), median(rd_times)
            tot["ours"] += mo
            tot["raw"] += mr
            if rd_times:  # the rdflib total pairs only the queries rdflib answered (or ran out of time on)
                tot["rdflib"] += md
                tot["ours_paired"] += mo
            else:
                known = (" — rdflib's aggregates fail on variables an OPTIONAL left unbound (RDFLib/rdflib#882, #2229)"
                         if "NotBoundError" in rd_err else "")
                s.notes.append(f"{name} {qname}: rdflib could not run it ({rd_err}){known}; left out of the rdflib "
                               "total")
            cut = rd_status == "timeout"
            rd_cut |= cut
            same = "" if rd_rows in (None, rows) else f" (rdflib: {rd_rows}!)"
            if rd_status == "error":
                same = " (rdflib failed)"
            list_cut = st_list == "timeout"
            tot["list"] += t_list
            tot["list_cut"] = tot.get("list_cut", False) or list_cut
            if rd_times:
                ratios.append((md / mo, cut))
            s.rows.append([name, qname, f"{rows:,}{same}", fmt_s(mo), fmt_s(mr), fmt_ratio(mo / mr),
                           fmt_s(t_list, list_cut) if st_list != "error" else "error",
                           fmt_ratio(t_list / mo, list_cut) if st_list != "error" else "–",
                           fmt_s(md, cut) if rd_times else "–", fmt_ratio(md / mo, cut) if rd_times else "–"])
            s.data.append({"size": name, "triples": b.triples, "query": qname, "rows": rows, "rdflib_rows": rd_rows,
                           "govgraph_s": times["ours"], "raw_s": times["raw"], "list_s": t_list,
                           "list_status": st_list, "rdflib_s": rd_times, "rdflib_status": rd_status})
        list_cut = tot.get("list_cut", False)
        s.rows.append([name, "**whole library**", "", f"**{fmt_s(tot['ours'])}**", f"**{fmt_s(tot['raw'])}**",
                       f"**{fmt_ratio(tot['ours'] / tot['raw'])}**", f"**{fmt_s(tot['list'], list_cut)}**",
                       f"**{fmt_ratio(tot['list'] / tot['ours'], list_cut)}**", f"**{fmt_s(tot['rdflib'], rd_cut)}**",
                       f"**{fmt_ratio(tot['rdflib'] / tot['ours_paired'], rd_cut)}**"])
        geo = math.exp(sum(math.log(r) for r, _ in ratios) / len(ratios)) if ratios else float("nan")
        geo_cut = any(c for _, c in ratios)
        s.rows.append([name, "geometric mean of the per-query ratios", "", "", "", "", "", "", "",
                       f"{fmt_ratio(geo, geo_cut)}"])
        s.data.append({"size": name, "triples": b.triples, "query": "TOTAL", "govgraph_s": tot["ours"],
                       "raw_s": tot["raw"], "list_s": tot["list"], "rdflib_s": tot["rdflib"],
                       "govgraph_paired_s": tot["ours_paired"], "rdflib_cut": rd_cut, "rdflib_geomean": geo})
        del rds
        if getattr(rep, "flush", None):
            rep.flush()
        if name == sizes[-1]:
            speed = tot["rdflib"] / tot["ours_paired"]
            over = tot["ours"] / tot["raw"]
            label = f"{name} ({b.triples:,} triples)" + (
                f", without {', '.join(cut_queries)} (govgraph stopped at its limit; not run on rdflib)" if cut_queries else "")
            rep.target(Target("query library ≥ 15× faster than rdflib", "≥ 15× at 1M triples",
                              f"{fmt_ratio(speed, rd_cut)} at {label}",
                              ("pass" if speed >= 15 else "miss") if b.triples > 500_000 else "not measured (quick)",
                              "" if speed >= 15 else "see per-query rows"))
            rep.target(Target("query library within 1.3× of raw pyoxigraph", "≤ 1.3×", f"{fmt_ratio(over)} at {label}",
                              "pass" if over <= 1.3 else "miss",
                              "" if over <= 1.3 else "per-call overhead of query.run dominates the small queries"))
    s.notes.append(f"{repeat} interleaved runs after a first run for govgraph and raw (at 1M: 3, after a first "
                   f"govgraph run in a child with a {ours_limit / 2:.0f} s limit), both on one open store, as the "
                   "Python API and the endpoint's workers use it; opening it is timed apart (above). rdflib in a "
                   f"forked child with a {rdflib_limit:.0f} s limit per query, one run at 1M.")
    for row in s.rows:
        print("  " + " | ".join(row), flush=True)


def profile_query_overhead(rep: Report, b: Built) -> None:
    """Where govgraph's per-query time goes beyond the raw store (cProfile over the library)."""
    backend = embedded.LocalStore(b.out)
    qs = library()
    pr = cProfile.Profile()
    pr.enable()
    filled = [(q, sample_params(q, backend)) for _, q in qs]
    for _ in range(3):
        for q, params in filled:
            if params is not None:
                questions.run(q, backend, params=params)
    pr.disable()
    buf = io.StringIO()
    pstats.Stats(pr, stream=buf).sort_stats("tottime").print_stats(12)
    s = Section(f"Profile: query.run over the library ×3 at {b.size.name} (cProfile, by own time)")
    s.notes.append("```\n" + "\n".join([l for l in buf.getvalue().splitlines() if l.strip()][:30]) + "\n```")
    rep.add(s)


def profile_build(rep: Report, b: Built) -> None:
    pr = cProfile.Profile()
    pr.enable()
    graphs = synthetic.graphs(b.dataset, ontology=ontology())
    serialise.to_nquads(graphs)
    pr.disable()
    buf = io.StringIO()
    pstats.Stats(pr, stream=buf).sort_stats("cumulative").print_stats(18)
    s = Section(f"Profile: build.build + to_nquads at {b.size.name} (cProfile, cumulative)")
    s.notes.append("```\n" + "\n".join([l for l in buf.getvalue().splitlines() if l.strip()][:35]) + "\n```")
    rep.add(s)


# -- 3. reasoning -------------------------------------------------------------------------------

def bench_reasoning(rep: Report, targets: list[int], limit: float) -> None:
    try:
        reason = importlib.import_module("govgraph.reason.hermit")
    except Exception as exc:  # noqa: BLE001
        rep.add(Section("Reasoning", f"not measured: govgraph.reason is not importable ({exc})"))
        return
    s = Section("Reasoning (HermiT via owlready2)",
                "`reason.reason(ontology, country graphs)`: consistency + realisation into the inferred graph, "
                "against `reason.check_consistency` (HermiT `-k`, consistency only) on the same input. "
                "Individuals = our IRIs with a type (institutions, bodies, memberships, levers, citations …). "
                f"One run each (JVM start included), limit {limit:.0f} s.",
                ["individuals (target)", "triples in", "reason (realise)", "consistency only", "realise / consistency",
                 "inferred triples"])
    onto = ontology()
    per_inst = 5.5  # measured individuals per synthetic institution (institutions, citations, memberships …)
    for target in targets:
        m = max(12, int(target / per_inst))
        countries = 1
        while m > 900:
            countries += 1
            m = int(target / per_inst / countries)
        ds = synthetic.dataset(countries, m, seed=7)
        data = [mapping.country_graph(c) for _, c in sorted(ds.countries.items())]
        triples = sum(len(g) for g in data)
        st, secs, value = in_child(lambda: (lambda r: (r.individuals, len(r.graph)))(reason.reason(onto, data)), limit)
        st2, secs2, _ = in_child(lambda: reason.check_consistency(onto, data), limit)
        ind, inferred = (value if st == "ok" else (None, None))
        cut1, cut2 = st == "timeout", st2 == "timeout"
        label = f"{ind:,}" if ind else f"~{target:,}"
        s.rows.append([f"{label} ({target:,})", f"{triples:,}",
                       fmt_s(secs, cut1) if st != "error" else f"error: {str(value)[:60]}",
                       fmt_s(secs2, cut2) if st2 != "error" else "error",
                       fmt_ratio(secs / secs2, cut1) if st == "ok" and st2 == "ok" else "–",
                       f"{inferred:,}" if inferred else "–"])
        s.data.append({"target": target, "individuals": ind, "triples": triples, "reason_s": secs, "reason_status": st,
                       "consistency_s": secs2, "consistency_status": st2, "inferred": inferred})
    rep.add(s)


# -- 4. analysis ----------------------------------------------------------------------------------

def network(n: int, seed: int = 1):
    """A projected-looking co-ordination network of about `n` nodes (the attributes analyse.py reads):
    a ministry → agency → unit hierarchy plus co-ordination bodies tied to their members."""
    import random

    import networkx as nx

    rng = random.Random(seed)
    G = nx.MultiDiGraph(country="zz", as_of="2016-06-30", scenario=None, leads=["lead"], dropped_edges=[])
    G.add_node("cog", kind="centre-of-government-office", label="CoG", levers=[], mandates=[], legal_basis=[])
    G.add_node("lead", kind="unit", label="Lead", lead=True, levers=[{"id": "lead-standards", "iri": "urn:lever:lead", "type": "standards", "binding": True}],
               mandates=[], legal_basis=["law"])
    G.add_edge("lead", "cog", key="part-of", type="part-of", weight=1.0, tie=True)
    n_min = max(3, n // 12)
    n_bodies = max(2, n // 14)
    rest = n - n_min - n_bodies - 2
    ministries = [f"m{i}" for i in range(n_min)]
    for m in ministries:
        G.add_node(m, kind="ministry", label=m, levers=[], mandates=[], legal_basis=[])
        G.add_edge(m, "cog", key="reports-to", type="reports-to", weight=1.0, tie=True)
    parents = list(ministries)
    for i in range(rest):
        kind = "agency" if i % 2 == 0 else "unit"
        node = f"i{i}"
        p = rng.choice(parents)
        G.add_node(node, kind=kind, label=node, levers=[{"id": f"{node}-budget", "iri": f"urn:lever:{node}", "type": "ict-budget",
                                                           "binding": True}] if i % 9 == 0 else [],
                   mandates=[], legal_basis=[])
        G.add_edge(node, p, key="part-of", type="part-of", weight=1.0, tie=True)
        if kind == "agency":
            parents.append(node)
    agents = list(G.nodes)
    for b in range(n_bodies):
        body = f"b{b}"
        G.add_node(body, kind="coordination-body", label=body, level="technical", levers=[], mandates=[],
                   legal_basis=[])
        for member in rng.sample(agents, min(len(agents), rng.randint(4, 12))):
            G.add_edge(member, body, key="member", type="member", weight=1.0, tie=True, membership=True)
    return G


def bench_analysis(rep: Report, sizes: list[int], limit: float) -> None:
    try:
        analyse = importlib.import_module("govgraph.analysis.metrics")
    except Exception as exc:  # noqa: BLE001
        rep.add(Section("Analysis", f"not measured: govgraph.analyse not importable ({exc})"))
        return
    import networkx as nx

    own = importlib.import_module("analysis") if (HERE / "analysis.py").exists() else None
    shapes = [("hierarchy", network)] + ([("preferential attachment", own.synthetic)] if own else [])
    P = analyse.Params()
    s = Section("Analysis (networkx and igraph)",
                "The network metrics the build computes per country, on synthetic co-ordination networks of two "
                "shapes: *hierarchy* (`run.network`: ministries, agencies and units in a tree under the centre, "
                "co-ordination bodies of 4–12 members; many cut points) and *preferential attachment* "
                "(`benchmarks/analysis.py`: Barabási–Albert, m = 2; hubs). govgraph = `analyse.betweenness` / "
                f"`analyse.closeness` (igraph in C): exact up to {P.exact_betweenness_max_nodes:,} nodes, above "
                f"that betweenness from {P.betweenness_samples} pivots (networkx's estimator, same pivots) and "
                f"closeness from {P.closeness_samples} pivots per large part, seed {P.seed}. Baselines: networkx "
                "doing the same (exact, or the same sampled estimator); networkx's exact betweenness past 5k nodes "
                "is estimated from its sampled run (time × n / k). `metrics + findings` = `analyse.metrics` and "
                "`analyse.findings`, everything the build computes for one network. Each step in a forked child "
                "with a limit.",
                ["shape", "nodes", "edges", "betweenness: networkx exact", "networkx sampled", "govgraph",
                 "networkx / govgraph", "closeness: networkx exact", "govgraph", "networkx / govgraph",
                 "metrics + findings", "of which findings"])
    worst_100k: tuple[str, float] | None = None
    for n in sizes:
        for shape, make in shapes:
            G = make(n)
            H = analyse.simple_graph(G)
            nodes = H.number_of_nodes()
            k = min(P.betweenness_samples, nodes)
            sampled_wanted = nodes > P.exact_betweenness_max_nodes
            st_ns, t_ns, _ = (in_child(lambda: nx.betweenness_centrality(H, k=k, normalized=True, seed=P.seed), limit)
                              if sampled_wanted else ("skipped", float("nan"), None))
            if nodes <= 5000:
                st_ne, t_ne, _ = in_child(lambda: nx.betweenness_centrality(H, normalized=True), limit)
                exact_txt = fmt_s(t_ne, st_ne == "timeout")
            else:
                st_ne, t_ne = "estimated", t_ns * nodes / k
                exact_txt = f"{'>' if st_ns == 'timeout' else '≈'} {fmt_s(t_ne)} (est.)"
            st_gb, t_gb, method = in_child(lambda: analyse.betweenness(H, P)[1]["method"], limit)
            base_bc, base_st = (t_ns, st_ns) if sampled_wanted else (t_ne, st_ne)
            st_nc, t_nc, _ = in_child(lambda: nx.closeness_centrality(H, wf_improved=True), limit)
            st_gc, t_gc, _ = in_child(lambda: analyse.closeness(H, P), limit)

            def metrics_then_findings():
                t = time.perf_counter()
                m = analyse.metrics(G, P)
                t_m = time.perf_counter() - t
                analyse.findings(G, m, P)
                return t_m, time.perf_counter() - t - t_m

            st_m, t_all, value = in_child(metrics_then_findings, limit)
            t_f = value[1] if st_m == "ok" else None
            bc_ratio = (fmt_ratio(base_bc / t_gb, base_st == "timeout") if st_gb == "ok" and base_st in
                        ("ok", "timeout") else "–")
            s.rows.append([shape, f"{nodes:,}", f"{H.number_of_edges():,}", exact_txt,
                           fmt_s(t_ns, st_ns == "timeout") if sampled_wanted else "–",
                           f"{fmt_s(t_gb, st_gb == 'timeout')} ({method})" if st_gb == "ok" else st_gb, bc_ratio,
                           fmt_s(t_nc, st_nc == "timeout"), fmt_s(t_gc, st_gc == "timeout"),
                           fmt_ratio(t_nc / t_gc, st_nc == "timeout") if st_gc == "ok" else "–",
                           fmt_s(t_all, st_m == "timeout"), fmt_s(t_f) if t_f is not None else "–"])
            s.data.append({"shape": shape, "nodes": nodes, "edges": H.number_of_edges(), "nx_exact_s": t_ne,
                           "nx_exact_status": st_ne, "nx_sampled_s": t_ns, "nx_sampled_status": st_ns,
                           "samples": k, "govgraph_betweenness_s": t_gb, "govgraph_betweenness_method": method,
                           "nx_closeness_s": t_nc, "nx_closeness_status": st_nc, "govgraph_closeness_s": t_gc,
                           "metrics_findings_s": t_all, "metrics_status": st_m, "findings_s": t_f})
            if n >= 100_000:
                t = t_all if st_m == "ok" else float("inf")
                if worst_100k is None or t > worst_100k[1]:
                    worst_100k = (shape, t)
    s.notes.append(f"limit per step: {limit:.0f} s; \"> limit\" means it was stopped there. nx-parallel, the "
                   "networkx backend the issue suggests, was tried: its latest release (0.3) does not import with "
                   "networkx 3.6 (`ImportError: _rescale_e`), and once installed it breaks networkx's own "
                   "`betweenness_centrality` dispatch, so it is not measured (docs/scaling.md).")
    rep.add(s)
    if worst_100k is None:
        rep.target(Target("100k-node analysis < 30 s", "< 30 s", "not measured (quick)", "not measured"))
    else:
        shape, t = worst_100k
        ok = t < 30
        rep.target(Target("100k-node analysis < 30 s", "< 30 s, documented sampling",
                          f"{fmt_s(t) if t != float('inf') else '> limit'} (metrics + findings, slowest shape: {shape})",
                          "pass" if ok else "miss",
                          f"betweenness {P.betweenness_samples} pivots, closeness {P.closeness_samples} pivots "
                          "(docs/analysis.md)"))


# -- 5. maps --------------------------------------------------------------------------------------

def open_in_browser(path: Path, limit: float) -> str:
    """Seconds until a map page opened from file:// in headless chromium has built its map and drawn
    two frames; "–" when chromium or Playwright is missing."""
    chromium = Path("/usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "– (no Playwright)"
    if not chromium.exists():
        return "– (no chromium)"
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"]
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(chromium), args=args)
            try:
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                t = time.perf_counter()
                page.goto(path.as_uri())
                page.wait_for_function("window.govgraphMaps && Object.keys(window.govgraphMaps).length >= 1",
                                       timeout=limit * 1000)
                page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
                return fmt_s(time.perf_counter() - t)
            finally:
                browser.close()
    except Exception as exc:  # noqa: BLE001 - reported in the table
        return f"failed: {type(exc).__name__}"


def bench_render(rep: Report, sizes: list[int], workdir: Path, limit: float) -> None:
    try:
        render = importlib.import_module("govgraph.site.pages")
        facts = importlib.import_module("govgraph.site.details")
    except Exception as exc:  # noqa: BLE001
        rep.add(Section("Maps", f"not measured: govgraph.site is not importable ({type(exc).__name__})."))
        return
    from govgraph.curated.model import BASELINE

    s = Section("Maps (pyvis + vis-network, one self-contained page)",
                "One synthetic country per size (about N nodes = institutions + co-ordination bodies) in its own "
                "store. govgraph = `render.analysis_doc` (projection + analysis) then `render.map_page(doc, "
                "render.details(...), inline=True)` — what `render.standalone_map` does; baseline = a plain pyvis "
                "`Network` of the same nodes and edges, `generate_html()` (CDN links, no layout, no tooltips, "
                "no analysis). One run each in a forked child. *Opens in chromium* = Debian's chromium, headless, "
                "from `file://` until the map is built and two frames are drawn (the page needs no network).",
                ["nodes", "edges", "analysis_doc", "map_page (render only)", "page size", "plain pyvis", "plain size",
                 "render / plain pyvis", "physics", "opens in chromium"])
    for n in sizes:
        m_inst = max(12, int(n / 1.09))
        ds = synthetic.dataset(1, m_inst, seed=3)
        out = workdir / f"map-{n}"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        embedded.create(out / "store", serialise.ntriples_by_graph(synthetic.graphs(ds, ontology=ontology())))
        db = embedded.open_store(out)
        cc = next(iter(ds.countries))

        def doc_only():
            doc = render.analysis_doc(db, cc, as_of=BASELINE)  # noqa: F821 (deleted after use)
            return doc

        st_d, t_d, doc = in_child(doc_only, limit)
        if st_d != "ok":
            s.rows.append([f"~{n:,}", "–", fmt_s(t_d, st_d == "timeout") if st_d == "timeout" else f"error: {str(doc)[:60]}",
                           "–", "–", "–", "–", "–", "–"])
            continue

        html_path = out / "map.html"

        def page():
            html_path.write_text(render.map_page(doc, facts.details(db, doc), inline=True),  # noqa: F821
                                 encoding="utf-8")
            return html_path.stat().st_size

        def plain():
            from pyvis.network import Network

            net = Network(directed=True)
            for node in doc["nodes"]:
                net.add_node(str(node["id"]), label=str(node.get("label", node["id"])))
            for e in doc["edges"]:
                net.add_edge(str(e["source"]), str(e["target"]))
            return len(net.generate_html().encode())

        st_p, t_p, size_p = in_child(page, limit)
        st_b, t_b, size_b = in_child(plain, limit)
        nodes, edges = len(doc["nodes"]), len(doc["edges"])
        physics = "off" if nodes > getattr(render, "PHYSICS_MAX_NODES", 10 ** 9) else "on"
        s.rows.append([f"{nodes:,}", f"{edges:,}", fmt_s(t_d),
                       fmt_s(t_p, st_p == "timeout") if st_p != "error" else f"error: {str(size_p)[:60]}",
                       f"{size_p / 1e6:.2f} MB" if st_p == "ok" else "–", fmt_s(t_b, st_b == "timeout"),
                       f"{size_b / 1e6:.2f} MB" if st_b == "ok" else "–",
                       fmt_ratio(t_p / t_b) if st_p == st_b == "ok" else "–", physics,
                       open_in_browser(html_path, limit) if st_p == "ok" else "–"])
        s.data.append({"target_nodes": n, "nodes": nodes, "edges": edges, "analysis_doc_s": t_d,
                       "map_page_s": t_p, "map_page_status": st_p, "page_bytes": size_p, "pyvis_s": t_b,
                       "pyvis_bytes": size_b})
        del db
    rep.add(s)


# -- 6. the endpoint ---------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str, deadline: float) -> bool:
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            time.sleep(0.2)
    return False


def load_test(base: str, requests: list[tuple[str, bytes]], clients: int, seconds: float) -> dict:
    """`clients` threads POST the requests round-robin for `seconds`; latencies, throughput, errors."""
    import http.client

    url = urllib.parse.urlsplit(base)
    lat: list[float] = []
    errors: list[str] = []
    done = threading.Event()
    lock = threading.Lock()

    def client(i: int):
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        j = i
        while not done.is_set():
            path, body = requests[j % len(requests)]
            j += 1
            t = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/sparql-results+json"})
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
                err = f"HTTP {resp.status}"
            except Exception as exc:  # noqa: BLE001
                ok, err = False, type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
            dt_ = time.perf_counter() - t
            with lock:
                if ok:
                    lat.append(dt_)
                else:
                    errors.append(err)
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(seconds)
    done.set()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat.sort()
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")  # noqa: E731
    return {"requests": len(lat), "errors": len(errors), "error_kinds": sorted(set(errors))[:5],
            "throughput": len(lat) / wall, "p50": pick(0.5), "p99": pick(0.99), "wall": wall}


def bench_serve(rep: Report, b: Built | None, real_out: Path | None, clients: int, seconds: float) -> None:
    try:
        importlib.import_module("govgraph.serve.app")
    except Exception as exc:  # noqa: BLE001
        rep.add(Section("Endpoint", f"not measured: govgraph.serve not present ({type(exc).__name__})"))
        rep.target(Target("zero errors under load", "0 errors", "–", "not measured", "serve.py missing"))
        return
    s = Section("Endpoint under load (loopback)",
                f"{clients} concurrent clients POST the query library (default parameters, no graphs named: both "
                "servers answer over the store's default graph, the baseline view `govgraph query` uses) "
                f"round-robin for {seconds:.0f} s to `govgraph serve` (default 4 worker processes) and, as "
                "baseline, to the `oxigraph serve-read-only` server on the same store.",
                ["data", "server", "requests", "throughput", "p50", "p99", "errors", "govgraph / oxigraph throughput"])
    targets_total_errors = 0
    cases = []
    if real_out is not None:
        cases.append(("real dataset", real_out))
    if b is not None:
        cases.append((f"synthetic {b.size.name}", b.out))
    for label, out in cases:
        backend = embedded.LocalStore(out)
        reqs = []
        for _, q in library():
            params = sample_params(q, backend)
            if params is None:
                continue
            sparql = questions.with_values(q.text, questions.bind(q, params))
            form = [("query", sparql)]
            reqs.append(("/sparql", urllib.parse.urlencode(form).encode()))
        del backend
        results = {}
        for server in ("govgraph", "oxigraph"):
            port = _free_port()
            if server == "govgraph":
                cmd = [sys.executable, "-m", "govgraph", "serve", "--out", str(out), "--port", str(port)]
                path = "/sparql"
            else:
                beside = Path(sys.executable).with_name("oxigraph")
                exe = str(beside) if beside.is_file() else shutil.which("oxigraph")
                if exe is None:
                    continue
                cmd = [exe, "serve-read-only", "--location", str(out / "store"), "--bind", f"127.0.0.1:{port}"]
                path = "/query"
            # the server's log goes to a file: a pipe nobody reads fills after ~64 KiB of request lines
            # and then blocks the server mid-request (every client times out)
            with tempfile.TemporaryFile() as log:
                proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log)
                try:
                    base = f"http://127.0.0.1:{port}"
                    if not _wait(base + path, time.time() + 30):
                        log.seek(0)
                        err = log.read()[-2000:].decode(errors="replace") if proc.poll() is not None else "no answer"
                        s.rows.append([label, server, "–", "–", "–", "–", f"did not start: {err[:80]}", ""])
                        continue
                    r = load_test(base, [(path, body) for _, body in reqs], clients, seconds)
                    results[server] = r
                finally:
                    proc.terminate()  # our own child, by its handle
                    try:
                        proc.wait(10)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()
        for server, r in results.items():
            ratio = ""
            if server == "govgraph" and "oxigraph" in results and results["oxigraph"]["throughput"]:
                ratio = fmt_ratio(r["throughput"] / results["oxigraph"]["throughput"])
            s.rows.append([label, server, f"{r['requests']:,}", f"{r['throughput']:.0f} req/s", fmt_s(r["p50"]),
                           fmt_s(r["p99"]), f"{r['errors']}" + (f" ({', '.join(r['error_kinds'])})" if r["errors"] else ""),
                           ratio])
            s.data.append({"data": label, "server": server, **r})
            if server == "govgraph":
                targets_total_errors += r["errors"]
    rep.add(s)
    if any(d["server"] == "govgraph" for d in s.data):
        rep.target(Target("zero errors under load", "0 errors", f"{targets_total_errors} errors",
                          "pass" if targets_total_errors == 0 else "miss"))
    else:
        rep.target(Target("zero errors under load", "0 errors", "–", "not measured", "the server did not start"))


def bench_starvation(rep: Report, out: Path | None, runaways: int = 4, probes: int = 10) -> None:
    """A cheap ASK's latency while `runaways` long queries hold every regular worker: `govgraph serve`
    as shipped (one reserved worker for short queries) beside the same server with no reserved
    worker (the design before), on the same build."""
    s = Section("Endpoint: a cheap query while runaways run",
                f"{runaways} copies of a triple cross product (each stopped at the 30 s limit) keep the "
                f"{runaways} regular workers busy; meanwhile {probes} `ASK {{ ?s ?p ?o }}` are sent one "
                "after another. Latency of those probes, with and without the reserved worker.",
                ["server", "reserved workers", "probes answered", "p50", "max", "without / with (max)"])
    if out is None or not (out / "store").exists():
        s.rows.append(["–", "–", "not measured: no build", "", "", ""])
        rep.add(s)
        return
    slow = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"})
    ask = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    results = {}
    for reserved in (1, 0):
        port = _free_port()
        log = out.parent / f"starvation-{reserved}.log"
        with log.open("wb") as sink:
            proc = subprocess.Popen([sys.executable, "-m", "govgraph", "serve", "--out", str(out), "--port", str(port),
                                     "--workers", str(runaways), "--reserved", str(reserved)], stdout=sink, stderr=sink)
            try:
                base = f"http://127.0.0.1:{port}"
                if not _wait(base + "/query", time.time() + 60):
                    results[reserved] = None
                    continue
                threads = [threading.Thread(target=lambda: _get(f"{base}/sparql?{slow}", 60)) for _ in range(runaways)]
                for t in threads:
                    t.start()
                time.sleep(1.0)  # the runaways reach the workers
                lat, ok = [], 0
                for _ in range(probes):
                    t0 = time.perf_counter()
                    status = _get(f"{base}/sparql?{ask}", 60)
                    lat.append(time.perf_counter() - t0)
                    ok += status == 200
                results[reserved] = {"ok": ok, "p50": statistics.median(lat), "max": max(lat)}
                for t in threads:
                    t.join()
            finally:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    for reserved in (1, 0):
        r = results.get(reserved)
        if r is None:
            s.rows.append(["govgraph serve", str(reserved), "did not start", "", "", ""])
            continue
        ratio = ""
        if reserved == 1 and results.get(0):
            ratio = fmt_ratio(results[0]["max"] / r["max"]) if r["max"] else ""
        s.rows.append(["govgraph serve", str(reserved), f"{r['ok']} of {probes}", fmt_s(r["p50"]), fmt_s(r["max"]), ratio])
        s.data.append({"reserved": reserved, **r})
    rep.add(s)


def _get(url: str, timeout: float) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


# -- 7. govgraph build end to end -------------------------------------------------------------------

def bench_e2e(rep: Report, workdir: Path, e2e_runs: int, step_runs: int) -> Path | None:
    """`govgraph build` on the real dataset in the four states a user meets: a fresh clone (no
    out/), every country changed (nothing cached but the ontology's pages), one country's file
    changed (a confidence toggled in the first country file: its graph and its reasoning group
    change), and unchanged input."""
    from govgraph import pipeline

    data = workdir / "real-data"
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(ROOT / "graph", data)
    edited = sorted((data / "countries").glob("*.yaml"))[0]
    out = workdir / "real-out"
    s = Section("`govgraph build` on the real dataset",
                "End to end = `python -m govgraph build` as a subprocess (interpreter start and imports included), "
                "in four states: *fresh* = no out/ (nothing cached, as on a new clone); *every country changed* = "
                "out/cache emptied but for the ontology's pages (every file parsed, serialised and reasoned again); "
                f"*one country changed* = the first `confidence:` of {edited.name} toggled between confirmed and "
                "reported before each build (that country's graph and its reasoning group change, the rest is "
                "reused from out/cache); *unchanged* = everything cached. Baseline = the bare interpreter start "
                "(`python -c pass`) and `import govgraph.cli`. Steps = the pipeline's own progress messages in the "
                "*one country changed* state, timed in-process (`pipeline.run_build(progress=…)`): each step runs "
                "from its message to the next one.",
                ["measure", "median", "runs", "share of *one country changed*"])
    bare, imp = [], []
    for _ in range(max(e2e_runs, 1)):
        bare.append(timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))[0])
        imp.append(timed(lambda: subprocess.run([sys.executable, "-c", "import govgraph.cli"], check=True))[0])

    def build_once() -> float:
        t, proc = timed(lambda: subprocess.run([sys.executable, "-m", "govgraph", "build", "--data", str(data),
                                                "--out", str(out)], capture_output=True))
        if proc.returncode not in (0, 1):
            s.notes.append(f"build exited {proc.returncode}: {proc.stderr.decode(errors='replace')[-400:]}")
        return t

    def empty_cache() -> None:
        for kind in (out / "cache").glob("*"):
            if kind.name != "ontodoc":
                shutil.rmtree(kind, ignore_errors=True)

    def edit_one_country() -> None:
        text = edited.read_text(encoding="utf-8")
        a, b = "confidence: confirmed", "confidence: reported"
        first = min((i for i in (text.find(a), text.find(b)) if i >= 0))
        old, new = (a, b) if text.startswith(a, first) else (b, a)
        edited.write_text(text[:first] + new + text[first + len(old):], encoding="utf-8")

    states = {"fresh": lambda: shutil.rmtree(out, ignore_errors=True),
              "every country changed": empty_cache,
              "one country changed": edit_one_country,
              "unchanged": lambda: None}
    e2e: dict[str, list[float]] = {k: [] for k in states}
    for _ in range(e2e_runs):  # round-robin: each state is prepared from the build before it
        for state, prepare in states.items():
            prepare()
            e2e[state].append(build_once())
    steps: dict[str, list[float]] = {}
    order: list[str] = []
    if not (out / "store").is_dir():
        pipeline.run_build(data, out)
    for _ in range(step_runs):
        edit_one_country()
        marks: list[tuple[str, float]] = []
        t0 = time.perf_counter()
        pipeline.run_build(data, out, progress=lambda step: marks.append((step, time.perf_counter())))
        end = time.perf_counter()
        for i, (step, t) in enumerate(marks):
            nxt = marks[i + 1][1] if i + 1 < len(marks) else end
            steps.setdefault(step, []).append(nxt - t)
            if step not in order:
                order.append(step)
        steps.setdefault("(in-process total)", []).append(end - t0)
    estimated = not e2e["one country changed"]
    total = median(imp) + median(steps["(in-process total)"]) if estimated else median(e2e["one country changed"])
    for state in states:
        if e2e[state]:
            bold = "**" if state in ("fresh", "one country changed") else ""  # the states the targets judge
            s.rows.append([f"{bold}end to end, {state}{bold}", f"{bold}{fmt_s(median(e2e[state]))}{bold}",
                           str(len(e2e[state])), f"{median(e2e[state]) / total:.0%}"])
    if estimated:
        s.rows.append(["**end to end, one country changed** (est.: import + in-process total)",
                       f"**{fmt_s(total)}**", "–", "100%"])
    s.rows.append(["bare interpreter start", fmt_s(median(bare)), str(len(bare)), f"{median(bare) / total:.0%}"])
    s.rows.append(["interpreter + `import govgraph.cli`", fmt_s(median(imp)), str(len(imp)), f"{median(imp) / total:.0%}"])
    for step in order + ["(in-process total)"]:
        s.rows.append([f"step: {step}", fmt_s(median(steps[step])), str(len(steps[step])),
                       f"{median(steps[step]) / total:.0%}"])
    s.data.append({"e2e_s": e2e, "bare_s": bare, "import_s": imp, "steps": steps, "order": order})
    rep.add(s)
    slow = sorted(order, key=lambda k: -median(steps[k]))[:3]
    rep.target(Target("real build < 5 s after one country's file changed", "< 5 s",
                      f"{fmt_s(total - median(bare))} (end to end {fmt_s(total)} minus bare start {fmt_s(median(bare))})",
                      "pass" if total - median(bare) < 5 else "miss",
                      "reasoning, validation, analysis, maps all run; unchanged files, graph serialisations, "
                      "each country's reasoning and the ontology's pages come from out/cache" +
                      ("" if total - median(bare) < 5 else
                       "; slowest steps: " + "; ".join(f"{k} {fmt_s(median(steps[k]))}" for k in slow))))
    if e2e["fresh"]:
        fresh = median(e2e["fresh"]) - median(bare)
        rep.target(Target("fresh real build < 20 s (nothing cached)", "< 20 s",
                          f"{fmt_s(fresh)} (end to end {fmt_s(median(e2e['fresh']))} minus bare start)",
                          "pass" if fresh < 20 else "miss", "31 countries, 3 scenarios, 2 cores"))
    return out if (out / "store").is_dir() else None


# -- the report -------------------------------------------------------------------------------------

def write(rep: Report, path_md: Path, path_json: Path) -> None:
    a = rep.args
    old_sections, old_targets = getattr(rep, "merged", ([], []))
    titles = {s.title for s in rep.sections}
    names = {t.name for t in rep.targets}
    sections = [s for s in old_sections if s.title not in titles] + rep.sections
    targets = [t for t in old_targets if t.name not in names] + rep.targets
    lines = ["# govgraph benchmarks", "",
             f"Generated by `python benchmarks/run.py{' --quick' if a.quick else ''}` (took "
             f"{(time.perf_counter() - rep.started) / 60:.1f} min). Machine: {machine()}.", "",
             "Every number sits beside its baseline measured in the same run; times are medians of several "
             "interleaved runs on a shared, noisy machine — read the ratios, not the absolute times. "
             "Synthetic data comes from `benchmarks/synthetic.py` (seeded, built through govgraph's own "
             "records and `build`). Raw numbers: `" + path_json.name + "`." + (
                 " This report joins two parts of one benchmark session (`--merge`): the sections not re-measured "
                 "come from the first part." if old_sections else ""), "",
             "## Targets (issue 9)", "", "| target | goal | measured | result | note |", "|---|---|---|---|---|"]
    for t in targets:
        mark = {"pass": "**pass**", "miss": "**miss**"}.get(t.status, t.status)
        lines.append(f"| {t.name} | {t.goal} | {t.measured} | {mark} | {t.why} |")
    for s in sections:
        lines += ["", f"## {s.title}", ""]
        if s.intro:
            lines += [s.intro, ""]
        if s.header and s.rows:
            lines.append("| " + " | ".join(s.header) + " |")
            lines.append("|" + "---|" * len(s.header))
            lines += ["| " + " | ".join(r) + " |" for r in s.rows]
            lines.append("")
        for n in s.notes:
            lines += [n, ""]
    path_md.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    doc = {"quick": a.quick, "machine": machine(), "targets": [t.__dict__ for t in targets],
           "sections": [{"title": s.title, "intro": s.intro, "header": s.header, "rows": s.rows, "notes": s.notes,
                         "data": s.data} for s in sections]}
    path_json.write_text(json.dumps(doc, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print(f"\nwrote {path_md} and {path_json}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes only (CI; a few minutes on 2 cores)")
    ap.add_argument("--out", default=None, help="prefix for the report files (default benchmarks/RESULTS.md + results.json)")
    ap.add_argument("--merge", default=None, help="results JSON of an earlier run: keep its sections and targets "
                    "that this run does not re-measure (for a run done in parts)")
    ap.add_argument("--only", default="", help="comma list: build,query,reason,analysis,render,serve,e2e")
    args = ap.parse_args(argv)
    quick = args.quick
    only = set(filter(None, args.only.split(",")))
    want = lambda k: not only or k in only  # noqa: E731
    if args.out:
        md, js = Path(args.out + ".md"), Path(args.out + ".json")
    elif quick:
        md, js = HERE / "RESULTS-quick.md", HERE / "results-quick.json"
    else:
        md, js = HERE / "RESULTS.md", HERE / "results.json"
    rep = Report(args)
    merged: list[Section] = []
    merged_targets: list[Target] = []
    if args.merge:
        earlier = json.loads(Path(args.merge).read_text(encoding="utf-8"))
        for sec in earlier["sections"]:
            merged.append(Section(sec["title"], sec.get("intro", ""), sec["header"], sec["rows"], sec.get("notes", []),
                                  sec["data"]))
        merged_targets = [Target(**t) for t in earlier["targets"]]
    rep.merged = (merged, merged_targets)
    rep.flush = lambda: write(rep, md, js)
    workdir = Path(tempfile.mkdtemp(prefix="govgraph-bench-"))
    try:
        sizes = ["10k"] if quick else ["10k", "100k", "1m"]
        query_sizes = ["10k"] if quick else ["100k", "1m"]
        built: dict[str, Built] = {}
        steps: list[tuple[str, Callable[[], Any]]] = []
        real_out_ref: list[Path | None] = [None]
        # most valuable first: RESULTS.md is rewritten after every step, so a cut-short run keeps them
        if want("build"):
            steps.append(("build", lambda: built.update(bench_build_load(
                rep, [synthetic.SIZES[n] for n in sizes], workdir, 3 if quick else 5))))
        elif want("query") or want("serve"):
            steps.append(("data", lambda: built.update({n: make(synthetic.SIZES[n], workdir) for n in query_sizes})))
        if want("query"):
            steps.append(("query", lambda: bench_queries(rep, built, query_sizes, 3 if quick else 5,
                                                         20 if quick else 30)))
        if want("e2e") or want("serve"):
            steps.append(("e2e", lambda: real_out_ref.__setitem__(0, bench_e2e(rep, workdir, 1 if quick else 3, 1))))
        if want("serve"):
            steps.append(("serve", lambda: bench_serve(rep, built.get("100k") or built.get("10k"), real_out_ref[0],
                                                       16, 5 if quick else 30)))
            steps.append(("starvation", lambda: bench_starvation(rep, real_out_ref[0])))
        if want("analysis"):
            steps.append(("analysis", lambda: bench_analysis(rep, [1000] if quick else [1000, 10_000, 100_000],
                                                             60 if quick else 120)))
        if want("reason"):
            steps.append(("reason", lambda: bench_reasoning(rep, [1000] if quick else [1000, 10_000, 50_000],
                                                            60 if quick else 180)))
        if want("render"):
            steps.append(("render", lambda: bench_render(rep, [100] if quick else [100, 1000, 5000], workdir,
                                                         60 if quick else 180)))
        if want("query"):
            steps.append(("profile", lambda: profile_query_overhead(rep, built[query_sizes[-1]])))
        if (want("build") or "profile" in only) and not quick:
            steps.append(("profile-build", lambda: profile_build(rep, built["100k"])))
        for name, fn in steps:
            t = time.perf_counter()
            print(f"\n[{name}] …", flush=True)
            try:
                fn()
            except Exception:  # noqa: BLE001 - one broken benchmark must not lose the others
                tb = traceback.format_exc()
                print(tb, file=sys.stderr)
                rep.add(Section(f"{name}: failed", "", notes=["```\n" + tb[-1500:] + "\n```"]))
            print(f"[{name}] {time.perf_counter() - t:.0f} s", flush=True)
            write(rep, md, js)  # keep what we have, even if a later step dies
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
