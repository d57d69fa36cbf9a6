"""Remote stores: `govgraph push` into a real `oxigraph serve`, and every question answering the same
on the embedded store, on `govgraph serve` and on oxigraph (all on 127.0.0.1)."""

from __future__ import annotations

import base64
import collections
import contextlib
import datetime as dt
import json
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox
import pytest

from govgraph.core.errors import QueryError, StoreError, UsageError
from govgraph.store import embedded, questions, remote

from conftest import REAL_DATA, free_port, run_govgraph, running_govgraph, running_oxigraph, running_virtuoso

ZZ = "https://w3id.org/govgraph/id/zz/"
SCENARIO = "zz-finance"


@pytest.fixture(scope="module")
def pushed(kitchen_sink_build, oxigraph_server):
    """The kitchen sink pushed (through the CLI) into the oxigraph server; returns its query URL."""
    result = run_govgraph("push", "--endpoint", oxigraph_server + "/store", "--out", str(kitchen_sink_build),
                          "--scenarios")
    assert result.returncode == 0, result.stderr
    return oxigraph_server + "/query"


_LIST_COLUMN = re.compile(r';\s*separator\s*=\s*"((?:[^"\\]|\\.)*)"\s*\)\s*AS\s*\?(\w+)', re.I)


def list_columns(question: questions.Question | None) -> dict[str, str]:
    """Columns made by GROUP_CONCAT, with their separators: SPARQL leaves the order of the items
    to the store, so they are compared as sorted items."""
    return {m.group(2): m.group(1) for m in _LIST_COLUMN.finditer(question.text)} if question else {}


def normalised(result: questions.Result) -> tuple[list[str], list[tuple]]:
    lists = list_columns(result.question)

    def term(column, t):
        if t is None:
            return None
        if isinstance(t, ox.BlankNode):
            return "_:b"
        if column in lists and isinstance(t, ox.Literal):
            sep = lists[column]
            return str(ox.Literal(sep.join(sorted(t.value.split(sep))), datatype=t.datatype)
                       if not t.language else ox.Literal(sep.join(sorted(t.value.split(sep))), language=t.language))
        return str(t)
    return result.columns, sorted((tuple(term(c, t) for c, t in zip(result.columns, row)) for row in result.rows),
                                  key=repr)


# -- every question, with its parameter variants, on every engine -----------------------------------
# Two builds: the kitchen sink (every term of the ontology) and the real dataset. Each engine gets the
# build through its own loading route (`govgraph push` for servers with a Graph Store) and must give the
# embedded store's rows, as a multiset, with the same datatypes and languages.

AS_OF_YEARS = (2012, 2020, 2025)
DATASETS = {
    "kitchen-sink": {"record": "zz/digital-agency", "country": "ZZ", "scenarios": (SCENARIO,)},
    "real": {"record": "cl/segpres", "country": "CL",
             "scenarios": tuple(sorted(p.stem for p in (REAL_DATA / "scenarios").glob("*.yaml")))},
}
ENGINES = ("govgraph serve", "oxigraph serve", "virtuoso")


def variants(dataset: str):
    """Every question with its defaults, at other dates, on each scenario, and for one country."""
    data = DATASETS[dataset]
    for q in questions.list_questions():
        params = {p.name: data["record"] for p in q.params if p.required}
        yield q.name, params, None, None, q.name
        if q.takes_as_of:
            for year in AS_OF_YEARS:
                yield q.name, params, dt.date(year, 6, 30), None, f"{q.name}-{year}"
        for scenario in data["scenarios"]:
            yield q.name, params, None, scenario, f"{q.name}-{scenario}"
        if q.param("country"):
            yield q.name, {**params, "country": data["country"]}, None, None, f"{q.name}-{data['country']}"


def cases():
    return [pytest.param(dataset, engine, name, params, as_of, scenario, id=f"{dataset}-{engine}-{label}")
            for dataset in DATASETS for engine in ENGINES
            for name, params, as_of, scenario, label in variants(dataset)]


@pytest.fixture(scope="session")
def engines(request, kitchen_sink_build, real_build, tmp_path_factory):
    """Query URLs per (dataset, engine), each engine started and loaded when first asked for."""
    builds = {"kitchen-sink": kitchen_sink_build, "real": real_build}
    stack = contextlib.ExitStack()
    started: dict = {}

    def endpoint(dataset: str, engine: str) -> str:
        key = (dataset, engine)
        if key not in started:
            out = builds[dataset]
            if engine == "govgraph serve":
                server = stack.enter_context(running_govgraph(out, max_rows=1_000_000, workers=2))
                started[key] = server.base_url + "/sparql"
            elif engine == "oxigraph serve":
                base = stack.enter_context(running_oxigraph(tmp_path_factory.mktemp("oxigraph-" + dataset)))
                push_through_cli(out, base + "/store")
                started[key] = base + "/query"
            else:
                base, password = stack.enter_context(running_virtuoso(tmp_path_factory.mktemp("virtuoso-" + dataset)))
                push_through_cli(out, base + "/sparql-graph-crud-auth", "--user", "dba", "--password", password)
                started[key] = base + "/sparql"
        return started[key]

    with stack:
        yield builds, endpoint


