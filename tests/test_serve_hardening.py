"""`govgraph serve` cannot be turned against its host: no fetching on a query's behalf, a memory cap
per query, cheap queries answered while runaways run, strict request handling, and answers that
follow a rebuild. Each test runs a real server on loopback."""

from __future__ import annotations

import http.server
import shutil
import socket
import threading

import pytest

from govgraph.serve import app
from test_serve import BODIES, SLOW, bodies_in, request

from conftest import KITCHEN_SINK, run_govgraph

KB = 1024


class _Trap:
    """An HTTP server on loopback that records every request it gets (it should get none)."""

    def __init__(self):
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                body = b'{"head":{"vars":["secret"]},"results":{"bindings":[{"secret":{"type":"literal","value":"internal"}}]}}'
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/sparql"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def trap():
    t = _Trap()
    yield t
    t.close()


@pytest.fixture(scope="module")
def hardened(kitchen_sink_build):
    """A server with small limits: 2 regular workers and 1 reserved, 8 s per query (3 s in the
    reserved lane), 512 MiB per worker, 2 s read timeout."""
    server = app.make_server(kitchen_sink_build, port=0, timeout=8.0, max_rows=1000, max_body=10_000,
                               workers=2, reserved=1, quick=3.0, memory=512 * 2**20, quiet=True)
    server.server.adj.channel_timeout = 2
    server.server.adj.cleanup_interval = 1  # waitress looks for silent connections this often
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.base_url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield server
    finally:
        server.server_close()
        thread.join(timeout=10)


# -- no fetching on a query's behalf --------------------------------------------------------------

def federated_queries(url: str) -> list[str]:
    return [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"select * {{ service silent <{url}> {{ ?secret ?p ?o }} }}",
        f"SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        "SELECT * WHERE { SERV\\u0049CE <" + url + "> { ?s ?p ?o } }",
        f"PREFIX x: <{url}#> SELECT * WHERE {{ SERVICE x: {{ ?s ?p ?o }} }}",
        f"ASK {{ SERVICE <{url}> {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    ]


def test_federated_queries_are_refused_and_nothing_is_fetched(hardened, trap):
    for text in federated_queries(trap.url):
        for method in ("GET", "POST"):
            if method == "GET":
                status, h, body = request(hardened, params={"query": text})
            else:
                status, h, body = request(hardened, "POST", body=text.encode(),
                                          headers={"Content-Type": "application/sparql-query"})
            assert status == 400, (text, body)
            assert b"SERVICE" in body and b"refused" in body
    assert trap.hits == []


def test_dataset_iris_outside_the_store_are_never_fetched(hardened, trap):
    status, _, body = request(hardened, params={"query": BODIES, "default-graph-uri": trap.url})
    assert status == 200 and bodies_in(status, {}, body) == []
    status, _, body = request(hardened, params={"query": BODIES, "named-graph-uri": trap.url})
    assert status == 200
    with_from = f"SELECT ?b FROM <{trap.url}> WHERE {{ ?b ?p ?o }}"
    assert bodies_in(*request(hardened, params={"query": with_from})) == []
    status, _, _ = request(hardened, params={"update": f"LOAD <{trap.url}>"})
    assert status == 403
    assert trap.hits == []


def test_workers_have_no_network_even_past_the_check(hardened, trap):
    """Defence in depth: a worker runs in a network namespace of its own, so a SERVICE call that got
    past the text check still reaches nothing."""
    if not hardened.pool.isolated:
        pytest.skip(f"this kernel refused a network namespace: {hardened.pool.workers[0].network}")
    job = {"query": f"SELECT * WHERE {{ SERVICE <{trap.url}> {{ ?secret ?p ?o }} }}", "default_graphs": None,
           "named_graphs": None, "accept": None, "format": None, "base": hardened.base_url + "/sparql",
           "max_rows": 10}
    status, _, body = hardened.pool.run(job)
    assert status != 200 and b"internal" not in body
    assert trap.hits == []


# -- a memory cap per query ------------------------------------------------------------------------

def doubling(n: int) -> str:
    binds = " ".join(f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(n))
    return f'SELECT (STRLEN(?a{n}) AS ?len) WHERE {{ BIND("0123456789abcdef" AS ?a0) {binds} }}'


def test_a_query_over_the_memory_cap_gets_503_and_only_it_fails(hardened):
    status, _, body = request(hardened, params={"query": doubling(31)})  # 32 GiB of text
    assert status == 503 and b"memory" in body, body
    assert bodies_in(*request(hardened, params={"query": BODIES}))  # the server answers the next
    status, _, body = request(hardened, params={"query": doubling(10)})  # 16 KiB: fine
    assert status == 200 and b"16384" in body


# -- cheap queries are answered while runaways run ------------------------------------------------

def test_a_cheap_query_is_answered_while_runaways_hold_every_regular_worker(hardened):
    done = []

    def runaway():
        done.append(request(hardened, params={"query": SLOW})[0])

    threads = [threading.Thread(target=runaway) for _ in range(2)]
    for t in threads:
        t.start()
    # wait until both regular workers are taken (the runaways are on them)
    for _ in range(200):
        if not hardened.pool.idle["regular"]:
            break
        threading.Event().wait(0.05)
    assert not hardened.pool.idle["regular"]
    status, _, body = request(hardened, params={"query": "ASK { ?s ?p ?o }"})
    answered_while_busy = not done  # the runaways have not come back yet
    for t in threads:
        t.join()
    assert status == 200 and b"true" in body
    assert answered_while_busy
    assert done == [503, 503]


# -- strict request handling -----------------------------------------------------------------------

def raw(server, data: bytes, read_all: bool = True) -> bytes:
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=30) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
            if not read_all:
                break
    return b"".join(chunks)


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def test_a_negative_or_bogus_content_length_is_refused(hardened):
    for length in (b"-1", b"1e9", b"0x10", b"99999999999999999999"):
        answer = raw(hardened, b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                               b"Content-Length: " + length + b"\r\nConnection: close\r\n\r\nASK {}")
        assert status_of(answer) in (400, 413), (length, answer[:200])
    assert bodies_in(*request(hardened, params={"query": BODIES}))


