"""What the year control costs: build time, page weight and time to draw, with and without it.

    python benchmarks/years.py [--out out] [--runs 5] [--write]

Both sides are measured in the same run on the same build (a copy of `--out`): the site written
without year controls (`write_site(years={})`, the single-year pages) and with them (the year-by-year
analysis, `timeline.analyse_all_years`, plus `write_site(years=…)`). Build cost is CPU time of the
process (the machine is shared: wall time says more about the neighbours than about govgraph). Time to
draw: Debian's headless chromium opens Chile's page from file:// and waits until the map is drawn (and,
with the control, its first year); then every year is drawn once through the control. Medians of
`--runs` interleaved runs. `--write` puts the table in benchmarks/YEARS.md.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def cpu(fn):
    start = time.process_time()
    result = fn()
    return time.process_time() - start, result


def draw_times(page_file: Path, runs: int, browser) -> tuple[list[float], list[float]]:
    ready, per_year = [], []
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        page.goto(page_file.as_uri())
        page.wait_for_function("window.govgraphMaps && window.govgraphMaps.cl"
                               " && (!document.querySelector('.gg-years') || window.govgraphYears)", polling=5)
        ready.append(page.evaluate("performance.now()"))
        if page.evaluate("!!window.govgraphYears"):
            per_year.append(page.evaluate("""() => { const y = window.govgraphYears.cl, t = performance.now();
                y.data.years.forEach(v => y.draw(v)); return (performance.now() - t) / y.data.years.length; }"""))
        context.close()
    return ready, per_year


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="a finished build (govgraph build)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="write benchmarks/YEARS.md")
    args = parser.parse_args(argv)

    from govgraph.analysis import timeline
    from govgraph.site import pages
    from govgraph.store import embedded

    work = Path(tempfile.mkdtemp(prefix="govgraph-years-"))
    try:
        sides = {}
        for side in ("single year", "year control"):
            folder = work / side.replace(" ", "-")
            shutil.copytree(args.out, folder, ignore=shutil.ignore_patterns("screenshots", "maps"))
            sides[side] = folder
        analyse, site_before, site_after = [], [], []
        for _ in range(max(1, args.runs // 2)):
            seconds, years = cpu(lambda: timeline.analyse_all_years(embedded.open_store(sides["year control"])))
            analyse.append(seconds)
            site_before.append(cpu(lambda: pages.write_site(sides["single year"], years={}))[0])
            site_after.append(cpu(lambda: pages.write_site(sides["year control"], years=years))[0])
        pictures = sum(len(y.pictures) for y in years.values())
        span = next(iter(years.values())).years

        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            ready = {side: [] for side in sides}
            per_year: list[float] = []
            for _ in range(args.runs):  # interleaved
                for side, folder in sides.items():
                    r, y = draw_times(folder / "countries" / "cl.html", 1, browser)
                    ready[side] += r
                    per_year += y
            browser.close()

        def kb(path: Path) -> float:
            return path.stat().st_size / 1024

        def folder_kb(path: Path) -> float:
            return sum(f.stat().st_size for f in path.glob("*.html")) / 1024

        med = statistics.median
        before, after = sides["single year"], sides["year control"]
        rows = [
            ("Chile's page (KB)", f"{kb(before / 'countries' / 'cl.html'):.0f}", f"{kb(after / 'countries' / 'cl.html'):.0f}",
             kb(after / "countries" / "cl.html") / kb(before / "countries" / "cl.html")),
            ("every country page (KB)", f"{folder_kb(before / 'countries'):.0f}", f"{folder_kb(after / 'countries'):.0f}",
             folder_kb(after / "countries") / folder_kb(before / "countries")),
            ("Chile drawn, from navigation (ms)", f"{med(ready['single year']):.0f}", f"{med(ready['year control']):.0f}",
             med(ready["year control"]) / med(ready["single year"])),
            ("writing the site (CPU s)", f"{med(site_before):.2f}", f"{med(site_after):.2f}", med(site_after) / med(site_before)),
            ("analysing every year (CPU s)", "–", f"{med(analyse):.2f}", None),
            ("site + years (CPU s)", f"{med(site_before):.2f}", f"{med(site_after) + med(analyse):.2f}",
             (med(site_after) + med(analyse)) / med(site_before)),
        ]
        lines = ["# The year control: what it costs", "",
                 f"Generated by `python benchmarks/years.py` ({args.runs} runs, medians). {len(years)} countries, "
                 f"{span[0]}–{span[-1]} ({len(span)} years), {pictures} distinct pictures analysed "
                 f"({len(years['cl'].pictures)} for Chile). One year drawn through the control: "
                 f"{med(per_year):.1f} ms (median over every year of Chile). CPU times of this process; the machine "
                 "is shared, so wall times are not shown.", "",
                 "| measure | single-year pages | with the year control | ratio |", "|---|---|---|---|"]
        lines += [f"| {name} | {a} | {b} | {'' if r is None else f'{r:.2f}×'} |" for name, a, b, r in rows]
        text = "\n".join(lines) + "\n"
        print(text)
        if args.write:
            (HERE / "YEARS.md").write_text(text, encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
