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
from govgraph.site.details import Details
from govgraph.site.mapmodel import SEED, layout, map_model

View = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]


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
    page embeds: the years, the picture each year shows, the distinct node and edge records, and per
    picture the indices of its records, its counts and its view. `start`: the page's first map is
    the initial year's picture, so the control draws it from these tables and the first map need not
    carry its tooltips (`map_page` leaves them out): the page carries each once."""
    pos = union_layout(docs)
    tables: dict[str, dict[str, int]] = {"values": {}, "blocks": {}}
    out: dict[str, list[Any]] = {"values": [], "blocks": []}
    keys: dict[str, list[str]] = {"node": [], "edge": [], "finding": []}
    records: dict[str, list[Any]] = {"node": [], "edge": [], "finding": []}
    seen: dict[str, dict[str, int]] = {"node": {}, "edge": {}, "finding": {}}

    def intern(value: Any, table: str) -> int:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False)
        if text not in tables[table]:
            tables[table][text] = len(out[table])
            out[table].append(value)
        return tables[table][text]

    def pack(record: dict[str, Any], kind: str) -> int:
        """A record as the indices of its values (in the order of `keys[kind]`, -1: absent); tooltip
        blocks are indices into the block table."""
        if "info" in record:
            record = dict(record, info=[intern(b, "blocks") for b in record["info"] or []])
        for k in sorted(record):
            if k not in keys[kind]:
                keys[kind].append(k)
        packed = [intern(record[k], "values") if k in record else -1 for k in keys[kind]]
        text = json.dumps(packed)
        if text not in seen[kind]:
            seen[kind][text] = len(records[kind])
            records[kind].append(packed)
        return seen[kind][text]

    pictures = []
    for doc in docs:
        model = map_model(doc, det, map_id=map_id, positions=pos)
        nodes = [pack({k: v for k, v in n.items() if k not in ("x", "y")}, "node") for n in model["data"]["nodes"]]
        edges = [pack(dict(e, id=edge_key(e)), "edge") for e in model["data"]["edges"]]
        shown = view(doc, model)
        for key in ("findings", "gaps"):
            shown[key] = [pack(f, "finding") for f in shown[key]]
        pictures.append({"nodes": nodes, "edges": edges,
                         "counts": [model["nodes"], model["edges"]], "view": shown})
    for year in years.years:  # a picture's first year (the ticks), and the change it follows
        picture = pictures[years.of_year[year]]
        if "first" not in picture:
            at = bisect.bisect_right(years.days, timeline.year_day(year))
            picture.update(first=year, changed=years.days[at - 1].isoformat() if at else "")
    return {"positions": pos, "data": {
        "map": map_id, "years": years.years, "pick": [years.of_year[y] for y in years.years],
        "initial": initial_year, "start": start, "pictures": pictures, "keys": keys, "records": records,
        "values": out["values"], "blocks": out["blocks"],
        "positions": {k: list(v) for k, v in sorted(pos.items(), key=lambda kv: str(kv[0]))}}}


def reports(years: timeline.Years) -> list[dict[str, Any]]:
    """The analysis document of each picture (what `out/analysis/<cc>.json` holds for one day)."""
    return [run.report(a) for a in years.pictures]
