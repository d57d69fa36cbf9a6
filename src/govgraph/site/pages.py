"""Maps and the static site: pyvis (vis-network) pages that work offline, from `file://`.

Layer 4. Input is the analysis document of one arrangement (the JSON `analysis_run.report` writes to
``out/analysis/<key>.json``: ``nodes`` with their metrics and weak-point marks, ``edges``,
``findings``, ``indicators``), plus the facts a tooltip needs that the projection does not carry
(descriptions, thresholds, the sources of every record), read from the store by `details`.

Why our own page template rather than pyvis's: pyvis's template links Bootstrap and tom-select from
CDNs even in ``in_line`` mode, so a page opened from disk without a network breaks or leaks requests.
pyvis still holds the network (nodes, edges, options; `network`), filled directly — ``from_nx`` and
``add_edge`` check for duplicates by scanning every edge, quadratic on large graphs — and vis-network
itself is vendored in ``govgraph/static`` (MIT/Apache-2.0, see its LICENSE).

Why the layout is computed here: vis-network's own physics on a cold start takes minutes past a
thousand nodes and never gives the same picture twice; networkx's spring layout with a fixed seed
gives the same coordinates for the same graph, so the same input yields byte-identical pages. Below
`PHYSICS_MAX_NODES` physics relaxes that layout briefly and switches itself off; above, it stays off.

Labels are data: the pages carry them as JSON inside ``<script type="application/json">`` (with
``<``, ``>``, ``&`` and ``'`` escaped), HTML text goes through Jinja's autoescape, and the browser code
builds tooltips with ``textContent`` — a name holding ``<script>`` is shown, never run.
"""

from __future__ import annotations

import datetime as dt
import html
import inspect
import json
import math
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import networkx as nx
import pyoxigraph as ox
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from govgraph.analysis import indicators, metrics, projection, run
from govgraph.core.errors import QueryError, UsageError
from govgraph.core.resources import write_atomic as _write
from govgraph.core.vocab import NODE_KINDS
from govgraph.curated.model import as_of_day
from govgraph.store import embedded, questions

_HERE = Path(__file__).resolve().parent
STATIC = _HERE / "static"
TEMPLATES = _HERE / "templates"
VIS_FILES = ("vis-network/vis-network.min.js", "vis-network/vis-network.css", "vis-network/LICENSE")
OWN_FILES = ("govgraph-map.js", "govgraph.css")

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

GG = "https://w3id.org/govgraph/ontology#"
CONCEPT = "https://w3id.org/govgraph/concept/"


# -- the facts behind a map (adapter over the store) ------------------------------------------------

@dataclass
class Details:
    """What tooltips show beyond the projection: per record IRI its literals and its citations."""

    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    citations: dict[str, list[dict[str, str | None]]] = field(default_factory=dict)

    def fact(self, iri: str | None, name: str, lang: str | None = "en") -> Any:
        values = self.facts.get(iri or "", {}).get(name)
        if isinstance(values, dict):
            return values.get(lang) or values.get("en") or next(iter(sorted(values.items())), (None, None))[1]
        return values


_FACTS_QUERY = """PREFIX gg: <https://w3id.org/govgraph/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?record ?p ?o WHERE {
  ?record ?p ?o
  FILTER (?p IN (dcterms:description, rdfs:label, gg:thresholdAmount, gg:thresholdCurrency, gg:scopeNote,
                 gg:confidence, foaf:homepage, foaf:page, gg:validFrom, gg:validUntil, gg:binds, gg:acronym,
                 dcterms:identifier))
}"""
# a FILTER, not a VALUES ?p: Oxigraph joins two VALUES blocks with the pattern by scanning every ?p
# triple in the store, but looks each ?record up when only ?record is given (15× sooner at 5k bodies)

