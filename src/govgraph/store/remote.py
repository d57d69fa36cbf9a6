"""Any SPARQL 1.1 server as a store: queries over the SPARQL protocol, and `push` of a build with
the Graph Store HTTP Protocol. Same answers as the embedded store (tests/test_remote.py).

`LocalStore` and `RemoteStore` both offer `graph_names()`, `dataset_graphs(scenario)` and
`select(sparql, graphs=...)`, returning variable names and rows of pyoxigraph terms; the query
library runs every question through that interface (`Backend`). Parameters are never passed here:
the query library writes them into the query text as a VALUES block."""

from __future__ import annotations

import base64 as _base64
import urllib.error as _urlerror
import urllib.parse as _urlparse
import urllib.request as _urlrequest
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from govgraph.core.errors import QueryError, StoreError, UsageError
from govgraph.core.retry import timed_out, with_retries
from govgraph.core.vocab import GRAPH
from govgraph.store.embedded import LocalStore, Rows, choose_graphs, graph_names, open_store


def _auth_header(user: str | None, password: str | None, token: str | None) -> dict[str, str]:
    if token:
        return {"Authorization": f"Bearer {token}"}
    if user is not None:
        pair = f"{user}:{password or ''}".encode("utf-8")
        return {"Authorization": "Basic " + _base64.b64encode(pair).decode("ascii")}
    return {}


