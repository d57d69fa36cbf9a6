"""The standard cast: which roles the records fill, which were searched and not found, which are
unknown, on the kitchen sink (a fictional country that leaves some roles unknown on purpose)."""

from __future__ import annotations

import datetime as dt

import pytest

from govgraph.core.vocab import CAST_RULES, CONCEPT_SCHEMES
from govgraph.curated import cast
from govgraph.curated.loader import load

from conftest import KITCHEN_SINK

D2016, D2025 = cast.DATES


@pytest.fixture(scope="module")
def zz():
    return load(KITCHEN_SINK).countries["zz"]


def by_role(country, day):
    return {item.role: item for item in cast.assess(country, day)}


def test_every_cast_role_has_a_rule_and_the_rules_name_known_codes():
    assert set(CAST_RULES) == set(CONCEPT_SCHEMES["cast-role"])
    for role, rules in CAST_RULES.items():
        for rule, value in rules:
            if rule == "lever-type":
                assert value in CONCEPT_SCHEMES["lever-type"], role
            elif rule == "membership-role":
                assert value in CONCEPT_SCHEMES["membership-role"], role
            elif rule in ("institution-kind", "member-of-kind"):
                assert value in CONCEPT_SCHEMES["institution-kind"], role
            elif rule == "class":
                assert value in cast.CLASS_SECTIONS, role
            else:
                assert rule == "declared-by" and value in cast.DECLARING_SECTIONS, role


def test_the_cast_dates_are_30_june_2016_and_2025():
    assert cast.DATES == (dt.date(2016, 6, 30), dt.date(2025, 6, 30))


def test_declared_roles_levers_leads_and_kinds_fill_roles(zz):
    roles = by_role(zz, D2016)
    assert [r.id for _, r, _ in roles["finance-ministry"].filled_by] == ["finance"]
    assert [r.id for _, r, _ in roles["budget-office"].filled_by] == ["budget-office"]
    assert [r.id for _, r, _ in roles["spending-control-lever"].filled_by] == ["spend-control"]
    assert [r.body for _, r, _ in roles["lead-body"].filled_by] == ["digital-agency"]
    assert [r.id for _, r, _ in roles["centre-of-government-office"].filled_by] == ["presidency"]
    # an association fills its role only while it sits on a body: the municipalities are members
    # of the CIO network, which has no dates
    assert [r.id for _, r, _ in roles["local-government-association"].filled_by] == ["municipalities"]


def test_memberships_fill_roles_only_in_a_main_body_and_only_while_they_hold(zz):
    roles = by_role(zz, D2016)
    assert [(m.member, b.id) for _, m, b in roles["coordination-chair"].filled_by] == [("president", "digital-council")]
    # the CIO network's chair is not a main body's chair
    assert all(b.id == "digital-council" for _, _, b in roles["coordination-chair"].filled_by)
    assert [m.member for _, m, _ in roles["coordination-members"].filled_by] == ["interior"]
    before = by_role(zz, dt.date(2014, 6, 30))
    assert before["coordination-members"].status == "unknown"  # interior joins in 2015


def test_a_search_answers_a_role_and_a_record_wins_over_a_search(zz):
    roles = by_role(zz, D2025)
    dpa = roles["data-protection-authority"]
    assert dpa.status == "searched-not-found" and dpa.filled_by == []
    assert dpa.searches[0].where.startswith("Zembla Official Gazette")
    spend = roles["spending-control-lever"]
    assert spend.status == "filled" and spend.searches  # the too-wide search is still reported


def without_search(country, role):
    """The kitchen sink answers every role; drop the search for `role` to leave it unknown."""
    import copy

    c = copy.copy(country)
    c.searched = [s for s in country.searched if role not in s.roles]
    return c


def test_a_role_neither_filled_nor_searched_is_unknown(zz):
    assert by_role(zz, D2016)["digital-identity-provider"].status == "searched-not-found"
    roles = by_role(without_search(zz, "digital-identity-provider"), D2016)
    assert roles["digital-identity-provider"].status == "unknown"
    assert roles["digital-identity-provider"].searches == []