_CITATIONS_QUERY = """PREFIX gg: <https://w3id.org/govgraph/ontology#>
SELECT ?record ?citation ?source ?locator ?note WHERE {
  ?record gg:citation ?citation .
  ?citation gg:citedSource ?source .
  OPTIONAL { ?citation gg:locator ?locator }
  OPTIONAL { ?citation gg:citationNote ?note }
}"""

# the sources, read once per map set (joining them into the citation query made it ten times slower)
_SOURCES_QUERY = """PREFIX gg: <https://w3id.org/govgraph/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?source ?id ?title ?url WHERE {
  ?source a gg:Source .
  OPTIONAL { ?source dcterms:identifier ?id }
  OPTIONAL { ?source dcterms:title ?title }
  OPTIONAL { ?source foaf:page ?url }
}"""

_PROPS = {GG + "thresholdAmount": "threshold", GG + "thresholdCurrency": "currency", GG + "scopeNote": "scope",
          GG + "confidence": "confidence", GG + "validFrom": "from", GG + "validUntil": "until", GG + "binds": "binds",
          GG + "acronym": "acronym", "http://purl.org/dc/terms/description": "description",
          "http://www.w3.org/2000/01/rdf-schema#label": "label", "http://xmlns.com/foaf/0.1/homepage": "homepage",
          "http://xmlns.com/foaf/0.1/page": "page", "http://purl.org/dc/terms/identifier": "identifier"}
_MULTI = {"binds"}


def _values(sparql: str, records: list[str]) -> str:
    block = "VALUES ?record { " + " ".join(f"<{r}>" for r in records) + " }"
    at = sparql.index("WHERE {") + len("WHERE {")
    return sparql[:at] + "\n  " + block + sparql[at:]


def _select(source: Any, sparql: str, graphs) -> list[tuple]:
    if isinstance(source, ox.Store):
        return embedded.select(source, sparql, graphs=graphs)[1]
    if callable(getattr(source, "select", None)):
        return source.select(sparql, graphs=graphs)[1]
    raise QueryError(f"cannot read map details from {type(source).__name__}: it has no select() method")


def _graphs(source: Any, scenario: str | None):
    if isinstance(source, ox.Store):
        return embedded.dataset_graphs(source, scenario)
    if callable(getattr(source, "dataset_graphs", None)):
        return source.dataset_graphs(scenario)
    return None


def _term(t: Any) -> str | None:
    return None if t is None else t.value


def details(source: Any, doc: dict[str, Any], *, batch: int = 400, cache: dict | None = None) -> Details:
    """Read from the store the literals and citations of every record the map of `doc` shows: its
    bodies, their levers, mandates and legal instruments, and the record behind each tie."""
    records: set[str] = set()
    for n in doc["nodes"]:
        records.add(n["iri"])
        records.update(n.get("legal_basis") or [])
        for item in (n.get("levers") or []) + (n.get("mandates") or []):
            records.add(item["iri"])
            records.update(item.get("legal_basis") or [])
    records.update(e["record"] for e in doc["edges"] if e.get("record"))
    wanted = sorted(r for r in records if r and r.startswith("http"))
    graphs = _graphs(source, doc.get("scenario"))
    out = Details()
    sources: dict[str, tuple] | None = None
    for start in range(0, len(wanted), batch):
        chunk = wanted[start:start + batch]
        for rec, p, o in _select(source, _values(_FACTS_QUERY, chunk), graphs):
            name = _PROPS.get(p.value)
            if name is None:
                continue
            slot = out.facts.setdefault(rec.value, {})
            lang = getattr(o, "language", None)
            if name in _MULTI:
                slot.setdefault(name, []).append(o.value)
            elif lang:
                slot.setdefault(name, {}).setdefault(lang, o.value)
            else:
                slot.setdefault(name, o.value)
        rows = _select(source, _values(_CITATIONS_QUERY, chunk), graphs)
        seen: dict[str, set] = {}
        for rec, cit, src, locator, note in sorted(
                rows, key=lambda r: (r[0].value, _citation_order(r[1].value), r[2].value)):
            key = (cit.value, src.value)
            if key in seen.setdefault(rec.value, set()):
                continue
            seen[rec.value].add(key)
            if sources is None:
                key = tuple(sorted(getattr(x, "value", str(x)) for x in graphs or []))
                memo = cache if cache is not None else {}
                if key not in memo:
                    memo[key] = _sources_table(source, graphs)
                sources = memo[key]
            ident, title, url = sources.get(src.value, (None, None, None))
            out.citations.setdefault(rec.value, []).append({
                "source": ident or src.value.rsplit("/", 1)[-1], "title": title,
                "url": url, "locator": _term(locator), "note": _term(note)})
    for slot in out.facts.values():
        if "binds" in slot:
            slot["binds"] = sorted(set(slot["binds"]))
    return out


