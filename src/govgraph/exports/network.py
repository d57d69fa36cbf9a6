"""`govgraph export`: the build in the formats other tools read.

Network formats (GraphML, GEXF, CSV) come from the SPARQL projection (`project.project`), never a
second projection: with ``as_of`` one day's picture; without it the whole timeline, where each node
and edge carries the intervals it holds (``start``/``end``, half-open, ISO dates; open ends omitted)
so Gephi's timeline replays the changes. The timeline is computed by projecting on every day a
record starts or ends (the picture is constant in between) and merging consecutive presences. A
scenario with phases is exported as its roadmap instead: one time slice per picture (the baseline,
then the picture after each phase), each starting on the date `phase_starts` gives it.

Attributes are flat and typed (str, bool, int, float): lists are joined with spaces, the multilingual
labels are one JSON string, absent values are omitted (never None), so networkx, Gephi and yEd read
the files as written (see docs/linking.md and the networkx pitfalls in the research notes).

The files are valid against their schemas (GraphML 1.0, GEXF 1.3; tests/test_export.py checks them
with the XSDs): node and edge ids are XML name tokens (``<cc>:<slug>``, ``<source>__<type>__<target>``),
each GraphML key has its own id, and the GEXF carries no attribute of networkx's own.

RDF formats (Turtle, N-Triples, JSON-LD, TriG) are read from the store and written with the build's
canonical serialisers; ``view="org-cpov"`` writes the ORG/CPOV view instead (see `org_cpov_view`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Iterable

import networkx as nx
import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from govgraph.analysis import projection
from govgraph.analysis.run import scenario_date
from govgraph.analysis.timeline import change_days
from govgraph.core import formats, iris
from govgraph.core.errors import UsageError
from govgraph.core.vocab import CONCEPT, CV, GG, GRAPH, ORG
from govgraph.curated.model import BASELINE
from govgraph.rdf import mapping, serialise
from govgraph.store import embedded

NETWORK_FORMATS = formats.names("network")
RDF_FORMATS = formats.names("rdf")
FORMATS = NETWORK_FORMATS + RDF_FORMATS
VIEWS = ("org-cpov",)

NODE_COLUMNS = ("id", "label", "kind", "country", "iri", "acronym", "placement", "level", "scope", "lead",
                "legal_basis_count", "no_legal_basis_found", "lever_count", "binding_lever_count",
                "mandate_count", "lever_types", "mandate_strengths", "legal_basis", "labels", "start", "end",
                "intervals", "phases")
EDGE_COLUMNS = ("id", "source", "target", "edge_type", "weight", "tie", "membership", "relation", "record",
                "start", "end", "intervals", "phases")

# -- network: projection → flat typed graph ------------------------------------------------------

Interval = tuple[str | None, str | None]


def _merge(present: list[bool], bounds: list[Interval]) -> list[Interval]:
    spells: list[Interval] = []
    for holds, (start, end) in zip(present, bounds):
        if not holds:
            continue
        if spells and spells[-1][1] == start:
            spells[-1] = (spells[-1][0], end)
        else:
            spells.append((start, end))
    return spells


def _union(pictures: list[nx.MultiDiGraph], bounds: list[Interval], G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """`pictures` merged into `G`: each node and edge with the attributes of the latest picture that
    holds it, and `spells`, the merged `bounds` of the pictures that hold it."""
    for picture in pictures:
        for node, attrs in picture.nodes(data=True):
            G.add_node(node, **attrs)  # later pictures overwrite: the latest state wins
        for u, v, key, attrs in picture.edges(keys=True, data=True):
            G.add_edge(u, v, key=key, **attrs)
    for node in G.nodes:
        G.nodes[node]["spells"] = _merge([node in p for p in pictures], bounds)
    for u, v, key in G.edges(keys=True):
        G.edges[u, v, key]["spells"] = _merge([p.has_edge(u, v, key) for p in pictures], bounds)
    return G


def timeline(db: ox.Store, country: str, scenario: str | None = None) -> nx.MultiDiGraph:
    """The union of a country's projections over its whole history; nodes and edges carry `spells`
    (their half-open validity intervals; None = open) and the attributes of the latest day they hold."""
    days = change_days(db, country, scenario)
    probes = [days[0] - dt.timedelta(days=1)] + days if days else [BASELINE]
    bounds: list[Interval] = []
    for i, day in enumerate(probes):
        start = None if i == 0 else day.isoformat()
        end = probes[i + 1].isoformat() if i + 1 < len(probes) else None
        bounds.append((start, end))
    by_day = projection.project_days(db, country, probes, scenario=scenario)
    G = nx.MultiDiGraph(country=country.lower(), scenario=scenario, as_of=None, dropped_edges=[])
    return _union([by_day[day] for day in probes], bounds, G)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def phase_starts(start: dt.date, phases: list[dict]) -> list[dt.date]:
    """When each picture of a roadmap begins: the picture it starts from on `start` (the day the
    scenario is read on: its base date, or the build's date when later); the picture after a dated phase on
    the phase's date; after a relative phase ("years 2-3") once its last year is over (`start` plus 3
    years). Never before the phase listed above it: the pictures are cumulative, so a roadmap's time
    only moves forward."""
    starts = [start]
    for ph in phases:
        day = dt.date.fromisoformat(ph["date"][:10]) if ph.get("date") else _add_years(start, ph["years"][1])
        starts.append(max(day, starts[-1]))
    return starts


def roadmap(db: ox.Store, country: str, scenario: str, phases: list[dict], day: dt.date) -> nx.MultiDiGraph:
    """A scenario's roadmap as one dynamic graph: the baseline (the picture the roadmap starts from) and
    the picture after each phase (`projection.phases`, in order) are time slices from `phase_starts`;
    nodes and edges carry the spells of the slices that hold them, and `phases`, those slices' numbers
    (0 the baseline, n the picture after phase n). Every picture is read on `day`, as the analysis
    reads a scenario (`run.scenario_date`), so slice n is what `govgraph analyse --phase n` analyses
    (for a build made for that day)."""
    starts = phase_starts(day, phases)
    bounds: list[Interval] = [(s.isoformat(), starts[i + 1].isoformat() if i + 1 < len(starts) else None)
                              for i, s in enumerate(starts)]
    pictures = [projection.project(db, country, as_of=day)]
    pictures += [projection.project(db, country, as_of=day, scenario=ph["key"]) for ph in phases]
    G = _union(pictures, bounds, nx.MultiDiGraph(country=country.lower(), scenario=scenario, as_of=None,
                                                 dropped_edges=[]))
    for node in G.nodes:
        G.nodes[node]["phases"] = " ".join(str(i) for i, p in enumerate(pictures) if node in p)
    for u, v, key in G.edges(keys=True):
        G.edges[u, v, key]["phases"] = " ".join(str(i) for i, p in enumerate(pictures) if p.has_edge(u, v, key))
    G.graph["roadmap"] = f"Scenario {scenario}, phase by phase (read on {day.isoformat()}): " + "; ".join(
        [f"0 baseline from {starts[0].isoformat()}"]
        + [f"{ph['order']} {ph['title'] or ph['id']} ({ph['when']}) from {start.isoformat()}"
           for ph, start in zip(phases, starts[1:])])
    return G


def _interval_text(spells: list[Interval]) -> str:
    return " ".join(f"{s or '..'}/{e or '..'}" for s, e in spells)


def flatten(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Typed, flat attributes only (see module docstring); node ids ``<cc>:<slug>``, edge ids stable."""
    cc = G.graph["country"]
    F = nx.MultiDiGraph()
    for node, a in sorted(G.nodes(data=True), key=lambda item: item[0]):
        levers = a.get("levers") or []
        mandates = a.get("mandates") or []
        attrs = {
            "label": a.get("label") or node, "kind": a.get("kind"), "country": cc.upper(), "iri": a.get("iri"),
            "acronym": a.get("acronym"), "placement": a.get("placement"), "level": a.get("level"),
            "scope": a.get("scope"), "lead": bool(a.get("lead")),
            "legal_basis_count": len(a.get("legal_basis") or []),
            "no_legal_basis_found": bool(a.get("no_legal_basis_found")),
            "lever_count": len(levers), "binding_lever_count": sum(1 for l in levers if l.get("binding")),
            "mandate_count": len(mandates),
            "lever_types": " ".join(sorted({str(l.get("type", "")).rsplit("/", 1)[-1] for l in levers})) or None,
            "mandate_strengths": " ".join(sorted({str(m.get("strength") or "").rsplit("/", 1)[-1]
                                                  for m in mandates} - {""})) or None,
            "legal_basis": " ".join(a.get("legal_basis") or []) or None,
            "labels": json.dumps(a.get("labels") or {}, ensure_ascii=False, sort_keys=True),
            "phases": a.get("phases"),
        }
        _time_attrs(attrs, a.get("spells"))
        F.add_node(f"{cc}:{node}", **{k: v for k, v in attrs.items() if v is not None})
    for u, v, key, a in sorted(G.edges(keys=True, data=True), key=lambda e: (e[0], e[2], e[1])):
        attrs = {"edge_type": a.get("type") or key, "weight": float(a.get("weight", 1.0)), "tie": bool(a.get("tie")),
                 "membership": bool(a.get("membership")), "relation": a.get("relation"), "record": a.get("record"),
                 "phases": a.get("phases")}
        _time_attrs(attrs, a.get("spells"))
        eid = f"{cc}:{u}__{key}__{cc}:{v}"  # slugs and edge types have single hyphens only: unambiguous
        F.add_edge(f"{cc}:{u}", f"{cc}:{v}", key=eid, id=eid, **{k: x for k, x in attrs.items() if x is not None})
    return F


