"""Curated YAML → checked records, in two passes.

Pass one reads every file and checks shapes and types; pass two links records (references,
sources, dates, cycles) and applies scenarios. Problems are collected, never raised one by one, so a
curator sees every problem at once, each at its file, line and column.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import pickle
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from govgraph.core.errors import DataError, Problem
from govgraph.core.memo import Memo, code_digest, digest
from govgraph.curated.linker import _Linker
from govgraph.curated.model import (
    CountryFile,
    Dataset,
    GroupsFile,
    Record,
    ScenarioFile,
    Sections,
    SourceDecl,
)
from govgraph.curated.problems import _dotted, _explain, _inner_model, _locate, _model_at, _short_text
from govgraph.curated.yamlsafe import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    _alias_at,
    _CLoader,
    _first_alias,
    _too_deep,
    parse_yaml,
)


def load(data_dir: Path, memo: Memo | None = None) -> Dataset:
    """Load and check the curated data under `data_dir`; raise DataError listing every problem.

    `memo` keeps each country and groups file's checked records (pass one) between builds, under a
    digest of the file and of govgraph's code: an unchanged file is not parsed or checked again, and
    the linking pass still runs over everything but the scenarios whose file, country file and
    declared sources are unchanged (their views are kept too). Only a load without any problem adds
    to it.

    Files are parsed by libyaml (ruamel.yaml.clib) when it is installed, about six times faster than
    ruamel's pure-Python round-trip parser and giving the same values and line/column marks. Any
    problem at all sends the whole load again through the pure-Python parser, so what a curator
    reads about bad data is exactly what that parser reports."""
    loader = _Loader(Path(data_dir), fast=_CLoader is not None, memo=memo)
    dataset = loader.run()
    if not loader.problems and memo is not None:
        for key, data in loader.checked.items():
            memo.put(key, data)
        for key, data in loader.views.items():
            memo.sub("views").put(key, data)
    if loader.problems and loader.fast:
        loader = _Loader(Path(data_dir), fast=False)
        dataset = loader.run()
    if loader.problems:
        raise DataError(loader.problems)
    return dataset


class _Loader:
    def __init__(self, root: Path, fast: bool = False, memo: Memo | None = None):
        self.root = root
        self.fast = fast
        self.memo = memo
        self.checked: dict[str, bytes] = {}  # memo key → pickled records of a file read without problems
        self.views: dict[str, bytes] = {}  # memo key → a scenario's pickled views (the linker's)
        self.inputs: dict[str, str] = {}  # file as reports name it → sha256 of its bytes (Dataset.inputs)
        self.problems: list[Problem] = []
        self.broken_ids: set[str] = set()  # ids of records that failed pass one: not reported again
        self.preloaded: dict[Path, bytes] = {}  # a country file → its records as the memo keeps them
        self.memo_keys: dict[tuple[type, Path], str | None] = {}

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
        if key is not None and isinstance(node, (CommentedMap, KeyMarks)) and key in node:
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
        self._preload(country_files)
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
        dataset.inputs = dict(sorted(self.inputs.items()))
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
        self.inputs[self._display(path)] = hashlib.sha256(raw).hexdigest()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            self.report(path, line, exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1, "file",
                        f"not UTF-8 text ({exc.reason})", "save the file as UTF-8")
            return None

    def _load_file(self, model: type[BaseModel], path: Path) -> Any:
        """A file's records after pass one; a country or groups file's are taken from `_preload` or
        from the memo when the same file was read before, and kept with KeyMarks instead of their
        YAML nodes."""
        if model is ScenarioFile:  # the linker reads a scenario's changes from its YAML nodes
            return self._check_file(model, path)
        key = self._memo_key(model, path)
        data = self.preloaded.pop(path, None)
        if data is None and key is not None and self.memo is not None:
            data = self.memo.get(key)
        if data is not None:
            try:
                return pickle.loads(data)
            except Exception:  # noqa: BLE001 - a damaged entry is read again from the file
                pass
        before = len(self.problems)
        checked = self._check_file(model, path)
        if checked is not None:
            _lighten(checked)
            if key is not None and len(self.problems) == before:
                self.checked[key] = _dumps(checked)
        return checked

    def _preload(self, paths: list[Path]) -> None:
        """Pass one of the country files on two cores (`on_two_cores`), kept in `preloaded` as the
        memo keeps them: a file the memo answers from there, the others checked half in a forked
        child. A file with any problem is left to `_load_file`, which reports them here."""
        from govgraph.core.background import on_two_cores

        if self.memo is None or not self.fast:
            return
        keys = {path: self._memo_key(CountryFile, path) for path in paths}
        todo = []
        for path, key in keys.items():
            data = self.memo.get(key) if key is not None else None
            if data is not None:
                self.preloaded[path] = data
            elif key is not None:
                todo.append(path)
        if len(todo) < 2:
            return

        def check(paths: list[Path]) -> dict[Path, bytes | None]:
            checked = {}
            for path in paths:
                before = len(self.problems)
                records = self._check_file(CountryFile, path)
                if records is not None and len(self.problems) == before:
                    _lighten(records)
                    checked[path] = _dumps(records)
                else:
                    checked[path] = None
                del self.problems[before:]
            return checked

        for path, data in on_two_cores(todo, check).items():
            if data is not None:
                self.preloaded[path] = self.checked[keys[path]] = data  # type: ignore[index]

    def _memo_key(self, model: type[BaseModel], path: Path) -> str | None:
        if self.memo is None or not self.fast:
            return None
        if (model, path) not in self.memo_keys:  # asked by `_preload`, then by `_load_file`: read once
            self.memo_keys[model, path] = self._file_key(model, path)
        return self.memo_keys[model, path]

    def _file_key(self, model: type[BaseModel], path: Path) -> str | None:
        try:
            data = path.read_bytes() if path.is_file() and path.stat().st_size <= MAX_FILE_BYTES else None
        except OSError:
            return None
        if data is None:
            return None
        self.inputs[self._display(path)] = hashlib.sha256(data).hexdigest()
        return digest(code_digest(), model.__name__, self._display(path), data)

    def _check_file(self, model: type[BaseModel], path: Path) -> Any:
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


class _Pickler(pickle.Pickler):
    """Pickles records with their set of given fields sorted, so that the same file always gives
    the same bytes (a set's order changes with the interpreter's hash seed)."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, BaseModel):
            state = obj.__getstate__()
            state["__pydantic_fields_set__"] = sorted(state["__pydantic_fields_set__"])
            return _unpickle_model, (type(obj), state)
        return NotImplemented


