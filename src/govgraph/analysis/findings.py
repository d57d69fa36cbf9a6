"""Findings: where co-ordination is weak, each with its evidence and severity, and whether it
describes the government (a weakness) or the curation (a data gap: a role nobody looked for).
Pure functions over the projected graph and its `metrics.Metrics`; no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import networkx as nx

from govgraph.analysis.metrics import (
    COORDINATION_BODY,
    Metrics,
    Params,
    _simple,
    kind,
    label,
    leads,
    metrics,
    rank,
    reach,
)
from govgraph.core.vocab import CAST_RULES

SEVERITIES = ("high", "medium", "low")


MAIN_BODY = "main-coordination-body"


NATURES = ("weakness", "data-gap")


@dataclass
class Finding:
    """One weak point: a stable id (rule[:subject]), plain words, a severity and its evidence."""

    id: str
    rule: str
    severity: str
    statement: str
    evidence: dict[str, Any] = field(default_factory=dict)
    # "weakness" (the arrangement, as sourced) or "data-gap" (it rests on a cast role nobody searched
    # for: evidence["cast"] says which, and how to fill it)
    nature: str = "weakness"

    def to_dict(self) -> dict[str, Any]:
        """Its fields, the evidence shared, not copied (`run.report` copies the whole document as it
        rounds it; `dataclasses.asdict` copied it value by value first, a fifth of a year page's time)."""
        return {"id": self.id, "rule": self.rule, "severity": self.severity, "statement": self.statement,
                "evidence": self.evidence, "nature": self.nature}


def _legal_status(data: dict[str, Any]) -> str:
    if data.get("legal_basis"):
        return "grounded"
    return "none-found" if data.get("no_legal_basis_found") else "not-recorded"


def _severity_order(f: Finding) -> tuple[int, str]:
    return SEVERITIES.index(f.severity), f.id


def _cut_off(H: nx.Graph, removed_nodes=(), removed_edges=(), anchor: Any = None) -> tuple[list[Any], int]:
    """Nodes cut off from `anchor`'s part (or from the largest part) once the given nodes/edges go."""
    K = H.copy()
    K.remove_nodes_from(removed_nodes)
    K.remove_edges_from(removed_edges)
    before = nx.node_connected_component(H, anchor) if anchor in H else None
    parts = sorted(nx.connected_components(K), key=lambda c: (-len(c), sorted(map(str, c))[0]))
    if anchor is not None and anchor in K:
        keep = nx.node_connected_component(K, anchor)
    else:
        keep = parts[0] if parts else set()
    scope = (before - set(removed_nodes)) if before is not None else set(K)
    lost = sorted((scope - keep), key=str)
    return lost, len(lost)


def find_lead_missing(G, m, p) -> list[Finding]:
    if leads(G):
        return []
    return [Finding("no-lead-body", "no-lead-body", "high",
                    "No body is designated to lead digital government on this date.",
                    {"nodes": [], "edges": [], "facts": []})]


def find_lead_not_central(G, m: Metrics, p: Params) -> list[Finding]:
    out = []
    n = len(m.degree)
    for lead in leads(G):
        r_bc, r_deg, r_cl = rank(m.betweenness, lead), rank(m.degree, lead), rank(m.closeness, lead)
        if r_bc <= p.central_rank:
            continue  # also when nobody brokers at all (every betweenness 0): no signal either way
        top = sorted(m.betweenness, key=lambda x: (-m.betweenness[x], str(x)))[:p.central_rank]
        severity = "high" if (m.betweenness[lead] == 0 or r_bc > 2 * p.central_rank) else "medium"
        out.append(Finding(
            f"lead-not-central:{lead}", "lead-not-central", severity,
            f"The lead body {label(G, lead)} ranks {r_bc} of {n} by betweenness "
            f"({m.betweenness[lead]:.3f}), {r_deg} by degree and {r_cl} by closeness: the centre is not "
            f"where the network's paths run. Most central: {', '.join(label(G, t) for t in top)}.",
            {"nodes": [lead, *top], "edges": [], "facts": [G.nodes[lead].get("iri")],
             "values": {"betweenness": m.betweenness[lead], "betweenness_rank": r_bc, "degree": m.degree[lead],
                        "degree_rank": r_deg, "closeness": m.closeness[lead], "closeness_rank": r_cl,
                        "of": n, "threshold_rank": p.central_rank}}))
    return out


def find_lead_lacks_levers(G, m, p: Params) -> list[Finding]:
    out = []
    for lead in leads(G):
        own = [lv for lv in G.nodes[lead].get("levers", []) if lv["type"] in p.lead_levers]
        if any(lv["binding"] for lv in own):
            continue
        served = [b for _, b, d in G.out_edges(lead, data=True) if d.get("type") in ("chair", "secretariat")
                  and kind(G, b) == COORDINATION_BODY] if G.is_directed() else \
                 [b for b in G.neighbors(lead) if kind(G, b) == COORDINATION_BODY]
        via = [(b, lv) for b in sorted(set(served), key=str) for lv in G.nodes[b].get("levers", [])
               if lv["type"] in p.lead_levers and lv["binding"]]
        elsewhere = sorted(((h, lv) for h, d in G.nodes(data=True) if h != lead
                            for lv in d.get("levers", []) if lv["type"] in p.lead_levers), key=lambda x: x[1]["id"])
        if via:
            severity, how = "low", (f"only through {', '.join(sorted({label(G, b) for b, _ in via}))}, which it "
                                    f"chairs or serves as secretariat")
        elif own:
            severity, how = "medium", "only non-binding ones"
        else:
            severity, how = "high", "none"
        held = "; ".join(f"{lv['type']} held by {label(G, h)}" for h, lv in elsewhere) or "no body holds one"
        out.append(Finding(
            f"lead-lacks-levers:{lead}", "lead-lacks-levers", severity,
            f"Of the budget and approval levers ({', '.join(p.lead_levers)}), the lead body {label(G, lead)} "
            f"holds {how}: it cannot make others follow the strategy. Elsewhere: {held}.",
            {"nodes": [lead, *sorted({h for h, _ in elsewhere}, key=str)], "edges": [],
             "facts": [lv["iri"] for lv in own] + [lv["iri"] for _, lv in via] + [lv["iri"] for _, lv in elsewhere],
             "values": {"own_levers": sorted(lv["type"] for lv in G.nodes[lead].get("levers", []))}}))
    return out


def find_key_lever_misaligned(G, m, p: Params) -> list[Finding]:
    out = []
    lead_list = leads(G)
    if not lead_list:
        return out
    H = _simple(G, m)
    trees = {lead: _bfs_tree(H, lead, ties_only=True) for lead in lead_list}  # one search per lead
    for holder, data in sorted(G.nodes(data=True), key=lambda x: str(x[0])):
        if holder in lead_list:
            continue
        for lv in data.get("levers", []):
            if lv["type"] not in p.key_levers:
                continue
            best = None
            for lead in lead_list:
                path = _path_to_root(trees[lead], holder)
                if path is not None and (best is None or len(path) < len(best)):
                    best = path
            distance = len(best) - 1 if best else None
            if distance is not None and distance <= p.tie_distance:
                continue
            where = (f"the nearest path is {distance} steps ({' – '.join(label(G, x) for x in best)})"
                     if best else "no path of co-ordination ties connects them")
            out.append(Finding(
                f"key-lever-misaligned:{lv['id']}", "key-lever-misaligned", "high" if lv["binding"] else "medium",
                f"{label(G, holder)} holds a key lever ({lv['type']}{', binding' if lv['binding'] else ''}) but has "
                f"no co-ordination tie to the lead body within {p.tie_distance} steps: {where}.",
                {"nodes": [holder, *lead_list], "edges": _path_edges(G, best) if best else [],
                 "facts": [lv["iri"]], "values": {"distance": distance, "lever_type": lv["type"],
                                                   "binding": lv["binding"]}}))
    return out


def _bfs_tree(H: nx.Graph, root: Any, *, ties_only: bool = False) -> dict[Any, Any]:
    """Breadth-first predecessors from `root` (root → None), neighbours in adjacency order;
    `ties_only`: along co-ordination ties only (edges whose ``tie`` is true)."""
    parent: dict[Any, Any] = {root: None} if root in H else {}
    frontier = [root] if root in H else []
    while frontier:
        nxt = []
        for u in frontier:
            for v, data in H[u].items():
                if v not in parent and (not ties_only or data.get("tie", True)):
                    parent[v] = u
                    nxt.append(v)
        frontier = nxt
    return parent


def _path_to_root(parent: dict[Any, Any], node: Any) -> list[Any] | None:
    """A shortest path node → … → root in a `_bfs_tree`; None when the root is out of reach."""
    if node not in parent:
        return None
    path = [node]
    while parent[path[-1]] is not None:
        path.append(parent[path[-1]])
    return path


def _path_edges(G, path) -> list[list[Any]]:
    """The typed edges along a path, each in its own direction: [source, type, target]."""
    edges = []
    for u, v in zip(path, path[1:]):
        for a, b in ((u, v), (v, u)):
            data = G.get_edge_data(a, b) or {}
            items = data.values() if G.is_multigraph() else [data]
            edges += [[a, t, b] for t in sorted({d.get("type", "tie") for d in items})]
    return edges


class _Separation:
    """What each cut point and bridge separates from `anchor`, from one depth-first search (Hopcroft
    & Tarjan 1973: removing v cuts off the child subtree of c when low(c) ≥ pre(v); a bridge cuts off
    the subtree below it, and every bridge is an edge of every search tree). Linear, instead of one
    graph copy per cut point; nodes are listed only for what is reported."""

    def __init__(self, H: nx.Graph, anchor: Any):
        pre: dict[Any, int] = {anchor: 0}
        order, parent, low = [anchor], {anchor: None}, {anchor: 0}
        stack = [(anchor, iter(H[anchor]))]
        while stack:
            u, neighbours = stack[-1]
            for w in neighbours:
                if w not in pre:
                    pre[w] = low[w] = len(order)
                    order.append(w)
                    parent[w] = u
                    stack.append((w, iter(H[w])))
                    break
                if w != parent[u]:
                    low[u] = min(low[u], pre[w])
            else:
                stack.pop()
                if parent[u] is not None:
                    low[parent[u]] = min(low[parent[u]], low[u])
        size = dict.fromkeys(order, 1)
        for v in reversed(order[1:]):
            size[parent[v]] += size[v]
        self.cut: dict[Any, list[Any]] = {}  # v → its children whose subtrees lose the anchor without v
        for c in order[1:]:
            u = parent[c]
            if u != anchor and low[c] >= pre[u]:
                self.cut.setdefault(u, []).append(c)
        self.pre, self.order, self.parent, self.size = pre, order, parent, size

    def _nodes(self, children: list[Any]) -> list[Any]:
        return sorted((x for c in children for x in self.order[self.pre[c]:self.pre[c] + self.size[c]]), key=str)

    def without_node(self, v: Any) -> tuple[int, Any]:
        """How many nodes lose the anchor once v goes, and a function listing them."""
        children = self.cut.get(v, [])
        return sum(self.size[c] for c in children), lambda: self._nodes(children)

    def without_edge(self, u: Any, v: Any) -> tuple[int, Any]:
        child = v if self.parent.get(v) == u else u if self.parent.get(u) == v else None
        children = [child] if child is not None else []  # not a tree edge: outside the anchor's part
        return sum(self.size[c] for c in children), lambda: self._nodes(children)


def find_single_points(G, m: Metrics, p: Params) -> list[Finding]:
    out = []
    H = _simple(G, m)
    lead_list = leads(G)
    anchor = lead_list[0] if lead_list else None
    n = H.number_of_nodes()
    separation = _Separation(H, anchor) if anchor in H else None
    for v in m.articulation_points:
        is_lead = v in lead_list
        if separation is not None and not is_lead:
            count, listed = separation.without_node(v)
            if count < p.min_separated:
                continue
            lost = listed()
        else:
            lost, count = _cut_off(H, removed_nodes=[v], anchor=None if is_lead else anchor)
        if count < p.min_separated:
            continue
        if is_lead:
            severity = "low"
            text = (f"The lead body {label(G, v)} is the only link to {count} bodies: the arrangement depends on "
                    f"it alone, with no second channel.")
        else:
            severity = "high" if count >= p.severe_separated_share * n else "medium"
            text = (f"{label(G, v)} is a single point of failure: without it, {count} bodies lose every "
                    f"connection to {'the lead body' if anchor is not None else 'the rest'} "
                    f"({', '.join(label(G, x) for x in lost[:6])}{' …' if count > 6 else ''}).")
        out.append(Finding(f"single-point-of-failure:{v}", "single-point-of-failure", severity, text,
                           {"nodes": [v, *lost], "edges": [], "facts": [G.nodes[v].get("iri")],
                            "values": {"cut_off": count, "of": n}}))
    for u, v in m.bridges:
        if separation is not None:
            count, listed = separation.without_edge(u, v)
            if count < p.min_separated:
                continue
            lost = listed()
        else:
            lost, count = _cut_off(H, removed_edges=[(u, v)], anchor=anchor)
        if count < p.min_separated:
            continue
        severity = "high" if count >= p.severe_separated_share * n else "medium"
        types = H[u][v]["types"]
        out.append(Finding(
            f"bridge:{u}--{v}", "bridge", severity,
            f"The tie between {label(G, u)} and {label(G, v)} ({', '.join(types)}) is a bridge: if it lapses, "
            f"{count} bodies are cut off ({', '.join(label(G, x) for x in lost[:6])}{' …' if count > 6 else ''}).",
            {"nodes": [u, v, *lost], "edges": [[u, t, v] for t in types], "facts": [],
             "values": {"cut_off": count, "of": n}}))
    return out


def find_fragmented(G, m: Metrics, p: Params) -> list[Finding]:
    if len(m.components) <= 1:
        return []
    lead_list = leads(G)
    n = sum(len(c) for c in m.components)
    main = next((c for c in m.components if any(x in c for x in lead_list)), m.components[0])
    others = [c for c in m.components if c is not main]
    isolated = sorted((x for c in others if len(c) == 1 for x in c), key=str)
    loaded = sorted((x for c in others for x in c if G.nodes[x].get("mandates") or
                     any(lv["type"] in p.key_levers for lv in G.nodes[x].get("levers", []))), key=str)
    share = len(main) / n if n else 1.0
    severity = "high" if share < 0.5 else ("medium" if loaded else "low")
    return [Finding(
        "fragmented", "fragmented", severity,
        f"The network falls into {len(m.components)} disconnected parts; the lead body's part holds "
        f"{len(main)} of {n} bodies; isolated: {len(isolated)}"
        + (f"; cut off yet holding mandates or key levers: {', '.join(label(G, x) for x in loaded)}." if loaded else "."),
        {"nodes": sorted((x for c in others for x in c), key=str), "edges": [],
         "facts": [G.nodes[x].get("iri") for x in loaded],
         "values": {"components": len(m.components), "lead_component_size": len(main), "of": n,
                    "isolated": isolated, "parts": [list(c) for c in others]}})]


def find_mandate_off_bodies(G, m, p: Params) -> list[Finding]:
    out = []
    lead_list = leads(G)
    for node, data in sorted(G.nodes(data=True), key=lambda x: str(x[0])):
        if data.get("kind") == COORDINATION_BODY or not data.get("mandates"):
            continue
        seats = [b for _, b, d in G.out_edges(node, data=True) if d.get("membership")] if G.is_directed() else \
                [b for b in G.neighbors(node) if kind(G, b) == COORDINATION_BODY]
        if seats:
            continue
        strengths = {md.get("strength") for md in data["mandates"]}
        severity = ("high" if node in lead_list else
                    "medium" if strengths & {"co-ordinating", "decision-making", "enforcing"} else "low")
        out.append(Finding(
            f"mandate-off-bodies:{node}", "mandate-off-bodies", severity,
            f"{label(G, node)} holds {len(data['mandates'])} mandate(s) "
            f"({', '.join(sorted(s for s in strengths if s))}) but sits on no co-ordination body"
            + (" — and it is the lead body." if node in lead_list else "."),
            {"nodes": [node], "edges": [], "facts": [md["iri"] for md in data["mandates"]]}))
    return out


def find_low_reach(G, m, p: Params) -> list[Finding]:
    out = []
    H = _simple(G, m)
    for lead in leads(G):
        r = reach(G, lead, p.reach_steps, p.reach_kinds, H=H)
        if r["total"] == 0 or r["share"] >= p.min_reach:
            continue
        out.append(Finding(
            f"low-reach:{lead}", "low-reach", "high" if r["share"] < p.severe_reach else "medium",
            f"The lead body {label(G, lead)} reaches {len(r['reached'])} of {r['total']} ministries "
            f"({r['share']:.0%}) within {p.reach_steps} steps; out of reach: "
            f"{', '.join(label(G, x) for x in r['missed'][:8])}{' …' if len(r['missed']) > 8 else ''}.",
            {"nodes": [lead, *r["missed"]], "edges": [], "facts": [],
             "values": {"share": r["share"], "reached": r["reached"], "total": r["total"], "threshold": p.min_reach}}))
    return out


def find_no_legal_basis(G, m, p: Params) -> list[Finding]:
    out = []
    lead_list = leads(G)
    for lead in lead_list:
        data = G.nodes[lead]
        status = _legal_status(data)
        if status == "grounded":
            continue
        out.append(Finding(
            f"lead-no-legal-basis:{lead}", "lead-no-legal-basis", "high" if status == "none-found" else "medium",
            f"The lead body {label(G, lead)} has no legal basis of its own "
            + ("(the curators searched and found none)." if status == "none-found"
               else "recorded in the data (no founding instrument is cited)."),
            {"nodes": [lead], "edges": [], "facts": [data.get("iri")], "values": {"status": status}}))
    for node, data in sorted(G.nodes(data=True), key=lambda x: str(x[0])):
        for md in data.get("mandates", []):
            status = _legal_status(md)
            if status == "grounded":
                continue
            if node in lead_list:
                severity = "high" if status == "none-found" else "medium"
            else:
                severity = "medium" if status == "none-found" else "low"
            out.append(Finding(
                f"mandate-no-legal-basis:{md['id']}", "mandate-no-legal-basis", severity,
                f"The mandate {md['id']} of {label(G, node)}{' (the lead body)' if node in lead_list else ''} "
                + ("has no legal basis (none found)." if status == "none-found" else "cites no legal basis."),
                {"nodes": [node], "edges": [], "facts": [md["iri"]], "values": {"status": status}}))
    return out


def find_no_senior_body(G, m, p: Params) -> list[Finding]:
    senior = sorted((n for n, d in G.nodes(data=True) if d.get("kind") == COORDINATION_BODY
                     and d.get("level") == p.senior_level), key=str)
    lead_list = leads(G)
    if not senior:
        return [Finding("no-senior-official-body", "no-senior-official-body", "high",
                        f"No co-ordination body works at {p.senior_level} level: nothing turns political "
                        "commitments into joint decisions across ministries (a CIO council, say).",
                        {"nodes": [], "edges": [], "facts": []})]
    H = _simple(G, m)
    seated = [b for b in senior if any(H.has_edge(lead, b) for lead in lead_list)]
    if seated or not lead_list:
        return []
    return [Finding("no-senior-official-body", "no-senior-official-body", "medium",
                    f"The lead body sits on none of the {len(senior)} {p.senior_level} co-ordination bodies "
                    f"({', '.join(label(G, b) for b in senior)}): there is no senior-official forum it runs.",
                    {"nodes": [*lead_list, *senior], "edges": [], "facts": [G.nodes[b].get("iri") for b in senior]})]


# The cast roles each rule's evidence depends on: if one of them is unknown (no record plays it and
# no search for it was recorded), the finding describes the curation, not the government.
_NETWORK = (MAIN_BODY, "coordination-members")


RESTS_ON: dict[str, tuple[str, ...]] = {
    "no-lead-body": ("lead-body",),
    "lead-not-central": _NETWORK,
    "key-lever-misaligned": _NETWORK,
    "single-point-of-failure": _NETWORK,
    "bridge": _NETWORK,
    "fragmented": _NETWORK,
    "mandate-off-bodies": _NETWORK,
    "low-reach": _NETWORK,
    "no-senior-official-body": (MAIN_BODY,),
}


def _lever_roles(types: Iterable[str]) -> tuple[str, ...]:
    return tuple(role for role, rules in CAST_RULES.items() for rule, value in rules
                 if rule == "lever-type" and value in types)


def _role_status(G: nx.Graph, facts: "_CastFacts", role: str) -> str:
    """``filled``, ``searched-not-found`` or ``unknown`` for a cast role on the graph's day (the rules
    are the ontology's, vocab.CAST_RULES); ``not-projected`` for roles the network does not carry."""
    filled = False
    for rule, value in CAST_RULES[role]:
        if rule == "lever-type":
            filled |= value in facts.lever_types
        elif rule == "class":
            if value != "gg:LeadDesignation":
                return "not-projected"
            filled |= bool(leads(G))
        elif rule == "declared-by":
            filled |= role in facts.roles
        elif rule == "institution-kind":
            filled |= value in facts.kinds
        elif rule == "membership-role":
            filled |= value in facts.roles_in_main
        elif rule == "member-of-kind":
            filled |= value in facts.member_kinds
    if filled:
        return "filled"
    return "searched-not-found" if role in G.graph.get("searched", []) else "unknown"


@dataclass(frozen=True)
class _CastFacts:
    """What the cast rules ask of a graph, gathered in one pass over its nodes and edges: the lever
    types held, the roles declared, the kinds of body, the membership types of ties into the main
    co-ordination body, and the kinds of body holding a membership."""

    lever_types: frozenset
    roles: frozenset
    kinds: frozenset
    roles_in_main: frozenset
    member_kinds: frozenset

    @classmethod
    def of(cls, G: nx.Graph) -> "_CastFacts":
        nodes = G.nodes(data=True)
        main = {n for n, d in nodes if MAIN_BODY in d.get("roles", [])}
        edges = list(_edges(G))
        return cls(frozenset(lv["type"] for _, d in nodes for lv in d.get("levers", [])),
                   frozenset(r for _, d in nodes for r in d.get("roles", [])),
                   frozenset(d.get("kind") for _, d in nodes),
                   frozenset(d.get("type") for _, v, d in edges if v in main),
                   frozenset(G.nodes[u].get("kind") for u, _, d in edges if d.get("membership")))


def _edges(G: nx.Graph):
    return G.edges(data=True) if not G.is_multigraph() else ((u, v, d) for u, v, _, d in G.edges(keys=True, data=True))


def cast_status(G: nx.Graph) -> dict[str, str]:
    """Every cast role the network carries, with its status on the graph's day."""
    facts = _CastFacts.of(G)
    out = {role: _role_status(G, facts, role) for role in CAST_RULES}
    return {role: status for role, status in out.items() if status != "not-projected"}


def classify(G: nx.Graph, found: list[Finding], params: Params, cast: dict[str, str] | None = None) -> None:
    """Mark each finding a weakness or a data gap, from the status of the roles it rests on. A graph
    without cast information (not from the projection: no ``searched`` in ``G.graph``) is taken as
    curated: its findings stay weaknesses."""
    if cast is None and "searched" not in G.graph:
        return
    cast = cast if cast is not None else cast_status(G)
    rests = {**RESTS_ON, "lead-lacks-levers": _lever_roles(params.lead_levers)}
    day = G.graph.get("as_of", "")
    for f in found:
        roles = rests.get(f.rule, ())
        statuses = {r: cast.get(r, "unknown") for r in roles}
        f.evidence["cast"] = statuses
        unknown = [r for r, st in statuses.items() if st == "unknown"]
        if f.rule == "lead-no-legal-basis" and f.evidence.get("values", {}).get("status") == "not-recorded":
            unknown = ["legal basis of the lead body"]
        if unknown:
            f.nature = "data-gap"
            f.evidence["missing"] = unknown
            f.evidence["to_fill"] = (f"record who plays {', '.join(unknown)} on {day}, or a searched: entry "
                                     "saying it was looked for and not found (graph/README.md, 'The standard cast')")
        elif any(st == "searched-not-found" for st in statuses.values()):
            f.evidence["searched_not_found"] = [r for r, st in statuses.items() if st == "searched-not-found"]


RULES = (find_lead_missing, find_lead_not_central, find_lead_lacks_levers, find_key_lever_misaligned,
         find_single_points, find_fragmented, find_mandate_off_bodies, find_low_reach, find_no_legal_basis,
         find_no_senior_body)


def findings(G: nx.Graph, m: Metrics | None = None, params: Params = Params()) -> list[Finding]:
    """Every finding of every rule, most severe first."""
    m = m if m is not None else metrics(G, params)
    result = [f for rule in RULES for f in rule(G, m, params)]
    for f in result:
        f.evidence.setdefault("values", {})
        f.evidence["facts"] = [x for x in f.evidence.get("facts", []) if x]
    classify(G, result, params)
    return sorted(result, key=_severity_order)