def _time_attrs(attrs: dict, spells: list[Interval] | None) -> None:
    if spells is None:
        return
    attrs["start"] = spells[0][0] if spells else None
    attrs["end"] = spells[-1][1] if spells else None
    attrs["intervals"] = _interval_text(spells)
    attrs["_spells"] = spells


def network(db: ox.Store, *, country: str | None = None, scenario: str | None = None,
            as_of: dt.date | None = None, build_day: dt.date = BASELINE) -> nx.MultiDiGraph:
    """The flat graph to export: one country (or a scenario's country, or every country), one day or
    the whole timeline; a scenario with phases (and no phase chosen) without `as_of` is its roadmap
    (`roadmap`), read on the day the analysis reads it for a build made for `build_day`."""
    steps: list[dict] = []
    if scenario is not None:
        listed = {s["id"]: s for s in projection.scenarios(db)}
        known = {k: s["country"] for k, s in listed.items()}
        sid, order = iris.split_key(scenario)  # a scenario, or the picture after one of its phases
        if sid not in known:
            raise UsageError(f"no scenario '{sid}' in this build (known: {', '.join(sorted(known)) or 'none'})")
        steps = [p for p in projection.phases(db) if p["scenario"] == sid]
        phases = [p["order"] for p in steps]
        if order is not None and order not in phases:
            raise UsageError(f"scenario {sid} has no phase {order} ("
                             + (f"it has phases 1-{max(phases)})" if phases else "it has no phases)"))
        if country is not None and country.lower() != known[sid]:
            raise UsageError(f"scenario {sid} is about {known[sid].upper()}, not {country.upper()}")
        codes = [known[sid]]
    elif country is not None:
        codes = [country.lower()]
        if codes[0] not in projection.countries(db):
            raise UsageError(f"no country {country.upper()} in this build")
    else:
        codes = projection.countries(db)
    out = nx.MultiDiGraph()
    story = ""
    for cc in codes:
        if as_of is not None:
            G = projection.project(db, cc, as_of=as_of, scenario=scenario)
        elif scenario is not None and scenario == sid and steps:
            G = roadmap(db, cc, sid, steps, scenario_date(build_day, listed[sid].get("base")))
            story = G.graph["roadmap"]
        else:
            G = timeline(db, cc, scenario)
        out = nx.compose(out, flatten(G))
    out.graph.update({"countries": " ".join(c.upper() for c in codes), "scenario": scenario or "",
                      "as_of": as_of.isoformat() if as_of else "", "dynamic": as_of is None})
    if story:
        out.graph["roadmap"] = story
    return out


