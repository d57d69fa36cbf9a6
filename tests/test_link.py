"""`govgraph link --check`: against a local `oxigraph serve` loaded with a Wikidata-shaped fixture,
and two tiny stdlib HTTP servers on 127.0.0.1 (one answers 429 once then proxies, one never answers
in time). Never the live Wikidata Query Service."""

from __future__ import annotations

import http.server
import threading
import time
import urllib.request

import pytest

from govgraph import link
from govgraph.core.errors import UsageError

from conftest import FIXTURES, REAL_DATA, run_govgraph, running_oxigraph

WIKIDATA_FIXTURE = FIXTURES / "wikidata.ttl"


def _countries_of_the_real_data() -> str:
    """Every country QID of graph/ as a sovereign state with its English name, so the fake
    Wikidata grows with the dataset (no list of countries written here)."""
    from govgraph.curated import loader

    lines = ["\n# generated: the countries of graph/"]
    for country in loader.load(REAL_DATA).countries.values():
        c = country.country
        if c.wikidata and f"wd:{c.wikidata} " not in WIKIDATA_FIXTURE.read_text(encoding="utf-8"):
            name = c.name["en"].replace('"', '\\"')
            lines.append(f'wd:{c.wikidata} rdfs:label "{name}"@en ; wdt:P31 wd:Q3624078 .')
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def wikidata_endpoint(tmp_path_factory) -> str:
    """`oxigraph serve` on 127.0.0.1 holding tests/fixtures/wikidata.ttl; yields its query URL."""
    location = tmp_path_factory.mktemp("wikidata-store")
    data = location.with_name(location.name + "-data.ttl")
    data.write_text(WIKIDATA_FIXTURE.read_text(encoding="utf-8") + _countries_of_the_real_data(), encoding="utf-8")
    with running_oxigraph(location, load=data, read_only=True) as base:
        yield base + "/query"


class _Server:
    """A stdlib HTTP server in a thread on 127.0.0.1; `handler(request)` answers each GET."""

    def __init__(self, handler):
        outer = self
        self.hits: list[str] = []
        self.user_agents: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits.append(self.path)
                outer.user_agents.append(self.headers.get("User-Agent", ""))
                handler(self)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/query"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _proxy(target: str):
    """Forward the request's query string to `target` and relay the answer."""

    def answer(request):
        query = request.path.split("?", 1)[1] if "?" in request.path else ""
        req = urllib.request.Request(f"{target}?{query}", headers={"Accept": request.headers.get("Accept", "*/*")})
        with urllib.request.urlopen(req, timeout=10) as response:
            body = response.read()
            ctype = response.headers.get("Content-Type", "application/sparql-results+json")
        request.send_response(200)
        request.send_header("Content-Type", ctype)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    return answer


LINKS = [
    link.Link("https://w3id.org/govgraph/id/cl", "Q298", "country", "Chile"),
    link.Link("https://w3id.org/govgraph/id/zz/agency", "Q4115189", "agency", "Agency"),
    link.Link("https://w3id.org/govgraph/id/zz/ministry", "Q1000002", "ministry", "Ministry"),
    link.Link("https://w3id.org/govgraph/id/zz/wrong", "Q42", "agency", "Wrong"),
    link.Link("https://w3id.org/govgraph/id/zz/country-wrong", "Q1000002", "country", "Ministry as a country"),
    link.Link("https://w3id.org/govgraph/id/zz/missing", "Q999999999", "agency", "Missing"),
    link.Link("https://w3id.org/govgraph/id/zz/merged", "Q1000003", "country", "Merged"),
]


def _status(report: link.LinkReport) -> dict[str, str]:
    return {r.link.subject.rsplit("/", 1)[1]: r.status for r in report.results}


