"""Remote stores: `govgraph push` into a real `oxigraph serve`, and every question answering the same
on the embedded store, on `govgraph serve` and on oxigraph (all on 127.0.0.1)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox
import pytest

from govgraph.core.errors import QueryError, StoreError, UsageError
from govgraph.store import embedded, questions, remote

from conftest import free_port, run_govgraph

ZZ = "https://w3id.org/govgraph/id/zz/"
SCENARIO = "zz-finance"


@pytest.fixture(scope="module")
def pushed(kitchen_sink_build, oxigraph_server):
    """The kitchen sink pushed (through the CLI) into the oxigraph server; returns its query URL."""
    result = run_govgraph("push", "--endpoint", oxigraph_server + "/store", "--out", str(kitchen_sink_build))
    assert result.returncode == 0, result.stderr
    return oxigraph_server + "/query"


def normalised(result: questions.Result) -> tuple[list[str], list[tuple]]:
    def term(t):
        if t is None:
            return None
        if isinstance(t, ox.BlankNode):
            return "_:b"
        return str(t)
    return result.columns, sorted((tuple(term(t) for t in row) for row in result.rows), key=repr)


def cases():
    """Every question of the library, with its defaults, at another date, and on a scenario."""
    out = []
    for q in questions.list_questions():
        params = {p.name: "zz/digital-agency" for p in q.params if p.required}
        out.append(pytest.param(q.name, params, None, None, id=f"{q.name}"))
        if q.takes_as_of:
            out.append(pytest.param(q.name, params, dt.date(2010, 6, 30), None, id=f"{q.name}-2010"))
        out.append(pytest.param(q.name, params, None, SCENARIO, id=f"{q.name}-scenario"))
    return out


@pytest.mark.parametrize("name, params, as_of, scenario", cases())
def test_every_question_answers_the_same_on_every_store(kitchen_sink_build, govgraph_server, pushed,
                                                        name, params, as_of, scenario):
    q = questions.load_question(name)
    backends = {
        "embedded": embedded.LocalStore(kitchen_sink_build),
        "govgraph serve": remote.RemoteStore(govgraph_server.base_url + "/sparql"),
        "oxigraph serve": remote.RemoteStore(pushed),
    }
    answers = {label: normalised(questions.run(q, b, params=params, as_of=as_of, scenario=scenario))
               for label, b in backends.items()}
    local = answers.pop("embedded")
    for label, answer in answers.items():
        assert answer == local, f"{name} differs on {label}"


@pytest.mark.parametrize("value", ['}', '"', '>', "x\ny", '" } ; DROP ALL ; SELECT * { ?s ?p ?o } #',
                                   "\\u0022 }", "SELECT", '"""', "' } UNION { ?s ?p ?o"])
def test_injection_stays_literal_on_remote_stores(govgraph_server, pushed, value, tmp_path):
    path = tmp_path / "echo.rq"
    path.write_text("# title: Echo\n# question: What was I given?\n# param: text string - anything\n"
                    "SELECT ?text WHERE { ?s ?p ?o } LIMIT 1\n", encoding="utf-8")
    q = questions.load_question(str(path))
    for endpoint in (govgraph_server.base_url + "/sparql", pushed):
        result = questions.run(q, remote.RemoteStore(endpoint), params={"text": value})
        assert result.rows == [(ox.Literal(value),)]


def test_push_replaces_and_is_idempotent(kitchen_sink_build, oxigraph_server, pushed):
    graph = "https://w3id.org/govgraph/graph/zz"
    stale = b"<http://example.org/stale> <http://example.org/p> <http://example.org/o> .\n"
    remote.http_request("POST", f"{oxigraph_server}/store?graph={graph}", body=stale,
                       headers={"Content-Type": "application/n-triples"})
    server = remote.RemoteStore(pushed)
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    inflated = int(server.select(count)[1][0][0].value)
    first = remote.push(kitchen_sink_build, oxigraph_server + "/store")
    after_first = int(server.select(count)[1][0][0].value)
    second = remote.push(kitchen_sink_build, oxigraph_server + "/store")
    after_second = int(server.select(count)[1][0][0].value)
    assert first == second
    assert after_first == after_second == first[graph] == inflated - 1
    local = embedded.LocalStore(kitchen_sink_build)
    assert sorted(first) == local.graph_names()


def test_remote_errors_are_clear(oxigraph_server, pushed):
    with pytest.raises(QueryError, match="malformed"):
        remote.RemoteStore(pushed).select("SELECT * WHERE { ?s ?p }")
    with pytest.raises(StoreError, match="failed after"):
        remote.RemoteStore(f"http://127.0.0.1:{free_port()}/sparql", retries=1).select("ASK {}")
    with pytest.raises(UsageError):
        remote.RemoteStore("ftp://example.org/sparql")
    with pytest.raises(UsageError, match="no scenario"):
        remote.RemoteStore(pushed).dataset_graphs("nope")


def test_cli_query_against_an_endpoint(pushed):
    result = run_govgraph("query", "levers", "--endpoint", pushed, "--format", "json",
                          "--param", "leverType=spending-control")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["results"]["bindings"][0]["lever"]["value"] == ZZ + "spend-control"
    down = run_govgraph("query", "levers", "--endpoint", f"http://127.0.0.1:{free_port()}/query", "--timeout", "2")
    assert down.returncode == 3


class _GraphStore(BaseHTTPRequestHandler):
    """A small Graph Store on 127.0.0.1 that wants basic auth and fails the first PUT of each graph
    with 503, to exercise push's credentials and retries."""

    seen: dict = {}

    def log_message(self, *args):
        pass

    def do_PUT(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        expected = "Basic " + base64.b64encode(b"analyst:s3cret").decode()
        if self.headers.get("Authorization") != expected:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        attempts = self.seen.setdefault(self.path, [])
        attempts.append(body)
        self.send_response(503 if len(attempts) == 1 else 204)
        if len(attempts) == 1:
            self.send_header("Retry-After", "0")  # only a 503 that says when to come back is retried
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture()
def graph_store():
    _GraphStore.seen = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _GraphStore)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/rdf-graphs/service", _GraphStore.seen
    finally:
        server.shutdown()
        server.server_close()


def test_push_sends_credentials_and_retries(kitchen_sink_build, graph_store):
    url, seen = graph_store
    with pytest.raises(StoreError, match="401"):
        remote.push(kitchen_sink_build, url, user="analyst", password="wrong", retries=0)
    seen.clear()
    sent = remote.push(kitchen_sink_build, url, user="analyst", password="s3cret", retries=2)
    assert len(seen) == len(sent) == len(embedded.LocalStore(kitchen_sink_build).graph_names())
    for path, attempts in seen.items():
        assert path.startswith("/rdf-graphs/service?graph=https%3A%2F%2Fw3id.org%2Fgovgraph%2Fgraph%2F")
        assert len(attempts) == 2 and attempts[0] == attempts[1]
        graph_iri = urllib.parse.unquote(path.split("graph=", 1)[1])
        assert len(list(ox.parse(attempts[1], format=ox.RdfFormat.TURTLE))) == sent[graph_iri]


class _Scripted(BaseHTTPRequestHandler):
    """A SPARQL endpoint on 127.0.0.1 that answers each POST with the next scripted step:
    ("sleep", seconds) never answers in time; (status, retry_after) answers that status."""

    script: list = []
    hits: list = []

    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.hits.append(self.path)
        step = self.script[min(len(self.hits), len(self.script)) - 1]
        if step[0] == "sleep":
            time.sleep(step[1])
            return
        status, retry = step
        body = b'{"head": {"vars": ["x"]}, "results": {"bindings": []}}' if status == 200 else b"busy"
        self.send_response(status)
        self.send_header("Content-Type", "application/sparql-results+json" if status == 200 else "text/plain")
        if retry is not None:
            self.send_header("Retry-After", str(retry))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.mark.parametrize("script, sends, outcome", [
    ([("sleep", 3)], 1, "no answer within"),          # a timed-out query is never sent again
    ([(500, None), (200, None)], 1, "500"),             # a server error is not cured by repeating
    ([(503, None), (200, None)], 1, "failed"),          # busy, but it did not say when to come back
    ([(503, 0), (200, None)], 2, None),                 # busy, come back now: retried, answered
    ([(429, 0), (502, 0), (200, None)], 3, None),
])
def test_only_what_a_second_try_can_cure_is_retried(script, sends, outcome):
    _Scripted.script, _Scripted.hits = script, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    store = remote.RemoteStore(f"http://127.0.0.1:{server.server_port}/sparql", timeout=1, retries=3)
    try:
        if outcome is None:
            assert store.select("SELECT ?x WHERE { ?x ?p ?o }") == (["x"], [])
        else:
            with pytest.raises(StoreError, match=outcome):
                store.select("SELECT ?x WHERE { ?x ?p ?o }")
    finally:
        server.shutdown()
        server.server_close()
    assert len(_Scripted.hits) == sends