def _plain(F: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy without the private `_spells` attribute, nor the edge's `id` (the edge key is the id)."""
    P = nx.MultiDiGraph()
    P.graph.update({k: v for k, v in F.graph.items() if isinstance(v, (str, int, float, bool))})
    for n, a in F.nodes(data=True):
        P.add_node(n, **{k: v for k, v in a.items() if not k.startswith("_")})
    for u, v, k, a in F.edges(keys=True, data=True):
        P.add_edge(u, v, key=k, **{x: y for x, y in a.items() if not x.startswith("_") and x != "id"})
    return P


def to_graphml(F: nx.MultiDiGraph) -> bytes:
    """GraphML 1.0: key ids ``d0``, ``d1`` … (a node's `start` and an edge's `start` are two keys, and
    GraphML wants each key id once); readers go by ``attr.name``."""
    buffer = io.BytesIO()
    nx.write_graphml(_plain(F), buffer, encoding="utf-8", prettyprint=True, named_key_ids=False)
    return buffer.getvalue()


def to_gexf(F: nx.MultiDiGraph) -> bytes:
    """GEXF 1.3: typed attributes; in a timeline, each node and edge has <spells> (Gephi's timeline)."""
    G = nx.MultiDiGraph()
    G.graph["mode"] = "dynamic" if F.graph.get("dynamic") else "static"
    for n, a in F.nodes(data=True):
        attrs = {k: v for k, v in a.items() if not k.startswith("_") and k not in ("start", "end")}
        spells = [s for s in a.get("_spells", []) if s != (None, None)]
        if spells:
            attrs["spells"] = spells
        G.add_node(n, **attrs)
    for u, v, k, a in F.edges(keys=True, data=True):
        attrs = {x: y for x, y in a.items() if not x.startswith("_") and x not in ("start", "end")}
        spells = [s for s in a.get("_spells", []) if s != (None, None)]
        if spells:
            attrs["spells"] = spells
        attrs["label"] = a["edge_type"]
        G.add_edge(u, v, key=k, **attrs)
    buffer = io.BytesIO()
    nx.write_gexf(G, buffer, encoding="utf-8", prettyprint=True, version="1.3")
    return _gexf_13(buffer.getvalue(), description=F.graph.get("roadmap"))


_GEXF = "http://gexf.net/1.3"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"


def _gexf_13(data: bytes, description: str | None = None) -> bytes:
    """networkx's GEXF 1.3 made valid and stable: the XSI namespace spelled right, no empty graph
    `name` (not in 1.3), no `networkx_key` attribute (the edge id already holds the key), each edge's
    `kind` its type, and no `lastmodifieddate` (today's date: the same build must export the same bytes).
    `description` goes into the meta (a roadmap's time slices, for whoever opens the file)."""
    ET.register_namespace("", _GEXF)
    ET.register_namespace("xsi", _XSI)
    root = ET.fromstring(data.replace(b'"http://w3.org/2001/XMLSchema-instance"', f'"{_XSI}"'.encode()))
    for meta in root.iter(f"{{{_GEXF}}}meta"):
        meta.attrib.pop("lastmodifieddate", None)
        if description:
            ET.SubElement(meta, f"{{{_GEXF}}}description").text = description
    for graph in root.iter(f"{{{_GEXF}}}graph"):
        if not graph.get("name"):
            graph.attrib.pop("name", None)
    stray = set()
    for attributes in root.iter(f"{{{_GEXF}}}attributes"):
        for attribute in list(attributes):
            if attribute.get("title") == "networkx_key":
                stray.add(attribute.get("id", ""))
                attributes.remove(attribute)
    for edge in root.iter(f"{{{_GEXF}}}edge"):
        edge.set("kind", edge.get("label", ""))  # 1.3's multigraph: Gephi keeps parallel edges of two kinds apart
    for attvalues in root.iter(f"{{{_GEXF}}}attvalues"):
        for value in list(attvalues):
            if value.get("for") in stray:
                attvalues.remove(value)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_csv(F: nx.MultiDiGraph) -> tuple[bytes, bytes]:
    """(nodes.csv, edges.csv) with the columns NODE_COLUMNS and EDGE_COLUMNS, always in that order."""
    nodes, edges = io.StringIO(), io.StringIO()
    w = csv.writer(nodes, lineterminator="\n")
    w.writerow(NODE_COLUMNS)
    for n, a in F.nodes(data=True):
        w.writerow([_cell(n if c == "id" else a.get(c)) for c in NODE_COLUMNS])
    w = csv.writer(edges, lineterminator="\n")
    w.writerow(EDGE_COLUMNS)
    for u, v, k, a in F.edges(keys=True, data=True):
        row = {"id": k, "source": u, "target": v, **a}
        w.writerow([_cell(row.get(c)) for c in EDGE_COLUMNS])
    return nodes.getvalue().encode("utf-8"), edges.getvalue().encode("utf-8")


# -- RDF ---------------------------------------------------------------------------------------------

def graph_names_for(db: ox.Store, *, country: str | None = None, scenario: str | None = None) -> list[str]:
    """The graphs an export holds: one scenario's, one country's, or else the whole baseline and its
    history (ontology, sources, every country, their inferences) and never a scenario, whose
    statements about the same IRIs would otherwise mix into the baseline's."""
    names = [n for n in embedded.graph_names(db) if n.startswith(GRAPH)]
    if scenario is not None:
        embedded.choose_graphs(names, scenario)  # an unknown scenario or phase: its UsageError, with what is known
        return [f"{GRAPH}scenario/{scenario}"]
    if country is not None:
        wanted = GRAPH + country.lower()
        if wanted not in names:
            raise UsageError(f"no country {country.upper()} in this build")
        return [wanted]
    return [n for n in names if "/scenario/" not in n]


def read_graph(db: ox.Store, name: str) -> Graph:
    data = db.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name)) or b""
    g = Graph(identifier=URIRef(name))
    code = name.removeprefix(GRAPH)
    mapping._bind(g, code if re.fullmatch(r"[a-z]{2}", code) else None)
    g.parse(data=data.decode("utf-8"), format="nt")
    # the store keeps decimals in canonical value form ("250000"); the build writes them with a point
    # ("250000.0", what Turtle round-trips to): restore the build's form so every format says the same
    for s_, p_, o_ in list(g):
        if isinstance(o_, Literal) and o_.datatype == XSD.decimal:
            g.remove((s_, p_, o_))
            g.add((s_, p_, mapping._decimal(o_.toPython())))
    return g


