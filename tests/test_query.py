"""The query library: headers, typed parameters, injection safety, the questions on the kitchen sink,
and the `govgraph query` command."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pyoxigraph as ox
import pytest

from govgraph.core.errors import QueryError
from govgraph.store import embedded, questions

from conftest import run_govgraph

ZZ = "https://w3id.org/govgraph/id/zz/"
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def ks(kitchen_sink_build):
    return embedded.LocalStore(kitchen_sink_build)


def column(result: questions.Result, name: str) -> list:
    i = result.columns.index(name)
    return [row[i].value if row[i] is not None else None for row in result.rows]


# -- the library -------------------------------------------------------------------------------

def test_every_question_has_a_header_and_runs(ks):
    listed = questions.list_questions()
    assert {"lead-bodies", "levers", "coordination-bodies", "fact-sources"} <= {q.name for q in listed}
    for q in listed:
        assert q.title and q.question, q.name
        params = {p.name: "zz/digital-agency" for p in q.params if p.required}
        result = questions.run(q, ks, params=params)
        assert result.columns


def test_lead_body_follows_the_date(ks):
    lead = questions.load_question("lead-bodies")
    assert set(column(questions.run(lead, ks), "leadBody")) == {ZZ + "digital-agency"}
    old = questions.run(lead, ks, as_of=dt.date(2010, 6, 30))
    assert set(column(old, "leadBody")) == {ZZ + "old-digital-unit"}
    assert column(old, "legalBasisStatus") == ["https://w3id.org/govgraph/ontology#NoLegalBasisFound"]
    # half-open: the old unit's designation ends on 2014-02-01, the agency's starts that day
    assert set(column(questions.run(lead, ks, as_of=dt.date(2014, 2, 1)), "leadBody")) == {ZZ + "digital-agency"}
    assert set(column(questions.run(lead, ks, as_of=dt.date(2014, 1, 31)), "leadBody")) == {ZZ + "old-digital-unit"}
    assert questions.run(lead, ks, as_of=dt.date(1990, 1, 1)).rows == []


def test_lead_body_labels_placement_and_legal_basis(ks):
    result = questions.run(questions.load_question("lead-bodies"), ks, params={"country": "ZZ"})
    row = dict(zip(result.columns, result.rows[0]))
    assert row["label"] == ox.Literal("Digital Government Agency", language="en")
    assert row["localLabel"] == ox.Literal("Agencia de Gobierno Digital", language="es")
    assert row["placement"].value.endswith("/placement/centre-of-government")
    assert row["legalBasis"] == ox.NamedNode(ZZ + "digital-law")
    assert questions.run(questions.load_question("lead-bodies"), ks, params={"country": "CL"}).rows == []


def test_levers_threshold_type_and_scenario(ks):
    levers = questions.load_question("levers")
    result = questions.run(levers, ks, params={"leverType": "spending-control"})
    assert column(result, "lever") == [ZZ + "spend-control"]
    row = dict(zip(result.columns, result.rows[0]))
    assert row["thresholdAmount"] == ox.Literal("250000", datatype=ox.NamedNode(XSD + "decimal"))
    assert row["thresholdCurrency"].value == "EUR"
    assert row["binding"] == ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))
    # the spending control starts in 2015
    assert questions.run(levers, ks, params={"leverType": "spending-control"}, as_of=dt.date(2014, 6, 30)).rows == []
    # the scenario moves the ICT budget to the agency and removes the framework agreements
    base = questions.run(levers, ks, params={"leverType": "ict-budget"})
    scenario = questions.run(levers, ks, params={"leverType": "ict-budget"}, scenario="zz-finance")
    assert column(base, "holder") == [ZZ + "budget-office"]
    assert column(scenario, "holder") == [ZZ + "digital-agency"]
    assert ZZ + "framework-agreements" not in column(questions.run(levers, ks, scenario="zz-finance"), "lever")


def test_coordination_bodies_level_chair_secretariat_members(ks):
    q = questions.load_question("coordination-bodies")
    rows = {r[1].value: dict(zip(_cols(q, ks), r)) for r in questions.run(q, ks).rows}
    council = rows[ZZ + "digital-council"]
    assert council["level"].value.endswith("/coordination-level/political")
    assert council["chair"].value == "President of Zembla"
    assert council["secretariat"].value == "Digital Government Agency"
    assert int(council["members"].value) == 3  # chair, vice-chair, interior (from 2015); not the observer
    earlier = {r[1].value: dict(zip(_cols(q, ks), r)) for r in questions.run(q, ks, as_of=dt.date(2014, 6, 30)).rows}
    assert int(earlier[ZZ + "digital-council"]["members"].value) == 2
    assert "cio-council" not in " ".join(rows)
    in_scenario = {r[1].value for r in questions.run(q, ks, scenario="zz-finance").rows}
    assert ZZ + "cio-council" in in_scenario


def _cols(q, ks):
    return questions.run(q, ks).columns


def test_fact_sources_of_a_record(ks):
    q = questions.load_question("fact-sources")
    for value in ("zz/digital-agency", ZZ + "digital-agency", f"<{ZZ}digital-agency>"):
        result = questions.run(q, ks, params={"record": value})
        assert column(result, "locator") == ["2014 issue 3, p. 7", "ch. 4"]
        assert column(result, "citationNote") == ["creation notice", None]
        assert set(column(result, "confidence")) == {"https://w3id.org/govgraph/concept/confidence/confirmed"}
    with pytest.raises(QueryError, match="needs --param record"):
        questions.run(q, ks)


# -- parameters --------------------------------------------------------------------------------

@pytest.mark.parametrize("type_, value", [
    ("date", "2016"), ("date", "2016-02-30"), ("date", "yesterday"),
    ("integer", "1.5"), ("integer", "1 } ?x"), ("decimal", "NaN"), ("decimal", "1e5"), ("boolean", "maybe"),
    ("country", "CHL"), ("country", "C}"), ("iri", "not an iri"), ("iri", "http://x/> } ?s ?p ?o {"),
    ("iri", 'http://x/"'), ("record", "zz/a b"), ("record", "zz/x>"), ("concept:lever-type", "budget"),
])
def test_a_value_that_cannot_be_a_term_of_its_type_is_refused(type_, value):
    param = questions.Param("x", type_, None, False, "")
    with pytest.raises(QueryError, match="parameter x"):
        questions.to_term(param, value)


@pytest.mark.parametrize("type_, value, expected", [
    ("date", "2016-06-30", ox.Literal("2016-06-30", datatype=ox.NamedNode(XSD + "date"))),
    ("integer", "+42", ox.Literal("42", datatype=ox.NamedNode(XSD + "integer"))),
    ("decimal", "2.50", ox.Literal("2.50", datatype=ox.NamedNode(XSD + "decimal"))),
    ("boolean", "yes", ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))),
    ("country", "cl", ox.NamedNode("https://w3id.org/govgraph/id/cl")),
    ("iri", "gg:Agency", ox.NamedNode("https://w3id.org/govgraph/ontology#Agency")),
    ("record", "cl/segpres", ox.NamedNode("https://w3id.org/govgraph/id/cl/segpres")),
    ("concept:lever-type", "ict-budget", ox.NamedNode("https://w3id.org/govgraph/concept/lever-type/ict-budget")),
    ("string", 'a "b" }', ox.Literal('a "b" }')),
])
def test_values_become_typed_terms(type_, value, expected):
    assert questions.to_term(questions.Param("x", type_, None, False, ""), value) == expected


ECHO = """# title: Echo
# question: What was I given?
# param: text string - anything
SELECT ?text ?n WHERE { BIND (STRLEN(?text) AS ?n) }
"""

NASTY = [
    '}', '"', '>', '\\', '\\"', '"""', "'''", "x\ny", "x\r\ny", "\\u0022 }",
    '" } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o } #',
    '"> } INSERT DATA { <a:b> <a:b> <a:b> } #',
    "SELECT * WHERE { ?s ?p ?o }", "} UNION { ?s ?p ?o", "?s", "# comment", "é — 中文 \u2028",
]


