"""Where in a curated file a value sits, and what a validation error means, in a curator's words:
the pieces every located problem (`file:line:column: field: what — how to fix`) is made of."""

from __future__ import annotations

import difflib
import typing
from typing import Any, Iterable

from pydantic import BaseModel
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from govgraph.curated.model import (
    KIND_MODELS,
    CountryFile,
    ScenarioFile,
    SourceDecl,
)

_FIELD_NAMES = sorted(
    {
        (f.alias or name)
        for model in (*KIND_MODELS.values(), CountryFile, ScenarioFile, SourceDecl)
        for name, f in model.model_fields.items()
    }
    | {"id", "locator", "note", "member", "role", "amount", "currency", "scenario", "base"}
)


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
