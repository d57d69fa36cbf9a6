"""The year control on country pages, in Debian's headless chromium from file:// (as test_render):
moving it redraws the map to each year's picture (counted against the projection of that day, not
against the page's own data), keeps bodies where they were, marks what is new, and asks nothing of
the network. A screenshot per year goes to <out>/screenshots/ for a person to look at."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from govgraph.analysis import run, timeline
from govgraph.site import mapmodel
from test_render import Visit, axe, projected

pytestmark = pytest.mark.slow


def _years_data(page_file: Path) -> dict:
    text = page_file.read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" class="gg-years-data">(.*?)</script>', text, re.S)
    assert found, f"{page_file.name} has no year control"
    return json.loads(found.group(1))


def _drawn(visit: Visit, cc: str) -> tuple[set[str], set[tuple[str, str]]]:
    nodes, edges = visit.page.evaluate(
        f"[window.govgraphMaps['{cc}'].nodes.getIds(), window.govgraphMaps['{cc}'].edges.get().map(e => [e.from, e.to])]")
    return set(nodes), {tuple(e) for e in edges}


def test_every_country_page_has_a_labelled_year_control_over_the_span(real_build: Path):
    from govgraph.store import embedded

    years = list(timeline.dataset_span(embedded.open_store(real_build)))
    for page in sorted((real_build / "countries").glob("*.html")):
        data = _years_data(page)
        assert data["years"] == years, page.name
        assert len(data["pick"]) == len(years) and max(data["pick"]) == len(data["pictures"]) - 1
        text = page.read_text(encoding="utf-8")
        control = re.search(r'<input type="range" id="(year-[a-z]{2})"[^>]*>', text)
        assert control and f'<label for="{control.group(1)}">' in text, page.name


def test_the_year_control_redraws_each_years_picture(browser, real_build: Path):
    from govgraph.store import embedded

    cc = "cl"
    page_file = real_build / "countries" / f"{cc}.html"
    data = _years_data(page_file)
    db = embedded.open_store(real_build)
    history = timeline.analyse_years(db, cc, data["years"])
    # years showing different pictures: the first, one in the middle and the last, and the next one
    # after the build's year (to step there with the keyboard)
    distinct = sorted({data["pick"][i]: y for i, y in reversed(list(enumerate(data["years"])))}.items())
    chosen = [distinct[0][1], distinct[len(distinct) // 2][1], distinct[-1][1]]
    assert len({data["pick"][data["years"].index(y)] for y in chosen}) == 3
    shots = real_build / "screenshots"
    shots.mkdir(exist_ok=True)
    visit = Visit(browser, page_file.as_uri())
    try:
        page = visit.page
        control = page.locator(f"#year-{cc}")
        assert control.get_attribute("type") == "range"
        # the first view is the build's year, drawn by the control
        start = data["initial"]
        G = projected(real_build, cc, as_of=timeline.year_day(start))
        assert visit.counts()[cc] == [G.number_of_nodes(), G.number_of_edges()]
        places = page.evaluate(f"window.govgraphMaps['{cc}'].network.getPositions()")
        # keyboard: focus the control, step one year on
        control.focus()
        page.keyboard.press("ArrowRight")
        assert page.locator("output.gg-year-value").inner_text() == str(start + 1)
        G = projected(real_build, cc, as_of=timeline.year_day(start + 1))
        assert visit.counts()[cc] == [G.number_of_nodes(), G.number_of_edges()]
        for year in chosen:
            control.fill(str(year))
            day = timeline.year_day(year)
            G = projected(real_build, cc, as_of=day)
            assert visit.counts()[cc] == [G.number_of_nodes(), G.number_of_edges()], year
            nodes, edges = _drawn(visit, cc)
            assert nodes == set(G.nodes), year
            assert edges == {(u, v) for u, v, _ in G.edges(keys=True)}, year
            # the relation filters count that year's ties
            labels = page.evaluate(f"""Array.from(document.querySelectorAll('#map-{cc} input.gg-group'))
                .map(c => [c.value, c.nextSibling.textContent])""")
            groups = page.evaluate(f"window.govgraphMaps['{cc}'].edges.get().map(e => e.group)")
            for group, text in labels:
                assert text.strip().endswith(f"({groups.count(group)})"), (year, group, text)
            # findings beside the map are that year's
            weaknesses = [f for f in run.analyse_one(db, cc, as_of=day).findings if f.nature == "weakness"]
            assert page.locator(f"#findings-{cc} ul.gg-findings > li").count() == len(weaknesses), year
            assert f"As of {day.isoformat()}" in page.locator(f"#lede-{cc}").inner_text()
            # what is new since the picture before is marked, and only that
            k = history.of_year[year]
            added = set(page.evaluate(f"window.govgraphMaps['{cc}'].nodes.get({{filter: n => n.added}}).map(n => n.id)"))
            if k == 0:
                assert added == set()
            else:
                before = projected(real_build, cc, as_of=timeline.year_day(
                    next(y for y in data["years"] if history.of_year[y] == k - 1)))
                assert added == set(G.nodes) - set(before.nodes), year
            # a body keeps its place from one year to the next
            now = page.evaluate(f"window.govgraphMaps['{cc}'].network.getPositions()")
            for node in set(now) & set(places):
                assert (round(now[node]["x"]), round(now[node]["y"])) == \
                       (round(places[node]["x"]), round(places[node]["y"])), (year, node)
            places.update(now)
            page.wait_for_timeout(300)
            page.screenshot(path=str(shots / f"{cc}-{year}.png"))
            assert (shots / f"{cc}-{year}.png").stat().st_size > 20_000
        assert "gone" in page.locator(".gg-year-changes").inner_text()
        assert not visit.errors, visit.errors
        assert not visit.outside(), visit.outside()
    finally:
        visit.close()


def test_the_maps_table_and_lever_filter_follow_the_year(browser, real_build: Path):
    """The map's text alternative lists the bodies and ties of the year drawn (its captions say the
    year) and the lever-type filter counts that year's levers, for three years of different pictures:
    counted against the analysis of that day, not against the page's own data; axe-core finds no
    WCAG 2 A/AA violation once the table is redrawn."""
    from govgraph.store import embedded

    cc = "cl"
    page_file = real_build / "countries" / f"{cc}.html"
    data = _years_data(page_file)
    db = embedded.open_store(real_build)
    distinct = sorted({data["pick"][i]: y for i, y in reversed(list(enumerate(data["years"])))}.items())
    chosen = [distinct[-1][1], distinct[0][1], distinct[len(distinct) // 2][1]]
    visit = Visit(browser, page_file.as_uri())
    try:
        page = visit.page
        table = page.locator(f"#map-{cc} details.gg-map-table")
        table.locator("summary").click()
        bodies, ties = table.locator("table").nth(0), table.locator("table").nth(1)
        seen = []
        for year in chosen:
            page.locator(f"#year-{cc}").fill(str(year))
            doc = run.report(run.analyse_one(db, cc, as_of=timeline.year_day(year)))
            picture = data["pictures"][data["pick"][data["years"].index(year)]]
            assert picture["counts"] == [len(doc["nodes"]), len(doc["edges"])], year
            names = bodies.locator("tbody th[scope=row]").all_inner_texts()
            assert sorted(names) == sorted(mapmodel.body_name(n) for n in doc["nodes"]), year
            assert ties.locator("tbody tr").count() == len(doc["edges"]), year
            assert bodies.locator("tbody tr td:nth-child(3)", has_text="lead body").count() == \
                sum(1 for n in doc["nodes"] if n["lead"]), year
            assert f"{len(doc['nodes'])} bodies and {len(doc['edges'])} ties" in table.locator("summary").inner_text()
            for caption in table.locator("caption").all_inner_texts():
                assert f"as of {year}-06-30" in caption, (year, caption)
            held = Counter(lv["type"] for n in doc["nodes"] for lv in n["levers"] or [])
            options = page.evaluate(f"""Array.from(document.querySelectorAll('#map-{cc} select.gg-lever option'))
                .filter(o => o.value).map(o => [o.value, o.textContent])""")
            assert {v: int(text.rsplit("(", 1)[1].rstrip(")")) for v, text in options} == held, year
            seen.append((tuple(names), tuple(sorted(held.items()))))
        assert len(set(seen)) == len(chosen)  # three different tables and filters
        assert axe(page) == []
        assert not visit.errors, visit.errors
        assert not visit.outside(), visit.outside()
    finally:
        visit.close()


def test_every_country_over_time_as_charts_and_a_table(browser, real_build: Path):
    """years.html: one chart per country with a bar per year, and the table of periods saying the same
    in words; each period's lead body and placement are those of the analysis of its years."""
    from govgraph.store import embedded

    db = embedded.open_store(real_build)
    span = list(timeline.dataset_span(db))
    countries = sorted(p.stem for p in (real_build / "analysis").glob("??.json"))
    visit = Visit(browser, (real_build / "years.html").as_uri(), wait_maps=0)
    try:
        page = visit.page
        assert page.locator("figure svg[role=img]").count() == len(countries)
        assert page.locator("figure svg rect").count() == len(countries) * len(span)
        assert page.locator("tbody th[scope=rowgroup]").count() == len(countries)
        periods = page.evaluate("""Array.from(document.querySelectorAll('tbody tr')).map(tr => {
            const cells = Array.from(tr.querySelectorAll('td')).map(td => td.textContent.trim());
            const head = tr.querySelector('th'); return [head ? head.textContent.trim() : null, ...cells]; })""")
        by_country: dict[str, list] = {}
        current = None
        for row in periods:
            current = row[0] or current
            by_country.setdefault(current, []).append(row[1:])
        assert sorted(by_country) == [cc.upper() for cc in countries]
        for code, rows in by_country.items():  # the periods cover the span, in order, without gaps
            years = [int(y) for r in rows for y in r[0].split("–")]
            assert years[0] == span[0] and years[-1] == span[-1], code
        for cc, year in (("cl", span[0]), ("cl", span[-1]), ("gb", 2016), ("ee", 2020)):
            ind = run.analyse_one(db, cc, as_of=timeline.year_day(year)).indicators
            row = next(r for r in by_country[cc.upper()]
                       if int(r[0].split("–")[0]) <= year <= int(r[0].split("–")[-1]))
            assert row[1] == (ind["lead_label"] or "none designated"), (cc, year)
            assert row[2] == ((ind["lead_placement"] or "").replace("-", " ") or "–"), (cc, year)
        shots = real_build / "screenshots"
        shots.mkdir(exist_ok=True)
        page.screenshot(path=str(shots / "years.png"), full_page=True)
        assert not visit.errors and not visit.outside(), (visit.errors, visit.outside())
    finally:
        visit.close()
