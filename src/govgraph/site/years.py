"""The year control's data (pure): every picture of a country's history, drawn on one layout, packed
for the page.

Why one layout over the union of every year's bodies and ties: a body keeps its place from one year to
the next, so what changes is what moves in or out, not the whole drawing. Why tables of distinct
records with indices per picture: most bodies and ties look the same in many pictures, and most of a
tooltip (names, levers, sources) is the same even when its metrics change, so each distinct record,
tooltip block and finding is written once; the page stays
within twice the weight of a single-year page (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import bisect
import json
from typing import Any, Callable

from govgraph.analysis import run, timeline
from govgraph.core.vocab import CONCEPT_SCHEMES, KEY_LEVER_TYPES
from govgraph.site import mapmodel
from govgraph.site.details import Details
from govgraph.site.mapmodel import SEED, layout, map_model

View = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]

_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode  # made once: json.dumps with options makes one a call


def union_layout(docs: list[dict[str, Any]], *, seed: int = SEED) -> dict[str, tuple[int, int]]:
    """One fixed-seed layout over every body and tie of every picture."""
    nodes = sorted({n["id"] for d in docs for n in d["nodes"]}, key=str)
    pairs = sorted({(e["source"], e["target"]) for d in docs for e in d["edges"]}, key=str)
    return layout(nodes, pairs, seed=seed)


def edge_key(e: dict[str, Any]) -> str:
    """A tie's identity across pictures (vis ids are per map)."""
    return f"{e['from']}|{e['type']}|{e['to']}"


def year_model(years: timeline.Years, docs: list[dict[str, Any]], det: Details, view: View, *,
               initial_year: int, map_id: str, start: bool = False) -> dict[str, Any]:
    """`docs`: the report of each of `years`' pictures (`run.report`), in order; `view(doc, model)`:
    what the page shows beside the map for one picture (lede, findings, indicator values).

    Returns ``positions`` (the layout the page's first map must use too) and ``data``, the JSON the
    page embeds: the years, the picture each year shows, the distinct node and edge records (a node's
    with the name and levers the map's table shows), and per picture the indices of its records, its
    counts, its lever types' counts and its view; the labels of kinds, relations and lever types, for
    the map's table and the lever filter the page redraws. `start`: the page's first map is
    the initial year's picture, so the control draws it from these tables and the first map need not
    carry its tooltips (`map_page` leaves them out): the page carries each once."""
    pos = union_layout(docs)
    tables: dict[str, dict[Any, int]] = {"values": {}, "blocks": {}}
    out: dict[str, list[Any]] = {"values": [], "blocks": []}
    keys: dict[str, list[str]] = {"node": [], "edge": [], "finding": []}
    records: dict[str, list[Any]] = {"node": [], "edge": [], "finding": []}
    seen: dict[str, dict[tuple, int]] = {"node": {}, "edge": {}, "finding": {}}

    def intern(value: Any, table: str) -> int:
        # a JSON value's identity: its type and itself for a scalar, its canonical text otherwise
        key = (float, repr(value)) if isinstance(value, float) else (type(value), value) \
            if isinstance(value, (str, int, type(None))) else _CANONICAL(value)
        if key not in tables[table]:
            tables[table][key] = len(out[table])
            out[table].append(value)
        return tables[table][key]

    def pack(record: dict[str, Any], kind: str) -> int:
        """A record as the indices of its values (in the order of `keys[kind]`, -1: absent); tooltip
        blocks are indices into the block table."""
        if "info" in record:
            record = dict(record, info=[intern(b, "blocks") for b in record["info"] or []])
        for k in sorted(record):
            if k not in keys[kind]:
                keys[kind].append(k)
        packed = [intern(record[k], "values") if k in record else -1 for k in keys[kind]]
        key = tuple(packed)
        if key not in seen[kind]:
            seen[kind][key] = len(records[kind])
            records[kind].append(packed)
        return seen[kind][key]

    pictures = []
    lever_labels: dict[str, str] = {}
    for doc in docs:
        model = map_model(doc, det, map_id=map_id, positions=pos)
        raw = {n["id"]: n for n in doc["nodes"]}  # the map's table names each body and its levers
        nodes = [pack({k: v for k, v in n.items() if k not in ("x", "y")}
                      | {"fullName": mapmodel.body_name(raw[n["id"]]), "leverText": mapmodel.body_levers(raw[n["id"]])}, "node")
                 for n in model["data"]["nodes"]]
        edges = [pack(dict(e, id=edge_key(e)), "edge") for e in model["data"]["edges"]]
        lever_labels.update({t["id"]: t["label"] for t in model["lever_types"]})
        shown = view(doc, model)
        for key in ("findings", "gaps"):
            shown[key] = [pack(f, "finding") for f in shown[key]]
        pictures.append({"nodes": nodes, "edges": edges, "counts": [model["nodes"], model["edges"]],
                         "levers": [[t["id"], t["count"]] for t in model["lever_types"]], "view": shown})
    for year in years.years:  # a picture's first year (the ticks), and the change it follows
        picture = pictures[years.of_year[year]]
        if "first" not in picture:
            at = bisect.bisect_right(years.days, timeline.year_day(year))
            picture.update(first=year, changed=years.days[at - 1].isoformat() if at else "")
    return {"positions": pos, "data": {
        "map": map_id, "years": years.years, "pick": [years.of_year[y] for y in years.years],
        "initial": initial_year, "start": start, "pictures": pictures, "keys": keys, "records": records,
        "values": out["values"], "blocks": out["blocks"], "title": docs[0]["country"] if docs else map_id.upper(),
        "kinds": {k: label for k, (label, _, _) in sorted(mapmodel.KINDS.items())} | {"": mapmodel.OTHER_KIND[0]},
        "relations": {t: r[1] for t, r in sorted(mapmodel.RELATIONS.items())} | {"": mapmodel.OTHER_RELATION[1]},
        "leverLabels": dict(sorted(lever_labels.items())),
        "positions": {k: list(v) for k, v in sorted(pos.items(), key=lambda kv: str(kv[0]))}}}


