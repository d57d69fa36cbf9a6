"""Records → RDF: one graph per country, per scenario, for the sources and the ontology.
IRIs come from `core.iris`; bytes from `rdf.serialise`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Callable, Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD

from govgraph.core.iris import (
    ONTOLOGY_GRAPH,
    PREFIXES,
    SOURCES_GRAPH,
    WD,
    concept,
    country_graph_iri,
    country_iri,
    eu_country_iri,
    group_iri,
    phase_graph_iri,
    phase_iri,
    record_iri,
    scenario_graph_iri,
    scenario_iri,
    source_iri,
)
from govgraph.core.memo import code_digest, digest
from govgraph.core.resources import ontology_files
from govgraph.core.vocab import CONCEPT_SCHEMES, CV, ELI, GG, ID, NODE_KINDS, ORG
from govgraph.curated import cast
from govgraph.curated.model import (
    CoordinationBody,
    CountryFile,
    Dataset,
    Fact,
    Group,
    GroupMember,
    Institution,
    Phase,
    ScenarioFile,
    SourceDecl,
    record_id,
)
from govgraph.rdf.serialise import new_graph

# institution kind → the class its institutions belong to (gg:kindClass on the kind's concept)
KIND_CLASS = {kind: URIRef(str(GG) + k.owl_class.removeprefix("gg:")) for kind, k in NODE_KINDS.items()
              if kind in CONCEPT_SCHEMES["institution-kind"]}
RELATION_SHORTCUT = {
    "oversees": GG.oversees,
    "funds": GG.funds,
    "advises": GG.advises,
    "supervises": GG.supervises,
    "reports-to": GG.reportsTo,
}


def _texts(g: Graph, node: URIRef, props: Iterable[URIRef], texts: dict[str, str | None] | None) -> None:
    for lang, text in sorted((texts or {}).items()):
        if text is None:  # a name searched for in this language and not found
            g.add((node, GG.nameNotFound, Literal(lang, datatype=XSD.language)))
            continue
        for prop in props:
            g.add((node, prop, Literal(text, lang=lang)))


def _decimal(value: float) -> Literal:
    """The canonical xsd:decimal form (always a point: 250000.0), so every format reads back equal."""
    text = format(Decimal(str(value)).normalize(), "f")
    return Literal(text if "." in text else text + ".0", datatype=XSD.decimal)


def _date(value: dt.date) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


def _dated(g: Graph, node: URIRef, prop: URIRef, value: dt.date) -> None:
    """`prop` as an xsd:date (what queries compare), plus the date as the curator stated it when
    that was a year or a month (xsd:gYear, xsd:gYearMonth on the matching …AsStated property)."""
    g.add((node, prop, _date(value)))
    precision = getattr(value, "precision", "day")
    if precision != "day":
        stated = (Literal(f"{value.year:04d}", datatype=XSD.gYear) if precision == "year" else
                  Literal(f"{value.year:04d}-{value.month:02d}", datatype=XSD.gYearMonth))
        g.add((node, _STATED[prop], stated))


_STATED = {GG.validFrom: GG.validFromAsStated, GG.validUntil: GG.validUntilAsStated,
           GG.established: GG.establishedAsStated, DCTERMS.issued: GG.issuedAsStated}


class _CountryBuilder:
    """Writes one country's records (or a scenario's view of them) into one graph."""

    def __init__(self, country: CountryFile, graph: Graph, origins: dict[str, str] | None = None):
        self.c = country
        self.code = country.code
        self.g = graph
        self.country = country_iri(self.code)
        self.origins = origins  # when given: node IRI → "file:line:column" of its record (see record_origins)

    def note(self, node: URIRef, record) -> None:
        if self.origins is not None and record is not None:
            path, line, column = record.origin
            if path and str(node) not in self.origins:
                self.origins[str(node)] = f"{path}:{line}:{column}"

    def iri(self, slug: str) -> URIRef:
        return record_iri(self.code, slug)

    def fact(self, node: URIRef, record: Fact | None, *, sources=None, confidence=None, start=None, end=None,
             country_itself: bool = False) -> None:
        """Provenance and validity: every fact-bearing node says where it comes from."""
        g = self.g
        self.note(node, record)
        sources = sources if sources is not None else record.sources
        confidence = confidence if confidence is not None else record.confidence
        start = start if start is not None else getattr(record, "from_", None)
        end = end if end is not None else getattr(record, "until", None)
        if not country_itself:
            g.add((node, RDF.type, GG.SourcedRecord))
            g.add((node, GG.country, self.country))
        g.add((node, GG.confidence, concept("confidence", confidence)))
        if start:
            _dated(g, node, GG.validFrom, start)
        if end:
            _dated(g, node, GG.validUntil, end)
        for n, citation in enumerate(sources, start=1):
            cite = URIRef(f"{node}/citation/{n}")
            src = source_iri(citation.id)
            g.add((node, GG.citation, cite))
            g.add((node, DCTERMS.source, src))
            g.add((node, PROV.wasDerivedFrom, src))
            g.add((cite, RDF.type, GG.Citation))
            g.add((cite, GG.citedSource, src))
            g.add((cite, GG.locator, Literal(citation.locator)))
            if citation.note:
                g.add((cite, GG.citationNote, Literal(citation.note)))

    def legal_basis(self, node: URIRef, basis: list[str] | None) -> None:
        if basis is None:
            return
        if not basis:
            self.g.add((node, GG.legalBasisStatus, GG.NoLegalBasisFound))
        for slug in basis:
            self.g.add((node, CV.hasFormalFramework, self.iri(slug)))

    def group_membership(self, group: Group, member: GroupMember) -> None:
        """The country's membership of an intergovernmental organisation, and the organisation's
        names (repeated in each member's graph, so every country graph stands on its own)."""
        g, gnode = self.g, group_iri(group.id)
        node = self.iri(f"group/{group.id}" + (f"/{member.from_.isoformat()}" if member.from_ else ""))
        g.add((gnode, RDF.type, GG.IntergovernmentalOrganisation))
        _texts(g, gnode, (RDFS.label, SKOS.prefLabel), group.name)
        if group.acronym:
            g.add((gnode, GG.acronym, Literal(group.acronym)))
        if group.homepage:
            g.add((gnode, FOAF.homepage, URIRef(group.homepage)))
        g.add((node, RDF.type, GG.GroupMembership))
        g.add((node, GG.groupMember, self.country))
        g.add((node, GG.inGroup, gnode))
        self.fact(node, member)

    def common(self, node: URIRef, record) -> None:
        """Fields shared by named bodies: labels, acronym, dates, links."""
        g = self.g
        _texts(g, node, (RDFS.label, SKOS.prefLabel), record.name)
        if record.acronym:
            g.add((node, GG.acronym, Literal(record.acronym)))
        if record.established:
            _dated(g, node, GG.established, record.established)
        if record.replaces:
            g.add((node, GG.replaces, self.iri(record.replaces)))
            g.add((self.iri(record.replaces), GG.replacedBy, node))
        if record.homepage:
            g.add((node, FOAF.homepage, URIRef(record.homepage)))
        if record.wikidata:
            g.add((node, SKOS.exactMatch, URIRef(WD + record.wikidata)))
        _texts(g, node, (DCTERMS.description,), record.description)
        self.legal_basis(node, record.legal_basis)

    def build(self, *, searches: bool = True, assessments: bool = False) -> None:
        c, g, node = self.c.country, self.g, self.country
        g.add((node, RDF.type, GG.Country))
        _texts(g, node, (RDFS.label, SKOS.prefLabel), c.name)
        g.add((node, GG.iso3166Alpha2, Literal(c.code)))
        if c.iso3:
            g.add((node, GG.iso3166Alpha3, Literal(c.iso3)))
        for lang in c.languages:
            g.add((node, GG.officialLanguage, Literal(lang, datatype=XSD.language)))
        if c.wikidata:
            g.add((node, SKOS.exactMatch, URIRef(WD + c.wikidata)))
        if c.homepage:
            g.add((node, FOAF.homepage, URIRef(c.homepage)))
        external_country_ids(g, node, c.iso3)
        g.add((node, GG.benchmarkCountry, Literal(c.benchmark)))
        self.fact(node, c, country_itself=True)
        for gap in getattr(self.c, "gaps", []):
            g.add((node, GG.knownGap, Literal(f"{gap.topic}: {gap.note}", lang="en")))
        for record in self.c.institutions:
            self.institution(record)
        for record in self.c.lead:
            self.lead(record)
        for record in self.c.coordination_bodies:
            self.body(record)
        for record in self.c.mandates:
            self.mandate(record)
        for record in self.c.levers:
            self.lever(record)
        for record in self.c.legal_instruments:
            self.instrument(record)
        for record in self.c.strategies:
            self.strategy(record)
        for record in self.c.relations:
            self.relation(record)
        for record in self.c.notes:
            node = self.iri(record.id)
            g.add((node, RDF.type, GG.DatasetNote))
            _texts(g, node, (DCTERMS.description,), record.text)
            self.fact(node, record)
        # a scenario keeps its baseline's record of what was searched; the role assessments are for
        # the cast dates of the baseline only
        search_nodes = self.searches() if searches else []
        if assessments:
            self.assessments(search_nodes)

    def institution(self, r: Institution) -> None:
        g, node = self.g, self.iri(r.id)
        g.add((node, RDF.type, KIND_CLASS[r.kind]))
        if r.kind != "local-government-association":
            g.add((node, RDF.type, GG.PublicInstitution))
        g.add((node, ORG.classification, concept("institution-kind", r.kind)))
        self.common(node, r)
        if r.part_of:
            g.add((node, ORG.unitOf if r.kind == "unit" else ORG.subOrganizationOf, self.iri(r.part_of)))
        if r.reports_to:
            g.add((node, GG.reportsTo, self.iri(r.reports_to)))
        if r.placement:
            g.add((node, GG.placement, concept("placement", r.placement)))
        self.cast_roles(node, r.roles)
        self.fact(node, r)

    def cast_roles(self, node: URIRef, roles: list[str]) -> None:
        for role in roles:
            self.g.add((node, GG.playsCastRole, concept("cast-role", role)))

    def searches(self) -> list[URIRef]:
        """The curators' searches for roles not found (gg:RoleSearch), one node per entry."""
        g, nodes = self.g, []
        for r in self.c.searched:
            slug = f"search/{r.roles[0]}/{r.from_.isoformat() if r.from_ else 'any'}"
            node, n = self.iri(slug), 1
            while node in nodes:
                n += 1
                node = self.iri(f"{slug}-{n}")
            nodes.append(node)
            self.note(node, r)
            g.add((node, RDF.type, GG.RoleSearch))
            g.add((node, GG.country, self.country))
            for role in r.roles:
                g.add((node, GG.searchedRole, concept("cast-role", role)))
            g.add((node, GG.searchedOn, _date(r.searched_on)))
            g.add((node, GG.searchedWhere, Literal(r.where)))
            _texts(g, node, (DCTERMS.description,), r.note)
            if r.from_:
                _dated(g, node, GG.validFrom, r.from_)
            if r.until:
                _dated(g, node, GG.validUntil, r.until)
            for citation in r.sources or []:
                g.add((node, DCTERMS.references, source_iri(citation.id)))
        return nodes

    def filler_node(self, kind: str, record, body) -> URIRef:
        if kind == "lead":
            return self.lead_node(record)
        if kind == "membership":
            return self.membership_node(body, record)
        return self.iri(record.id)

    def assessments(self, search_nodes: list[URIRef]) -> None:
        """The status of every cast role on every cast date (gg:RoleAssessment), derived by cast.assess."""
        g = self.g
        node_of_search = {id(r): n for r, n in zip(self.c.searched, search_nodes)}
        for day in cast.DATES:
            for item in cast.assess(self.c, day):
                node = self.iri(f"cast/{day.isoformat()}/{item.role}")
                self.note(node, self.c.country)
                g.add((node, RDF.type, GG.RoleAssessment))
                g.add((node, GG.country, self.country))
                g.add((node, GG.assessedRole, concept("cast-role", item.role)))
                g.add((node, GG.assessedOn, _date(day)))
                g.add((node, GG.roleStatus, concept("role-status", item.status)))
                for kind, record, body in item.filled_by:
                    g.add((node, GG.filledBy, self.filler_node(kind, record, body)))
                if item.status != "filled":
                    for search in item.searches:
                        g.add((node, GG.coveredBySearch, node_of_search[id(search)]))

    def lead_node(self, r) -> URIRef:
        when = r.from_.isoformat() if r.from_ else "since"
        return self.iri(r.id or f"lead/{r.body}-{when}")

    def membership_node(self, body: CoordinationBody, m) -> URIRef:
        path = f"{body.id}/member/{m.member}/{m.role}"
        if m.from_:
            path += f"/{m.from_.isoformat()}"
        return self.iri(path)

    def lead(self, r) -> None:
        g = self.g
        node = self.lead_node(r)
        body = self.iri(r.body)
        g.add((node, RDF.type, GG.LeadDesignation))
        g.add((node, GG.leadBody, body))
        g.add((body, GG.leadsDigitalGovernment, self.country))
        self.fact(node, r)

    def body(self, r: CoordinationBody) -> None:
        g, node = self.g, self.iri(r.id)
        g.add((node, RDF.type, GG.CoordinationBody))
        self.common(node, r)
        g.add((node, GG.coordinationLevel, concept("coordination-level", r.level)))
        if r.scope:
            g.add((node, GG.coordinationScope, concept("coordination-scope", r.scope)))
        self.fact(node, r)
        self.cast_roles(node, r.roles)
        for m in r.members:
            mnode, member = self.membership_node(r, m), self.iri(m.member)
            self.note(mnode, m)  # built with record=None below: noted here
            g.add((mnode, RDF.type, GG.Membership))
            g.add((mnode, ORG.organization, node))
            g.add((mnode, ORG.member, member))
            g.add((mnode, ORG.role, concept("membership-role", m.role)))
            _texts(g, mnode, (DCTERMS.description,), m.note)
            self.fact(mnode, None, sources=m.sources or r.sources, confidence=m.confidence or r.confidence,
                      start=m.from_ or r.from_, end=m.until or r.until)
            if m.role == "secretariat":
                g.add((member, GG.providesSecretariatFor, node))
            elif m.role != "observer":
                g.add((member, ORG.memberOf, node))
                if m.role == "chair":
                    g.add((member, GG.chairs, node))

    def mandate(self, r) -> None:
        g, node, holder = self.g, self.iri(r.id), self.iri(r.holder)
        g.add((node, RDF.type, GG.Mandate))
        g.add((node, GG.mandateHolder, holder))
        g.add((holder, GG.hasMandate, node))
        _texts(g, node, (DCTERMS.description,), r.description)
        g.add((node, GG.mandateStrength, concept("mandate-strength", r.strength)))
        self.legal_basis(node, r.legal_basis)
        for p in r.principles:
            g.add((node, GG.servesPrinciple, concept("oecd-principle", p)))
        self.fact(node, r)

    def lever(self, r) -> None:
        g, node, holder = self.g, self.iri(r.id), self.iri(r.holder)
        g.add((node, RDF.type, GG.PolicyLever))
        g.add((node, GG.leverHolder, holder))
        g.add((holder, GG.holdsLever, node))
        g.add((node, GG.leverType, concept("lever-type", r.type)))
        _texts(g, node, (DCTERMS.description,), r.description)
        g.add((node, GG.binding, Literal(r.binding)))
        if r.threshold:
            g.add((node, GG.thresholdAmount, _decimal(r.threshold.amount)))
            g.add((node, GG.thresholdCurrency, Literal(r.threshold.currency)))
        for slug in r.binds:
            g.add((node, GG.binds, self.iri(slug)))
        _texts(g, node, (GG.scopeNote,), r.scope)
        self.legal_basis(node, r.legal_basis)
        for p in r.principles:
            g.add((node, GG.servesPrinciple, concept("oecd-principle", p)))
        self.fact(node, r)

    def instrument(self, r) -> None:
        g, node = self.g, self.iri(r.id)
        g.add((node, RDF.type, GG.LegalInstrument))
        _texts(g, node, (DCTERMS.title, RDFS.label), r.title)
        g.add((node, GG.instrumentKind, concept("instrument-kind", r.kind)))
        if r.identifier:
            g.add((node, DCTERMS.identifier, Literal(r.identifier)))
        if r.date:
            _dated(g, node, DCTERMS.issued, r.date)
        if r.in_force:
            g.add((node, ELI.first_date_entry_in_force, _date(r.in_force)))
        for amended in r.amends:
            g.add((node, ELI.amends, self.iri(amended)))
        if r.url:
            g.add((node, FOAF.page, URIRef(r.url)))
        self.fact(node, r)

    def strategy(self, r) -> None:
        g, node = self.g, self.iri(r.id)
        g.add((node, RDF.type, GG.Strategy))
        _texts(g, node, (DCTERMS.title, RDFS.label), r.title)
        for owner in r.owner:
            g.add((node, GG.strategyOwner, self.iri(owner)))
        if r.url:
            g.add((node, FOAF.page, URIRef(r.url)))
        _texts(g, node, (DCTERMS.description,), r.description)
        self.legal_basis(node, r.legal_basis)
        self.fact(node, r)

    def relation(self, r) -> None:
        g = self.g
        actor, target = self.iri(r.actor), self.iri(r.target)
        node = self.iri(r.id or f"relation/{r.actor}/{r.relation}/{r.target}")
        g.add((node, RDF.type, GG.Relation))
        g.add((node, GG.actor, actor))
        g.add((node, GG.relationType, concept("relation-type", r.relation)))
        g.add((node, GG.target, target))
        g.add((actor, RELATION_SHORTCUT[r.relation], target))
        self.fact(node, r)




def external_country_ids(g: Graph, node: URIRef, iso3: str | None) -> None:
    """Tie a country to the EU country table (skos:exactMatch, never owl:sameAs: see docs/data-model.md).
    The ISO codes themselves stay literals (gg:iso3166Alpha2/3), the key to join on."""
    if iso3:
        g.add((node, SKOS.exactMatch, eu_country_iri(iso3)))



def _bind(g: Graph, code: str | None = None) -> None:
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True, replace=True)
    if code:
        g.bind(code.lower(), f"{ID}{code.lower()}/", override=True, replace=True)


