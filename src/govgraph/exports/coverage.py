"""How much of each country's arrangement the curated data covers, and what is known to be missing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter

from govgraph.curated import cast
from govgraph.curated.model import BASELINE, CountryFile, Dataset

COLUMNS = (
    "country", "name", "benchmark", "lead_baseline", "institutions", "coordination_bodies", "memberships",
    "mandates", "levers", "legal_instruments", "strategies", "relations", "notes", "facts", "confirmed",
    "reported", "uncertain", "known_gaps",
    *(f"cast_{d.year}_{s.replace('-', '_')}" for d in cast.DATES for s in cast.STATUSES),
)
CONFIDENCES = ("confirmed", "reported", "uncertain")


def facts_by_kind(country: CountryFile) -> dict[str, dict[str, int]]:
    """Facts per kind of record and confidence (memberships take their body's when they give none)."""
    table: dict[str, Counter[str]] = {"country": Counter([country.country.confidence])}
    for kind, record in country.records():
        table.setdefault(kind, Counter())[record.confidence] += 1
    for body in country.coordination_bodies:
        for m in body.members:
            table.setdefault("membership", Counter())[m.confidence or body.confidence] += 1
    return {kind: {c: counts[c] for c in CONFIDENCES} for kind, counts in sorted(table.items())}


def country_row(country: CountryFile, as_of: dt.date = BASELINE) -> dict:
    by_kind = facts_by_kind(country)
    confidence: Counter[str] = Counter()
    for counts in by_kind.values():
        confidence.update(counts)
    memberships = sum(len(body.members) for body in country.coordination_bodies)
    leads = sorted(lead.body for lead in country.lead if lead.holds_on(as_of))  # as snapshot(…).lead, uncopied
    return {
        "country": country.country.code,
        "name": country.country.name["en"],
        "benchmark": country.country.benchmark,
        "lead_baseline": " ".join(leads),
        "institutions": len(country.institutions),
        "coordination_bodies": len(country.coordination_bodies),
        "memberships": memberships,
        "mandates": len(country.mandates),
        "levers": len(country.levers),
        "legal_instruments": len(country.legal_instruments),
        "strategies": len(country.strategies),
        "relations": len(country.relations),
        "notes": len(country.notes),
        "facts": sum(confidence.values()),
        "confirmed": confidence["confirmed"],
        "reported": confidence["reported"],
        "uncertain": confidence["uncertain"],
        "known_gaps": len(country.gaps),
        **{f"cast_{day[:4]}_{status.replace('-', '_')}": n
           for day, counts in cast.summary(country).items() for status, n in counts.items()},
    }


def cast_table(country: CountryFile) -> dict[str, dict[str, str]]:
    """``{role: {cast date: status}}``: the standard cast of one country."""
    table: dict[str, dict[str, str]] = {}
    for day in cast.DATES:
        for item in cast.assess(country, day):
            table.setdefault(item.role, {})[day.isoformat()] = item.status
    return table


def coverage(dataset: Dataset, as_of: dt.date = BASELINE) -> dict:
    """Counts per country, facts by kind and confidence, and the known gaps, as plain data.
    `lead_baseline` is the lead body on `as_of` (30 June 2016 unless told)."""
    return {
        "as_of": as_of.isoformat(),
        "countries": [country_row(c, as_of) for _, c in sorted(dataset.countries.items())],
        "facts_by_confidence": {
            c.country.code: facts_by_kind(c) for _, c in sorted(dataset.countries.items())
        },
        "gaps": {
            c.country.code: [{"topic": g.topic, "note": g.note} for g in c.gaps]
            for _, c in sorted(dataset.countries.items())
        },
        "cast": {c.country.code: cast_table(c) for _, c in sorted(dataset.countries.items())},
    }


def to_json(report: dict) -> bytes:
    return (json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def to_csv(report: dict) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(report["countries"])
    return buf.getvalue().encode("utf-8")


def to_markdown(report: dict) -> bytes:
    lines = ["# Coverage of the curated data", "",
             "Counts of records per country (memberships counted separately) and facts by confidence.", "",
             "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in report["countries"]:
        lines.append("| " + " | ".join(str(row[c]) for c in COLUMNS) + " |")
    lines += ["", f"`lead_baseline` is the lead body on {report.get('as_of', BASELINE.isoformat())}; "
              "`facts` counts every sourced record (country, institutions, leads, bodies, memberships, "
              "mandates, levers, instruments, strategies, relations, notes).", "",
              "## Facts by kind and confidence", "",
              "All countries together: confirmed in a cited primary source / reported by a secondary "
              "source / uncertain.", "",
              "| kind | " + " | ".join(CONFIDENCES) + " | uncertain share |", "|---|---|---|---|---|"]
    totals: dict[str, Counter[str]] = {}
    for by_kind in report.get("facts_by_confidence", {}).values():
        for kind, counts in by_kind.items():
            totals.setdefault(kind, Counter()).update(counts)
    for kind, counts in sorted(totals.items()):
        n = sum(counts.values())
        share = f"{100 * counts['uncertain'] / n:.0f}%" if n else "–"
        lines.append(f"| {kind} | " + " | ".join(str(counts[c]) for c in CONFIDENCES) + f" | {share} |")
    lines += ["", "## The standard cast", "",
              "Each role on each cast date: **filled** by a record, **searched, not found** (a "
              "`searched:` entry), or **unknown** (never searched: fill it or record the search).", ""]
    marks = {"filled": "filled", "searched-not-found": "searched, not found", "unknown": "**unknown**"}
    for code, table in report.get("cast", {}).items():
        days = sorted({d for by_day in table.values() for d in by_day})
        lines += [f"### {code}", "", "| role | " + " | ".join(days) + " |", "|---|" + "---|" * len(days)]
        lines += [f"| {role} | " + " | ".join(marks[by_day[d]] for d in days) + " |"
                  for role, by_day in table.items()]
        lines.append("")
    lines += ["", "## Known gaps", "",
              "What the curators looked for and did not find (the `gaps:` of each country file).", ""]
    for code, gaps in report["gaps"].items():
        lines.append(f"### {code}")
        if gaps:
            lines += [f"- **{g['topic']}**: {g['note']}" for g in gaps]
        else:
            lines.append("- none recorded")
        lines.append("")
    return ("\n".join(lines).rstrip() + "\n").encode("utf-8")
