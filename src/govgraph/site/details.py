"""The facts behind a map that the projection does not carry (descriptions, thresholds, the
sources of every record), read from the store in batches: what tooltips show."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govgraph.core.resources import query_text
from govgraph.core.vocab import GG as _GG
from govgraph.store import embedded

GG = str(_GG)


@dataclass
class Details:
    """What tooltips show beyond the projection: per record IRI its literals and its citations."""

    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    citations: dict[str, list[dict[str, str | None]]] = field(default_factory=dict)

    def fact(self, iri: str | None, name: str, lang: str | None = "en") -> Any:
        values = self.facts.get(iri or "", {}).get(name)
        if isinstance(values, dict):
            return values.get(lang) or values.get("en") or next(iter(sorted(values.items())), (None, None))[1]
        return values


_PROPS = {GG + "thresholdAmount": "threshold", GG + "thresholdCurrency": "currency", GG + "scopeNote": "scope",
          GG + "confidence": "confidence", GG + "validFrom": "from", GG + "validUntil": "until", GG + "binds": "binds",
          GG + "acronym": "acronym", "http://purl.org/dc/terms/description": "description",
          "http://www.w3.org/2000/01/rdf-schema#label": "label", "http://xmlns.com/foaf/0.1/homepage": "homepage",
          "http://xmlns.com/foaf/0.1/page": "page", "http://purl.org/dc/terms/identifier": "identifier"}


_MULTI = {"binds"}


def _values(sparql: str, records: list[str], var: str = "record") -> str:
    block = f"VALUES ?{var} {{ " + " ".join(f"<{r}>" for r in records) + " }"
    at = sparql.index("WHERE {") + len("WHERE {")
    return sparql[:at] + "\n  " + block + sparql[at:]


def _term(t: Any) -> str | None:
    return None if t is None else t.value


def details(source: Any, doc: dict[str, Any], *, batch: int = 400, cache: dict | None = None) -> Details:
    """Read from the store the literals and citations of every record the map of `doc` shows: its
    bodies, their levers, mandates and legal instruments, and the record behind each tie. `cache`:
    the sources read by earlier calls, kept per set of graphs, so maps drawn together read each once."""
    records: set[str] = set()
    for n in doc["nodes"]:
        records.add(n["iri"])
        records.update(n.get("legal_basis") or [])
        for item in (n.get("levers") or []) + (n.get("mandates") or []):
            records.add(item["iri"])
            records.update(item.get("legal_basis") or [])
    records.update(e["record"] for e in doc["edges"] if e.get("record"))
    wanted = sorted(r for r in records if r and r.startswith("http"))
    source = embedded.selector(source)
    graphs = embedded.dataset_of(source, doc.get("scenario"))
    out = Details()
    cited: list[tuple] = []
    for start in range(0, len(wanted), batch):
        chunk = wanted[start:start + batch]
        for rec, p, o in source.select(_values(query_text("site/facts"), chunk), graphs=graphs)[1]:
            name = _PROPS.get(p.value)
            if name is None:
                continue
            slot = out.facts.setdefault(rec.value, {})
            lang = getattr(o, "language", None)
            if name in _MULTI:
                slot.setdefault(name, []).append(o.value)
            elif lang:
                slot.setdefault(name, {}).setdefault(lang, o.value)
            else:
                slot.setdefault(name, o.value)
        cited += source.select(_values(query_text("site/citations"), chunk), graphs=graphs)[1]
    known = (cache if cache is not None else {}).setdefault(
        tuple(sorted(getattr(x, "value", str(x)) for x in graphs or [])), {})
    _sources_table(source, graphs, sorted({r[2].value for r in cited} - known.keys()), known, batch)
    seen: set[tuple[str, str, str]] = set()
    for rec, cit, src, locator, note in sorted(
            cited, key=lambda r: (r[0].value, _citation_order(r[1].value), r[2].value)):
        if (rec.value, cit.value, src.value) in seen:
            continue
        seen.add((rec.value, cit.value, src.value))
        ident, title, url = known[src.value]
        out.citations.setdefault(rec.value, []).append({
            "source": ident or src.value.rsplit("/", 1)[-1], "title": title,
            "url": url, "locator": _term(locator), "note": _term(note)})
    for slot in out.facts.values():
        if "binds" in slot:
            slot["binds"] = sorted(set(slot["binds"]))
    return out


def _sources_table(source: embedded.Selector, graphs, wanted: list[str], table: dict[str, tuple], batch: int) -> None:
    """Identifier, title and page of each of the `wanted` sources, into `table` ((None, None, None)
    for one the store does not describe): only the cited ones, since reading every source for
    each page cost more than the rest of the page."""
    for start in range(0, len(wanted), batch):
        chunk = wanted[start:start + batch]
        rows = source.select(_values(query_text("site/sources"), chunk, "source"), graphs=graphs)[1]
        for src, ident, title, url in sorted(rows, key=lambda r: tuple(_term(t) or "" for t in r)):
            table.setdefault(src.value, (_term(ident), _term(title), _term(url)))
        for src in chunk:
            table.setdefault(src, (None, None, None))


def _citation_order(iri: str) -> tuple[int, str]:
    tail = iri.rsplit("/", 1)[-1]
    return (int(tail), iri) if tail.isdigit() else (10**9, iri)