class RemoteStore:
    """Any SPARQL 1.1 Protocol endpoint, queried through SPARQLWrapper.

    The dataset is chosen with the protocol's `default-graph-uri` parameters (never FROM in the query
    text), so the query text is the same as on the embedded store. Results come back as SPARQL JSON
    and are parsed into pyoxigraph terms, so rows compare equal to the embedded store's.
    """

    def __init__(self, endpoint: str, *, user: str | None = None, password: str | None = None,
                 token: str | None = None, timeout: float = 60.0, retries: int = 2):
        parsed = _urlparse.urlsplit(endpoint)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise UsageError(f"{endpoint!r} is not an http(s) URL of a SPARQL endpoint")
        self.endpoint = endpoint
        self.user, self.password, self.token = user, password, token
        self.timeout, self.retries = timeout, retries
        self._names: list[str] | None = None

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint!r})"

    def _raw_select(self, sparql: str, graphs: Iterable[ox.NamedNode] | None) -> bytes:
        from SPARQLWrapper import JSON, POST, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import (
            EndPointInternalError,
            EndPointNotFound,
            QueryBadFormed,
            SPARQLWrapperException,
            Unauthorized,
        )

        client = SPARQLWrapper(self.endpoint)
        client.setQuery(sparql)
        client.setMethod(POST)
        client.setReturnFormat(JSON)
        client.setTimeout(int(max(1, self.timeout)))
        for g in graphs or []:
            client.addDefaultGraph(g.value)
        for key, value in _auth_header(self.user, self.password, self.token).items():
            client.addCustomHttpHeader(key, value)
        try:
            return with_retries(lambda: client.query().response.read(), retries=self.retries)
        except QueryBadFormed as exc:
            raise QueryError(f"{self.endpoint} refused the query as malformed: {exc.msg or exc}") from exc
        except Unauthorized as exc:
            raise StoreError(f"{self.endpoint} refused the credentials (use --user/--password or --token)") from exc
        except EndPointNotFound as exc:
            raise StoreError(f"{self.endpoint} answered 404: is this the SPARQL query URL?") from exc
        except EndPointInternalError as exc:
            raise StoreError(f"{self.endpoint} answered 500 (not retried): {exc.msg or exc}") from exc
        except (_urlerror.URLError, OSError) as exc:
            if timed_out(exc):
                raise StoreError(f"{self.endpoint} gave no answer within {self.timeout:g} s; the query was not "
                                 "sent again (the server may still be running it): raise --timeout, or ask "
                                 "for less (a country, a date, a LIMIT)") from exc
            raise StoreError(f"{self.endpoint} failed after {getattr(exc, 'attempts', 1)} attempt(s): {exc}") from exc
        except SPARQLWrapperException as exc:
            raise StoreError(f"{self.endpoint} failed: {exc}") from exc

    def graph_names(self) -> list[str]:
        if self._names is None:
            _, rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", graphs=None)
            self._names = sorted(r[0].value for r in rows if isinstance(r[0], ox.NamedNode))
        return self._names

    def dataset_graphs(self, scenario: str | None = None) -> list[ox.NamedNode]:
        names = self.graph_names()
        if not any(n.startswith(GRAPH) for n in names):
            raise StoreError(f"{self.endpoint} holds no govgraph graphs: load them with `govgraph push`")
        return choose_graphs(names, scenario)

    def select(self, sparql: str, *, graphs: Iterable[ox.NamedNode] | None = None) -> tuple[list[str], Rows]:
        raw = self._raw_select(sparql, graphs)
        try:
            result = ox.parse_query_results(raw, format=ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as exc:
            raise StoreError(f"{self.endpoint} did not answer with SPARQL JSON results: {exc}") from exc
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("only SELECT queries return rows")
        columns = [v.value for v in result.variables]
        return columns, [tuple(solution) for solution in result]  # values in the order of the variables


Backend = LocalStore | RemoteStore


def _graph_url(endpoint: str, graph: str) -> str:
    sep = "&" if _urlparse.urlsplit(endpoint).query else "?"
    return f"{endpoint}{sep}graph={_urlparse.quote(graph, safe='')}"


def http_request(method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None,
                 timeout: float = 60.0, retries: int = 3) -> tuple[int, bytes]:
    """One HTTP request under the retry policy of `core.retry` (never again after a timeout).

    Returns (status, body) for 2xx; raises StoreError otherwise, with the server's words.
    """
    def send() -> tuple[int, bytes]:
        request = _urlrequest.Request(url, data=body, method=method, headers=headers or {})
        with _urlrequest.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()

    try:
        return with_retries(send, retries=retries)
    except _urlerror.HTTPError as exc:
        text = exc.read()[:500].decode("utf-8", "replace").strip()
        hint = " — check --user/--password or --token" if exc.code in (401, 403) else ""
        raise StoreError(f"{method} {url}: {exc.code} {exc.reason}{hint}" + (f": {text}" if text else "")) from exc
    except (_urlerror.URLError, OSError) as exc:
        if timed_out(exc):
            raise StoreError(f"{method} {url}: no answer within {timeout:g} s; not sent again (raise --timeout)") from exc
        raise StoreError(f"{method} {url} failed after {getattr(exc, 'attempts', 1)} attempt(s): {exc}") from exc


def push(out: Path, endpoint: str, *, user: str | None = None, password: str | None = None,
         token: str | None = None, timeout: float = 120.0, retries: int = 3,
         progress=lambda graph, triples: None) -> dict[str, int]:
    """Load every named graph of the build into a remote store: one HTTP PUT per graph (replace).

    `endpoint` is the server's Graph Store Protocol URL (oxigraph `/store`, Fuseki `/<ds>/data`,
    GraphDB `/repositories/<id>/rdf-graphs/service`, Virtuoso `/sparql-graph-crud-auth`). PUT replaces
    a graph's contents, so pushing twice leaves the same data. Graphs are sent as N-Triples labelled
    `text/turtle` (N-Triples is Turtle), which every server accepts. Returns graph IRI → triples sent.
    """
    parsed = _urlparse.urlsplit(endpoint)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UsageError(f"{endpoint!r} is not an http(s) URL of a Graph Store endpoint")
    source = open_store(Path(out))
    headers = {"Content-Type": "text/turtle; charset=utf-8", **_auth_header(user, password, token)}
    sent: dict[str, int] = {}
    for name in graph_names(source):
        data = source.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name))
        triples = data.count(b"\n")
        http_request("PUT", _graph_url(endpoint, name), body=data, headers=headers, timeout=timeout,
                     retries=retries)
        sent[name] = triples
        progress(name, triples)
    return sent
