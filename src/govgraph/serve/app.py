"""`govgraph serve`: a read-only SPARQL 1.1 Protocol endpoint, a query page, and the site in out/.

HTTP is waitress's (a well-kept pure-Python WSGI server): it parses requests strictly, caps headers
and bodies, times out silent connections and names itself only "govgraph" — the class of bugs a
hand-written `http.server` handler had (negative Content-Length, NUL in paths) is its job. The app
below only routes and answers (docs/security.md).

Why a pool of worker processes: a pyoxigraph query cannot be interrupted from another thread, so a
time limit that only stopped waiting would leave runaway queries eating the machine. Each query runs
in a worker process holding its own read-only handle on the store, under a memory cap and, where the
kernel allows, without network; at the deadline the worker is killed (by its PID; it is our own
child) and replaced, and the server keeps answering. One reserved worker takes short queries while
every regular worker is busy, so a few runaways cannot starve everyone else.

Limits (all answered with a plain-text message):
- 400 malformed query (the parser's message), bad parameters, federated queries (SERVICE);
- 403 SPARQL Update (the store is also opened read-only); 405 PUT/DELETE/PATCH (no Graph Store writes);
- 406 no acceptable result format; 411/413 a POST without length or over the body cap; 415 other bodies,
  or a body in another charset than UTF-8 (the protocol's only encoding);
- 422 a result larger than the row cap (add a LIMIT); 503 a query stopped at the time limit or over
  its memory cap, or the server busy (every worker taken for longer than the time limit).

The default graph, unless the request names graphs (`default-graph-uri`, `named-graph-uri`) or the
query has FROM clauses, is the same as `govgraph query`'s: the countries plus ontology and sources
(the store's own default graph, which holds that baseline view: see store.py).
"""

from __future__ import annotations

import html
import json
import mimetypes
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http import HTTPStatus
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from govgraph.core.errors import StoreError
from govgraph.serve.protocol import (
    BOOLEAN_TYPES,
    GRAPH_ALIASES,
    GRAPH_TYPES,
    RESULT_ALIASES,
    RESULT_TYPES,
    SD_PREFIXES,
    choose,
    negotiate,
    service_description,
)
from govgraph.store import embedded, questions, results

PAGE = Path(__file__).with_name("query_page.html")


# -- worker processes --------------------------------------------------------------------------

def _execute(db: ox.Store, job: dict) -> tuple[int, str, bytes]:
    kwargs = {}
    if job["default_graphs"] is not None:
        kwargs = embedded.query_dataset(db, [ox.NamedNode(g) for g in job["default_graphs"]])
    if job["named_graphs"] is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job["named_graphs"]]
    try:
        result = db.query(job["query"], base_iri=job["base"], **kwargs)
        if isinstance(result, ox.QueryBoolean):
            offer = choose(job["accept"], job["format"], BOOLEAN_TYPES, RESULT_ALIASES)
            if offer is None:
                return 406, "text/plain", _not_acceptable(BOOLEAN_TYPES)
            body = results.boolean_json(bool(result)) if offer[1] == "json" else results.boolean_xml(bool(result))
            return 200, offer[0], body
        limit = job["max_rows"]
        if isinstance(result, ox.QuerySolutions):
            offer = choose(job["accept"], job["format"], RESULT_TYPES, RESULT_ALIASES)
            if offer is None:
                return 406, "text/plain", _not_acceptable(RESULT_TYPES)
            columns = [v.value for v in result.variables]
            rows = [tuple(s[c] for c in columns) for s in islice(result, limit + 1)]
            if len(rows) > limit:
                return 422, "text/plain", _too_large(limit, "rows")
            return 200, offer[0], results.RESULT_WRITERS[offer[1]](columns, rows)
        offer = choose(job["accept"], job["format"], GRAPH_TYPES, GRAPH_ALIASES)
        if offer is None:
            return 406, "text/plain", _not_acceptable(GRAPH_TYPES)
        triples = list(islice(result, limit + 1))
        if len(triples) > limit:
            return 422, "text/plain", _too_large(limit, "triples")
        return 200, offer[0], ox.serialize(triples, format=getattr(ox.RdfFormat, offer[1])) or b""
    except SyntaxError as exc:
        return 400, "text/plain", f"malformed query: {exc}\n".encode("utf-8")
    except (OSError, RuntimeError, ValueError) as exc:
        return 500, "text/plain", f"the query failed: {exc}\n".encode("utf-8")


