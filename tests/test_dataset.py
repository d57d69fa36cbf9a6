"""The real dataset (graph/) is complete enough to answer the issue-3 questions, and every fact in
it is sourced. Checked on the built store (what analysts query) and on the curated YAML."""

from __future__ import annotations

import datetime as dt

import pytest
from ruamel.yaml import YAML

from govgraph.curated import loader
from govgraph.curated.model import snapshot
from govgraph.store import embedded

from conftest import REAL_DATA

GG = "https://w3id.org/govgraph/ontology#"
PREFIXES = f"""
PREFIX gg: <{GG}>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
"""
BASELINE = dt.date(2016, 6, 30)
COUNTRY_FILES = sorted((REAL_DATA / "countries").glob("*.yaml"))


@pytest.fixture(scope="module")
def real(real_build):
    return embedded.LocalStore(real_build)


@pytest.fixture(scope="module")
def dataset():
    return loader.load(REAL_DATA)


def select(real, sparql: str) -> list[dict]:
    columns, rows = real.select(PREFIXES + sparql, graphs=real.dataset_graphs())
    return [{c: (t.value if t is not None else None) for c, t in zip(columns, row)} for row in rows]


def valid_on(var: str, day: dt.date = BASELINE) -> str:
    d = f'"{day.isoformat()}"^^<http://www.w3.org/2001/XMLSchema#date>'
    return (f"FILTER NOT EXISTS {{ {var} gg:validFrom ?f_{var[1:]} FILTER (?f_{var[1:]} > {d}) }}\n"
            f"FILTER NOT EXISTS {{ {var} gg:validUntil ?u_{var[1:]} FILTER (?u_{var[1:]} <= {d}) }}\n")


def sourced_count(real, cls: str, day: dt.date = BASELINE) -> dict[str, tuple[int, int]]:
    """Per country: (records of `cls` valid on `day`, of which sourced with a confidence)."""
    rows = select(real, f"""
        SELECT ?code (COUNT(DISTINCT ?r) AS ?n) (COUNT(DISTINCT ?ok) AS ?sourced) WHERE {{
          ?r a {cls} ; gg:country ?c . ?c gg:iso3166Alpha2 ?code .
          {valid_on('?r', day)}
          OPTIONAL {{ ?r dcterms:source ?s ; gg:confidence ?conf ; gg:citation ?cit . BIND (?r AS ?ok) }}
        }} GROUP BY ?code""")
    return {r["code"]: (int(r["n"]), int(r["sourced"])) for r in rows}


def test_the_eleven_governments_of_the_oecd_2016_review_are_there():
    # Chile and the ten benchmark governments the dataset started from; more countries may follow
    assert {"au", "cl", "dk", "ee", "es", "gb", "kr", "mx", "nz", "pt", "uy"} <= {p.stem for p in COUNTRY_FILES}


def test_every_country_has_exactly_one_sourced_lead_body_at_the_baseline(real):
    counts = sourced_count(real, "gg:LeadDesignation")
    assert set(counts) == {p.stem.upper() for p in COUNTRY_FILES}
    assert {cc: n for cc, n in counts.items() if n != (1, 1)} == {}


def searched_not_found(real, role: str, day: dt.date = BASELINE) -> set[str]:
    """Countries whose curators recorded that they looked for `role` on `day` and found none."""
    rows = select(real, f"""
        SELECT ?code WHERE {{
          ?a a gg:RoleAssessment ; gg:country ?c ; gg:assessedOn "{day.isoformat()}"^^<http://www.w3.org/2001/XMLSchema#date> ;
             gg:assessedRole <https://w3id.org/govgraph/concept/cast-role/{role}> ;
             gg:roleStatus <https://w3id.org/govgraph/concept/role-status/searched-not-found> .
          ?c gg:iso3166Alpha2 ?code }}""")
    return {r["code"] for r in rows}


def test_every_country_has_a_sourced_strategy_at_the_baseline_or_recorded_its_search(real):
    counts = sourced_count(real, "gg:Strategy")
    missing = {p.stem.upper() for p in COUNTRY_FILES} - set(counts) - searched_not_found(real, "digital-strategy")
    assert missing == set()
    assert {cc: n for cc, n in counts.items() if n[0] < 1 or n[0] != n[1]} == {}


