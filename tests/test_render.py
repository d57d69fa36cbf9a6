"""Maps and site, tested in a real browser: Debian's chromium, headless, driven by Playwright.

No mocks: the pages are those `govgraph build` writes, opened from file:// exactly as a reader would.
Every request a page makes is recorded; anything but file:// (or data:, which never leaves the
machine) fails the test. Node and edge counts are read from vis-network's own DataSets.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

from govgraph.site import mapmodel

from conftest import KITCHEN_SINK, REAL_DATA, REPO, run_govgraph

BASELINE = dt.date(2016, 6, 30)
HOSTILE_SCRIPT = "<script>window.__pwned=1</script>"
HOSTILE_IMG = "<img src=x onerror=window.__pwned=1>"
HOSTILE_ACRONYM = '"><svg onload=window.__pwned=1>'

pytestmark = pytest.mark.slow


class Visit:
    """One page opened in a fresh context, with every request and console error recorded."""

    def __init__(self, browser, url: str, wait_maps: int = 1):
        self.context = browser.new_context(viewport={"width": 1440, "height": 900})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}")
                     if m.type in ("error", "assert") else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.goto(url)
        self.page.wait_for_load_state("load")
        if wait_maps:
            self.page.wait_for_function(
                f"window.govgraphMaps && Object.keys(window.govgraphMaps).length >= {wait_maps}", timeout=20000)

    def outside(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(("file://", "data:"))]

    def counts(self) -> dict[str, list[int]]:
        return self.page.evaluate(
            "Object.fromEntries(Object.entries(window.govgraphMaps).map(([k, m]) => [k, [m.nodes.length, m.edges.length]]))")

    def close(self):
        self.context.close()


def projected(out: Path, cc: str, scenario: str | None = None, as_of: dt.date = BASELINE):
    from govgraph.analysis import projection
    from govgraph.store.embedded import open_store

    db = open_store(out)
    try:
        return projection.project(db, cc, as_of=as_of, scenario=scenario)
    finally:
        del db


# -- the site as files ---------------------------------------------------------------------------------

def test_build_writes_the_site(real_build: Path):
    countries = sorted(p.stem for p in (real_build / "analysis").glob("??.json"))
    assert "cl" in countries
    for name in ("index.html", "compare.html", "scenarios.html", "queries.html", "static/vis-network/LICENSE",
                 "static/vis-network/vis-network.min.js", "static/govgraph-map.js", "static/govgraph.css"):
        assert (real_build / name).is_file(), name
    for cc in countries:
        assert (real_build / "countries" / f"{cc}.html").is_file()
    # a page per scenario, and one per phase of its roadmap but the last (which the scenario's page shows)
    assert sorted(p.stem for p in (real_build / "scenarios").glob("*.html")) == sorted(
        [d["scenario"] for d in json.loads((real_build / "analysis" / "scenarios.json").read_text())]
        + [f"{d['scenario']}-phase-{ph['order']}" for d in json.loads((real_build / "analysis" / "scenarios.json")
                                                                     .read_text()) for ph in d.get("phases", [])[:-1]])
    for page in real_build.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        # every script and stylesheet is local: no src/href to another machine on script/link tags
        for tag in re.findall(r"<(?:script|link)\b[^>]*>", text):
            assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", tag), (page, tag)
        # links between pages resolve inside the build
        for href in re.findall(r'href="([^"#:]+)(?:#[^"]*)?"', text):
            assert (page.parent / href).exists(), (page, href)


def test_same_input_same_html(real_build: Path, tmp_path: Path):
    from govgraph.site import pages

    copy = tmp_path / "out"
    shutil.copytree(real_build, copy, ignore=shutil.ignore_patterns("screenshots"))
    pages.write_site(copy)
    for page in sorted(real_build.rglob("*.html")):
        rel = page.relative_to(real_build)
        if rel.parts[0] in ("maps", "screenshots"):
            continue
        assert (copy / rel).read_bytes() == page.read_bytes(), rel



def test_pages_link_the_files_another_process_is_still_writing(kitchen_sink_build: Path, tmp_path: Path):
    """A build draws the pages while a child process writes the graphs' files and the dumps: the
    pages it links from must not depend on which of those are on disk yet."""
    from govgraph.site import pages

    copy = tmp_path / "out"
    shutil.copytree(kitchen_sink_build, copy, ignore=shutil.ignore_patterns("screenshots"))
    pages.write_site(copy)
    drawn = {p: (copy / p).read_bytes() for p in ("index.html", "countries/zz.html")}
    coming = ["govgraph.trig", "govgraph.nq", "graphs/zz.ttl", "graphs/zz.jsonld", "graphs/zz.nt"]
    assert all(f"graphs/zz.{ext}".encode() in drawn["countries/zz.html"] for ext in ("ttl", "jsonld", "nt"))
    for path in coming:
        (copy / path).unlink()
    pages.write_site(copy, coming=coming)
    assert {p: (copy / p).read_bytes() for p in drawn} == drawn
    pages.write_site(copy)  # not there, not coming: not linked
    assert b"graphs/zz.ttl" not in (copy / "countries" / "zz.html").read_bytes()
    assert b"govgraph.trig" not in (copy / "index.html").read_bytes()


def test_a_map_of_any_day_reads_the_numbers_the_site_reads(real_build: Path):
    """`govgraph map` and notebooks analyse on the fly; the site reads out/analysis/: one path, so the
    same day gives the same document (metrics rounded alike), field for field."""
    from govgraph.site import pages
    from govgraph.store import embedded

    db = embedded.open_store(real_build)
    for cc in ("cl", "gb", "jp"):
        site = json.loads((real_build / "analysis" / f"{cc}.json").read_text(encoding="utf-8"))
        day = dt.date.fromisoformat(site["as_of"])
        assert pages.analysis_doc(db, cc, as_of=day) == site, cc

# -- every country page in the browser ----------------------------------------------------------------

def test_country_pages_load_offline_with_every_node_and_edge(browser, real_build: Path):
    countries = sorted(p.stem for p in (real_build / "analysis").glob("??.json"))
    problems = []
    for cc in countries:
        visit = Visit(browser, (real_build / "countries" / f"{cc}.html").as_uri())
        try:
            G = projected(real_build, cc)
            counts = visit.counts()
            if visit.errors:
                problems.append((cc, "console", visit.errors))
            if visit.outside():
                problems.append((cc, "requests", visit.outside()))
            if counts.get(cc) != [G.number_of_nodes(), G.number_of_edges()]:
                problems.append((cc, "counts", counts, G.number_of_nodes(), G.number_of_edges()))
            leads = visit.page.evaluate(
                f"window.govgraphMaps['{cc}'].nodes.get({{filter: n => n.lead}}).map(n => n.id)")
            if sorted(leads) != sorted(G.graph["leads"]):
                problems.append((cc, "leads", leads, G.graph["leads"]))
            tooltips = visit.page.evaluate(
                f"window.govgraphMaps['{cc}'].nodes.get().every(n => n.title instanceof HTMLElement)")
            if not tooltips:
                problems.append((cc, "tooltips are not elements"))
        finally:
            visit.close()
    assert not problems, problems


def test_chile_map_marks_weak_points_and_shows_sources(browser, real_build: Path):
    visit = Visit(browser, (real_build / "countries" / "cl.html").as_uri())
    try:
        page = visit.page
        weak = page.evaluate("window.govgraphMaps.cl.nodes.get({filter: n => !!n.weak}).length")
        doc = json.loads((real_build / "analysis" / "cl.json").read_text())
        assert weak == sum(1 for n in doc["nodes"] if n["weak"]) > 0
        # findings beside the map, one per finding of the analysis
        assert page.locator("ul.gg-findings > li").count() == len(doc["findings"])
        # search by acronym selects the body and shows its details with source links
        page.fill("input.gg-search", "SEGPRES")
        page.press("input.gg-search", "Enter")
        assert page.evaluate("window.govgraphMaps.cl.network.getSelectedNodes()") == ["segpres"]
        details = page.locator("#details-cl")
        assert "Ministry General Secretariat of the Presidency" in details.inner_text()
        assert "Ministerio Secretaría General de la Presidencia" in details.inner_text()
        links = details.locator("a[href^='http']")
        assert links.count() >= 1
        # a relation filter hides that relation's ties (and only those)
        members = page.evaluate("window.govgraphMaps.cl.edges.get({filter: e => e.group === 'membership'}).length")
        page.uncheck("input.gg-group[value='membership']")
        hidden = page.evaluate("window.govgraphMaps.cl.edges.get({filter: e => e.hidden === true}).length")
        assert hidden == members > 0
        page.check("input.gg-group[value='membership']")
        assert page.evaluate("window.govgraphMaps.cl.edges.get({filter: e => e.hidden === true}).length") == 0
        # the lever filter selects the holders of that lever type
        page.select_option("select.gg-lever", "ict-budget")
        holders = page.evaluate("window.govgraphMaps.cl.network.getSelectedNodes()")
        assert "dipres" in holders
        assert not visit.errors and not visit.outside()
    finally:
        visit.close()


def test_chile_screenshot(browser, real_build: Path):
    """An artefact for a person to look at: out/screenshots/cl.png (and ./out/screenshots if present)."""
    visit = Visit(browser, (real_build / "countries" / "cl.html").as_uri())
    try:
        visit.page.wait_for_timeout(2500)  # let the short physics relaxation finish
        shot = real_build / "screenshots" / "cl.png"
        shot.parent.mkdir(exist_ok=True)
        visit.page.screenshot(path=str(shot))
        assert shot.stat().st_size > 20_000
        local = REPO / "out"
        if local.is_dir():
            (local / "screenshots").mkdir(exist_ok=True)
            shutil.copyfile(shot, local / "screenshots" / "cl.png")
    finally:
        visit.close()


def test_scenario_pages_side_by_side(browser, real_build: Path):
    """Each scenario page: the step it describes (right) against the picture just before it (left),
    with the projected counts, the same positions for the bodies both maps hold, the changes marked
    as assess.diff finds them, and the roadmap as a timeline; a screenshot per page under out/."""
    from govgraph.analysis import assess

    deltas = json.loads((real_build / "analysis" / "scenarios.json").read_text())
    assert deltas and any(d.get("phases") for d in deltas)
    shots = real_build / "screenshots"
    shots.mkdir(exist_ok=True)
    for d in deltas:
        phases = d.get("phases", [])
        day = dt.date.fromisoformat(d["as_of"])
        keys = [None] + [ph["key"] for ph in phases] if phases else [None, d["scenario"]]
        pages = [f"{d['scenario']}-phase-{ph['order']}" for ph in phases[:-1]] + [d["scenario"]]
        for i, name in enumerate(pages, start=1):
            visit = Visit(browser, (real_build / "scenarios" / f"{name}.html").as_uri(), wait_maps=2)
            try:
                before = projected(real_build, d["country"].lower(), keys[i - 1], day)
                after = projected(real_build, d["country"].lower(), keys[i], day)
                assert visit.counts() == {"before": [before.number_of_nodes(), before.number_of_edges()],
                                          "after": [after.number_of_nodes(), after.number_of_edges()]}
                moved = visit.page.evaluate("""(() => { const a = govgraphMaps.before.nodes, b = govgraphMaps.after.nodes;
                    return a.getIds().filter(id => b.get(id) && (a.get(id).x !== b.get(id).x || a.get(id).y !== b.get(id).y)); })()""")
                assert moved == [], "a body on both maps has the same position"
                marked = visit.page.evaluate("""(() => govgraphMaps.after.nodes.get().filter(n => n.change === "added")
                    .map(n => n.id).sort())()""")
                assert marked == sorted(assess.diff(before, after)["bodies_added"])
                assert visit.page.locator(".gg-timeline li").count() == len(keys)
                assert visit.page.locator(".gg-timeline li[aria-current=step]").count() == 1
                assert not visit.errors and not visit.outside()
                visit.page.screenshot(path=str(shots / f"scenario-{name}.png"), full_page=False)
            finally:
                visit.close()


def test_index_compare_and_queries_pages(browser, real_build: Path):
    for name in ("index.html", "compare.html", "scenarios.html", "queries.html"):
        visit = Visit(browser, (real_build / name).as_uri(), wait_maps=0)
        try:
            assert visit.page.title().endswith("govgraph")
            assert visit.page.locator("h1").count() == 1
            assert not visit.errors and not visit.outside(), (name, visit.errors, visit.outside())
            if name == "index.html":
                rows = visit.page.locator("table tbody tr")
                assert rows.count() == len(list((real_build / "analysis").glob("??.json")))
                assert "Modernisation and Digital Government Unit" in visit.page.inner_text("body")
        finally:
            visit.close()


# -- what a reader sees: the comparison's charts, each map's table, and axe-core's WCAG 2 A/AA rules ----

AXE = REPO / "tests" / "vendor" / "axe-core" / "axe.min.js"  # axe-core 4.14.1, MPL-2.0 (its README there)
WCAG = ["wcag2a", "wcag2aa"]


def axe(page) -> list[str]:
    """axe-core's violations of the WCAG 2 A and AA rules on `page`, one line per failing element.
    The script is injected as page content, and it does not fetch the stylesheets again (`preload`,
    which only the WCAG 2.1 orientation rule reads): the page still makes no request of its own."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                       resultTypes: ['violations'], preload: false})
        .then(r => r.violations.flatMap(v => v.nodes.map(n => `${v.id}: ${n.target.join(' ')} (${n.failureSummary})`)))""",
                         WCAG)


def test_pages_have_no_wcag_a_or_aa_violation(browser, real_build: Path):
    """The index, comparison, every country over time, scenario list, query library, Chile (with
    its year control, a body's details open and the map's table unfolded) and a scenario page (the
    others differ in data only): zero violations."""
    pages = [("index.html", 0), ("compare.html", 0), ("years.html", 0), ("scenarios.html", 0),
             ("queries.html", 0), ("countries/cl.html", 1)]
    pages += [(f"scenarios/{p.name}", 2) for p in sorted((real_build / "scenarios").glob("*.html"))[:1]]
    found = {}
    for name, maps in pages:
        visit = Visit(browser, (real_build / name).as_uri(), wait_maps=maps)
        try:
            found[name] = axe(visit.page)
            if maps:
                for summary in visit.page.locator("details.gg-map-table > summary").all():
                    summary.click()
                if name == "countries/cl.html":
                    visit.page.fill("input.gg-search", "SEGPRES")
                    visit.page.press("input.gg-search", "Enter")
                    assert "Secretariat of the Presidency" in visit.page.inner_text("#details-cl")
                found[f"{name}, opened"] = axe(visit.page)
            assert not visit.errors and not visit.outside(), (name, visit.errors, visit.outside())
        finally:
            visit.close()
    assert found == {name: [] for name in found}


def test_query_page_has_no_wcag_a_or_aa_violation(browser, govgraph_server):
    """`govgraph serve`'s query page, before and after a query fills its result table."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        page.goto(govgraph_server.base_url + "/query")
        page.wait_for_function("document.querySelectorAll('#question option').length > 1", timeout=20000)
        before = axe(page)
        page.click("#run")
        page.wait_for_selector("#out table tr td", timeout=20000)
        assert (before, axe(page)) == ([], [])
    finally:
        context.close()