def _sources_table(source: Any, graphs) -> dict[str, tuple[str | None, str | None, str | None]]:
    table: dict[str, tuple[str | None, str | None, str | None]] = {}
    for src, ident, title, url in sorted(_select(source, _SOURCES_QUERY, graphs),
                                         key=lambda r: tuple(_term(t) or "" for t in r)):
        table.setdefault(src.value, (_term(ident), _term(title), _term(url)))
    return table


def _citation_order(iri: str) -> tuple[int, str]:
    tail = iri.rsplit("/", 1)[-1]
    return (int(tail), iri) if tail.isdigit() else (10**9, iri)


# -- from a store to an analysis document (adapter, for maps of any date) ----------------------------

def analysis_doc(source: Any, country: str, *, as_of: dt.date, scenario: str | None = None,
                 params: metrics.Params = metrics.Params()) -> dict[str, Any]:
    """Project and analyse one arrangement and return the document the maps read: exactly what the
    build writes to ``out/analysis/<key>.json`` (the same run, the same rounding). For maps of a date
    or scenario the build did not analyse, and for notebooks."""
    return run.report(run.analyse_one(source, country, as_of=as_of, scenario=scenario, params=params))


# -- the map model (pure) ---------------------------------------------------------------------------

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
              seed: int = SEED) -> dict[str, Any]:
    """Everything one map needs, as plain data: the vis nodes and edges (with the info blocks their
    tooltips show), options, the legend entries, filter groups and the names to search."""
    det = det or Details()
    nodes_in = sorted(doc["nodes"], key=lambda n: str(n["id"]))
    by_id = {n["id"]: n for n in nodes_in}
    labels = {n["iri"]: n["label"] for n in nodes_in}
    edges_in = sorted(doc["edges"], key=lambda e: (str(e["source"]), e["type"], str(e["target"])))
    pos = layout([n["id"] for n in nodes_in], [(e["source"], e["target"]) for e in edges_in], seed=seed)
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
    }


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


# -- pages ------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"], default=True),
                      undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True)
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False, "separators": (",", ":")}
    return env


@lru_cache(maxsize=1)
def _assets() -> dict[str, Markup]:
    """The vendored files, for pages that carry everything inline (one file: `map --o`, notebooks)."""
    def read(name: str) -> str:
        text = (STATIC / name).read_text(encoding="utf-8")
        if "</script" in text.lower() or "</style" in text.lower():
            raise UsageError(f"{name} cannot be inlined: it contains a closing script/style tag")
        return text
    return {"vis_js": Markup(read("vis-network/vis-network.min.js")), "vis_css": Markup(read("vis-network/vis-network.css")),
            "map_js": Markup(read("govgraph-map.js")), "site_css": Markup(read("govgraph.css"))}


def _render(template: str, **context: Any) -> str:
    inline = context.pop("inline", False)
    return _env().get_template(template).render(inline=inline, assets=_assets() if inline else {}, **context)


