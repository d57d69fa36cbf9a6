"""The query library: analyst questions as SPARQL files with a header, run on any store.

A question is a file `queries/questions/<name>.rq`; adding one is a matter of dropping a file there.
Its header is the block of `#` comment lines at the top:

    # title: Lead bodies
    # question: Which body leads digital government in each country, where does it sit in
    #   government, and on what legal basis?
    # param: country country - Only this country (ISO code, e.g. CL); every country when omitted
    # param: asOf date 2016-06-30 The day of the snapshot

- `title:` a short name; `question:` the question in plain words. A line starting with `#` and at
  least two spaces continues the field above it.
- `param: NAME TYPE DEFAULT DESCRIPTION…` declares the query variable `?NAME` as a parameter.
  DEFAULT is a value of TYPE, `-` (optional: when not given, the variable stays free and matches
  anything) or `required`. Quote a default containing spaces ("a b"; \" for a quote).
- TYPE is one of `string`, `integer`, `decimal`, `boolean`, `date` (YYYY-MM-DD), `iri` (absolute IRI
  or a prefixed name with govgraph's prefixes, e.g. `gg:Agency`), `record` (a record's IRI or its
  short form `cc/slug`, e.g. `cl/segpres`), `country` (ISO 3166-1 alpha-2 code → the country's IRI),
  `concept:SCHEME` (a code of that concept scheme, e.g. `concept:lever-type`).
- `asOf` is the standard snapshot parameter (type `date`), set by `--as-of YEAR|DATE` on the command
  line. Records are in the snapshot when `validFrom <= asOf < validUntil` (missing bounds are open).

Parameters are bound as RDF terms, never pasted into the query as text. Each value is first turned
into a term of its declared type (a value that cannot be one is refused with a QueryError), then the
terms are written as a VALUES block placed at the start of the query's WHERE group, using a term
serialiser, so no value can close a string, an IRI or a group. This is the same on every store: the
embedded one and any SPARQL 1.1 server receive the same text, so a question gives the same rows
everywhere. (pyoxigraph's own `substitutions` would do for the embedded store, but they require the
variable to be in the SELECT projection, and their scoping differs from VALUES for variables used in
nested groups — the same question could then answer differently on a remote server.)

Scoping rule for authors, which follows: a parameter is bound from the start of the top-level WHERE
group. Use it in triple patterns anywhere, and in FILTERs of the top-level group, of OPTIONALs, or
inside EXISTS; not in a FILTER inside a nested `{ … }` group, UNION branch or sub-SELECT, where it
would be unbound.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

import pyoxigraph as ox

from govgraph.core import formats, iris
from govgraph.core.errors import QueryError
from govgraph.core.resources import queries_dir
from govgraph.core.vocab import CONCEPT_SCHEMES, GRAPH, ID
from govgraph.store import remote, results

XSD = "http://www.w3.org/2001/XMLSchema#"
AS_OF = "asOf"
FORMATS = formats.names("results")
SCALAR_TYPES = ("string", "integer", "decimal", "boolean", "date", "iri", "record", "country")
HEADER_KEYS = ("title", "question", "param", "note")
UNBOUND = "-"
REQUIRED = "required"


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None  # None: no default (optional and unbound, or required)
    required: bool
    description: str

    def describe(self) -> str:
        if self.required:
            default = "required"
        elif self.default is None:
            default = "optional"
        else:
            default = f"default {self.default}"
        return f"{self.name} ({self.type}, {default}): {self.description}"


@dataclass(frozen=True)
class Question:
    name: str
    path: Path
    title: str
    question: str
    params: tuple[Param, ...]
    text: str
    notes: str = ""

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def takes_as_of(self) -> bool:
        return self.param(AS_OF) is not None


@dataclass
class Result:
    """What a question answered: the columns, rows of pyoxigraph terms (None when unbound), and how."""

    columns: list[str]
    rows: list[tuple]
    question: Question | None = None
    bindings: dict[str, ox.NamedNode | ox.Literal] = field(default_factory=dict)
    graphs: list[str] = field(default_factory=list)
    sparql: str = ""


# -- SPARQL text: a small lexer, enough to find the query form, FROM clauses and the WHERE group ---

_TOKEN = re.compile(r"""
  (?P<ws>\s+)
