"""`govgraph serve`: the SPARQL 1.1 Protocol, its limits and read-only-ness, on a real server."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import free_port, wait_for_http

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
BODIES = "SELECT ?b WHERE { ?b a <https://w3id.org/govgraph/ontology#CoordinationBody> } ORDER BY ?b"
CONSTRUCT = "CONSTRUCT WHERE { ?b a <https://w3id.org/govgraph/ontology#CoordinationBody> }"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def request(server, method="GET", path="/sparql", *, params=None, body=None, headers=None):
    url = server.base_url + path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def form(query=None, **extra):
    data = {"query": query, **extra} if query is not None else extra
    return urllib.parse.urlencode(data).encode()


def content_type(headers) -> str:
    return headers["Content-Type"].split(";")[0]


def bodies_in(status, headers, body) -> list[str]:
    assert status == 200, body
    doc = json.loads(body)
    return [b["b"]["value"] for b in doc["results"]["bindings"]]


def test_get_post_form_and_post_direct_answer_the_same(govgraph_server):
    expected = bodies_in(*request(govgraph_server, params={"query": BODIES}))
    assert len(expected) == 3
    assert bodies_in(*request(govgraph_server, "POST", body=form(BODIES),
                              headers={"Content-Type": "application/x-www-form-urlencoded"})) == expected
    assert bodies_in(*request(govgraph_server, "POST", body=BODIES.encode(),
                              headers={"Content-Type": "application/sparql-query"})) == expected


@pytest.mark.parametrize("accept, media", [
    (None, "application/sparql-results+json"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/json", "application/json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/html,application/xhtml+xml,*/*;q=0.8", "application/sparql-results+json"),
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_select_results_formats(govgraph_server, accept, media, method):
    headers = {"Accept": accept} if accept else {}
    if method == "GET":
        status, h, body = request(govgraph_server, params={"query": BODIES}, headers=headers)
    else:
        status, h, body = request(govgraph_server, "POST", body=BODIES.encode(),
                                  headers={**headers, "Content-Type": "application/sparql-query"})
    assert status == 200 and content_type(h) == media
    if media == "text/csv":  # lossy by design: check it with the csv module
        rows = list(csv.reader(io.StringIO(body.decode())))
        assert rows[0] == ["b"] and len(rows) == 4
        return
    parsed_format = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
                     "application/json": ox.QueryResultsFormat.JSON,
                     "application/sparql-results+xml": ox.QueryResultsFormat.XML,
                     "text/tab-separated-values": ox.QueryResultsFormat.TSV}[media]
    rows = list(ox.parse_query_results(body, format=parsed_format))
    assert len(rows) == 3


@pytest.mark.parametrize("accept, media, fmt", [
    (None, "text/turtle", ox.RdfFormat.TURTLE),
    ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
])
def test_construct_graph_formats(govgraph_server, accept, media, fmt):
    status, h, body = request(govgraph_server, params={"query": CONSTRUCT},
                              headers={"Accept": accept} if accept else {})
    assert status == 200 and content_type(h) == media
    assert len(list(ox.parse(body, format=fmt))) == 3


def test_ask_and_format_parameter(govgraph_server):
    status, h, body = request(govgraph_server, params={"query": "ASK { ?s ?p ?o }"})
    assert status == 200 and json.loads(body)["boolean"] is True
    status, h, body = request(govgraph_server, params={"query": "ASK { ?s ?p ?o }"},
                              headers={"Accept": "application/sparql-results+xml"})
    assert status == 200 and b"<boolean>true</boolean>" in body
    status, h, _ = request(govgraph_server, params={"query": BODIES, "format": "csv"})
    assert status == 200 and content_type(h) == "text/csv"


def test_unacceptable_format_is_406(govgraph_server):
    status, _, body = request(govgraph_server, params={"query": BODIES}, headers={"Accept": "image/png"})
    assert status == 406 and b"text/csv" in body


def test_updates_and_graph_store_writes_are_refused(govgraph_server):
    before = request(govgraph_server, params={"query": COUNT})[2]
    update = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
    status, _, body = request(govgraph_server, "POST", body=urllib.parse.urlencode({"update": update}).encode(),
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403 and b"read-only" in body
    status, _, _ = request(govgraph_server, "POST", body=update.encode(),
                           headers={"Content-Type": "application/sparql-update"})
    assert status == 403
    status, _, _ = request(govgraph_server, params={"update": update})
    assert status == 403
    status, _, body = request(govgraph_server, params={"query": update})  # an update is not a query
    assert status == 400
    for method in ("PUT", "DELETE", "PATCH"):
        status, h, _ = request(govgraph_server, method, path="/store?default", body=b"<a:b> <a:b> <a:b> .",
                               headers={"Content-Type": "application/n-triples"})
        assert status == 405 and "POST" in h["Allow"]
    assert request(govgraph_server, params={"query": COUNT})[2] == before


def test_malformed_query_is_400_with_the_parsers_message(govgraph_server):
    status, h, body = request(govgraph_server, params={"query": "SELECT * WHERE { ?s ?p }"})
    assert status == 400 and content_type(h) == "text/plain"
    assert b"error at 1:" in body


def test_a_slow_query_is_stopped_and_the_server_answers_the_next(govgraph_server):
    pool = govgraph_server.pool
    busy_before = {w.pid for w in pool.workers}
    status, _, body = request(govgraph_server, params={"query": SLOW})
    assert status == 503 and b"stopped" in body
    stopped = [pid for pid in pool.killed if pid in busy_before]
    assert stopped, "the worker that ran the query was not killed"
    for pid in stopped:  # the work really stopped: the process is gone
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert bodies_in(*request(govgraph_server, params={"query": BODIES}))
    assert len(pool.workers) == sum(pool.sizes.values())  # replaced: 2 regular + 1 reserved


def test_over_size_body_is_refused(govgraph_server):
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 20_000
    status, _, body = request(govgraph_server, "POST", body=big.encode(),
                              headers={"Content-Type": "application/sparql-query"})
    assert status == 413 and b"10000" in body  # the cap is named (waitress says it, before any read)
    assert bodies_in(*request(govgraph_server, params={"query": BODIES}))


def test_results_over_the_cap_are_refused(govgraph_server):
    status, _, body = request(govgraph_server, params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert status == 422 and b"LIMIT" in body
    status, _, _ = request(govgraph_server, params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 50"})
    assert status == 200
    status, _, _ = request(govgraph_server, params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert status == 422


def test_other_bodies_are_415_and_posts_need_a_length(govgraph_server):
    status, _, _ = request(govgraph_server, "POST", body=b"{}", headers={"Content-Type": "application/json"})
    assert status == 415


def test_cors(govgraph_server):
    status, h, _ = request(govgraph_server, "OPTIONS", headers={
        "Origin": "http://example.org", "Access-Control-Request-Method": "POST"})
    assert status == 204 and h["Access-Control-Allow-Origin"] == "*"
    assert "POST" in h["Access-Control-Allow-Methods"]
    _, h, _ = request(govgraph_server, params={"query": BODIES}, headers={"Origin": "http://example.org"})
    assert h["Access-Control-Allow-Origin"] == "*"


def test_dataset_selection(govgraph_server):
    scenario = "https://w3id.org/govgraph/graph/scenario/zz-finance"
    in_scenario = bodies_in(*request(govgraph_server, params={"query": BODIES, "default-graph-uri": scenario}))
    assert "https://w3id.org/govgraph/id/zz/cio-council" in in_scenario
    status, _, _ = request(govgraph_server, params={"query": BODIES, "default-graph-uri": "not an iri"})
    assert status == 400
    with_from = f"SELECT ?b FROM <{scenario}> WHERE {{ ?b a <https://w3id.org/govgraph/ontology#CoordinationBody> }}"
    assert "https://w3id.org/govgraph/id/zz/cio-council" in bodies_in(*request(govgraph_server, params={"query": with_from}))


def test_static_files_and_query_page(govgraph_server):
    status, h, body = request(govgraph_server, path="/graphs/zz.ttl")
    assert status == 200 and content_type(h) == "text/turtle" and b"zz:digital-agency" in body
    assert request(govgraph_server, path="/store/CURRENT")[0] == 404
    assert request(govgraph_server, path="/%2e%2e/%2e%2e/etc/passwd")[0] == 404
    status, h, page = request(govgraph_server, path="/sparql")
    assert status == 200 and content_type(h) == "text/html"
    assert b'src="http' not in page and b"href=\"http" not in page  # works offline: nothing fetched from elsewhere
    status, _, listing = request(govgraph_server, path="/questions.json")
    assert {"lead-bodies", "levers"} <= {q["name"] for q in json.loads(listing)}


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found |= {int(x) for x in text}
    return found


def _gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "State:\tZ" in status


def test_cli_serve_stops_with_its_workers(kitchen_sink_build):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "govgraph", "serve", "--out", str(kitchen_sink_build),
                                "--port", str(port), "--workers", "2"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(base + "/query")
        with urllib.request.urlopen(base + "/sparql?" + urllib.parse.urlencode({"query": BODIES})) as response:
            assert len(json.loads(response.read())["results"]["bindings"]) == 3
        workers = _children(process.pid)
        assert len(workers) >= 2
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    for _ in range(100):  # poll: no timing assert, just wait for the kernel to reap them
        if all(_gone(pid) for pid in workers):
            break
        time.sleep(0.1)
    assert all(_gone(pid) for pid in workers)


def test_sparqlwrapper_with_its_defaults_can_select_ask_construct_and_describe(govgraph_server):
    """SPARQLWrapper sends format=xml with Accept: application/rdf+xml for CONSTRUCT and DESCRIBE: the
    endpoint answers RDF/XML (Accept wins over format when they disagree; "xml" is RDF/XML for graphs)."""
    from SPARQLWrapper import SPARQLWrapper

    def ask(query):
        client = SPARQLWrapper(govgraph_server.base_url + "/sparql")
        client.setQuery(query)
        return client.queryAndConvert()

    expected = len(bodies_in(*request(govgraph_server, params={"query": BODIES})))
    assert len(ask(BODIES).getElementsByTagName("result")) == expected  # SPARQL XML results, its default
    assert ask("ASK { ?s ?p ?o }").getElementsByTagName("boolean")[0].firstChild.data == "true"
    constructed = ask(CONSTRUCT)  # an rdflib Graph, parsed from RDF/XML
    assert len(constructed) == expected
    body = bodies_in(*request(govgraph_server, params={"query": BODIES}))[0]
    assert len(ask(f"DESCRIBE <{body}>")) > 0


def test_accept_wins_over_format_when_they_disagree(govgraph_server):
    status, h, _ = request(govgraph_server, params={"query": BODIES, "format": "json"}, headers={"Accept": "text/csv"})
    assert status == 200 and content_type(h) == "text/csv"
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # prefers a type not offered
    status, h, _ = request(govgraph_server, params={"query": BODIES, "format": "csv"}, headers={"Accept": browser})
    assert status == 200 and content_type(h) == "text/csv"
    status, h, body = request(govgraph_server, params={"query": CONSTRUCT, "format": "xml"})
    assert status == 200 and content_type(h) == "application/rdf+xml" and b"rdf:RDF" in body


def test_service_description_for_rdf_clients_and_the_page_for_browsers(govgraph_server, kitchen_sink_build):
    """The description parses as RDF in every graph format and names the endpoint, the query language
    (and no update language: read-only), the result formats, the default dataset and every named
    graph, each linked to its VoID subset in the build's void.ttl."""
    from rdflib import RDF, RDFS, Graph, Namespace, URIRef

    from govgraph.store import embedded

    SD, VOID = Namespace("http://www.w3.org/ns/sparql-service-description#"), Namespace("http://rdfs.org/ns/void#")
    parsed = {}
    for media, fmt in [("text/turtle", "turtle"), ("application/rdf+xml", "xml"),
                       ("application/n-triples", "nt"), ("application/ld+json", "json-ld")]:
        status, h, body = request(govgraph_server, headers={"Accept": media})
        assert status == 200 and content_type(h) == media
        parsed[media] = Graph().parse(data=body, format=fmt)
    sd = parsed["text/turtle"]
    assert all(len(g) == len(sd) for g in parsed.values())
    endpoint = URIRef(govgraph_server.base_url + "/sparql")
    assert (endpoint, RDF.type, SD.Service) in sd and (endpoint, SD.endpoint, endpoint) in sd
    assert set(sd.objects(endpoint, SD.supportedLanguage)) == {SD.SPARQL11Query}
    assert "read-only" in str(sd.value(endpoint, RDFS.comment)).lower()
    formats = {str(f).rsplit("/", 1)[1] for f in sd.objects(endpoint, SD.resultFormat)}
    assert {"SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
            "Turtle", "N-Triples", "JSON-LD", "RDF_XML"} <= formats
    dataset = sd.value(endpoint, SD.defaultDataset)
    assert (dataset, RDF.type, SD.Dataset) in sd and (sd.value(dataset, SD.defaultGraph), RDF.type, SD.Graph) in sd
    named = {sd.value(n, SD.name): sd.value(n, SD.graph) for n in sd.objects(dataset, SD.namedGraph)}
    assert sorted(str(n) for n in named) == embedded.LocalStore(kitchen_sink_build).graph_names()
    void_url = sd.value(endpoint, RDFS.seeAlso)
    assert str(void_url) == govgraph_server.base_url + "/void.ttl"
    status, h, body = request(govgraph_server, path="/void.ttl")
    assert status == 200 and content_type(h) == "text/turtle"
    void = Graph().parse(data=body, format="turtle")
    for name, description in named.items():  # the graph's description is its VoID subset, with counts
        assert (description, RDF.type, SD.Graph) in sd
        assert (None, VOID.subset, description) in void and void.value(description, VOID.triples) is not None
    status, h, body = request(govgraph_server, headers={"Accept": "text/html,*/*;q=0.8"})
    assert status == 200 and content_type(h) == "text/html"