def _merged(graphs: list[Graph], identifier: str | None = None) -> Graph:
    if len(graphs) == 1:
        return graphs[0]
    g = Graph(identifier=URIRef(identifier) if identifier else None)
    mapping._bind(g)
    for part in graphs:
        for t in part:
            g.add(t)
    return g


def serialize_rdf(graphs: list[Graph], fmt: str) -> bytes:
    if fmt == "trig":
        return serialise.to_trig(graphs)
    g = _merged(graphs)
    return {"ttl": serialise.to_turtle, "nt": serialise.to_ntriples, "jsonld": serialise.to_jsonld}[fmt](g)


# -- the ORG/CPOV view --------------------------------------------------------------------------------

VIEW_GRAPH = GRAPH + "view/org-cpov"
EU_COUNTRY = "http://publications.europa.eu/resource/authority/country/"
# Namespaces a consumer of ORG/CPOV understands without our ontology.
VIEW_NAMESPACES = (str(ORG), str(CV), "http://data.europa.eu/eli/ontology#", str(SKOS), str(DCTERMS), str(FOAF),
                   "http://www.w3.org/ns/prov#", "http://schema.org/", str(RDFS))
# Inverses declared by W3C ORG itself (owl:inverseOf in org.ttl).
ORG_INVERSES = {ORG.memberOf: ORG.hasMember, ORG.subOrganizationOf: ORG.hasSubOrganization,
                ORG.unitOf: ORG.hasUnit}


