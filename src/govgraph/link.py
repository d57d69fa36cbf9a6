"""Check the Wikidata links of a build against a Wikidata-compatible SPARQL endpoint.

`govgraph link --check --endpoint URL` asks, for every QID the build ties a country, institution or
co-ordination body to (``skos:exactMatch wd:Q…``), whether the item exists and whether it is the
right kind of thing: ``wdt:P31/wdt:P279*`` reaches one of the classes expected for that kind
(`EXPECTED`). Redirected items (``owl:sameAs``, as the Wikidata Query Service publishes merges)
are reported with their target.

Being a good client of a shared service (WDQS: 60 s per query, throttling per IP and User-Agent,
HTTP 429 with Retry-After):

- bounded: QIDs go in batches (VALUES, default 50 a query) with a LIMIT; a result that hits the
  limit is reported, never silently truncated;
- polite: a descriptive User-Agent, a pause between batches, a client timeout;
- 429, 502 and 503 with Retry-After are retried after it (`core.retry`), at most `retries` times and
  never waiting longer than `max_wait`; a timeout is not retried (the query would only be repeated
  against a service that is already struggling), it is reported and the batch marked unchecked.

Library code: returns a `LinkReport` (per-item results and per-batch failures); only an unusable
endpoint argument raises (UsageError). The CLI prints the report and chooses the exit code.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
from dataclasses import dataclass, field
from typing import Callable, Iterable

from govgraph import __version__
from govgraph.core.errors import UsageError
from govgraph.core.resources import query_text
from govgraph.core.retry import RETRY_STATUSES, timed_out, with_retries
from govgraph.core.vocab import NODE_KINDS

WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"

# Which Wikidata classes (reached by P31/P279*) make a link right, per govgraph kind: the ontology's
# gg:wikidataClass annotations (widen a kind there, and in tests/fixtures/wikidata.ttl).
EXPECTED: dict[str, tuple[str, ...]] = {kind: k.wikidata for kind, k in NODE_KINDS.items()}
CLASS_LABELS = {
    "Q6256": "country", "Q3624078": "sovereign state", "Q327333": "government agency",
    "Q192350": "ministry", "Q2659904": "government organization", "Q294414": "public office",
    "Q270791": "state-owned enterprise", "Q43229": "organization", "Q865588": "committee",
}

USER_AGENT = (f"govgraph/{__version__} (https://w3id.org/govgraph; `govgraph link --check`; "
              "a few batched queries per run) SPARQLWrapper")


@dataclass(frozen=True)
class Link:
    """One of our nodes tied to a Wikidata item."""

    subject: str      # our IRI
    qid: str          # Q…
    kind: str         # a key of EXPECTED
    label: str = ""


@dataclass
class ItemResult:
    link: Link
    status: str                         # ok | wrong-kind | missing | redirect | unchecked
    detail: str = ""
    wikidata_label: str = ""
    classes: tuple[str, ...] = ()       # expected classes the item reaches


@dataclass
class LinkReport:
    endpoint: str
    results: list[ItemResult] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)   # one message per batch that could not be checked
    queries: int = 0
    retries: int = 0

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def problems(self) -> list[ItemResult]:
        return [r for r in self.results if r.status in ("wrong-kind", "missing", "redirect")]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.failures


def links_in_store(backend) -> list[Link]:
    """Every (node, QID, kind) in a build: `backend` is a `store.LocalStore` or `store.RemoteStore`;
    all of govgraph's graphs are read (countries, scenarios), each link once."""
    import pyoxigraph as ox

    from govgraph.core.vocab import GRAPH

    graphs = [ox.NamedNode(n) for n in backend.graph_names() if n.startswith(GRAPH)]
    _, rows = backend.select(query_text("link/linked-records"), graphs=graphs)
    seen: dict[tuple[str, str], Link] = {}
    for s, target, kind, label in rows:
        key = (s.value, target.value)
        if key not in seen:
            seen[key] = Link(s.value, target.value.removeprefix(WD), kind.value, label.value if label else "")
    return sorted(seen.values(), key=lambda l: (l.qid, l.subject))


def batch_query(qids: Iterable[str], classes: Iterable[str], limit: int) -> str:
    """One bounded query: which of these items exist, their English label, redirect and the expected
    classes they reach by P31/P279*."""
    items = " ".join(f"wd:{q}" for q in sorted(set(qids)))
    wanted = " ".join(f"wd:{c}" for c in sorted(set(classes)))
    return f"""PREFIX wd: <{WD}>
PREFIX wdt: <{WDT}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?item ?label ?redirect ?class WHERE {{
  VALUES ?item {{ {items} }}
  FILTER EXISTS {{ ?item ?anyProperty ?anyValue }}
  OPTIONAL {{ ?item rdfs:label ?label FILTER (LANG(?label) = "en") }}
  OPTIONAL {{ ?item owl:sameAs ?redirect }}
  OPTIONAL {{ VALUES ?class {{ {wanted} }} ?item wdt:P31/wdt:P279* ?class }}
}}
LIMIT {limit}"""


class _Failed(Exception):
    """A batch could not be checked (message for the report)."""


