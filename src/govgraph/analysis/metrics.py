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
from dataclasses import dataclass, field
from typing import Any, Iterable

import networkx as nx

from govgraph.core.vocab import KEY_LEVER_TYPES, LEAD_LEVER_TYPES

COORDINATION_BODY = "coordination-body"


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
    """Number of distinct bodies a body is tied to (Freeman 1979, degree centrality).

    Parameters
    ----------
    H : networkx.Graph
        The undirected simple graph (`simple_graph`).

    Returns
    -------
    dict
        Body → number of neighbours.

    Examples
    --------
    >>> degree(nx.Graph([("lead", "finance"), ("lead", "council")]))
    {'lead': 2, 'finance': 1, 'council': 1}
    """
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
    """PageRank on the weighted undirected graph (Brin & Page 1998): a tie to a well-tied body counts more.

    Solved exactly by igraph (PRPACK), 60× sooner than networkx's power iteration on the year-by-year
    pictures, whose answer it matches within that iteration's tolerance (1e-6; same ranks on the real
    data); networkx where igraph is missing."""
    if H.number_of_nodes() == 0:
        return {}
    if H.number_of_edges() == 0:
        return {n: 1.0 / H.number_of_nodes() for n in H}
    try:
        import igraph
    except ImportError:  # pragma: no cover - igraph is a dependency; networkx gives the same to 1e-6
        return nx.pagerank(H, alpha=alpha, weight="weight")
    nodes = list(H)
    index = {v: i for i, v in enumerate(nodes)}
    edges = list(H.edges(data="weight", default=1.0))
    g = igraph.Graph(n=len(nodes), edges=[(index[u], index[v]) for u, v, _ in edges])
    values = g.pagerank(weights=[float(w) for _, _, w in edges], damping=alpha, directed=False)
    return dict(zip(nodes, values))


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
    when given H's `igraph_view`.

    Parameters
    ----------
    H : networkx.Graph
        The undirected simple graph.
    view : tuple, optional
        H's `igraph_view` (nodes, igraph.Graph), for the C search.

    Returns
    -------
    list
        The bodies, sorted by name.

    Examples
    --------
    >>> articulation_points(nx.Graph([("a", "council"), ("council", "b"), ("b", "c")]))
    ['b', 'council']
    """
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
    """Connected components, largest first (ties: by first member).

    Parameters
    ----------
    H : networkx.Graph

    Returns
    -------
    list of list
        Each component's bodies, sorted by name.

    Examples
    --------
    >>> components(nx.Graph([("a", "b"), ("c", "d"), ("d", "e")]))
    [['c', 'd', 'e'], ['a', 'b']]
    """
    comps = [sorted(c, key=str) for c in nx.connected_components(H)]
    return sorted(comps, key=lambda c: (-len(c), str(c[0])))


def reach(G: nx.Graph, lead: Any, steps: int = 2, kinds: Iterable[str] = ("ministry",),
          H: nx.Graph | None = None) -> dict[str, Any]:
    """Share of the bodies of `kinds` (ministries) within `steps` steps of `lead` (the lead excluded).

    A shared co-ordination body is two steps (member → body → member).

    Parameters
    ----------
    G : networkx.Graph
        The projected graph; each node's ``kind`` attribute says what it is.
    lead : node
        The lead body.
    steps : int
        How far to look.
    kinds : iterable of str
        The kinds of body counted.
    H : networkx.Graph, optional
        G's `simple_graph`, when already made.

    Returns
    -------
    dict
        ``share`` (0–1), ``reached`` and ``missed`` bodies, ``total`` and ``steps``.

    Examples
    --------
    >>> G = nx.Graph([("lead", "council"), ("council", "health"), ("education", "culture")])
    >>> nx.set_node_attributes(G, {"health": "ministry", "education": "ministry"}, "kind")
    >>> r = reach(G, "lead")
    >>> r["share"], r["reached"], r["missed"]
    (0.5, ['health'], ['education'])
    """
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
