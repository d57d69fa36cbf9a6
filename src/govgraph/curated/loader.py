"""Curated YAML → checked records, in two passes.

Pass one reads every file and checks shapes and types; pass two links records (references,
sources, dates, cycles) and applies scenarios. Problems are collected, never raised one by one, so a
curator sees every problem at once, each at its file, line and column.
"""

from __future__ import annotations

import difflib
import os
import re
import typing
from pathlib import Path
from typing import Any, Iterable, Iterator

from pydantic import BaseModel, TypeAdapter, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from govgraph.core.errors import DataError, Problem
from govgraph.curated.model import (
    KIND_MODELS,
    SECTION_KINDS,
    CountryFile,
    Dataset,
    Fact,
    GroupsFile,
    Record,
    Ref,
    ScenarioFile,
    Sections,
    SourceDecl,
    record_id,
    snapshot,
)

_FIELD_NAMES = sorted(
    {
        (f.alias or name)
        for model in (*KIND_MODELS.values(), CountryFile, ScenarioFile, SourceDecl)
        for name, f in model.model_fields.items()
    }
    | {"id", "locator", "note", "member", "role", "amount", "currency", "scenario", "base"}
)


def load(data_dir: Path) -> Dataset:
    """Load and check the curated data under `data_dir`; raise DataError listing every problem.

    Files are parsed by libyaml (ruamel.yaml.clib) when it is installed, about six times faster than
    ruamel's pure-Python round-trip parser and giving the same values and line/column marks. Any
    problem at all sends the whole load again through the pure-Python parser, so what a curator
    reads about bad data is exactly what that parser reports."""
    loader = _Loader(Path(data_dir), fast=_CLoader is not None)
    dataset = loader.run()
    if loader.problems and loader.fast:
        loader = _Loader(Path(data_dir), fast=False)
        dataset = loader.run()
    if loader.problems:
        raise DataError(loader.problems)
    return dataset


from ruamel.yaml.constructor import RoundTripConstructor


class _Constructor(RoundTripConstructor):
    """ruamel's round-trip constructor, except that a date that does not exist (2016-02-30) stays
    text, so the record's own check reports it at its line and field rather than the parser at 1:1."""

    def construct_yaml_timestamp(self, node, values=None):
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError:
            return node.value


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)

try:  # libyaml's parser, when ruamel.yaml.clib is installed (CPython); else the pure-Python one
    from ruamel.yaml.cyaml import CParser
    from ruamel.yaml.resolver import VersionedResolver

    class _CLoader(CParser, _Constructor, VersionedResolver):
        """ruamel's round-trip constructor and YAML 1.2 resolver over libyaml's parser: the same
        CommentedMap/CommentedSeq values, with the same line and column of every key and item."""

        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            self._parser = self._composer = self
            self.comment_handling = None
            _Constructor.__init__(self, preserve_quotes=None, loader=self)
            VersionedResolver.__init__(self, None, loader=self)
except ImportError:  # pragma: no cover - depends on the installation
    _CLoader = None


_BRACKETS = re.compile(r"[^\[\]{}]+")
MAX_DEPTH = 50  # curated files nest a few levels; anything deeper is refused before parsing
MAX_FILE_BYTES = 4 * 2**20  # the largest shipped country file is about 200 KB


def _flow_depth(text: str) -> int:
    """An upper bound of the flow-collection nesting ([…], {…}), brackets in strings included."""
    depth = deepest = 0
    for char in _BRACKETS.sub("", text):
        depth = depth + 1 if char in "[{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest


def _too_deep(text: str) -> tuple[int, int] | None:
    """Line and column where nesting (flow brackets, or block indentation) first passes MAX_DEPTH."""
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        indent = len(line) - len(line.lstrip(" "))
        if indent > 4 * MAX_DEPTH:
            return number, indent + 1
        for column, char in enumerate(line, start=1):
            if char in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    return number, column
            elif char in "]}":
                depth = max(depth - 1, 0)
    return None


