"""Benchmark the network metrics on synthetic arrangements of 1k, 10k and 100k bodies.

Not part of the test suite. Run:  python benchmarks/analysis.py [--sizes 1000 10000 100000]

Synthetic graph: a preferential-attachment backbone (Barabási–Albert, m = 2: a few hub bodies, many
small ones, as in a government with a few co-ordinating ministries) with institution kinds, one lead
body, and typed weighted edges, built as the projection builds them. Reports, side by side, the time
of each metric and, for betweenness, exact (Brandes) against sampled (k pivots, fixed seed): the time
ratio and how well the sample keeps the top of the ranking. Exact betweenness is skipped above
--exact-max nodes (O(nm): hours at 100k); the output says so.
"""

from __future__ import annotations

import argparse
import random
import time

import networkx as nx

from govgraph.analysis import findings, metrics
from govgraph.analysis.metrics import Params


def synthetic(n: int, seed: int = 1) -> nx.MultiDiGraph:
    rng = random.Random(seed)
    base = nx.barabasi_albert_graph(n, 2, seed=seed)
    G = nx.MultiDiGraph(leads=[0])
    kinds = ["ministry", "agency", "unit", "coordination-body", "autonomous-body"]
    for v in base:
        G.add_node(v, kind=rng.choice(kinds), lead=(v == 0), levers=[], mandates=[], legal_basis=[],
                   no_legal_basis_found=False, level="senior-official", label=str(v))
    types = [("member", 1.0), ("chair", 1.5), ("part-of", 1.0), ("reports-to", 1.0), ("oversees", 1.0)]
    for u, v in base.edges():
        t, w = rng.choice(types)
        G.add_edge(u, v, key=t, type=t, weight=w, tie=True, membership=t in ("member", "chair"))
    return G


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start


def top_overlap(a: dict, b: dict, k: int = 20) -> float:
    ta = set(sorted(a, key=lambda x: -a[x])[:k])
    tb = set(sorted(b, key=lambda x: -b[x])[:k])
    return len(ta & tb) / k


def run(sizes: list[int], samples: int, exact_max: int) -> None:
    print(f"{'nodes':>8} {'edges':>8} | {'degree':>8} {'closeness':>9} {'pagerank':>8} {'constraint':>10} "
          f"{'artic.':>7} {'findings':>8} | {'bc exact':>9} {'bc sampled':>10} {'ratio':>6} {'top20':>6} {'maxerr':>7}")
    for n in sizes:
        G = synthetic(n)
        H, t_simple = timed(metrics.simple_graph, G)
        _, t_deg = timed(metrics.degree, H)
        _, t_clo = timed(metrics.closeness, H) if n <= exact_max else (None, float("nan"))
        _, t_pr = timed(metrics.pagerank, H)
        _, t_con = timed(metrics.constraint, H)
        _, t_art = timed(lambda: (metrics.articulation_points(H), metrics.bridges(H), metrics.components(H)))
        p = Params(exact_betweenness_max_nodes=0, betweenness_samples=min(samples, n))
        (sampled, how), t_s = timed(metrics.betweenness, H, p)
        if n <= exact_max:
            (exact, _), t_e = timed(metrics.betweenness, H, Params(exact_betweenness_max_nodes=n))
            ratio, overlap = t_e / t_s, top_overlap(exact, sampled)
            maxerr = max(abs(exact[v] - sampled[v]) for v in H)
            exact_text = f"{t_e:9.2f}"
        else:
            ratio = overlap = maxerr = float("nan")
            exact_text = f"{'skipped':>9}"
        m = metrics.Metrics(degree=metrics.degree(H), betweenness=sampled, betweenness_method=how,
                            closeness={v: 0.0 for v in H}, pagerank=metrics.pagerank(H),
                            constraint={v: None for v in H}, effective_size={v: None for v in H},
                            articulation_points=metrics.articulation_points(H), bridges=[],
                            components=metrics.components(H))
        _, t_find = timed(lambda: [r(G, m, Params()) for r in (findings.find_lead_not_central, findings.find_low_reach,
                                                               findings.find_fragmented)])
        print(f"{n:>8} {H.number_of_edges():>8} | {t_deg:8.3f} {t_clo:9.2f} {t_pr:8.3f} {t_con:10.2f} "
              f"{t_art:7.3f} {t_find:8.3f} | {exact_text} {t_s:10.2f} {ratio:6.1f} {overlap:6.2f} {maxerr:7.4f}")
    print(f"\nseconds; sampled betweenness uses {samples} pivots, seed {Params().seed}; ratio = exact/sampled time; "
          "top20 = share of the exact top-20 brokers the sample also ranks top-20; maxerr = largest absolute "
          "error of normalised betweenness. The analysis picks exact up to "
          f"{Params().exact_betweenness_max_nodes} nodes (Params.exact_betweenness_max_nodes).")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    ap.add_argument("--samples", type=int, default=Params().betweenness_samples)
    ap.add_argument("--exact-max", type=int, default=10_000, help="skip exact betweenness and closeness above this")
    args = ap.parse_args()
    run(args.sizes, args.samples, args.exact_max)