def country_graph(country: CountryFile, origins: dict[str, str] | None = None, *, curation: bool = True,
                  groups: list[tuple[Group, GroupMember]] = ()) -> Graph:
    """One country's graph. `curation`: also the curators' searches and the standard cast's role
    assessments (the published graph has them; the reasoner's snapshots do not need them).
    `groups`: the country's memberships of intergovernmental organisations (`Dataset.groups_of`)."""
    g = new_graph(country_graph_iri(country.code))
    _bind(g, country.code)
    builder = _CountryBuilder(country, g, origins)
    builder.build(searches=curation, assessments=curation)
    for group, member in groups:
        builder.group_membership(group, member)
    return g


def scenario_graph(scenario: ScenarioFile, view: CountryFile, origins: dict[str, str] | None = None) -> Graph:
    """The scenario's own graph: the whole arrangement it describes, plus what the scenario is."""
    head = scenario.scenario
    g = new_graph(scenario_graph_iri(head.id))
    _bind(g, view.code)
    builder = _CountryBuilder(view, g, origins)
    builder.build()
    _scenario(builder, scenario)
    for order, phase in enumerate(scenario.phases, start=1):
        _phase(builder, scenario, order, phase)
    return g


def _scenario(builder: _CountryBuilder, scenario: ScenarioFile) -> None:
    """What the scenario is (in its graph and in each of its phase graphs, so that every graph a
    scenario's picture is read from says whose picture it is)."""
    head, g = scenario.scenario, builder.g
    node = scenario_iri(head.id)
    g.add((node, RDF.type, GG.Scenario))
    g.add((node, GG.scenarioOf, builder.country))
    g.add((node, GG.baseDate, _date(head.base)))
    _texts(g, node, (DCTERMS.title, RDFS.label), head.title)
    _texts(g, node, (DCTERMS.description,), head.description)
    builder.fact(node, head)


