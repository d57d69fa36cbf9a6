"""Run the network analysis on a build and write out/analysis/ (the recipe for `analyse`/`compare`).

Layer 5, beside `pipeline`: it wires `project` (SPARQL → networkx) to `analyse` (pure) and turns
the results into files. Artefacts are deterministic: sorted keys, rounded floats, no wall-clock time.

Files (under ``<out>/analysis/``):
- ``<cc>.json`` / ``<cc>.md``: one country on the as-of date: indicators, findings with evidence, and
  every node with its metrics and weak-point marks (what the maps draw);
- ``scenario-<id>.json`` / ``.md``: the same for a scenario's arrangement;
- ``compare.{csv,json,md}``: every country on the same indicators, with ranks and the focus country's position;
- ``scenarios.{csv,json,md}``: each scenario against its country's baseline on the same date.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import pickle
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from govgraph.analysis import assess, findings, indicators, metrics, projection
from govgraph.analysis.findings import Finding
from govgraph.analysis.metrics import Metrics, Params
from govgraph.core.memo import Memo, code_digest, digest
from govgraph.core.resources import write_atomic as _write


@dataclass
class Analysis:
    """One arrangement analysed: the annotated graph, its metrics, findings and indicator row."""

    graph: nx.MultiDiGraph
    metrics: Metrics
    findings: list[Finding]
    indicators: dict[str, Any]
    params: Params = field(default_factory=Params)
    kept_as: str = field(default="", compare=False)  # the key it is kept under between builds ("" if none)

    @property
    def key(self) -> str:
        s = self.graph.graph.get("scenario")
        return f"scenario-{s.replace('/phase/', '-phase-')}" if s else str(self.graph.graph["country"])


def analyse_one(source: Any, country: str, *, as_of: dt.date, scenario: str | None = None,
                params: Params = Params()) -> Analysis:
    """Project and analyse one country (baseline or scenario) on `as_of`."""
    return analyse_graph(projection.project(source, country, as_of=as_of, scenario=scenario), params)


def analyse_graph(G: nx.MultiDiGraph, params: Params = Params()) -> Analysis:
    """Analyse a projected graph (`projection.project`); annotates it for the maps."""
    m = metrics.metrics(G, params)
    found = findings.findings(G, m, params)
    row = indicators.indicators(G, m, found, params)
    indicators.annotate(G, m, found)
    return Analysis(G, m, found, row, params)


def scenario_date(as_of: dt.date, base: str | None) -> dt.date:
    """A scenario is read on its base date, or on `as_of` if that is later (a year base means 1 January,
    which would hide records from later that year)."""
    if not base:
        return as_of
    return max(as_of, dt.date.fromisoformat(base[:10]))


@dataclass
class AnalysisSet:
    countries: dict[str, Analysis]
    scenarios: dict[str, Analysis]
    scenario_baselines: dict[str, Analysis]
    comparison: dict[str, Any]
    deltas: list[dict[str, Any]]
    phases: dict[str, Analysis] = field(default_factory=dict)  # phase key (<id>/phase/<n>) → its picture


def analyse_all(source: Any, *, as_of: dt.date, params: Params = Params(), focus: str | None = None,
                kept: Memo | None = None, inputs: dict[str, str] | None = None) -> AnalysisSet:
    """Every country and scenario on `as_of`; `focus` (default: `projection.focus_country`) is the
    country the comparison says where it stands. With `kept` (a Memo) and `inputs` (a country code,
    scenario id or `<id>/phase/<n>` → a digest of what the store holds that its analysis reads), a
    view an earlier build analysed on the same day from the same inputs is not analysed again."""
    focus = focus or projection.focus_country(source)

    def cached(source: Any, country: str, *, as_of: dt.date, scenario: str | None = None,
               params: Params = params) -> Analysis:
        view = scenario or country
        if kept is None or not inputs or view not in inputs:
            return analyse_one(source, country, as_of=as_of, scenario=scenario, params=params)
        key = digest(code_digest(), "analysis", country, view, as_of.isoformat(), repr(params), inputs[view])
        data = kept.get(key)
        if data is not None:
            try:
                result = pickle.loads(data)
                result.kept_as = key
                return result
            except Exception:  # noqa: BLE001 - a damaged entry is analysed again
                pass
        result = analyse_one(source, country, as_of=as_of, scenario=scenario, params=params)
        kept.put(key, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        result.kept_as = key
        return result

    countries = {cc: cached(source, cc, as_of=as_of, params=params) for cc in projection.countries(source)}
    scenarios, baselines, deltas, phase_runs = {}, {}, [], {}
    listed = projection.scenarios(source)
    roadmap: dict[str, list[dict[str, Any]]] = {}
    for ph in projection.phases(source):
        roadmap.setdefault(ph["scenario"], []).append(ph)
    for sc in listed:
        day = scenario_date(as_of, sc.get("base"))
        alt = cached(source, sc["country"], as_of=day, scenario=sc["id"], params=params)
        base = countries.get(sc["country"]) if day == as_of else None
        base = base or cached(source, sc["country"], as_of=day, params=params)
        scenarios[sc["id"]], baselines[sc["id"]] = alt, base
        for ph in roadmap.get(sc["id"], []):
            phase_runs[ph["key"]] = cached(source, sc["country"], as_of=day, scenario=ph["key"], params=params)
    for sc in listed:
        alt, base = scenarios[sc["id"]], baselines[sc["id"]]
        delta = indicators.scenario_delta(base.indicators, base.findings, alt.indicators, alt.findings)
        delta["as_of"] = alt.graph.graph["as_of"]
        others = {o["id"]: scenarios[o["id"]] for o in listed if o["id"] != sc["id"] and o["country"] == sc["country"]}
        delta["assessment"] = [assess.table(alt, base, against="baseline")] + [
            assess.table(alt, other, against=oid) for oid, other in sorted(others.items())]
        delta["phases"], previous = [], base
        for ph in roadmap.get(sc["id"], []):
            now = phase_runs[ph["key"]]
            step = indicators.scenario_delta(base.indicators, base.findings, now.indicators, now.findings)
            delta["phases"].append({k: ph[k] for k in ("order", "id", "when", "title", "date", "key")} | {
                "indicators": step["indicators"], "resolved": step["resolved"], "added": step["added"],
                "assessment": [assess.table(now, base, against="baseline")]
                + ([assess.table(now, previous, against="previous phase")] if ph["order"] > 1 else [])
                + [assess.table(now, other, against=oid) for oid, other in sorted(others.items())]})
            previous = now
        deltas.append(delta)
    comparison = indicators.compare([a.indicators for _, a in sorted(countries.items())], focus=focus)
    return AnalysisSet(countries, scenarios, baselines, comparison, deltas, phase_runs)


# -- reports (pure: data in, text out) ------------------------------------------------------------

_AS_IS = frozenset({str, int, bool, type(None)})

def _round(value: Any) -> Any:
    if type(value) in _AS_IS:  # most of a document: looked up before the isinstance tests
        return value
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {str(k): _round(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_round(v) for v in value]
    return value


def report(a: Analysis) -> dict[str, Any]:
    """The JSON document for one country or scenario: what the maps and the site read."""
    G = a.graph
    nodes = []
    for n, d in sorted(G.nodes(data=True), key=lambda x: str(x[0])):
        nodes.append({k: d.get(k) for k in (
            "iri", "label", "labels", "acronym", "kind", "placement", "level", "scope", "lead", "legal_basis",
            "no_legal_basis_found", "levers", "mandates", "degree", "betweenness", "closeness", "pagerank",
            "constraint", "effective_size", "size", "weak", "weak_severity", "weak_findings")} | {"id": n})
    edges = [{"source": u, "target": v, "type": d["type"], "weight": d["weight"], "tie": d["tie"],
              "record": d.get("record")} for u, v, d in sorted(G.edges(data=True),
                                                               key=lambda e: (str(e[0]), e[2]["type"], str(e[1])))]
    return _round({
        "country": G.graph["country"].upper(), "scenario": G.graph.get("scenario"), "as_of": G.graph["as_of"],
        "leads": G.graph["leads"], "betweenness": a.metrics.betweenness_method, "params": asdict(a.params),
        "indicators": a.indicators, "findings": [f.to_dict() for f in a.findings],
        "structure": {"components": a.metrics.components, "articulation_points": a.metrics.articulation_points,
                      "bridges": [list(b) for b in a.metrics.bridges]},
        "nodes": nodes, "edges": edges,
        "dropped_edges": [list(e) for e in G.graph.get("dropped_edges", [])],
    })


def to_json(doc: Any) -> bytes:
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _cell(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v).replace("|", "\\|")


def markdown(doc: dict[str, Any]) -> bytes:
    """A readable page for one country or scenario."""
    what = f"scenario {doc['scenario']} ({doc['country']})" if doc.get("scenario") else doc["country"]
    ind = doc["indicators"]
    bm = doc["betweenness"]
    lines = [f"# Where co-ordination is weak: {what}, as of {doc['as_of']}", "",
             f"Lead body: **{ind.get('lead_label') or 'none'}**. Network: {ind['nodes']} bodies, {ind['edges']} ties, "
             f"{ind['components']} part(s). Betweenness: {bm['method']}"
             + (f" ({bm['samples']} pivots, seed {bm['seed']})" if bm["method"] == "sampled" else "") + ".", "",
             completeness(ind), "", "## Findings", ""]
    weaknesses = [f for f in doc["findings"] if f.get("nature", "weakness") == "weakness"]
    gaps = [f for f in doc["findings"] if f.get("nature") == "data-gap"]
    if not weaknesses:
        lines.append("No weakness is found with the default thresholds.")
    for f in weaknesses:
        lines.append(f"- **{f['severity']}** `{f['id']}`: {f['statement']}")
        ev = f["evidence"]
        if ev.get("searched_not_found"):
            lines.append(f"  - rests on roles searched and not found: {', '.join(ev['searched_not_found'])}")
        if ev.get("facts"):
            lines.append(f"  - facts: {', '.join('<' + x + '>' for x in ev['facts'][:8])}")
        if ev.get("edges"):
            lines.append(f"  - ties: {', '.join(f'{u} –{t}→ {v}' for u, t, v in ev['edges'][:8])}")
    if gaps:
        lines += ["", "## Data gaps, not weaknesses", "",
                  "These would be findings, but they rest on roles nobody searched for: they describe the "
                  "curation, not the government.", ""]
        for f in gaps:
            lines.append(f"- `{f['id']}`: missing {', '.join(f['evidence']['missing'])} — {f['evidence']['to_fill']}")
    lines += ["", "## Indicators", "", "| indicator | value |", "|---|---|"]
    lines += [f"| {k} | {_cell(v)} |" for k, v in sorted(ind.items())]
    lines += ["", "## Most central bodies (betweenness)", "", "| body | kind | degree | betweenness | closeness | "
              "PageRank | constraint | weak |", "|---|---|---|---|---|---|---|---|"]
    top = sorted(doc["nodes"], key=lambda n: (-(n["betweenness"] or 0), n["id"]))[:10]
    lines += [f"| {_cell(n['label'])}{' (lead)' if n['lead'] else ''} | {n['kind']} | {n['degree']} | "
              f"{_cell(n['betweenness'])} | {_cell(n['closeness'])} | {_cell(n['pagerank'])} | "
              f"{_cell(n['constraint'])} | {n['weak_severity'] or ''} |" for n in top]
    return ("\n".join(lines) + "\n").encode("utf-8")


def completeness(ind: dict[str, Any]) -> str:
    """The line every report opens with: how complete the standard cast is on the day."""
    filled, searched, unknown = (ind.get(k, 0) for k in ("cast_filled", "cast_searched_not_found", "cast_unknown"))
    return (f"Completeness of the standard cast on this day: {filled} role(s) filled, {searched} searched and "
            f"not found, {unknown} unknown" + (" (findings resting on them are data gaps)." if unknown else "."))


def compare_csv(comparison: dict[str, Any]) -> bytes:
    rows = comparison["rows"]
    if not rows:
        return b""
    names = list(rows[0].keys())
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(names + [f"rank_{n['name']}" for n in comparison["indicators"]])
    for r in rows:
        ranks = comparison["ranks"][r["country"]]
        w.writerow([_csvv(r.get(n)) for n in names] + [_csvv(ranks.get(i["name"])) for i in comparison["indicators"]])
    return buf.getvalue().encode("utf-8")


def _csvv(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def compare_markdown(comparison: dict[str, Any]) -> bytes:
    inds = comparison["indicators"]
    rows = comparison["rows"]
    lines = ["# All countries on the same indicators", "",
             "Rank 1 is the strongest arrangement on that indicator (see docs/analysis.md).", "",
             "| country | lead | " + " | ".join(i["name"] for i in inds) + " |",
             "|---|---|" + "---|" * len(inds)]
    for r in rows:
        lines.append(f"| {r['country']} | {_cell(r['lead_label'])} | "
                     + " | ".join(f"{_cell(r.get(i['name']))} ({_cell(comparison['ranks'][r['country']][i['name']])})"
                                  for i in inds) + " |")
    pos = comparison.get("position")
    if pos:
        lines += ["", f"## {comparison['focus']}'s position", "", "| indicator | variable | value | unit | rank | meaning |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {p['label']} | `{name}` | {_cell(p['value'])} | {p['unit']} | {_cell(p['rank'])} of {p['of']} | "
                  f"{p['meaning']} ({p['better']} is better) |" for name, p in pos.items()]
    return ("\n".join(lines) + "\n").encode("utf-8")


def scenarios_csv(deltas: list[dict[str, Any]]) -> bytes:
    """One row per scenario (phase empty) or phase, and indicator, against the baseline."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["scenario", "phase", "country", "as_of", "indicator", "baseline", "scenario_value", "delta", "verdict"])
    for d in deltas:
        steps = [("", d["indicators"])] + [(str(ph["order"]), ph["indicators"]) for ph in d.get("phases", [])]
        for phase, inds in steps:
            for name, v in inds.items():
                w.writerow([d["scenario"], phase, d["country"], d["as_of"], name, _csvv(v["baseline"]),
                            _csvv(v["scenario"]), _csvv(v["delta"]), v["verdict"]])
    return buf.getvalue().encode("utf-8")


