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
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from govgraph.analysis import indicators, metrics, projection, run, timeline
from govgraph.core.errors import QueryError, UsageError
from govgraph.core.resources import write_atomic as _write
from govgraph.core.vocab import CAST_DATES
from govgraph.curated.model import as_of_day
from govgraph.site import years as year_pages
from govgraph.site.details import Details, _graphs, _select, details
from govgraph.site.mapmodel import _code_label, _num, map_model
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


KEY_INDICATORS = (("lead_label", "lead body"), ("lead_placement", "where the lead body sits"),
                  ("nodes", "bodies on the map"), ("edges", "ties (undirected, merged)"),
                  ("lead_betweenness_rank", "the lead body's rank by betweenness (1 = most central)"),
                  ("lead_degree", "bodies tied directly to the lead body"),
                  ("reach", "share of ministries within two steps of the lead body"),
                  ("lead_key_levers", "binding budget/approval levers the lead body holds"),
                  ("key_levers_misaligned", "key levers held with no tie to the lead body"),
                  ("components", "disconnected parts of the network"),
                  ("articulation_points", "single points of failure"),
                  ("lead_legal_basis", "the lead body's legal basis"),
                  ("findings_high", "high-severity weaknesses"), ("findings_total", "all weaknesses"),
                  ("data_gaps", "findings that rest on a role nobody searched for (data gaps)"),
                  ("cast_unknown", "cast roles neither filled nor searched on the day"))