def test_summary_counts_every_role_once_per_date(zz):
    table = cast.summary(zz)
    assert set(table) == {"2016-06-30", "2025-06-30"}
    for counts in table.values():
        assert sum(counts.values()) == len(cast.ROLES)
        assert counts["searched-not-found"] >= 1 and counts["unknown"] == 0  # the kitchen sink is complete


# -- the cast in the graph: the cast-roles question and the checks, on the kitchen-sink build ----

def cast_rows(kitchen_sink_build, as_of):
    from govgraph.store import embedded, questions

    result = questions.run(questions.load_question("cast-roles"), embedded.LocalStore(kitchen_sink_build), as_of=as_of)
    return {row[0].value + " " + row[1].value: {c: (t.value if t is not None else None)
                                                for c, t in zip(result.columns, row)}
            for row in result.rows}


def test_the_cast_roles_question_answers_every_role_as_the_records_say(kitchen_sink_build, zz):
    rows = cast_rows(kitchen_sink_build, D2016)
    assert len(rows) == len(cast.ROLES)
    expected = {f"ZZ {item.role}": item.status for item in cast.assess(zz, D2016)}
    assert {k: r["status"] for k, r in rows.items()} == expected
    assert rows["ZZ finance-ministry"]["fillers"] == "https://w3id.org/govgraph/id/zz/finance"
    assert rows["ZZ data-protection-authority"]["searchedWhere"].startswith("Zembla Official Gazette")
    assert rows["ZZ coordination-chair"]["fillers"] == \
        "https://w3id.org/govgraph/id/zz/digital-council/member/president/chair"


def test_other_dates_have_no_assessments(kitchen_sink_build):
    assert cast_rows(kitchen_sink_build, dt.date(2020, 6, 30)) == {}


def test_too_wide_searches_are_reported_by_the_checks(kitchen_sink_build):
    import json

    report = json.loads((kitchen_sink_build / "validation.json").read_text(encoding="utf-8"))
    findings = report["findings"]
    assert not [f for f in findings if f["rule"].startswith("checks/cast-role-unknown")]
    wide = [f for f in findings if f["rule"].startswith("checks/cast-role-filled-and-searched")]
    assert any("spending-control-lever" in f["message"] for f in wide)


@pytest.mark.slow  # the full validation, with HermiT
def test_an_unknown_role_fails_validation_at_the_country(tmp_path):
    import shutil

    from conftest import run_govgraph

    data = tmp_path / "data"
    shutil.copytree(KITCHEN_SINK, data)
    country = data / "countries" / "zz.yaml"
    text = country.read_text(encoding="utf-8")
    entry = """  - roles: [digital-identity-provider]
    searched_on: 2026-12-01
    where: "Zembla Official Gazette 2000-2026 (fictional): no national digital identity"
"""
    assert entry in text
    country.write_text(text.replace(entry, ""), encoding="utf-8")
    result = run_govgraph("validate", "--data", str(data), "--shapes-only")
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout + result.stderr
    assert "data/countries/zz.yaml:" in out and "cast role 'digital-identity-provider' is unknown on 2016-06-30" in out
    assert "Traceback" not in out


def test_the_review_dimensions_question_counts_the_records_that_speak_to_each(kitchen_sink_build, zz):
    """review-dimensions on the kitchen sink, counted from the records holding on 30 June 2016."""
    from govgraph.curated.model import snapshot
    from govgraph.store import embedded, questions

    result = questions.run(questions.load_question("review-dimensions"), embedded.LocalStore(kitchen_sink_build), as_of=D2016)
    got = {row[0].value.rsplit("/", 1)[1]: int(row[3].value) for row in result.rows}
    day = snapshot(zz, D2016)
    memberships = sum(len(b.members) for b in day.coordination_bodies)
    assert got["digital-strategy"] == len(day.strategies)
    assert got["institutional-arrangements"] == len(day.lead) + len(day.mandates)
    assert got["policy-levers"] == len(day.levers)
    assert got["coordination-mechanisms"] == len(day.coordination_bodies) + memberships
    assert got["legal-framework"] == len(day.legal_instruments)
    assert got["ict-procurement"] == (sum(1 for lv in day.levers if lv.type == "procurement")
                                      + sum(1 for i in day.institutions if "procurement-body" in i.roles))
    assert "public-sector-data" not in got  # Zembla has no data-protection authority (searched)
    assert len({row[1].value for row in result.rows}) == len(got)
