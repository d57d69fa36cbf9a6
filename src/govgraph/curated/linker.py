"""The loader's second pass: everything that needs more than one record to check (references,
sources, dates, cycles, ids built from fields) and the scenarios applied to their baselines."""

from __future__ import annotations

import difflib
import functools
import io
import pickle
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from pydantic import ValidationError

from govgraph.core.memo import code_digest, digest
from govgraph.curated.model import (
    KIND_MODELS,
    SECTION_KINDS,
    CountryFile,
    Dataset,
    Fact,
    Phase,
    Record,
    Ref,
    ScenarioFile,
    Sections,
    copy_records,
    record_id,
    snapshot,
)
from govgraph.curated.problems import _dotted, _explain, _locate

if TYPE_CHECKING:
    from govgraph.curated.loader import _Loader


def _refs_in(annotation: Any) -> Iterator[Ref]:
    """The Ref markers anywhere inside a field's type annotation."""
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(meta, Ref):
            yield meta
    for arg in typing.get_args(annotation):
        yield from _refs_in(arg)


@functools.cache
def _reference_fields(model: type[Record]) -> tuple[tuple[str, str, Ref], ...]:
    """(field, YAML key, marker) for each field of `model` that refers to another record (read once
    per model: the annotations do not change)."""
    found = []
    for name, finfo in model.model_fields.items():
        refs = [m for m in finfo.metadata if isinstance(m, Ref)] + list(_refs_in(finfo.annotation))
        if refs:
            found.append((name, finfo.alias or name, refs[0]))
    return tuple(found)


def _references(record: Record) -> Iterator[tuple[str, Ref, str]]:
    """(YAML key, marker, value) for every reference to another record in `record`."""
    for name, key, marker in _reference_fields(type(record)):
        value = getattr(record, name)
        for v in value if isinstance(value, list) else [value]:
            if v is not None:
                yield key, marker, v


