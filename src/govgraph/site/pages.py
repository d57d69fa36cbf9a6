"""Maps and the static site: pyvis (vis-network) pages that work offline, from `file://`.

Layer 4. Input is the analysis document of one arrangement (the JSON `analysis_run.report` writes to
``out/analysis/<key>.json``: ``nodes`` with their metrics and weak-point marks, ``edges``,
``findings``, ``indicators``), plus the facts a tooltip needs that the projection does not carry
(descriptions, thresholds, the sources of every record), read from the store by `details`.

Why our own page template rather than pyvis's: pyvis's template links Bootstrap and tom-select from
CDNs even in ``in_line`` mode, so a page opened from disk without a network breaks or leaks requests.
pyvis still holds the network (nodes, edges, options; `network`), filled directly — ``from_nx`` and
``add_edge`` check for duplicates by scanning every edge, quadratic on large graphs — and vis-network
itself is vendored in ``govgraph/static`` (MIT/Apache-2.0, see its LICENSE).

Why the layout is computed here: vis-network's own physics on a cold start takes minutes past a
thousand nodes and never gives the same picture twice; networkx's spring layout with a fixed seed
gives the same coordinates for the same graph, so the same input yields byte-identical pages. Below
`PHYSICS_MAX_NODES` physics relaxes that layout briefly and switches itself off; above, it stays off.

Labels are data: the pages carry them as JSON inside ``<script type="application/json">`` (with
``<``, ``>``, ``&`` and ``'`` escaped), HTML text goes through Jinja's autoescape, and the browser code
builds tooltips with ``textContent`` — a name holding ``<script>`` is shown, never run.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from govgraph.analysis import assess, indicators, metrics, projection, run, timeline
from govgraph.core.errors import QueryError, UsageError
from govgraph.core.memo import Memo, code_digest, digest
from govgraph.core.resources import query_text
from govgraph.core.resources import write_atomic as _write
from govgraph.core.vocab import CAST_DATES, CONCEPT_SCHEMES, KEY_LEVER_TYPES
from govgraph.curated.model import as_of_day
from govgraph.site import charts
from govgraph.site import years as year_pages
from govgraph.site.details import Details, details
from govgraph.site.mapmodel import _code_label, _num, layout, map_model
from govgraph.store import embedded, questions

_HERE = Path(__file__).resolve().parent
STATIC = _HERE / "static"
TEMPLATES = _HERE / "templates"
VIS_FILES = ("vis-network/vis-network.min.js", "vis-network/vis-network.css", "vis-network/LICENSE")
OWN_FILES = ("govgraph-map.js", "govgraph-years.js", "govgraph.css")


# -- from a store to an analysis document (adapter, for maps of any date) ----------------------------

def analysis_doc(source: Any, country: str, *, as_of: dt.date, scenario: str | None = None,
                 params: metrics.Params = metrics.Params()) -> dict[str, Any]:
    """Project and analyse one arrangement and return the document the maps read: exactly what the
    build writes to ``out/analysis/<key>.json`` (the same run, the same rounding). For maps of a date
    or scenario the build did not analyse, and for notebooks."""
    return run.report(run.analyse_one(source, country, as_of=as_of, scenario=scenario, params=params))


# -- pages ------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"], default=True),
                      undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True)
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False, "separators": (",", ":")}
    return env


@lru_cache(maxsize=1)
def _assets() -> dict[str, Markup]:
    """The vendored files, for pages that carry everything inline (one file: `map --o`, notebooks)."""
    def read(name: str) -> str:
        text = (STATIC / name).read_text(encoding="utf-8")
        if "</script" in text.lower() or "</style" in text.lower():
            raise UsageError(f"{name} cannot be inlined: it contains a closing script/style tag")
        return text
    return {"vis_js": Markup(read("vis-network/vis-network.min.js")), "vis_css": Markup(read("vis-network/vis-network.css")),
            "map_js": Markup(read("govgraph-map.js")), "site_css": Markup(read("govgraph.css"))}


def _render(template: str, **context: Any) -> str:
    inline = context.pop("inline", False)
    return _env().get_template(template).render(inline=inline, assets=_assets() if inline else {}, **context)


def _findings_view(doc: dict[str, Any], present: set[str], nature: str = "weakness") -> list[dict[str, Any]]:
    """The findings of one nature: weaknesses of the arrangement, or data gaps (they rest on a role
    nobody searched for, and say what to fill)."""
    return [{"id": f["id"], "severity": f["severity"] if nature == "weakness" else "gap",
             "statement": f["statement"] if nature == "weakness" else
             f"{f['statement']} — but this rests on {', '.join(f['evidence'].get('missing', []))}, which nobody "
             "searched for: a gap in the data, not a finding about the government.",
             "nodes": [x for x in f.get("evidence", {}).get("nodes", []) if x in present][:40]}
            for f in doc.get("findings", []) if f.get("nature", "weakness") == nature]


def _completeness(ind: dict[str, Any]) -> str:
    filled, searched, unknown = (ind.get(k, 0) for k in ("cast_filled", "cast_searched_not_found", "cast_unknown"))
    return (f"Standard cast on this day: {filled} role(s) filled, {searched} searched and not found, "
            f"{unknown} unknown.")


def _value(name: str, v: Any) -> str:
    """An indicator's value as the pages show it: shares as percentages, codes as words."""
    ind = indicators.catalogue().get(name)
    if isinstance(v, (int, float)) and not isinstance(v, bool) and ind and ind.unit.startswith("share"):
        return f"{v:.0%}"
    if isinstance(v, str):
        return _code_label(v) if name != "lead_label" else v
    return _num(v)