def _unpickle_model(cls: type[BaseModel], state: dict) -> BaseModel:
    obj = cls.__new__(cls)
    obj.__setstate__({**state, "__pydantic_fields_set__": set(state["__pydantic_fields_set__"])})
    return obj


def _dumps(value: Any) -> bytes:
    import io

    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


class KeyMarks(dict):
    """A record's keys and where each stands in its file (0-based line and column, as ruamel's
    `lc.key` gives them), kept instead of the YAML node once the file is checked: all that error
    messages about the record need, at a fraction of the memory."""

    @property
    def lc(self) -> "KeyMarks":
        return self

    def key(self, key: Any) -> tuple[int, int]:
        return self[key]

    @classmethod
    def of(cls, node: CommentedMap) -> "KeyMarks":
        marks = cls()
        for key in node:
            try:
                marks[key] = tuple(node.lc.key(key)[:2])
            except (KeyError, TypeError):
                marks[key] = (node.lc.line, node.lc.col)
        return marks


def _lighten(value: Any) -> None:
    """Replace the YAML node of every record under `value` by its KeyMarks."""
    if isinstance(value, BaseModel):
        node = getattr(value, "_node", None)
        if isinstance(node, CommentedMap):
            value._node = KeyMarks.of(node)
        for item in value.__dict__.values():
            _lighten(item)
    elif isinstance(value, list):
        for item in value:
            _lighten(item)


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


