"""Reasoning time against the number of individuals: `python benchmarks/reasoning.py [--sizes 1000,10000] [--runs 3]`.

For each size, synthetic governments (benchmarks/synthetic.py, built through govgraph's own model and
build) are reasoned with `reason.reason` (consistency + realisation + closed world + extraction of
the inferred graph) and checked with `reason.check_consistency` (HermiT `-k` only), interleaved, and
the medians of several runs are reported side by side with their ratio. Both pay the JVM start-up;
the ratio shows what realisation adds. No assertions: this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic  # noqa: E402
from govgraph.reason import hermit  # noqa: E402


def measure(target: int, runs: int) -> dict:
    per_country = 200
    countries = max(1, round(target / (per_country * 4)))  # ~4 individuals per institution in a graph
    ds = synthetic.dataset(countries, per_country)
    graphs = synthetic.graphs(ds)
    onto, data = graphs[0], graphs[2:]
    realise, consist, individuals, inferred = [], [], 0, 0
    for _ in range(runs):
        started = time.perf_counter()
        result = hermit.reason(onto, data)
        realise.append(time.perf_counter() - started)
        individuals, inferred = result.individuals, len(result.graph)
        started = time.perf_counter()
        hermit.check_consistency(onto, data)
        consist.append(time.perf_counter() - started)
    r, c = statistics.median(realise), statistics.median(consist)
    return {"target": target, "countries": countries, "individuals": individuals,
            "triples": sum(len(g) for g in data), "inferred_triples": inferred,
            "reason_median_s": round(r, 2), "consistency_median_s": round(c, 2), "ratio": round(r / c, 2),
            "runs": runs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "reasoning-results.json"))
    args = ap.parse_args()
    rows = [measure(int(s), args.runs) for s in args.sizes.split(",")]
    print("| individuals | triples | inferred | reason (median s) | consistency only (median s) | ratio |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['individuals']} | {r['triples']} | {r['inferred_triples']} | {r['reason_median_s']} | "
              f"{r['consistency_median_s']} | {r['ratio']} |")
    Path(args.out).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