def test_each_map_has_a_table_of_its_bodies_and_ties(browser, real_build: Path):
    """The text alternative of a canvas: one row per drawn body and per drawn tie, the lead body
    first, on a country page and on both maps of a scenario page."""
    deltas = json.loads((real_build / "analysis" / "scenarios.json").read_text())
    for name, maps in (("countries/cl.html", 1), (f"scenarios/{deltas[0]['scenario']}.html", 2)):
        visit = Visit(browser, (real_build / name).as_uri(), wait_maps=maps)
        try:
            for map_id, (nodes, edges) in visit.counts().items():
                table = visit.page.locator(f"#map-{map_id} details.gg-map-table")
                bodies, ties = table.locator("table").nth(0), table.locator("table").nth(1)
                assert bodies.locator("tbody tr").count() == nodes > 0, (name, map_id)
                assert ties.locator("tbody tr").count() == edges > 0, (name, map_id)
                lead = visit.page.evaluate(f"window.govgraphMaps['{map_id}'].nodes.get({{filter: n => n.lead}}).length")
                assert bodies.locator("tbody tr td:nth-child(3)", has_text="lead body").count() == lead
                assert f"{nodes} bodies and {edges} ties" in table.locator("summary").inner_text()
        finally:
            visit.close()


def test_comparison_charts_beside_their_tables_and_screenshots(browser, real_build: Path):
    """The heat map shows each country's rank on each indicator as compare.json has it; the matrix a
    dot per country with a placement; headings are human names; screenshots go to out/screenshots."""
    from govgraph.analysis import indicators

    comparison = json.loads((real_build / "analysis" / "compare.json").read_text())
    inds = comparison["indicators"]
    visit = Visit(browser, (real_build / "compare.html").as_uri(), wait_maps=0)
    try:
        page = visit.page
        charts = page.locator("figure svg.gg-chart[role='img']")
        assert charts.count() == 2
        for i in range(2):
            assert charts.nth(i).get_attribute("aria-label") and charts.nth(i).locator("desc").count() == 1
        shown = page.evaluate("""Object.fromEntries([...document.querySelectorAll('#chart-heatmap g.gg-row')].map(
            g => [g.dataset.code, [...g.querySelectorAll('g.gg-cell > text')].map(t => t.textContent)]))""")
        assert shown == {code: ["–" if r[i["name"]] is None else str(r[i["name"]]) for i in inds]
                         for code, r in comparison["ranks"].items()}
        headings = page.locator("table").first.locator("thead th").all_inner_texts()
        labels = {i.name: i.label for i in indicators.catalogue().values()}
        assert all(any(h.startswith(labels[i["name"]]) for h in headings) for i in inds)
        assert not {h.strip() for h in headings} & {i["name"] for i in inds}
        placed = sum(1 for r in comparison["rows"] if r.get("lead_placement"))
        assert page.locator("#chart-placement circle:not([data-placement=''])").count() == placed
        binding = page.locator("#placement-table-caption").locator("xpath=..").locator("td", has_text="binding")
        assert page.locator("#chart-placement rect[data-mark]").count() == binding.count() > 0
        assert not visit.errors and not visit.outside()
        shots = real_build / "screenshots"
        shots.mkdir(exist_ok=True)
        page.screenshot(path=str(shots / "compare.png"), full_page=True)
        for name, selector in (("compare-ranks.png", "#chart-heatmap"), ("compare-placement.png", ".gg-chart-pair")):
            page.locator(selector).screenshot(path=str(shots / name))
            assert (shots / name).stat().st_size > 10_000
    finally:
        visit.close()