_MAYBE_ANCHOR = re.compile(r"(?:^|[\s\[{,])[&*][^\s,\]}]")


def _alias_at(text: str) -> tuple[int, int] | None:
    """Line and column of the first YAML anchor or alias, found from the parser's events before
    any value is built (an alias of an alias of … can stand for billions of values, and some error
    messages would spell them all out). Curated files need none."""
    if not _MAYBE_ANCHOR.search(text):
        return None
    from ruamel.yaml.events import AliasEvent

    try:
        if _CLoader is not None and _flow_depth(text) <= MAX_DEPTH:
            from ruamel.yaml.cyaml import CParser

            parser = CParser(text)
            events = iter(parser.get_event, None)
        else:
            events = iter(YAML(typ="rt").parse(text))
        for event in events:
            if isinstance(event, AliasEvent) or getattr(event, "anchor", None):
                return event.start_mark.line + 1, event.start_mark.column + 1
            if type(event).__name__ == "StreamEndEvent":
                return None
    except (YAMLError, RecursionError, ValueError):
        return None  # a syntax error: the parse reports it at its place
    return None


def _first_alias(node: Any, seen: set[int] | None = None, path: tuple = ()) -> tuple | None:
    """The path of the first value reached twice (a YAML alias `*x` of an anchor `&x`). Curated
    files need none, and an alias of an alias of … can stand for billions of values."""
    seen = set() if seen is None else seen
    if isinstance(node, (dict, list)):
        if id(node) in seen:
            return path
        seen.add(id(node))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            found = _first_alias(value, seen, path + (key,))
            if found is not None:
                return found
    return None


def parse_yaml(text: str, fast: bool = True) -> Any:
    """One YAML document, as ruamel's round-trip loader gives it (libyaml's parser when `fast`).
    Deeply nested text always goes to the pure-Python parser, which stops it with a RecursionError
    (libyaml's binding can crash the interpreter on it)."""
    if fast and _CLoader is not None and _flow_depth(text) <= MAX_DEPTH:
        loader = _CLoader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    return yaml.load(text)


