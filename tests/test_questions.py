"""Competency questions answered on the REAL dataset (graph/), built once per session.

Every expected answer below was worked out by reading graph/countries/*.yaml, not copied from query
output: each test says which records it rests on. When a curator changes those records on purpose,
change the expectation here in the same commit.
"""

from __future__ import annotations

import datetime as dt

import pytest

from govgraph.store import embedded, questions

from conftest import REAL_DATA

ID = "https://w3id.org/govgraph/id/"
PLACEMENT = "https://w3id.org/govgraph/concept/placement/"
LEVER = "https://w3id.org/govgraph/concept/lever-type/"
ROLE = "https://w3id.org/govgraph/concept/membership-role/"
GG = "https://w3id.org/govgraph/ontology#"
SOURCE = "https://w3id.org/govgraph/source/"
CONFIDENCE = "https://w3id.org/govgraph/concept/confidence/"

# Every curated country (the set comes from graph/countries/, never from a list written here).
COUNTRIES = {p.stem.upper() for p in (REAL_DATA / "countries").glob("*.yaml")}


@pytest.fixture(scope="module")
def real(real_build):
    return embedded.LocalStore(real_build)


def ask(real, name: str, *, as_of: dt.date | None = None, **params) -> list[dict]:
    """Run a library question; rows as dicts of plain values (IRIs and literals as text)."""
    result = questions.run(questions.load_question(name), real, params=params, as_of=as_of)
    return [{c: (t.value if t is not None else None) for c, t in zip(result.columns, row)}
            for row in result.rows]


def test_the_competency_questions_are_in_the_library():
    names = {q.name for q in questions.list_questions()}
    assert {"lead-placement", "lead-binding-controls", "ict-budget-holder", "lead-coordination-roles",
            "lead-legal-basis", "mandates-without-coordination", "arrangement-changes",
            "fact-sources"} <= names
    for name in ("lead-placement", "lead-binding-controls", "ict-budget-holder",
                 "lead-coordination-roles", "lead-legal-basis", "mandates-without-coordination"):
        assert questions.load_question(name).takes_as_of, name


# -- 1. placement of each country's lead body ------------------------------------------------

# From the `lead:` records holding on 30 June 2016 and the `placement:` of their bodies.
PLACEMENTS_2016 = {
    "AU": ("au/dto-pmc", "centre-of-government"),      # DTO in PM&C from Sept 2015
    "CL": ("cl/mdgu", "centre-of-government"),         # MDGU, a unit of SEGPRES
    "DK": ("dk/digst", "finance-ministry"),            # Agency for Digitisation, Ministry of Finance
    "EE": ("ee/mkm", "line-ministry"),                 # Ministry of Economic Affairs and Communications
    "ES": ("es/dtic", "finance-ministry"),             # DTIC in MINHAP, Sept 2014 – Nov 2016
    "GB": ("gb/gds", "centre-of-government"),          # GDS, Cabinet Office
    "KR": ("kr/moi", "coordinating-ministry"),         # Ministry of the Interior (2014–2017)
    "MX": ("mx/cedn", "centre-of-government"),         # CEDN, Office of the Presidency
    "NZ": ("nz/gcio", "coordinating-ministry"),        # GCIO, Department of Internal Affairs
    "PT": ("pt/ama", "centre-of-government"),          # AMA, Presidency of the Council of Ministers
    "UY": ("uy/agesic", "centre-of-government"),       # AGESIC, Presidency
}


# The countries whose answers below were worked out by reading their files: tests compare the
# rows of these countries (every other country must still answer, but is checked elsewhere).
WORKED_OUT = set(PLACEMENTS_2016)


def worked_out(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["countryCode"] in WORKED_OUT]


def test_lead_body_placement_at_the_baseline(real):
    rows = ask(real, "lead-placement")
    got = {r["countryCode"]: (r["leadBody"], r["placement"]) for r in rows}
    assert len(rows) == len(got) == len(COUNTRIES), "exactly one lead body per country on 30 June 2016"
    assert {cc: got[cc] for cc in PLACEMENTS_2016} == \
        {cc: (ID + body, PLACEMENT + p) for cc, (body, p) in PLACEMENTS_2016.items()}