def test_correct_wrong_kind_missing_and_redirect(wikidata_endpoint):
    report = link.check_links(wikidata_endpoint, LINKS, pause=0, batch_size=3)
    assert _status(report) == {"cl": "ok", "agency": "ok", "ministry": "ok", "wrong": "wrong-kind",
                               "country-wrong": "wrong-kind", "missing": "missing", "merged": "redirect"}
    assert report.failures == [] and not report.ok
    assert report.queries == 2  # 6 distinct QIDs in batches of 3, no retries
    agency = next(r for r in report.results if r.link.qid == "Q4115189")
    assert agency.classes == ("Q2659904", "Q327333")  # reached through a P279 chain
    assert "Zembla" in agency.wikidata_label


def test_batch_query_is_bounded():
    text = link.batch_query(["Q2", "Q1"], ["Q6256"], 10)
    assert "VALUES ?item { wd:Q1 wd:Q2 }" in text and text.rstrip().endswith("LIMIT 10")


def test_429_is_retried_after_retry_after(wikidata_endpoint):
    first = {"done": False}
    proxy = _proxy(wikidata_endpoint)

    def answer(request):
        if not first["done"]:
            first["done"] = True
            request.send_response(429)
            request.send_header("Retry-After", "1")
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        proxy(request)

    server = _Server(answer)
    waits: list[float] = []
    try:
        report = link.check_links(server.url, LINKS[:2], pause=0, sleep=lambda s: (waits.append(s), time.sleep(s)))
    finally:
        server.close()
    assert _status(report) == {"cl": "ok", "agency": "ok"}
    assert waits == [1.0] and report.retries == 1 and len(server.hits) == 2
    assert all(ua.startswith("govgraph/") for ua in server.user_agents)


def test_429_retries_are_capped(wikidata_endpoint):
    def answer(request):
        request.send_response(429)
        request.send_header("Retry-After", "0")
        request.send_header("Content-Length", "0")
        request.end_headers()

    server = _Server(answer)
    try:
        report = link.check_links(server.url, LINKS[:1], pause=0, retries=2)
    finally:
        server.close()
    assert len(server.hits) == 3 and _status(report) == {"cl": "unchecked"}
    assert "rate limited" in report.failures[0]


@pytest.mark.slow  # waits for a timeout
def test_timeout_is_reported_without_a_crash():
    release = threading.Event()

    answered = threading.Event()

    def answer(request):
        release.wait(30)  # far longer than the client's timeout
        answered.set()

    server = _Server(answer)
    try:
        report = link.check_links(server.url, LINKS[:2], pause=0, timeout=1)
        assert not answered.is_set(), "the client waited for the server instead of timing out"
    finally:
        release.set()
        server.close()
    assert _status(report) == {"cl": "unchecked", "agency": "unchecked"}
    assert "timeout" in report.failures[0] and len(server.hits) == 1  # not retried


def test_bad_endpoint_is_a_usage_error():
    with pytest.raises(UsageError):
        link.Checker("ftp://example.org/sparql")


def test_cli_link_check_on_a_build(kitchen_sink_build, real_build, wikidata_endpoint):
    result = run_govgraph("link", "--check", "--endpoint", wikidata_endpoint, "--out", str(kitchen_sink_build),
                          "--pause", "0", "--all")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Q4115189" in result.stdout and "1 ok" in result.stdout
    result = run_govgraph("link", "--check", "--endpoint", wikidata_endpoint, "--out", str(real_build),
                          "--pause", "0")
    assert result.returncode == 0, result.stdout + result.stderr
    from govgraph.curated import loader

    qids = sum(1 for c in loader.load(REAL_DATA).countries.values() if c.country.wikidata)
    assert f"{qids} ok" in result.stdout and " 0 missing" in result.stdout


def test_cli_link_check_reports_problems_and_service_failures(kitchen_sink_build):
    def answer(request):
        request.send_response(500)
        request.send_header("Content-Length", "0")
        request.end_headers()

    server = _Server(answer)
    try:
        result = run_govgraph("link", "--check", "--endpoint", server.url, "--out", str(kitchen_sink_build),
                              "--pause", "0")
    finally:
        server.close()
    assert result.returncode == 3, result.stdout + result.stderr
    assert "unchecked" in result.stdout and "Traceback" not in result.stderr
