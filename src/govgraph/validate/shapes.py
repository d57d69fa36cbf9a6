"""Validation: SHACL shapes (rudof) and the quality checks (queries/checks/*-violation.rq).

The report is data: a list of `Finding`s (severity, focus node, path, message, source file:line of
the record where known), written by the pipeline as validation.json and validation.md. Violations
fail the build; warnings only with --strict. Nothing here prints.

Shapes are checked (by rudof: validate/engine.py) per graph (each country's whole timeline, each
scenario) together with the ontology (concept schemes, rdfs:subClassOf for sh:class) and the
sources, without OWL inference: the reasoner is a separate step, and inference would multiply the
time for nothing the shapes need.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import pyoxigraph as ox
from rdflib import Graph, URIRef

from govgraph.core.errors import ConformanceError, QueryError
from govgraph.core.iris import short
from govgraph.core.memo import Memo, code_digest, digest
from govgraph.core.resources import queries_dir, shapes_file

if TYPE_CHECKING:
    from govgraph.rdf.built import Built


@dataclass(frozen=True, order=True)
class Finding:
    """One problem: where (graph, focus node, path), what (message), how bad (severity), and the
    curated record it comes from (origin, "file:line:column") when known."""

    severity: str  # violation | warning | info
    graph: str  # the named graph (or check scope) it was found in
    focus: str
    path: str
    message: str
    origin: str = ""
    value: str = ""
    rule: str = ""  # the shape, or the check's name

    def __str__(self) -> str:
        where = f"{self.origin}: " if self.origin else ""
        path = f" {self.path}" if self.path else ""
        value = f" (value: {self.value})" if self.value else ""
        return f"{where}{self.severity}: {short(self.focus)}{path}: {self.message}{value} [{self.rule}]"


@dataclass
class Report:
    """Every finding of a validation run, plus what was checked."""

    findings: list[Finding] = field(default_factory=list)
    graphs: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def violations(self) -> int:
        return self.count("violation")

    @property
    def warnings(self) -> int:
        return self.count("warning")

    def fails(self, strict: bool = False) -> bool:
        return self.violations > 0 or (strict and self.warnings > 0)

    def extend(self, other: "Report") -> None:
        self.findings += other.findings
        self.graphs += other.graphs
        self.checks += [c for c in other.checks if c not in self.checks]

    def as_dict(self) -> dict:
        return {
            "conforms": self.violations == 0,
            "counts": {"violation": self.violations, "warning": self.warnings, "info": self.count("info")},
            "graphs": sorted(set(self.graphs)),
            "checks": sorted(self.checks),
            "findings": [asdict(f) for f in sorted(set(self.findings))],
        }

    def to_json(self) -> bytes:
        return (json.dumps(self.as_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")

    def to_markdown(self) -> bytes:
        d = self.as_dict()
        c = d["counts"]
        lines = ["# Validation report", "",
                 f"{c['violation']} violation(s), {c['warning']} warning(s), {c['info']} note(s) over "
                 f"{len(d['graphs'])} graph(s) and {len(d['checks'])} check(s).", ""]
        if d["findings"]:
            lines += ["| severity | where | focus | path | message | rule |", "|---|---|---|---|---|---|"]
            for f in d["findings"]:
                cells = [f["severity"], f["origin"] or f["graph"], short(f["focus"]), f["path"],
                         f["message"] + (f" (value: {f['value']})" if f["value"] else ""), f["rule"]]
                lines.append("| " + " | ".join(_md(x) for x in cells) + " |")
        else:
            lines.append("Everything conforms.")
        return ("\n".join(lines) + "\n").encode("utf-8")

    def raise_if_fails(self, strict: bool = False) -> None:
        if self.fails(strict):
            raise ConformanceError(summary(self, strict))


def summary(report: Report, strict: bool = False, limit: int = 30) -> str:
    """The findings as text for an error message (violations first)."""
    order = {"violation": 0, "warning": 1, "info": 2}
    shown = sorted(set(report.findings), key=lambda f: (order.get(f.severity, 3), f))
    shown = [f for f in shown if f.severity == "violation" or (strict and f.severity == "warning")]
    lines = [f"the data does not conform: {report.violations} violation(s), {report.warnings} warning(s)"
             + (" (warnings fail: --strict)" if strict else "")]
    lines += [f"  {f}" for f in shown[:limit]]
    if len(shown) > limit:
        lines.append(f"  … and {len(shown) - limit} more (see validation.md)")
    return "\n".join(lines)


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")




# -- SHACL -----------------------------------------------------------------------------------------

def load_shapes(path: Path | None = None) -> Graph:
    g = Graph()
    g.parse(path or shapes_file(), format="turtle")
    return g


_SHAPES_CACHE: dict[str, Graph] = {}


def shapes_or_default(shapes: Graph | None) -> Graph:
    if shapes is not None:
        return shapes
    if "default" not in _SHAPES_CACHE:
        _SHAPES_CACHE["default"] = load_shapes()
    return _SHAPES_CACHE["default"]


def _ntriples(g: Graph) -> bytes:
    return g.serialize(format="nt", encoding="utf-8")


def validate_graph(data: Iterable[Graph], *, context: Iterable[Graph] = (), shapes: Graph | None = None,
                   origins: dict[str, str] | None = None, label: str | list[str] = "") -> Report:
    """Validate the union of `data` (plus `context`: ontology, sources) against the shapes.

    Findings are kept only for focus nodes of `data`, so problems of the context graphs are not
    reported once per graph."""
    return _validate([(str(g.identifier), _ntriples(g)) for g in data], [_ntriples(g) for g in context],
                     shapes, origins, label)


def _validate(data: list[tuple[str, bytes]], context: list[bytes], shapes: Graph | None,
              origins: dict[str, str] | None, label: str | list[str]) -> Report:
    """`validate_graph` on N-Triples: `data` as (graph IRI, N-Triples) pairs."""
    from govgraph.validate import engine

    origins = origins or {}
    report = Report(graphs=list(label) if isinstance(label, list) else [label] if label else [])
    results = engine.validate(b"".join([nt for _, nt in data] + context), shapes_or_default(shapes))
    graph_of = {}  # a subject of the data → its graph (worked out only when there is a result)
    for iri, nt in data if results else []:
        for triple in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES):
            graph_of[_node(triple.subject)] = iri
    for result in results:
        if result.focus not in graph_of:
            continue
        rule = short(URIRef(result.top)) if result.top else short(URIRef(result.component))
        report.findings.append(Finding(
            severity=result.severity, graph=graph_of[result.focus], focus=result.focus,
            path=short(URIRef(result.path)) if result.path not in ("", "(complex path)") else result.path,
            message=result.message or "does not conform", origin=origins.get(result.focus, ""),
            value=short(URIRef(result.value)) if result.value_is_iri else result.value,
            rule=rule.replace("https://w3id.org/govgraph/shapes#", "ggsh:")))
    return report


def _node(term) -> str:
    """A pyoxigraph node as `engine.Result` names it (an IRI, or `_:label`)."""
    return term.value if isinstance(term, ox.NamedNode) else f"_:{term.value}"


def validate_graphs(graphs: list[Graph] | Built, *, origins: dict[str, str] | None = None,
                    shapes: Graph | None = None, memo: Memo | None = None,
                    keys: dict[URIRef, str] | None = None, context_key: str = "",
                    countries: bool | None = None) -> Report:
    """Validate every country and scenario graph of a build (`graphs` as build.build returns them,
    or a `Built`, whose N-Triples are validated as they are: the ontology and sources graphs are
    used as context, not validated as data).

    With a `memo` and the graphs' `keys` (mapping.graph_keys; `context_key`: mapping.sources_key
    without origins), a graph validated by an earlier build with the same key and context gets that
    build's findings again; the others are validated, and their findings kept. `countries`: True,
    only the country graphs (one run); False, only the others (the sources, each scenario and
    phase); None, all (two processes can share a build's validation this way)."""
    from govgraph.core.iris import INFERRED_GRAPH, ONTOLOGY_GRAPH, SOURCES_GRAPH
    from govgraph.rdf.built import Built

    if isinstance(graphs, Built):
        names, ntriples = graphs.iris, graphs.ntriples
    else:
        names = [URIRef(str(g.identifier)) for g in graphs]
        ntriples = _Serialised({str(g.identifier): g for g in graphs})
    kept = _Kept(memo, keys or {}, context_key)
    made: list = []

    def context() -> list:
        """The ontology's N-Triples and the sources indexed (all that `_reachable` reads of them)."""
        if not made:
            made.extend(ntriples[str(iri)] for iri in names if iri == ONTOLOGY_GRAPH)
            if SOURCES_GRAPH in names:
                made.append(_Indexed(ntriples[str(SOURCES_GRAPH)]))
        return made

    def run(iris: list[URIRef], label: str | list[str]) -> Report:
        data = [(str(i), ntriples[str(i)]) for i in iris]
        return _validate(data, _reachable(context(), [nt for _, nt in data]), shapes, origins, label)

    report = Report()
    if SOURCES_GRAPH in names and countries is not True:  # the sources themselves, the ontology as context
        report.extend(kept.findings(SOURCES_GRAPH, lambda: _validate(
            [(str(SOURCES_GRAPH), ntriples[str(SOURCES_GRAPH)])],
            [ntriples[str(ONTOLOGY_GRAPH)]] if ONTOLOGY_GRAPH in names else [], shapes, origins,
            str(SOURCES_GRAPH)), own_context=True))
    data = sorted(iri for iri in names
                  if iri not in (ONTOLOGY_GRAPH, SOURCES_GRAPH) and not str(iri).startswith(str(INFERRED_GRAPH)))
    # Country graphs never share a subject (their IRIs are minted per country), so they are checked
    # in one run (and its findings kept per country); a scenario restates its country's nodes
    # differently, so each gets a run of its own.
    country_graphs = [iri for iri in data if "/scenario/" not in str(iri)] if countries is not False else []
    todo = [iri for iri in country_graphs if not kept.reuse(iri, report)]
    if todo:
        found = run(todo, [str(i) for i in todo])
        for iri in todo:
            kept.keep(iri, [f for f in found.findings if f.graph == str(iri)])
        report.extend(found)
    for iri in data if countries is not True else []:
        if "/scenario/" in str(iri):
            report.extend(kept.findings(iri, lambda iri=iri: run([iri], str(iri))))
    return report


class _Serialised(dict):
    """Graph IRI → N-Triples of rdflib graphs, each serialised when first asked for."""

    def __init__(self, graphs: dict[str, Graph]):
        super().__init__()
        self._graphs = graphs

    def __missing__(self, iri: str) -> bytes:
        self[iri] = _ntriples(self._graphs[iri])
        return self[iri]


class _Indexed:
    """A graph's N-Triples in an in-memory pyoxigraph store, for `_reachable` to walk."""

    def __init__(self, ntriples: bytes):
        self.store = ox.Store()
        self.store.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES)