def _findings_view(doc: dict[str, Any], present: set[str], nature: str = "weakness") -> list[dict[str, Any]]:
    """The findings of one nature: weaknesses of the arrangement, or data gaps (they rest on a role
    nobody searched for, and say what to fill)."""
    return [{"id": f["id"], "severity": f["severity"] if nature == "weakness" else "gap",
             "statement": f["statement"] if nature == "weakness" else
             f"{f['statement']} — but this rests on {', '.join(f['evidence'].get('missing', []))}, which nobody "
             "searched for: a gap in the data, not a finding about the government.",
             "nodes": [x for x in f.get("evidence", {}).get("nodes", []) if x in present][:40]}
            for f in doc.get("findings", []) if f.get("nature", "weakness") == nature]


def _completeness(ind: dict[str, Any]) -> str:
    filled, searched, unknown = (ind.get(k, 0) for k in ("cast_filled", "cast_searched_not_found", "cast_unknown"))
    return (f"Standard cast on this day: {filled} role(s) filled, {searched} searched and not found, "
            f"{unknown} unknown.")


KEY_INDICATORS = (("lead_label", "lead body"), ("lead_placement", "where the lead body sits"),
                  ("nodes", "bodies on the map"), ("edges", "ties (undirected, merged)"),
                  ("lead_betweenness_rank", "the lead body's rank by betweenness (1 = most central)"),
                  ("lead_degree", "bodies tied directly to the lead body"),
                  ("reach", "share of ministries within two steps of the lead body"),
                  ("lead_key_levers", "binding budget/approval levers the lead body holds"),
                  ("key_levers_misaligned", "key levers held with no tie to the lead body"),
                  ("components", "disconnected parts of the network"),
                  ("articulation_points", "single points of failure"),
                  ("lead_legal_basis", "the lead body's legal basis"),
                  ("findings_high", "high-severity weaknesses"), ("findings_total", "all weaknesses"),
                  ("data_gaps", "findings that rest on a role nobody searched for (data gaps)"),
                  ("cast_unknown", "cast roles neither filled nor searched on the day"))