def _change_words(changes: dict[str, list]) -> list[str]:
    """The network changes behind a table, in words (what the evidence column of a line refers to)."""
    out = [f"body added: {b}" for b in changes["bodies_added"]] + [f"body removed: {b}" for b in changes["bodies_removed"]]
    out += [f"{r['body']} re-homed ({r['tie']}): {r['from']} → {r['to']}" for r in changes["rehomed"]]
    out += [f"lever {m['lever']} ({m['type']}) moved: {m['from']} → {m['to']}" for m in changes["levers_moved"]]
    out += [f"lever {m['lever']} ({m['type']}) added, held by {m['holder']}" for m in changes["levers_added"]]
    out += [f"lever {m['lever']} ({m['type']}) removed from {m['holder']}" for m in changes["levers_removed"]]
    out += [f"{b['body']}: legal basis " + ", ".join([f"+{x.rsplit('/', 1)[-1]}" for x in b["gained"]]
                                                   + [f"-{x.rsplit('/', 1)[-1]}" for x in b["lost"]])
            for b in changes["legal_basis"]]
    out += [f"{p['body']}: placement {p['from']} → {p['to']}" for p in changes["placement"]]
    out += [f"mandate {m['mandate']} of {m['holder']}: {m['from'] or 'new'} → {m['to']}"
            + (f" (+{', '.join(x.rsplit('/', 1)[-1] for x in m['basis_gained'])})" if m["basis_gained"] else "")
            for m in changes.get("mandates", [])]
    out += [f"tie added: {t['source']} –{t['type']}→ {t['target']}" for t in changes["ties_added"]]
    out += [f"tie removed: {t['source']} –{t['type']}→ {t['target']}" for t in changes["ties_removed"]]
    return out