def _phase(builder: _CountryBuilder, scenario: ScenarioFile, order: int, phase: Phase) -> None:
    """A phase as a dated (or relative) prov:Activity of the scenario: what it adds, removes and
    changes (record IRIs), and the named graph that holds the picture after it."""
    g, sid = builder.g, scenario.scenario.id
    node = phase_iri(sid, phase.id)
    g.add((node, RDF.type, GG.ScenarioPhase))
    g.add((node, GG.phaseOf, scenario_iri(sid)))
    g.add((node, GG.phaseOrder, Literal(order)))
    g.add((node, GG.phaseWhen, Literal(phase.when_text())))
    g.add((node, GG.phaseGraph, phase_graph_iri(sid, order)))
    if phase.relative:
        g.add((node, GG.phaseFirstYear, Literal(phase.when[0])))
        g.add((node, GG.phaseLastYear, Literal(phase.when[1])))
    else:
        g.add((node, GG.phaseDate, _date(phase.when)))
    _texts(g, node, (DCTERMS.title, RDFS.label), phase.title)
    _texts(g, node, (DCTERMS.description,), phase.description)
    for kind, record in phase.add.records():
        if (rid := record_id(kind, record)) is not None:
            g.add((node, GG.adds, builder.iri(rid)))
    for rid in phase.remove:
        g.add((node, GG.removes, builder.iri(rid)))
    for change in phase.change:
        g.add((node, GG.changes, builder.iri(str(change["id"]))))
    builder.fact(node, phase)


