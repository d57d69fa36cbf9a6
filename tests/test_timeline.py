"""Every country year by year: the span, the pictures shared between changes, and the panel export
read back the way pandas or R would read it (csv / json from the standard library here)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from govgraph.analysis import projection, run, timeline
from govgraph.core.vocab import CAST_DATES

from conftest import run_govgraph


def test_span_runs_from_the_first_lead_record_to_the_last_start_and_covers_the_cast_dates():
    first_cast, last_cast = (int(d[:4]) for d in (CAST_DATES[0], CAST_DATES[-1]))
    assert timeline.span(None, None) == range(first_cast, last_cast + 1)
    assert timeline.span(dt.date(2003, 5, 1), dt.date(2026, 12, 1)) == range(2003, 2027)
    # dates inside the cast span never shrink it
    assert timeline.span(dt.date(first_cast + 1, 1, 1), dt.date(last_cast - 1, 1, 1)) == range(first_cast, last_cast + 1)


def test_project_days_gives_the_graphs_project_gives_day_by_day(real_build: Path):
    from govgraph.store import embedded

    db = embedded.open_store(real_build)
    years = timeline.dataset_span(db)
    days = [timeline.year_day(y) for y in years]
    for cc in ("cl", "gb"):
        many = projection.project_days(db, cc, days)
        for day in days:
            one = projection.project(db, cc, as_of=day)
            assert many[day].graph == one.graph, (cc, day)
            assert list(many[day].nodes(data=True)) == list(one.nodes(data=True)), (cc, day)
            assert list(many[day].edges(keys=True, data=True)) == list(one.edges(keys=True, data=True)), (cc, day)


def test_years_between_changes_share_one_picture(real_build: Path):
    from govgraph.store import embedded

    db = embedded.open_store(real_build)
    years = timeline.dataset_span(db)
    chile = timeline.analyse_years(db, "cl", years)
    assert len(chile.pictures) < len(years)  # shared, not one per year
    assert len(chile.pictures) > 2  # and the history is visible
    for year in list(years)[::2]:  # each year's picture is the analysis of its own day
        alone = run.analyse_one(db, "cl", as_of=timeline.year_day(year))
        shared = chile.analysis(year)
        assert {k: v for k, v in alone.indicators.items() if k != "as_of"} == \
               {k: v for k, v in shared.indicators.items() if k != "as_of"}, year


def _read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def _number(text: str):
    return None if text == "" else float(text)


def test_panel_export_reads_back_and_matches_the_analysis_of_each_year(real_build: Path, tmp_path: Path):
    from govgraph.store import embedded

    target_csv, target_json = tmp_path / "panel.csv", tmp_path / "panel.json"
    for fmt, target in (("panel-csv", target_csv), ("panel-json", target_json)):
        result = run_govgraph("export", "--format", fmt, "--country", "CL", "--out", str(real_build), "-o", str(target))
        assert result.returncode == 0, result.stderr
    rows = _read_csv(target_csv.read_bytes())
    records = json.loads(target_json.read_text(encoding="utf-8"))
    assert list(rows[0]) == [c for c, _ in timeline.PANEL_COLUMNS]
    assert list(records[0]) == [c for c, _ in timeline.PANEL_COLUMNS]
    assert len(rows) == len(records)
    # tidy: one row per country, year and indicator
    assert len({(r["country"], r["year"], r["indicator"]) for r in rows}) == len(rows)
    db = embedded.open_store(real_build)
    years = timeline.dataset_span(db)
    assert sorted({int(r["year"]) for r in rows}) == list(years)
    assert {r["country"] for r in rows} == {"CL"}
    by_key = {(int(r["year"]), r["indicator"]): r for r in rows}
    by_key_json = {(r["year"], r["indicator"]): r for r in records}
    checked = 0
    for year in (years[0], 2016, 2020, years[-1]):
        day = timeline.year_day(year)
        expected = run.analyse_one(db, "cl", as_of=day).indicators
        for name, value in expected.items():
            if name in ("country", "scenario", "as_of"):
                continue
            row, rec = by_key[(year, name)], by_key_json[(year, name)]
            assert row["as_of"] == rec["as_of"] == day.isoformat()
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                assert _number(row["value"]) == pytest.approx(value, abs=1e-6), (year, name)
                assert rec["value"] == pytest.approx(value, abs=1e-6) and rec["text"] is None
            else:
                assert row["value"] == "" and rec["value"] is None, (year, name)
                assert (row["text"] or None) == (value or None) == (rec["text"] or None), (year, name)
            checked += 1
    assert checked > 40
    # a country that does not exist, and options that do not apply
    bad = run_govgraph("export", "--format", "panel-csv", "--country", "XX", "--out", str(real_build))
    assert bad.returncode == 2 and "no country XX" in bad.stderr
    bad = run_govgraph("export", "--format", "panel-json", "--as-of", "2020", "--out", str(real_build))
    assert bad.returncode == 2


def test_the_panel_made_country_by_country_and_kept_is_the_panel_made_whole(real_build: Path, tmp_path: Path):
    from govgraph.core.memo import Memo
    from govgraph.store import embedded

    db = embedded.open_store(real_build)
    span = timeline.dataset_span(db)
    years = {cc: timeline.analyse_years(db, cc, span) for cc in ("cl", "gb", "nz")}
    rows = timeline.panel_rows(years)
    whole = (timeline.panel_csv(rows), timeline.panel_json(rows))
    keys = {"cl": "k-cl", "gb": "k-gb"}  # NZ has no key: made, never kept
    assert timeline.panel_files(years) == whole
    assert timeline.panel_files(years, Memo(write=tmp_path / "one"), keys) == whole
    again = Memo(read=tmp_path / "one", write=tmp_path / "two")
    assert timeline.panel_files(years, again, keys) == whole and again.reused() == {"one": 4}  # 2 × (csv, json)
    assert timeline.panel_files({}) == (timeline.panel_csv([]), timeline.panel_json([]))