def test_lead_body_placement_names_the_parent_and_local_name(real):
    (cl,) = ask(real, "lead-placement", country="CL")
    assert cl["label"] == "Modernisation and Digital Government Unit"
    assert cl["localLabel"] == "Unidad de Modernización y Gobierno Digital"
    assert cl["parent"] == ID + "cl/segpres"
    (gb,) = ask(real, "lead-placement", country="GB")
    assert (gb["label"], gb["parent"]) == ("Government Digital Service", ID + "gb/cabinet-office")


def test_lead_body_placement_follows_the_date(real):
    # Chile: the SGD in the Undersecretariat of Finance from 1 March 2024 (Ley 21.658)
    (cl,) = ask(real, "lead-placement", country="CL", as_of=dt.date(2024, 6, 30))
    assert (cl["leadBody"], cl["placement"]) == (ID + "cl/sgd", PLACEMENT + "finance-ministry")
    assert cl["parent"] == ID + "cl/subsecretaria-hacienda"
    # Chile 2020: the Digital Government Division, still in SEGPRES
    (cl,) = ask(real, "lead-placement", country="CL", as_of=dt.date(2020, 6, 30))
    assert (cl["leadBody"], cl["placement"]) == (ID + "cl/dgd", PLACEMENT + "centre-of-government")
    # Australia: the DTA moved to Finance on 1 July 2022
    (au,) = ask(real, "lead-placement", country="AU", as_of=dt.date(2024, 6, 30))
    assert (au["leadBody"], au["placement"]) == (ID + "au/dta-finance", PLACEMENT + "finance-ministry")


# -- 2. binding spending-control / project-approval levers of the lead body -------------------

def test_binding_controls_of_the_lead_body_at_the_baseline(real):
    # gb.yaml: GDS digital spend control (GBP 100,000 from 3 July 2013) and technology spend control
    # (GBP 5 million); pt.yaml: AMA's prior opinion (parecer prévio, EUR 10,000 from 18 May 2012).
    # Other countries' project approvals are held by bodies other than the lead body (AU Finance's
    # two-pass, DK's IT Project Council, EE's RIA/AKI), so they do not answer this question.
    rows = worked_out(ask(real, "lead-binding-controls"))
    got = {(r["countryCode"], r["lever"], r["leverType"], r["thresholdAmount"], r["thresholdCurrency"])
           for r in rows}
    assert got == {
        ("GB", ID + "gb/digital-spend-control", LEVER + "spending-control", "100000", "GBP"),
        ("GB", ID + "gb/technology-spend-control", LEVER + "spending-control", "5000000", "GBP"),
        ("PT", ID + "pt/ama-parecer-previo", LEVER + "spending-control", "10000", "EUR"),
        # pt.yaml: the same prior opinion seen from the project side (DL 107/2012, EUR 10,000)
        ("PT", ID + "pt/ama-ict-project-appraisal", LEVER + "project-approval", "10000", "EUR"),
        # kr.yaml: MOI's prior consultation on e-government projects (KRW 2 billion, 2014-2017)
        ("KR", ID + "kr/moi-prior-consultation", LEVER + "project-approval", "2000000000", "KRW"),
    }
    assert {r["countryCode"] for r in rows} == {"GB", "PT", "KR"}


def test_binding_controls_follow_the_date(real):
    # 2012: GDS's digital spend control starts only on 3 July 2013; the technology control is open
    # at the start, and AMA's prior opinion starts on 18 May 2012.
    rows = worked_out(ask(real, "lead-binding-controls", as_of=dt.date(2012, 6, 30)))
    assert {r["lever"] for r in rows} == {ID + "gb/technology-spend-control", ID + "pt/ama-parecer-previo",
                                          ID + "pt/ama-ict-project-appraisal"}
    # 2024: the DTA (in Finance since July 2022) holds the ICT investment approval (AUD 30 million)
    rows = ask(real, "lead-binding-controls", country="AU", as_of=dt.date(2024, 6, 30))
    assert [(r["lever"], r["thresholdAmount"]) for r in rows] == [
        (ID + "au/ict-investment-approval-dta-finance", "30000000")]


# -- 3. the ICT budget lever in Chile, 2016 --------------------------------------------------