def _indicator_rows(ind: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    for name, meaning in KEY_INDICATORS:
        v = ind.get(name)
        if name == "reach" and isinstance(v, (int, float)):
            text = f"{v:.0%}"
        elif isinstance(v, str):
            text = _code_label(v) if name != "lead_label" else v
        else:
            text = _num(v)
        rows.append({"name": name, "value": text or "–", "meaning": meaning})
    return rows


def map_page(doc: dict[str, Any], det: Details | None = None, *, inline: bool = True, root: str = "",
             country_name: str | None = None, links: list[dict[str, str]] | None = None) -> str:
    """One arrangement's page: the map, details, findings, legend and key indicators.

    `inline` puts vis-network and the site's CSS/JS into the page (a single file that works anywhere);
    otherwise they are linked relatively under `root` + ``static/``."""
    model = map_model(doc, det)
    present = {n["id"] for n in model["data"]["nodes"]}
    name = country_name or doc["country"]
    if doc.get("scenario"):
        heading = f"{name}: scenario {doc['scenario']}"
    else:
        heading = f"{name}: digital-government governance"
    ind = doc.get("indicators") or {}
    lede = (f"As of {doc['as_of']}. Lead body: {ind.get('lead_label') or 'none designated'}"
            f"{' (' + _code_label(ind.get('lead_placement')) + ')' if ind.get('lead_placement') else ''}. "
            f"{model['nodes']} bodies and {model['edges']} ties on the map; "
            f"{ind.get('findings_total', 0)} weaknesses, {ind.get('findings_high', 0)} of high severity"
            f"{'; ' + str(ind['data_gaps']) + ' data gap(s)' if ind.get('data_gaps') else ''}.")
    return _render("country.html", inline=inline, root=root, title=heading, heading=heading, lede=lede,
                   completeness=_completeness(ind), map=model, findings_list=_findings_view(doc, present),
                   gaps_list=_findings_view(doc, present, "data-gap"), indicators=_indicator_rows(ind),
                   links=links or [], as_of=doc["as_of"], uses_maps=True)


def scenario_page(base: dict[str, Any], alt: dict[str, Any], delta: dict[str, Any] | None,
                  det_base: Details | None, det_alt: Details | None, *, title: str, root: str = "../",
                  inline: bool = False) -> str:
    """The baseline and a scenario side by side, with what the scenario changes."""
    sides = []
    for label, doc, det, mid in (("Baseline", base, det_base, "baseline"), ("Scenario", alt, det_alt, "scenario")):
        model = map_model(doc, det, map_id=mid)
        present = {n["id"] for n in model["data"]["nodes"]}
        ind = doc.get("indicators") or {}
        sides.append({"title": f"{label}: lead body {ind.get('lead_label') or 'none'} "
                               f"({ind.get('findings_total', 0)} weaknesses)",
                      "map": model, "findings": _findings_view(doc, present) + _findings_view(doc, present, "data-gap")})
    rows = []
    if delta:
        for name, v in delta.get("indicators", {}).items():
            rows.append({"name": name, "baseline": _num(v.get("baseline")), "scenario": _num(v.get("scenario")),
                         "delta": _num(v.get("delta")), "verdict": v.get("verdict", "")})
    view = {"resolved": delta.get("resolved", []), "added": delta.get("added", []), "rows": rows} if delta else None
    lede = (f"{alt['country']} as of {alt['as_of']}: the baseline arrangement (left) and the scenario's (right). "
            "Positions are laid out separately for each map.")
    return _render("scenario.html", inline=inline, root=root, title=title, heading=title, lede=lede, sides=sides,
                   delta=view, as_of=alt["as_of"], uses_maps=True)


# -- the site ---------------------------------------------------------------------------------------



def movement(source: Any) -> dict[str, Any]:
    """Every country's lead body, where it sits, and the binding controls it holds, on the first and
    the last cast date, grouped three ways (by the later placement; by whether the lead body then
    holds a binding spending control or project approval; by the intergovernmental organisations the
    country then belongs to): the comparison page's 'movement' section."""
    from govgraph.core.vocab import CAST_DATES

    sel = projection._selector(source)
    first, last = (dt.date.fromisoformat(d) for d in (CAST_DATES[0], CAST_DATES[-1]))
    seen: dict[str, dict[str, Any]] = {}
    for day, key in ((first, "before"), (last, "after")):
        result = questions.run(questions.load_question("lead-placement"), sel, as_of=day)
        for row in result.rows:
            values = dict(zip(result.columns, row))
            cc = values["countryCode"].value
            entry = seen.setdefault(cc, {"code": cc, "cc": cc.lower()})
            entry[key] = {"lead": (values.get("label") or values["leadBody"]).value,
                          "placement": _code_label(values["placement"].value.rsplit("/", 1)[1])
                          if values.get("placement") is not None else "–", "controls": 0}
        result = questions.run(questions.load_question("lead-binding-controls"), sel, as_of=day)
        for row in result.rows:
            cc = dict(zip(result.columns, row))["countryCode"].value
            if key in seen.get(cc, {}):
                seen[cc][key]["controls"] += 1
    members: dict[str, list[str]] = {}
    result = questions.run(questions.load_question("group-membership"), sel, as_of=last)
    for row in result.rows:
        values = dict(zip(result.columns, row))
        name = (values.get("acronym") or values.get("label") or values["group"]).value
        members.setdefault(values["countryCode"].value, []).append(name)
    rows = []
    for cc in sorted(seen):
        entry = seen[cc]
        entry["groups"] = " · ".join(sorted(members.get(cc, []))) or "none recorded"
        entry.setdefault("before", {"lead": "none", "placement": "–", "controls": 0})
        entry.setdefault("after", {"lead": "none", "placement": "–", "controls": 0})
        entry["moved"] = entry["before"]["placement"] != entry["after"]["placement"]
        entry["renamed"] = entry["before"]["lead"] != entry["after"]["lead"]
        rows.append(entry)

    def grouped(key) -> list[dict[str, Any]]:
        groups: dict[str, list] = {}
        for r in rows:
            groups.setdefault(key(r), []).append(r)
        return [{"name": name, "rows": members} for name, members in sorted(groups.items())]

    return {"first": first.isoformat(), "last": last.isoformat(), "rows": rows,
            "by_placement": grouped(lambda r: r["after"]["placement"]),
            "by_controls": grouped(lambda r: "holds a binding control" if r["after"]["controls"]
                                   else "holds no binding control"),
            "by_groups": grouped(lambda r: f"member of {r['groups']}" if members.get(r["code"]) else "member of none of the recorded organisations")}


def copy_static(out: Path) -> list[Path]:
    """Vendored assets into ``<out>/static`` (vis-network with its licence, the site's CSS and JS)."""
    return [_write(Path(out) / "static" / name, (STATIC / name).read_bytes()) for name in VIS_FILES + OWN_FILES]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise QueryError(f"cannot read the analysis file {path}: {exc} (run `govgraph build`)") from exc


_COUNTRY_QUERY = """PREFIX gg: <https://w3id.org/govgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?code ?label WHERE { ?c a gg:Country ; gg:iso3166Alpha2 ?code . OPTIONAL { ?c rdfs:label ?label } }"""

_SCENARIO_QUERY = """PREFIX gg: <https://w3id.org/govgraph/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?s ?title WHERE { GRAPH ?g { ?s a gg:Scenario . OPTIONAL { ?s dcterms:title ?title } } }"""


def country_names(source: Any) -> dict[str, dict[str, str]]:
    """Lower-case code → {lang: name} for every country in the store."""
    names: dict[str, dict[str, str]] = {}
    for code, label in _select(source, _COUNTRY_QUERY, _graphs(source, None)):
        slot = names.setdefault(code.value.lower(), {})
        if label is not None:
            slot.setdefault(getattr(label, "language", None) or "", label.value)
    return names


def scenario_titles(source: Any) -> dict[str, str]:
    titles: dict[str, dict[str, str]] = {}
    for s, title in _select(source, _SCENARIO_QUERY, None):
        slot = titles.setdefault(s.value.rsplit("/", 1)[-1], {})
        if title is not None:
            slot.setdefault(getattr(title, "language", None) or "", title.value)
    return {k: v.get("en") or next(iter(sorted(v.values())), k) for k, v in titles.items()}


def _name(names: dict[str, dict[str, str]], cc: str) -> str:
    v = names.get(cc, {})
    return v.get("en") or next(iter(sorted(v.values())), cc.upper())


@dataclass
class SiteReport:
    pages: list[Path]
    countries: list[str]
    scenarios: list[str]
    bytes: int


def write_site(out: Path, source: Any = None, *, focus: str | None = None,
               questions: list[Any] | None = None) -> SiteReport:
    """The static site of a build: ``index.html``, ``countries/<cc>.html``, ``compare.html``,
    ``scenarios.html`` and ``scenarios/<id>.html``, ``queries.html``, ``static/``.

    Reads the analysis files (``<out>/analysis/*.json``) and, for tooltips, the store in ``<out>``
    (or `source`). A scenario whose baseline was analysed on another date than the build's is
    analysed here (`analysis_doc`)."""
    out = Path(out)
    folder = out / "analysis"
    if source is None:
        source = embedded.open_store(out)
    written = copy_static(out)
    memo: dict = {}  # the sources table, read once per set of graphs
    focus = focus or projection.focus_country(source)
    names = country_names(source)
    titles = scenario_titles(source)
    ccs = sorted(p.stem for p in folder.glob("??.json"))
    docs = {cc: _read_json(folder / f"{cc}.json") for cc in ccs}
    as_of = next((d["as_of"] for d in docs.values()), "")
    graphs_dir = out / "graphs"
    for cc in ccs:
        doc = docs[cc]
        links = [{"href": f"../analysis/{cc}.md", "text": "analysis report (Markdown)"},
                 {"href": f"../analysis/{cc}.json", "text": "analysis with every metric (JSON)"}]
        links += [{"href": f"../graphs/{cc}.{ext}", "text": f"the country graph ({label})"}
                  for ext, label in (("ttl", "Turtle"), ("jsonld", "JSON-LD"), ("nt", "N-Triples"))
                  if (graphs_dir / f"{cc}.{ext}").exists()]
        page = map_page(doc, details(source, doc, cache=memo), inline=False, root="../", country_name=_name(names, cc),
                        links=links)
        written.append(_write(out / "countries" / f"{cc}.html", page.encode("utf-8")))

    deltas = _read_json(folder / "scenarios.json") if (folder / "scenarios.json").exists() else []
    scen_rows = []
    for d in sorted(deltas, key=lambda x: x["scenario"]):
        sid, cc = d["scenario"], d["country"].lower()
        alt_path = folder / f"scenario-{sid}.json"
        alt = _read_json(alt_path) if alt_path.exists() else analysis_doc(
            source, cc, as_of=dt.date.fromisoformat(d["as_of"]), scenario=sid)
        base = docs.get(cc) if docs.get(cc, {}).get("as_of") == d["as_of"] else None
        base = base or analysis_doc(source, cc, as_of=dt.date.fromisoformat(d["as_of"]))
        title = f"{_name(names, cc)}: {titles.get(sid, sid)}"
        page = scenario_page(base, alt, d, details(source, base, cache=memo), details(source, alt, cache=memo),
                             title=title)
        written.append(_write(out / "scenarios" / f"{sid}.html", page.encode("utf-8")))
        scen_rows.append({"id": sid, "title": titles.get(sid, sid), "country": cc.upper(), "as_of": d["as_of"],
                          "resolved": len(d.get("resolved", [])), "added": len(d.get("added", [])),
                          "lead_before": (base.get("indicators") or {}).get("lead_label") or "none",
                          "lead_after": (alt.get("indicators") or {}).get("lead_label") or "none"})
    written.append(_write(out / "scenarios.html", _render(
        "scenarios.html", root="", scenarios=scen_rows,
        title=(f"{_name(names, focus.lower())}'s baseline beside each scenario" if focus
               else "Each country's baseline beside its scenarios"),
        as_of=as_of, uses_maps=False).encode("utf-8")))

    rows = [docs[cc]["indicators"] for cc in ccs]
    comparison = indicators.compare(rows, focus=focus if focus in {r["country"] for r in rows} else None)
    written.append(_write(out / "compare.html", _render(
        "compare.html", root="", title="All countries on the same indicators", as_of=as_of, uses_maps=False,
        focus=comparison["focus"], indicators=comparison["indicators"], movement=movement(source),
        rows=[{"cc": r["country"].lower(), "code": r["country"], "lead": r.get("lead_label") or "none",
               "focus": r["country"] == comparison["focus"],
               "cells": [{"value": _num(r.get(i["name"])),
                          "rank": _num(comparison["ranks"][r["country"]].get(i["name"]))}
                         for i in comparison["indicators"]]} for r in rows]).encode("utf-8")))

    countries = []
    for cc in ccs:
        ind = docs[cc]["indicators"]
        links = [{"href": f"analysis/{cc}.md", "text": "report"}]
        links += [{"href": f"graphs/{cc}.ttl", "text": "Turtle"}] if (graphs_dir / f"{cc}.ttl").exists() else []
        countries.append({"cc": cc, "code": cc.upper(), "name": _name(names, cc), "focus": cc.upper() == focus,
                          "lead": ind.get("lead_label") or "none designated",
                          "placement": _code_label(ind.get("lead_placement")) or "–",
                          "nodes": ind.get("nodes"), "edges": ind.get("edges"),
                          "lead_rank": _num(ind.get("lead_betweenness_rank")),
                          "reach": f"{ind['reach']:.0%}" if isinstance(ind.get("reach"), (int, float)) else "–",
                          "key_levers": _num(ind.get("lead_key_levers")), "components": _num(ind.get("components")),
                          "findings": ind.get("findings_total", 0), "high": ind.get("findings_high", 0),
                          "links": links})
    downloads = [{"href": p, "text": p, "note": note} for p, note in (
        ("govgraph.trig", "every named graph in one file (TriG)"), ("govgraph.nq", "the same as N-Quads"),
        ("context.jsonld", "the JSON-LD context"), ("coverage.md", "what the data covers, and the known gaps"),
        ("analysis/compare.csv", "every country on the same indicators (CSV)"),
        ("analysis/scenarios.csv", "what each scenario changes (CSV)")) if (out / p).exists()]
    downloads += [{"href": f"graphs/{p.name}", "text": f"graphs/{p.name}", "note": ""}
                  for p in sorted(graphs_dir.glob("*.ttl"))]
    written.append(_write(out / "index.html", _render(
        "index.html", root="", title="Countries", countries=countries, scenarios=scen_rows, downloads=downloads,
        as_of=as_of, uses_maps=False).encode("utf-8")))

    if questions is None:
        from govgraph.store import questions
        try:
            questions = questions.list_questions()
        except Exception:  # noqa: BLE001 — a broken library must not stop the site; the page says so
            questions = []
    qs = [{"name": q.name, "title": q.title, "question": q.question, "text": q.text,
           "params": [p.describe() for p in q.params]} for q in questions]
    written.append(_write(out / "queries.html", _render(
        "queries.html", root="", title="Query library", questions=qs, as_of=as_of, uses_maps=False).encode("utf-8")))
    return SiteReport(pages=written, countries=ccs, scenarios=[r["id"] for r in scen_rows],
                      bytes=sum(p.stat().st_size for p in written))


# -- one map on its own, and in a notebook ----------------------------------------------------------

def standalone_map(source: Any, country: str, *, as_of: dt.date, scenario: str | None = None) -> str:
    """A single self-contained HTML page (vis-network inline) mapping one arrangement on `as_of`."""
    cc = country.lower()
    known = projection.countries(source)
    if cc not in known:
        raise UsageError(f"no country {country.upper()} in this build (known: {', '.join(c.upper() for c in known)})")
    doc = analysis_doc(source, cc, as_of=as_of, scenario=scenario)
    names = country_names(source)
    return map_page(doc, details(source, doc), inline=True, country_name=_name(names, cc))


def notebook_map(country: str, *, out: str | Path = "out", scenario: str | None = None,
                 as_of: dt.date | int | str | None = None, height: int = 720):
    """Show a map inside Jupyter: ``from govgraph.site.pages import notebook_map; notebook_map("CL")``.

    Returns an ``IPython.display.HTML`` holding an ``<iframe srcdoc=…>`` with the whole page inline,
    so it works offline and in notebook front-ends that strip scripts from cell output (JupyterLab,
    VS Code, Colab run the iframe's scripts in their own sandboxed document). `as_of` is a date, a year
    (30 June of it) or an ISO date string; the default is the OECD baseline (30 June 2016).
    """
    from IPython.display import HTML

    page = standalone_map(embedded.open_store(Path(out)), country, as_of=as_of_day(as_of), scenario=scenario)
    with warnings.catch_warnings():  # IPython suggests IFrame, which cannot carry srcdoc
        warnings.simplefilter("ignore")
        return HTML(f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;height:{int(height)}px;'
                    f'border:0" sandbox="allow-scripts allow-popups"></iframe>')
