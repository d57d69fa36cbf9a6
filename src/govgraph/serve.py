"""`govgraph serve`: a read-only SPARQL 1.1 Protocol endpoint, a query page, and the site in out/.

Why a pool of worker processes: a pyoxigraph query cannot be interrupted from another thread, so a
time limit that only stopped waiting would leave runaway queries eating the machine. Each query runs
in a worker process holding its own read-only handle on the store; at the deadline the worker is
killed (by its PID; it is our own child) and replaced, and the server keeps answering.

Limits (all answered with a plain-text message):
- 400 malformed query (the parser's message), bad parameters;
- 403 SPARQL Update (the store is also opened read-only); 405 PUT/DELETE/PATCH (no Graph Store writes);
- 406 no acceptable result format; 411/413 a POST without length or over the body cap; 415 other bodies;
- 422 a result larger than the row cap (add a LIMIT); 503 a query stopped at the time limit, or the
  server busy (every worker taken for longer than the time limit).

The default graph, unless the request names graphs (`default-graph-uri`, `named-graph-uri`) or the
query has FROM clauses, is the same as `govgraph query`'s: the countries plus ontology and sources
(the store's own default graph, which holds that baseline view: see store.py).
"""

from __future__ import annotations

import html
import json
import mimetypes
import multiprocessing as mp
import queue
import signal
import sys
import threading
import urllib.parse
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from . import query as query_lib
from . import store as store_mod
from .errors import StoreError