class _Loader:
    def __init__(self, root: Path, fast: bool = False):
        self.root = root
        self.fast = fast
        self.problems: list[Problem] = []
        self.broken_ids: set[str] = set()  # ids of records that failed pass one: not reported again

    # -- reporting -------------------------------------------------------------------------
    def _display(self, path: Path) -> str:
        """A file as reports name it: from the data folder's own name (graph/countries/cl.yaml), the
        same wherever the command runs, so artefacts that cite it are byte-identical."""
        root = self.root.absolute()
        try:
            return str(Path(root.name) / Path(os.path.abspath(path)).relative_to(root))
        except ValueError:
            return str(path)

    def report(self, path: Path, line: int, column: int, field: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self._display(path), line, column, field, message, hint))

    def report_at(self, record: Record, field: str, message: str, hint: str = "", key: str | None = None) -> None:
        """Report a problem at `key` of `record` when the file has it, else at the record."""
        path, line, column = record.origin
        node = record._node
        if key is not None and isinstance(node, CommentedMap) and key in node:
            line, column = node.lc.key(key)[0] + 1, node.lc.key(key)[1] + 1
        if record._path and not field.startswith(record._path):
            field = f"{record._path}.{field.rsplit('.', 1)[-1]}" if "." in field else f"{record._path}.{field}"
        self.report(Path(path), line, column, field, message, hint)

    # -- pass one ----------------------------------------------------------------------------
    def run(self) -> Dataset:
        if not self.root.is_dir():
            self.report(self.root, 1, 1, "data", "the data folder does not exist",
                        "pass --data DIR pointing at a folder with countries/ (see graph/README.md)")
            return Dataset()
        dataset = Dataset()
        for folder in ("countries", "scenarios"):
            for stray in sorted((self.root / folder).glob("*.yml")):
                self.report(stray, 1, 1, "file", "has the extension .yml, which govgraph does not read",
                            f"rename it to {stray.stem}.yaml")
        country_files = sorted((self.root / "countries").glob("*.yaml"))
        if not country_files:
            self.report(self.root, 1, 1, "countries", "no country files found",
                        "add countries/<cc>.yaml (see graph/README.md)")
        shared = self.root / "sources.yaml"
        declared: list[tuple[SourceDecl, Path]] = []
        if os.path.lexists(shared):
            raw = self._read(shared)
            if raw is not None:
                if not isinstance(raw, list):
                    self.report(shared, 1, 1, "sources", "expected a list of sources", "start each source with '- id: ...'")
                else:
                    for i, item in enumerate(raw):
                        src = self._validate(SourceDecl, item, shared, raw, (i,), f"[{i}]")
                        if src is not None:
                            declared.append((src, shared))
        for path in country_files:
            country = self._load_file(CountryFile, path)
            if country is None:
                continue
            expected = path.stem.upper()
            if country.country.code != expected:
                self.report_at(country.country, "country.code",
                               f"the code {country.country.code} does not match the file name {path.name}",
                               f"rename the file to {country.country.code.lower()}.yaml or fix the code", key="code")
                continue
            dataset.countries[country.code] = country
            declared.extend((s, path) for s in country.sources)
        groups_path = self.root / "groups.yaml"
        if os.path.lexists(groups_path):
            groups = self._load_file(GroupsFile, groups_path)
            if groups is not None:
                for group in groups.groups:
                    if group.id in dataset.groups:
                        self.report_at(group, "id", f"the group id {group.id} is used twice", "give each group its own id",
                                       key="id")
                    dataset.groups[group.id] = group
                declared.extend((s, groups_path) for s in groups.sources)
        for path in sorted((self.root / "scenarios").glob("*.yaml")):
            scenario = self._load_file(ScenarioFile, path)
            if scenario is None:
                continue
            if scenario.scenario.id in dataset.scenarios:
                self.report_at(scenario.scenario, "scenario.id", f"the scenario id {scenario.scenario.id} is used twice",
                               "give each scenario its own id", key="id")
                continue
            dataset.scenarios[scenario.scenario.id] = scenario
            declared.extend((s, path) for s in scenario.sources)
        for src, path in declared:
            if src.part_of and src.part_of not in {d.id for d, _ in declared}:
                self.report_at(src, "part_of", f"'{src.part_of}' is not a declared source",
                               "name the id of the source this one is a part of", key="part_of")
            if src.id in dataset.sources:
                first = dataset.sources[src.id]
                self.report_at(src, "id", f"the source id {src.id} is already declared at {first.origin[0]}:{first.origin[1]}",
                               "declare each source once (shared ones in sources.yaml)", key="id")
            else:
                dataset.sources[src.id] = src
        _Linker(self, dataset).run()
        return dataset

    def _read(self, path: Path) -> Any:
        text = self._text(path)
        if text is None:
            return None
        deep = _too_deep(text)
        if deep is not None:
            self.report(path, deep[0], deep[1], "yaml", f"nested more than {MAX_DEPTH} levels deep",
                        "curated files need only a few levels: flatten the structure (see graph/README.md)")
            return None
        anchored = _alias_at(text)
        if anchored is not None:
            self.report(path, anchored[0], anchored[1], "yaml", "a YAML anchor (&name) or alias (*name)",
                        "write the value out: anchors and aliases are not allowed in curated files")
            return None
        if self.fast:
            try:
                data = parse_yaml(text, fast=True)
            except Exception:  # noqa: BLE001 - reported below, by the pure-Python parser's words
                self.report(path, 1, 1, "yaml", "invalid YAML", "")  # forces the careful second load
                return None
        else:
            try:
                data = parse_yaml(text, fast=False)
            except MarkedYAMLError as exc:
                mark = exc.problem_mark or exc.context_mark
                line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
                what = (exc.problem or exc.context or "invalid YAML").strip()
                self.report(path, line, col, "yaml", f"invalid YAML: {_short_text(what)}",
                            "check indentation, colons and quotes; a key may appear only once per mapping")
                return None
            except (YAMLError, RecursionError, ValueError) as exc:
                self.report(path, 1, 1, "yaml", f"invalid YAML: {_short_text(str(exc))}", "check the file's syntax")
                return None
        alias = _first_alias(data)
        if alias is not None:
            line, col = _locate(data, alias)
            self.report(path, line, col, _dotted(alias) or "yaml", "a YAML alias (*name) repeats a value",
                        "write the value out: anchors (&name) and aliases (*name) are not allowed in curated files")
            return None
        return data

    def _text(self, path: Path) -> str | None:
        """The file's text: a regular file (or a link to one) of at most MAX_FILE_BYTES, in UTF-8.
        Anything else (a folder, a pipe, a device, a broken or looping link) is a located problem."""
        import stat

        try:
            info = path.stat()
        except OSError as exc:
            what = "a symbolic link that loops" if exc.errno == 40 else \
                   "a broken symbolic link" if path.is_symlink() else f"unreadable ({exc.strerror})"
            self.report(path, 1, 1, "file", f"is {what}", "replace it with a regular YAML file")
            return None
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a named pipe" if stat.S_ISFIFO(info.st_mode) \
                else "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else "not a regular file"
            self.report(path, 1, 1, "file", f"is {kind}, not a YAML file", "remove it or give it another name")
            return None
        if info.st_size > MAX_FILE_BYTES:
            self.report(path, 1, 1, "file", f"is {info.st_size // 2**20} MiB, over the {MAX_FILE_BYTES // 2**20} MiB "
                        "limit for a curated file", "split it or remove what is not curated data")
            return None
        try:
            with path.open("rb") as handle:
                raw = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            self.report(path, 1, 1, "file", f"cannot be read ({exc.strerror})", "check its permissions")
            return None
        if len(raw) > MAX_FILE_BYTES:
            self.report(path, 1, 1, "file", f"is over the {MAX_FILE_BYTES // 2**20} MiB limit for a curated file",
                        "split it or remove what is not curated data")
            return None
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            self.report(path, line, exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1, "file",
                        f"not UTF-8 text ({exc.reason})", "save the file as UTF-8")
            return None

    def _load_file(self, model: type[BaseModel], path: Path) -> Any:
        raw = self._read(path)
        if raw is None:
            if not self.problems or self.problems[-1].path != self._display(path):
                self.report(path, 1, 1, "file", "the file is empty", "see graph/README.md for the format")
            return None
        if not isinstance(raw, CommentedMap):
            self.report(path, 1, 1, "file", "expected a mapping of sections at the top level",
                        "start the file with 'country:' (or 'scenario:') — see graph/README.md")
            return None
        return self._validate_sections(model, raw, path)

    def _validate_sections(self, model: type[BaseModel], node: CommentedMap, path: Path,
                           prefix: tuple = ()) -> Any:
        """Validate a file section by section and record by record, so that one bad record does not
        hide the problems of the others: valid records go on to the linking pass."""
        fields = {(f.alias or n): (n, f) for n, f in model.model_fields.items()}
        values: dict[str, Any] = {}
        complete = True
        for key in node:
            if key not in fields:
                line, col = _locate(node, (key,))
                close = difflib.get_close_matches(str(key), list(fields), n=1)
                hint = (f"did you mean '{close[0]}'? " if close else "") + "allowed here: " + ", ".join(fields)
                self.report(path, line, col, _dotted(prefix + (key,)), f"unknown section '{str(key)[:60]}'", hint)
        for key, (name, finfo) in fields.items():
            if key not in node:
                if finfo.is_required():
                    line, col = _locate(node, ())
                    self.report(path, line, col, _dotted(prefix + (key,)), "required section is missing",
                                f"add '{key}:' (see graph/README.md)")
                    complete = False
                continue
            value, inner = node[key], _inner_model(finfo.annotation)
            is_list = typing.get_origin(finfo.annotation) is list
            if inner is not None and is_list and isinstance(value, CommentedSeq):
                items = []
                for i, item in enumerate(value):
                    checked = self._validate(inner, item, path, node, (key, i), "", prefix)
                    if checked is not None:
                        items.append(checked)
                    elif isinstance(item, dict) and isinstance(item.get("id"), str):
                        self.broken_ids.add(item["id"])
                values[name] = items
            elif inner is Sections and isinstance(value, CommentedMap):
                values[name] = self._validate_sections(Sections, value, path, prefix + (key,))
            else:
                adapter = TypeAdapter(finfo.annotation)
                try:
                    values[name] = adapter.validate_python(value)
                except ValidationError as exc:
                    complete = False
                    for err in exc.errors():
                        loc = (key,) + tuple(err["loc"])
                        line, col = _locate(node, loc)
                        self.report(path, line, col, _dotted(prefix + loc), *_explain(err, inner))
                    continue
                _attach_origins(values[name], value, self._display(path), prefix + (key,))
        obj = model.model_construct(**values)
        obj._origin, obj._node, obj._path = (self._display(path), node.lc.line + 1, node.lc.col + 1), node, _dotted(prefix)
        return obj if complete else None

    def _validate(self, model: type[BaseModel], node: Any, path: Path, root: Any,
                  prefix: tuple, label: str, shown: tuple = ()) -> Any:
        """Validate one record; `prefix` locates it in `root`, `shown` prefixes the field names."""
        try:
            obj = model.model_validate(node)
        except ValidationError as exc:
            for err in exc.errors():
                loc = prefix + tuple(err["loc"])
                line, col = _locate(root, loc)
                self.report(path, line, col, _dotted(shown + loc) or label or model.__name__,
                            *_explain(err, _model_at(model, tuple(err["loc"])[:-1])))
            return None
        except RecursionError:
            self.report(path, 1, 1, "file", "the data is nested too deeply", "flatten the structure (see graph/README.md)")
            return None
        _attach_origins(obj, node, self._display(path), shown + prefix)
        return obj


