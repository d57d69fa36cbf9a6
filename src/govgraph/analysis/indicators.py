"""Indicators per country, the marks the maps draw, the comparison across countries and a
scenario's change against its baseline. Pure functions; the one file read is the indicator list
(queries/indicators.toml: names, units and meanings as data)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx

from govgraph.analysis.findings import SEVERITIES, Finding, _legal_status, cast_status
from govgraph.analysis.metrics import COORDINATION_BODY, Metrics, Params, _simple, label, leads, rank, reach
from govgraph.core.errors import QueryError
from govgraph.core.resources import queries_dir

BETTER = ("high", "low", "")


@dataclass(frozen=True)
class Indicator:
    """One column of the analysis as readers see it (an [[indicator]] row of queries/indicators.toml)."""

    name: str
    label: str
    unit: str
    meaning: str
    better: str  # "high" or "low" when the comparison ranks it; "" when it only describes
    key: bool    # listed under a country page's key indicators


@lru_cache(maxsize=4)
def catalogue(path: Path | None = None) -> dict[str, Indicator]:
    """Name → indicator, in the file's order: the words and units the pages use, read from data so
    that a new column is named where the others are, not in a template."""
    path = path or queries_dir() / "indicators.toml"
    try:
        rows = tomllib.loads(path.read_text(encoding="utf-8")).get("indicator", [])
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise QueryError(f"cannot read the indicator list {path}: {exc}") from exc
    found: dict[str, Indicator] = {}
    for n, row in enumerate(rows, start=1):
        try:
            ind = Indicator(**{f: row[f] for f in ("name", "label", "unit", "meaning", "better", "key")})
        except KeyError as exc:
            raise QueryError(f"{path}: indicator {n} ({row.get('name', '?')}) has no {exc.args[0]}: give it "
                             "name, label, unit, meaning, better and key") from exc
        if ind.better not in BETTER or not isinstance(ind.key, bool) or not all(
                isinstance(v, str) and (v or f == "better") for f, v in
                (("name", ind.name), ("label", ind.label), ("unit", ind.unit), ("meaning", ind.meaning),
                 ("better", ind.better))):
            raise QueryError(f"{path}: indicator {n} ({ind.name}): label, unit and meaning must be non-empty "
                             "text, better one of \"high\", \"low\", \"\", key true or false")
        if ind.name in found:
            raise QueryError(f"{path}: indicator {ind.name} is listed twice")
        found[ind.name] = ind
    return found


def ranked() -> tuple[Indicator, ...]:
    """The indicators the comparison ranks, in the file's order."""
    return tuple(i for i in catalogue().values() if i.better)


def indicators(G: nx.Graph, m: Metrics, found: list[Finding], params: Params = Params()) -> dict[str, Any]:
    """One flat row of comparable numbers for a country (or scenario): the comparison table's row."""
    lead_list = leads(G)
    lead = lead_list[0] if lead_list else None
    H = _simple(G, m)
    n = H.number_of_nodes()
    row: dict[str, Any] = {
        "country": str(G.graph.get("country", "")).upper(), "scenario": G.graph.get("scenario") or "",
        "as_of": G.graph.get("as_of", ""), "nodes": n, "edges": H.number_of_edges(),
        "institutions": sum(1 for _, d in G.nodes(data=True) if d.get("kind") != COORDINATION_BODY),
        "coordination_bodies": sum(1 for _, d in G.nodes(data=True) if d.get("kind") == COORDINATION_BODY),
        "ministries": sum(1 for _, d in G.nodes(data=True) if d.get("kind") in params.reach_kinds),
        "components": len(m.components),
        "largest_component_share": (len(m.components[0]) / n) if n else 0.0,
        "articulation_points": len(m.articulation_points), "bridges": len(m.bridges),
        "senior_official_bodies": sum(1 for _, d in G.nodes(data=True) if d.get("kind") == COORDINATION_BODY
                                      and d.get("level") == params.senior_level),
        "betweenness_method": m.betweenness_method["method"],
        "lead": lead or "", "lead_label": label(G, lead) if lead else "",
        "lead_kind": G.nodes[lead].get("kind") if lead else "",
        "lead_placement": (G.nodes[lead].get("placement") or "") if lead else "",
    }
    if lead is not None:
        data = G.nodes[lead]
        row.update({
            "lead_degree": m.degree[lead], "lead_betweenness": round(m.betweenness[lead], 6),
            "lead_betweenness_rank": rank(m.betweenness, lead), "lead_closeness": round(m.closeness[lead], 6),
            "lead_pagerank": round(m.pagerank[lead], 6), "lead_pagerank_rank": rank(m.pagerank, lead),
            "lead_constraint": None if m.constraint[lead] is None else round(m.constraint[lead], 6),
            "lead_effective_size": None if m.effective_size[lead] is None else round(m.effective_size[lead], 6),
            "reach": round(reach(G, lead, params.reach_steps, params.reach_kinds, H=H)["share"], 6),
            "reach_3": round(reach(G, lead, params.reach_steps + 1, params.reach_kinds, H=H)["share"], 6),
            "lead_legal_basis": _legal_status(data),
            "lead_key_levers": sum(1 for lv in data.get("levers", []) if lv["type"] in params.lead_levers and lv["binding"]),
        })
    else:
        row.update({k: None for k in ("lead_degree", "lead_betweenness", "lead_betweenness_rank", "lead_closeness",
                                      "lead_pagerank", "lead_pagerank_rank", "lead_constraint",
                                      "lead_effective_size", "reach", "reach_3", "lead_key_levers")})
        row["lead_legal_basis"] = ""
    weaknesses = [f for f in found if f.nature == "weakness"]
    row["key_levers_misaligned"] = sum(1 for f in weaknesses if f.rule == "key-lever-misaligned")
    for sev in SEVERITIES:
        row[f"findings_{sev}"] = sum(1 for f in weaknesses if f.severity == sev)
    row["findings_total"] = len(weaknesses)
    row["data_gaps"] = len(found) - len(weaknesses)
    cast = cast_status(G) if "searched" in G.graph else {}
    for status in ("filled", "searched-not-found", "unknown"):
        row[f"cast_{status.replace('-', '_')}"] = sum(1 for st in cast.values() if st == status)
    return row