def _indicator_rows(ind: dict[str, Any]) -> list[dict[str, str]]:
    """A country page's key indicators (``key = true`` in queries/indicators.toml), by human name."""
    return [{"name": i.label, "unit": i.unit, "value": _value(i.name, ind.get(i.name)) or "–",
             "meaning": i.meaning} for i in indicators.catalogue().values() if i.key]


def _lede(model: dict[str, Any], ind: dict[str, Any]) -> str:
    return (f"Lead body: {ind.get('lead_label') or 'none designated'}"
            f"{' (' + _code_label(ind.get('lead_placement')) + ')' if ind.get('lead_placement') else ''}. "
            f"{model['nodes']} bodies and {model['edges']} ties on the map; "
            f"{ind.get('findings_total', 0)} weaknesses, {ind.get('findings_high', 0)} of high severity"
            f"{'; ' + str(ind['data_gaps']) + ' data gap(s)' if ind.get('data_gaps') else ''}.")


def _year_view(doc: dict[str, Any], model: dict[str, Any]) -> dict[str, Any]:
    """What the country page shows beside the map for one picture of the year control."""
    present = {n["id"] for n in model["data"]["nodes"]}
    ind = doc.get("indicators") or {}
    return {"lede": _lede(model, ind), "completeness": _completeness(ind),
            "findings": _findings_view(doc, present), "gaps": _findings_view(doc, present, "data-gap"),
            "indicators": [r["value"] for r in _indicator_rows(ind)]}


def map_page(doc: dict[str, Any], det: Details | None = None, *, inline: bool = True, root: str = "",
             country_name: str | None = None, links: list[dict[str, str]] | None = None,
             years: dict[str, Any] | None = None) -> str:
    """One arrangement's page: the map, details, findings, legend and key indicators.

    `inline` puts vis-network and the site's CSS/JS into the page (a single file that works anywhere);
    otherwise they are linked relatively under `root` + ``static/``. `years` (`site.years.year_model`):
    a year control that redraws the map, the findings and the indicators of each year, on the
    layout the first map shares."""
    model = map_model(doc, det, positions=years["positions"] if years else None)
    if years:  # one layout for every year: physics would move bodies off their places
        model["data"]["options"]["physics"]["enabled"] = False
        model["data"]["options"]["physics"]["stabilization"]["enabled"] = False
    if years and years["data"]["start"]:  # the year control draws this picture, tooltips and all
        for record in model["data"]["nodes"] + model["data"]["edges"]:
            record["info"] = []
    present = {n["id"] for n in model["data"]["nodes"]}
    name = country_name or doc["country"]
    if doc.get("scenario"):
        heading = f"{name}: scenario {doc['scenario']}"
    else:
        heading = f"{name}: digital-government governance"
    ind = doc.get("indicators") or {}
    lede = f"As of {doc['as_of']}. {_lede(model, ind)}"
    return _render("country.html", inline=inline, root=root, title=heading, heading=heading, lede=lede,
                   completeness=_completeness(ind), map=model, findings_list=_findings_view(doc, present),
                   gaps_list=_findings_view(doc, present, "data-gap"), indicators=_indicator_rows(ind),
                   links=links or [], as_of=doc["as_of"], uses_maps=True, years=years["data"] if years else None)


MARKS = {  # how a map marks what changed between the two pictures of a scenario page
    "added": {"border": "#1b7f3b", "dashes": False, "text": "added in this step"},
    "changed": {"border": "#b35900", "dashes": [6, 3], "text": "changed in this step (re-homed, lever, legal basis or placement)"},
    "removed": {"border": "#b3261e", "dashes": [2, 3], "text": "removed in this step"},
}


def _marks(changes: dict[str, list]) -> tuple[dict[str, str], dict[str, str], set, set]:
    """Which bodies a scenario page marks on the left (removed) and right (added, changed) map, and
    which ties it marks as added (right) and removed (left)."""
    left = {b: "removed" for b in changes["bodies_removed"]}
    right = {b: "added" for b in changes["bodies_added"]}
    touched = [r["body"] for r in changes["rehomed"]] + [b["body"] for b in changes["legal_basis"]]
    touched += [p["body"] for p in changes["placement"]] + [m["to"] for m in changes["levers_moved"]]
    touched += [m["from"] for m in changes["levers_moved"]] + [m["holder"] for m in changes["levers_added"]]
    touched += [m["holder"] for m in changes["levers_removed"]] + [m["holder"] for m in changes["mandates"]]
    for body in touched:
        right.setdefault(body, "changed")
    ties_added = {(t["source"], t["type"], t["target"]) for t in changes["ties_added"]}
    ties_added |= {(r["body"], r["tie"], r["to"]) for r in changes["rehomed"]}
    ties_removed = {(t["source"], t["type"], t["target"]) for t in changes["ties_removed"]}
    ties_removed |= {(r["body"], r["tie"], r["from"]) for r in changes["rehomed"]}
    return left, right, ties_added, ties_removed