def _short_text(text: str, limit: int = 300) -> str:
    """A message never carries a whole value: a problem in a huge value is still a short line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def _dotted(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = str(part)
            if not text or not text.replace("_", "a").replace("-", "a").isalnum():
                text = repr(text[:40])
            out += ("." if out else "") + text
    return out


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class that validates the mapping at `loc` (to suggest its own field names)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        fields = {(f.alias or n): f for n, f in current.model_fields.items()}
        if part not in fields:
            return None
        current = _inner_model(fields[part].annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _explain(err: dict[str, Any], model: type[BaseModel] | None = None) -> tuple[str, str]:
    kind = err["type"]
    msg = _short_text(str(err.get("msg", "")).removeprefix("Value error, "))
    field = str(err["loc"][-1]) if err["loc"] else ""
    if kind == "missing":
        return "required field is missing", f"add '{field}:' (see graph/README.md)"
    if kind == "extra_forbidden":
        names = sorted((f.alias or n) for n, f in model.model_fields.items()) if model else _FIELD_NAMES
        close = difflib.get_close_matches(field, names, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        hint += "allowed here: " + ", ".join(names) if model else "check the spelling in graph/README.md"
        return f"unknown field '{field[:60]}'", hint
    if kind in ("string_type",):
        return msg, "write text (put quotes around numbers that are text, e.g. '21.180')"
    if kind in ("list_type",):
        return msg, "write a list: one '- item' per line, or [a, b]"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return msg, "write a mapping of 'key: value' lines"
    if kind == "too_short":
        return msg, "give at least one entry"
    if kind in ("bool_type", "bool_parsing"):
        return msg, "write true or false"
    return msg, "see graph/README.md for the allowed values"


def _locate(root: Any, loc: tuple) -> tuple[int, int]:
    """1-based line and column of the YAML node at `loc` (or of its nearest existing parent)."""
    node, line, col = root, 1, 1
    if isinstance(root, (CommentedMap, CommentedSeq)):
        line, col = root.lc.line + 1, root.lc.col + 1
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line, col = (v + 1 for v in node.lc.key(part))
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line, col = (v + 1 for v in node.lc.item(part))
            node = node[part]
        else:
            break
    return line, col


def _attach_origins(obj: Any, node: Any, path: str, loc: tuple = ()) -> None:
    """Walk the validated model beside its YAML node and remember each record's place."""
    if isinstance(obj, Record) and isinstance(node, CommentedMap):
        obj._origin = (path, node.lc.line + 1, node.lc.col + 1)
        obj._node = node
        obj._path = _dotted(loc)
        for name, finfo in type(obj).model_fields.items():
            key = finfo.alias or name
            if key in node:
                _attach_origins(getattr(obj, name), node[key], path, loc + (key,))
    elif isinstance(obj, list) and isinstance(node, CommentedSeq):
        for i, (item, child) in enumerate(zip(obj, node)):
            _attach_origins(item, child, path, loc + (i,))


