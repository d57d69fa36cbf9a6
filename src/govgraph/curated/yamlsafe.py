"""Reading curated YAML safely: size and nesting caps, no anchors or aliases, dates that stay
strings when they are not real days, and the fast (libyaml) or careful (pure Python) parse."""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import YAMLError


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
            self._version: Any = None

        @property
        def processing_version(self) -> Any:
            """ruamel's answer, worked out once per document: the resolver asks for every scalar,
            and over libyaml's parser each answer takes two failed attribute lookups."""
            if self._version is None:
                self._version = VersionedResolver.processing_version.fget(self)  # type: ignore[attr-defined]
            return self._version
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


_BRACKET = re.compile(r"[\[\]{}]")


def _too_deep(text: str) -> tuple[int, int] | None:
    """Line and column where nesting (flow brackets, or block indentation) first passes MAX_DEPTH."""
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        indent = len(line) - len(line.lstrip(" "))
        if indent > 4 * MAX_DEPTH:
            return number, indent + 1
        for bracket in _BRACKET.finditer(line):
            if bracket.group() in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    return number, bracket.start() + 1
            else:
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