class _Linker:
    """Pass two: everything that needs more than one record to check."""

    def __init__(self, loader: _Loader, dataset: Dataset):
        self.loader = loader
        self.dataset = dataset

    def run(self) -> None:
        for country in self.dataset.countries.values():
            self.link(country)
        for group in self.dataset.groups.values():
            for member in group.members:
                self.check_fact(member, {})
                if member.country.lower() not in self.dataset.countries:
                    self.loader.report_at(member, "country", f"{member.country} has no country file",
                                          f"add countries/{member.country.lower()}.yaml, or leave the country out "
                                          "of the group until it is curated", key="country")
        for scenario in self.dataset.scenarios.values():
            sid, key = scenario.scenario.id, self.view_key(scenario)
            if key is not None and self.reuse_views(sid, key):
                continue
            view = self.apply(scenario)
            if view is not None:
                self.dataset.scenario_views[sid] = view
                if key is not None:
                    self.loader.views[key] = _dumps_view((view, self.dataset.phase_views.get(sid)))

    # -- scenario views kept between builds ----------------------------------------------------
    def view_key(self, scenario: ScenarioFile) -> str | None:
        """What decides a scenario's views and the checks made on them: its file, its country's
        file, the ids of every declared source (its citations must name one) and govgraph's code."""
        head, inputs = scenario.scenario, self.loader.inputs
        country = self.dataset.countries.get(head.country.lower())
        if self.loader.memo is None or not self.loader.fast or country is None:
            return None
        files = (head.origin[0], country.country.origin[0])
        if any(f not in inputs for f in files):
            return None
        return digest(code_digest(), "scenario views", *files, *(inputs[f] for f in files), *sorted(self.dataset.sources))

    def reuse_views(self, sid: str, key: str) -> bool:
        """The views (and phase pictures) of a scenario linked by an earlier load from the same inputs."""
        assert self.loader.memo is not None
        data = self.loader.memo.sub("views").get(key)
        if data is None:
            return False
        try:
            view, pictures = pickle.loads(data)
        except Exception:  # noqa: BLE001 - a damaged entry: linked again
            return False
        self.dataset.scenario_views[sid] = view
        if pictures is not None:
            self.dataset.phase_views[sid] = pictures
        return True

    def index(self, sections: Sections) -> dict[str, tuple[str, Fact]]:
        ids: dict[str, tuple[str, Fact]] = {}
        for kind, record in sections.records():
            rid = record_id(kind, record)
            if rid is None:
                continue
            if rid in ids:
                first = ids[rid][1].origin
                self.loader.report_at(record, "id", f"the id '{rid}' is already used at line {first[1]}",
                                      "ids must be unique within a country; choose another", key="id")
            else:
                ids[rid] = (kind, record)
        return ids

    def link(self, sections: Sections, history: dict[str, tuple[str, Fact]] | None = None) -> None:
        """Check references, sources and dates; `history` resolves historical references."""
        ids = self.index(sections)
        if isinstance(sections, CountryFile):
            self.check_fact(sections.country, ids)
            for search in sections.searched:
                self.check_fact(search, ids)
        for kind, record in sections.records():
            self.check_fact(record, ids, history)
            if kind == "coordination_body":
                for member in record.members:
                    self.check_fact(member, ids)
        self.check_cycles(sections, ids)
        self.check_implicit_ids(sections)

    def check_implicit_ids(self, sections: Sections) -> None:
        """Records without an id get their IRI from their fields (a lead from its body and start, a
        relation from its ends, a membership from its member, role and start): two such records
        with the same fields would become one node with two sets of facts."""
        report = self.loader.report_at
        seen: dict[str, Record] = {}

        def claim(key: str, record: Record, what: str, hint: str) -> None:
            if key in seen:
                report(record, "id" if what != "membership" else "member",
                       f"this {what} repeats the one at line {seen[key].origin[1]}", hint)
            else:
                seen[key] = record

        for lead in sections.lead:
            if lead.id is None:
                claim(f"lead {lead.body} {lead.from_}", lead, "lead designation",
                      "merge the two, or give one an id: and its own from:")
        for rel in sections.relations:
            if rel.id is None:
                claim(f"relation {rel.actor} {rel.relation} {rel.target}", rel, "relation",
                      "merge the two (several sources go in one sources: list), or give each an id: with from:/until:")
        for body in sections.coordination_bodies:
            for m in body.members:
                claim(f"member {body.id} {m.member} {m.role} {m.from_}", m, "membership",
                      "merge the two, or give them different from: dates")

    def check_fact(self, record: Record, ids: dict[str, tuple[str, Fact]],
                   history: dict[str, tuple[str, Fact]] | None = None) -> None:
        report = self.loader.report_at
        for key, marker, value in _references(record):
            target = ids.get(value)
            if target is None and marker.historical and history:
                target = history.get(value)
            if target is None and value in self.loader.broken_ids:
                continue
            if target is None:
                close = difflib.get_close_matches(value, list(ids), n=1)
                hint = f"did you mean '{close[0]}'?" if close else "add the record or fix the id"
                report(record, key, f"'{value}' does not name a record in this country", hint, key=key)
            elif target[0] not in marker.kinds:
                wanted = " or ".join(k.replace("_", " ") for k in marker.kinds)
                report(record, key, f"'{value}' is a {target[0].replace('_', ' ')}, but {key} must name: {wanted}",
                       "point at a record of the right kind", key=key)
        for citation in getattr(record, "sources", None) or []:
            if citation.id not in self.dataset.sources:
                close = difflib.get_close_matches(citation.id, list(self.dataset.sources), n=1)
                hint = (f"did you mean '{close[0]}'? " if close else "") + "declare it under 'sources:' or in sources.yaml"
                report(citation, "sources.id", f"unknown source '{citation.id}'", hint, key="id")
        start, end = getattr(record, "from_", None), getattr(record, "until", None)
        if start and end and end <= start:
            report(record, "until", f"'until' ({end}) is not after 'from' ({start})",
                   "until is the first day the record no longer holds; fix one of the dates", key="until")

    def check_cycles(self, sections: Sections, ids: dict[str, tuple[str, Fact]]) -> None:
        parent = {i.id: i.part_of for i in sections.institutions if i.part_of}
        reported: set[str] = set()
        for start in parent:
            seen, node = [start], parent.get(start)
            while node is not None and node not in seen:
                seen.append(node)
                node = parent.get(node)
            if node == start and start not in reported:
                reported.update(seen)
                record = ids[start][1]
                self.loader.report_at(record, "part_of", "part_of forms a cycle: " + " → ".join(seen + [start]),
                                      "a body cannot be part of itself; fix one part_of", key="part_of")

    # -- scenarios ----------------------------------------------------------------------------
    def apply(self, scenario: ScenarioFile) -> CountryFile | None:
        """The country's arrangement under `scenario`: its baseline on `base`, then the changes, then
        each phase in order (the picture after each is kept in `Dataset.phase_views`)."""
        head = scenario.scenario
        country = self.dataset.countries.get(head.country.lower())
        report = self.loader.report_at
        if country is None:
            report(head, "scenario.country", f"no country file for {head.country}",
                   f"add countries/{head.country.lower()}.yaml or fix the code", key="country")
            return None
        self.check_fact(head, {})
        view = snapshot(country, head.base)
        ids = {rid: kr for kind, r in view.records() if (rid := record_id(kind, r)) for kr in [(kind, r)]}
        history = {rid: (kind, r) for kind, r in country.records() if (rid := record_id(kind, r))}
        self.apply_step(scenario, scenario, view, ids, history)
        before = len(self.loader.problems)
        self.link(view, history)
        country_file = country.origin[0]
        stranded = [p for p in self.loader.problems[before:] if p.path == country_file]
        if stranded:
            # the country's own records are fine (they were linked whole): on the base date some of
            # them point at records that no longer (or not yet) hold, so the base date is the problem
            del self.loader.problems[before:]
            first = stranded[0]
            report(head, "scenario.base",
                   f"on the base date {head.base} the arrangement of {head.country} is not whole: "
                   f"{len(stranded)} reference(s) point at records that do not hold then (e.g. "
                   f"{first.path}:{first.line}: {first.message})",
                   "choose a base date on which the country's records hold together (the OECD baseline is 2016)",
                   key="base")
            return None
        if scenario.phases:
            return self.apply_phases(scenario, view, ids, history, country_file)
        return view

    def apply_phases(self, scenario: ScenarioFile, view: CountryFile, ids: dict, history: dict,
                     country_file: str) -> CountryFile | None:
        """Each phase on the picture the ones before it left; each picture is linked on its own, so
        a phase that leaves a dangling reference (a lever whose holder comes only later) is reported
        at that phase."""
        self.check_phase_order(scenario)
        seen = {(p.path, p.line, p.column, p.field, p.message) for p in self.loader.problems}
        pictures: list[CountryFile] = []
        for phase in scenario.phases:
            self.apply_step(scenario, phase, view, ids, history)
            picture = copy_records(view)
            before = len(self.loader.problems)
            self.link(picture, history)
            fresh = [p for p in self.loader.problems[before:]
                     if (p.path, p.line, p.column, p.field, p.message) not in seen]
            del self.loader.problems[before:]
            stranded = [p for p in fresh if p.path == country_file]
            for p in fresh:
                if p.path != country_file:
                    self.loader.problems.append(p)
                    seen.add((p.path, p.line, p.column, p.field, p.message))
            if stranded:
                first = stranded[0]
                self.loader.report_at(
                    phase, "remove", f"after phase '{phase.id}', {len(stranded)} baseline reference(s) point at "
                    f"records that no longer hold (e.g. {first.path}:{first.line}: {first.message})",
                    "remove or change the records that refer to what this phase removes, in the same phase",
                    key="remove")
            pictures.append(picture)
        self.dataset.phase_views[scenario.scenario.id] = pictures
        return view

    def check_phase_order(self, scenario: ScenarioFile) -> None:
        """Phase ids unique; `when` all dated or all relative, in order, dated ones not before `base`."""
        report = self.loader.report_at
        ids: set[str] = set()
        dated = [p for p in scenario.phases if not p.relative]
        kind_of_first = "dated" if not scenario.phases[0].relative else "relative"
        last: Any = None
        for phase in scenario.phases:
            if phase.id in ids:
                report(phase, "id", f"the phase id '{phase.id}' is used twice in this scenario",
                       "give each phase its own id", key="id")
            ids.add(phase.id)
            self.check_fact(phase, {})
            if not (phase.remove or phase.change or next(phase.add.records(), None)):
                report(phase, "add", f"phase '{phase.id}' changes nothing",
                       "give it add:, remove: or change: entries, or leave the phase out", key="id")
            if ("dated" if not phase.relative else "relative") != kind_of_first:
                report(phase, "when", f"'{phase.when_text()}' mixes a {('relative' if phase.relative else 'dated')} "
                       f"phase into a roadmap whose first phase is {kind_of_first}",
                       "date every phase (2018-06) or count every phase in years from the start ('year 1')",
                       key="when")
                continue
            start = phase.when[0] if phase.relative else phase.when
            if not phase.relative and phase.when < scenario.scenario.base and phase is dated[0]:
                report(phase, "when", f"{phase.when_text()} is before the scenario's base date {scenario.scenario.base}",
                       "a roadmap starts on or after its base: date the phase later, or move the base", key="when")
            if last is not None and start < last:
                report(phase, "when", f"'{phase.when_text()}' comes before the phase listed above it",
                       "list the phases in the order they happen", key="when")
            last = start

    def apply_step(self, scenario: ScenarioFile, step: ScenarioFile | Phase, view: CountryFile, ids: dict,
                   history: dict) -> None:
        """`step`'s remove, change and add (the scenario's own, or one phase's) on `view`."""
        head = scenario.scenario
        report = self.loader.report_at
        where = "on the base date " + str(head.base) if step is scenario else \
            "in the arrangement before this phase (removed earlier, or not holding on the base date)"
        for position, rid in enumerate(step.remove):
            if rid not in ids:
                report(step, f"remove[{position}]", f"'{rid}' is not a record of {head.country} {where}",
                       "remove only records that hold at that point of the scenario", key="remove")
                continue
            kind, record = ids.pop(rid)
            section = [s for s, k in SECTION_KINDS.items() if k == kind][0]
            setattr(view, section, [r for r in getattr(view, section) if r is not record])
        for position, change in enumerate(step.change):
            self.apply_change(scenario, step, view, ids, position, change)
        for kind, record in step.add.records():
            rid = record_id(kind, record)
            if rid in history and rid not in ids:
                report(record, "id", f"the id '{rid}' is already used by a record of {head.country} "
                       f"(at {history[rid][1].origin[0]}:{history[rid][1].origin[1]})",
                       "give the added record an id of its own, or use 'change:' on the existing one", key="id")
                continue
            section = [s for s, k in SECTION_KINDS.items() if k == kind][0]
            getattr(view, section).append(record)
            if rid is not None:
                ids[rid] = (kind, record)
                history.setdefault(rid, (kind, record))

    def apply_change(self, scenario: ScenarioFile, step: ScenarioFile | Phase, view: CountryFile, ids: dict,
                     position: int, change: dict[str, Any]) -> None:
        node = step._node["change"][position] if step._node is not None else None
        path = step.origin[0]
        line, col = _locate(node, ()) if node is not None else (step.origin[1], step.origin[2])
        field = f"change[{position}]" if step is scenario else f"{step._path}.change[{position}]"
        rid = change.get("id")
        if not isinstance(rid, str) or rid not in ids:
            self.loader.report(Path(path), line, col, f"{field}.id",
                               f"'{rid}' is not a record of {scenario.scenario.country} "
                               + (f"on {scenario.scenario.base}" if step is scenario else "before this phase"),
                               "name the id of a record that holds at that point (a baseline record, or one "
                               "added earlier)")
            return
        kind, record = ids[rid]
        merged = record.model_dump(by_alias=True, exclude_none=True)
        if "sources" not in change:
            own = scenario.scenario if step is scenario else step
            merged["sources"] = [c.model_dump(exclude_none=True) for c in own.sources]
            merged["confidence"] = own.confidence
        merged.update(change)
        model = KIND_MODELS[kind]
        try:
            updated = model.model_validate(merged)
        except ValidationError as exc:
            for err in exc.errors():
                where = _locate(node, tuple(err["loc"])) if node is not None else (line, col)
                self.loader.report(Path(path), where[0], where[1], f"{field}.{_dotted(err['loc'])}", *_explain(err))
            return
        updated._origin, updated._node = (path, line, col), node
        section = [s for s, k in SECTION_KINDS.items() if k == kind][0]
        setattr(view, section, [updated if r is record else r for r in getattr(view, section)])
        ids[rid] = (kind, updated)


def _dumps_view(value: Any) -> bytes:
    """A scenario's views pickled as the loader pickles checked records, each YAML node that a
    record of the views still points at (those its scenario added) kept as its KeyMarks."""
    from ruamel.yaml.comments import CommentedMap

    from govgraph.curated.loader import KeyMarks, _Pickler

    class ViewPickler(_Pickler):
        def reducer_override(self, obj: Any) -> Any:
            if isinstance(obj, CommentedMap):
                return KeyMarks, (dict(KeyMarks.of(obj)),)
            return super().reducer_override(obj)

    buffer = io.BytesIO()
    ViewPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()

