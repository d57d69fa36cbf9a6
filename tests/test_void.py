"""out/void.ttl (DCAT + VoID) matches the store and conforms to DCAT-AP 3.0.0; out/ontology/ documents
every term, offline."""

from __future__ import annotations

import re

import pyoxigraph as ox
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, SKOS

import govgraph
from govgraph.exports.void import DATASET, PROV, VOID
from govgraph.store import embedded

from conftest import FIXTURES, REPO

GG = "https://w3id.org/govgraph/ontology#"
DCAT_AP_SHAPES = FIXTURES / "dcat-ap-3.0.0" / "dcat-ap-SHACL.ttl"
SH = "http://www.w3.org/ns/shacl#"


def test_void_counts_match_the_store(kitchen_sink_build):
    void = Graph().parse(kitchen_sink_build / "void.ttl")
    db = embedded.open_store(kitchen_sink_build)
    names = embedded.graph_names(db)
    subsets = {str(s): int(void.value(s, VOID.triples)) for s in void.objects(DATASET, VOID.subset)}
    assert sorted(subsets) == names
    for name in names:
        assert subsets[name] == sum(1 for _ in db.quads_for_pattern(None, None, None, ox.NamedNode(name))), name
    # the store's default graph is a derived copy (the baseline view), not more data
    assert int(void.value(DATASET, VOID.triples)) == sum(subsets.values()) == len(db) - sum(
        1 for _ in db.quads_for_pattern(None, None, None, ox.DefaultGraph()))


def test_void_describes_the_dataset(kitchen_sink_build):
    void = Graph().parse(kitchen_sink_build / "void.ttl")
    d = DATASET
    assert (d, RDF.type, DCAT.Dataset) in void and (d, RDF.type, VOID.Dataset) in void
    assert void.value(d, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert void.value(d, DCAT.version) == Literal(govgraph.__version__) and void.value(d, DCTERMS.title) is not None
    assert void.value(d, VOID.sparqlEndpoint) == URIRef("http://127.0.0.1:7878/sparql")
    assert len(list(void.objects(d, VOID.dataDump))) == 2
    vocabs = {str(v) for v in void.objects(d, VOID.vocabulary)}
    assert {GG, "http://www.w3.org/ns/org#", "http://data.europa.eu/m8g/", str(SKOS), str(DCTERMS)} <= vocabs
    db = embedded.open_store(kitchen_sink_build)
    _, rows = embedded.select(db, "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s a <%sSource> } }" % GG)
    assert {str(s) for s in void.objects(d, PROV.wasDerivedFrom)} == {r[0].value for r in rows}
    assert not list(void.objects(d, DCTERMS.source))  # documents, not datasets: DCAT-AP keeps dct:source for these
    assert URIRef("http://publications.europa.eu/resource/authority/country/ZZZ") in set(void.objects(d, DCTERMS.spatial))
    assert not [t for t in void if any(type(x).__name__ == "BNode" for x in t)]


def test_void_of_the_real_build_conforms_to_dcat_ap(real_build):
    """What data portals harvest: SEMIC's DCAT-AP 3.0.0 shapes, no inference (as portals validate)."""
    void = Graph().parse(real_build / "void.ttl")
    shapes = Graph().parse(DCAT_AP_SHAPES)
    conforms, report, _ = validate(void, shacl_graph=shapes, inference="none", allow_warnings=True)
    results = [(str(report.value(r, URIRef(SH + "focusNode"))), str(report.value(r, URIRef(SH + "resultPath"))),
                str(report.value(r, URIRef(SH + "resultMessage"))))
               for r in report.subjects(URIRef(SH + "resultSeverity"), URIRef(SH + "Violation"))]
    assert conforms and not results, results[:10]
    assert (DATASET, RDF.type, DCAT.Dataset) in void and len(list(void.objects(DATASET, PROV.wasDerivedFrom))) > 10


def test_countries_match_the_eu_country_table(kitchen_sink_build):
    g = Graph().parse(kitchen_sink_build / "graphs" / "zz.ttl")
    zz = URIRef("https://w3id.org/govgraph/id/zz")
    matches = set(g.objects(zz, SKOS.exactMatch))
    assert URIRef("http://publications.europa.eu/resource/authority/country/ZZZ") in matches
    assert not list(g.triples((None, OWL.sameAs, None)))


def test_ontology_docs_cover_every_term_offline(kitchen_sink_build):
    folder = kitchen_sink_build / "ontology"
    index = (folder / "index.html").read_text(encoding="utf-8")
    concepts = (folder / "concepts.html").read_text(encoding="utf-8")
    onto = Graph()
    for path in (REPO / "ontology").glob("govgraph*.ttl"):
        onto.parse(path)
    terms = {s for t in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
             for s in onto.subjects(RDF.type, t) if str(s).startswith(GG)}
    assert terms
    missing = [str(t) for t in terms if f'<code>{t}</code>' not in index and f'"{t}"' not in index]
    assert not missing, missing
    codes = set(onto.subjects(RDF.type, SKOS.Concept))
    assert codes and all(str(c) in concepts for c in codes)
    for page in (index, concepts):
        assert not re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(?:https?:)?//', page)
    assert "Formal definition" in index  # the defined classes' axioms, as text