_IRI = re.compile(rb"<([^<>\"{}|^`\\\x00-\x20]*)>")


def _iris(ntriples: bytes) -> set:
    """Every IRI `ntriples` names, as pyoxigraph nodes: read off the text, as `<…>`, without parsing
    it (text in a literal that looks like an IRI is looked up too, and found nowhere)."""
    found = set()
    for iri in set(_IRI.findall(ntriples)):
        try:
            found.add(ox.NamedNode(iri.decode("utf-8")))
        except ValueError:
            pass
    return found


def _reachable(context: list, data: list[bytes]) -> list[bytes]:
    """The context a validation of `data` (N-Triples) can reach: the ontology whole (sh:class needs
    its class tree), and of the sources (an `_Indexed` context) the part that the data's nodes lead
    to, link by link, and the statements about those nodes. Validation checks every target of the
    graph it is given, and the sources graph's own targets (hundreds of sources) are checked on
    their own, so leaving the sources the data never names out of each run saves the time, not a
    finding."""
    out: list[bytes] = []
    for part in context:
        if not isinstance(part, _Indexed):
            out.append(part)
            continue
        nodes = {node for nt in data for node in _iris(nt)}
        kept: set = set()
        todo, seen = list(nodes), set(nodes)
        while todo:
            for quad in part.store.quads_for_pattern(todo.pop(), None, None):
                kept.add(quad.triple)
                if not isinstance(quad.object, ox.Literal) and quad.object not in seen:
                    seen.add(quad.object)
                    todo.append(quad.object)
        for node in nodes:
            kept.update(quad.triple for quad in part.store.quads_for_pattern(None, None, node))
        out.append((ox.serialize(sorted(kept, key=str), format=ox.RdfFormat.N_TRIPLES) or b"") if kept else b"")
    return out


