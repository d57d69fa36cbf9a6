"""The W3C SPARQL 1.1 Protocol test suite against `govgraph serve`.

A small runner of our own: it reads the suite's manifest (tests/fixtures/w3c-sparql-protocol, each
`mf:ProtocolTest` a list of HTTP requests with the response each must get) and sends every request,
in order, to a real server on loopback over the real build, to a copy of whose store the suite's
three graphs are added. Every query test must pass. The update tests that expect success are refused
by design, since the endpoint is read-only: REFUSED names each with its reason, the runner checks
that each gets exactly the 403 refusal, and reports it as an expected failure (xfail) with that
reason. The malformed-update tests expect a 4xx and run like the query tests.
"""

from __future__ import annotations

import http.client
import io
import json
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from conftest import FIXTURES, running_govgraph

SUITE = FIXTURES / "w3c-sparql-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

READ_ONLY = "the endpoint is read-only: SPARQL Update is refused with 403 (docs/sparql.md)"
REFUSED = {  # update tests that expect success, and why govgraph serve refuses them
    "update_dataset_default_graph": READ_ONLY,
    "update_dataset_default_graphs": READ_ONLY,
    "update_dataset_named_graphs": READ_ONLY,
    "update_dataset_full": READ_ONLY,
    "update_post_form": READ_ONLY,
    "update_post_direct": READ_ONLY,
    "update_base_uri": READ_ONLY,
}

BOOLEAN_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
TABULAR_TYPES = (*BOOLEAN_TYPES, "text/csv", "text/tab-separated-values")
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
             "application/ld+json": "json-ld"}
SPARQL_RESULTS_XML = "{http://www.w3.org/2005/sparql-results#}"


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[int]                # acceptable status classes: 2 for 2xx, 4 for 4xx …
    format: str | None = None         # "boolean", "tabular" or "RDF"
    boolean: bool | None = None


@dataclass
class ProtocolTest:
    name: str
    title: str
    requests: list[Request]
    graphs: dict[str, Path] = field(default_factory=dict)  # graph name → file of the suite


def read_manifest(path: Path = SUITE / "manifest.ttl") -> list[ProtocolTest]:
    g = Graph().parse(path, format="turtle")
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in Collection(g, g.value(manifest, MF.entries)):
        action = g.value(entry, MF.action)
        requests = []
        for req in Collection(g, g.value(action, HT.requests)):
            headers = {str(g.value(h, HT.fieldName)): str(g.value(h, HT.fieldValue))
                       for h in (Collection(g, g.value(req, HT.headers)) if g.value(req, HT.headers) else [])}
            body = g.value(req, HT.body)
            encoded = None
            if body is not None:
                encoded = str(g.value(body, CNT.chars)).encode(str(g.value(body, CNT.characterEncoding)))
            resp = g.value(req, HT.resp)
            boolean = g.value(resp, MF.expectedBoolean)
            requests.append(Request(
                method=str(g.value(req, HT.methodName)), path=str(g.value(req, HT.absolutePath)),
                headers=headers, body=encoded,
                statuses={int(str(s).removeprefix(str(HTS.StatusCode))[0]) for s in g.objects(resp, MF.expectedStatus)},
                format=str(g.value(resp, MF.expectedFormat)) if g.value(resp, MF.expectedFormat) else None,
                boolean=None if boolean is None else boolean.toPython()))
        graphs = {str(g.value(d, RDFS.label)): path.parent / Path(str(g.value(d, UT.graph))).name
                  for d in g.objects(entry, UT.graphData)}
        name = str(entry).rsplit("#", 1)[1]
        tests.append(ProtocolTest(name, str(g.value(entry, MF.name)), requests, graphs))
    return tests


TESTS = read_manifest()


def is_update(test: ProtocolTest) -> bool:
    """The suite names its update tests so (update_*, bad_update_*, bad_multiple_updates)."""
    return "update" in test.name


def test_the_manifest_is_the_whole_suite_and_only_updates_are_refused():
    """The runner fails when a query test would be hidden: only update tests that expect success
    may be listed as refusals, and the suite is read whole (34 tests, 20 of them queries)."""
    by_name = {t.name: t for t in TESTS}
    assert len(TESTS) == 34
    assert sum(not is_update(t) for t in TESTS) == 20
    for name, reason in REFUSED.items():
        assert is_update(by_name[name]) and by_name[name].requests[0].statuses == {2, 3} and reason


@pytest.fixture(scope="module")
def protocol_server(real_build, tmp_path_factory):
    """`govgraph serve` over a copy of the real build's store with the suite's graphs added."""
    out = tmp_path_factory.mktemp("w3c-protocol") / "out"
    shutil.copytree(real_build / "store", out / "store")
    shutil.copy2(real_build / "build.json", out / "build.json")
    store = ox.Store(str(out / "store"))
    for name, path in sorted({n: p for t in TESTS for n, p in t.graphs.items()}.items()):
        store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(name))
    store.flush()
    del store
    with running_govgraph(out, workers=2) as server:
        yield server


def send(server, request: Request) -> tuple[int, str, bytes]:
    path = request.path.replace("/sparql/", "/sparql", 1)
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=60)
    try:
        connection.request(request.method, path, body=request.body, headers=request.headers)
        response = connection.getresponse()
        media = (response.getheader("Content-Type") or "").split(";")[0].strip()
        return response.status, media, response.read()
    finally:
        connection.close()


def boolean_of(media: str, body: bytes) -> bool:
    if media == "application/sparql-results+json":
        return json.loads(body)["boolean"]
    text = ET.fromstring(body).find(f"{SPARQL_RESULTS_XML}boolean").text
    return {"true": True, "false": False}[text.strip()]


def check_tabular(media: str, body: bytes) -> None:
    if media == "application/sparql-results+json":
        doc = json.loads(body)
        assert isinstance(doc["head"]["vars"], list) and isinstance(doc["results"]["bindings"], list)
    elif media == "application/sparql-results+xml":
        root = ET.fromstring(body)
        assert root.find(f"{SPARQL_RESULTS_XML}results") is not None
    else:
        assert body.decode("utf-8").splitlines()[0]  # CSV/TSV: a header line


def check(request: Request, status: int, media: str, body: bytes) -> None:
    shown = body[:300].decode("utf-8", "replace")
    assert status // 100 in request.statuses, f"{request.method} {request.path}: got {status} {shown}"
    if request.format == "boolean":
        assert media in BOOLEAN_TYPES, media
        value = boolean_of(media, body)
        assert request.boolean is None or value == request.boolean, shown
    elif request.format == "tabular":
        assert media in TABULAR_TYPES, media
        check_tabular(media, body)
    elif request.format == "RDF":
        assert media in RDF_TYPES, media
        Graph().parse(io.BytesIO(body), format=RDF_TYPES[media])


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_protocol(protocol_server, test: ProtocolTest):
    if test.name in REFUSED:
        status, _, body = send(protocol_server, test.requests[0])
        assert status == 403 and b"read-only" in body, (status, body)
        pytest.xfail(f"refused by design: {REFUSED[test.name]}")
    for request in test.requests:
        check(request, *send(protocol_server, request))
