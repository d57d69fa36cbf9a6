"""A country's arrangement year by year: one analysis per distinct picture, reused between changes.

Why snapshots rather than one analysis per year: a country's picture only changes on the days a
record starts or ends (``from:``/``until:``, half-open), so the years between two such days share one
picture. Each distinct picture is projected and analysed once, on the first year's day (30 June) that
falls in it; every later year up to the next change reads the same analysis. That keeps the site's
year control and the panel export cheap: a country with 30 years and 6 changes costs 7 analyses.

The span is read from the data, one for every country so that their years line up: from the year
the data first records who leads digital government (the earliest dated lead-body designation, or the
first standard-cast date if none is earlier) to the last year in which a record starts (or the last
cast date, if later). Older dates exist (a ministry founded in 1961, EU accession in 1973) but say
nothing about how digital government was led. Records without dates hold throughout, so early years
show what the curated data says, no more: before the first cast date it was not curated to be complete.
"""

from __future__ import annotations

import bisect
import datetime as dt
import pickle
from dataclasses import dataclass, field
from typing import Any, Callable

import pyoxigraph as ox

from govgraph.analysis import projection, run
from govgraph.analysis.metrics import Params
from govgraph.core.memo import Memo, code_digest, digest
from govgraph.core.resources import query_text
from govgraph.core.vocab import CAST_DATES
from govgraph.store import embedded


def _dated(source: Any, country: str, scenario: str | None = None) -> list[tuple[dt.date, bool]]:
    """(day, is a start) for every `from:` and `until:` of `country`'s records."""
    sel = embedded.selector(source)
    graphs = embedded.dataset_of(sel, scenario)
    query = projection.with_values(query_text("projection/change-days"), {"country": ox.NamedNode(projection.country_iri(country))})
    _, rows = sel.select(query, graphs=graphs)
    return sorted({(dt.date.fromisoformat(r[0].value[:10]), r[1].value == "true") for r in rows if r[0] is not None})


def change_days(source: Any, country: str, scenario: str | None = None) -> list[dt.date]:
    """Every day a record of `country` starts or ends (in the baseline graphs or the scenario's)."""
    return sorted({day for day, _ in _dated(source, country, scenario)})


def year_day(year: int) -> dt.date:
    """The day a year's picture is taken on: 30 June, as `--as-of YEAR`.

    Parameters
    ----------
    year : int

    Returns
    -------
    datetime.date

    Examples
    --------
    >>> year_day(2016)
    datetime.date(2016, 6, 30)
    """
    return dt.date(year, 6, 30)


def span(first_lead: dt.date | None, last_start: dt.date | None) -> range:
    """The years to show: see the module's docstring. Cast dates bound the span from inside.

    Parameters
    ----------
    first_lead : datetime.date or None
        The first day any lead-body designation starts.
    last_start : datetime.date or None
        The last day any record starts.

    Returns
    -------
    range
        The years, first to last, each shown as on 30 June.

    Examples
    --------
    >>> span(dt.date(2001, 3, 1), dt.date(2024, 3, 1))
    range(2001, 2026)
    >>> span(None, None)  # the standard cast's years bound it from inside
    range(2016, 2026)
    """
    cast = [dt.date.fromisoformat(d) for d in CAST_DATES]
    first = min([cast[0]] + ([first_lead] if first_lead else [])).year
    last = max([cast[-1]] + ([last_start] if last_start else [])).year
    return range(first, last + 1)


def dataset_span(source: Any, countries: list[str] | None = None) -> range:
    """One span for every country (see the module's docstring)."""
    sel = embedded.selector(source)
    graphs = embedded.dataset_of(sel)
    _, rows = sel.select(query_text("projection/first-lead"), graphs=graphs)
    first = dt.date.fromisoformat(rows[0][0].value[:10]) if rows and rows[0][0] is not None else None
    codes = countries if countries is not None else projection.countries(source)
    starts = [d for cc in codes for d, start in _dated(source, cc) if start]
    return span(first, max(starts, default=None))


@dataclass
class Years:
    """A country over `years`: `pictures[i]` is the analysis of one distinct picture, `of_year[y]` the
    index of the picture year `y` shows, `days` the change days that separate the pictures."""

    country: str
    years: list[int]
    days: list[dt.date]
    pictures: list[run.Analysis] = field(default_factory=list)
    of_year: dict[int, int] = field(default_factory=dict)

    def analysis(self, year: int) -> run.Analysis:
        return self.pictures[self.of_year[year]]


def analyse_years(source: Any, country: str, years: range | list[int], *, params: Params = Params(),
                  days: list[dt.date] | None = None) -> Years:
    """Analyse `country` once per distinct picture among `years` (30 June of each): the pictures are
    projected together (`projection.project_days`), and one equal to the picture before it (a change
    the projection does not draw, such as a source's date) reuses that picture's analysis. `days`:
    its change days, if already known."""
    days = change_days(source, country) if days is None else days
    out = Years(country=country.lower(), years=list(years), days=days)
    first_year: dict[int, int] = {}  # number of change days on or before the year's day → its first year
    for year in out.years:
        first_year.setdefault(bisect.bisect_right(days, year_day(year)), year)
    graphs = projection.project_days(source, country, [year_day(y) for y in first_year.values()])
    index: dict[int, int] = {}
    previous = None
    for epoch, year in first_year.items():
        G = graphs[year_day(year)]
        print_ = _picture(G)  # before the analysis annotates G
        if print_ != previous:
            out.pictures.append(run.analyse_graph(G, params))
            previous = print_
        index[epoch] = len(out.pictures) - 1
    out.of_year = {year: index[bisect.bisect_right(days, year_day(year))] for year in out.years}
    return out