| (?P<comment>\#[^\n]*)
| (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
            |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
| (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
| (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
| (?P<word>[A-Za-z_\u00C0-\uFFFF][\w\-.\u00B7-\uFFFF]*(?::[\w\-.:%\\\u00B7-\uFFFF]*)?|:[\w\-.:%\\\u00B7-\uFFFF]*)
| (?P<open>\{) | (?P<close>\}) | (?P<lparen>\() | (?P<rparen>\))
| (?P<other>.)
""", re.X | re.S)

FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int

    @property
    def keyword(self) -> str:
        return self.text.upper() if self.kind == "word" and ":" not in self.text else ""


def _tokens(sparql: str) -> list[_Token]:
    out = []
    for m in _TOKEN.finditer(sparql):
        kind = m.lastgroup or ""
        if kind in ("ws", "comment"):
            continue
        out.append(_Token(kind, m.group(), m.start(), m.end()))
    return out


@dataclass(frozen=True)
class Shape:
    """Where things are in a query's text."""

    form: str                 # SELECT, CONSTRUCT, ASK, DESCRIBE ("" if none found)
    has_dataset_clause: bool  # FROM / FROM NAMED before the WHERE group
    where_open: int | None    # offset just after the WHERE group's "{"
    where_close: int | None   # offset of the matching "}"
    sub_select: bool          # the WHERE group is directly a sub-SELECT
    variables: frozenset[str]


def _matching(tokens: list[_Token], i: int) -> int:
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].kind == "open":
            depth += 1
        elif tokens[j].kind == "close":
            depth -= 1
            if depth == 0:
                return j
    raise QueryError("the query's braces { } are not balanced")


@lru_cache(maxsize=256)
def shape(sparql: str) -> Shape:
    """Find the query form, dataset clauses and the top-level WHERE group, skipping strings,
    IRIs and comments. Not a parser: the store's parser still judges the query. Cached: the
    library's questions are the same texts again and again (the endpoint, the benchmarks)."""
    tokens = _tokens(sparql)
    variables = frozenset(t.text[1:] for t in tokens if t.kind == "var")
    form_at = next((i for i, t in enumerate(tokens) if t.keyword in FORMS), None)
    if form_at is None:
        return Shape("", False, None, None, False, variables)
    form = tokens[form_at].keyword
    i = form_at + 1
    if form == "CONSTRUCT" and i < len(tokens) and tokens[i].kind == "open":
        i = _matching(tokens, i) + 1  # skip the template
    parens = 0
    has_from = False
    where = None
    while i < len(tokens):
        t = tokens[i]
        if t.kind == "lparen":
            parens += 1
        elif t.kind == "rparen":
            parens -= 1
        elif t.kind == "open" and parens == 0:
            where = i
            break
        elif t.keyword == "FROM" and parens == 0:
            has_from = True
        i += 1
    if where is None:
        return Shape(form, has_from, None, None, False, variables)
    close = _matching(tokens, where)
    sub = where + 1 < len(tokens) and tokens[where + 1].keyword == "SELECT"
    return Shape(form, has_from, tokens[where].end, tokens[close].start, sub, variables)


_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _unescape_codepoints(sparql: str) -> str:
    """SPARQL reads \\uXXXX and \\UXXXXXXXX escapes anywhere in a query before parsing it (SPARQL 1.1
    section 19.2), so a keyword may be spelt with them: decode them first."""
    def decode(m: re.Match) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
    return _CODEPOINT.sub(decode, sparql)


def federated(sparql: str) -> bool:
    """Does the query call another endpoint (SERVICE)? Keywords in strings, IRIs and comments do
    not count; escapes are decoded first. Conservative: any SERVICE keyword counts."""
    return any(t.keyword == "SERVICE" for t in _tokens(_unescape_codepoints(sparql)))


def sparql_term(term: ox.NamedNode | ox.Literal) -> str:
    """A term in SPARQL syntax. Strings escape exactly what SPARQL requires (\\ " LF CR), so a value
    can never end its literal; IRIs were validated by pyoxigraph (no spaces, < > " { } | ^ ` \\)."""
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        text = (term.value.replace("\\", "\\\\").replace('"', '\\"')
                .replace("\n", "\\n").replace("\r", "\\r"))
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype.value == XSD + "string":
            return f'"{text}"'
        return f'"{text}"^^<{term.datatype.value}>'
    raise QueryError(f"cannot bind {term!r}: only IRIs and literals can be parameters")


def with_values(sparql: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """The query with `bindings` as a one-row VALUES block at the start of its WHERE group."""
    if not bindings:
        return sparql
    for name in bindings:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise QueryError(f"{name!r} is not a usable parameter name")
    s = shape(sparql)
    if s.where_open is None:
        raise QueryError("the query has no WHERE group to bind parameters in")
    names = sorted(bindings)
    block = (f"\n  VALUES ({' '.join('?' + n for n in names)}) "
             f"{{ ({' '.join(sparql_term(bindings[n]) for n in names)}) }}\n")
    if s.sub_select:
        return (sparql[:s.where_open] + block + "  {" + sparql[s.where_open:s.where_close] + "}\n"
                + sparql[s.where_close:])
    return sparql[:s.where_open] + block + sparql[s.where_open:]


# -- headers and parameters ---------------------------------------------------------------------

_HEADER_LINE = re.compile(r"#\s?(?P<key>[a-z][a-z-]*):\s*(?P<value>.*)")


def parse_question(text: str, *, name: str, path: Path | None = None) -> Question:
    """Read a question's header; QueryError naming file:line for a malformed one."""
    where = str(path) if path else name
    fields: dict[str, list[str]] = {k: [] for k in HEADER_KEYS}
    params: list[tuple[int, str]] = []
    current: list[str] | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            current = None
            continue
        if not line.startswith("#"):
            break
        m = _HEADER_LINE.fullmatch(line)
        if m and m.group("key") in HEADER_KEYS:
            key, value = m.group("key"), m.group("value").strip()
            if key == "param":
                params.append((lineno, value))
                current = None
            else:
                fields[key].append(value)
                current = fields[key]
        elif current is not None and re.match(r"#\s{2,}\S", raw.lstrip()):
            current[-1] = (current[-1] + " " + line.lstrip("#").strip()).strip()
        else:
            current = None
    s = shape(text)
    declared: list[Param] = []
    for lineno, value in params:
        declared.append(_parse_param(value, f"{where}:{lineno}", s.variables))
    seen = set()
    for p in declared:
        if p.name in seen:
            raise QueryError(f"{where}: parameter {p.name!r} is declared twice")
        seen.add(p.name)
    if s.form != "SELECT":
        raise QueryError(f"{where}: a question must be a SELECT query (found {s.form or 'no query form'})")
    return Question(name=name, path=path or Path(name), title=" ".join(fields["title"]) or name,
                    question=" ".join(fields["question"]), params=tuple(declared), text=text,
                    notes=" ".join(fields["note"]))


def _parse_param(value: str, where: str, variables: frozenset[str]) -> Param:
    m = re.fullmatch(r'(\S+)\s+(\S+)\s+("(?:[^"\\]|\\.)*"|\S+)\s*(.*)', value)
    if not m:
        raise QueryError(f"{where}: a param line is `# param: NAME TYPE DEFAULT DESCRIPTION` "
                         f"(DEFAULT may be - or required); got {value!r}")
    name, type_, default, description = m.groups()
    if default.startswith('"'):
        default = re.sub(r'\\(.)', r'\1', default[1:-1])
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise QueryError(f"{where}: {name!r} is not a SPARQL variable name")
    if name not in variables:
        raise QueryError(f"{where}: parameter {name!r} is not used in the query (no ?{name})")
    _check_type(type_, where)
    if name == AS_OF and type_ != "date":
        raise QueryError(f"{where}: the standard parameter asOf must have type date")
    required = default == REQUIRED
    default_value = None if default in (UNBOUND, REQUIRED) else default
    param = Param(name, type_, default_value, required, description)
    if default_value is not None:
        try:
            to_term(param, default_value)
        except QueryError as exc:
            raise QueryError(f"{where}: the default is wrong: {exc}") from None
    return param


def _check_type(type_: str, where: str) -> None:
    if type_ in SCALAR_TYPES:
        return
    if type_.startswith("concept:") and type_.split(":", 1)[1] in CONCEPT_SCHEMES:
        return
    schemes = ", ".join(f"concept:{s}" for s in sorted(CONCEPT_SCHEMES))
    raise QueryError(f"{where}: unknown parameter type {type_!r} (use one of {', '.join(SCALAR_TYPES)}, {schemes})")


def _iri(text: str, what: str) -> ox.NamedNode:
    """`what` starts with "parameter NAME (TYPE)" and may say how to write one."""
    if not re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", text):
        raise QueryError(f"{what}: {text!r} is not an absolute IRI")
    try:
        return ox.NamedNode(text)
    except ValueError as exc:
        raise QueryError(f"{what}: {text!r} is not a valid IRI ({exc})") from None


def to_term(param: Param, value: str) -> ox.NamedNode | ox.Literal:
    """Turn a text value into an RDF term of the parameter's type, or say why it cannot be one."""
    text = str(value)
    t = param.type
    bad = f"parameter {param.name} ({t})"
    if t == "string":
        return ox.Literal(text)
    v = text.strip()
    if t == "integer":
        if not re.fullmatch(r"[+-]?\d+", v):
            raise QueryError(f"{bad}: {text!r} is not an integer")
        return ox.Literal(str(int(v)), datatype=ox.NamedNode(XSD + "integer"))
    if t == "decimal":
        try:
            number = Decimal(v)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", v):
            raise QueryError(f"{bad}: {text!r} is not a decimal number (e.g. 250000 or 1.5)")
        return ox.Literal(str(number), datatype=ox.NamedNode(XSD + "decimal"))
    if t == "boolean":
        lowered = v.lower()
        if lowered not in ("true", "false", "yes", "no", "1", "0"):
            raise QueryError(f"{bad}: {text!r} is not true or false")
        return ox.Literal("true" if lowered in ("true", "yes", "1") else "false",
                          datatype=ox.NamedNode(XSD + "boolean"))
    if t == "date":
        try:
            day = dt.date.fromisoformat(v) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) else None
        except ValueError:
            day = None
        if day is None:
            hint = " (use --as-of for a year)" if param.name == AS_OF else ""
            raise QueryError(f"{bad}: {text!r} is not a date YYYY-MM-DD{hint}")
        return ox.Literal(day.isoformat(), datatype=ox.NamedNode(XSD + "date"))
    if t == "iri":
        if v.startswith("<") and v.endswith(">"):
            v = v[1:-1]
        prefix, sep, local = v.partition(":")
        if sep and prefix in iris.PREFIXES and not local.startswith("//"):
            v = iris.PREFIXES[prefix] + local
        return _iri(v, f"{bad}, a full IRI or a prefixed name such as gg:Agency")
    if t == "record":
        if v.startswith("<") and v.endswith(">"):
            v = v[1:-1]
        if not re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", v):
            if not re.fullmatch(r"[a-z]{2}/[A-Za-z0-9._~\-/]+", v):
                raise QueryError(f"{bad}: {text!r} is neither a record IRI nor a short form cc/slug (e.g. cl/segpres)")
            v = ID + v
        return _iri(v, bad)
    if t == "country":
        if not re.fullmatch(r"[A-Za-z]{2}", v):
            raise QueryError(f"{bad}: {text!r} is not a two-letter ISO 3166-1 country code (e.g. CL)")
        return ox.NamedNode(str(iris.country_iri(v)))
    if t.startswith("concept:"):
        scheme = t.split(":", 1)[1]
        codes = CONCEPT_SCHEMES.get(scheme, ())
        code = v.rsplit("/", 1)[1] if v.startswith(f"https://w3id.org/govgraph/concept/{scheme}/") else v
        if code not in codes:
            raise QueryError(f"{bad}: {text!r} is not a code of {scheme} (one of {', '.join(codes)})")
        return ox.NamedNode(str(iris.concept(scheme, code)))
    raise QueryError(f"{bad}: unknown type")


def bind(question: Question, params: Mapping[str, str] | None = None, *,
         as_of: dt.date | None = None) -> dict[str, ox.NamedNode | ox.Literal]:
    """The terms to bind: given values, then defaults; QueryError for unknown, missing or bad values."""
    given = dict(params or {})
    if as_of is not None:
        if not question.takes_as_of:
            raise QueryError(f"{question.name} does not take a date (--as-of): it has no asOf parameter")
        if AS_OF in given:
            raise QueryError("give the date once: either --as-of or --param asOf=…")
        given[AS_OF] = as_of.isoformat()
    known = {p.name for p in question.params}
    unknown = sorted(set(given) - known)
    if unknown:
        takes = ", ".join(sorted(known)) or "no parameters"
        raise QueryError(f"{question.name} has no parameter {', '.join(unknown)} (it takes: {takes})")
    terms: dict[str, ox.NamedNode | ox.Literal] = {}
    for p in question.params:
        if p.name in given:
            terms[p.name] = to_term(p, given[p.name])
        elif p.required:
            raise QueryError(f"{question.name} needs --param {p.name}=… ({p.type}): {p.description}")
        elif p.default is not None:
            terms[p.name] = to_term(p, p.default)
    return terms


def parse_param_args(items: Iterable[str]) -> dict[str, str]:
    """`["country=CL", "asOf=2020-01-01"]` → a dict; QueryError for an item without `=`."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise QueryError(f"--param takes NAME=VALUE, got {item!r}")
        if key.strip() in out:
            raise QueryError(f"--param {key.strip()} is given twice")
        out[key.strip()] = value
    return out


# -- the library ----------------------------------------------------------------------------------

def questions_dir() -> Path:
    return queries_dir() / "questions"


def load_file(path: Path, *, name: str | None = None) -> Question:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryError(f"cannot read {path}: {exc}") from exc
    return parse_question(text, name=name or path.stem, path=path)


def list_questions(folder: Path | None = None) -> list[Question]:
    """Every question in the library (queries/questions/*.rq), sorted by name."""
    folder = Path(folder) if folder else questions_dir()
    return [load_file(p) for p in sorted(folder.glob("*.rq"))]


def load_question(name_or_file: str, folder: Path | None = None) -> Question:
    """A library question by name (`lead-bodies`), or any .rq file by path."""
    candidate = Path(name_or_file)
    if candidate.suffix == ".rq" or candidate.is_file():
        if not candidate.is_file():
            raise QueryError(f"no query file {candidate}")
        return load_file(candidate)
    folder = Path(folder) if folder else questions_dir()
    path = folder / f"{name_or_file}.rq"
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", name_or_file) or not path.is_file():
        names = ", ".join(p.stem for p in sorted(folder.glob("*.rq"))) or "none"
        raise QueryError(f"no question named {name_or_file!r} (known: {names}; or give a path to a .rq file)")
    return load_file(path)


def run(question: Question, backend: remote.Backend, *, params: Mapping[str, str] | None = None,
        as_of: dt.date | None = None, scenario: str | None = None) -> Result:
    """Answer a question on a store (embedded or remote), over the countries or one scenario."""
    bindings = bind(question, params, as_of=as_of)
    sparql = with_values(question.text, bindings)
    graphs = backend.dataset_graphs(scenario)
    columns, rows = backend.select(sparql, graphs=graphs)
    return Result(columns, rows, question, bindings, [g.value for g in graphs], sparql)


# -- output ---------------------------------------------------------------------------------------

def serialize(result: Result, fmt: str) -> bytes:
    """csv, tsv, json or xml (the SPARQL 1.1 results formats); `table` is drawn by the CLI from `display`."""
    if fmt not in results.RESULT_WRITERS:
        raise QueryError(f"unknown format {fmt!r} (use {', '.join(FORMATS)})")
    return results.RESULT_WRITERS[fmt](result.columns, result.rows)


def _prefixes() -> list[tuple[str, str]]:
    pairs = [(p, ns) for p, ns in iris.PREFIXES.items()]
    return sorted(pairs, key=lambda pair: -len(pair[1]))


def display(term) -> str:
    """A short text for a table cell: prefixed names for IRIs (cc:slug for records), plain values."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        iri = term.value
        m = re.fullmatch(re.escape(ID) + r"([a-z]{2})/(.+)", iri)
        if m:
            return f"{m.group(1)}:{m.group(2)}"
        if iri.startswith(GRAPH):
            return "graph:" + iri[len(GRAPH):]
        for prefix, ns in _prefixes():
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns):]}"
        return iri
    if isinstance(term, ox.Literal):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)