@pytest.mark.parametrize("value", NASTY)
def test_string_values_stay_literals(ks, value, tmp_path):
    path = tmp_path / "echo.rq"
    path.write_text(ECHO, encoding="utf-8")
    result = questions.run(questions.load_question(str(path)), ks, params={"text": value})
    assert len(result.rows) == 1
    assert result.rows[0][0] == ox.Literal(value)
    assert int(result.rows[0][1].value) == len(value)


def test_values_go_into_the_where_group_not_into_strings_or_iris():
    text = '''PREFIX ex: <http://example.org/{x}#>
# a comment with { braces }
SELECT ?a (CONCAT("{", ?b) AS ?c) WHERE { ?a ex:p "}" . ?a ex:q ?b } ORDER BY ?a'''
    out = questions.with_values(text, {"b": ox.Literal("v")})
    assert 'WHERE {\n  VALUES (?b) { ("v") }\n ?a ex:p "}"' in out
    sub = questions.with_values("SELECT * WHERE { SELECT ?b WHERE { ?a ?p ?b } }", {"b": ox.Literal("v")})
    assert ox.Store().query(sub) is not None  # still valid SPARQL
    construct = questions.with_values("CONSTRUCT { ?a ?p ?b } WHERE { ?a ?p ?b }", {"b": ox.Literal("v")})
    assert construct.startswith("CONSTRUCT { ?a ?p ?b } WHERE {\n  VALUES")