def _closure(ontology: Graph, prop: URIRef) -> dict[Any, set[Any]]:
    """Term → itself and every named super-term by `prop` (rdfs:subClassOf / rdfs:subPropertyOf)."""
    direct: dict[URIRef, set[URIRef]] = {}
    for s, o in ontology.subject_objects(prop):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            direct.setdefault(s, set()).add(o)
    out: dict[URIRef, set[URIRef]] = {}

    def walk(term: URIRef) -> set[URIRef]:
        if term in out:
            return out[term]
        out[term] = {term}
        for sup in direct.get(term, ()):
            out[term] |= walk(sup)
        return out[term]

    for term in list(direct):
        walk(term)
    return out


def _in_view(term) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(VIEW_NAMESPACES)


def org_cpov_view(data: Iterable[Graph], ontology: Graph) -> Graph:
    """What our gg: terms entail in ORG, CPOV, ELI, SKOS, DCTERMS, FOAF, PROV and schema.org, without gg:.

    Materialised: rdf:type closed over rdfs:subClassOf and every property over rdfs:subPropertyOf (our
    ontology's axioms, e.g. gg:PublicInstitution ⊑ cv:PublicOrganisation, gg:placement ⊑
    org:classification, gg:acronym ⊑ skos:altLabel); ORG's own inverses (memberOf/hasMember,
    subOrganizationOf/hasSubOrganization, unitOf/hasUnit); FOAF's range of foaf:homepage
    (foaf:Document). Added as CPOV asks: dcterms:spatial from each organisation to the EU country table
    IRI of its country (a dcterms:Location). Kept: only triples whose predicate and classes are in
    those vocabularies; the concepts the data points at, from the ontology's SKOS schemes. Where the
    CPOV shapes are stricter than ORG, the view follows CPOV (see the comments below).
    """
    classes = _closure(ontology, RDFS.subClassOf)
    props = _closure(ontology, RDFS.subPropertyOf)
    view = Graph(identifier=URIRef(VIEW_GRAPH))
    mapping._bind(view)
    view.bind("euc", EU_COUNTRY)
    src = Graph()
    for g in data:
        for t in g:
            src.add(t)
    country_eu: dict[Any, Any] = {}
    for c, match in src.subject_objects(SKOS.exactMatch):
        if str(match).startswith(EU_COUNTRY):
            country_eu[c] = match
    concepts: set[Any] = set()
    for s, p, o in src:
        if p == RDF.type:
            for cls in classes.get(o, {o}):
                if _in_view(cls):
                    view.add((s, RDF.type, cls))
            continue
        for q in props.get(p, {p}):
            if _in_view(q):
                view.add((s, q, o))
                if q in ORG_INVERSES:
                    view.add((o, ORG_INVERSES[q], s))
                if q == FOAF.homepage:
                    view.add((o, RDF.type, FOAF.Document))
        if isinstance(o, URIRef) and str(o).startswith(CONCEPT):
            concepts.add(o)
    # CPOV 2.1.2 shapes, where they are stricter than ORG:
    # - org:memberOf must point at a cv:PublicOrganisation: the shortcut to a co-ordination body (an
    #   org:OrganizationalCollaboration) is left out; the membership stays, as org:Membership (n-ary).
    for s_, o_ in list(view.subject_objects(ORG.memberOf)):
        if (o_, RDF.type, CV.PublicOrganisation) not in view:
            view.remove((s_, ORG.memberOf, o_))
            view.remove((o_, ORG.hasMember, s_))
    # - skos:altLabel must be an rdf:langString: an acronym (a plain string in our data) takes the
    #   country's official language when it has exactly one, else "und" (undetermined, BCP 47).
    for s_, o_ in list(view.subject_objects(SKOS.altLabel)):
        if isinstance(o_, Literal) and not o_.language:
            langs = sorted(str(l) for l in src.objects(src.value(s_, GG.country), GG.officialLanguage))
            view.remove((s_, SKOS.altLabel, o_))
            view.add((s_, SKOS.altLabel, Literal(str(o_), lang=langs[0] if len(langs) == 1 else "und")))
    for org_node in set(view.subjects(RDF.type, ORG.Organization)):
        eu = country_eu.get(src.value(org_node, GG.country))
        if eu is not None:
            view.add((org_node, DCTERMS.spatial, eu))
    for eu in country_eu.values():
        view.add((eu, RDF.type, DCTERMS.Location))
    schemes: set[Any] = set()
    for c in concepts:
        for p, o in ontology.predicate_objects(c):
            if p == RDF.type:
                for cls in classes.get(o, {o}):
                    if _in_view(cls):
                        view.add((c, RDF.type, cls))
            elif _in_view(p):
                view.add((c, p, o))
                if p == SKOS.inScheme:
                    schemes.add(o)
    for scheme in schemes:
        for p, o in ontology.predicate_objects(scheme):
            if (p == RDF.type and _in_view(o)) or (p != RDF.type and _in_view(p)):
                view.add((scheme, p, o))
    return view