def test_ict_budget_holder_in_chile_2016_does_not_sit_with_the_lead_unit(real):
    # cl.yaml: `dipres-budget` (type ict-budget) is held by DIPRES; the lead unit in 2016 is the
    # MDGU, which is a member of no co-ordination body, and DIPRES sits on none before the 2018
    # Modernisation Executive Committee. Their ministries (Finance and SEGPRES) do meet, on the
    # Committee of Ministers for Digital Development and on the Lab's board.
    (row,) = ask(real, "ict-budget-holder", country="CL")
    assert row["lever"] == ID + "cl/dipres-budget"
    assert row["holder"] == ID + "cl/dipres"
    assert row["holderLabel"] == "Budget Office"
    assert row["leadBody"] == ID + "cl/mdgu"
    assert row["sitsWithLead"] == "false"
    assert row["sharedBodies"] == ""
    assert set(row["sharedThroughParents"].split(" | ")) == {
        "Committee of Ministers for Digital Development", "Board of the Government Innovation Lab"}


def test_ict_budget_holder_in_chile_2024(real):
    # 2024: DIPRES still holds the budget lever; the lead is now the SGD, on no co-ordination body.
    (row,) = ask(real, "ict-budget-holder", country="CL", as_of=dt.date(2024, 6, 30))
    assert (row["holder"], row["leadBody"], row["sitsWithLead"]) == (
        ID + "cl/dipres", ID + "cl/sgd", "false")


# -- 4. co-ordination bodies the lead body chairs or only attends -----------------------------

def test_lead_body_chairs_and_attends_at_the_baseline(real):
    # From `members:` of the bodies valid on 30 June 2016 where the lead body is listed:
    # GB: GDS chairs the Digital Leaders Network. Attends: DK Agency for Digitisation (secretariat
    # of the IT Project Council), ES DTIC (secretariat of CETIC), KR MOI (member, Government 3.0
    # Committee), NZ GCIO (member, ICT Partnership Framework), PT AMA (member, CTIC from 3 June
    # 2016), UY AGESIC (member of its Honorary Board). AU DTO, CL MDGU, EE MKM and MX CEDN sit on no
    # body on that day (DK's portfolio steering group starts in August 2016; MX's CITICSI in 2023).
    rows = worked_out(ask(real, "lead-coordination-roles"))
    got = {(r["countryCode"], r["participation"], r["body"], r["role"]) for r in rows}
    assert got == {
        ("GB", "chairs", ID + "gb/digital-leaders-network", ROLE + "chair"),
        ("GB", "attends", ID + "gb/digital-leaders-network", ROLE + "secretariat"),
        ("DK", "attends", ID + "dk/itpc", ROLE + "secretariat"),
        ("ES", "attends", ID + "es/cetic", ROLE + "secretariat"),
        ("ES", "attends", ID + "es/cetic", ROLE + "member"),           # RD 806/2014 art. 5.1
        ("ES", "chairs", ID + "es/cetic-executive", ROLE + "chair"),   # art. 6.2
        ("ES", "chairs", ID + "es/cdtic", ROLE + "chair"),             # art. 8
        ("KR", "attends", ID + "kr/gov30-committee", ROLE + "member"),
        ("NZ", "attends", ID + "nz/ict-partnership-framework", ROLE + "member"),
        ("PT", "attends", ID + "pt/ctic", ROLE + "member"),
        ("UY", "attends", ID + "uy/agesic-cdh", ROLE + "member"),
    }
    assert not {"AU", "CL", "EE", "MX"} & {r["countryCode"] for r in rows}


def test_lead_body_roles_follow_the_date(real):
    # MX 2024: the CEDN chairs CITICSI (from 10 January 2023)
    rows = ask(real, "lead-coordination-roles", country="MX", as_of=dt.date(2024, 6, 30))
    assert [(r["participation"], r["body"]) for r in rows] == [("chairs", ID + "mx/citicsi")]


# -- 5. legal basis of the lead body -----------------------------------------------------------

