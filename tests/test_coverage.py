"""Coverage report (out/coverage.{md,csv,json}) on the real dataset: counts per country, facts by
confidence, the lead body on the baseline day and every known gap from the curated files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from ruamel.yaml import YAML

from govgraph.curated import loader
from govgraph.exports import coverage

from conftest import REAL_DATA

COUNTRY_FILES = sorted((REAL_DATA / "countries").glob("*.yaml"))


@pytest.fixture(scope="module")
def report(real_build) -> dict:
    return json.loads((real_build / "coverage.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rows(report) -> dict[str, dict]:
    return {r["country"]: r for r in report["countries"]}


def test_every_country_has_a_row(rows):
    assert set(rows) == {p.stem.upper() for p in COUNTRY_FILES}


def test_counts_match_the_curated_files(rows):
    # read straight from the YAML, independently of the loader
    for path in COUNTRY_FILES:
        data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
        row = rows[data["country"]["code"]]
        for section in ("institutions", "coordination_bodies", "mandates", "levers", "legal_instruments",
                        "strategies", "relations", "notes"):
            assert row[section] == len(data.get(section) or []), (path.name, section)
        members = sum(len(b.get("members") or []) for b in data.get("coordination_bodies") or [])
        assert row["memberships"] == members, path.name
        assert row["known_gaps"] == len(data.get("gaps") or []), path.name
        assert row["benchmark"] is data["country"]["benchmark"], path.name


def test_chile_by_hand(rows):
    # cl.yaml: six co-ordination bodies (Committee of Ministers, Lab board, cyber-security committee,
    # Modernisation Advisory Council, Executive Committee, Modernisation Committee); the MDGU leads on
    # 30 June 2016; Chile is not a benchmark
    cl = rows["CL"]
    assert (cl["coordination_bodies"], cl["lead_baseline"], cl["benchmark"]) == (6, "mdgu", False)
    assert rows["GB"]["lead_baseline"] == "gds" and rows["AU"]["lead_baseline"] == "dto-pmc"
    assert sum(1 for r in rows.values() if r["benchmark"]) == 10


def test_facts_by_confidence_add_up(report, rows):
    for code, row in rows.items():
        assert row["facts"] == row["confirmed"] + row["reported"] + row["uncertain"] > 0, code
        by_kind = report["facts_by_confidence"][code]
        for level in ("confirmed", "reported", "uncertain"):
            assert sum(k[level] for k in by_kind.values()) == row[level], (code, level)
        assert sum(by_kind["membership"].values()) == row["memberships"] if row["memberships"] else True
        assert sum(by_kind["lever"].values()) == row["levers"] if row["levers"] else True
    # the uncertain facts of Chile include the benchmark-list note and the cyber-security committee
    assert report["facts_by_confidence"]["CL"]["note"]["uncertain"] >= 1
    assert report["facts_by_confidence"]["CL"]["coordination_body"]["uncertain"] >= 1


def test_known_gaps_are_listed_per_country(report, real_build):
    md = (real_build / "coverage.md").read_text(encoding="utf-8")
    for path in COUNTRY_FILES:
        data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
        code = data["country"]["code"]
        topics = [g["topic"] for g in data.get("gaps") or []]
        assert [g["topic"] for g in report["gaps"][code]] == topics
        assert f"### {code}" in md
        for topic in topics:
            assert f"**{topic}**" in md, (code, topic)
    assert "benchmark list of the 2016 review" in [g["topic"] for g in report["gaps"]["CL"]]
    assert "## Facts by kind and confidence" in md


def test_csv_is_a_table_an_analyst_can_open(real_build, rows):
    text = (real_build / "coverage.csv").read_text(encoding="utf-8")
    table = list(csv.DictReader(io.StringIO(text)))
    assert tuple(table[0].keys()) == coverage.COLUMNS
    assert {r["country"]: int(r["facts"]) for r in table} == {c: r["facts"] for c, r in rows.items()}


@pytest.mark.slow
def test_lead_column_follows_the_day():
    dataset = loader.load(REAL_DATA)
    report = coverage.coverage(dataset, as_of=dt.date(2024, 6, 30))
    leads = {r["country"]: r["lead_baseline"] for r in report["countries"]}
    assert (leads["CL"], leads["AU"]) == ("sgd", "dta-finance")
    assert report["as_of"] == "2024-06-30"


@pytest.mark.slow  # the CLI on the whole dataset
def test_the_coverage_command_shows_every_countrys_cast(tmp_path):
    from conftest import KITCHEN_SINK, run_govgraph

    result = run_govgraph("coverage", "--data", str(KITCHEN_SINK))
    assert result.returncode == 0, result.stderr
    assert "## The standard cast" in result.stdout and "### ZZ" in result.stdout
    assert "| data-protection-authority | searched, not found | searched, not found |" in result.stdout
    assert "| **unknown**" not in result.stdout
    csv_out = run_govgraph("coverage", "--data", str(KITCHEN_SINK), "--format", "csv").stdout
    assert "cast_2016_unknown" in csv_out.splitlines()[0]