def annotate(G: nx.Graph, m: Metrics, found: list[Finding]) -> nx.Graph:
    """Write metrics and weak-point marks onto the graph's nodes (for maps): ``degree``, ``betweenness``,
    ``closeness``, ``pagerank``, ``constraint``, ``effective_size``, ``size`` (0–1, from betweenness and
    degree), ``weak`` (bool), ``weak_findings`` (ids), ``weak_severity`` (worst)."""
    max_bc = max(m.betweenness.values(), default=0) or 1.0
    max_deg = max(m.degree.values(), default=0) or 1
    for node, data in G.nodes(data=True):
        for name, values in (("degree", m.degree), ("betweenness", m.betweenness), ("closeness", m.closeness),
                             ("pagerank", m.pagerank), ("constraint", m.constraint),
                             ("effective_size", m.effective_size)):
            data[name] = values.get(node)
        data["size"] = round(0.5 * m.betweenness.get(node, 0) / max_bc + 0.5 * m.degree.get(node, 0) / max_deg, 6)
        data["weak_findings"] = []
        data["weak_severity"] = None
    for f in found:
        subject = f.id.split(":", 1)[1] if ":" in f.id else None
        marked = [subject] if subject in G else [x for x in f.evidence.get("nodes", [])[:1] if x in G]
        for node in marked:
            data = G.nodes[node]
            data["weak_findings"].append(f.id)
            if data["weak_severity"] is None or SEVERITIES.index(f.severity) < SEVERITIES.index(data["weak_severity"]):
                data["weak_severity"] = f.severity
    for _, data in G.nodes(data=True):
        data["weak"] = bool(data["weak_findings"])
    return G


def compare(rows: list[dict[str, Any]], focus: str | None = None) -> dict[str, Any]:
    """Rank countries on every indicator (1 = best, ties share); say where `focus` stands."""
    ranks: dict[str, dict[str, int | None]] = {r["country"]: {} for r in rows}
    for ind in ranked():
        name, better = ind.name, ind.better
        present = [r for r in rows if r.get(name) is not None]
        for r in rows:
            v = r.get(name)
            if v is None:
                ranks[r["country"]][name] = None
                continue
            if better == "high":
                ranks[r["country"]][name] = 1 + sum(1 for o in present if o[name] > v + 1e-12)
            else:
                ranks[r["country"]][name] = 1 + sum(1 for o in present if o[name] < v - 1e-12)
    position = None
    if focus and focus in ranks:
        position = {i.name: {"value": next(r[i.name] for r in rows if r["country"] == focus),
                             "rank": ranks[focus][i.name], "of": sum(1 for r in rows if r.get(i.name) is not None),
                             "better": i.better, "meaning": i.meaning, "label": i.label, "unit": i.unit}
                    for i in ranked()}
    return {"rows": rows, "ranks": ranks, "focus": focus, "position": position,
            "indicators": [{"name": i.name, "label": i.label, "unit": i.unit, "better": i.better,
                            "meaning": i.meaning} for i in ranked()]}


def scenario_delta(base_row: dict[str, Any], base_found: list[Finding], alt_row: dict[str, Any],
                   alt_found: list[Finding]) -> dict[str, Any]:
    """What a scenario changes against the baseline: indicator deltas and findings resolved/added."""
    deltas = {}
    for ind in ranked():
        name, better = ind.name, ind.better
        a, b = base_row.get(name), alt_row.get(name)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
            diff = b - a
            verdict = "same" if abs(diff) < 1e-12 else (
                "better" if (diff > 0) == (better == "high") else "worse")
            deltas[name] = {"baseline": a, "scenario": b, "delta": round(diff, 6), "verdict": verdict}
        else:
            deltas[name] = {"baseline": a, "scenario": b, "delta": None,
                            "verdict": "same" if a == b else "changed"}
    for name in ("lead", "lead_placement", "lead_legal_basis"):
        deltas[name] = {"baseline": base_row.get(name), "scenario": alt_row.get(name), "delta": None,
                        "verdict": "same" if base_row.get(name) == alt_row.get(name) else "changed"}
    before = {f.id: f for f in base_found}
    after = {f.id: f for f in alt_found}
    by_rule = lambda fs: {f.rule for f in fs}  # noqa: E731
    return {
        "scenario": alt_row.get("scenario"), "country": alt_row.get("country"),
        "indicators": deltas,
        "resolved": sorted(i for i in before if i not in after),
        "added": sorted(i for i in after if i not in before),
        "kept": sorted(i for i in before if i in after),
        "rules_resolved": sorted(by_rule(base_found) - by_rule(alt_found)),
        "rules_added": sorted(by_rule(alt_found) - by_rule(base_found)),
    }