def test_lead_body_legal_basis_at_the_baseline(real):
    # `legal_basis:` of each 2016 lead body: AU DTO the 2015 order; ES DTIC RD 695/2013, RD 802/2014
    # and RD 806/2014; MX CEDN the 2013 Regulation of the Office of the Presidency; NZ GCIO the 2010
    # Cabinet minute; PT AMA Decree-Law 43/2012; UY AGESIC Ley 17.930 and Decree 205/006.
    # `legal_basis: []` (looked, none found): CL MDGU, DK Agency for Digitisation, EE MKM.
    # Not researched (no legal_basis): GB GDS, KR MOI.
    rows = worked_out(ask(real, "lead-legal-basis"))
    with_basis: dict[str, set[str]] = {}
    without: dict[str, str | None] = {}
    for r in rows:
        if r["hasLegalBasis"] == "true":
            with_basis.setdefault(r["countryCode"], set()).add(r["legalBasis"])
        else:
            without[r["countryCode"]] = r["legalBasisStatus"]
    assert with_basis == {
        "AU": {ID + "au/dto-order-2015"},
        "ES": {ID + "es/rd-695-2013", ID + "es/rd-802-2014", ID + "es/rd-806-2014"},
        "MX": {ID + "mx/rop-2013"},
        "NZ": {ID + "nz/cab-min-2010-directions"},
        "PT": {ID + "pt/dl-43-2012", ID + "pt/lei-37-2014"},  # Law 37/2014 (Chave Móvel Digital)
        # Ley 19.355 (December 2015) counts; Ley 20.212 (2023) is not yet a basis on 30 June 2016
        "UY": {ID + "uy/ley-17930", ID + "uy/decreto-205-006", ID + "uy/ley-19355"},
    }
    none_found = GG + "NoLegalBasisFound"
    assert without == {"CL": none_found, "DK": none_found, "EE": none_found, "GB": None, "KR": None}
    pt = {(r["identifier"], r["issued"]) for r in rows if r["countryCode"] == "PT"}
    assert ("Decreto-Lei 43/2012", "2012-02-23") in pt


def test_chile_lead_body_gains_a_legal_basis_in_2024(real):
    # The SGD rests on Ley 21.658 (published 9 February 2024).
    (row,) = ask(real, "lead-legal-basis", country="CL", as_of=dt.date(2024, 6, 30))
    assert (row["leadBody"], row["legalBasis"], row["identifier"]) == (
        ID + "cl/sgd", ID + "cl/ley-21658", "Ley 21.658")


# -- 6. mandate holders on no co-ordination body ------------------------------------------------

def test_chile_mandate_holders_outside_coordination_at_the_baseline(real):
    # cl.yaml, mandates holding on 30 June 2016 held by institutions: mdgu, segpres, dipres,
    # hacienda-modernizacion, chilecompra, cplt, cgr, interior, laboratorio-gobierno. SEGPRES and
    # Interior sit on the Committee of Ministers; the others on nothing (the Lab is governed by its
    # board but is not a member of it; DIPRES joins a body only in 2018). The committee's own
    # mandate is held by a co-ordination body, not an institution.
    rows = ask(real, "mandates-without-coordination", country="CL")
    assert {r["institution"] for r in rows} == {ID + "cl/" + s for s in (
        "mdgu", "dipres", "hacienda-modernizacion", "chilecompra", "cplt", "cgr", "laboratorio-gobierno")}
    assert ID + "cl/segpres" not in {r["institution"] for r in rows}


def test_mandate_holders_outside_coordination_elsewhere(real):
    rows = ask(real, "mandates-without-coordination")
    holders = {r["institution"] for r in rows}
    # EE: RIA, the Data Protection Inspectorate and the lead ministry itself are on no body
    assert {ID + "ee/ria", ID + "ee/aki", ID + "ee/mkm"} <= holders
    # members on the day are never listed: GDS chairs the Digital Leaders Network, AGESIC sits on
    # its Honorary Board
    assert not {ID + "gb/gds", ID + "uy/agesic", ID + "kr/moi"} & holders


# -- 7. what changed in Chile between 2016 and 2024 ---------------------------------------------

def test_what_changed_in_chile_between_2016_and_2024(real):
    rows = ask(real, "arrangement-changes", country="CL")
    ended = {r["record"] for r in rows if r["change"] == "ended"}
    began = {r["record"] for r in rows if r["change"] == "began"}
    cl = ID + "cl/"
    # the MDGU (until 2018) and its levers and mandate end; Agenda Digital 2020 ends (until 2021)
    assert {cl + "mdgu", cl + "mdgu-mandate", cl + "mdgu-claveunica", cl + "mdgu-shared-platforms",
            cl + "agenda-digital-2020", cl + "comite-ministros-strategy"} <= ended
    # the SGD in Finance (from 1 March 2024) with its mandate and levers; EVALTIC (from 2021)
    assert {cl + "sgd", cl + "sgd-mandate", cl + "evaltic-sgd", cl + "evaltic-dipres",
            cl + "sgd-strategy", cl + "consejo-asesor-modernizacion", cl + "comite-modernizacion",
            cl + "agenda-modernizacion-2022-2026"} <= began
    leads = {(r["change"], r["label"]) for r in rows if r["kind"] == "lead"}
    assert leads == {("ended", "Modernisation and Digital Government Unit"),
                     ("began", "Digital Government Secretariat")}
    # the DGD (2018 – 1 March 2024) held on neither day; SEGPRES and DIPRES hold on both
    assert not {cl + "dgd", cl + "segpres", cl + "dipres", cl + "comite-ejecutivo-modernizacion"} & (ended | began)
    assert {r["countryCode"] for r in rows} == {"CL"}