class _Kept:
    """The findings of each graph kept between builds, under the graph's key and its context's."""

    def __init__(self, memo: Memo | None, keys: dict[URIRef, str], context_key: str):
        self.memo, self.keys, self.context_key = memo, keys, context_key

    def _key(self, iri: URIRef, own_context: bool = False) -> str | None:
        if self.memo is None or iri not in self.keys:
            return None
        return digest("shapes", self.keys[iri], "" if own_context else self.context_key)

    def reuse(self, iri: URIRef, report: Report, own_context: bool = False) -> bool:
        key = self._key(iri, own_context)
        data = self.memo.get(key) if key is not None and self.memo is not None else None
        if data is None:
            return False
        try:
            findings = [Finding(**item) for item in json.loads(data)]
        except (ValueError, TypeError):
            return False  # a damaged entry: validated again
        report.extend(Report(findings=findings, graphs=[str(iri)]))
        return True

    def keep(self, iri: URIRef, findings: list[Finding], own_context: bool = False) -> None:
        key = self._key(iri, own_context)
        if key is not None and self.memo is not None:
            self.memo.put(key, json.dumps([asdict(f) for f in sorted(findings)], sort_keys=True).encode("utf-8"))

    def findings(self, iri: URIRef, run, own_context: bool = False) -> Report:
        """The graph's report: kept from an earlier build, or `run()` and kept."""
        report = Report()
        if self.reuse(iri, report, own_context):
            return report
        report = run()
        self.keep(iri, report.findings, own_context)
        return report