def test_every_country_has_a_sourced_coordination_body_at_the_baseline_or_recorded_its_search(real):
    counts = sourced_count(real, "gg:CoordinationBody")
    missing = ({p.stem.upper() for p in COUNTRY_FILES} - set(counts)
               - searched_not_found(real, "main-coordination-body"))
    assert missing == set()
    assert {cc: n for cc, n in counts.items() if n[0] < 1 or n[0] != n[1]} == {}


def test_the_lead_body_itself_is_sourced_and_placed_at_the_baseline(real):
    rows = select(real, f"""
        SELECT ?code ?body ?placement ?source ?conf WHERE {{
          ?d a gg:LeadDesignation ; gg:country ?c ; gg:leadBody ?body . ?c gg:iso3166Alpha2 ?code .
          {valid_on('?d')}
          OPTIONAL {{ ?body gg:placement ?placement }}
          OPTIONAL {{ ?body dcterms:source ?source }}
          OPTIONAL {{ ?body gg:confidence ?conf }}
        }}""")
    assert rows
    assert [r["body"] for r in rows if not (r["placement"] and r["source"] and r["conf"])] == []


def test_no_fact_bearing_node_lacks_a_source(real):
    # every graph the build writes, scenarios included
    names = [n for n in real.graph_names() if n.startswith("https://w3id.org/govgraph/graph/")]
    import pyoxigraph as ox
    graphs = [ox.NamedNode(n) for n in names]
    columns, rows = real.select(PREFIXES + """
        SELECT DISTINCT ?r WHERE {
          ?r a ?class .
          VALUES ?class { gg:SourcedRecord gg:PublicInstitution gg:CoordinationBody gg:Membership
                          gg:Mandate gg:PolicyLever gg:LegalInstrument gg:Strategy gg:Relation
                          gg:LeadDesignation gg:DatasetNote gg:Scenario }
          FILTER (NOT EXISTS { ?r dcterms:source ?s } || NOT EXISTS { ?r gg:confidence ?c }
                  || NOT EXISTS { ?r gg:citation/gg:locator ?l })
        } LIMIT 20""", graphs=graphs)
    assert [row[0].value for row in rows] == []
    # and there is something to check
    columns, rows = real.select(PREFIXES + "SELECT (COUNT(?r) AS ?n) WHERE { ?r a gg:SourcedRecord }",
                                graphs=graphs)
    assert int(rows[0][0].value) > 500


@pytest.mark.slow  # the whole real dataset in a store
def test_the_snapshot_model_agrees_with_the_store(dataset):
    # the same rule in the curated model: one lead per country on the baseline day
    for code, country in dataset.countries.items():
        assert len(snapshot(country, BASELINE).lead) == 1, code


# -- benchmark countries --------------------------------------------------------------------------

@pytest.mark.slow
def test_every_country_file_declares_benchmark_explicitly():
    undeclared = []
    for path in COUNTRY_FILES:
        country = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))["country"]
        if not isinstance(country.get("benchmark"), bool):
            undeclared.append(path.name)
    assert undeclared == []


def test_ten_benchmarks_nine_oecd_plus_uruguay_and_chile_is_not_one(dataset, real):
    benchmarks = {code.upper() for code, c in dataset.countries.items() if c.country.benchmark}
    assert len(benchmarks) == 10
    assert "UY" in benchmarks and "CL" not in benchmarks
    rows = select(real, """
        SELECT ?code ?b WHERE { ?c a gg:Country ; gg:iso3166Alpha2 ?code ; gg:benchmarkCountry ?b }""")
    assert {r["code"] for r in rows if r["b"] == "true"} == benchmarks
    assert {r["code"]: r["b"] for r in rows}["CL"] == "false"


def test_the_benchmark_list_is_recorded_as_a_dataset_note(dataset):
    notes = {n.id: n for n in dataset.countries["cl"].notes}
    note = notes["benchmark-list"]
    assert "oecd-2016-back-cover" in {s.id for s in note.sources}
    assert note.confidence in ("uncertain", "confirmed")
    assert "Uruguay" in note.text["en"]
