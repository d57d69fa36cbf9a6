"""Seeded synthetic governments, built through the same curated-data path as the real ones.

Why through the curated path: a benchmark of RDF that govgraph would never produce measures nothing.
Here every synthetic country is first a YAML-shaped document (exactly what a curator writes, see
graph/README.md), validated into govgraph's own records (`model.CountryFile`), and turned into RDF by
`build.country_graph` — so the triples have the real shapes: citations, confidence, validity dates,
memberships, n-ary levers, language-tagged labels. For small sizes the same documents can be written
as a data folder (`write_data_dir`) and read back with `curated.load`, the loader `govgraph build`
uses; the smoke test does that.

Shape of one government of M institutions (proportions loosely follow the real countries in graph/):

- a centre-of-government office, ~M/10 ministries (one of them the finance ministry), agencies under
  ministries, internal units under ministries and agencies (a three-level hierarchy), a few
  autonomous bodies; one lead designation (a unit or agency), some earlier lead history;
- co-ordination bodies (~M/12) of 4–12 members with a chair and a secretariat, at the three levels;
- policy levers (~M/7) held by ministries and agencies, with type, bindingness, a threshold in the
  country's currency, the institutions they bind and a legal basis;
- mandates, legal instruments, strategies, oversight/funding relations;
- ~M/15 sources per country; every record cites one or two of them with a locator, and ~15% of
  records carry `from`/`until` dates (history).

The same seed gives the same documents, the same records and the same bytes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ruamel.yaml import YAML

from govgraph.curated.model import CountryFile, Dataset
from govgraph.rdf import mapping

# ISO 3166-1 user-assigned codes first (AA, QM–QZ, XA–XZ, ZZ): never a real country.
_USER_CODES = ["AA"] + [f"Q{c}" for c in "MNOPQRSTUVWXYZ"] + [f"X{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"] + ["ZZ"]

LEVER_TYPES = ("strategy-setting", "ict-budget", "project-approval", "spending-control", "business-case",
               "procurement", "standards", "monitoring", "shared-platforms", "digital-identity", "legal-powers",
               "skills")
PRINCIPLES = ("governance-coordination", "business-cases", "procurement", "data-driven-culture",
              "openness-transparency", "legal-regulatory-frameworks", "institutional-capacities",
              "leadership-political-commitment", "risk-management-privacy-security")
POLICY_AREAS = ("Finance", "Interior", "Health", "Education", "Justice", "Economy", "Labour", "Transport",
                "Environment", "Agriculture", "Defence", "Foreign Affairs", "Culture", "Energy", "Housing",
                "Social Development", "Science", "Public Works", "Mining", "Tourism")
AREAS_ES = ("Hacienda", "Interior", "Salud", "Educación", "Justicia", "Economía", "Trabajo", "Transportes",
            "Medio Ambiente", "Agricultura", "Defensa", "Relaciones Exteriores", "Cultura", "Energía",
            "Vivienda", "Desarrollo Social", "Ciencia", "Obras Públicas", "Minería", "Turismo")
AGENCY_WORDS = ("Agency", "Service", "Office", "Directorate", "Institute", "Authority")
UNIT_WORDS = ("ICT Unit", "Digital Division", "Data Office", "Procurement Unit", "Planning Department",
              "Innovation Lab", "Security Team", "Services Division")


def country_code(i: int) -> str:
    """The i-th synthetic country code: user-assigned ISO codes, then other unused-looking pairs."""
    if i < len(_USER_CODES):
        return _USER_CODES[i]
    j = i - len(_USER_CODES)
    return "Y" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[j % 26] if j < 26 else f"{chr(65 + (j // 26) % 26)}{chr(65 + j % 26)}"


@dataclass(frozen=True)
class Size:
    """How much to generate: `countries` governments of `institutions` institutions each."""

    name: str
    countries: int
    institutions: int


# Calibrated so that build.build(...) gives about the named number of triples (the ontology and the
# sources graph add ~1.5k): about 38 triples per institution (with its share of bodies, levers, …).
SIZES = {
    "tiny": Size("tiny", 2, 24),
    "10k": Size("10k", 4, 57),
    "100k": Size("100k", 12, 216),
    "1m": Size("1m", 40, 655),
}


class _Government:
    """One synthetic country as a YAML-shaped document (plain dicts, lists, strings, numbers)."""

    def __init__(self, code: str, institutions: int, rng: random.Random):
        self.code, self.m, self.rng = code, max(institutions, 12), rng
        self.cc = code.lower()
        self.sources: list[str] = []
        self.currency = f"{code}X"[:3] if code[0] != "X" else f"X{code[1]}D"

    # -- helpers ------------------------------------------------------------------------------
    def cite(self, n: int | None = None) -> list[dict]:
        n = n or self.rng.choice((1, 1, 1, 2))
        picked = self.rng.sample(self.sources, min(n, len(self.sources)))
        return [{"id": s, "locator": f"Chapter {self.rng.randint(1, 9)}, p. {self.rng.randint(1, 240)}"}
                for s in picked]

    def fact(self, record: dict, *, dated: float = 0.15) -> dict:
        record["sources"] = self.cite()
        record["confidence"] = self.rng.choices(("confirmed", "reported", "uncertain"), (70, 22, 8))[0]
        if self.rng.random() < dated:
            start = self.rng.randint(1995, 2015)
            record["from"] = start
            if self.rng.random() < 0.4:
                record["until"] = self.rng.randint(start + 1, 2023)
        return record

    def name(self, en: str, es: str | None = None) -> dict:
        return {"en": en, "es": es} if es else {"en": en}

    # -- the document -------------------------------------------------------------------------
    def document(self) -> dict:
        rng, m, cc = self.rng, self.m, self.cc
        self.sources = [f"{cc}-src-{i}" for i in range(1, max(3, m // 15) + 1)]
        sources = [{"id": s, "title": f"Synthetic source {i} on the governance of {self.code}",
                    "publisher": rng.choice(("Government", "OECD", "Audit Office", "Press")),
                    "date": rng.randint(2000, 2020), "url": f"https://example.org/{cc}/source/{i}",
                    "kind": rng.choice(("primary", "primary", "secondary", "tertiary")), "language": "en"}
                   for i, s in enumerate(self.sources, 1)]
        n_instr = max(2, m // 20)
        instruments = [self.fact({"id": f"law-{i}", "title": self.name(f"Law {i} of {self.code}", f"Ley {i}"),
                                  "kind": rng.choice(("law", "decree", "regulation", "resolution", "decree-law")),
                                  "identifier": f"{self.code}-{1990 + i % 30}-{i}",
                                  "date": rng.randint(1990, 2016)}, dated=0.0)
                       for i in range(1, n_instr + 1)]
        laws = [r["id"] for r in instruments]

        inst: list[dict] = []
        cog = self.fact({"id": "cog", "name": self.name("Office of the Head of Government", "Presidencia"),
                         "kind": "centre-of-government-office", "placement": "centre-of-government",
                         "legal_basis": [rng.choice(laws)]}, dated=0.0)
        inst.append(cog)
        n_min = max(3, m // 10)
        ministries = []
        for i in range(n_min):
            area, area_es = POLICY_AREAS[i % len(POLICY_AREAS)], AREAS_ES[i % len(AREAS_ES)]
            suffix = f" {i // len(POLICY_AREAS) + 1}" if i >= len(POLICY_AREAS) else ""
            rec = self.fact({"id": f"min-{i}", "name": self.name(f"Ministry of {area}{suffix}",
                                                                  f"Ministerio de {area_es}{suffix}"),
                             "acronym": f"M{area[:3].upper()}{suffix.strip()}", "kind": "ministry",
                             "placement": "finance-ministry" if i == 0 else "line-ministry",
                             "reports_to": "cog", "established": rng.randint(1900, 2010)}, dated=0.05)
            inst.append(rec)
            ministries.append(rec["id"])
        n_auto = max(1, m // 40)
        rest = m - 1 - n_min - n_auto
        n_agency = max(2, int(rest * 0.45))
        n_unit = max(2, rest - n_agency)
        agencies = []
        for i in range(n_agency):
            parent = rng.choice(ministries)
            rec = self.fact({"id": f"agency-{i}",
                             "name": self.name(f"{rng.choice(AGENCY_WORDS)} {i} of the {parent}"),
                             "acronym": f"AG{i}", "kind": "agency", "part_of": parent, "reports_to": parent,
                             "placement": "autonomous-agency" if rng.random() < 0.2 else "line-ministry"})
            if rng.random() < 0.3:
                rec["legal_basis"] = [rng.choice(laws)]
            elif rng.random() < 0.1:
                rec["legal_basis"] = []
            inst.append(rec)
            agencies.append(rec["id"])
        units = []
        for i in range(n_unit):
            parent = rng.choice(agencies + ministries + ["cog"])
            rec = self.fact({"id": f"unit-{i}", "name": self.name(f"{rng.choice(UNIT_WORDS)} {i}"),
                             "kind": "unit", "part_of": parent})
            inst.append(rec)
            units.append(rec["id"])
        autonomous = []
        for i in range(n_auto):
            rec = self.fact({"id": f"auto-{i}", "name": self.name(f"Independent Authority {i}"),
                             "kind": "autonomous-body", "placement": "autonomous-agency",
                             "legal_basis": [rng.choice(laws)]})
            inst.append(rec)
            autonomous.append(rec["id"])
        # the lead body: a unit of the centre of government, with an earlier lead before it
        lead_unit = {"id": "digital-lead", "name": self.name("Digital Government Unit", "Unidad de Gobierno Digital"),
                     "kind": "unit", "part_of": "cog", "placement": "centre-of-government",
                     "legal_basis": [laws[0]]}
        inst.append(self.fact(lead_unit, dated=0.0))
        agents = ministries + agencies + units + autonomous + ["cog", "digital-lead"]
        lead = [self.fact({"body": "digital-lead", "from": 2012}, dated=0.0),
                self.fact({"body": ministries[-1], "from": 2001, "until": 2012}, dated=0.0)]

        bodies = []
        for i in range(max(2, m // 12)):
            size = rng.randint(4, 12)
            members = rng.sample(agents, min(size, len(agents)))
            roles = ["chair", "secretariat"] + ["member"] * (len(members) - 2)
            if len(roles) > 4 and rng.random() < 0.3:
                roles[-1] = "observer"
            ms = []
            for member, role in zip(members, roles):
                entry = {"member": member, "role": role}
                if rng.random() < 0.05:
                    entry["from"] = rng.randint(2005, 2015)
                ms.append(entry)
            body = self.fact({"id": f"body-{i}", "name": self.name(f"Co-ordination Committee {i}",
                                                                    f"Comité de Coordinación {i}"),
                              "level": rng.choice(("political", "senior-official", "technical")),
                              "scope": rng.choice(("whole-of-government", "sectoral", "across-levels-of-government")),
                              "members": ms})
            if rng.random() < 0.5:
                body["legal_basis"] = [rng.choice(laws)]
            bodies.append(body)
        body_ids = [b["id"] for b in bodies]

        holders = ministries + agencies + ["digital-lead", "cog"]
        levers = []
        for i in range(max(3, m // 7)):
            t = LEVER_TYPES[i % len(LEVER_TYPES)]
            lev = self.fact({"id": f"lever-{i}", "holder": rng.choice(holders), "type": t,
                             "description": self.name(f"Lever {i}: {t.replace('-', ' ')} applied across government"),
                             "binding": rng.random() < 0.6,
                             "binds": rng.sample(ministries + agencies, min(rng.randint(1, 5), len(ministries))),
                             "principles": rng.sample(PRINCIPLES, rng.randint(0, 2))})
            if t in ("spending-control", "project-approval", "business-case", "procurement"):
                lev["threshold"] = {"amount": rng.choice((100000, 250000, 1000000, 5000000)) * 1.0,
                                    "currency": self.currency}
            if rng.random() < 0.6:
                lev["legal_basis"] = [rng.choice(laws)]
            levers.append(lev)
        mandates = [self.fact({"id": f"mandate-{i}", "holder": rng.choice(agents + body_ids),
                               "description": self.name(f"Mandate {i} for digital government"),
                               "strength": rng.choice(("advisory", "co-ordinating", "decision-making", "enforcing")),
                               "legal_basis": [rng.choice(laws)] if rng.random() < 0.7 else [],
                               "principles": rng.sample(PRINCIPLES, rng.randint(0, 2))})
                    for i in range(max(2, m // 10))]
        strategies = [self.fact({"id": f"strategy-{i}", "title": self.name(f"Digital Strategy {2000 + 4 * i}"),
                                 "owner": rng.choice(["digital-lead", "cog"] + ministries),
                                 "url": f"https://example.org/{cc}/strategy/{i}"})
                      for i in range(max(1, m // 50))]
        relations = [self.fact({"actor": rng.choice(ministries + ["cog"]),
                                "relation": rng.choice(("oversees", "funds", "advises", "supervises")),
                                "target": rng.choice(agencies + autonomous), "id": f"relation-{i}"})
                     for i in range(max(1, m // 25))]
        country = self.fact({"code": self.code, "name": self.name(f"Synthetic Republic {self.code}",
                                                                  f"República Sintética {self.code}"),
                             "languages": ["es"], "benchmark": True}, dated=0.0)
        return {"country": country, "sources": sources, "institutions": inst, "lead": lead,
                "coordination_bodies": bodies, "mandates": mandates, "levers": levers,
                "legal_instruments": instruments, "strategies": strategies, "relations": relations,
                "gaps": [{"topic": "synthetic", "note": "generated by benchmarks/synthetic.py"}]}


def documents(countries: int, institutions: int, seed: int = 0) -> Iterator[dict]:
    """One YAML-shaped document per country, deterministic in (countries, institutions, seed)."""
    for i in range(countries):
        rng = random.Random(f"{seed}-{i}-{institutions}")
        yield _Government(country_code(i), institutions, rng).document()


def dataset(countries: int, institutions: int, seed: int = 0) -> Dataset:
    """Records of the synthetic countries (validated by govgraph's model, as the loader does)."""
    ds = Dataset()
    for doc in documents(countries, institutions, seed):
        cf = CountryFile.model_validate(doc)
        ds.countries[cf.code] = cf
        for s in cf.sources:
            ds.sources[s.id] = s
    return ds


def graphs(ds: Dataset, *, ontology=None) -> list:
    """The named graphs govgraph builds from these records (ontology, sources, one per country)."""
    return mapping.build(ds, ontology=ontology)


def write_data_dir(folder: Path, countries: int, institutions: int, seed: int = 0) -> Path:
    """Write the documents as a curated data folder (countries/<cc>.yaml), as a curator would."""
    folder = Path(folder)
    (folder / "countries").mkdir(parents=True, exist_ok=True)
    for doc in documents(countries, institutions, seed):
        path = folder / "countries" / f"{doc['country']['code'].lower()}.yaml"
        yaml = YAML(typ="safe", pure=True)
        yaml.default_flow_style, yaml.allow_unicode, yaml.width = False, True, 120
        with path.open("w", encoding="utf-8") as handle:
            yaml.dump(doc, handle)
    return folder


def size(name: str) -> Size:
    return SIZES[name]


if __name__ == "__main__":  # python benchmarks/synthetic.py 10k out-dir : write a data folder
    import sys

    s = SIZES[sys.argv[1] if len(sys.argv) > 1 else "tiny"]
    target = write_data_dir(Path(sys.argv[2] if len(sys.argv) > 2 else "synthetic-data"), s.countries,
                            s.institutions)
    print(f"wrote {s.countries} countries × {s.institutions} institutions to {target}")