def test_nul_bytes_long_paths_and_odd_methods_get_answers_not_tracebacks(hardened, capfd):
    for path in ("/%00", "/graphs/%00zz.ttl", "/" + "a" * 2000, "/%ff%fe", "/..%2f..%2fetc%2fpasswd"):
        answer = raw(hardened, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        assert status_of(answer) in (400, 404), (path, answer[:200])
    try:  # refused once the headers pass their cap; the server may reset the rest of the upload
        huge = raw(hardened, b"GET /" + b"a" * (100 * KB) + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert status_of(huge) in (400, 414, 431)
    except ConnectionResetError:
        pass
    odd = raw(hardened, b"BREW /sparql HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status_of(odd) in (400, 405, 501)
    assert "Traceback" not in capfd.readouterr().err
    assert bodies_in(*request(hardened, params={"query": BODIES}))


def test_the_server_header_names_govgraph_only(hardened):
    _, headers, _ = request(hardened, params={"query": BODIES})
    assert headers["Server"] == "govgraph"


def test_a_silent_connection_is_closed(hardened):
    """A client that connects and sends nothing is dropped after the read timeout (2 s here)."""
    with socket.create_connection(("127.0.0.1", hardened.server_port), timeout=60) as sock:
        sock.sendall(b"GET /sparql HTTP/1.1\r\n")  # never finishes its headers
        assert sock.recv(65536) == b""  # closed by the server, not by our 60 s timeout


# -- answers follow a rebuild ------------------------------------------------------------------------

@pytest.mark.slow
def test_the_endpoint_answers_from_a_rebuilt_store(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(KITCHEN_SINK, data)
    out = tmp_path / "out"
    assert run_govgraph("build", "--data", str(data), "--out", str(out)).returncode == 0
    server = app.make_server(out, port=0, timeout=10.0, workers=1, reserved=0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.base_url = f"http://127.0.0.1:{server.server_port}"
    try:
        before = bodies_in(*request(server, params={"query": BODIES}))
        country = data / "countries" / "zz.yaml"
        text = country.read_text(encoding="utf-8")
        extra = """  - id: new-council
    name: {en: New Council, es: Nuevo Consejo}
    level: technical
    sources: [{id: zz-handbook, locator: "ch. 12"}]
    confidence: confirmed
"""
        country.write_text(text.replace("\nmandates:", "\n" + extra + "\nmandates:", 1), encoding="utf-8")
        assert run_govgraph("build", "--data", str(data), "--out", str(out)).returncode == 0
        after = bodies_in(*request(server, params={"query": BODIES}))
        assert set(after) - set(before) == {"https://w3id.org/govgraph/id/zz/new-council"}
    finally:
        server.server_close()
        thread.join(timeout=10)