# -- quality checks (SPARQL) -----------------------------------------------------------------------

def check_files(folder: Path | None = None) -> list[Path]:
    """`*-violation.rq` (each row fails the build) and `*-warning.rq` (each row is a warning)."""
    folder = folder or queries_dir() / "checks"
    return sorted([*folder.glob("*-violation.rq"), *folder.glob("*-warning.rq")])


def check_header(path: Path) -> str:
    """The check's title: the first `# title:` (or first comment) line of its header."""
    first = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        text = line.lstrip("#").strip()
        if text.lower().startswith("title:"):
            return text.split(":", 1)[1].strip()
        first = first or text
    return first or path.stem


def run_checks(store, *, scopes: dict[str, list] | None = None, folder: Path | None = None,
               origins: dict[str, str] | None = None, kept: Memo | None = None,
               graph_keys: dict[str, str] | None = None) -> Report:
    """Run every queries/checks/*-violation.rq (and *-warning.rq) on `store` (a pyoxigraph Store, or anything with
    `select(sparql, graphs=...)`); each row is a violation. The first column is the focus node; a
    `?message` column, when present, says what is wrong.

    `scopes`: label → default graphs (store.dataset_graphs); default: the countries, then each
    scenario on its own. With `kept` (a Memo) and `graph_keys` (graph IRI → a digest of its
    content), a scope whose graphs an earlier build checked with the same checks gets that build's
    rows again (their origins are looked up anew: a record can move in its file)."""
    from govgraph.store import embedded

    origins = origins or {}
    if scopes is None:
        names = embedded.graph_names(store) if not hasattr(store, "graph_names") else store.graph_names()
        scopes = {"countries": embedded.choose_graphs(names)}
        for name in names:
            if "/graph/scenario/" in name:
                sid = name.split("/graph/scenario/", 1)[1]  # a scenario id, or <id>/phase/<n>
                scopes[f"scenario {sid}"] = embedded.choose_graphs(names, sid)
    checks = check_files(folder)
    texts = {path: path.read_text(encoding="utf-8") for path in checks}
    found = {label: _scope_rows(store, graphs, texts, kept, _scope_key(label, graphs, texts, graph_keys))
             for label, graphs in scopes.items()}
    report = Report()
    for path in checks:
        title = check_header(path)
        severity = "warning" if path.stem.endswith("-warning") else "violation"
        report.checks.append(path.stem)
        for label in scopes:
            for focus, message, details in found[label][path.name]:
                report.findings.append(Finding(
                    severity=severity, graph=label, focus=focus, path="", message=title if message is None else message,
                    origin=origins.get(focus, ""), value=details, rule=f"checks/{path.name}"))
    return report


def _scope_key(label: str, graphs: list, texts: dict[Path, str], graph_keys: dict[str, str] | None) -> str | None:
    names = [g.value if hasattr(g, "value") else str(g) for g in graphs]
    if not graph_keys or any(n not in graph_keys for n in names):
        return None
    return digest(code_digest(), "checks", label, *(graph_keys[n] for n in sorted(names)),
                  *(f"{p.name}\n{t}" for p, t in sorted(texts.items())))


def _scope_rows(store, graphs: list, texts: dict[Path, str], kept: Memo | None,
                key: str | None) -> dict[str, list[tuple]]:
    """Check file name → (focus, message or None, details) of each row the check gives on `graphs`."""
    from govgraph.store import embedded

    data = kept.get(key) if kept is not None and key is not None else None
    if data is not None:
        try:
            return {name: [tuple(row) for row in rows] for name, rows in json.loads(data).items()}
        except (ValueError, TypeError, AttributeError):
            pass  # a damaged entry: checked again
    rows_of: dict[str, list[tuple]] = {}
    for path, sparql in texts.items():
        try:
            if hasattr(store, "select") and not hasattr(store, "query"):
                columns, rows = store.select(sparql, graphs=graphs)
            else:
                columns, rows = embedded.select(store, sparql, graphs=graphs)
        except Exception as exc:  # a broken check file is bad input, not a data problem
            raise QueryError(f"{path}: {exc}") from exc
        rows_of[path.name] = []
        for row in rows:
            values = dict(zip(columns, row))
            focus = row[0].value if row and row[0] is not None and hasattr(row[0], "value") else ""
            message = values.get("message")
            text = message.value if message is not None and hasattr(message, "value") else None
            details = ", ".join(f"{c}={short(v.value)}" for c, v in values.items()
                                if c != "message" and v is not None and c != columns[0])
            rows_of[path.name].append((focus, text, details))
    if kept is not None and key is not None:
        kept.put(key, json.dumps(rows_of, sort_keys=True).encode("utf-8"))
    return rows_of