def _evidence_cell(line: dict[str, Any]) -> str:
    ev = line.get("evidence") or {}
    if line["kind"] in ("resolves", "creates"):
        parts = [f"{u} –{t}→ {v}" for u, t, v in ev.get("edges", [])[:4]]
        parts += [x.rsplit("/", 1)[-1] for x in ev.get("facts", [])[:4]]
        return "; ".join(parts) or "–"
    return "; ".join(_change_words({k: ev.get(k, []) for k in (
        "bodies_added", "bodies_removed", "rehomed", "levers_moved", "levers_added", "levers_removed",
        "legal_basis", "placement", "mandates", "ties_added", "ties_removed")})[:6]) or "–"


def assessment_markdown(table: dict[str, Any], heading: str) -> list[str]:
    """One strengths-and-weaknesses table: a line per finding resolved or created and per indicator
    that improves or worsens, with the evidence it rests on."""
    lines = [f"{heading} — against {table['against']}: "
             + ", ".join(f"{n} {k}" for k, n in table["counts"].items() if n) if any(table["counts"].values())
             else f"{heading} — against {table['against']}: no finding or indicator moves.", ""]
    if table["lines"]:
        lines += ["| line | what | from → to | evidence |", "|---|---|---|---|"]
        for x in table["lines"]:
            if x["kind"] in ("resolves", "creates"):
                span = f"{x['severity']} {x['nature']}"
            else:
                span = f"{_cell(x.get('from'))} → {_cell(x.get('to'))}"
            lines.append(f"| {x['kind']} | `{x['what']}` | {span} | {_cell(_evidence_cell(x))} |")
        lines.append("")
    words = _change_words(table["changes"])
    if words:
        lines += ["Changes in the network: " + "; ".join(words) + ".", ""]
    return lines