def _indicator_rows(ind: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    for name, meaning in KEY_INDICATORS:
        v = ind.get(name)
        if name == "reach" and isinstance(v, (int, float)):
            text = f"{v:.0%}"
        elif isinstance(v, str):
            text = _code_label(v) if name != "lead_label" else v
        else:
            text = _num(v)
        rows.append({"name": name, "value": text or "–", "meaning": meaning})
    return rows


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


def scenario_page(base: dict[str, Any], alt: dict[str, Any], delta: dict[str, Any] | None,
                  det_base: Details | None, det_alt: Details | None, *, title: str, root: str = "../",
                  inline: bool = False) -> str:
    """The baseline and a scenario side by side, with what the scenario changes."""
    sides = []
    for label, doc, det, mid in (("Baseline", base, det_base, "baseline"), ("Scenario", alt, det_alt, "scenario")):
        model = map_model(doc, det, map_id=mid)
        present = {n["id"] for n in model["data"]["nodes"]}
        ind = doc.get("indicators") or {}
        sides.append({"title": f"{label}: lead body {ind.get('lead_label') or 'none'} "
                               f"({ind.get('findings_total', 0)} weaknesses)",
                      "map": model, "findings": _findings_view(doc, present) + _findings_view(doc, present, "data-gap")})
    rows = []
    if delta:
        for name, v in delta.get("indicators", {}).items():
            rows.append({"name": name, "baseline": _num(v.get("baseline")), "scenario": _num(v.get("scenario")),
                         "delta": _num(v.get("delta")), "verdict": v.get("verdict", "")})
    view = {"resolved": delta.get("resolved", []), "added": delta.get("added", []), "rows": rows} if delta else None
    lede = (f"{alt['country']} as of {alt['as_of']}: the baseline arrangement (left) and the scenario's (right). "
            "Positions are laid out separately for each map.")
    return _render("scenario.html", inline=inline, root=root, title=title, heading=title, lede=lede, sides=sides,
                   delta=view, as_of=alt["as_of"], uses_maps=True)


# -- the site ---------------------------------------------------------------------------------------


def movement(source: Any) -> dict[str, Any]:
    """Every country's lead body, where it sits, and the binding controls it holds, on the first and
    the last cast date, grouped three ways (by the later placement; by whether the lead body then
    holds a binding spending control or project approval; by the intergovernmental organisations the
    country then belongs to): the comparison page's 'movement' section."""
    from govgraph.core.vocab import CAST_DATES

    sel = projection._selector(source)
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


def copy_static(out: Path) -> list[Path]:
    """Vendored assets into ``<out>/static`` (vis-network with its licence, the site's CSS and JS)."""
    return [_write(Path(out) / "static" / name, (STATIC / name).read_bytes()) for name in VIS_FILES + OWN_FILES]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise QueryError(f"cannot read the analysis file {path}: {exc} (run `govgraph build`)") from exc


_COUNTRY_QUERY = """PREFIX gg: <https://w3id.org/govgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?code ?label WHERE { ?c a gg:Country ; gg:iso3166Alpha2 ?code . OPTIONAL { ?c rdfs:label ?label } }"""

_SCENARIO_QUERY = """PREFIX gg: <https://w3id.org/govgraph/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?s ?title WHERE { GRAPH ?g { ?s a gg:Scenario . OPTIONAL { ?s dcterms:title ?title } } }"""


def country_names(source: Any) -> dict[str, dict[str, str]]:
    """Lower-case code → {lang: name} for every country in the store."""
    names: dict[str, dict[str, str]] = {}
    for code, label in _select(source, _COUNTRY_QUERY, _graphs(source, None)):
        slot = names.setdefault(code.value.lower(), {})
        if label is not None:
            slot.setdefault(getattr(label, "language", None) or "", label.value)
    return names


def scenario_titles(source: Any) -> dict[str, str]:
    titles: dict[str, dict[str, str]] = {}
    for s, title in _select(source, _SCENARIO_QUERY, None):
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


def write_site(out: Path, source: Any = None, *, focus: str | None = None,
               years: dict[str, timeline.Years] | None = None) -> SiteReport:
    """The static site of a build: ``index.html``, ``countries/<cc>.html``, ``compare.html``,
    ``scenarios.html`` and ``scenarios/<id>.html``, ``years.html`` (every country over time),
    ``queries.html``, ``static/``.

    Reads the analysis files (``<out>/analysis/*.json``) and, for tooltips, the store in ``<out>``
    (or `source`). A scenario whose baseline was analysed on another date than the build's is
    analysed here (`analysis_doc`). `years`: every country year by year (`timeline.analyse_all_years`),
    analysed here when not given, for the year controls."""
    out = Path(out)
    folder = out / "analysis"
    if source is None:
        source = embedded.open_store(out)
    written = copy_static(out)
    memo: dict = {}  # the sources table, read once per set of graphs
    focus = focus or projection.focus_country(source)
    names = country_names(source)
    titles = scenario_titles(source)
    ccs = sorted(p.stem for p in folder.glob("??.json"))
    docs = {cc: _read_json(folder / f"{cc}.json") for cc in ccs}
    as_of = next((d["as_of"] for d in docs.values()), "")
    if years is None:
        years = timeline.analyse_all_years(source, countries=ccs)
    graphs_dir = out / "graphs"
    for cc in ccs:
        doc = docs[cc]
        links = [{"href": f"../analysis/{cc}.md", "text": "analysis report (Markdown)"},
                 {"href": f"../analysis/{cc}.json", "text": "analysis with every metric (JSON)"}]
        links += [{"href": f"../graphs/{cc}.{ext}", "text": f"the country graph ({label})"}
                  for ext, label in (("ttl", "Turtle"), ("jsonld", "JSON-LD"), ("nt", "N-Triples"))
                  if (graphs_dir / f"{cc}.{ext}").exists()]
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
        page = map_page(doc, det, inline=False, root="../", country_name=_name(names, cc), links=links,
                        years=year_data)
        written.append(_write(out / "countries" / f"{cc}.html", page.encode("utf-8")))

    if years:
        written.append(_write(out / "years.html", _render(
            "years.html", root="", title="Every country over time", as_of=as_of, uses_maps=False,
            first_cast=CAST_DATES[0], **year_pages.over_time(years, {cc: _name(names, cc) for cc in years}))
            .encode("utf-8")))

    deltas = _read_json(folder / "scenarios.json") if (folder / "scenarios.json").exists() else []
    scen_rows = []
    for d in sorted(deltas, key=lambda x: x["scenario"]):
        sid, cc = d["scenario"], d["country"].lower()
        alt_path = folder / f"scenario-{sid}.json"
        alt = _read_json(alt_path) if alt_path.exists() else analysis_doc(
            source, cc, as_of=dt.date.fromisoformat(d["as_of"]), scenario=sid)
        base = docs.get(cc) if docs.get(cc, {}).get("as_of") == d["as_of"] else None
        base = base or analysis_doc(source, cc, as_of=dt.date.fromisoformat(d["as_of"]))
        title = f"{_name(names, cc)}: {titles.get(sid, sid)}"
        page = scenario_page(base, alt, d, details(source, base, cache=memo), details(source, alt, cache=memo),
                             title=title)
        written.append(_write(out / "scenarios" / f"{sid}.html", page.encode("utf-8")))
        scen_rows.append({"id": sid, "title": titles.get(sid, sid), "country": cc.upper(), "as_of": d["as_of"],
                          "resolved": len(d.get("resolved", [])), "added": len(d.get("added", [])),
                          "lead_before": (base.get("indicators") or {}).get("lead_label") or "none",
                          "lead_after": (alt.get("indicators") or {}).get("lead_label") or "none"})
    written.append(_write(out / "scenarios.html", _render(
        "scenarios.html", root="", scenarios=scen_rows,
        title=(f"{_name(names, focus.lower())}'s baseline beside each scenario" if focus
               else "Each country's baseline beside its scenarios"),
        as_of=as_of, uses_maps=False).encode("utf-8")))

    rows = [docs[cc]["indicators"] for cc in ccs]
    comparison = indicators.compare(rows, focus=focus if focus in {r["country"] for r in rows} else None)
    written.append(_write(out / "compare.html", _render(
        "compare.html", root="", title="All countries on the same indicators", as_of=as_of, uses_maps=False,
        focus=comparison["focus"], indicators=comparison["indicators"], movement=movement(source),
        rows=[{"cc": r["country"].lower(), "code": r["country"], "lead": r.get("lead_label") or "none",
               "focus": r["country"] == comparison["focus"],
               "cells": [{"value": _num(r.get(i["name"])),
                          "rank": _num(comparison["ranks"][r["country"]].get(i["name"]))}
                         for i in comparison["indicators"]]} for r in rows]).encode("utf-8")))

    countries = []
    for cc in ccs:
        ind = docs[cc]["indicators"]
        links = [{"href": f"analysis/{cc}.md", "text": "report"}]
        links += [{"href": f"graphs/{cc}.ttl", "text": "Turtle"}] if (graphs_dir / f"{cc}.ttl").exists() else []
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
        ("analysis/scenarios.csv", "what each scenario changes (CSV)")) if (out / p).exists()]
    downloads += [{"href": f"graphs/{p.name}", "text": f"graphs/{p.name}", "note": ""}
                  for p in sorted(graphs_dir.glob("*.ttl"))]
    written.append(_write(out / "index.html", _render(
        "index.html", root="", title="Countries", countries=countries, scenarios=scen_rows, downloads=downloads,
        as_of=as_of, uses_maps=False).encode("utf-8")))

    try:
        library = questions.list_questions()
    except Exception:  # noqa: BLE001 — a broken library must not stop the site; the page says so
        library = []
    qs = [{"name": q.name, "title": q.title, "question": q.question, "text": q.text,
           "params": [p.describe() for p in q.params]} for q in library]
    written.append(_write(out / "queries.html", _render(
        "queries.html", root="", title="Query library", questions=qs, as_of=as_of, uses_maps=False).encode("utf-8")))
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