def test_a_body_not_in_utf8_is_refused_with_the_reason(govgraph_server):
    """The protocol's only encoding is UTF-8: a body that says it is in another is refused, whether it
    would decode as UTF-8 or not; charset=UTF-8 (any case) is fine."""
    query = "ASK { ?s ?p ?o }"
    for media, body in [("application/sparql-query; charset=UTF-16", query.encode("utf-16")),
                        ("application/sparql-query; charset=iso-8859-1", query.encode("latin-1")),
                        ("application/x-www-form-urlencoded; charset=UTF-16", form(query).decode().encode("utf-16"))]:
        status, _, answer = request(govgraph_server, "POST", body=body, headers={"Content-Type": media})
        assert status == 415 and b"requires UTF-8" in answer, (media, status, answer)
    status, _, _ = request(govgraph_server, "POST", body=query.encode(),
                           headers={"Content-Type": "application/sparql-query; charset=utf-8"})
    assert status == 200


def test_relative_iris_resolve_against_the_endpoint_url(govgraph_server):
    status, _, body = request(govgraph_server, params={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"},
                              headers={"Accept": "application/n-triples"})
    assert status == 200, body
    base = govgraph_server.base_url
    assert body.decode().strip() == f'<{base}/s> <{base}/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .'
    status, _, body = request(govgraph_server, params={"query": "BASE <http://example.org/> SELECT (<s> AS ?s) {}"},
                              headers={"Accept": "text/csv"})
    assert status == 200 and body.decode().splitlines()[1] == "http://example.org/s"


def test_a_host_header_that_makes_no_iri_is_400(govgraph_server):
    """The Host header names the base IRI and the service: one that is no IRI is refused, not a 500."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", govgraph_server.server_port, timeout=30)
    try:
        for path, accept in [("/sparql?query=ASK%7B%7D", "*/*"), ("/sparql", "text/turtle")]:
            connection.request("GET", path, headers={"Host": "bad<host", "Accept": accept})
            response = connection.getresponse()
            assert response.status == 400 and b"bad Host header" in response.read()
    finally:
        connection.close()