def reports(years: timeline.Years) -> list[dict[str, Any]]:
    """The analysis document of each picture (what `out/analysis/<cc>.json` holds for one day)."""
    return [run.report(a) for a in years.pictures]


# -- every country over time: where the lead body sits and the key levers it holds -------------------

# a categorical palette, distinct for colour-blind readers (Okabe–Ito), given to the placement scheme's
# concepts in their order; absent lead body: grey
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000")
NO_LEAD = "#c9c9c9"


def _cell(a: run.Analysis, year: int) -> dict[str, Any]:
    ind = a.indicators
    lead = ind.get("lead") or None
    levers = (a.graph.nodes[lead].get("levers") or []) if lead in a.graph else []
    key = [lv for lv in levers if lv["type"] in KEY_LEVER_TYPES]
    return {"year": year, "lead": ind.get("lead_label") or "none designated", "placement": ind.get("lead_placement") or "",
            "key": sorted({lv["type"] for lv in key if lv.get("binding")}),
            "advisory": sorted({lv["type"] for lv in key if not lv.get("binding")} - {lv["type"] for lv in key
                                                                                       if lv.get("binding")}),
            "findings": ind.get("findings_total", 0), "high": ind.get("findings_high", 0)}


def over_time(years: dict[str, timeline.Years], names: dict[str, str]) -> dict[str, Any]:
    """For every country and year: the lead body, its placement and the key lever types it holds
    (binding, and not binding), as spells of unchanged years (the table) and as one small chart per
    country (a bar per year: colour the placement, height the binding key levers)."""
    placements = list(CONCEPT_SCHEMES.get("placement", ()))
    colour = {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(placements)}
    countries = []
    span: list[int] = []
    for cc in sorted(years):
        y = years[cc]
        span = span or y.years
        cells = [_cell(y.analysis(year), year) for year in y.years]
        spells: list[dict[str, Any]] = []
        for c in cells:
            same = ("lead", "placement", "key", "advisory")
            if spells and all(spells[-1][k] == c[k] for k in same):
                spells[-1]["last"] = c["year"]
            else:
                spells.append({k: c[k] for k in same} | {"first": c["year"], "last": c["year"]})
        for s in spells:
            s["placement_label"] = s["placement"].replace("-", " ") or "–"
            s["key_label"] = ", ".join(k.replace("-", " ") for k in s["key"]) or "none"
            s["advisory_label"] = ", ".join(k.replace("-", " ") for k in s["advisory"])
        bars = [{"x": i * 9, "height": 6 + 8 * len(c["key"]), "colour": colour.get(c["placement"], NO_LEAD) if
                 c["placement"] or c["lead"] != "none designated" else NO_LEAD, "year": c["year"]}
                for i, c in enumerate(cells)]
        placed = [s["placement"] for s in spells if s["placement"]]
        moves = sum(1 for a, b in zip(placed, placed[1:]) if a != b)
        countries.append({"cc": cc, "code": cc.upper(), "name": names.get(cc, cc.upper()), "spells": spells,
                          "bars": bars, "width": 9 * len(cells), "moves": moves,
                          "summary": f"{names.get(cc, cc.upper())}: " + "; ".join(
                              f"{s['first']}–{s['last']} {s['lead']} ({s['placement_label']}), key levers: {s['key_label']}"
                              for s in spells)})
    return {"years": span, "countries": countries, "height": 6 + 8 * len(KEY_LEVER_TYPES),
            "key_levers": [k.replace("-", " ") for k in KEY_LEVER_TYPES],
            "legend": [{"label": p.replace("-", " "), "colour": colour[p]} for p in placements]
            + [{"label": "no lead body, or placement not recorded", "colour": NO_LEAD}]}