def _mark_model(model: dict[str, Any], bodies: dict[str, str], ties: set, tie_mark: str,
                pos: dict[str, tuple[int, int]]) -> None:
    """Shared positions (physics off, so they stay) and the change marks, on one map's model."""
    model["data"]["options"]["physics"]["enabled"] = False
    model["data"]["options"]["physics"]["stabilization"]["enabled"] = False
    for node in model["data"]["nodes"]:
        node["x"], node["y"] = pos[node["id"]]
        mark = bodies.get(node["id"])
        if mark:
            style = MARKS[mark]
            node["color"] = dict(node["color"], border=style["border"])
            node["borderWidth"] = max(node.get("borderWidth", 1.5), 4)
            node["shapeProperties"] = {"borderDashes": style["dashes"]}
            node["change"] = mark
            node["info"] = [{"p": style["text"], "cls": "gg-change"}] + node["info"]
    for edge in model["data"]["edges"]:
        if (edge["from"], edge["type"], edge["to"]) in ties:
            style = MARKS[tie_mark]
            edge["color"] = dict(edge["color"], color=style["border"], opacity=1.0)
            edge["width"] = max(edge.get("width", 1), 3.5)
            edge["change"] = tie_mark


def _change_items(changes: dict[str, list], names: dict[str, str]) -> list[dict[str, str]]:
    """The differences of a scenario page, listed (what the marks on the maps show)."""
    n = lambda x: names.get(x, x)  # noqa: E731
    items = [{"kind": "added", "text": f"body added: {n(b)}"} for b in changes["bodies_added"]]
    items += [{"kind": "removed", "text": f"body removed: {n(b)}"} for b in changes["bodies_removed"]]
    items += [{"kind": "changed", "text": f"{n(r['body'])} re-homed ({r['tie']}): {n(r['from'])} → {n(r['to'])}"}
              for r in changes["rehomed"]]
    items += [{"kind": "changed", "text": f"lever {m['lever']} ({_code_label(m['type'])}) moved: {n(m['from'])} → {n(m['to'])}"}
              for m in changes["levers_moved"]]
    items += [{"kind": "added", "text": f"lever {m['lever']} ({_code_label(m['type'])}"
               f"{', binding' if m.get('binding') else ''}) held by {n(m['holder'])}"} for m in changes["levers_added"]]
    items += [{"kind": "removed", "text": f"lever {m['lever']} ({_code_label(m['type'])}) of {n(m['holder'])}"}
              for m in changes["levers_removed"]]
    for b in changes["legal_basis"]:
        items += [{"kind": "added", "text": f"{n(b['body'])}: legal basis {x.rsplit('/', 1)[-1]}"} for x in b["gained"]]
        items += [{"kind": "removed", "text": f"{n(b['body'])}: legal basis {x.rsplit('/', 1)[-1]}"} for x in b["lost"]]
    items += [{"kind": "changed", "text": f"{n(p['body'])}: placement {_code_label(p['from']) or '–'} → "
               f"{_code_label(p['to']) or '–'}"} for p in changes["placement"]]
    items += [{"kind": "changed" if m["from"] else "added",
               "text": f"mandate {m['mandate']} of {n(m['holder'])}: {_code_label(m['from']) or 'new'} → {_code_label(m['to'])}"
               + (f" (legal basis {', '.join(x.rsplit('/', 1)[-1] for x in m['basis_gained'])})" if m["basis_gained"] else "")}
              for m in changes["mandates"]]
    items += [{"kind": "changed", "text": "lead body: " + ", ".join(map(n, x["from"])) + " → " + ", ".join(map(n, x["to"]))}
              for x in changes["leads"]]
    items += [{"kind": "added", "text": f"tie added: {n(t['source'])} –{t['type']}→ {n(t['target'])}"}
              for t in changes["ties_added"]]
    items += [{"kind": "removed", "text": f"tie removed: {n(t['source'])} –{t['type']}→ {n(t['target'])}"}
              for t in changes["ties_removed"]]
    return items