RESULT_TYPES = [  # media type → writer key, first is the default
    ("application/sparql-results+json", "json"),
    ("application/json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("application/xml", "xml"),
    ("text/xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
]
BOOLEAN_TYPES = [t for t in RESULT_TYPES if t[1] in ("json", "xml")]
GRAPH_TYPES = [  # media type → pyoxigraph format
    ("text/turtle", "TURTLE"),
    ("application/n-triples", "N_TRIPLES"),
    ("application/ld+json", "JSON_LD"),
    ("application/rdf+xml", "RDF_XML"),
    ("text/plain", "N_TRIPLES"),
]
FORMAT_ALIASES = {  # ?format= shortcuts for people typing URLs
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values", "turtle": "text/turtle", "ttl": "text/turtle",
    "nt": "application/n-triples", "ntriples": "application/n-triples", "jsonld": "application/ld+json",
    "json-ld": "application/ld+json", "rdfxml": "application/rdf+xml",
}
PAGE = Path(__file__).with_name("query_page.html")


def negotiate(accept: str | None, offers: list[tuple[str, str]]) -> tuple[str, str] | None:
    """Pick the offer the Accept header likes best (q-values, type/*, */*); the first offer if none."""
    if not accept or not accept.strip():
        return offers[0]
    best, best_q = None, 0.0
    for position, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        for offer in offers:
            kind = offer[0]
            if media == kind or media == "*/*" or (media.endswith("/*") and kind.startswith(media[:-1])):
                # exact matches beat wildcards at equal q
                score = q - (0.0001 if "*" in media else 0) - position * 1e-7
                if score > best_q:
                    best, best_q = offer, score
                break
    return best


# -- worker processes --------------------------------------------------------------------------

def _execute(db: ox.Store, job: dict) -> tuple[int, str, bytes]:
    kwargs = {}
    if job["default_graphs"] is not None:
        kwargs = store_mod.query_dataset(db, [ox.NamedNode(g) for g in job["default_graphs"]])
    if job["named_graphs"] is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job["named_graphs"]]
    try:
        result = db.query(job["query"], **kwargs)
        if isinstance(result, ox.QueryBoolean):
            offer = negotiate(job["accept"], BOOLEAN_TYPES)
            if offer is None:
                return 406, "text/plain", _not_acceptable(BOOLEAN_TYPES)
            body = store_mod.boolean_json(bool(result)) if offer[1] == "json" else store_mod.boolean_xml(bool(result))
            return 200, offer[0], body
        limit = job["max_rows"]
        if isinstance(result, ox.QuerySolutions):
            offer = negotiate(job["accept"], RESULT_TYPES)
            if offer is None:
                return 406, "text/plain", _not_acceptable(RESULT_TYPES)
            columns = [v.value for v in result.variables]
            rows = [tuple(s[c] for c in columns) for s in islice(result, limit + 1)]
            if len(rows) > limit:
                return 422, "text/plain", _too_large(limit, "rows")
            return 200, offer[0], store_mod.RESULT_WRITERS[offer[1]](columns, rows)
        offer = negotiate(job["accept"], GRAPH_TYPES)
        if offer is None:
            return 406, "text/plain", _not_acceptable(GRAPH_TYPES)
        triples = list(islice(result, limit + 1))
        if len(triples) > limit:
            return 422, "text/plain", _too_large(limit, "triples")
        body = ox.serialize(triples, format=getattr(ox.RdfFormat, offer[1]))
        return 200, offer[0], body or b""
    except SyntaxError as exc:
        return 400, "text/plain", f"malformed query: {exc}\n".encode("utf-8")
    except (OSError, RuntimeError, ValueError) as exc:
        return 500, "text/plain", f"the query failed: {exc}\n".encode("utf-8")


def _not_acceptable(offers) -> bytes:
    return ("no acceptable format; this query can answer as: " + ", ".join(o[0] for o in offers) + "\n").encode()


def _too_large(limit: int, what: str) -> bytes:
    return f"the result has more than {limit} {what}, the server's limit: add a LIMIT or narrow the query\n".encode()


def _worker_main(conn, store_path: str) -> None:
    """Runs in a child process: answer jobs until the pipe closes (the server went away)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    try:
        db = ox.Store.read_only(store_path)
    except OSError as exc:
        conn.send(("error", f"cannot open the store at {store_path}: {exc}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer = _execute(db, job)
        except Exception as exc:  # noqa: BLE001 - a worker must answer, whatever happened
            answer = (500, "text/plain", f"the query failed: {exc}\n".encode())
        try:
            conn.send(answer)
        except (BrokenPipeError, OSError):
            return


class _Worker:
    def __init__(self, ctx, store_path: str):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, store_path), daemon=True)
        self.process.start()
        child.close()
        try:
            ready = self.conn.recv() if self.conn.poll(60) else ("error", "no answer within 60 s")
        except (EOFError, OSError):
            ready = ("error", "it exited at start (is the main module importable? run govgraph serve "
                              "from the command line or from a script file, not from stdin)")
        if ready[0] != "ready":
            self.kill()
            raise StoreError(f"a query worker could not start: {ready[1]}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class WorkerPool:
    """Worker processes with a per-query deadline; a worker past it is killed and replaced."""

    def __init__(self, store_path: Path, size: int, timeout: float):
        self.ctx = mp.get_context("spawn")
        self.store_path = str(store_path)
        self.timeout = timeout
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.lock = threading.Lock()
        self.workers: list[_Worker] = []
        self.killed: list[int] = []  # PIDs of workers stopped at the deadline (for tests and logs)
        self.closed = False
        try:
            for _ in range(max(1, size)):
                self._add()
        except StoreError:
            self.close()
            raise

    def _add(self) -> None:
        worker = _Worker(self.ctx, self.store_path)
        with self.lock:
            self.workers.append(worker)
        self.idle.put(worker)

    def _retire(self, worker: _Worker) -> None:
        worker.kill()
        with self.lock:
            if worker in self.workers:
                self.workers.remove(worker)
        if not self.closed:
            try:
                self._add()
            except StoreError as exc:  # the pool shrinks; requests still get answers or a 503
                sys.stderr.write(f"govgraph serve: {exc}\n")

    def run(self, job: dict) -> tuple[int, str, bytes]:
        try:
            worker = self.idle.get(timeout=self.timeout)
        except queue.Empty:
            return 503, "text/plain", b"the server is busy: every query worker is taken; try again\n"
        try:
            worker.conn.send(job)
            if worker.conn.poll(self.timeout):
                answer = worker.conn.recv()
                self.idle.put(worker)
                return answer
        except (EOFError, OSError, BrokenPipeError):
            self._retire(worker)
            return 500, "text/plain", b"the query worker died; the query was not answered\n"
        self.killed.append(worker.pid)
        self._retire(worker)
        return 503, "text/plain", (f"the query was stopped after {self.timeout:g} s, the server's time limit\n").encode()

    def close(self) -> None:
        self.closed = True
        with self.lock:
            workers = list(self.workers)
            self.workers.clear()
        for worker in workers:
            worker.kill()


# -- HTTP ----------------------------------------------------------------------------------------

@dataclass
class Limits:
    timeout: float = 30.0
    max_rows: int = 100_000
    max_body: int = 1_000_000


class SparqlServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, out: Path, pool: WorkerPool, default_graphs: list[str], limits: Limits,
                 quiet: bool = False):
        self.out = Path(out).resolve()
        self.pool = pool
        self.default_graphs = default_graphs
        self.limits = limits
        self.quiet = quiet
        super().__init__(address, Handler)

    def server_close(self) -> None:
        super().server_close()
        self.pool.close()


class Handler(BaseHTTPRequestHandler):
    server: SparqlServer
    server_version = "govgraph"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's name
        if not self.server.quiet:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    # responses
    def _send(self, status: int, content_type: str, body: bytes, extra: dict[str, str] | None = None,
              head: bool = False) -> None:
        self.send_response(status)
        if content_type.startswith("text/") or content_type.endswith(("json", "xml")):
            content_type += "; charset=utf-8"
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Expose-Headers", "Content-Type")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Vary", "Accept")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _text(self, status: int, message: str, extra: dict[str, str] | None = None) -> None:
        self._send(status, "text/plain", (message.rstrip("\n") + "\n").encode("utf-8"), extra)

    # methods
    def do_OPTIONS(self) -> None:  # noqa: N802
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, HEAD, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type, Accept")
        self.send_header("Access-Control-Max-Age", "86400")
        self.send_header("Allow", "GET, POST, HEAD, OPTIONS")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _read_only(self) -> None:
        self._text(405, "this server is read-only: no Graph Store writes", {"Allow": "GET, POST, HEAD, OPTIONS"})

    do_PUT = do_DELETE = do_PATCH = _read_only  # noqa: N815

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if url.path == "/sparql":
            if "update" in params:
                return self._text(403, "SPARQL Update is refused: this endpoint is read-only")
            if "query" in params:
                return self._query(params)
            return self._page(head)
        if url.path in ("/query", "/query.html"):
            return self._page(head)
        if url.path == "/questions.json":
            return self._send(200, "application/json", _questions_json(), head=head)
        return self._static(url.path, head)

    def do_POST(self) -> None:  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/sparql":
            return self._read_only()
        length = self.headers.get("Content-Length")
        if length is None:
            return self._text(411, "a POST needs a Content-Length")
        try:
            size = int(length)
        except ValueError:
            return self._text(400, "bad Content-Length")
        if size > self.server.limits.max_body:
            self.close_connection = True
            return self._text(413, f"the request body is larger than {self.server.limits.max_body} bytes")
        body = self.rfile.read(size)
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if media == "application/sparql-update":
            return self._text(403, "SPARQL Update is refused: this endpoint is read-only")
        if media == "application/x-www-form-urlencoded":
            try:
                form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
            except UnicodeDecodeError:
                return self._text(400, "the form is not UTF-8")
            if "update" in form:
                return self._text(403, "SPARQL Update is refused: this endpoint is read-only")
            for key, values in form.items():
                params.setdefault(key, []).extend(values)
            if "query" not in params:
                return self._text(400, "no query= in the form")
            return self._query(params)
        if media == "application/sparql-query":
            try:
                params["query"] = [body.decode("utf-8")]
            except UnicodeDecodeError:
                return self._text(400, "the query is not UTF-8")
            return self._query(params)
        return self._text(415, "POST a form (application/x-www-form-urlencoded) or a query (application/sparql-query)")

    # the endpoint
    def _query(self, params: dict[str, list[str]]) -> None:
        queries = params.get("query", [])
        if len(queries) != 1:
            return self._text(400, "give exactly one query")
        text = queries[0]
        try:
            default = [ox.NamedNode(g).value for g in params.get("default-graph-uri", [])]
            named = [ox.NamedNode(g).value for g in params.get("named-graph-uri", [])]
        except ValueError as exc:
            return self._text(400, f"bad graph IRI: {exc}")
        if default or named:
            job_default, job_named = default or None, named or None
            if job_default is None:
                job_default = []  # named graphs only: an empty default graph, as the protocol says
        else:
            try:
                has_from = query_lib.shape(text).has_dataset_clause
            except Exception:  # noqa: BLE001 - let the store's parser judge
                has_from = False
            job_default = None if has_from else self.server.default_graphs
            job_named = None
        accept = self.headers.get("Accept")
        fmt = (params.get("format") or params.get("output") or [None])[0]
        if fmt:
            accept = FORMAT_ALIASES.get(fmt.lower(), fmt)
        job = {"query": text, "default_graphs": job_default, "named_graphs": job_named, "accept": accept,
               "max_rows": self.server.limits.max_rows}
        status, content_type, body = self.server.pool.run(job)
        self._send(status, content_type, body)

    def _page(self, head: bool) -> None:
        self._send(200, "text/html", PAGE.read_bytes(), head=head)

    def _static(self, path: str, head: bool) -> None:
        root = self.server.out
        relative = urllib.parse.unquote(path).lstrip("/")
        target = (root / relative).resolve()
        if target != root and root not in target.parents:
            return self._text(404, "not found")
        if target.relative_to(root).parts[:1] == ("store",):
            return self._text(404, "not found")
        if target.is_dir():
            index = target / "index.html"
            if index.is_file():
                target = index
            elif target == root:
                return self._send(302, "text/plain", b"", {"Location": "/query"}, head=head)
            else:
                return self._text(404, "not found")
        if not target.is_file():
            return self._text(404, f"not found: {html.escape(path)}")
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if target.suffix in (".ttl", ".trig"):
            content_type = "text/turtle" if target.suffix == ".ttl" else "application/trig"
        elif target.suffix in (".nt", ".nq"):
            content_type = "application/n-triples" if target.suffix == ".nt" else "application/n-quads"
        elif target.suffix == ".jsonld":
            content_type = "application/ld+json"
        self._send(200, content_type, target.read_bytes(), head=head)


def _questions_json() -> bytes:
    """The library for the query page: each question with its defaults written in as VALUES."""
    items = []
    for q in query_lib.list_questions():
        try:
            text = query_lib.with_values(q.text, query_lib.bind(q, {}))
        except Exception:  # noqa: BLE001 - a required parameter: show the text as it is
            text = q.text
        items.append({"name": q.name, "title": q.title, "question": q.question, "query": text})
    return json.dumps(items, ensure_ascii=False).encode("utf-8")


def make_server(out: Path, *, host: str = "127.0.0.1", port: int = 7878, timeout: float = 30.0,
                max_rows: int = 100_000, max_body: int = 1_000_000, workers: int = 4,
                quiet: bool = False) -> SparqlServer:
    """A bound server (port 0 picks a free one: see `server.server_port`); call `serve_forever`."""
    out = Path(out)
    db = store_mod.open_store(out)  # read-only; also says clearly when there is no build
    default_graphs = [g.value for g in store_mod.dataset_graphs(db)]
    del db
    pool = WorkerPool(out / "store", workers, timeout)
    try:
        return SparqlServer((host, port), out, pool, default_graphs, Limits(timeout, max_rows, max_body), quiet)
    except OSError as exc:
        pool.close()
        raise StoreError(f"cannot listen on {host}:{port}: {exc}") from exc


def run_until_stopped(server: SparqlServer) -> None:
    """Serve until Ctrl-C or SIGTERM; then stop the workers."""
    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
