"""The standard cast: which roles a country's records fill on a date, which were searched and not
found, and which are unknown.

How a record fills a role is data (the annotations on the cast-role concepts of the ontology,
generated into ``vocab.CAST_RULES``); this module only applies those rules to the records, so the
coverage report, the graph's role assessments, the checks and the analysis all read one answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from govgraph.core.vocab import CAST_DATES, CAST_RULES
from govgraph.curated.model import CountryFile, RoleSearch

ROLES: tuple[str, ...] = tuple(CAST_RULES)
DATES: tuple[dt.date, ...] = tuple(dt.date.fromisoformat(d) for d in CAST_DATES)
STATUSES = ("filled", "searched-not-found", "unknown")
MAIN_BODY = "main-coordination-body"

# The record classes a `class` rule may name, and the section that holds their records.
CLASS_SECTIONS = {"gg:LeadDesignation": "lead", "gg:Strategy": "strategies"}
DECLARING_SECTIONS = {"org:FormalOrganization": "institutions", "gg:CoordinationBody": "coordination_bodies"}


@dataclass
class RoleStatus:
    """One role of one country on one date: its status and the records or searches behind it."""

    role: str
    day: dt.date
    status: str
    # (kind, record, body) triples: kind is 'lead', 'strategy', 'lever', 'institution',
    # 'coordination_body' or 'membership' (then `body` is the co-ordination body it belongs to)
    filled_by: list[tuple[str, Any, Any]] = field(default_factory=list)
    searches: list[RoleSearch] = field(default_factory=list)


def _holds(record: Any, day: dt.date, within: Any = None) -> bool:
    start = getattr(record, "from_", None) or (getattr(within, "from_", None) if within else None)
    end = getattr(record, "until", None) or (getattr(within, "until", None) if within else None)
    return (start is None or start <= day) and (end is None or day < end)


def fillers(country: CountryFile, role: str, day: dt.date) -> list[tuple[str, Any, Any]]:
    """The records that play `role` on `day`, in file order."""
    found: list[tuple[str, Any, Any]] = []
    for rule, value in CAST_RULES[role]:
        if rule == "class":
            section = CLASS_SECTIONS[value]
            kind = "lead" if section == "lead" else "strategy"
            found += [(kind, r, None) for r in getattr(country, section) if _holds(r, day)]
        elif rule == "lever-type":
            found += [("lever", r, None) for r in country.levers if r.type == value and _holds(r, day)]
        elif rule == "institution-kind":
            found += [("institution", r, None) for r in country.institutions
                      if r.kind == value and _holds(r, day)]
        elif rule == "declared-by":
            section = DECLARING_SECTIONS[value]
            kind = "institution" if section == "institutions" else "coordination_body"
            found += [(kind, r, None) for r in getattr(country, section) if role in r.roles and _holds(r, day)]
        elif rule == "member-of-kind":
            sitting = {m.member for body in country.coordination_bodies if _holds(body, day)
                       for m in body.members if _holds(m, day, within=body)}
            found += [("institution", r, None) for r in country.institutions
                      if r.kind == value and r.id in sitting and _holds(r, day)]
        elif rule == "membership-role":
            for body in main_bodies(country, day):
                found += [("membership", m, body) for m in body.members
                          if m.role == value and _holds(m, day, within=body)]
    unique: list[tuple[str, Any, Any]] = []
    for item in found:
        if all(item[1] is not other[1] for other in unique):
            unique.append(item)
    return unique


def main_bodies(country: CountryFile, day: dt.date) -> list:
    return [b for b in country.coordination_bodies if MAIN_BODY in b.roles and _holds(b, day)]


def searches_for(country: CountryFile, role: str, day: dt.date) -> list[RoleSearch]:
    return [s for s in country.searched if role in s.roles and s.holds_on(day)]


def assess(country: CountryFile, day: dt.date) -> list[RoleStatus]:
    """Every cast role of `country` on `day`, in the order of ``ROLES``."""
    out = []
    for role in ROLES:
        filled = fillers(country, role, day)
        searches = searches_for(country, role, day)
        status = "filled" if filled else "searched-not-found" if searches else "unknown"
        out.append(RoleStatus(role, day, status, filled, searches))
    return out


def summary(country: CountryFile, days: tuple[dt.date, ...] = DATES) -> dict[str, dict[str, int]]:
    """``{date: {status: count}}`` for the cast dates."""
    table = {}
    for day in days:
        counts = {s: 0 for s in STATUSES}
        for item in assess(country, day):
            counts[item.status] += 1
        table[day.isoformat()] = counts
    return table