def test_unknown_missing_and_doubled_parameters(ks):
    lead = questions.load_question("lead-bodies")
    with pytest.raises(QueryError, match="no parameter colour"):
        questions.bind(lead, {"colour": "red"})
    with pytest.raises(QueryError, match="once"):
        questions.bind(lead, {"asOf": "2016-01-01"}, as_of=dt.date(2016, 1, 1))
    with pytest.raises(QueryError, match="does not take a date"):
        questions.bind(questions.load_question("fact-sources"), {"record": "zz/x"}, as_of=dt.date(2016, 1, 1))
    with pytest.raises(QueryError, match="use --as-of"):
        questions.bind(lead, {"asOf": "2016"})
    with pytest.raises(QueryError, match="no question named"):
        questions.load_question("no-such-question")


@pytest.mark.parametrize("header, message", [
    ("# param: x string", "NAME TYPE DEFAULT"),
    ("# param: x colour -", "unknown parameter type"),
    ("# param: y string -", "not used in the query"),
    ("# param: x integer abc", "default is wrong"),
    ("# param: x string -\n# param: x string -", "declared twice"),
    ("# param: asOf string -", "must have type date"),
])
def test_malformed_headers_are_located(header, message):
    text = f"# title: t\n# question: q\n{header}\nSELECT * WHERE {{ ?s ?p ?x . ?s ?p ?asOf }}\n"
    with pytest.raises(QueryError, match=message) as info:
        questions.parse_question(text, name="bad")
    assert "bad" in str(info.value)


def test_header_fields_and_continuations():
    text = ('# title: Lead bodies\n# question: Which body\n#   leads?\n'
            '# param: x string "a b" with a quoted default\nSELECT ?x WHERE { ?s ?p ?x }\n')
    q = questions.parse_question(text, name="t")
    assert q.question == "Which body leads?"
    assert q.params == (questions.Param("x", "string", "a b", False, "with a quoted default"),)


# -- the command ---------------------------------------------------------------------------------

def test_cli_list_and_formats(kitchen_sink_build):
    listing = run_govgraph("query", "--list")
    assert listing.returncode == 0, listing.stderr
    assert "lead-bodies" in listing.stdout and "asOf" in listing.stdout
    out = str(kitchen_sink_build)
    as_json = run_govgraph("query", "levers", "--format", "json", "--out", out, "--param", "leverType=spending-control")
    assert as_json.returncode == 0, as_json.stderr
    doc = json.loads(as_json.stdout)
    assert doc["results"]["bindings"][0]["lever"]["value"] == ZZ + "spend-control"
    as_csv = run_govgraph("query", "lead-bodies", "--format", "csv", "--as-of", "2010", "--out", out)
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["leadBody"] for r in rows] == [ZZ + "old-digital-unit"]
    as_tsv = run_govgraph("query", "lead-bodies", "--format", "tsv", "--out", out)
    assert as_tsv.stdout.splitlines()[0].startswith("?countryCode\t")
    assert f"<{ZZ}digital-agency>" in as_tsv.stdout
    table = run_govgraph("query", "coordination-bodies", "--out", out, "--scenario", "zz-finance")
    assert table.returncode == 0 and "zz:cio-council" in table.stdout


def test_cli_errors_exit_2_with_a_message(kitchen_sink_build):
    out = str(kitchen_sink_build)
    bad = run_govgraph("query", "levers", "--out", out, "--param", "leverType=budget")
    assert bad.returncode == 2 and "lever-type" in bad.stderr
    unknown = run_govgraph("query", "nope", "--out", out)
    assert unknown.returncode == 2 and "no question named" in unknown.stderr
    year = run_govgraph("query", "lead-bodies", "--out", out, "--as-of", "20x6")
    assert year.returncode == 2
    missing = run_govgraph("query", "lead-bodies", "--out", "/nonexistent/out")
    assert missing.returncode == 2 and "govgraph build" in missing.stderr
    no_scenario = run_govgraph("query", "levers", "--out", out, "--scenario", "nope")
    assert no_scenario.returncode == 2 and "zz-finance" in no_scenario.stderr