def _refs_in(annotation: Any) -> Iterator[Ref]:
    """The Ref markers anywhere inside a field's type annotation."""
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(meta, Ref):
            yield meta
    for arg in typing.get_args(annotation):
        yield from _refs_in(arg)


def _references(record: Record) -> Iterator[tuple[str, Ref, str]]:
    """(YAML key, marker, value) for every reference to another record in `record`."""
    for name, finfo in type(record).model_fields.items():
        refs = [m for m in finfo.metadata if isinstance(m, Ref)] + list(_refs_in(finfo.annotation))
        if not refs:
            continue
        value = getattr(record, name)
        for v in value if isinstance(value, list) else [value]:
            if v is not None:
                yield finfo.alias or name, refs[0], v


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
            view = self.apply(scenario)
            if view is not None:
                self.dataset.scenario_views[scenario.scenario.id] = view

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
        """The country's arrangement under `scenario`: its baseline on `base`, then the changes."""
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
        for position, rid in enumerate(scenario.remove):
            if rid not in ids:
                report(scenario, f"remove[{position}]", f"'{rid}' is not a record of {head.country} on {head.base}",
                       "remove only records that hold on the scenario's base date", key="remove")
                continue
            kind, record = ids.pop(rid)
            section = [s for s, k in SECTION_KINDS.items() if k == kind][0]
            setattr(view, section, [r for r in getattr(view, section) if r is not record])
        for position, change in enumerate(scenario.change):
            self.apply_change(scenario, view, ids, position, change)
        history = {rid: (kind, r) for kind, r in country.records() if (rid := record_id(kind, r))}
        for kind, record in scenario.add.records():
            rid = record_id(kind, record)
            if rid in history and rid not in ids:
                report(record, "id", f"the id '{rid}' is already used by a record of {head.country} "
                       f"(at {history[rid][1].origin[0]}:{history[rid][1].origin[1]})",
                       "give the added record an id of its own, or use 'change:' on the existing one", key="id")
                continue
            section = [s for s, k in SECTION_KINDS.items() if k == kind][0]
            getattr(view, section).append(record)
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
        return view

    def apply_change(self, scenario: ScenarioFile, view: CountryFile, ids: dict, position: int,
                     change: dict[str, Any]) -> None:
        node = scenario._node["change"][position] if scenario._node is not None else None
        path = scenario.origin[0]
        line, col = _locate(node, ()) if node is not None else (scenario.origin[1], scenario.origin[2])
        field = f"change[{position}]"
        rid = change.get("id")
        if not isinstance(rid, str) or rid not in ids:
            self.loader.report(Path(path), line, col, f"{field}.id",
                               f"'{rid}' is not a record of {scenario.scenario.country} on {scenario.scenario.base}",
                               "name the id of a baseline record to change")
            return
        kind, record = ids[rid]
        merged = record.model_dump(by_alias=True, exclude_none=True)
        if "sources" not in change:
            merged["sources"] = [c.model_dump(exclude_none=True) for c in scenario.scenario.sources]
            merged["confidence"] = scenario.scenario.confidence
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