def scenarios_markdown(deltas: list[dict[str, Any]]) -> bytes:
    lines = ["# What each scenario changes", "",
             "Each scenario (and each phase of its roadmap) against the baseline, against the other scenarios of "
             "the same country, and each phase against the one before it; the method is in docs/analysis.md.", ""]
    if not deltas:
        lines.append("No scenario in this build.")
    for d in deltas:
        lines += [f"## {d['scenario']} ({d['country']}, as of {d['as_of']})", "",
                  f"Findings resolved: {', '.join('`' + x + '`' for x in d['resolved']) or 'none'}.",
                  f"Findings added: {', '.join('`' + x + '`' for x in d['added']) or 'none'}.", "",
                  "| indicator | baseline | scenario | delta | verdict |", "|---|---|---|---|---|"]
        lines += [f"| {k} | {_cell(v['baseline'])} | {_cell(v['scenario'])} | {_cell(v['delta'])} | {v['verdict']} |"
                  for k, v in d["indicators"].items()]
        lines.append("")
        lines += ["### Strengths and weaknesses", ""]
        for table in d.get("assessment", []):
            lines += assessment_markdown(table, f"**{d['scenario']}**")
        if d.get("phases"):
            names = [k for k, v in d["indicators"].items() if v["delta"] is not None or k.startswith("lead")]
            lines += ["### Phase by phase", "",
                      "| indicator | baseline | " + " | ".join(f"{ph['order']}. {ph['when']}" for ph in d["phases"]) + " |",
                      "|---|---|" + "---|" * len(d["phases"])]
            lines += [f"| {k} | {_cell(d['indicators'][k]['baseline'])} | "
                      + " | ".join(_cell(ph["indicators"][k]["scenario"]) for ph in d["phases"]) + " |" for k in names]
            lines.append("")
            for ph in d["phases"]:
                lines += [f"#### Phase {ph['order']} ({ph['when']}): {ph['title']}", "",
                          f"Findings resolved so far: {', '.join('`' + x + '`' for x in ph['resolved']) or 'none'}; "
                          f"added so far: {', '.join('`' + x + '`' for x in ph['added']) or 'none'}.", ""]
                for table in ph["assessment"]:
                    lines += assessment_markdown(table, f"After phase {ph['order']}")
    return ("\n".join(lines) + "\n").encode("utf-8")