def _not_acceptable(offers) -> bytes:
    return ("no acceptable format; this query can answer as: " + ", ".join(o[0] for o in offers) + "\n").encode()


def _too_large(limit: int, what: str) -> bytes:
    return f"the result has more than {limit} {what}, the server's limit: add a LIMIT or narrow the query\n".encode()


def _isolate_network() -> str:
    """Put this worker in a network namespace of its own (no interfaces but a down loopback), so no
    query can reach a host even if it got past the SERVICE check. Returns "" or why it could not."""
    import ctypes
    import ctypes.util

    CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError as exc:
        return f"no libc ({exc})"
    for flags in (CLONE_NEWNET, CLONE_NEWUSER | CLONE_NEWNET):
        if libc.unshare(flags) == 0:
            return ""
    return os.strerror(ctypes.get_errno())


def _limit_memory(limit: int) -> None:
    """Cap the worker's data memory (heap and private mappings, RLIMIT_DATA): a query that needs
    more fails in this worker only, which the pool reports and replaces."""
    import resource

    if limit > 0:
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def _worker_main(conn, store_path: str, memory: int) -> None:
    """Runs in a child process: answer jobs until the pipe closes (the server went away)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    isolated = _isolate_network()
    try:
        db = ox.Store.read_only(store_path)
        _limit_memory(memory)
    except (OSError, ValueError) as exc:
        conn.send(("error", f"cannot open the store at {store_path}: {exc}"))
        return
    conn.send(("ready", isolated))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer = _execute(db, job)
        except MemoryError:
            answer = (503, "text/plain", _out_of_memory(memory))
        except Exception as exc:  # noqa: BLE001 - a worker must answer, whatever happened
            answer = (500, "text/plain", f"the query failed: {exc}\n".encode())
        try:
            conn.send(answer)
        except (BrokenPipeError, OSError):
            return


def _out_of_memory(memory: int) -> bytes:
    return (f"the query needed more memory than the server allows a query ({memory // 2**20} MiB): "
            "narrow it or add a LIMIT\n").encode()


class _Worker:
    def __init__(self, ctx, store_path: str, memory: int, generation: int):
        self.generation = generation
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, store_path, memory), daemon=True)
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
        self.network = ready[1]  # "" when the worker has no network

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class WorkerPool:
    """Worker processes with a per-query deadline; a worker past it is killed and replaced.

    `size` workers take any query for up to `timeout` seconds; `reserved` more take a query only
    when all of those are busy, and only for `quick` seconds, so that cheap queries are answered
    within a few seconds even while runaway queries hold every regular worker."""

    def __init__(self, store_path: Path, size: int, timeout: float, *, reserved: int = 1, quick: float = 5.0,
                 memory: int = 2**30):
        self.ctx = mp.get_context("spawn")
        self.store_path = str(store_path)
        self.timeout = timeout
        self.quick = min(quick, timeout)
        self.memory = memory
        self.sizes = {"regular": max(1, size), "reserved": max(0, reserved)}
        self.idle: dict[str, list[_Worker]] = {"regular": [], "reserved": []}
        self.cond = threading.Condition()
        self.workers: list[_Worker] = []
        self.killed: list[int] = []  # PIDs of workers stopped at the deadline (for tests and logs)
        self.generation = 0
        self.closed = False
        try:
            for lane, n in self.sizes.items():
                for _ in range(n):
                    self._add(lane)
        except StoreError:
            self.close()
            raise

    @property
    def isolated(self) -> bool:
        return all(not w.network for w in self.workers)

    def _add(self, lane: str) -> None:
        worker = _Worker(self.ctx, self.store_path, self.memory, self.generation)
        with self.cond:
            self.workers.append(worker)
            self.idle[lane].append(worker)
            self.cond.notify()

    def _retire(self, worker: _Worker, lane: str) -> None:
        worker.kill()
        with self.cond:
            if worker in self.workers:
                self.workers.remove(worker)
        if not self.closed:
            try:
                self._add(lane)
            except StoreError as exc:  # the pool shrinks; requests still get answers or a 503
                sys.stderr.write(f"govgraph serve: {exc}\n")

    def _take(self) -> tuple[_Worker, str] | None:
        deadline = time.monotonic() + self.timeout
        with self.cond:
            while not self.closed:
                for lane in ("regular", "reserved"):
                    if self.idle[lane]:
                        return self.idle[lane].pop(), lane
                left = deadline - time.monotonic()
                if left <= 0 or not self.cond.wait(timeout=left):
                    return None
        return None

    def _give_back(self, worker: _Worker, lane: str) -> None:
        if worker.generation != self.generation:  # the store was rebuilt meanwhile
            self._retire(worker, lane)
            return
        with self.cond:
            self.idle[lane].append(worker)
            self.cond.notify()

    def run(self, job: dict) -> tuple[int, str, bytes]:
        taken = self._take()
        if taken is None:
            return 503, "text/plain", b"the server is busy: every query worker is taken; try again\n"
        worker, lane = taken
        limit = self.timeout if lane == "regular" else self.quick
        try:
            worker.conn.send(job)
            if worker.conn.poll(limit):
                answer = worker.conn.recv()
                self._give_back(worker, lane)
                return answer
        except (EOFError, OSError, BrokenPipeError):
            worker.process.join(timeout=5)
            code = worker.process.exitcode
            self._retire(worker, lane)
            # Rust aborts when an allocation fails under the cap; the kernel's OOM killer sends SIGKILL
            if code in (-signal.SIGABRT, -signal.SIGKILL):
                return 503, "text/plain", _out_of_memory(self.memory)
            return 500, "text/plain", b"the query worker died; the query was not answered\n"
        self.killed.append(worker.pid)
        self._retire(worker, lane)
        if lane == "reserved":
            return 503, "text/plain", (f"the server is busy with long queries, and this one took more than {limit:g} s "
                                       "in the lane kept for short ones; try again later\n").encode()
        return 503, "text/plain", f"the query was stopped after {limit:g} s, the server's time limit\n".encode()

    def reload(self) -> None:
        """The store was rebuilt: replace idle workers now, busy ones when they finish."""
        with self.cond:
            self.generation += 1
            stale = [(w, lane) for lane, ws in self.idle.items() for w in ws]
            self.idle = {"regular": [], "reserved": []}
        for worker, lane in stale:
            self._retire(worker, lane)

    def close(self) -> None:
        with self.cond:
            self.closed = True
            workers = list(self.workers)
            self.workers.clear()
            self.cond.notify_all()
        for worker in workers:
            worker.kill()


# -- HTTP ----------------------------------------------------------------------------------------

@dataclass
class Limits:
    timeout: float = 30.0
    max_rows: int = 100_000
    max_body: int = 1_000_000
    memory: int = 2**30          # bytes of data memory a query worker may use
    quick: float = 5.0           # seconds a query may run in the reserved lane
    read_timeout: int = 30       # seconds a connection may stay silent
    max_header: int = 65_536     # bytes of request line and headers


STATUS_TEXT = {code.value: code.phrase for code in HTTPStatus}
BASE_HEADERS = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", "Content-Type"),
                ("X-Content-Type-Options", "nosniff")]
ALLOW = "GET, POST, HEAD, OPTIONS"


class _Response:
    """A finished answer: status, media type, body and any extra headers."""

    def __init__(self, status: int, content_type: str, body: bytes, headers: dict[str, str] | None = None):
        self.status, self.content_type, self.body, self.headers = status, content_type, body, headers or {}


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> _Response:
    return _Response(status, "text/plain", (message.rstrip("\n") + "\n").encode("utf-8"), headers)


class SparqlApp:
    """The WSGI application: the SPARQL endpoint, the query page and the site in out/."""

    def __init__(self, out: Path, pool: WorkerPool, limits: Limits, quiet: bool = False):
        self.out = Path(out).resolve()
        self.pool = pool
        self.limits = limits
        self.quiet = quiet
        self.build_id = self._build_id()
        self.default_graphs = self._default_graphs()
        self.reload_lock = threading.Lock()

    # the build the server answers from ----------------------------------------------------------
    def _build_id(self) -> tuple:
        try:
            st = (self.out / "build.json").stat()
            return st.st_ino, st.st_mtime_ns, st.st_size
        except OSError:
            return ()

    def _default_graphs(self) -> list[str]:
        db = embedded.open_store(self.out)  # read-only; says clearly when there is no build
        try:
            return [g.value for g in embedded.dataset_graphs(db)]
        finally:
            del db

    def _follow_rebuilds(self) -> None:
        """A new `govgraph build` into the same folder replaces the store: answer from the new one."""
        current = self._build_id()
        if current == self.build_id or not current:
            return
        with self.reload_lock:
            if current == self.build_id:
                return
            try:
                self.default_graphs = self._default_graphs()
            except StoreError:
                return  # mid-swap: keep answering from the previous build
            self.build_id = current
            self.pool.reload()
            if not self.quiet:
                sys.stderr.write("govgraph serve: the build changed; answering from the new store\n")

    # WSGI ----------------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET").upper()
        try:
            response = self.route(method, environ)
        except Exception as exc:  # noqa: BLE001 - never a traceback to the client
            sys.stderr.write(f"govgraph serve: {type(exc).__name__}: {exc}\n")
            response = _text(500, "the server failed to answer this request")
        content_type = response.content_type
        if content_type.startswith("text/") or content_type.endswith(("json", "xml")):
            content_type += "; charset=utf-8"
        headers = [("Content-Type", content_type), ("Content-Length", str(len(response.body))), *BASE_HEADERS]
        if "Vary" not in response.headers:
            headers.append(("Vary", "Accept"))
        headers += list(response.headers.items())
        status = f"{response.status} {STATUS_TEXT.get(response.status, '')}".rstrip()
        if not self.quiet:
            sys.stderr.write(f"{environ.get('REMOTE_ADDR', '-')} - {method} "
                             f"{_printable(environ.get('PATH_INFO', ''))[:200]} {response.status}\n")
        start_response(status, headers)
        return [b""] if method == "HEAD" else [response.body]

    def route(self, method: str, environ) -> _Response:
        path = environ.get("PATH_INFO", "") or "/"
        if method == "OPTIONS":
            return _Response(204, "text/plain", b"", {
                "Access-Control-Allow-Methods": ALLOW, "Access-Control-Allow-Headers": "Content-Type, Accept",
                "Access-Control-Max-Age": "86400", "Allow": ALLOW})
        if method in ("PUT", "DELETE", "PATCH"):
            return _text(405, "this server is read-only: no Graph Store writes", {"Allow": ALLOW})
        if method not in ("GET", "HEAD", "POST"):
            return _text(405, f"method {method[:20]} is not supported", {"Allow": ALLOW})
        params = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        if method == "POST":
            if path != "/sparql":
                return _text(405, "this server is read-only: POST only to /sparql", {"Allow": ALLOW})
            return self.post(environ, params)
        if path == "/sparql":
            if "update" in params:
                return _text(403, "SPARQL Update is refused: this endpoint is read-only")
            if "query" in params:
                return self.query(params, environ)
            offer = negotiate(environ.get("HTTP_ACCEPT"), [("text/html", "html")] + GRAPH_TYPES)
            if offer is not None and offer[1] != "html":
                return self.service_description(environ, offer)
            return self.page()
        if path in ("/query", "/query.html"):
            return self.page()
        if path == "/questions.json":
            return _Response(200, "application/json", _questions_json())
        return self.static(path)

    def post(self, environ, params) -> _Response:
        length = environ.get("CONTENT_LENGTH", "")
        if not length:
            return _text(411, "a POST needs a Content-Length")
        if int(length) > self.limits.max_body:  # waitress checked it is a number within its own cap
            return _text(413, f"the request body is larger than {self.limits.max_body} bytes")
        body = environ["wsgi.input"].read(int(length))
        media, *fields = [f.strip() for f in (environ.get("CONTENT_TYPE") or "").split(";")]
        media = media.lower()
        if media == "application/sparql-update":
            return _text(403, "SPARQL Update is refused: this endpoint is read-only")
        charset = next((f.split("=", 1)[1].strip().strip('"') for f in fields if f.lower().startswith("charset=")), None)
        if charset is not None and charset.lower() not in UTF8_NAMES:
            return _text(415, f"the body is in {_printable(charset)[:40]}: the SPARQL 1.1 Protocol requires UTF-8 "
                              "(send the same text encoded as UTF-8, with charset=UTF-8 or no charset)")
        if media == "application/x-www-form-urlencoded":
            try:
                form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                return _text(400, "the form is not UTF-8")
            if "update" in form:
                return _text(403, "SPARQL Update is refused: this endpoint is read-only")
            for key, values in form.items():
                params.setdefault(key, []).extend(values)
            if "query" not in params:
                return _text(400, "no query= in the form")
            return self.query(params, environ)
        if media == "application/sparql-query":
            try:
                params["query"] = [body.decode("utf-8")]
            except UnicodeDecodeError:
                return _text(400, "the query is not UTF-8")
            return self.query(params, environ)
        return _text(415, "POST a form (application/x-www-form-urlencoded) or a query (application/sparql-query)")

    def query(self, params: dict[str, list[str]], environ) -> _Response:
        queries = params.get("query", [])
        if len(queries) != 1:
            return _text(400, "give exactly one query")
        text = queries[0]
        if questions.federated(text):
            return _text(400, "federated queries (SERVICE) are refused: this endpoint answers from its own "
                              "dataset only and fetches nothing on a query's behalf")
        self._follow_rebuilds()
        try:
            default = [ox.NamedNode(g).value for g in params.get("default-graph-uri", [])]
            named = [ox.NamedNode(g).value for g in params.get("named-graph-uri", [])]
        except ValueError as exc:
            return _text(400, f"bad graph IRI: {exc}")
        if default or named:
            job_default, job_named = default or None, named or None
            if job_default is None:
                job_default = []  # named graphs only: an empty default graph, as the protocol says
        else:
            try:
                has_from = questions.shape(text).has_dataset_clause
            except Exception:  # noqa: BLE001 - let the store's parser judge
                has_from = False
            job_default = None if has_from else self.default_graphs
            job_named = None
        fmt = next(iter(params.get("format") or params.get("output") or []), None)
        try:
            base = _endpoint(environ)
        except ValueError as exc:
            return _text(400, f"bad Host header: {exc}")
        job = {"query": text, "base": base, "default_graphs": job_default, "named_graphs": job_named,
               "accept": environ.get("HTTP_ACCEPT"), "format": fmt, "max_rows": self.limits.max_rows}
        return _Response(*self.pool.run(job))

    def service_description(self, environ, offer: tuple[str, str]) -> _Response:
        """The SPARQL 1.1 Service Description of this endpoint, for a client that asks /sparql for RDF."""
        try:
            endpoint = _endpoint(environ)
        except ValueError as exc:
            return _text(400, f"bad Host header: {exc}")
        db = embedded.open_store(self.out)
        try:
            names = embedded.graph_names(db)
        finally:
            del db
        graph = service_description(endpoint, endpoint.removesuffix("/sparql") + "/void.ttl", names)
        body = ox.serialize(graph, format=getattr(ox.RdfFormat, offer[1]), prefixes=SD_PREFIXES)
        return _Response(200, offer[0], body or b"")

    def page(self) -> _Response:
        return _Response(200, "text/html", PAGE.read_bytes())

    def static(self, path: str) -> _Response:
        root = self.out
        relative = path.lstrip("/")
        if "\x00" in relative or len(relative) > 1024:
            return _text(404, "not found")
        try:
            target = (root / relative).resolve()
        except (OSError, ValueError, RuntimeError):
            return _text(404, "not found")
        if target != root and root not in target.parents:
            return _text(404, "not found")
        if target.relative_to(root).parts[:1] in (("store",), ("cache",)):
            return _text(404, "not found")
        if target.is_dir():
            index = target / "index.html"
            if index.is_file():
                target = index
            elif target == root:
                return _Response(302, "text/plain", b"", {"Location": "/query"})
            else:
                return _text(404, "not found")
        if not target.is_file():
            return _text(404, f"not found: {html.escape(_printable(path)[:200])}")
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if target.suffix in (".ttl", ".trig"):
            content_type = "text/turtle" if target.suffix == ".ttl" else "application/trig"
        elif target.suffix in (".nt", ".nq"):
            content_type = "application/n-triples" if target.suffix == ".nt" else "application/n-quads"
        elif target.suffix == ".jsonld":
            content_type = "application/ld+json"
        return _Response(200, content_type, target.read_bytes())


UTF8_NAMES = ("utf-8", "utf8", "us-ascii")  # the protocol's only encoding, and its ASCII subset


def _endpoint(environ) -> str:
    """The endpoint's URL as the client reached it (scheme, Host header, /sparql): the service's
    base IRI, against which a query's relative IRIs resolve (a query's own BASE overrides it), and
    the name of the service in its description. ValueError when the Host header makes no IRI."""
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', '127.0.0.1')}:{environ.get('SERVER_PORT', '')}"
    return ox.NamedNode(f"{environ.get('wsgi.url_scheme', 'http')}://{host}/sparql").value


def _printable(text: str) -> str:
    """For logs: control characters shown as escapes, never sent to a terminal as they are."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _questions_json() -> bytes:
    """The library for the query page: each question with its defaults written in as VALUES."""
    items = []
    for q in questions.list_questions():
        try:
            text = questions.with_values(q.text, questions.bind(q, {}))
        except Exception:  # noqa: BLE001 - a required parameter: show the text as it is
            text = q.text
        items.append({"name": q.name, "title": q.title, "question": q.question, "query": text})
    return json.dumps(items, ensure_ascii=False).encode("utf-8")


