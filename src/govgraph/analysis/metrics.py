"""Network analysis: where co-ordination is weak. Pure functions over networkx graphs, no I/O.

Input is the projected graph of `govgraph.analysis.projection` (a MultiDiGraph with typed, weighted edges and
node attributes ``kind``, ``lead``, ``level``, ``levers``, ``mandates``, ``legal_basis`` …), or any
graph carrying the same attributes (the tests build small ones by hand). Metrics are computed on the
undirected simple graph (`simple_graph`): co-ordination runs both ways along a formal tie, and a
reports-to line is as much a channel downward as upward. Path metrics count steps; PageRank and
Burt's constraint use the declared tie weights. Every metric and finding is explained, with its
reference, in docs/analysis.md.
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

import networkx as nx

from govgraph.core.vocab import CAST_RULES, KEY_LEVER_TYPES, LEAD_LEVER_TYPES

SEVERITIES = ("high", "medium", "low")
COORDINATION_BODY = "coordination-body"
MAIN_BODY = "main-coordination-body"
NATURES = ("weakness", "data-gap")


@dataclass(frozen=True)
class Params:
    """Thresholds of the analysis; the defaults are documented in docs/analysis.md."""

    exact_betweenness_max_nodes: int = 2000   # exact Brandes above this many nodes would be slow
    betweenness_samples: int = 500            # pivots for sampled betweenness (k in Brandes–Pich)
    closeness_samples: int = 200              # pivots per large part for estimated closeness (Eppstein–Wang)
    seed: int = 20160630                      # fixed seed: sampled results are reproducible
    central_rank: int = 3                     # the lead body should be among the top-k brokers
    reach_steps: int = 2                      # "within two steps" of the lead body
    reach_kinds: tuple[str, ...] = ("ministry",)
    min_reach: float = 0.5                    # below this share of ministries reached: low reach
    severe_reach: float = 0.25                # below this: high severity
    tie_distance: int = 2                     # a shared co-ordination body is two steps
    key_levers: tuple[str, ...] = KEY_LEVER_TYPES   # the ontology's gg:keyLever lever types
    lead_levers: tuple[str, ...] = LEAD_LEVER_TYPES  # gg:empowersLead (as gg:EmpoweredLeadBody)
    min_separated: int = 2                    # cut-off parts smaller than this are not reported
    severe_separated_share: float = 0.25      # cut-off share of all nodes that makes it high severity
    senior_level: str = "senior-official"


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
        return asdict(self)


@dataclass
class Metrics:
    """Per-node metrics (dicts keyed by node) and graph-level structure."""

    degree: dict[Any, int]
    betweenness: dict[Any, float]
    betweenness_method: dict[str, Any]
    closeness: dict[Any, float]
    pagerank: dict[Any, float]
    constraint: dict[Any, float | None]
    effective_size: dict[Any, float | None]
    articulation_points: list[Any]
    bridges: list[tuple[Any, Any]]
    components: list[list[Any]]
    simple: nx.Graph | None = field(default=None, repr=False, compare=False)  # what they were computed on

    def node_table(self) -> dict[Any, dict[str, Any]]:
        return {n: {"degree": self.degree[n], "betweenness": self.betweenness[n], "closeness": self.closeness[n],
                    "pagerank": self.pagerank[n], "constraint": self.constraint[n],
                    "effective_size": self.effective_size[n]} for n in self.degree}


# -- graphs -------------------------------------------------------------------------------------

def simple_graph(G: nx.Graph, *, ties_only: bool = False) -> nx.Graph:
    """Undirected simple graph: parallel and opposite edges merge, their weights add up; ``tie``
    says whether any of them is a co-ordination tie.

    `ties_only` keeps only edges declared as co-ordination ties (``tie`` attribute, default true).
    """
    merged: dict[tuple[Any, Any], dict[str, Any]] = {}
    for u, v, data in G.edges(data=True):
        tie = data.get("tie", True)
        if u == v or (ties_only and not tie):
            continue
        weight = float(data.get("weight", 1.0))
        kind = data.get("type", "tie")
        attrs = merged.get((u, v)) or merged.get((v, u))
        if attrs is None:
            merged[(u, v)] = {"weight": weight, "types": [kind], "tie": bool(tie)}
        else:
            attrs["weight"] += weight
            if kind not in attrs["types"]:
                attrs["types"] = sorted(set(attrs["types"]) | {kind})
            attrs["tie"] = attrs["tie"] or bool(tie)
    H = nx.Graph()
    H.add_nodes_from(G.nodes(data=True))
    H.add_edges_from((u, v, attrs) for (u, v), attrs in merged.items())
    return H


def leads(G: nx.Graph) -> list[Any]:
    """The lead bodies: ``G.graph['leads']`` if given, else nodes flagged ``lead``."""
    given = G.graph.get("leads")
    if given:
        return [n for n in given if n in G]
    return sorted((n for n, d in G.nodes(data=True) if d.get("lead")), key=str)


def kind(G: nx.Graph, node: Any) -> str | None:
    return G.nodes[node].get("kind")


def label(G: nx.Graph, node: Any) -> str:
    data = G.nodes[node]
    text = data.get("label") or str(node)
    return f"{text} ({data['acronym']})" if data.get("acronym") and data["acronym"] not in text else text


# -- metrics ------------------------------------------------------------------------------------

def degree(H: nx.Graph) -> dict[Any, int]:
    """Number of distinct bodies a body is tied to (Freeman 1979, degree centrality)."""
    return {n: H.degree(n) for n in H}


def betweenness(H: nx.Graph, params: Params = Params(), view=None) -> tuple[dict[Any, float], dict[str, Any]]:
    """Normalised betweenness (Freeman 1977; Brandes 2001): exact up to
    `params.exact_betweenness_max_nodes` nodes, else estimated from `betweenness_samples` pivots with
    a fixed seed (Brandes & Pich 2007). The second value says which was used.

    Both are networkx's values (the estimate with the same pivots and scaling) computed by igraph in
    C (benchmarks/RESULTS.md). `view`: H as `igraph_view(H)`, when the caller has it already."""
    n = H.number_of_nodes()
    if n <= 2:
        return dict.fromkeys(H, 0.0), {"method": "exact", "nodes": n}
    nodes, g = view or igraph_view(H)
    if n <= params.exact_betweenness_max_nodes or params.betweenness_samples >= n:
        # igraph counts each unordered pair once; networkx's normalisation is over ordered pairs
        exact = g.betweenness(directed=False)
        return ({v: 2 * exact[i] / ((n - 1) * (n - 2)) for i, v in enumerate(nodes)},
                {"method": "exact", "nodes": n})
    k = params.betweenness_samples
    vertex = {v: i for i, v in enumerate(nodes)}
    pivots = [vertex[v] for v in random.Random(params.seed).sample(list(H), k)]  # networkx's draw
    # igraph counts each (pivot, target) path once per unordered pair: networkx's sum is twice it;
    # networkx then scales pivots by 1/((k-1)(n-2)) and other nodes by 1/(k(n-2)) (endpoints excluded)
    raw = g.betweenness(sources=pivots, directed=False)
    chosen = set(pivots)
    values = {v: 2 * raw[i] / ((k - 1 if i in chosen else k) * (n - 2)) for i, v in enumerate(nodes)}
    return values, {"method": "sampled", "nodes": n, "samples": k, "seed": params.seed}


def closeness(H: nx.Graph, params: Params = Params(), view=None) -> dict[Any, float]:
    """Closeness (Freeman 1979) with the Wasserman–Faust correction for disconnected graphs: exact
    in every part of at most `params.exact_betweenness_max_nodes` nodes; in larger parts each node's
    distance to the others is estimated from its distances to `closeness_samples` pivots of its
    part, drawn with the fixed seed (Eppstein & Wang 2004). Computed by igraph in C."""
    import numpy as np

    n = H.number_of_nodes()
    if n <= 1:
        return dict.fromkeys(H, 0.0)
    nodes, g = view or igraph_view(H)
    values = np.zeros(n)
    part_size = np.zeros(n)
    rng = random.Random(params.seed)
    small: list[int] = []
    for part in g.connected_components():
        r = len(part)
        part_size[part] = r
        if r <= max(params.exact_betweenness_max_nodes, params.closeness_samples):
            small += part
            continue
        pivots = rng.sample(part, params.closeness_samples)
        total = np.zeros(r)
        for at in range(0, len(pivots), 50):  # 50 rows of r distances at a time
            total += np.asarray(g.distances(source=pivots[at:at + 50], target=part)).sum(axis=0)
        drawn = np.full(r, float(len(pivots)))
        drawn[np.isin(part, pivots)] -= 1  # a pivot's distance to itself is not a sample
        estimate = total * (r - 1) / drawn  # of the distances to all r - 1 others
        values[part] = (r - 1) / estimate * (r - 1) / (n - 1)  # connected, r > 1: estimate > 0
    if small:  # exact: igraph's normalised closeness is (r - 1) / Σ distances within the part
        exact = np.nan_to_num(np.asarray(g.closeness(vertices=small, normalized=True), dtype=float))
        values[small] = exact * (part_size[small] - 1) / (n - 1)
    return {v: float(values[i]) for i, v in enumerate(nodes)}


def igraph_view(H: nx.Graph):
    """(nodes, g): H as an igraph Graph whose vertex i is nodes[i], what the path metrics run on, in C
    (the same values as networkx's, 50–500× sooner). Vertices are numbered in reverse Cuthill–McKee
    order, so that neighbours sit near each other in memory: breadth-first searches then run ~1.7×
    faster at 100k nodes."""
    import igraph
    import numpy as np
    from scipy.sparse.csgraph import reverse_cuthill_mckee

    listed = list(H)
    if not listed:
        return [], igraph.Graph()
    index = {v: i for i, v in enumerate(listed)}
    edges = np.array([(index[u], index[v]) for u, v in H.edges()], dtype=np.int64).reshape(-1, 2)
    A = nx.to_scipy_sparse_array(H, nodelist=listed, weight=None, format="csr")
    order = reverse_cuthill_mckee(A.astype(np.int32).tocsr(), symmetric_mode=True)
    position = np.empty(len(listed), dtype=np.int64)
    position[order] = np.arange(len(listed))
    return [listed[i] for i in order], igraph.Graph(n=len(listed), edges=position[edges].tolist())


def pagerank(H: nx.Graph, alpha: float = 0.85) -> dict[Any, float]:
    """PageRank on the weighted undirected graph (Brin & Page 1998): a tie to a well-tied body counts more."""
    if H.number_of_nodes() == 0:
        return {}
    if H.number_of_edges() == 0:
        return {n: 1.0 / H.number_of_nodes() for n in H}
    return nx.pagerank(H, alpha=alpha, weight="weight")


def structural_holes(H: nx.Graph) -> tuple[dict[Any, float | None], dict[Any, float | None]]:
    """Burt's (1992) constraint and effective size, with his weighted formulas as networkx has them.

    Constraint: near 1, all of a body's ties lead into one closed group (it cannot broker); low, it
    bridges structural holes. Effective size: how many of its contacts are not redundant with each
    other. Both are None for an isolated body (undefined). With p_ij = w_ij / Σ_k w_ik and
    m_ij = w_ij / max_k w_ik, constraint(i) = Σ_j (p_ij + Σ_q p_iq p_qj)² and effective size(i) =
    Σ_j (1 − Σ_q p_iq m_jq), j over i's contacts and q over the contacts i and j share.

    Why not networkx: its matrix forms multiply out every two-step pair (a ministry with thousands
    of units makes millions), or build a dense n × n matrix (80 GB at 100k bodies); only the
    triangles i–j–q contribute, and there are few."""
    total = {i: sum(d["weight"] for d in H[i].values()) for i in H}
    top = {i: max((d["weight"] for d in H[i].values()), default=0.0) for i in H}
    constraint_of: dict[Any, float | None] = {}
    size_of: dict[Any, float | None] = {}
    for i in H:
        Ni = H[i]
        if not Ni or total[i] == 0:
            constraint_of[i] = size_of[i] = None
            continue
        c = redundancy = 0.0
        for j, d in Ni.items():
            Nj = H[j]
            shared = [q for q in (Nj if len(Nj) < len(Ni) else Ni) if q in Ni and q in Nj and q != i and q != j]
            indirect = sum(Ni[q]["weight"] / total[i] * Nj[q]["weight"] / total[q] for q in shared)
            c += (d["weight"] / total[i] + indirect) ** 2
            redundancy += sum(Ni[q]["weight"] / total[i] * Nj[q]["weight"] / top[j] for q in shared)
        constraint_of[i], size_of[i] = c, len(Ni) - redundancy
    return constraint_of, size_of


def constraint(H: nx.Graph) -> dict[Any, float | None]:
    """Burt's constraint (see `structural_holes`)."""
    return structural_holes(H)[0]


def effective_size(H: nx.Graph) -> dict[Any, float | None]:
    """Burt's effective size (see `structural_holes`)."""
    return structural_holes(H)[1]


def articulation_points(H: nx.Graph, view=None) -> list[Any]:
    """Bodies whose removal disconnects the network (single points of failure); igraph's C search
    when given H's `igraph_view`."""
    if view is not None:
        nodes, g = view
        return sorted((nodes[i] for i in g.articulation_points()), key=str)
    return sorted(nx.articulation_points(H), key=str)


def bridges(H: nx.Graph, view=None) -> list[tuple[Any, Any]]:
    """Ties whose removal disconnects the network (igraph's C search when given H's `igraph_view`)."""
    if view is not None:
        nodes, g = view
        found = ((nodes[g.es[e].source], nodes[g.es[e].target]) for e in g.bridges())
    else:
        found = nx.bridges(H)
    return sorted((tuple(sorted((u, v), key=str)) for u, v in found), key=lambda e: (str(e[0]), str(e[1])))


def components(H: nx.Graph) -> list[list[Any]]:
    """Connected components, largest first (ties: by first member)."""
    comps = [sorted(c, key=str) for c in nx.connected_components(H)]
    return sorted(comps, key=lambda c: (-len(c), str(c[0])))


def reach(G: nx.Graph, lead: Any, steps: int = 2, kinds: Iterable[str] = ("ministry",),
          H: nx.Graph | None = None) -> dict[str, Any]:
    """Share of the bodies of `kinds` (ministries) within `steps` steps of `lead` (the lead excluded).

    A shared co-ordination body is two steps (member → body → member)."""
    H = H if H is not None else simple_graph(G)
    kinds = set(kinds)
    targets = sorted((n for n, d in H.nodes(data=True) if d.get("kind") in kinds and n != lead), key=str)
    if lead not in H:
        return {"share": 0.0, "reached": [], "missed": targets, "total": len(targets), "steps": steps}
    near = nx.single_source_shortest_path_length(H, lead, cutoff=steps)
    reached = [n for n in targets if n in near]
    share = len(reached) / len(targets) if targets else 1.0
    return {"share": share, "reached": reached, "missed": [n for n in targets if n not in near],
            "total": len(targets), "steps": steps}


def metrics(G: nx.Graph, params: Params = Params()) -> Metrics:
    """Every node metric and graph structure at once, on the undirected simple graph."""
    H = simple_graph(G)
    view = igraph_view(H)
    bc, method = betweenness(H, params, view)
    burt, size = structural_holes(H)
    return Metrics(degree=degree(H), betweenness=bc, betweenness_method=method,
                   closeness=closeness(H, params, view), pagerank=pagerank(H), constraint=burt,
                   effective_size=size, articulation_points=articulation_points(H, view),
                   bridges=bridges(H, view), components=components(H), simple=H)


def _simple(G: nx.Graph, m: Metrics | None) -> nx.Graph:
    """The simple graph the metrics were computed on (made once, not once per rule)."""
    if m is not None and m.simple is not None:
        return m.simple
    return simple_graph(G)


def rank(values: dict[Any, float | None], node: Any) -> int:
    """Competition rank of `node` (1 = highest; ties share the better rank; None counts as lowest)."""
    mine = values.get(node)
    mine = -math.inf if mine is None else mine
    return 1 + sum(1 for v in values.values() if v is not None and v > mine + 1e-12)


def ranks(values: dict[Any, float | None]) -> dict[Any, int]:
    """`rank` of every node at once: one sort, not one pass over all values per node."""
    import bisect

    ordered = sorted(v for v in values.values() if v is not None)
    return {node: 1 + len(ordered) - bisect.bisect_right(ordered, (-math.inf if v is None else v) + 1e-12)
            for node, v in values.items()}


# -- findings -----------------------------------------------------------------------------------

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


# -- the standard cast on the projected graph: a finding resting on an unknown role is a data gap --

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


def role_status(G: nx.Graph, role: str) -> str:
    """``filled``, ``searched-not-found`` or ``unknown`` for a cast role on the graph's day (the rules
    are the ontology's, vocab.CAST_RULES); ``not-projected`` for roles the network does not carry."""
    nodes = list(G.nodes(data=True))
    main = {n for n, d in nodes if MAIN_BODY in d.get("roles", [])}
    filled = False
    for rule, value in CAST_RULES[role]:
        if rule == "lever-type":
            filled |= any(lv["type"] == value for _, d in nodes for lv in d.get("levers", []))
        elif rule == "class":
            if value != "gg:LeadDesignation":
                return "not-projected"
            filled |= bool(leads(G))
        elif rule == "declared-by":
            filled |= any(role in d.get("roles", []) for _, d in nodes)
        elif rule == "institution-kind":
            filled |= any(d.get("kind") == value for _, d in nodes)
        elif rule == "membership-role":
            filled |= any(d.get("type") == value and v in main for _, v, d in _edges(G))
        elif rule == "member-of-kind":
            filled |= any(d.get("membership") and G.nodes[u].get("kind") == value for u, _, d in _edges(G))
    if filled:
        return "filled"
    return "searched-not-found" if role in G.graph.get("searched", []) else "unknown"


def _edges(G: nx.Graph):
    return G.edges(data=True) if not G.is_multigraph() else ((u, v, d) for u, v, _, d in G.edges(keys=True, data=True))


def cast_status(G: nx.Graph) -> dict[str, str]:
    """Every cast role the network carries, with its status on the graph's day."""
    out = {role: role_status(G, role) for role in CAST_RULES}
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


# -- indicators, annotation, comparison ---------------------------------------------------------

INDICATORS = (
    # name, better when ("high" or "low"), description
    ("lead_betweenness", "high", "the lead body's normalised betweenness"),
    ("lead_betweenness_rank", "low", "its rank among all bodies by betweenness (1 = most central)"),
    ("lead_degree", "high", "bodies tied directly to the lead body"),
    ("lead_closeness", "high", "the lead body's closeness"),
    ("lead_pagerank_rank", "low", "its rank by PageRank"),
    ("lead_constraint", "low", "Burt's constraint on the lead body (low = broker)"),
    ("reach", "high", "share of ministries within two steps of the lead body"),
    ("reach_3", "high", "share of ministries within three steps"),
    ("lead_key_levers", "high", "binding budget/approval levers the lead body holds"),
    ("key_levers_misaligned", "low", "key levers held with no tie to the lead body"),
    ("components", "low", "disconnected parts of the network"),
    ("articulation_points", "low", "single points of failure"),
    ("findings_high", "low", "high-severity weaknesses (data gaps are counted apart)"),
    ("findings_total", "low", "all weaknesses"),
    ("data_gaps", "low", "findings that rest on a role nobody searched for"),
    ("cast_unknown", "low", "cast roles neither filled nor searched on the day"),
)


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
    for name, better, _ in INDICATORS:
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
        position = {name: {"value": next(r[name] for r in rows if r["country"] == focus), "rank": ranks[focus][name],
                           "of": sum(1 for r in rows if r.get(name) is not None), "better": better, "meaning": text}
                    for name, better, text in INDICATORS}
    return {"rows": rows, "ranks": ranks, "focus": focus, "position": position,
            "indicators": [{"name": n, "better": b, "meaning": t} for n, b, t in INDICATORS]}


def scenario_delta(base_row: dict[str, Any], base_found: list[Finding], alt_row: dict[str, Any],
                   alt_found: list[Finding]) -> dict[str, Any]:
    """What a scenario changes against the baseline: indicator deltas and findings resolved/added."""
    deltas = {}
    for name, better, _ in INDICATORS:
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