# -- writing ------------------------------------------------------------------------------------



def write_one(folder: Path, a: Analysis, *, dated: bool = False, kept: Memo | None = None) -> list[Path]:
    """`<key>.json` and `.md`; `dated`: `<key>-<as-of>.*`, for a date other than the build's, so the
    reports the site links to are never overwritten by an analysis of another day. With `kept`, the
    reports of an analysis kept from an earlier build (`Analysis.kept_as`) are that build's."""
    def reports() -> list[bytes]:
        doc = report(a)
        return [to_json(doc), markdown(doc)]

    name = f"{a.key}-{a.graph.graph['as_of']}" if dated else a.key
    memo_key = digest("report", a.kept_as) if kept is not None and a.kept_as and not dated else ""
    text, md = (kept or Memo()).through([f"{memo_key}.json", f"{memo_key}.md"] if memo_key else [], reports)
    return [_write(folder / f"{name}.json", text), _write(folder / f"{name}.md", md)]


def write_compare(folder: Path, comparison: dict[str, Any]) -> list[Path]:
    return [_write(folder / "compare.json", to_json(_round(comparison))),
            _write(folder / "compare.csv", compare_csv(comparison)),
            _write(folder / "compare.md", compare_markdown(comparison))]


def write_scenarios(folder: Path, deltas: list[dict[str, Any]], *, kept: Memo | None = None,
                    key: str = "") -> list[Path]:
    """scenarios.json, .csv and .md; with `kept` and `key` (`deltas_key`), those of an earlier
    build whose analyses were the same."""
    names = ["scenarios.json", "scenarios.csv", "scenarios.md"]
    made = (kept or Memo()).through([f"{key}.{name}" for name in names] if kept is not None and key else [],
                                    lambda: [to_json(_round(deltas)), scenarios_csv(deltas), scenarios_markdown(deltas)])
    return [_write(folder / name, data) for name, data in zip(names, made)]