def phase_graph(scenario: ScenarioFile, order: int, view: CountryFile,
                origins: dict[str, str] | None = None) -> Graph:
    """The whole arrangement after phase `order` (from 1), with the scenario and the phase itself:
    analysable, queryable and mapped like a scenario."""
    g = new_graph(phase_graph_iri(scenario.scenario.id, order))
    _bind(g, view.code)
    builder = _CountryBuilder(view, g, origins)
    builder.build()
    _scenario(builder, scenario)
    _phase(builder, scenario, order, scenario.phases[order - 1])
    return g


def sources_graph(sources: dict[str, SourceDecl], origins: dict[str, str] | None = None) -> Graph:
    g = new_graph(SOURCES_GRAPH)
    _bind(g)
    for sid, s in sorted(sources.items()):
        node = source_iri(sid)
        if origins is not None and s.origin[0] and str(node) not in origins:
            origins[str(node)] = f"{s.origin[0]}:{s.origin[1]}:{s.origin[2]}"
        g.add((node, RDF.type, GG.Source))
        g.add((node, DCTERMS.title, Literal(s.title)))
        if s.part_of:
            g.add((node, DCTERMS.isPartOf, source_iri(s.part_of)))
        g.add((node, RDFS.label, Literal(s.title)))
        g.add((node, DCTERMS.identifier, Literal(sid)))
        g.add((node, GG.sourceKind, concept("source-kind", s.kind)))
        if s.publisher:
            g.add((node, DCTERMS.publisher, Literal(s.publisher)))
        if s.date:
            _dated(g, node, DCTERMS.issued, s.date)
        if s.url:
            g.add((node, FOAF.page, URIRef(s.url)))
        if s.language:
            g.add((node, DCTERMS.language, Literal(s.language, datatype=XSD.language)))
    return g


