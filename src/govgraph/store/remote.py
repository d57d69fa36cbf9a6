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
            # GROUP BY, not DISTINCT: Virtuoso 7.2 scans without end on the DISTINCT form
            _, rows = self.select("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", graphs=None)
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
        return columns, [tuple(_canonical(t) for t in solution) for solution in result]


_BOOLEAN = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
_CANONICAL_BOOLEAN = {"1": "true", "0": "false"}


def _canonical(term):
    """xsd:boolean in its canonical form: Virtuoso answers "1"/"0", legal lexical forms of the
    same values, which would not compare equal to the embedded store's "true"/"false"."""
    if isinstance(term, ox.Literal) and term.datatype == _BOOLEAN and term.value in _CANONICAL_BOOLEAN:
        return ox.Literal(_CANONICAL_BOOLEAN[term.value], datatype=_BOOLEAN)
    return term


Backend = LocalStore | RemoteStore


def _graph_url(endpoint: str, graph: str) -> str:
    sep = "&" if _urlparse.urlsplit(endpoint).query else "?"
    return f"{endpoint}{sep}graph={_urlparse.quote(graph, safe='')}"


class _Digest(_urlrequest.HTTPDigestAuthHandler):
    """urllib's Digest handler, answering Digest challenges only (urllib's raises ValueError on a
    Bearer challenge) and, once it has seen a challenge, sending the answer up front with the next
    nonce count: Virtuoso closes the connection on a 401, so a large body sent unasked would end
    in a broken pipe instead of a challenge."""

    challenge: dict | None = None

    def http_error_401(self, req, fp, code, msg, headers):
        if not headers.get("WWW-Authenticate", "").lower().startswith("digest"):
            return None
        return super().http_error_401(req, fp, code, msg, headers)

    def retry_http_digest_auth(self, req, auth):
        self.challenge = _urlrequest.parse_keqv_list(
            filter(None, _urlrequest.parse_http_list(auth.split(" ", 1)[1])))
        return super().retry_http_digest_auth(req, auth)

    def http_request(self, req):
        if self.challenge is not None and not req.has_header("Authorization"):
            answer = self.get_authorization(req, self.challenge)
            if answer:
                req.add_unredirected_header("Authorization", "Digest " + answer)
        return req

    https_request = http_request


def auth_opener(url: str, user: str | None = None, password: str | None = None) -> _urlrequest.OpenerDirector:
    """An opener that answers the server's challenge with the user's credentials, Basic or Digest
    (Virtuoso's `/sparql-graph-crud-auth` wants Digest, and refuses a Basic header sent unasked, so
    Basic is never sent before the server asks). With a user, a HEAD request to `url` learns the
    server's challenge first, so large bodies go out already answered."""
    if user is None:
        return _urlrequest.build_opener()
    passwords = _urlrequest.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, url, user, password or "")
    opener = _urlrequest.build_opener(_urlrequest.HTTPBasicAuthHandler(passwords), _Digest(passwords))
    try:
        opener.open(_urlrequest.Request(url, method="HEAD"), timeout=30).close()
    except (_urlerror.URLError, OSError, ValueError):
        pass  # only a probe: the real request reports what is wrong
    return opener


def http_request(method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None,
                 timeout: float = 60.0, retries: int = 3,
                 opener: _urlrequest.OpenerDirector | None = None) -> tuple[int, bytes]:
    """One HTTP request under the retry policy of `core.retry` (never again after a timeout);
    `opener` (from `auth_opener`) answers an authentication challenge.

    Returns (status, body) for 2xx; raises StoreError otherwise, with the server's words.
    """
    opener = opener or _urlrequest.build_opener()

    def send() -> tuple[int, bytes]:
        request = _urlrequest.Request(url, data=body, method=method, headers=headers or {})
        with opener.open(request, timeout=timeout) as response:
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


def is_scenario_graph(name: str) -> bool:
    """A scenario's graph or its inferences (…/graph/scenario/<id>, …/graph/inferred/scenario/<id>)."""
    return name.startswith(GRAPH) and "/scenario/" in name


def push(out: Path, endpoint: str, *, user: str | None = None, password: str | None = None,
         token: str | None = None, timeout: float = 120.0, retries: int = 3, scenarios: bool = False,
         progress=lambda graph, triples: None) -> dict[str, int]:
    """Load the named graphs of the build into a remote store: one HTTP PUT per graph (replace).

    The baseline graphs (ontology, sources, countries, inferences) always; the scenario graphs only
    with `scenarios`: they restate facts about the baseline's IRIs, so on a server whose default
    graph is the union of all graphs (Virtuoso, GraphDB, Fuseki's unionDefaultGraph) a query that
    names no graphs would mix them into every baseline answer (docs/sparql.md).

    `endpoint` is the server's Graph Store Protocol URL (oxigraph `/store`, Fuseki `/<ds>/data`,
    GraphDB `/repositories/<id>/rdf-graphs/service`, Virtuoso `/sparql-graph-crud-auth`, which asks
    for HTTP digest auth: answered with the same --user/--password). PUT replaces
    a graph's contents, so pushing twice leaves the same data. Graphs are sent as N-Triples labelled
    `text/turtle` (N-Triples is Turtle), which every server accepts. Returns graph IRI → triples sent.
    """
    parsed = _urlparse.urlsplit(endpoint)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UsageError(f"{endpoint!r} is not an http(s) URL of a Graph Store endpoint")
    source = open_store(Path(out))
    headers = {"Content-Type": "text/turtle; charset=utf-8", **_auth_header(None, None, token)}
    opener = auth_opener(endpoint, None if token else user, password)
    sent: dict[str, int] = {}
    for name in graph_names(source):
        if is_scenario_graph(name) and not scenarios:
            continue
        data = source.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name)) or b""
        triples = data.count(b"\n")
        http_request("PUT", _graph_url(endpoint, name), body=data, headers=headers, timeout=timeout,
                     retries=retries, opener=opener)
        sent[name] = triples
        progress(name, triples)
    return sent
