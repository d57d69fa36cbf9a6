"""Strengths and weaknesses of an arrangement against another, computed: what changed in the
network (bodies, ties, levers, legal bases) and which findings and indicators that moves.

Why a table of lines with their evidence rather than a score: an analyst must be able to cite each
line and check it against the curated facts (every tie and lever carries the IRI of the record it
rests on). Pure functions over projected graphs (`projection.project`) and their analyses; no I/O.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from govgraph.analysis.findings import Finding
from govgraph.analysis.indicators import ranked, scenario_delta

TIE_KINDS = ("part-of", "reports-to")  # a change of these ends is a re-homing, not a new tie

# which network changes can move an indicator: the evidence a line about it cites
_TIES = ("ties_added", "ties_removed", "bodies_added", "bodies_removed", "rehomed")
_LEVERS = ("levers_moved", "levers_added", "levers_removed", "leads")
EVIDENCE = {
    "lead_key_levers": _LEVERS, "key_levers_misaligned": _LEVERS + _TIES,
    "lead": ("leads", "placement", "rehomed"), "lead_placement": ("leads", "placement", "rehomed"),
    "lead_legal_basis": ("leads", "legal_basis", "mandates"),
    "cast_unknown": ("bodies_added", "bodies_removed", "levers_added", "levers_removed", "leads"),
}
NETWORK = _TIES + ("levers_moved", "levers_added", "levers_removed", "leads")  # every other indicator


def _levers(G: nx.Graph) -> dict[str, dict[str, Any]]:
    return {lv["id"]: lv | {"holder": n} for n, d in G.nodes(data=True) for lv in d.get("levers", [])}


def _mandates(G: nx.Graph) -> dict[str, dict[str, Any]]:
    return {m["id"]: m | {"holder": n} for n, d in G.nodes(data=True) for m in d.get("mandates", [])}


def _edges(G: nx.MultiDiGraph) -> dict[tuple[str, str, str], str | None]:
    return {(u, d["type"], v): d.get("record") for u, v, d in G.edges(data=True)}


def diff(base: nx.MultiDiGraph, alt: nx.MultiDiGraph) -> dict[str, list]:
    """What `alt` changes against `base`, as lists an analyst can read and a map can highlight:
    bodies added and removed, bodies re-homed (a part-of/reports-to tie with a new far end), ties
    added and removed (with the record each rests on), levers added, removed and moved (held by
    another body), legal bases gained and lost, lead bodies and placements changed."""
    bodies_b, bodies_a = set(base.nodes), set(alt.nodes)
    edges_b, edges_a = _edges(base), _edges(alt)
    rehomed = []
    for kind in TIE_KINDS:
        before = {u: v for (u, t, v) in edges_b if t == kind}
        after = {u: v for (u, t, v) in edges_a if t == kind}
        for body in sorted(bodies_b & bodies_a):
            if body in before and body in after and before[body] != after[body]:
                rehomed.append({"body": body, "tie": kind, "from": before[body], "to": after[body],
                                "record": edges_a[(body, kind, after[body])]})
    moved_ties = {(r["body"], r["tie"], end) for r in rehomed for end in (r["from"], r["to"])}
    lev_b, lev_a = _levers(base), _levers(alt)
    moved = [{"lever": i, "type": lev_a[i]["type"], "from": lev_b[i]["holder"], "to": lev_a[i]["holder"],
              "record": lev_a[i]["iri"]} for i in sorted(set(lev_b) & set(lev_a))
             if lev_b[i]["holder"] != lev_a[i]["holder"]]
    basis = []
    for body in sorted(bodies_b & bodies_a):
        gained = sorted(set(alt.nodes[body].get("legal_basis", [])) - set(base.nodes[body].get("legal_basis", [])))
        lost = sorted(set(base.nodes[body].get("legal_basis", [])) - set(alt.nodes[body].get("legal_basis", [])))
        if gained or lost:
            basis.append({"body": body, "gained": gained, "lost": lost})
    placement = [{"body": b, "from": base.nodes[b].get("placement"), "to": alt.nodes[b].get("placement")}
                 for b in sorted(bodies_b & bodies_a) if base.nodes[b].get("placement") != alt.nodes[b].get("placement")]
    man_b, man_a = _mandates(base), _mandates(alt)
    mandates = [{"mandate": i, "holder": man_a[i]["holder"], "from": man_b[i].get("strength"), "to": man_a[i].get("strength"),
                 "basis_gained": sorted(set(man_a[i].get("legal_basis", [])) - set(man_b[i].get("legal_basis", []))),
                 "record": man_a[i].get("iri")} for i in sorted(set(man_b) & set(man_a))
                if (man_b[i].get("strength"), man_b[i].get("legal_basis"), man_b[i]["holder"])
                != (man_a[i].get("strength"), man_a[i].get("legal_basis"), man_a[i]["holder"])]
    mandates += [{"mandate": i, "holder": man_a[i]["holder"], "from": None, "to": man_a[i].get("strength"),
                  "basis_gained": man_a[i].get("legal_basis", []), "record": man_a[i].get("iri")}
                 for i in sorted(set(man_a) - set(man_b))]
    return {
        "mandates": mandates,
        "bodies_added": sorted(bodies_a - bodies_b),
        "bodies_removed": sorted(bodies_b - bodies_a),
        "rehomed": rehomed,
        "ties_added": [{"source": u, "type": t, "target": v, "record": r} for (u, t, v), r in sorted(edges_a.items())
                       if (u, t, v) not in edges_b and (u, t, v) not in moved_ties],
        "ties_removed": [{"source": u, "type": t, "target": v, "record": r} for (u, t, v), r in sorted(edges_b.items())
                         if (u, t, v) not in edges_a and (u, t, v) not in moved_ties],
        "levers_added": [{"lever": i, "type": lev_a[i]["type"], "holder": lev_a[i]["holder"], "binding": lev_a[i]["binding"],
                          "record": lev_a[i]["iri"]} for i in sorted(set(lev_a) - set(lev_b))],
        "levers_removed": [{"lever": i, "type": lev_b[i]["type"], "holder": lev_b[i]["holder"],
                            "record": lev_b[i]["iri"]} for i in sorted(set(lev_b) - set(lev_a))],
        "levers_moved": moved,
        "legal_basis": basis,
        "placement": placement,
        "leads": [] if base.graph.get("leads") == alt.graph.get("leads") else
                 [{"from": base.graph.get("leads", []), "to": alt.graph.get("leads", [])}],
    }


def changed(d: dict[str, list]) -> bool:
    return any(d.values())


def _finding_line(kind: str, f: Finding) -> dict[str, Any]:
    return {"kind": kind, "what": f.id, "rule": f.rule, "severity": f.severity, "nature": f.nature,
            "statement": f.statement, "evidence": f.evidence}


def table(subject: Any, reference: Any, *, against: str) -> dict[str, Any]:
    """The strengths and weaknesses of `subject` against `reference` (two `run.Analysis`): one line per
    finding resolved or created and per indicator that improves or worsens, each with its evidence
    (a finding's own; for an indicator, the network changes that move it), and the changes themselves."""
    delta = scenario_delta(reference.indicators, reference.findings, subject.indicators, subject.findings)
    changes = diff(reference.graph, subject.graph)
    before = {f.id: f for f in reference.findings}
    after = {f.id: f for f in subject.findings}
    lines = [_finding_line("resolves", before[i]) for i in delta["resolved"]]
    lines += [_finding_line("creates", after[i]) for i in delta["added"]]
    meaning = {i.name: (i.better, i.meaning) for i in ranked()}

    def evidence(name: str) -> dict[str, list]:
        return {k: changes[k] for k in EVIDENCE.get(name, NETWORK) if changes[k]}

    for name, v in delta["indicators"].items():
        if v["verdict"] not in ("better", "worse"):
            continue
        better, text = meaning[name]
        lines.append({"kind": "improves" if v["verdict"] == "better" else "worsens", "what": name,
                      "meaning": text, "better_when": better, "from": v["baseline"], "to": v["scenario"],
                      "delta": v["delta"], "evidence": evidence(name)})
    for name in ("lead", "lead_placement", "lead_legal_basis"):
        v = delta["indicators"][name]
        if v["verdict"] == "changed":
            lines.append({"kind": "changes", "what": name, "from": v["baseline"], "to": v["scenario"],
                          "evidence": evidence(name)})
    order = {"resolves": 0, "improves": 1, "changes": 2, "worsens": 3, "creates": 4}
    lines.sort(key=lambda x: (order[x["kind"]], x["what"]))
    return {"against": against, "lines": lines, "changes": changes,
            "counts": {k: sum(1 for x in lines if x["kind"] == k) for k in order}}


def graph_of(doc: dict[str, Any]) -> nx.MultiDiGraph:
    """The network of an analysis document (`run.report`: nodes with their levers, legal bases and
    placement, edges with the record each rests on), as `diff` reads it: for the pages."""
    G = nx.MultiDiGraph(leads=list(doc.get("leads") or []))
    for n in doc.get("nodes", []):
        G.add_node(n["id"], levers=n.get("levers") or [], mandates=n.get("mandates") or [],
                   legal_basis=n.get("legal_basis") or [],
                   placement=n.get("placement"))
    for e in doc.get("edges", []):
        G.add_edge(e["source"], e["target"], key=e["type"], type=e["type"], record=e.get("record"))
    return G