def _assessment_view(tables: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The strengths-and-weaknesses tables of `analysis/scenarios.json`, as rows a page shows."""
    out = []
    for t in tables:
        rows = []
        for x in t["lines"]:
            if x["kind"] in ("resolves", "creates"):
                span = f"{x['severity']} {'data gap' if x.get('nature') == 'data-gap' else 'weakness'}"
                what = x.get("statement") or x["what"]
            else:
                span = f"{_num(x.get('from')) or '–'} → {_num(x.get('to')) or '–'}"
                what = x.get("meaning") or x["what"]
            rows.append({"kind": x["kind"], "id": x["what"], "what": what, "span": span,
                         "evidence": run._evidence_cell(x)})
        out.append({"against": t["against"], "rows": rows,
                    "counts": ", ".join(f"{n} {k}" for k, n in t["counts"].items() if n) or "no finding or indicator moves"})
    return out


@dataclass
class Step:
    """One picture of a scenario's roadmap: the baseline, a phase, or the scenario itself."""

    label: str           # "Baseline (2016-06-30)", "Phase 2 (years 2-3): …"
    when: str            # the date or the years it describes
    doc: dict[str, Any]  # its analysis document
    page: str | None = None  # the page that shows it against the step before it


def scenario_page(before: Step, after: Step, *, steps: list[Step], delta: dict[str, Any] | None,
                  assessment: list[dict[str, Any]], det_before: Details | None, det_after: Details | None,
                  title: str, root: str = "../", inline: bool = False) -> str:
    """A step of a scenario against the picture just before it, side by side: the same positions for
    the bodies both maps hold, the differences marked on the maps and listed, the roadmap as a
    timeline, and the strengths and weaknesses computed (`analysis.assess`)."""
    changes = assess.diff(assess.graph_of(before.doc), assess.graph_of(after.doc))
    left, right, ties_added, ties_removed = _marks(changes)
    ids = sorted({n["id"] for n in before.doc["nodes"]} | {n["id"] for n in after.doc["nodes"]})
    pairs = {(e["source"], e["target"]) for d in (before.doc, after.doc) for e in d["edges"]}
    pos = layout(ids, sorted(pairs))
    names = {n["id"]: n.get("label") or n["id"] for d in (before.doc, after.doc) for n in d["nodes"]}
    sides = []
    for step, det, mid, bodies, ties, mark in ((before, det_before, "before", left, ties_removed, "removed"),
                                                (after, det_after, "after", right, ties_added, "added")):
        model = map_model(step.doc, det, map_id=mid, positions=pos)  # its own layout would be replaced
        _mark_model(model, bodies, ties, mark, pos)
        present = {n["id"] for n in model["data"]["nodes"]}
        ind = step.doc.get("indicators") or {}
        sides.append({"title": f"{step.label}: lead body {ind.get('lead_label') or 'none'} "
                               f"({ind.get('findings_total', 0)} weaknesses)",
                      "map": model, "findings": _findings_view(step.doc, present) + _findings_view(step.doc, present, "data-gap")})
    rows = []
    if delta:
        for name, v in delta.get("indicators", {}).items():
            label = indicators.catalogue()[name].label if name in indicators.catalogue() else name
            rows.append({"name": label, "baseline": _num(v.get("baseline")), "scenario": _num(v.get("scenario")),
                         "delta": _num(v.get("delta")), "verdict": v.get("verdict", "")})
    view = {"resolved": delta.get("resolved", []), "added": delta.get("added", []), "rows": rows} if delta else None
    timeline = [{"label": s.label, "when": s.when, "href": s.page, "current": s is after,
                 "before": s is before} for s in steps]
    lede = (f"{after.doc['country']}: the picture {after.when} (right) against the picture just before it, "
            f"{before.when} (left). Bodies on both maps keep the same position; what this step adds, changes "
            "and removes is marked on the maps and listed below. Both pictures are read from the scenario's "
            f"graph on {after.doc['as_of']} (a scenario is a set of changes over its base date).")
    return _render("scenario.html", inline=inline, root=root, title=title, heading=title, lede=lede, sides=sides,
                   delta=view, changes=_change_items(changes, names), marks=MARKS, timeline=timeline,
                   assessment=_assessment_view(assessment), as_of=after.doc["as_of"], uses_maps=True)


# -- the site ---------------------------------------------------------------------------------------


def movement(source: Any) -> dict[str, Any]:
    """Every country's lead body, where it sits, and the binding controls it holds, on the first and
    the last cast date, grouped three ways (by the later placement; by whether the lead body then
    holds a binding spending control or project approval; by the intergovernmental organisations the
    country then belongs to): the comparison page's 'movement' section."""
    from govgraph.core.vocab import CAST_DATES

    sel = embedded.selector(source)
    first, last = (dt.date.fromisoformat(d) for d in (CAST_DATES[0], CAST_DATES[-1]))
    seen: dict[str, dict[str, Any]] = {}
    for day, key in ((first, "before"), (last, "after")):
        result = questions.run(questions.load_question("lead-placement"), sel, as_of=day)
        for row in result.rows:
            values = dict(zip(result.columns, row))
            cc = values["countryCode"].value
            entry = seen.setdefault(cc, {"code": cc, "cc": cc.lower()})
            entry[key] = {"lead": (values.get("label") or values["leadBody"]).value,
                          "placement": _code_label(values["placement"].value.rsplit("/", 1)[1])
                          if values.get("placement") is not None else "–", "controls": 0}
        result = questions.run(questions.load_question("lead-binding-controls"), sel, as_of=day)
        for row in result.rows:
            cc = dict(zip(result.columns, row))["countryCode"].value
            if key in seen.get(cc, {}):
                seen[cc][key]["controls"] += 1
    members: dict[str, list[str]] = {}
    result = questions.run(questions.load_question("group-membership"), sel, as_of=last)
    for row in result.rows:
        values = dict(zip(result.columns, row))
        name = (values.get("acronym") or values.get("label") or values["group"]).value
        members.setdefault(values["countryCode"].value, []).append(name)
    rows = []
    for cc in sorted(seen):
        entry = seen[cc]
        entry["groups"] = " · ".join(sorted(members.get(cc, []))) or "none recorded"
        entry.setdefault("before", {"lead": "none", "placement": "–", "controls": 0})
        entry.setdefault("after", {"lead": "none", "placement": "–", "controls": 0})
        entry["moved"] = entry["before"]["placement"] != entry["after"]["placement"]
        entry["renamed"] = entry["before"]["lead"] != entry["after"]["lead"]
        rows.append(entry)

    def grouped(key) -> list[dict[str, Any]]:
        groups: dict[str, list] = {}
        for r in rows:
            groups.setdefault(key(r), []).append(r)
        return [{"name": name, "rows": members} for name, members in sorted(groups.items())]

    return {"first": first.isoformat(), "last": last.isoformat(), "rows": rows,
            "by_placement": grouped(lambda r: r["after"]["placement"]),
            "by_controls": grouped(lambda r: "holds a binding control" if r["after"]["controls"]
                                   else "holds no binding control"),
            "by_groups": grouped(lambda r: f"member of {r['groups']}" if members.get(r["code"]) else "member of none of the recorded organisations")}


def comparison_view(comparison: dict[str, Any], docs: dict[str, dict[str, Any]],
                    names: dict[str, dict[str, str]], concepts: dict[tuple[str, str], str] | None = None
                    ) -> dict[str, Any]:
    """What the comparison page shows: the table (by human name, with units), the rank heat map, and
    the matrix of where each lead body sits and which key levers it holds, each chart with the rows
    of the table beside it."""
    inds = comparison["indicators"]
    ranks = comparison["ranks"]
    rows = comparison["rows"]
    present = {i["name"]: sum(1 for r in rows if r.get(i["name"]) is not None) for i in inds}
    table, heat = [], []
    for r in rows:
        code = r["country"]
        cells = [{"value": _value(i["name"], r.get(i["name"])), "rank": ranks[code].get(i["name"]),
                  "of": present[i["name"]]} for i in inds]
        entry = {"cc": code.lower(), "code": code, "name": _name(names, code.lower()),
                 "lead": r.get("lead_label") or "none", "focus": code == comparison["focus"]}
        table.append({**entry, "cells": [{"value": c["value"], "rank": _num(c["rank"])} for c in cells]})
        heat.append({**entry, "cells": [{"rank": c["rank"], "of": c["of"],
                                         "text": f"{c['value']}, rank {_num(c['rank'])} of {c['of']}"}
                                        for c in cells]})
    columns = [charts.Column(i["name"], i["label"]) for i in inds]
    heatmap = charts.heatmap(
        heat, columns, title="Each country's rank on each indicator",
        desc=f"A grid of {len(heat)} countries (rows) by {len(columns)} indicators (columns); each cell is "
             "the country's rank on the indicator, darker for a stronger arrangement (rank 1). The table "
             "after the chart holds every value and rank.")

    placements_seen = {(docs[r["country"].lower()].get("indicators") or {}).get("lead_placement") or ""
                       for r in rows}
    order = list(CONCEPT_SCHEMES.get("placement", ()))
    concepts = concepts or {}

    def word(scheme: str, code: str) -> str:
        return concepts.get((scheme, code)) or _code_label(code)

    placement_cols = [charts.Column(p, word("placement", p)) for p in sorted(
        placements_seen - {""}, key=lambda p: (order.index(p) if p in order else len(order), p))]
    if "" in placements_seen:
        placement_cols.append(charts.Column("", "not recorded"))
    lever_cols = [charts.Column(t, word("lever-type", t)) for t in KEY_LEVER_TYPES]
    held_rows = []
    for r in rows:
        doc = docs[r["country"].lower()]
        held: dict[str, str] = {}
        for n in doc.get("nodes", []):
            if not n.get("lead"):
                continue
            for lv in n.get("levers") or []:
                if lv["type"] in KEY_LEVER_TYPES and held.get(lv["type"]) != charts.BINDING_MARK:
                    held[lv["type"]] = charts.BINDING_MARK if lv.get("binding") else charts.NON_BINDING_MARK
        placement = (doc.get("indicators") or {}).get("lead_placement") or ""
        held_rows.append({"cc": r["country"].lower(), "code": r["country"], "name": _name(names, r["country"].lower()),
                          "focus": r["country"] == comparison["focus"], "lead": r.get("lead_label") or "none",
                          "placement": placement,
                          "placement_label": word("placement", placement) if placement else "not recorded",
                          "levers": held, "cells": [held.get(t, "–") for t in KEY_LEVER_TYPES]})
    matrix = charts.matrix(
        held_rows, placement_cols, lever_cols, title="Where each lead body sits and the key levers it holds",
        desc=f"{len(held_rows)} countries (rows). Left: a dot in the column of the lead body's placement. "
             "Right: a filled square where the lead body holds a binding lever of that type, an outlined "
             "square where it holds a non-binding one. The table beside the chart says the same in words.")
    return {"indicators": inds, "rows": table, "heatmap": Markup(heatmap), "matrix": Markup(matrix),
            "lever_columns": [c.label for c in lever_cols], "held": held_rows,
            "catalogue": [i for i in indicators.catalogue().values() if i.better]}


def copy_static(out: Path) -> list[Path]:
    """Vendored assets into ``<out>/static`` (vis-network with its licence, the site's CSS and JS)."""
    return [_write(Path(out) / "static" / name, (STATIC / name).read_bytes()) for name in VIS_FILES + OWN_FILES]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise QueryError(f"cannot read the analysis file {path}: {exc} (run `govgraph build`)") from exc


def _rows(source: Any, sparql: str, baseline: bool = True) -> list[tuple]:
    """The rows of a SELECT over the baseline's graphs (`baseline=False`: over the store's default graph)."""
    sel = embedded.selector(source)
    return sel.select(sparql, graphs=embedded.dataset_of(sel) if baseline else None)[1]


def concept_labels(source: Any) -> dict[tuple[str, str], str]:
    """(scheme, notation) → the concept's English label, from the ontology in the store."""
    labels: dict[tuple[str, str], str] = {}
    for scheme, notation, label in _rows(source, query_text("site/concept-labels")):
        key = (scheme.value.rsplit("/", 1)[-1], notation.value)
        labels[key] = min(labels.get(key, label.value), label.value)
    return labels


def country_names(source: Any) -> dict[str, dict[str, str]]:
    """Lower-case code → {lang: name} for every country in the store."""
    names: dict[str, dict[str, str]] = {}
    for code, label in _rows(source, query_text("site/country-names")):
        slot = names.setdefault(code.value.lower(), {})
        if label is not None:
            slot.setdefault(getattr(label, "language", None) or "", label.value)
    return names


def scenario_titles(source: Any) -> dict[str, str]:
    titles: dict[str, dict[str, str]] = {}
    for s, title in _rows(source, query_text("site/scenario-titles"), baseline=False):
        slot = titles.setdefault(s.value.rsplit("/", 1)[-1], {})
        if title is not None:
            slot.setdefault(getattr(title, "language", None) or "", title.value)
    return {k: v.get("en") or next(iter(sorted(v.values())), k) for k, v in titles.items()}


def _name(names: dict[str, dict[str, str]], cc: str) -> str:
    v = names.get(cc, {})
    return v.get("en") or next(iter(sorted(v.values())), cc.upper())


@dataclass
class SiteReport:
    pages: list[Path]
    countries: list[str]
    scenarios: list[str]
    bytes: int


def _kept(kept: Memo | None, key: str | None, path: Path, draw) -> Path:
    """Write to `path` the page an earlier build kept under `key`, or the one `draw()` makes (kept
    for the next build). A None key: the page's inputs are not all known, so it is drawn."""
    return _write(path, (kept or Memo()).through([key] if key is not None else [], lambda: [draw()])[0])


def _listing(out: Path, template: str, kept: Memo | None, **context: Any) -> Path:
    """A page drawn from a small context computed on every build (it is its own key: the template is
    part of govgraph's code)."""
    key = digest(code_digest(), "listing", template, json.dumps(context, sort_keys=True, ensure_ascii=False))
    return _kept(kept, key, out / template, lambda: _render(template, **context).encode("utf-8"))


def _country_pages(out: Path, drawing: dict[str, tuple[str | None, Callable[[Any], bytes]]], source: Any,
                   kept: Memo | None, reopen: Callable[[], Any] | None) -> list[Path]:
    """countries/<cc>.html for every country in `drawing` (cc → its key, `draw(source)`): those an
    earlier build kept under their key from `kept`, the others drawn on two cores when the store can
    be opened again in a second process (`reopen`), and kept."""
    from govgraph.core.background import on_two_cores

    found = {cc: kept.get(key) if kept is not None and key is not None else None for cc, (key, _) in drawing.items()}
    todo = [cc for cc, page in found.items() if page is None]

    opener = os.getpid()

    def draw(codes: list[str]) -> dict[str, bytes]:
        # a forked child reads the store through a handle of its own
        src = source if os.getpid() == opener or reopen is None else reopen()
        return {cc: drawing[cc][1](src) for cc in codes}

    drawn = on_two_cores(todo, draw) if reopen is not None else draw(todo)
    written = []
    for cc, (key, _) in drawing.items():
        page = found[cc] if found[cc] is not None else drawn[cc]
        if found[cc] is None and key is not None and kept is not None:
            kept.put(key, page)
        written.append(_write(out / "countries" / f"{cc}.html", page))
    return written


def write_site(out: Path, source: Any = None, *, focus: str | None = None,
               years: dict[str, timeline.Years] | None = None, kept: Memo | None = None,
               inputs: dict[str, str] | None = None, coming: Iterable[str] = ()) -> SiteReport:
    """The static site of a build: ``index.html``, ``countries/<cc>.html``, ``compare.html``,
    ``scenarios.html`` and ``scenarios/<id>.html``, ``years.html`` (every country over time),
    ``queries.html``, ``static/``.

    Reads the analysis files (``<out>/analysis/*.json``) and, for tooltips, the store in ``<out>``
    (or `source`). A scenario whose baseline was analysed on another date than the build's is
    analysed here (`analysis_doc`). `years`: every country year by year (`timeline.analyse_all_years`),
    analysed here when not given, for the year controls. With `kept` (a Memo) and `inputs` (view →
    a digest of everything in the store its pages show: its graph, its inferences, the sources; a view
    is a country, a scenario or a phase, as `pipeline.view_inputs` names them), a page an earlier
    build made from the same inputs and analysis is not drawn again. `coming`: files (paths under
    `out`) another process is still writing, which the pages link to as if they were there."""
    out = Path(out)
    coming = set(coming)

    def present(path: str) -> bool:
        return path in coming or (out / path).exists()

    folder = out / "analysis"
    inputs = inputs or {}
    opened_here = source is None
    if source is None:
        source = embedded.open_store(out)
    written = copy_static(out)
    memo: dict = {}  # the sources cited so far, per set of graphs (`details`)
    focus = focus or projection.focus_country(source)
    names = country_names(source)
    titles = scenario_titles(source)
    ccs = sorted(p.stem for p in folder.glob("??.json"))
    raw = {cc: (folder / f"{cc}.json").read_bytes() for cc in ccs}
    docs = {cc: _read_json(folder / f"{cc}.json") for cc in ccs}
    as_of = next((d["as_of"] for d in docs.values()), "")
    if years is None:
        years = timeline.analyse_all_years(source, countries=ccs)
    graphs_dir = out / "graphs"
    drawing: dict[str, tuple[str | None, Callable[[Any], bytes]]] = {}  # cc → its page's key, how to draw it
    for cc in ccs:
        doc = docs[cc]
        links = [{"href": f"../analysis/{cc}.md", "text": "analysis report (Markdown)"},
                 {"href": f"../analysis/{cc}.json", "text": "analysis with every metric (JSON)"}]
        links += [{"href": f"../graphs/{cc}.{ext}", "text": f"the country graph ({label})"}
                  for ext, label in (("ttl", "Turtle"), ("jsonld", "JSON-LD"), ("nt", "N-Triples"))
                  if present(f"graphs/{cc}.{ext}")]
        key = digest(code_digest(), "country page", cc, inputs[cc], raw[cc], _name(names, cc), repr(links),
                     repr(years[cc].years) if cc in years else "") if cc in inputs else None

        def draw(source: Any, cc=cc, doc=doc, links=links) -> bytes:
            year_data = None
            if cc in years:
                pictures = year_pages.reports(years[cc])
                union = {"scenario": None, "nodes": [n for d in [doc] + pictures for n in d["nodes"]],
                         "edges": [e for d in [doc] + pictures for e in d["edges"]]}
                det = details(source, union, cache=memo)
                year_data = year_pages.year_model(years[cc], pictures, det, _year_view, map_id=cc,
                                                  initial_year=dt.date.fromisoformat(doc["as_of"]).year,
                                                  start=doc["as_of"] == timeline.year_day(
                                                      dt.date.fromisoformat(doc["as_of"]).year).isoformat())
            else:
                det = details(source, doc, cache=memo)
            return map_page(doc, det, inline=False, root="../", country_name=_name(names, cc), links=links,
                            years=year_data).encode("utf-8")
        drawing[cc] = (key, draw)
    written += _country_pages(out, drawing, source, kept, reopen=(lambda: embedded.open_store(out)) if opened_here
                              else None)

    if years:
        written.append(_listing(out, "years.html", kept, root="", title="Every country over time", as_of=as_of,
                                uses_maps=False, first_cast=CAST_DATES[0],
                                **year_pages.over_time(years, {cc: _name(names, cc) for cc in years})))

    deltas = _read_json(folder / "scenarios.json") if (folder / "scenarios.json").exists() else []
    scen_rows = []
    for d in sorted(deltas, key=lambda x: x["scenario"]):
        sid, cc = d["scenario"], d["country"].lower()
        files: dict[int, bytes | None] = {}  # step → the bytes of its analysis file (None: analysed here)

        def read(path: Path, step: int) -> dict[str, Any] | None:
            files[step] = path.read_bytes() if path.exists() else None
            return _read_json(path) if files[step] is not None else None

        alt = read(folder / f"scenario-{sid}.json", -1) or analysis_doc(
            source, cc, as_of=dt.date.fromisoformat(d["as_of"]), scenario=sid)
        base = docs.get(cc) if docs.get(cc, {}).get("as_of") == d["as_of"] else None
        files[0] = raw[cc] if base is not None else None
        base = base or analysis_doc(source, cc, as_of=dt.date.fromisoformat(d["as_of"]))
        title = f"{_name(names, cc)}: {titles.get(sid, sid)}"
        steps = [Step(f"Baseline ({d['as_of']})", f"on the base date, {d['as_of']}", base)]
        phases = d.get("phases") or []
        for ph in phases:
            doc = read(folder / f"scenario-{sid}-phase-{ph['order']}.json", len(steps)) or analysis_doc(
                source, cc, as_of=dt.date.fromisoformat(d["as_of"]), scenario=ph["key"])
            steps.append(Step(f"Phase {ph['order']} ({ph['when']}): {ph['title']}",
                              f"after phase {ph['order']} ({ph['when']})", doc,
                              f"{sid}-phase-{ph['order']}.html" if ph is not phases[-1] else f"{sid}.html"))
        if not phases:
            files[1] = files[-1]
            steps.append(Step("Scenario", "under the scenario", alt, f"{sid}.html"))
        roadmap = repr([(s.label, s.when, s.page) for s in steps])
        step_details: dict[int, Details] = {}  # a step is the right map of one page, the left of the next

        def det_of(j: int) -> Details:
            if j not in step_details:
                step_details[j] = details(source, steps[j].doc, cache=memo)
            return step_details[j]

        for i in range(1, len(steps)):
            tables = (phases[i - 1]["assessment"] if phases else []) or []
            if i == len(steps) - 1:
                tables = d.get("assessment", []) + [t for t in tables if t["against"] == "previous phase"]
            page_title = title if i == len(steps) - 1 else f"{title} — phase {i}"
            delta = phases[i - 1] if phases else d
            views = [inputs.get(steps[j].doc.get("scenario") or cc) for j in (i - 1, i)]
            key = None if None in views or None in (files[i - 1], files[i]) else digest(
                code_digest(), "scenario page", steps[i].page, page_title, roadmap,
                json.dumps([delta, tables], sort_keys=True), files[i - 1], files[i], *views)

            def draw(i=i, tables=tables, page_title=page_title, delta=delta) -> bytes:
                return scenario_page(steps[i - 1], steps[i], steps=steps, delta=delta, assessment=tables,
                                     det_before=det_of(i - 1), det_after=det_of(i),
                                     title=page_title).encode("utf-8")
            written.append(_kept(kept, key, out / "scenarios" / steps[i].page, draw))
        scen_rows.append({"id": sid, "title": titles.get(sid, sid), "country": cc.upper(), "as_of": d["as_of"],
                          "resolved": len(d.get("resolved", [])), "added": len(d.get("added", [])),
                          "lead_before": (base.get("indicators") or {}).get("lead_label") or "none",
                          "lead_after": (alt.get("indicators") or {}).get("lead_label") or "none",
                          "phases": len(phases)})
    written.append(_listing(out, "scenarios.html", kept, root="", scenarios=scen_rows,
                            title=(f"{_name(names, focus.lower())}'s baseline beside each scenario" if focus
                                   else "Each country's baseline beside its scenarios"),
                            as_of=as_of, uses_maps=False))

    # every country's analysis, and the store's baseline view (`movement`): every country's inputs
    key = digest(code_digest(), "compare page", as_of, focus or "", repr(sorted(names.items())),
                 *(part for cc in ccs for part in (cc, inputs[cc], raw[cc]))) if all(
                     cc in inputs for cc in ccs) else None

    def compare_page() -> bytes:
        rows = [docs[cc]["indicators"] for cc in ccs]
        comparison = indicators.compare(rows, focus=focus if focus in {r["country"] for r in rows} else None)
        return _render("compare.html", root="", title="All countries on the same indicators", as_of=as_of,
                       uses_maps=False, focus=comparison["focus"], movement=movement(source),
                       **comparison_view(comparison, docs, names, concept_labels(source))).encode("utf-8")
    written.append(_kept(kept, key, out / "compare.html", compare_page))

    countries = []
    for cc in ccs:
        ind = docs[cc]["indicators"]
        links = [{"href": f"analysis/{cc}.md", "text": "report"}]
        links += [{"href": f"graphs/{cc}.ttl", "text": "Turtle"}] if present(f"graphs/{cc}.ttl") else []
        countries.append({"cc": cc, "code": cc.upper(), "name": _name(names, cc), "focus": cc.upper() == focus,
                          "lead": ind.get("lead_label") or "none designated",
                          "placement": _code_label(ind.get("lead_placement")) or "–",
                          "nodes": ind.get("nodes"), "edges": ind.get("edges"),
                          "lead_rank": _num(ind.get("lead_betweenness_rank")),
                          "reach": f"{ind['reach']:.0%}" if isinstance(ind.get("reach"), (int, float)) else "–",
                          "key_levers": _num(ind.get("lead_key_levers")), "components": _num(ind.get("components")),
                          "findings": ind.get("findings_total", 0), "high": ind.get("findings_high", 0),
                          "links": links})
    downloads = [{"href": p, "text": p, "note": note} for p, note in (
        ("govgraph.trig", "every named graph in one file (TriG)"), ("govgraph.nq", "the same as N-Quads"),
        ("context.jsonld", "the JSON-LD context"), ("coverage.md", "what the data covers, and the known gaps"),
        ("analysis/compare.csv", "every country on the same indicators (CSV)"),
        ("analysis/scenarios.csv", "what each scenario changes (CSV)")) if present(p)]
    downloads += [{"href": p, "text": p, "note": ""}
                  for p in sorted({f"graphs/{f.name}" for f in graphs_dir.glob("*.ttl")}
                                  | {p for p in coming if p.startswith("graphs/") and p.endswith(".ttl")})]
    written.append(_listing(out, "index.html", kept, root="", title="Countries", countries=countries,
                            scenarios=scen_rows, downloads=downloads, as_of=as_of, uses_maps=False))

    try:
        library = questions.list_questions()
    except Exception:  # noqa: BLE001 — a broken library must not stop the site; the page says so
        library = []
    qs = [{"name": q.name, "title": q.title, "question": q.question, "text": q.text,
           "params": [p.describe() for p in q.params]} for q in library]
    written.append(_listing(out, "queries.html", kept, root="", title="Query library", questions=qs, as_of=as_of,
                            uses_maps=False))
    return SiteReport(pages=written, countries=ccs, scenarios=[r["id"] for r in scen_rows],
                      bytes=sum(p.stat().st_size for p in written))


# -- one map on its own, and in a notebook ----------------------------------------------------------

def standalone_map(source: Any, country: str, *, as_of: dt.date, scenario: str | None = None) -> str:
    """A single self-contained HTML page (vis-network inline) mapping one arrangement on `as_of`."""
    cc = country.lower()
    known = projection.countries(source)
    if cc not in known:
        raise UsageError(f"no country {country.upper()} in this build (known: {', '.join(c.upper() for c in known)})")
    doc = analysis_doc(source, cc, as_of=as_of, scenario=scenario)
    names = country_names(source)
    return map_page(doc, details(source, doc), inline=True, country_name=_name(names, cc))


def notebook_map(country: str, *, out: str | Path = "out", scenario: str | None = None,
                 as_of: dt.date | int | str | None = None, height: int = 720):
    """Show a map inside Jupyter: ``from govgraph.site.pages import notebook_map; notebook_map("CL")``.

    Returns an ``IPython.display.HTML`` holding an ``<iframe srcdoc=…>`` with the whole page inline,
    so it works offline and in notebook front-ends that strip scripts from cell output (JupyterLab,
    VS Code, Colab run the iframe's scripts in their own sandboxed document). `as_of` is a date, a year
    (30 June of it) or an ISO date string; the default is the OECD baseline (30 June 2016).
    """
    from IPython.display import HTML

    page = standalone_map(embedded.open_store(Path(out)), country, as_of=as_of_day(as_of), scenario=scenario)
    with warnings.catch_warnings():  # IPython suggests IFrame, which cannot carry srcdoc
        warnings.simplefilter("ignore")
        return HTML(f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;height:{int(height)}px;'
                    f'border:0" sandbox="allow-scripts allow-popups"></iframe>')
