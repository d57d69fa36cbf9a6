"""`--as-of`: a build and the questions give the picture on any day; 2016 stays the default.

Expected leads on 30 June 2024 come from the `lead:` records of graph/countries/*.yaml: AU the DTA in
Finance (from 1 July 2022), CL the SGD in Finance (from 1 March 2024), DK the agency under the Ministry
of Digital Government (from 15 December 2022), EE still the MKM (Justice and Digital Affairs only from
23 July 2024), ES the SGAD in the MTDFP (the AEAD only from 6 November 2024), GB the CDDO in the
Cabinet Office (to July 2024), KR MOIS, MX the CEDN (to 2025), NZ the GCIO, PT AMA (to August 2025),
UY AGESIC.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from conftest import REAL_DATA, run_govgraph

ID = "https://w3id.org/govgraph/id/"
LEADS_2024 = {"au/dta-finance", "cl/sgd", "dk/digst-mdg", "ee/mkm", "es/sgad-mtdfp", "gb/cddo",
              "kr/mois", "mx/cedn", "nz/gcio", "pt/ama", "uy/agesic"}


@pytest.fixture(scope="module")
def build_2024(tmp_path_factory):
    out = tmp_path_factory.mktemp("asof") / "out"
    result = run_govgraph("build", "--data", str(REAL_DATA), "--out", str(out), "--as-of", "2024")
    assert result.returncode == 0, result.stderr
    return out


def query_json(out, *args: str) -> list[dict]:
    result = run_govgraph("query", *args, "--format", "json", "--out", str(out))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


def test_build_as_of_2024_records_the_day(build_2024):
    assert json.loads((build_2024 / "build.json").read_text())["as_of"] == "2024-06-30"


def worked_out(bodies: set[str]) -> set[str]:
    """Only the countries whose 2024 leads LEADS_2024 was worked out for."""
    countries = {body.split("/")[0] for body in LEADS_2024}
    return {b for b in bodies if b.split("/")[0] in countries}


def test_build_as_of_2024_reasons_over_the_2024_leads(build_2024):
    store = ox.Store.read_only(str(build_2024 / "store"))
    rows = store.query("""SELECT ?x WHERE { GRAPH <https://w3id.org/govgraph/graph/inferred> {
        ?x a <https://w3id.org/govgraph/ontology#LeadBody> } }""")
    assert worked_out({r["x"].value.removeprefix(ID) for r in rows}) == LEADS_2024


def test_query_as_of_2024_gives_chile_sgd_in_finance(build_2024):
    (row,) = query_json(build_2024, "lead-placement", "--param", "country=CL", "--as-of", "2024")
    assert row["leadBody"] == ID + "cl/sgd"
    assert row["placement"].endswith("/placement/finance-ministry")
    assert row["parent"] == ID + "cl/subsecretaria-hacienda"
    rows = query_json(build_2024, "lead-placement", "--as-of", "2024")
    assert worked_out({r["leadBody"].removeprefix(ID) for r in rows}) == LEADS_2024


def test_questions_default_to_the_day_the_build_was_made_for(build_2024):
    # without --as-of, `govgraph query` shows the picture the build in --out was made for
    (row,) = query_json(build_2024, "lead-placement", "--param", "country=CL")
    assert row["leadBody"] == ID + "cl/sgd"
    (row,) = query_json(build_2024, "lead-placement", "--param", "country=CL", "--as-of", "2016")
    assert row["leadBody"] == ID + "cl/mdgu"
    # an explicit asOf parameter wins over the build's day too
    (row,) = query_json(build_2024, "lead-placement", "--param", "country=CL", "--param", "asOf=2016-06-30")
    assert row["leadBody"] == ID + "cl/mdgu"


def test_as_of_is_half_open_at_the_2024_transfer(real_build):
    # the DGD's designation ends on 1 March 2024, the SGD's starts that day
    (before,) = query_json(real_build, "lead-placement", "--param", "country=CL", "--as-of", "2024-02-29")
    (on,) = query_json(real_build, "lead-placement", "--param", "country=CL", "--as-of", "2024-03-01")
    assert (before["leadBody"], on["leadBody"]) == (ID + "cl/dgd", ID + "cl/sgd")
    # levers follow: EVALTIC moves from the DGD to the SGD on the same day
    levers = query_json(real_build, "levers", "--param", "country=CL", "--param", "leverType=business-case",
                        "--as-of", "2024-03-01")
    assert [r["lever"] for r in levers] == [ID + "cl/evaltic-sgd"]