def deltas_key(result: AnalysisSet) -> str:
    """What decides the scenarios' deltas: the keys of the analyses they compare ("" when one of
    them is not kept between builds)."""
    compared = [*result.scenarios.values(), *result.scenario_baselines.values(), *result.phases.values()]
    keys = [a.kept_as for a in compared]
    return digest(code_digest(), "deltas", *sorted(result.scenarios), *keys) if all(keys) else ""


def write_all(folder: Path, result: AnalysisSet, kept: Memo | None = None) -> list[Path]:
    """Everything under `folder` (normally <out>/analysis); `kept`: see `write_one`."""
    written = []
    for a in list(result.countries.values()) + list(result.scenarios.values()) + list(result.phases.values()):
        written += write_one(folder, a, kept=kept)
    written += write_compare(folder, result.comparison)
    written += write_scenarios(folder, result.deltas, kept=kept, key=deltas_key(result))
    return written


def preload() -> None:
    """Import what the analysis will need (networkx loads scipy.sparse on its first PageRank, the
    path metrics igraph), so a caller can do it while it waits for something else (the pipeline,
    for the reasoner)."""
    import scipy.sparse.csgraph  # noqa: F401

    from govgraph.store import embedded  # noqa: F401

    try:
        import igraph  # noqa: F401
    except ImportError:  # pragma: no cover - analyse works without it where it has a fallback
        pass


def run_into(out: Path, as_of: dt.date, params: Params = Params(), *, kept: Memo | None = None,
             inputs: dict[str, str] | None = None) -> AnalysisSet:
    """The build's analysis step: analyse every country and scenario of the store in `out`, write
    `out/analysis/`. Called by the pipeline on the not-yet-published build folder (`kept`, `inputs`:
    see `analyse_all`)."""
    from govgraph.store.embedded import open_store

    db = open_store(Path(out))
    try:
        result = analyse_all(db, as_of=as_of, params=params, kept=kept, inputs=inputs)
        write_all(Path(out) / "analysis", result, kept=kept.sub("reports") if kept is not None else None)
    finally:
        del db
    return result