class SparqlServer:
    """The waitress server around the app: `server_port`, `serve_forever`, `shutdown`, `server_close`."""

    def __init__(self, app: SparqlApp, host: str, port: int, limits: Limits, threads: int):
        import waitress.server

        self.app = app
        self.pool = app.pool
        self.server = waitress.server.create_server(
            app, host=host, port=port, threads=threads, ident="govgraph", channel_timeout=limits.read_timeout,
            max_request_body_size=limits.max_body, max_request_header_size=limits.max_header,
            expose_tracebacks=False, clear_untrusted_proxy_headers=True, connection_limit=100)
        self.server_port = self.server.effective_port

    def serve_forever(self) -> None:
        try:
            self.server.run()
        except (OSError, ValueError):  # closed from another thread
            pass

    def shutdown(self) -> None:
        self.server.close()

    def server_close(self) -> None:
        self.server.close()
        self.pool.close()


def make_server(out: Path, *, host: str = "127.0.0.1", port: int = 7878, timeout: float = 30.0,
                max_rows: int = 100_000, max_body: int = 1_000_000, workers: int = 4, reserved: int = 1,
                quick: float = 5.0, memory: int = 2**30, quiet: bool = False) -> SparqlServer:
    """A bound server (port 0 picks a free one: see `server.server_port`); call `serve_forever`."""
    out = Path(out)
    limits = Limits(timeout, max_rows, max_body, memory, min(quick, timeout))
    embedded.open_store(out)  # says clearly when there is no build, before any worker starts
    pool = WorkerPool(out / "store", workers, timeout, reserved=reserved, quick=limits.quick, memory=memory)
    try:
        app = SparqlApp(out, pool, limits, quiet)
        return SparqlServer(app, host, port, limits, threads=workers + reserved + 2)
    except OSError as exc:
        pool.close()
        raise StoreError(f"cannot listen on {host}:{port}: {exc}") from exc
    except BaseException:
        pool.close()
        raise


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
