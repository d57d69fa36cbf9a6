"""SPARQL → networkx: the projection the network analysis runs on.

Why a projection through SPARQL files (queries/projection/*.rq) rather than walking rdflib graphs:
the same questions then run unchanged on the embedded store and on any SPARQL 1.1 server, and an
analyst can read (and re-run) exactly what the network is made of. Which relations become edges, with
what type and weight, is declared in queries/projection/edges.toml (data, not code branches).

The result is a `networkx.MultiDiGraph`:

- nodes are keyed by their slug (``mdgu``, ``hacienda``) and carry ``iri``, ``kind`` (an
  institution-kind code or ``coordination-body``), ``label`` (English), ``labels`` ({lang: text}),
  ``acronym``, ``placement``, ``level`` and ``scope`` (bodies), ``lead`` (bool), ``legal_basis``
  (instrument IRIs in force), ``no_legal_basis_found`` (bool: curated as ``legal_basis: []``),
  ``levers`` and ``mandates`` (lists of dicts, see `_levers` and `_mandates`);
- edges are keyed by their type and carry ``type``, ``weight``, ``tie``, ``membership``,
  ``relation`` (the IRI it came from) and ``record`` (the IRI of the fact it rests on: evidence);
- ``G.graph`` holds ``country`` (lower-case code), ``as_of`` (ISO date), ``scenario`` (id or None),
  ``leads`` (slugs of the lead bodies on that day), ``dropped_edges`` (edges whose ends do not both
  hold on that day) and ``searched`` (the cast roles the curators searched for and did not find,
  on that day); each node's ``roles`` are the cast roles it declares (``main-coordination-body`` …).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import networkx as nx
import pyoxigraph as ox

from govgraph.core.errors import QueryError
from govgraph.core.resources import queries_dir, query_text
from govgraph.core.vocab import ID
from govgraph.store import embedded
from govgraph.store.questions import sparql_term, with_values  # one way to bind terms, for every query

XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
QUERIES = ("nodes", "labels", "leads", "legal-basis", "levers", "mandates", "edges", "cast")


@dataclass(frozen=True)
class EdgeRule:
    relation: str
    type: str
    weight: float
    weight_non_binding: float | None
    tie: bool
    membership: bool


@lru_cache(maxsize=8)
def _read_query(folder: str, name: str) -> str:
    path = Path(folder) / f"{name}.rq"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise QueryError(f"projection query {path} is missing: {exc}") from exc


def _edges_toml(path: Path | None) -> tuple[Path, dict[str, Any]]:
    """queries/projection/edges.toml (or `path`), read; QueryError when it cannot be."""
    path = path or queries_dir() / "projection" / "edges.toml"
    try:
        return path, tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise QueryError(f"cannot read the edge mapping {path}: {exc}") from exc


def load_edge_rules(path: Path | None = None) -> dict[str, EdgeRule]:
    """The declared relation → edge mapping (queries/projection/edges.toml)."""
    path, data = _edges_toml(path)
    rules: dict[str, EdgeRule] = {}
    for n, row in enumerate(data.get("edge", []), start=1):
        try:
            rule = EdgeRule(relation=str(row["relation"]), type=str(row["type"]), weight=float(row["weight"]),
                            weight_non_binding=(float(row["weight_non_binding"])
                                                if "weight_non_binding" in row else None),
                            tie=bool(row.get("tie", True)), membership=bool(row.get("membership", False)))
        except (KeyError, TypeError, ValueError) as exc:
            raise QueryError(f"{path}: edge rule {n} needs relation, type and a numeric weight ({exc})") from exc
        if rule.relation in rules:
            raise QueryError(f"{path}: relation {rule.relation} is mapped twice")
        rules[rule.relation] = rule
    return rules


@dataclass(frozen=True)
class EdgeStyle:
    """How the maps draw one edge type (a [[style]] row of edges.toml)."""

    type: str
    group: str
    label: str
    colour: str
    width: float
    dashes: tuple[int, ...]
    arrow: bool


def load_edge_styles(path: Path | None = None) -> dict[str, EdgeStyle]:
    """Edge type → its map style, in the file's (legend) order (queries/projection/edges.toml)."""
    path, data = _edges_toml(path)
    styles: dict[str, EdgeStyle] = {}
    for n, row in enumerate(data.get("style", []), start=1):
        try:
            style = EdgeStyle(type=str(row["type"]), group=str(row["group"]), label=str(row["label"]),
                              colour=str(row["colour"]), width=float(row["width"]),
                              dashes=tuple(int(d) for d in row.get("dashes", [])), arrow=bool(row["arrow"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise QueryError(f"{path}: style {n} needs type, group, label, colour, width and arrow ({exc})") from exc
        styles[style.type] = style
    return styles


def _text(term: Any) -> str | None:
    if term is None:
        return None
    return getattr(term, "value", None) if not isinstance(term, str) else term


def _true(term: Any) -> bool:
    return _text(term) in ("true", "1")


def country_iri(country: str) -> str:
    return ID + country.lower()


def slug(iri: str, country: str) -> str:
    """``https://w3id.org/govgraph/id/cl/mdgu`` → ``mdgu``."""
    prefix = country_iri(country) + "/"
    return iri[len(prefix):] if iri.startswith(prefix) else iri


def _rows(sel: embedded.Selector, name: str, graphs, bindings, folder: Path) -> list[dict[str, Any]]:
    columns, rows = sel.select(with_values(_read_query(str(folder), name), bindings), graphs=graphs)
    return [dict(zip(columns, row)) for row in rows]


def project(source: Any, country: str, *, as_of: dt.date, scenario: str | None = None,
            graphs: Iterable[Any] | None = None, rules: dict[str, EdgeRule] | None = None,
            query_folder: Path | None = None) -> nx.MultiDiGraph:
    """Project one country's arrangement on `as_of` (baseline, or `scenario`) to a MultiDiGraph.

    `source` is an open pyoxigraph store or any object with a `select(sparql, graphs=)` method
    (`store.LocalStore`, `store.RemoteStore`); `graphs` overrides the graphs the queries see (by default the
    baseline's or the scenario's, when the source can say which those are).
    """
    sel, graphs, rules, folder = _inputs(source, scenario, graphs, rules, query_folder)
    cc = country.lower()
    bindings = {"country": ox.NamedNode(country_iri(cc)), "asOf": ox.Literal(as_of.isoformat(), datatype=XSD_DATE)}

    rows = {name: _rows(sel, name, graphs, {"country": bindings["country"]} if name == "labels" else bindings, folder)
            for name in QUERIES}
    return _assemble(cc, as_of, scenario, rows, rules)


def _inputs(source: Any, scenario: str | None, graphs: Iterable[Any] | None, rules: dict[str, EdgeRule] | None,
            query_folder: Path | None) -> tuple[embedded.Selector, list | None, dict[str, EdgeRule], Path]:
    """What a projection reads: the selector, the graphs its queries see (the view's, unless given),
    the edge rules and the queries' folder."""
    sel = embedded.selector(source)
    if graphs is None:
        graphs = embedded.dataset_of(sel, scenario)
    return (sel, list(graphs) if graphs is not None else None, rules if rules is not None else load_edge_rules(),
            query_folder or queries_dir() / "projection")


def project_days(source: Any, country: str, days: Iterable[dt.date], *, scenario: str | None = None,
                 graphs: Iterable[Any] | None = None, rules: dict[str, EdgeRule] | None = None,
                 query_folder: Path | None = None) -> dict[dt.date, nx.MultiDiGraph]:
    """`project` on several days at once (the year-by-year views): each query runs once for all the
    days (a VALUES block of ``?asOf``, returned as a column) and its rows are split by day, so a
    country's whole history costs eight queries instead of eight per day. The graphs are those
    `project` gives day by day (tested)."""
    days = sorted(set(days))
    if not days:
        return {}
    sel, graphs, rules, folder = _inputs(source, scenario, graphs, rules, query_folder)
    cc = country.lower()
    country_term = ox.NamedNode(country_iri(cc))
    block = "VALUES ?asOf { " + " ".join(sparql_term(ox.Literal(d.isoformat(), datatype=XSD_DATE)) for d in days) + " }"
    per_day: dict[str, dict[str, list[dict[str, Any]]]] = {d.isoformat(): {} for d in days}
    for name in QUERIES:
        text = _read_query(str(folder), name)
        if name == "labels":  # not dated: once, for every day
            shared = _rows(sel, name, graphs, {"country": country_term}, folder)
            for slot in per_day.values():
                slot[name] = shared
            continue
        text = re.sub(r"\bSELECT\s+(DISTINCT\s+)?", lambda m: m.group(0) + "?asOf ", text, count=1)
        text = with_values(text, {"country": country_term})
        # the days at the end of the WHERE block (its last brace): Oxigraph then matches the
        # pattern once and joins the days to it, instead of matching it again for each day (a third
        # sooner on the real data)
        end = text.rfind("}")
        text = text[:end] + "  " + block + "\n" + text[end:]
        columns, found = sel.select(text, graphs=graphs)
        for row in found:
            values = dict(zip(columns, row))
            per_day[values.pop("asOf").value[:10]].setdefault(name, []).append(values)
    return {d: _assemble(cc, d, scenario, {n: per_day[d.isoformat()].get(n, []) for n in QUERIES}, rules)
            for d in days}


def _assemble(cc: str, as_of: dt.date, scenario: str | None, rows: dict[str, list[dict[str, Any]]],
              rules: dict[str, EdgeRule]) -> nx.MultiDiGraph:
    """The graph of one day from the rows of each projection query."""
    G = nx.MultiDiGraph(country=cc, as_of=as_of.isoformat(), scenario=scenario, leads=[], dropped_edges=[],
                        searched=[])
    for row in rows["nodes"]:
        key = slug(_text(row["node"]), cc)
        attrs = G.nodes[key] if key in G else None
        if attrs is None:
            G.add_node(key, iri=_text(row["node"]), kind=_text(row["kind"]), label=key, labels={},
                       acronym=_text(row.get("acronym")), placement=_text(row.get("placement")),
                       level=_text(row.get("level")), scope=_text(row.get("scope")), lead=False,
                       legal_basis=[], no_legal_basis_found=_true(row.get("noLegalBasis")), levers=[], mandates=[],
                       roles=[])
    for row in rows["labels"]:
        key = slug(_text(row["node"]), cc)
        if key in G:
            lang = getattr(row["label"], "language", None) or ""
            G.nodes[key]["labels"].setdefault(lang, _text(row["label"]))
    for key, attrs in G.nodes(data=True):
        labels = attrs["labels"]
        attrs["label"] = labels.get("en") or next(iter(sorted(labels.values())), key)
    for row in rows["leads"]:
        key = slug(_text(row["body"]), cc)
        if key in G and key not in G.graph["leads"]:
            G.nodes[key]["lead"] = True
            G.graph["leads"].append(key)
    G.graph["leads"].sort()
    basis: dict[str, list[str]] = {}
    for row in rows["legal-basis"]:
        basis.setdefault(_text(row["subject"]), []).append(_text(row["instrument"]))
    for key, attrs in G.nodes(data=True):
        attrs["legal_basis"] = sorted(basis.get(attrs["iri"], []))
    for row in rows["levers"]:
        holder = slug(_text(row["holder"]), cc)
        if holder in G:
            iri = _text(row["lever"])
            G.nodes[holder]["levers"].append({
                "id": slug(iri, cc), "iri": iri, "type": _text(row["type"]), "binding": _true(row.get("binding")),
                "legal_basis": sorted(basis.get(iri, [])), "no_legal_basis_found": _true(row.get("noLegalBasis"))})
    for row in rows["mandates"]:
        holder = slug(_text(row["holder"]), cc)
        if holder in G:
            iri = _text(row["mandate"])
            G.nodes[holder]["mandates"].append({
                "id": slug(iri, cc), "iri": iri, "strength": _text(row.get("strength")),
                "legal_basis": sorted(basis.get(iri, [])), "no_legal_basis_found": _true(row.get("noLegalBasis"))})
    for row in rows["cast"]:
        role = _text(row["role"])
        if _text(row["kind"]) == "searched":
            if role not in G.graph["searched"]:
                G.graph["searched"].append(role)
        else:
            key = slug(_text(row["node"]), cc)
            if key in G and role not in G.nodes[key]["roles"]:
                G.nodes[key]["roles"].append(role)
    G.graph["searched"].sort()
    for row in rows["edges"]:
        rule = rules.get(_text(row["relation"]))
        if rule is None:
            continue
        source, target = slug(_text(row["source"]), cc), slug(_text(row["target"]), cc)
        record = _text(row["record"])
        if source not in G or target not in G:
            G.graph["dropped_edges"].append((source, rule.type, target))
            continue
        if G.has_edge(source, target, key=rule.type):
            continue  # the same tie stated twice (a relation and its shortcut): one edge
        weight = rule.weight
        if rule.weight_non_binding is not None and row.get("binding") is not None and not _true(row["binding"]):
            weight = rule.weight_non_binding
        G.add_edge(source, target, key=rule.type, type=rule.type, weight=weight, tie=rule.tie,
                   membership=rule.membership, relation=rule.relation, record=record)
    return G


def countries(source: Any, graphs: Iterable[Any] | None = None) -> list[str]:
    """The lower-case codes of the countries in the store (baseline graphs)."""
    sel = embedded.selector(source)
    if graphs is None:
        graphs = embedded.dataset_of(sel)
    _, rows = sel.select(query_text("projection/countries"), graphs=list(graphs) if graphs is not None else None)
    return [_text(r[0]).lower() for r in rows]


def focus_country(source: Any) -> str | None:
    """The country comparisons are written for (upper case): the one the scenarios are about (the
    country of the review the dataset starts from), or None when the scenarios are about none or
    several."""
    about = {sc["country"] for sc in scenarios(source)}
    return about.pop().upper() if len(about) == 1 else None


def scenarios(source: Any) -> list[dict[str, str]]:
    """Every scenario in the store: id, country (lower case) and base date (ISO)."""
    sel = embedded.selector(source)
    _, rows = sel.select(query_text("projection/scenarios"))
    return [{"id": _text(s).rsplit("/", 1)[1], "country": _text(code).lower(), "base": _text(base)}
            for s, code, base in rows]


def phases(source: Any) -> list[dict[str, Any]]:
    """Every scenario phase in the store, in roadmap order: scenario id, order, phase id, when (as
    written), title (English), its date (ISO, or None) or its years from the start ((first, last), or
    None), and the key (`<scenario>/phase/<n>`) its picture is analysed by."""
    sel = embedded.selector(source)
    _, rows = sel.select(query_text("projection/phases"))
    out = []
    for p, s, order, when, title, date, first, last in rows:
        sid = _text(s).rsplit("/", 1)[1]
        n = int(_text(order))
        out.append({"scenario": sid, "order": n, "id": _text(p).rsplit("/", 1)[1], "when": _text(when),
                    "title": _text(title) or "", "date": _text(date),
                    "years": (int(_text(first)), int(_text(last))) if first is not None and last is not None else None,
                    "key": f"{sid}/phase/{n}"})
    return sorted(out, key=lambda x: (x["scenario"], x["order"]))
