"""The map model (pure): a fixed-seed layout and the node and edge records vis-network draws, with
their tooltips, styles (the ontology's kinds, edges.toml's styles) and legend."""

from __future__ import annotations

import inspect
import math
from typing import Any, Iterable

import networkx as nx

from govgraph.analysis import metrics, projection
from govgraph.core.vocab import NODE_KINDS
from govgraph.site.details import Details

SEED = 20160630


PHYSICS_MAX_NODES = 300          # above this, physics is off: the precomputed layout is final


STABILISATION_ITERATIONS = 120   # below it, a short relaxation of the precomputed layout


# node kind → (legend label, colour, vis shape): the ontology's gg:mapColour and gg:mapShape
KINDS: dict[str, tuple[str, str, str]] = {kind: (k.label, k.colour, k.shape) for kind, k in NODE_KINDS.items()
                                          if k.colour and k.shape}


OTHER_KIND = ("Other", "#c9c9c9", "dot")


LEAD_BORDER = "#b8860b"


WEAK_GLOW = {"high": "rgba(192,57,43,0.95)", "medium": "rgba(217,130,43,0.9)", "low": "rgba(138,143,152,0.8)"}


# edge type → (filter group, legend label, colour, width, dashes, arrow): edges.toml's [[style]] rows
RELATIONS: dict[str, tuple[str, str, str, float, list[int] | None, bool]] = {
    t: (st.group, st.label, st.colour, st.width, list(st.dashes) or None, st.arrow)
    for t, st in projection.load_edge_styles().items()}


OTHER_RELATION = ("other", "other tie", "#aaaaaa", 1.0, [2, 2], True)


GROUPS = {"hierarchy": "hierarchy", "membership": "membership", "chair": "chair", "secretariat": "secretariat",
          "lever": "levers", "oversight": "oversight", "funding": "funding", "advice": "advice", "other": "other"}


