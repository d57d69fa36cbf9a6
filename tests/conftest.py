"""Shared fixtures. Several test modules add fixtures here: keep each block small and labelled."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
KITCHEN_SINK = FIXTURES / "kitchen-sink"
REAL_DATA = REPO / "graph"


# -- the two tiers: `pytest -m "not slow"` (pure functions, fixtures, the loader, the analysis: under a
# minute) and the whole suite (JVM, servers, browser) that CI runs. A test is slow when it is marked
# so, or when it asks for a build, a server or a browser: those fixtures decide, not a list of tests.

SLOW_FIXTURES = {"kitchen_sink_build", "real_build", "build_2024", "oxigraph_server", "govgraph_server",
                 "kitchen_sink_oxigraph", "pushed", "wikidata_endpoint", "existing_build", "browser",
                 "virtuoso_server", "engines"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def run_govgraph(*args: str, cwd: Path | None = None, env: dict | None = None,
                 timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the real CLI in a subprocess, as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "govgraph", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def kitchen_sink_dir() -> Path:
    return KITCHEN_SINK


@pytest.fixture(scope="session")
def kitchen_sink_build(tmp_path_factory) -> Path:
    """The kitchen-sink country built once per session; returns the out/ folder."""
    out = tmp_path_factory.mktemp("ks") / "out"
    result = run_govgraph("build", "--data", str(KITCHEN_SINK), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def real_build(tmp_path_factory) -> Path:
    """The real dataset (graph/) built once per session; returns the out/ folder."""
    out = tmp_path_factory.mktemp("real") / "out"
    result = run_govgraph("build", "--data", str(REAL_DATA), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


# -- Debian's chromium, headless, for the pages (one per session, shared by every browser test) ----

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (scripts/setup.sh installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


# -- SPARQL servers: a real `oxigraph serve`, stopped by its PID -----------------------------------

def oxigraph_exe() -> str:
    """The `oxigraph` server of the test extras: beside this interpreter (the venv's bin/, which
    scripts/test.sh does not put on PATH), else on PATH. Missing, the tests fail: they need it."""
    import shutil

    beside = Path(sys.executable).with_name("oxigraph")
    exe = str(beside) if beside.is_file() else shutil.which("oxigraph")
    if exe is None:
        pytest.fail("the `oxigraph` server (PyPI package oxigraph, a test extra) is not installed: "
                    "run scripts/test.sh")
    return exe


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, timeout: float = 30.0) -> None:
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextlib.contextmanager
def running_oxigraph(location: Path, *, load: Path | None = None, read_only: bool = False):
    """`oxigraph serve` (or `serve-read-only`) on 127.0.0.1 over `location`, first loading `load`
    into it; yields the base URL (query: /query, Graph Store: /store); stopped by its PID."""

    exe = oxigraph_exe()
    if load is not None:
        subprocess.run([exe, "load", "--location", str(location), "--file", str(load)],
                       check=True, capture_output=True, timeout=120)
    port = free_port()
    command = "serve-read-only" if read_only else "serve"
    process = subprocess.Popen([exe, command, "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(base + "/query?query=ASK%7B%7D")
        yield base
    finally:
        stop(process, grace=10)


def stop(process: subprocess.Popen, grace: float) -> None:
    """End a server the tests started: SIGTERM, then SIGKILL after `grace` seconds."""
    import signal

    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """An empty, writable `oxigraph serve`; yields its base URL."""
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph")) as base:
        yield base


@contextlib.contextmanager
def running_govgraph(out: Path, **options):
    """`govgraph serve` over the build in `out`, in this process on a free loopback port (`options`
    go to `make_server`); yields the server, with `base_url`."""
    import threading

    from govgraph.serve import app

    server = app.make_server(out, port=0, quiet=True, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.base_url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def govgraph_server(kitchen_sink_build):
    """`govgraph serve` over the kitchen sink with small limits (2 s per query, 50 rows, 10 kB
    bodies) so the limits can be tested; yields the server."""
    with running_govgraph(kitchen_sink_build, timeout=2.0, max_rows=50, max_body=10_000, workers=2) as server:
        yield server


# -- Virtuoso: Debian's virtuoso-t with its own virtuoso.ini, database folder and loopback ports ----

VIRTUOSO_INI = """\
; written by tests/conftest.py: a throw-away instance on 127.0.0.1 only
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = {db}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}/www
ServerThreads = 4
[SPARQL]
; the library's largest answer is a few thousand rows; Virtuoso's default cap (10000) would cut
; larger ones silently
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


@contextlib.contextmanager
def running_virtuoso(folder: Path):
    """Virtuoso (`virtuoso-t`, Debian package virtuoso-opensource-7-bin) over a new database in
    `folder`, both ports on 127.0.0.1, the dba password changed to a fresh one; yields
    (base URL, password). Stopped by its PID."""
    import secrets
    import shutil

    exe, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if exe is None or isql is None:
        pytest.fail("Virtuoso (virtuoso-t, isql-vt: Debian package virtuoso-opensource-7-bin) is not "
                    "installed: run scripts/test.sh")
    sql_port = free_port()
    http_port = free_port()
    while http_port == sql_port:
        http_port = free_port()
    (folder / "www").mkdir(exist_ok=True)  # what its HTTP server may serve as files: nothing
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(db=folder, sql_port=sql_port, http_port=http_port), encoding="utf-8")
    with open(folder / "console.log", "wb") as console:
        process = subprocess.Popen([exe, "+foreground", "+configfile", str(ini)], cwd=folder,
                                   stdout=console, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http_port}"
    try:
        try:
            wait_for_http(base + "/sparql?query=ASK%7B%7D", timeout=120)
        except OSError:
            log = (folder / "console.log").read_text(errors="replace")[-2000:]
            pytest.fail(f"Virtuoso did not answer on {base} within 120 s; its log ends:\n{log}")
        password = secrets.token_hex(12)
        subprocess.run([isql, f"127.0.0.1:{sql_port}", "dba", "dba",
                        f"exec=USER_SET_PASSWORD('dba', '{password}');"],
                       check=True, capture_output=True, timeout=60)
        yield base, password
    finally:
        stop(process, grace=30)


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    """An empty Virtuoso; yields (base URL, dba password). Query URL /sparql, Graph Store (digest
    auth, user dba) /sparql-graph-crud-auth."""
    with running_virtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server