def ontology_graph() -> Graph:
    """The ontology and concept schemes; OWL restrictions' blank nodes get content-derived labels,
    so they serialise to the same bytes every time."""
    parsed = Graph()
    for path in ontology_files():
        parsed.parse(path, format="turtle")
    g = new_graph(ONTOLOGY_GRAPH)
    _bind(g)
    for triple in to_canonical_graph(parsed):
        g.add(triple)
    return g


def recipes(dataset: Dataset, *, ontology: Graph | None = None) -> dict[URIRef, Callable[[dict | None], Graph]]:
    """How to make each named graph of the dataset, in build order (ontology, sources, one per
    country, one per scenario and per phase): graph IRI → a function of `origins` (filled, when
    given, as `record_origins` would fill it, first origin kept), so one graph can be made alone."""
    made: dict[URIRef, Callable[[dict | None], Graph]] = {
        ONTOLOGY_GRAPH: lambda origins: ontology if ontology is not None else ontology_graph(),
        SOURCES_GRAPH: lambda origins: sources_graph(dataset.sources, origins),
    }
    for code, c in sorted(dataset.countries.items()):
        made[country_graph_iri(code)] = lambda origins, c=c, code=code: country_graph(
            c, origins, groups=dataset.groups_of(code))
    for sid, view in sorted(dataset.scenario_views.items()):
        scenario = dataset.scenarios[sid]

        def whole(origins, scenario=scenario, view=view, sid=sid):
            head = scenario.scenario
            if origins is not None and head.origin[0]:
                origins.setdefault(f"{ID}scenario/{sid}", f"{head.origin[0]}:{head.origin[1]}:{head.origin[2]}")
            return scenario_graph(scenario, view, origins)

        made[scenario_graph_iri(sid)] = whole
        for order, picture in enumerate(dataset.phase_views.get(sid, ()), start=1):
            made[phase_graph_iri(sid, order)] = lambda origins, s=scenario, n=order, p=picture: phase_graph(
                s, n, p, origins)
    return made