def layout(node_ids: list[str], pairs: Iterable[tuple[str, str]], *, seed: int = SEED) -> dict[str, tuple[int, int]]:
    """Fixed-seed spring layout in screen pixels; the same graph gives the same coordinates."""
    H = nx.Graph()
    H.add_nodes_from(sorted(node_ids))
    H.add_edges_from(sorted((u, v) for u, v in pairs if u != v))
    n = H.number_of_nodes()
    if n == 0:
        return {}
    # isolated bodies go in a column beside the network: left in the spring layout, repulsion alone
    # would fling them to the rim and shrink everything else when the view is fitted
    isolates = sorted(nx.isolates(H), key=str)
    # a fresh graph in sorted order, not a subgraph view: a view iterates its node set in hash order,
    # and spring_layout's result depends on node order
    lonely = set(isolates)
    core = nx.Graph()
    core.add_nodes_from(x for x in sorted(H, key=str) if x not in lonely)
    core.add_edges_from(sorted((u, v) if str(u) <= str(v) else (v, u) for u, v in H.edges()))
    m = core.number_of_nodes()
    scale = max(260.0, 120.0 * math.sqrt(max(m, 1)))
    out: dict[str, tuple[int, int]] = {}
    if m == 1:
        out[next(iter(core))] = (0, 0)
    elif m > 1:
        if m <= 500:
            extra = {"method": "force"} if "method" in inspect.signature(nx.spring_layout).parameters else {}
            pos = nx.spring_layout(core, seed=seed, k=2.0 / math.sqrt(m), iterations=200, **extra)
        elif m <= 2000:
            pos = _fr_dense(core, seed=seed, k=2.0 / math.sqrt(m), iterations=60)
        else:
            pos = _fr_grid(core, seed=seed)
        out.update({k: (int(round(x * scale)), int(round(y * scale))) for k, (x, y) in pos.items()})
    if isolates:
        right = max((x for x, _ in out.values()), default=0) + 220
        top = min((y for _, y in out.values()), default=0)
        rows = max(1, int(math.ceil(math.sqrt(len(isolates) * 2))))
        for i, node in enumerate(isolates):
            out[node] = (right + 170 * (i // rows), top + 90 * (i % rows))
    return out


def _fr_dense(G: nx.Graph, *, seed: int, k: float, iterations: int) -> dict[Any, tuple[float, float]]:
    """Fruchterman–Reingold, vectorised with numpy, for graphs past 500 nodes.

    Why not networkx: past 500 nodes its spring layout switches to a per-node Python loop (sparse FR)
    or an optimiser (networkx 3.4's "energy"); either took 30–60 s on 1,000 nodes, this takes about a
    second. Same algorithm (forces k²/d and d²/k, linear cooling), fixed seed, deterministic."""
    import numpy as np

    nodes = list(G)
    index = {n: i for i, n in enumerate(nodes)}
    n = len(nodes)
    rng = np.random.RandomState(seed)
    pos = rng.rand(n, 2)
    src = np.array([index[u] for u, v in G.edges()], dtype=int)
    dst = np.array([index[v] for u, v in G.edges()], dtype=int)
    t = 0.1
    dt_ = t / (iterations + 1)
    for _ in range(iterations):
        # repulsion k²/d along (pi - pj)/d, as matrix products: no n×n×2 temporaries
        sq = (pos ** 2).sum(axis=1)
        d2 = sq[:, None] + sq[None, :] - 2.0 * (pos @ pos.T)
        np.clip(d2, 1e-4, None, out=d2)
        force = (k * k) / d2
        np.fill_diagonal(force, 0.0)
        disp = pos * force.sum(axis=1)[:, None] - force @ pos
        if len(src):
            d = pos[src] - pos[dst]
            length = np.sqrt((d ** 2).sum(axis=1)).clip(0.01)
            pull = d * (length / k)[:, None]
            np.add.at(disp, src, -pull)
            np.add.at(disp, dst, pull)
        length = np.sqrt((disp ** 2).sum(axis=1)).clip(0.01)
        pos += disp * (np.minimum(length, t) / length)[:, None]
        t -= dt_
    pos -= pos.mean(axis=0)
    span = np.abs(pos).max() or 1.0
    pos /= span
    return {node: (float(x), float(y)) for node, (x, y) in zip(nodes, pos)}


def _fr_grid(G: nx.Graph, *, seed: int) -> dict[Any, tuple[float, float]]:
    """Fruchterman–Reingold on a grid (igraph, in C) past 2,000 nodes, where the dense version's
    n × n forces take minutes: repulsion only from nearby cells. Fixed seed: the start positions
    and igraph's random numbers (Python's `random`, swapped for a seeded one meanwhile)."""
    import random

    import igraph
    import numpy as np

    nodes = list(G)
    index = {n: i for i, n in enumerate(nodes)}
    g = igraph.Graph(n=len(nodes), edges=[(index[u], index[v]) for u, v in G.edges()])
    start = np.random.RandomState(seed).rand(len(nodes), 2).tolist()
    igraph.set_random_number_generator(random.Random(seed))
    try:
        pos = np.array(g.layout_fruchterman_reingold(seed=start, niter=100, grid=True).coords)
    finally:
        igraph.set_random_number_generator(random)
    pos -= pos.mean(axis=0)
    pos /= np.abs(pos).max() or 1.0
    return {node: (float(x), float(y)) for node, (x, y) in zip(nodes, pos)}


def _code_label(code: str | None) -> str:
    return (code or "").replace("-", " ")


def _num(v: Any, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _safe_url(url: str | None) -> str | None:
    return url if url and url.lower().startswith(("http://", "https://")) else None


def _amount(value: str | None, currency: str | None) -> str | None:
    if value is None:
        return None
    try:
        number = float(value)
        text = f"{number:,.0f}" if number == int(number) else f"{number:,.2f}"
    except ValueError:
        text = value
    return f"{text} {currency or ''}".strip()


def _sources(det: Details, iri: str | None) -> list[dict[str, str | None]]:
    out = []
    for c in det.citations.get(iri or "", []):
        text = c["title"] or c["source"]
        if c["locator"]:
            text += f" — {c['locator']}"
        if c["note"]:
            text += f" (note: {c['note']})"
        out.append({"text": text, "url": _safe_url(c["url"])})
    return out


def _record_blocks(det: Details, iri: str | None, heading: str | None = None) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if heading:
        blocks.append({"sub": heading})
    desc = det.fact(iri, "description")
    if desc:
        blocks.append({"p": desc})
    kv = []
    conf = det.fact(iri, "confidence")
    if conf:
        kv.append(["confidence", conf.rsplit("/", 1)[-1]])
    if det.fact(iri, "from") or det.fact(iri, "until"):
        kv.append(["valid", f"{det.fact(iri, 'from') or '…'} – {det.fact(iri, 'until') or '…'}"])
    if kv:
        blocks.append({"kv": kv})
    src = _sources(det, iri)
    if src:
        blocks.append({"sources": src})
    return blocks


def _legal_text(det: Details, item: dict[str, Any], labels: dict[str, str]) -> str:
    if item.get("legal_basis"):
        return "legal basis: " + "; ".join(det.fact(i, "label") or labels.get(i) or i.rsplit("/", 1)[-1]
                                           for i in item["legal_basis"])
    return "legal basis: none found by the curators" if item.get("no_legal_basis_found") else "legal basis: not recorded"


def _node_info(n: dict[str, Any], det: Details, doc: dict[str, Any], ranks: dict[str, int],
               labels: dict[str, str], findings_by_id: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    title = n["label"] + (f" ({n['acronym']})" if n.get("acronym") and n["acronym"] not in n["label"] else "")
    blocks: list[dict[str, Any]] = [{"h": ("★ " if n.get("lead") else "") + title}]
    names = sorted((n.get("labels") or {}).items(), key=lambda kv: (kv[0] != "en", kv[0]))
    kv = [[f"name ({lang or '–'})", text] for lang, text in names]
    kv.append(["kind", KINDS.get(n.get("kind") or "", OTHER_KIND)[0]])
    if n.get("placement"):
        kv.append(["placement", _code_label(n["placement"])])
    if n.get("level"):
        kv.append(["level", _code_label(n["level"])])
    if n.get("scope"):
        kv.append(["scope", _code_label(n["scope"])])
    if n.get("lead"):
        kv.append(["role", "lead body for digital government"])
    blocks.append({"kv": kv})
    total = len(doc["nodes"])
    blocks.append({"kv": [["degree", _num(n.get("degree"))],
                          ["betweenness", f"{_num(n.get('betweenness'))} (rank {ranks.get(n['id'], '–')} of {total})"],
                          ["closeness", _num(n.get("closeness"))], ["PageRank", _num(n.get("pagerank"))],
                          ["constraint", _num(n.get("constraint"))]]})
    blocks += _record_blocks(det, n["iri"])
    if n.get("kind") != "coordination-body":
        blocks.append({"p": _legal_text(det, n, labels)})
    for md in n.get("mandates") or []:
        blocks += _record_blocks(det, md["iri"], f"Mandate ({_code_label(md.get('strength')) or 'strength not recorded'})")
        blocks.append({"p": _legal_text(det, md, labels)})
    for lv in n.get("levers") or []:
        head = f"Lever: {_code_label(lv['type'])} ({'binding' if lv.get('binding') else 'not binding'})"
        blocks.append({"sub": head})
        kv = []
        amount = _amount(det.fact(lv["iri"], "threshold"), det.fact(lv["iri"], "currency"))
        if amount:
            kv.append(["threshold", amount])
        if det.fact(lv["iri"], "scope"):
            kv.append(["scope", det.fact(lv["iri"], "scope")])
        binds = det.fact(lv["iri"], "binds") or []
        if binds:
            kv.append(["binds", "; ".join(labels.get(b, b.rsplit("/", 1)[-1]) for b in binds)])
        if kv:
            blocks.append({"kv": kv})
        blocks += _record_blocks(det, lv["iri"])
        blocks.append({"p": _legal_text(det, lv, labels)})
    weak = [findings_by_id[f] for f in n.get("weak_findings") or [] if f in findings_by_id]
    if weak:
        blocks.append({"sub": "Weak points"})
        blocks += [{"p": f"{f['severity']}: {f['statement']}"} for f in weak]
    blocks.append({"p": n["iri"], "cls": "gg-iri"})
    return blocks


def _edge_info(e: dict[str, Any], det: Details, by_id: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rel = RELATIONS.get(e["type"], OTHER_RELATION)
    a, b = by_id[e["source"]]["label"], by_id[e["target"]]["label"]
    blocks: list[dict[str, Any]] = [{"h": f"{a} — {rel[1]} → {b}"},
                                    {"kv": [["relation", e["type"]], ["weight", _num(e.get("weight"), 2)]]}]
    if e.get("record") and e["record"] not in (by_id[e["source"]]["iri"],):
        blocks += _record_blocks(det, e["record"])
        blocks.append({"p": e["record"], "cls": "gg-iri"})
    else:
        blocks += [{"sources": _sources(det, e.get("record"))}] if _sources(det, e.get("record")) else []
    return blocks


def _short(n: dict[str, Any]) -> str:
    return n.get("acronym") or n["label"]


def map_model(doc: dict[str, Any], det: Details | None = None, *, map_id: str | None = None,
              seed: int = SEED, positions: dict[str, tuple[int, int]] | None = None) -> dict[str, Any]:
    """Everything one map needs, as plain data: the vis nodes and edges (with the info blocks their
    tooltips show), options, the legend entries, filter groups and the names to search. `positions`:
    given coordinates (one layout for several maps) instead of this map's own layout."""
    det = det or Details()
    nodes_in = sorted(doc["nodes"], key=lambda n: str(n["id"]))
    by_id = {n["id"]: n for n in nodes_in}
    labels = {n["iri"]: n["label"] for n in nodes_in}
    edges_in = sorted(doc["edges"], key=lambda e: (str(e["source"]), e["type"], str(e["target"])))
    pos = positions if positions is not None else layout([n["id"] for n in nodes_in],
                                                         [(e["source"], e["target"]) for e in edges_in], seed=seed)
    ranks = metrics.ranks({n["id"]: n.get("betweenness") for n in nodes_in})
    findings_by_id = {f["id"]: f for f in doc.get("findings", [])}
    lever_of = {lv["iri"]: lv["type"] for n in nodes_in for lv in n.get("levers") or []}
    big = len(nodes_in) > PHYSICS_MAX_NODES

    vis_nodes = []
    for n in nodes_in:
        kind_label, colour, shape = KINDS.get(n.get("kind") or "", OTHER_KIND)
        lead = bool(n.get("lead"))
        border = LEAD_BORDER if lead else "#33415c"
        node = {
            "id": n["id"], "label": ("★ " if lead else "") + _short(n), "x": pos[n["id"]][0], "y": pos[n["id"]][1],
            "shape": shape, "size": round(12 + 26 * float(n.get("size") or 0), 2),
            "color": {"background": colour, "border": border,
                      "highlight": {"background": colour, "border": "#000000"},
                      "hover": {"background": colour, "border": "#000000"}},
            "borderWidth": 5 if lead else 1.5, "borderWidthSelected": 6 if lead else 3,
            "font": {"size": 18 if lead else 14, "color": "#111111"},
            "kind": n.get("kind"), "lead": lead, "weak": n.get("weak_severity"),
            "leverTypes": sorted({lv["type"] for lv in n.get("levers") or []}),
            "search": sorted({n["id"], n["label"], *(n.get("labels") or {}).values(),
                              *([n["acronym"]] if n.get("acronym") else [])}),
            "info": _node_info(n, det, doc, ranks, labels, findings_by_id),
        }
        if n.get("weak_severity"):
            node["shadow"] = {"enabled": True, "color": WEAK_GLOW.get(n["weak_severity"], WEAK_GLOW["low"]),
                              "size": 22 if n["weak_severity"] == "high" else 16, "x": 0, "y": 0}
        vis_nodes.append(node)

    vis_edges = []
    for i, e in enumerate(edges_in):
        group, rel_label, colour, width, dashes, arrow = RELATIONS.get(e["type"], OTHER_RELATION)
        edge = {"id": f"e{i}", "from": e["source"], "to": e["target"], "type": e["type"], "group": group,
                "color": {"color": colour, "highlight": "#000000", "hover": colour, "opacity": 0.9},
                "width": width, "dashes": dashes or False, "arrows": {"to": {"enabled": arrow, "scaleFactor": 0.6}},
                "info": _edge_info(e, det, by_id)}
        if e["type"] == "lever":
            edge["leverType"] = lever_of.get(e.get("record") or "", "")
        vis_edges.append(edge)

    options = {
        "autoResize": True,
        "layout": {"randomSeed": seed, "improvedLayout": False},
        "physics": {"enabled": not big, "solver": "barnesHut",
                    "barnesHut": {"gravitationalConstant": -4000, "centralGravity": 0.05, "springLength": 150,
                                  "springConstant": 0.03, "damping": 0.6, "avoidOverlap": 0.6},
                    "maxVelocity": 30, "minVelocity": 1.5, "timestep": 0.5,
                    "stabilization": {"enabled": not big, "iterations": STABILISATION_ITERATIONS,
                                      "updateInterval": 40, "fit": True}},
        "interaction": {"hover": True, "tooltipDelay": 120, "multiselect": True, "navigationButtons": False,
                        "keyboard": False, "hideEdgesOnDrag": big, "hideEdgesOnZoom": big},
        "nodes": {"font": {"face": "system-ui, sans-serif", "strokeWidth": 4, "strokeColor": "#ffffff"},
                  "widthConstraint": {"maximum": 170}},
        "edges": {"smooth": {"enabled": not big, "type": "continuous", "roundness": 0.3}, "selectionWidth": 1.5},
    }
    mid = map_id or (doc["country"].lower() if not doc.get("scenario") else f"scenario-{doc['scenario']}")
    net = network(vis_nodes, vis_edges, options)
    data = {"id": mid, "nodes": net.nodes, "edges": net.edges, "options": net.options}

    kinds_present = sorted({n.get("kind") or "" for n in nodes_in},
                           key=lambda k: (list(KINDS).index(k) if k in KINDS else 99, k))
    types_present = sorted({e["type"] for e in edges_in},
                           key=lambda t: (list(RELATIONS).index(t) if t in RELATIONS else 99, t))
    group_counts: dict[str, int] = {}
    for e in vis_edges:
        group_counts[e["group"]] = group_counts.get(e["group"], 0) + 1
    lever_counts: dict[str, int] = {}
    for n in nodes_in:
        for lv in n.get("levers") or []:
            lever_counts[lv["type"]] = lever_counts.get(lv["type"], 0) + 1
    return {
        "id": mid, "data": data,
        "title": _map_title(doc, by_id),
        "kinds": [{"label": KINDS.get(k, OTHER_KIND)[0], "colour": KINDS.get(k, OTHER_KIND)[1],
                   "shape": KINDS.get(k, OTHER_KIND)[2]} for k in kinds_present],
        "edge_styles": [{"label": RELATIONS.get(t, OTHER_RELATION)[1], "colour": RELATIONS.get(t, OTHER_RELATION)[2],
                         "width": RELATIONS.get(t, OTHER_RELATION)[3],
                         "dash": " ".join(map(str, RELATIONS.get(t, OTHER_RELATION)[4] or [])),
                         "arrow": RELATIONS.get(t, OTHER_RELATION)[5]} for t in types_present],
        "groups": [{"id": g, "label": GROUPS[g], "count": group_counts[g]} for g in GROUPS if g in group_counts],
        "lever_types": [{"id": t, "label": _code_label(t), "count": c} for t, c in sorted(lever_counts.items())],
        "names": sorted({s for n in vis_nodes for s in n["search"]}),
        "nodes": len(vis_nodes), "edges": len(vis_edges),
        "table": text_alternative(nodes_in, edges_in),
    }


def body_name(n: dict[str, Any]) -> str:
    """A body as the map's table names it: its label, and its acronym when that says more."""
    return f"{n['label']} ({n['acronym']})" if n.get("acronym") and n["acronym"] != n["label"] else n["label"]


def body_levers(n: dict[str, Any]) -> str:
    """The lever types a body holds, as the map's table lists them."""
    return ", ".join(sorted({_code_label(lv["type"]) + ("" if lv.get("binding") else " (non-binding)")
                             for lv in n.get("levers") or []}))


def text_alternative(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    """The drawn bodies and ties as rows, for the table a screen reader reads instead of the canvas
    (vis-network draws on a canvas, which has no text for assistive technology). The year control
    redraws the same table in the browser (govgraph-years.js, with the same order)."""
    by_id = {n["id"]: n for n in nodes}
    bodies = sorted(({"name": body_name(n), "kind": KINDS.get(n.get("kind") or "", OTHER_KIND)[0],
                      "lead": "lead body" if n.get("lead") else "", "levers": body_levers(n),
                      "weak": n.get("weak_severity") or ""} for n in nodes),
                    key=lambda b: (b["lead"] == "", b["name"].casefold(), b["name"]))
    ties = sorted(({"from": body_name(by_id[e["source"]]) if e["source"] in by_id else str(e["source"]),
                    "relation": RELATIONS.get(e["type"], OTHER_RELATION)[1],
                    "to": body_name(by_id[e["target"]]) if e["target"] in by_id else str(e["target"])} for e in edges),
                  key=lambda t: (t["from"].casefold(), t["relation"], t["to"].casefold(), t["from"], t["to"]))
    return {"bodies": bodies, "ties": ties}


def _map_title(doc: dict[str, Any], by_id: dict[str, Any]) -> str:
    what = f"{doc['country']} scenario {doc['scenario']}" if doc.get("scenario") else doc["country"]
    return f"{what}, as of {doc['as_of']}"


def network(nodes: list[dict[str, Any]], edges: list[dict[str, Any]], options: dict[str, Any]):
    """A pyvis Network holding `nodes`, `edges` and `options`, filled directly (linear, no duplicate scans)."""
    from pyvis.network import Network

    net = Network(directed=True, cdn_resources="local", height="100%", width="100%")
    net.nodes = nodes
    net.edges = edges
    net.node_ids = [n["id"] for n in nodes]
    net.node_map = {n["id"]: n for n in nodes}
    net.options = options
    return net
