"""Validation: SHACL shapes (pySHACL) and the quality checks (queries/checks/*-violation.rq).

The report is data: a list of `Finding`s (severity, focus node, path, message, source file:line of
the record where known), written by the pipeline as validation.json and validation.md. Violations
fail the build; warnings only with --strict. Nothing here prints.

Shapes are checked per graph (each country's whole timeline, each scenario) together with the
ontology (concept schemes, rdfs:subClassOf for sh:class) and the sources, without OWL inference:
the reasoner is a separate step, and inference would multiply the time for nothing the shapes need.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from govgraph.core.errors import ConformanceError, QueryError
from govgraph.core.iris import short
from govgraph.core.memo import Memo, code_digest, digest
from govgraph.core.resources import queries_dir, shapes_file

if TYPE_CHECKING:
    from govgraph.rdf.built import Built

SEVERITIES = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}


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


def _path_text(report: Graph, path) -> str:
    if path is None:
        return ""
    if isinstance(path, URIRef):
        return short(path)
    return "(complex path)"




class _ListWithSet(list):
    """A list whose `in` asks a set: the same answers, without comparing the IRIs one by one."""

    def __init__(self, items):
        super().__init__(items)
        self._members = frozenset(items)

    def __contains__(self, item) -> bool:
        return item in self._members


def _faster_parameter_lookup() -> None:
    """pySHACL checks each of a shape's predicates against its list of ~30 constraint parameters
    (`p in list`) every time a shape is evaluated: a sixth of the validation's time on the real
    data. It keeps that list in `pyshacl.shape.CONSTRAINT_PARAMS` on first use; putting the same
    list there first, with a set behind `in`, changes nothing but the time. Left alone when
    pySHACL's layout is not the one this was written for."""
    try:
        import pyshacl.shape as shape
        from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
    except ImportError:
        return
    current = getattr(shape, "CONSTRAINT_PARAMS", None)
    if current is not None and not (isinstance(current, tuple) and len(current) == 2):
        return
    if isinstance(ALL_CONSTRAINT_PARAMETERS, list) and isinstance(CONSTRAINT_PARAMETERS_MAP, dict):
        shape.CONSTRAINT_PARAMS = (_ListWithSet(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP)


def validate_graph(data: Iterable[Graph], *, context: Iterable[Graph] = (), shapes: Graph | None = None,
                   origins: dict[str, str] | None = None, label: str | list[str] = "") -> Report:
    """Validate the union of `data` (plus `context`: ontology, sources) against the shapes.

    Findings are kept only for focus nodes of `data`, so problems of the context graphs are not
    reported once per graph."""
    import pyshacl

    _faster_parameter_lookup()
    origins = origins or {}
    data = list(data)
    union = Graph()
    for g in data:
        union += g
    graph_of = {s: str(g.identifier) for g in data for s in g.subjects()}
    ours = set(graph_of)
    for g in context:
        union += g
    conforms, results, _ = pyshacl.validate(
        union, shacl_graph=shapes if shapes is not None else load_shapes(), inference="none",
        advanced=False, allow_warnings=True, abort_on_first=False, meta_shacl=False)
    report = Report(graphs=list(label) if isinstance(label, list) else [label] if label else [])
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        if focus not in ours:
            continue
        severity = SEVERITIES.get(results.value(result, SH.resultSeverity), "violation")
        messages = sorted(str(m) for m in results.objects(result, SH.resultMessage))
        value = results.value(result, SH.value)
        shape = results.value(result, SH.sourceShape)
        component = results.value(result, SH.sourceConstraintComponent)
        parent = next(iter(sorted(str(s) for s in _parent_shapes(shapes_or_default(shapes), shape))), "")
        rule = short(parent) if parent else short(component) if component else ""
        report.findings.append(Finding(
            severity=severity, graph=graph_of[focus], focus=str(focus),
            path=_path_text(results, results.value(result, SH.resultPath)),
            message=messages[0] if messages else "does not conform", origin=origins.get(str(focus), ""),
            value=(short(value) if isinstance(value, URIRef) else str(value)) if value is not None else "",
            rule=rule.replace("https://w3id.org/govgraph/shapes#", "ggsh:")))
    return report


_SHAPES_CACHE: dict[str, Graph] = {}


def shapes_or_default(shapes: Graph | None) -> Graph:
    if shapes is not None:
        return shapes
    if "default" not in _SHAPES_CACHE:
        _SHAPES_CACHE["default"] = load_shapes()
    return _SHAPES_CACHE["default"]


def _parent_shapes(shapes: Graph, shape) -> list:
    """The named node shape a (blank) property shape belongs to, for the report's `rule`."""
    if shape is None:
        return []
    if isinstance(shape, URIRef):
        return [shape]
    return [s for s in shapes.subjects(SH.property, shape) if isinstance(s, URIRef)] + \
           [s for s in shapes.subjects(SH.sparql, shape) if isinstance(s, URIRef)]


def validate_graphs(graphs: list[Graph] | Built, *, origins: dict[str, str] | None = None,
                    shapes: Graph | None = None, memo: Memo | None = None,
                    keys: dict[URIRef, str] | None = None, context_key: str = "",
                    countries: bool | None = None) -> Report:
    """Validate every country and scenario graph of a build (`graphs` as build.build returns them,
    or a `Built` whose graphs are made only if validated: the ontology and sources graphs are used
    as context, not validated as data).

    With a `memo` and the graphs' `keys` (mapping.graph_keys; `context_key`: mapping.sources_key
    without origins), a graph validated by an earlier build with the same key and context gets that
    build's findings again; the others are validated, and their findings kept. `countries`: True,
    only the country graphs (one run); False, only the others (the sources, each scenario and
    phase); None, all (two processes can share a build's validation this way)."""
    from govgraph.core.iris import INFERRED_GRAPH, ONTOLOGY_GRAPH, SOURCES_GRAPH
    from govgraph.rdf.built import Built

    if isinstance(graphs, Built):
        names, graph = graphs.iris, graphs.graph
    else:
        by_iri = {g.identifier: g for g in graphs}
        names, graph = list(by_iri), by_iri.__getitem__
    kept = _Kept(memo, keys or {}, context_key)
    shapes_graph = shapes

    def shape_graph() -> Graph:
        nonlocal shapes_graph
        shapes_graph = shapes_graph if shapes_graph is not None else load_shapes()
        return shapes_graph

    made: list = []

    def context() -> list:
        """The ontology and the sources; a Built's sources as an index of its N-Triples (`_Indexed`),
        all that `_reachable` reads of them, instead of their rdflib graph."""
        if not made:
            made.extend(graph(iri) for iri in names if iri == ONTOLOGY_GRAPH)
            if SOURCES_GRAPH in names:
                made.append(_Indexed(graphs.ntriples[str(SOURCES_GRAPH)], SOURCES_GRAPH)
                            if isinstance(graphs, Built) else graph(SOURCES_GRAPH))
        return made

    report = Report()
    if SOURCES_GRAPH in names and countries is not True:  # the sources themselves, the ontology as context
        report.extend(kept.findings(SOURCES_GRAPH, lambda: validate_graph(
            [graph(SOURCES_GRAPH)], context=[graph(ONTOLOGY_GRAPH)] if ONTOLOGY_GRAPH in names else [],
            shapes=shape_graph(), origins=origins, label=str(SOURCES_GRAPH)), own_context=True))
    data = sorted(iri for iri in names
                  if iri not in (ONTOLOGY_GRAPH, SOURCES_GRAPH) and not str(iri).startswith(str(INFERRED_GRAPH)))
    # Country graphs never share a subject (their IRIs are minted per country), so they are checked
    # in one run (and its findings kept per country); a scenario restates its country's nodes
    # differently, so each gets a run of its own.
    country_graphs = [iri for iri in data if "/scenario/" not in str(iri)] if countries is not False else []
    todo = [iri for iri in country_graphs if not kept.reuse(iri, report)]
    if todo:
        found = validate_graph([graph(i) for i in todo], context=_reachable(context(), [graph(i) for i in todo]),
                               shapes=shape_graph(), origins=origins, label=[str(i) for i in todo])
        for iri in todo:
            kept.keep(iri, [f for f in found.findings if f.graph == str(iri)])
        report.extend(found)
    for iri in data if countries is not True else []:
        if "/scenario/" in str(iri):
            report.extend(kept.findings(iri, lambda iri=iri: validate_graph(
                [graph(iri)], context=_reachable(context(), [graph(iri)]), shapes=shape_graph(), origins=origins,
                label=str(iri))))
    return report


class _Indexed:
    """A graph's canonical N-Triples in an in-memory pyoxigraph store, answering the two patterns
    `_reachable` asks as rdflib would (loading it is much faster than building its rdflib graph)."""

    def __init__(self, ntriples: bytes, identifier: URIRef):
        import pyoxigraph as ox

        self.identifier = identifier
        self.store = ox.Store()
        self.store.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES)

    def triples(self, pattern: tuple) -> Iterable[tuple]:
        import pyoxigraph as ox
        from rdflib import BNode

        from govgraph.rdf.serialise import rdflib_term

        def term(t):
            return None if t is None else ox.BlankNode(str(t)) if isinstance(t, BNode) else ox.NamedNode(str(t))

        s, _, o = pattern
        for q in self.store.quads_for_pattern(term(s), None, term(o)):
            yield rdflib_term(q.subject), rdflib_term(q.predicate), rdflib_term(q.object)


def _reachable(context: list, data: list[Graph]) -> list[Graph]:
    """The context a validation of `data` can reach: the ontology whole (sh:class needs its class
    tree), and of the sources graph the part that the data's nodes lead to, link by link, and the
    statements about those nodes. pySHACL validates every target of the graph it is given, and the
    sources graph's own targets (hundreds of sources) are checked on their own, so leaving the
    sources the data never names out of each run saves the time, not a finding."""
    from govgraph.core.iris import SOURCES_GRAPH

    out = []
    for g in context:
        if g.identifier != SOURCES_GRAPH:
            out.append(g)
            continue
        nodes = {n for d in data for t in d for n in (t[0], t[2]) if not isinstance(n, Literal)}
        part = Graph(identifier=g.identifier)
        todo, seen = list(nodes), set(nodes)
        while todo:
            for triple in g.triples((todo.pop(), None, None)):
                part.add(triple)
                if not isinstance(triple[2], Literal) and triple[2] not in seen:
                    seen.add(triple[2])
                    todo.append(triple[2])
        for node in nodes:
            for triple in g.triples((None, None, node)):
                part.add(triple)
        out.append(part)
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