def push_through_cli(out, endpoint: str, *options: str) -> None:
    result = run_govgraph("push", "--endpoint", endpoint, "--out", str(out), "--scenarios", *options)
    assert result.returncode == 0, result.stderr


_embedded_answers: dict = {}


@pytest.mark.parametrize("dataset, engine, name, params, as_of, scenario", cases())
def test_every_question_answers_the_same_on_every_engine(engines, dataset, engine, name, params, as_of,
                                                         scenario):
    builds, endpoint = engines
    q = questions.load_question(name)
    key = (dataset, name, repr(params), as_of, scenario)
    if key not in _embedded_answers:
        local = embedded.LocalStore(builds[dataset])
        _embedded_answers[key] = normalised(questions.run(q, local, params=params, as_of=as_of, scenario=scenario))
    server = remote.RemoteStore(endpoint(dataset, engine), timeout=120, retries=0)
    answer = normalised(questions.run(q, server, params=params, as_of=as_of, scenario=scenario))
    expected = _embedded_answers[key]
    missing = collections.Counter(expected[1]) - collections.Counter(answer[1])
    extra = collections.Counter(answer[1]) - collections.Counter(expected[1])
    assert answer == expected, (f"{name} differs on {engine}: columns {answer[0]} vs {expected[0]}; "
                                f"missing {sorted(missing, key=repr)[:5]}; extra {sorted(extra, key=repr)[:5]}")


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
    first = remote.push(kitchen_sink_build, oxigraph_server + "/store", scenarios=True)
    after_first = int(server.select(count)[1][0][0].value)
    second = remote.push(kitchen_sink_build, oxigraph_server + "/store", scenarios=True)
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


def test_scenarios_reach_a_union_default_graph_server_only_when_asked(kitchen_sink_build, tmp_path):
    """Virtuoso answers a query that names no graphs from the union of all its graphs. A default push
    leaves the scenarios out, so such a query gives the baseline's rows; --scenarios sends them,
    with a warning, and `govgraph query --scenario` (which names its graphs) reads them."""
    with running_virtuoso(tmp_path) as (base, password):
        crud = ("--endpoint", base + "/sparql-graph-crud-auth", "--user", "dba", "--password", password)
        plain = run_govgraph("push", *crud, "--out", str(kitchen_sink_build))
        assert plain.returncode == 0, plain.stderr
        assert "scenario graphs not sent" in plain.stderr and "warning" not in plain.stderr
        server = remote.RemoteStore(base + "/sparql")
        assert not [g for g in server.graph_names() if remote.is_scenario_graph(g)]
        local = embedded.LocalStore(kitchen_sink_build)
        for name in ("lead-bodies", "levers", "body-members"):
            q = questions.load_question(name)
            text = questions.with_values(q.text, questions.bind(q))
            unnamed = server.select(text, graphs=None)  # the server's own default graph: all it holds
            assert normalised(questions.Result(*unnamed)) == normalised(questions.run(q, local)), name

        with_scenarios = run_govgraph("push", *crud, "--out", str(kitchen_sink_build), "--scenarios")
        assert with_scenarios.returncode == 0, with_scenarios.stderr
        assert "warning" in with_scenarios.stderr and "union" in with_scenarios.stderr
        asked = run_govgraph("query", "levers", "--endpoint", base + "/sparql", "--scenario", SCENARIO,
                             "--format", "json", "--out", str(kitchen_sink_build))
        local_answer = run_govgraph("query", "levers", "--scenario", SCENARIO, "--format", "json",
                                    "--out", str(kitchen_sink_build))
        assert asked.returncode == local_answer.returncode == 0, asked.stderr
        rows = lambda text: sorted(json.dumps(b, sort_keys=True) for b in json.loads(text)["results"]["bindings"])  # noqa: E731
        assert rows(asked.stdout) == rows(local_answer.stdout)


class _GraphStore(BaseHTTPRequestHandler):
    """A small Graph Store on 127.0.0.1 that wants basic auth (asking for it) and fails the first PUT of each graph
    with 503, to exercise push's credentials and retries."""

    seen: dict = {}

    def log_message(self, *args):
        pass

    def do_PUT(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        expected = "Basic " + base64.b64encode(b"analyst:s3cret").decode()
        if self.headers.get("Authorization") != expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="graphs"')
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
    baseline = [g for g in embedded.LocalStore(kitchen_sink_build).graph_names() if not remote.is_scenario_graph(g)]
    assert len(seen) == len(sent) == len(baseline) and sorted(sent) == baseline
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