def build(dataset: Dataset, *, ontology: Graph | None = None, origins: dict[str, str] | None = None) -> list[Graph]:
    """Every named graph of the dataset: ontology, sources, one per country, one per scenario.
    `origins`, when given, is filled as `record_origins` would fill it, on the same pass."""
    return [make(origins) for make in recipes(dataset, ontology=ontology).values()]


# -- what decides each graph (for work kept between builds) ---------------------------------------

def graph_keys(dataset: Dataset) -> dict[URIRef, str]:
    """A digest per named graph of everything that decides it and the origins reported with it:
    govgraph's code (with the ontology), and the curated files it is made from — a country's file
    and groups.yaml, a scenario's file and its country's, every source declaration and where it
    stands (a phase's picture: its scenario's). Work on a graph whose key an earlier build saw can be
    reused without building it."""
    code, inputs = code_digest(), dataset.inputs
    groups = sorted({inputs.get(g.origin[0], "") for g in dataset.groups.values()})
    keys = {ONTOLOGY_GRAPH: digest(code, "ontology"), SOURCES_GRAPH: sources_key(dataset, with_origins=True)}
    for cc, c in sorted(dataset.countries.items()):
        path = c.country.origin[0]
        keys[country_graph_iri(cc)] = digest(code, "country", path, inputs.get(path, ""), *groups)
    for sid, scenario in sorted(dataset.scenarios.items()):
        if sid in dataset.scenario_views:
            path = scenario.scenario.origin[0]
            base = keys.get(country_graph_iri(scenario.scenario.country.lower()), "")
            keys[scenario_graph_iri(sid)] = digest(code, "scenario", path, inputs.get(path, ""), base)
            for order in range(1, len(dataset.phase_views.get(sid, ())) + 1):
                keys[phase_graph_iri(sid, order)] = digest(keys[scenario_graph_iri(sid)], "phase", str(order))
    return keys


def sources_key(dataset: Dataset, *, with_origins: bool) -> str:
    """A digest of every source declaration; `with_origins`: and of where each stands (what the
    sources graph's own findings report). Without them, it keys the sources as other graphs' context."""
    declared = sorted(dataset.sources.items())
    return digest(code_digest(), "sources", *(s.model_dump_json() + (str(s.origin) if with_origins else "")
                                              for _, s in declared))


# -- where each node came from (for validation and reasoning reports) ----------------------------


def record_origins(dataset: Dataset) -> dict[str, str]:
    """Node IRI → "file:line:column" of the curated record it was built from (same IRIs as the builders),
    so a SHACL or reasoning report can send the curator to the right line. The pipeline gets the
    same from `build(dataset, origins=...)`, without building the graphs twice."""
    origins: dict[str, str] = {}
    build(dataset, ontology=Graph(), origins=origins)
    return origins