def _picture(G) -> str:
    """What a projection draws, whatever its day: equal strings, equal pictures."""
    import json

    return json.dumps([{k: v for k, v in G.graph.items() if k != "as_of"}, sorted(G.nodes(data=True)),
                       sorted(G.edges(keys=True, data=True))], sort_keys=True, default=str)


def analyse_all_years(source: Any, years: range | list[int] | None = None, *, countries: list[str] | None = None,
                      params: Params = Params(), memo: Memo | None = None,
                      inputs: dict[str, str] | None = None, keys: dict[str, str] | None = None,
                      analyse: Callable[[list[str], list[int]], dict[str, Years]] | None = None) -> dict[str, Years]:
    """Every country (or `countries`) over `years` (default: `dataset_span` of every country, so that
    one country's years are those it has among all).

    With a `memo` and `inputs` (country → a digest of everything the store holds that its projection
    reads), a country analysed by an earlier build with the same inputs, years and parameters gets
    that build's analysis again instead of being analysed anew; `keys`, when given, receives each
    such country's key (for what is made from its years: `panel_files`). `analyse(codes, years)`
    analyses the countries that are not kept (by default one by one, here, on `source`)."""
    codes = countries if countries is not None else projection.countries(source)
    years = list(dataset_span(source) if years is None else years)
    out: dict[str, Years | None] = {}
    memo_keys: dict[str, str] = {}
    for cc in codes:
        out[cc] = None
        if memo is not None and inputs and cc in inputs:
            memo_keys[cc] = digest(code_digest(), "years", cc, repr(years), repr(params), inputs[cc])
            if keys is not None:
                keys[cc] = memo_keys[cc]
            kept = memo.get(memo_keys[cc])
            if kept is not None:
                try:
                    out[cc] = pickle.loads(kept)
                except Exception:  # noqa: BLE001 - a damaged entry is analysed again
                    pass
    todo = [cc for cc, y in out.items() if y is None]
    made = (analyse or (lambda ccs, ys: {cc: analyse_years(source, cc, ys, params=params) for cc in ccs}))(todo, years)
    for cc in todo:
        out[cc] = made[cc]
        if cc in memo_keys and memo is not None:
            memo.put(memo_keys[cc], pickle.dumps(made[cc], protocol=pickle.HIGHEST_PROTOCOL))
    return out  # type: ignore[return-value]


# -- the panel: country × year × indicator, tidy (long) -------------------------------------------------

PANEL_COLUMNS = (
    ("country", "ISO 3166-1 alpha-2 code, upper case"),
    ("year", "the year; its picture is taken on 30 June"),
    ("as_of", "the day of the picture (ISO date)"),
    ("since", "the last day on or before as_of on which a record of the country started or ended (empty: none)"),
    ("indicator", "the indicator's name, as in analysis/compare.csv (docs/analysis.md)"),
    ("value", "its value when it is a number (empty otherwise, and when it does not apply: no lead body)"),
    ("text", "its value when it is a code or a name (lead, lead_placement …; empty otherwise)"),
)

_NOT_INDICATORS = {"country", "scenario", "as_of"}


def panel_rows(years: dict[str, Years]) -> list[dict[str, Any]]:
    """One row per country, year and indicator, sorted; every indicator of the analysis's row."""
    rows = []
    for cc in sorted(years):
        y = years[cc]
        for year in y.years:
            day = year_day(year)
            at = bisect.bisect_right(y.days, day)
            since = y.days[at - 1].isoformat() if at else ""
            for name, v in sorted(y.analysis(year).indicators.items()):
                if name in _NOT_INDICATORS:
                    continue
                number = isinstance(v, (int, float)) and not isinstance(v, bool)
                rows.append({"country": cc.upper(), "year": year, "as_of": day.isoformat(), "since": since,
                             "indicator": name, "value": (round(v, 6) if isinstance(v, float) else v) if number else None,
                             "text": None if number or v is None else str(v)})
    return rows


def panel_csv(rows: list[dict[str, Any]]) -> bytes:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    names = [c for c, _ in PANEL_COLUMNS]
    w.writerow(names)
    for r in rows:
        w.writerow(["" if r[c] is None else r[c] for c in names])
    return buf.getvalue().encode("utf-8")


def panel_files(years: dict[str, Years], kept: Memo | None = None,
                keys: dict[str, str] | None = None) -> tuple[bytes, bytes]:
    """`panel_csv` and `panel_json` of every country's rows, made country by country (their rows
    are contiguous): a country whose years are kept under a key in `keys` gets its part of both
    files from `kept` too."""
    csv_parts, json_parts = [], []
    for cc in sorted(years):
        key = (keys or {}).get(cc)

        def part(cc: str = cc) -> list[bytes]:
            rows = panel_rows({cc: years[cc]})
            return [panel_csv(rows).split(b"\n", 1)[1], _json_lines(rows).encode("utf-8")]

        body, lines = (kept or Memo()).through([f"{key}.csv", f"{key}.json"] if kept is not None and key else [],
                                               part)
        csv_parts.append(body)
        if lines:
            json_parts.append(lines)
    header = panel_csv([])
    return header + b"".join(csv_parts), b"[\n" + b",\n".join(json_parts) + b"\n]\n"


def _json_lines(rows: list[dict[str, Any]]) -> str:
    import json

    return ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows)


def panel_json(rows: list[dict[str, Any]]) -> bytes:
    """An array of records (`pandas.read_json(orient="records")`, R's `jsonlite::fromJSON`)."""

    return f"[\n{_json_lines(rows)}\n]\n".encode("utf-8")