# -- one map from the command line and in a notebook ---------------------------------------------------

def test_map_command_writes_a_single_offline_file(browser, real_build: Path, tmp_path: Path):
    target = tmp_path / "cl-2024.html"
    result = run_govgraph("map", "CL", "--as-of", "2024", "--out", str(real_build), "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert "<script src=" not in target.read_text(encoding="utf-8")  # everything inline
    visit = Visit(browser, target.as_uri())
    try:
        G = projected(real_build, "cl", as_of=dt.date(2024, 6, 30))
        assert visit.counts()["cl"] == [G.number_of_nodes(), G.number_of_edges()]
        assert not visit.errors and not visit.outside()
    finally:
        visit.close()
    bad = run_govgraph("map", "XX", "--out", str(real_build), "-o", str(tmp_path / "x.html"))
    assert bad.returncode == 2 and "no country XX" in bad.stderr
    bad = run_govgraph("map", "CL", "--scenario", "nope", "--out", str(real_build), "-o", str(tmp_path / "x.html"))
    assert bad.returncode == 2 and "nope" in bad.stderr


def test_notebook_map_is_an_iframe_that_draws_offline(browser, real_build: Path):
    from govgraph.site.pages import notebook_map

    shown = notebook_map("CL", out=real_build, height=600)
    assert shown.data.startswith("<iframe srcdoc=\"")
    context = browser.new_context()
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.set_content(f"<!DOCTYPE html><html><body>{shown.data}</body></html>")
        frame = page.frames[1]
        frame.wait_for_function("window.govgraphMaps && window.govgraphMaps.cl", timeout=20000)
        G = projected(real_build, "cl")
        assert frame.evaluate("[window.govgraphMaps.cl.nodes.length, window.govgraphMaps.cl.edges.length]") == [
            G.number_of_nodes(), G.number_of_edges()]
        assert [u for u in requests if not u.startswith(("about:", "data:", "file://"))] == []
    finally:
        context.close()


# -- labels are data -----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def hostile_build(tmp_path_factory) -> Path:
    """The kitchen-sink country with script-bearing names; built by the real CLI."""
    data = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(KITCHEN_SINK, data)
    path = data / "countries" / "zz.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("name: {en: Ministry of Finance,", f"name: {{en: {json.dumps(HOSTILE_SCRIPT)},")
    text = text.replace("name: {en: Digital Government Agency,", f"name: {{en: {json.dumps(HOSTILE_IMG)},")
    text = text.replace("acronym: DGA", f"acronym: {json.dumps(HOSTILE_ACRONYM)}")
    assert text.count("__pwned") == 3
    path.write_text(text, encoding="utf-8")
    out = data.parent / "out"
    result = run_govgraph("build", "--data", str(data), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def _assert_harmless(visit: Visit, map_id: str | None):
    page = visit.page
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("img").count() == 0 and page.locator("svg[onload]").count() == 0
    body = page.inner_text("body")
    assert HOSTILE_SCRIPT in body or HOSTILE_IMG in body
    if map_id:
        labels = page.evaluate(f"window.govgraphMaps['{map_id}'].nodes.get().map(n => n.label)")
        assert any(HOSTILE_ACRONYM in label for label in labels)  # drawn as text on the canvas
        names = page.evaluate(f"window.govgraphMaps['{map_id}'].nodes.get().flatMap(n => n.search)")
        assert HOSTILE_SCRIPT in names and HOSTILE_IMG in names
        # hover a node: its tooltip is an element whose text holds the raw name
        tip = page.evaluate(f"window.govgraphMaps['{map_id}'].nodes.get('finance').title.textContent")
        assert HOSTILE_SCRIPT in tip
    assert not [e for e in visit.errors if "pwned" in e]


def test_hostile_labels_show_as_text(browser, hostile_build: Path, tmp_path: Path):
    visit = Visit(browser, (hostile_build / "countries" / "zz.html").as_uri())
    try:
        _assert_harmless(visit, "zz")
        # search for the script-named body and open its details panel
        visit.page.fill("input.gg-search", HOSTILE_SCRIPT)
        visit.page.press("input.gg-search", "Enter")
        assert HOSTILE_SCRIPT in visit.page.inner_text("#details-zz")
        visit.page.mouse.move(700, 500)
        for button in visit.page.locator("button[data-gg-map]").all()[:5]:
            button.click()
        _assert_harmless(visit, "zz")
        assert not visit.errors and not visit.outside()
    finally:
        visit.close()
    for name in ("index.html", "compare.html"):
        visit = Visit(browser, (hostile_build / name).as_uri(), wait_maps=0)
        try:
            assert visit.page.evaluate("typeof window.__pwned") == "undefined"
            assert visit.page.locator("img").count() == 0
        finally:
            visit.close()
    for sc in (hostile_build / "scenarios").glob("*.html"):
        visit = Visit(browser, sc.as_uri(), wait_maps=2)
        try:
            assert visit.page.evaluate("typeof window.__pwned") == "undefined"
            assert visit.page.locator("img").count() == 0
        finally:
            visit.close()
    target = tmp_path / "zz.html"
    result = run_govgraph("map", "ZZ", "--out", str(hostile_build), "-o", str(target))
    assert result.returncode == 0, result.stderr
    visit = Visit(browser, target.as_uri())
    try:
        _assert_harmless(visit, "zz")
    finally:
        visit.close()


# -- the map model without a browser -------------------------------------------------------------------

def test_layout_is_fixed_and_physics_stops_past_a_few_hundred_nodes():

    nodes = [{"id": f"n{i}", "iri": f"https://example.org/n{i}", "label": f"Body {i}", "labels": {"en": f"Body {i}"},
              "kind": "agency", "size": 0.1, "levers": [], "mandates": []} for i in range(400)]
    edges = [{"source": f"n{i}", "target": f"n{(i * 7 + 1) % 400}", "type": "member", "weight": 1.0, "tie": True,
              "record": None} for i in range(400)]
    doc = {"country": "ZZ", "scenario": None, "as_of": "2016-06-30", "nodes": nodes, "edges": edges, "findings": [],
           "indicators": {}}
    a, b = mapmodel.map_model(doc), mapmodel.map_model(doc)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert a["data"]["options"]["physics"]["enabled"] is False
    small = dict(doc, nodes=nodes[:50], edges=[e for e in edges if int(e["source"][1:]) < 50
                                               and int(e["target"][1:]) < 50])
    assert mapmodel.map_model(small)["data"]["options"]["physics"]["enabled"] is True


@pytest.mark.parametrize("n", [800, 2600])  # the dense layout, and the grid layout past 2,000 nodes
def test_large_layouts_are_fixed_and_spread_out(n):

    ids = [f"n{i}" for i in range(n)]
    pairs = [(f"n{i}", f"n{(i * 7 + 1) % n}") for i in range(n)] + [(f"n{i}", f"n{i // 3}") for i in range(1, n)]
    one, two = mapmodel.layout(ids, pairs), mapmodel.layout(ids, pairs)
    assert one == two and set(one) == set(ids)
    assert len(set(one.values())) > 0.95 * n  # bodies do not pile up on each other
    xs = [x for x, _ in one.values()]
    assert max(xs) - min(xs) > 1000


def test_the_comparison_shows_every_countrys_movement_grouped_three_ways(real_build):
    """2016 → 2025 for all countries at once: each country once per grouping, its lead body on both
    dates; the groups are the placements, binding control or not, and the intergovernmental
    organisations (graph/groups.yaml) found in the data."""
    from govgraph.site import pages
    from govgraph.store import embedded

    countries = {p.stem.upper() for p in (REAL_DATA / "countries").glob("*.yaml")}
    m = pages.movement(embedded.open_store(real_build))
    for grouping in ("by_placement", "by_controls", "by_groups"):
        assert sorted(r["code"] for g in m[grouping] for r in g["rows"]) == sorted(countries)
    gb = next(r for r in m["rows"] if r["code"] == "GB")
    assert gb["groups"] == "OECD", "groups.yaml: the United Kingdom left the EU on 31 January 2020"
    cl = next(r for r in m["rows"] if r["code"] == "CL")
    # cl.yaml: the MDGU (SEGPRES, centre of government) in 2016; the SGD (Finance) in 2025
    assert (cl["before"]["placement"], cl["after"]["placement"], cl["moved"]) == (
        "centre of government", "finance ministry", True)
    page = (real_build / "compare.html").read_text(encoding="utf-8")
    assert 'id="movement"' in page
    assert page.count('scope="rowgroup"') == len(m["by_placement"]) + len(m["by_controls"]) + len(m["by_groups"])