@dataclass
class Checker:
    """The polite client. `sleep` is injectable so tests can observe the waits."""

    endpoint: str
    timeout: float = 30.0
    batch_size: int = 50
    retries: int = 3
    max_wait: float = 60.0
    pause: float = 1.0
    user_agent: str = USER_AGENT
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self):
        parsed = urllib.parse.urlsplit(self.endpoint)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise UsageError(f"{self.endpoint!r} is not an http(s) URL of a SPARQL endpoint")
        if not 1 <= self.batch_size <= 500:
            raise UsageError("the batch size must be between 1 and 500 QIDs")

    def _ask(self, query: str, report: LinkReport) -> dict:
        from SPARQLWrapper import GET, JSON, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        client = SPARQLWrapper(self.endpoint, agent=self.user_agent)
        client.setMethod(GET)
        client.setReturnFormat(JSON)
        client.setTimeout(max(1, int(round(self.timeout))))
        client.setQuery(query)
        def send() -> bytes:
            report.queries += 1
            return client.query().response.read()

        def counted(exc: BaseException, wait: float) -> None:
            report.retries += 1

        try:
            return json.loads(with_retries(send, retries=self.retries, max_wait=self.max_wait, sleep=self.sleep,
                                           on_retry=counted))
        except urllib.error.HTTPError as exc:
            wait = getattr(exc, "wait", None)
            if wait is not None and wait > self.max_wait:
                raise _Failed(f"HTTP {exc.code}: the server asks to wait {wait:.0f} s "
                              f"(more than --max-wait {self.max_wait:.0f} s)") from exc
            if exc.code in RETRY_STATUSES:
                raise _Failed(f"HTTP {exc.code} (rate limited) after {exc.attempts} attempt(s); try again later") from exc
            raise _Failed(f"HTTP {exc.code} {exc.reason}") from exc
        except (TimeoutError, urllib.error.URLError) as exc:
            if timed_out(exc):
                raise _Failed(f"no answer within {self.timeout:g} s (timeout; not retried)") from exc
            raise _Failed(f"cannot reach the endpoint: {getattr(exc, 'reason', exc)}") from exc
        except (SPARQLWrapperException, OSError) as exc:
            raise _Failed(f"{type(exc).__name__}: {exc}") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise _Failed(f"the answer is not SPARQL JSON results: {exc}") from exc

    def check(self, links: Iterable[Link]) -> LinkReport:
        links = sorted(set(links), key=lambda l: (l.qid, l.subject))
        report = LinkReport(self.endpoint)
        qids = sorted({l.qid for l in links}, key=lambda q: (len(q), q))
        batches = [qids[i:i + self.batch_size] for i in range(0, len(qids), self.batch_size)]
        found: dict[str, dict] = {}
        unchecked: dict[str, str] = {}
        for n, batch in enumerate(batches):
            if n and self.pause:
                self.sleep(self.pause)
            kinds = {l.kind for l in links if l.qid in batch}
            classes = sorted({c for k in kinds for c in EXPECTED.get(k, ())})
            limit = len(batch) * (len(classes) + 1) * 4
            try:
                doc = self._ask(batch_query(batch, classes, limit), report)
                bindings = doc["results"]["bindings"]
            except _Failed as exc:
                report.failures.append(f"batch {n + 1}/{len(batches)} ({len(batch)} QIDs): {exc}")
                unchecked.update({q: str(exc) for q in batch})
                continue
            except (KeyError, TypeError) as exc:
                report.failures.append(f"batch {n + 1}/{len(batches)}: the answer is not SELECT results ({exc})")
                unchecked.update({q: "malformed answer" for q in batch})
                continue
            if len(bindings) >= limit:
                report.failures.append(f"batch {n + 1}/{len(batches)}: the result reached LIMIT {limit}; "
                                       "use a smaller --batch-size")
            for b in bindings:
                qid = b["item"]["value"].removeprefix(WD)
                entry = found.setdefault(qid, {"label": "", "redirect": "", "classes": set()})
                if "label" in b:
                    entry["label"] = b["label"]["value"]
                if "redirect" in b:
                    entry["redirect"] = b["redirect"]["value"].removeprefix(WD)
                if "class" in b:
                    entry["classes"].add(b["class"]["value"].removeprefix(WD))
        for link in links:
            if link.qid in unchecked:
                report.results.append(ItemResult(link, "unchecked", unchecked[link.qid]))
                continue
            item = found.get(link.qid)
            expected = EXPECTED.get(link.kind, ())
            if item is None:
                report.results.append(ItemResult(link, "missing", "no such item on the endpoint"))
                continue
            reached = tuple(sorted(c for c in item["classes"] if c in expected))
            if reached:
                report.results.append(ItemResult(link, "ok", "is a " + ", ".join(_cls(c) for c in reached),
                                                 item["label"], reached))
            elif item["redirect"]:
                report.results.append(ItemResult(link, "redirect", f"redirects to {item['redirect']}: link that item",
                                                 item["label"]))
            else:
                report.results.append(ItemResult(
                    link, "wrong-kind", f"not an instance (P31/P279*) of {' or '.join(_cls(c) for c in expected)}",
                    item["label"]))
        return report


def _cls(qid: str) -> str:
    return f"{CLASS_LABELS[qid]} ({qid})" if qid in CLASS_LABELS else qid


def check_links(endpoint: str, links: Iterable[Link], **options) -> LinkReport:
    return Checker(endpoint, **options).check(links)
