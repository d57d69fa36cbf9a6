"""How much of each country's arrangement the curated data covers, and what is known to be missing."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

from .model import CountryFile, Dataset

COLUMNS = (
    "country", "name", "institutions", "coordination_bodies", "memberships", "mandates", "levers",
    "legal_instruments", "strategies", "relations", "facts", "confirmed", "reported", "uncertain",
    "known_gaps",
)


def country_row(country: CountryFile) -> dict:
    confidence: Counter[str] = Counter([country.country.confidence])
    memberships = 0
    for _, record in country.records():
        confidence[record.confidence] += 1
    for body in country.coordination_bodies:
        for m in body.members:
            memberships += 1
            confidence[m.confidence or body.confidence] += 1
    return {
        "country": country.country.code,
        "name": country.country.name["en"],
        "institutions": len(country.institutions),
        "coordination_bodies": len(country.coordination_bodies),
        "memberships": memberships,
        "mandates": len(country.mandates),
        "levers": len(country.levers),
        "legal_instruments": len(country.legal_instruments),
        "strategies": len(country.strategies),
        "relations": len(country.relations),
        "facts": sum(confidence.values()),
        "confirmed": confidence["confirmed"],
        "reported": confidence["reported"],
        "uncertain": confidence["uncertain"],
        "known_gaps": len(country.gaps),
    }


def coverage(dataset: Dataset) -> dict:
    """Counts per country plus the known gaps, as plain data."""
    return {
        "countries": [country_row(c) for _, c in sorted(dataset.countries.items())],
        "gaps": {
            c.country.code: [{"topic": g.topic, "note": g.note} for g in c.gaps]
            for _, c in sorted(dataset.countries.items())
        },
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
    lines += ["", "## Known gaps", ""]
    for code, gaps in report["gaps"].items():
        if gaps:
            lines.append(f"### {code}")
            lines += [f"- **{g['topic']}**: {g['note']}" for g in gaps]
            lines.append("")
    return ("\n".join(lines).rstrip() + "\n").encode("utf-8")