def test_what_changed_takes_any_two_dates(real):
    # Between 2019 and 2024 only the DGD → SGD step (and what came with it) is a lead change.
    rows = ask(real, "arrangement-changes", country="CL", earlier="2019-06-30", later="2024-06-30")
    leads = {(r["change"], r["label"]) for r in rows if r["kind"] == "lead"}
    assert leads == {("ended", "Digital Government Division"), ("began", "Digital Government Secretariat")}
    assert ask(real, "arrangement-changes", country="CL", earlier="2016-06-30", later="2016-06-30") == []


# -- 8. sources and locators of a fact ----------------------------------------------------------

def test_sources_of_a_fact(real):
    # cl.yaml, institution `mdgu`: five citations in this order, confidence confirmed.
    rows = ask(real, "fact-sources", record="cl/mdgu")
    assert [r["source"] for r in rows] == [SOURCE + s for s in (
        "cl-oecd-2020-mdgu", "oecd-2016-summary", "cl-gerencia-2011", "cl-gerencia-2018-dgd", "cl-df-claveunica-2022")]
    assert rows[0]["locator"].startswith("OECD 2020 chapter")
    assert rows[1]["sourceTitle"] == "Digital Government in Chile (2016): Executive summary"
    assert rows[3]["citationNote"].startswith("Supports the 2018 end date")
    assert {r["confidence"] for r in rows} == {CONFIDENCE + "confirmed"}


def test_sources_of_a_lever_and_a_membership(real):
    # gb.yaml `digital-spend-control` and the SEGPRES chair of Chile's Committee of Ministers
    rows = ask(real, "fact-sources", record="gb/digital-spend-control")
    assert rows and all(r["locator"] for r in rows)
    assert {r["confidence"] for r in rows} == {CONFIDENCE + "confirmed"}
    rows = ask(real, "fact-sources", record=ID + "cl/comite-ministros-digital/member/segpres/chair")
    assert [r["source"] for r in rows] == [SOURCE + s for s in (
        "cl-revistafibra-2015", "cl-historiasdelopublico-2015", "cl-plan-accion-digital-2008")]
    assert {r["confidence"] for r in rows} == {CONFIDENCE + "reported"}


def test_group_membership_follows_the_date(real):
    """graph/groups.yaml: every membership holding on the day, none other. The United Kingdom is in
    the EU on 30 June 2016 and out of it on 30 June 2025 (until: 2020-02-01); Colombia joins the OECD
    in 2020; Uruguay, which is in no group, has no row."""
    from govgraph.curated.loader import load

    dataset = load(REAL_DATA)
    for day in (dt.date(2016, 6, 30), dt.date(2025, 6, 30)):
        expected = {(m.country, g.acronym) for g in dataset.groups.values() for m in g.members if m.holds_on(day)}
        got = {(r["countryCode"], r["acronym"]) for r in ask(real, "group-membership", as_of=day)}
        assert got == expected, day
    assert ("GB", "EU") in {(r["countryCode"], r["acronym"]) for r in ask(real, "group-membership")}
    assert ("GB", "EU") not in {(r["countryCode"], r["acronym"])
                                for r in ask(real, "group-membership", as_of=dt.date(2025, 6, 30))}
    assert [r["acronym"] for r in ask(real, "group-membership", as_of=dt.date(2019, 6, 30), country="CO")] == []
    assert [r["acronym"] for r in ask(real, "group-membership", as_of=dt.date(2021, 6, 30), country="CO")] == ["OECD"]
    assert ask(real, "group-membership", country="UY") == []
