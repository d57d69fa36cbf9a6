"""`govgraph export --format panel-csv|panel-json`: every country × year × indicator, for pandas and R.

Tidy (long) rows, one per country, year and indicator (columns: `timeline.PANEL_COLUMNS`, documented in
docs/linking.md), from the same per-year analysis the site's year control draws: each distinct picture
of a country is analysed once and shared by the years it lasts (`analysis.timeline`).
"""

from __future__ import annotations

import re
from pathlib import Path

from govgraph.analysis import projection, timeline
from govgraph.core.errors import UsageError
from govgraph.store import embedded

FORMATS = {"panel-csv": ("panel.csv", timeline.panel_csv), "panel-json": ("panel.json", timeline.panel_json)}


def export(out: Path, fmt: str, *, country: str | None = None, years: range | None = None) -> dict[str, bytes]:
    """File name → bytes. `years`: default, the span the data covers (`timeline.dataset_span`)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown panel format {fmt!r} (one of {', '.join(FORMATS)})")
    db = embedded.open_store(out)
    known = projection.countries(db)
    if country is not None:
        if not re.fullmatch(r"[A-Za-z]{2}", country) or country.lower() not in known:
            raise UsageError(f"no country {country.upper()} in this build (known: {', '.join(c.upper() for c in known)})")
    codes = [country.lower()] if country else known
    years = years if years is not None else timeline.dataset_span(db)
    name, write = FORMATS[fmt]
    return {name: write(timeline.panel_rows(timeline.analyse_all_years(db, years, countries=codes)))}
