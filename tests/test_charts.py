"""The comparison page's static SVG charts (site/charts.py) and the view that feeds them, without a
browser: well-formed, labelled for assistive technology, readable (text contrast), escaped, and
byte-identical for the same input. The browser tests in test_render.py check them on a real build."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from govgraph.analysis import indicators
from govgraph.site import charts, pages

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(1)</script> & \"q\""


def _row(code: str, **values):
    base = {i: None for i in indicators.catalogue()}
    base.update({"country": code, "lead_label": f"Lead of {code}", "lead_placement": "", **values})
    return base


@pytest.fixture
def three():
    rows = [_row("AA", reach=0.9, lead_degree=5, lead_placement="centre-of-government", findings_total=1),
            _row("BB", reach=0.5, lead_degree=5, lead_placement="finance-ministry", findings_total=4),
            _row("CC", reach=None, lead_degree=1, findings_total=2)]
    docs = {"aa": {"indicators": rows[0], "nodes": [
                {"id": "x", "lead": True, "levers": [{"type": "ict-budget", "binding": True},
                                                     {"type": "procurement", "binding": False}]}]},
            "bb": {"indicators": rows[1], "nodes": [{"id": "y", "lead": True, "levers": []}]},
            "cc": {"indicators": rows[2], "nodes": []}}
    names = {"aa": {"en": "Aland"}, "bb": {"en": HOSTILE}, "cc": {}}
    return indicators.compare(rows, focus="BB"), docs, names


def test_every_fill_carries_its_rank_number_at_aa_contrast():
    for of in (1, 2, 7, 31, 200):
        for rank in range(1, of + 1):
            fill = charts.rank_fill(rank, of)
            assert charts.contrast(fill, charts.text_on(fill)) >= 4.5, (rank, of, fill)
    assert charts.rank_fill(None, 31) == charts.MISSING
    assert charts.rank_fill(1, 31) != charts.rank_fill(31, 31)
    assert round(charts.contrast("#000000", "#ffffff"), 2) == 21.0


def test_the_comparison_charts_hold_the_table_and_are_labelled(three):
    comparison, docs, names = three
    view = pages.comparison_view(comparison, docs, names)
    inds = comparison["indicators"]
    heat = ET.fromstring(str(view["heatmap"]))
    assert heat.get("role") == "img" and heat.get("aria-label")
    assert heat.find(f"{SVG}title").text and heat.find(f"{SVG}desc").text
    rows = heat.findall(f".//{SVG}g[@class='gg-row']")
    assert [g.get("data-code") for g in rows] == ["AA", "BB", "CC"]
    for g in rows:
        code = g.get("data-code")
        cells = g.findall(f"{SVG}g[@class='gg-cell']")
        assert len(cells) == len(inds)
        shown = [c.find(f"{SVG}text").text for c in cells]
        assert shown == ["–" if comparison["ranks"][code][i["name"]] is None else str(comparison["ranks"][code][i["name"]])
                         for i in inds]
        assert any(HOSTILE in c.find(f"{SVG}title").text for c in cells) == (code == "BB")
    # the headings are the human names, never the variable names
    headings = [t.text for t in heat.findall(f"{SVG}text") if t.get("transform")]
    assert headings == [i["label"] for i in inds]
    assert not set(headings) & {i["name"] for i in inds}

    matrix = ET.fromstring(str(view["matrix"]))
    assert matrix.get("role") == "img" and matrix.get("aria-label") and matrix.find(f"{SVG}desc").text
    marks = {g.get("data-code"): ([c.get("data-placement") for c in g.iter(f"{SVG}circle")],
                                  {r.get("data-lever"): r.get("data-mark") for r in g.iter(f"{SVG}rect")})
             for g in matrix.findall(f".//{SVG}g[@class='gg-row']")}
    assert marks == {"AA": (["centre-of-government"], {"ict-budget": "binding", "procurement": "non-binding"}),
                     "BB": (["finance-ministry"], {}), "CC": ([""], {})}
    # the table beside the matrix says the same in words
    held = {r["code"]: (r["placement_label"], r["cells"]) for r in view["held"]}
    assert held["CC"][0] == "not recorded" and "binding" in held["AA"][1] and "non-binding" in held["AA"][1]


def test_same_input_same_bytes(three):
    comparison, docs, names = three
    one = pages.comparison_view(comparison, docs, names)
    two = pages.comparison_view(comparison, docs, names)
    assert str(one["heatmap"]) == str(two["heatmap"]) and str(one["matrix"]) == str(two["matrix"])