def validate_view(view: Graph, shapes: Graph) -> dict:
    """SHACL (validate.engine), no inference (the view is already materialised). Returns whether it
    conforms, the number of focus nodes per target class, and the violations grouped by shape path
    and constraint."""
    from govgraph.validate import engine

    results = engine.validate(view.serialize(format="nt", encoding="utf-8"), shapes)
    groups: dict[str, int] = {}
    for r in results:
        key = f"{r.severity.capitalize()} {r.path or None} {r.component.rsplit('#', 1)[-1]}"
        groups[key] = groups.get(key, 0) + 1
    targets = {}
    for shape, cls in shapes.subject_objects(URIRef("http://www.w3.org/ns/shacl#targetClass")):
        n = len(set(view.subjects(RDF.type, cls)))
        if n:
            targets[str(cls)] = n
    return {"conforms": not any(r.severity == "violation" for r in results),
            "focus_nodes": dict(sorted(targets.items())), "violations": dict(sorted(groups.items()))}


# -- the command's entry point --------------------------------------------------------------------

def export(out: Path, fmt: str, *, country: str | None = None, scenario: str | None = None,
           as_of: dt.date | None = None, view: str | None = None, build_day: dt.date = BASELINE) -> dict[str, bytes]:
    """File name → bytes (one file, or nodes.csv + edges.csv). `build_day`: the date the build was
    made for (a scenario's roadmap is read on it, as the analysis reads it)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    if view is not None and view not in VIEWS:
        raise UsageError(f"unknown view {view!r} (one of {', '.join(VIEWS)})")
    if country is not None and not re.fullmatch(r"[A-Za-z]{2}", country):
        raise UsageError(f"{country!r} is not an ISO 3166-1 alpha-2 country code such as CL")
    db = embedded.open_store(out)
    if fmt in NETWORK_FORMATS:
        if view is not None:
            raise UsageError("--view applies to the RDF formats (ttl, nt, jsonld, trig)")
        F = network(db, country=country, scenario=scenario, as_of=as_of, build_day=build_day)
        if fmt == "graphml":
            return {"govgraph.graphml": to_graphml(F)}
        if fmt == "gexf":
            return {"govgraph.gexf": to_gexf(F)}
        nodes, edges = to_csv(F)
        return {"nodes.csv": nodes, "edges.csv": edges}
    if as_of is not None:
        raise UsageError("--as-of applies to the network formats (graphml, gexf, csv); the RDF formats carry "
                         "the whole timeline (gg:validFrom / gg:validUntil)")
    names = graph_names_for(db, country=country, scenario=scenario)
    if view == "org-cpov":
        data_names = [n for n in names if n != GRAPH + "ontology"]
        if country is None and scenario is None:
            data_names = [n for n in data_names if not n.startswith(GRAPH + "inferred")]
        ontology = read_graph(db, GRAPH + "ontology")
        graphs = [org_cpov_view([read_graph(db, n) for n in data_names], ontology)]
    else:
        graphs = [read_graph(db, n) for n in names]
    ext = {"ttl": "ttl", "nt": "nt", "jsonld": "jsonld", "trig": "trig"}[fmt]
    return {f"govgraph.{ext}": serialize_rdf(graphs, fmt)}
