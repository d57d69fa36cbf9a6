"""Typed records of the curated data (no RDF here).

The field declarations are the single description of the YAML format: pydantic checks shapes and
types, and the annotations `Ref` and `Code` tell the loader's second pass which fields point at other
records or at codes of a SKOS scheme. Every record remembers where it came from (file, line, column),
so any later problem can be reported at its place in the file.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Annotated, Any, Iterator

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, field_validator

from govgraph.core.errors import UsageError
from govgraph.core.vocab import CAST_RULES, CONCEPT_SCHEMES

BASELINE = dt.date(2016, 6, 30)


def as_of_day(value: dt.date | int | str | None) -> dt.date:
    """The day a picture is taken on: None → the 2016 baseline; a date as is; a year → 30 June of it
    (mid-year, see graph/README.md); an ISO date string → that day. UsageError otherwise."""
    if value is None:
        return BASELINE
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d{4}", text):
        return dt.date(int(text), 6, 30)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{text!r} is neither a year (2016) nor a date (2016-06-30)") from None
SLUG = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
LANG = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
QID = re.compile(r"^Q[1-9][0-9]*$")
URL = re.compile(r"^https?://[^\s<>\"{}|\\^`\x00-\x1f\x7f-\x9f]+$")


@dataclass(frozen=True)
class Ref:
    """Marks a field whose value is the id of another record of one of `kinds`."""

    kinds: tuple[str, ...]
    historical: bool = False  # may name a record that no longer holds (e.g. `replaces`)


@dataclass(frozen=True)
class Code:
    """Marks a field whose value is a code of the SKOS scheme `scheme`."""

    scheme: str


AGENT = ("institution", "coordination_body")


def coded(scheme: str):
    """A field holding a code of `scheme`; checked against the ontology's concept schemes."""

    def check(value: str) -> str:
        allowed = CONCEPT_SCHEMES.get(scheme, ())
        if value not in allowed:
            close = difflib.get_close_matches(value, allowed, n=1)
            guess = f"did you mean '{close[0]}'? " if close else ""
            raise ValueError(f"unknown {scheme} code '{value[:40]}' ({guess}allowed: {', '.join(allowed)})")
        return value

    return Annotated[str, Code(scheme), AfterValidator(check)]


class StatedDate(dt.date):
    """A date as the curator wrote it: the first day it names, and its precision ("year", "month"
    or "day"), so that 2016 is published as the year 2016 and not only as 1 January 2016."""

    precision: str

    def __new__(cls, year: int, month: int = 1, day: int = 1, precision: str = "day"):
        obj = super().__new__(cls, year, month, day)
        obj.precision = precision
        return obj

    def __reduce__(self):
        return (type(self), (self.year, self.month, self.day, self.precision))


def _to_date(value: Any, *, end: bool = False) -> dt.date:
    """A year, ``YYYY-MM`` or ``YYYY-MM-DD`` → the first day it names (see graph/README.md), keeping
    the precision it was written with."""
    if isinstance(value, StatedDate):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a year or a date, not true/false")
    if isinstance(value, int):
        if not 1000 <= value <= 9999:
            raise ValueError(f"{value} is not a four-digit year")
        return StatedDate(value, 1, 1, "year")
    if isinstance(value, str):
        text = value.strip()
        m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text)
        if m and not (m.group(3) and not m.group(2)):
            year, month, day = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
            precision = "day" if m.group(3) else "month" if m.group(2) else "year"
            try:
                return StatedDate(year, month, day, precision)
            except ValueError as exc:
                raise ValueError(f"{text!r} is not a real date ({exc})") from None
        raise ValueError(f"{text[:40]!r} is not a date: write 2016, 2016-06 or 2016-06-03")
    raise ValueError(f"expected a year or a date, got {type(value).__name__}")


def _not_future(value: dt.date) -> dt.date:
    if value > dt.date.today():
        raise ValueError(f"{value.isoformat()} lies in the future")
    return value


Day = Annotated[dt.date, BeforeValidator(_to_date)]
PastDay = Annotated[dt.date, BeforeValidator(lambda v: _not_future(_to_date(v)))]


_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
NAME_LIMIT = 500      # a name or title (the longest shipped is a law's title of about 250)
TEXT_LIMIT = 20_000   # a description


# any character `clean_text` refuses (a tab or a newline only where `newlines` is False), so that
# text with none of them, nearly all of it, is not looked at character by character
_REFUSED = {True: re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"),
            False: re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")}


def clean_text(text: str, *, newlines: bool = True, limit: int = TEXT_LIMIT) -> str:
    """Text as published: no control characters (a NUL, a terminal escape), no bidirectional
    overrides (they can make a label read as something else), no lone surrogates, bounded length."""
    for char in text if _REFUSED[newlines].search(text) else "":
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            raise ValueError("contains a lone surrogate escape (such as \\ud800): write the character itself")
        if char in _BIDI_CONTROLS:
            raise ValueError(f"contains the bidirectional control U+{code:04X}: remove it")
        if (code < 32 or 0x7F <= code <= 0x9F) and not (newlines and char in "\n\t"):
            raise ValueError(f"contains the control character U+{code:04X}: remove it")
    if len(text) > limit:
        raise ValueError(f"is {len(text)} characters long, over the limit of {limit}")
    return text


def _lang_text(value: Any, *, name: bool = False) -> dict[str, str]:
    if isinstance(value, str):
        raise ValueError("give the text per language, e.g. {en: ..., es: ...}")
    if not isinstance(value, dict):
        raise ValueError(f"expected a mapping of language to text, got {type(value).__name__}")
    out: dict[str, str | None] = {}
    for lang, text in value.items():
        if not isinstance(lang, str) or not LANG.fullmatch(lang):
            raise ValueError(f"{str(lang)[:20]!r} is not a language code such as en, es, pt "
                             "(a text that contains a comma must be put in quotes)")
        if text is None and name and lang != "en":
            out[lang] = None  # `fr: ~`: no name in this language in the sources read
            continue
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"the {lang} text must be a non-empty string")
        try:
            out[lang] = clean_text(text.strip(), newlines=not name, limit=NAME_LIMIT if name else TEXT_LIMIT)
        except ValueError as exc:
            raise ValueError(f"the {lang} text {exc}") from None
    if "en" not in out:
        raise ValueError("an English (en) text is required")
    return out


LangText = Annotated[dict[str, str], BeforeValidator(_lang_text)]
# a name or title; `xx: ~` records that no name in language xx was found in the sources read
LangName = Annotated[dict[str, str | None], BeforeValidator(lambda v: _lang_text(v, name=True))]


def _checked(pattern: re.Pattern[str], what: str):
    def check(value: Any) -> str:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise ValueError(f"{str(value)[:40]!r} is not {what}")
        return value

    return BeforeValidator(check)


Slug = Annotated[str, _checked(SLUG, "an id (lower-case letters, digits and hyphens, starting with a letter)"),
               Field(max_length=100)]
Url = Annotated[str, _checked(URL, "an http(s) URL"), Field(max_length=2000)]
Qid = Annotated[str, _checked(QID, "a Wikidata id such as Q298")]
Text = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(clean_text)]


def cast_roles(declared_by: str):
    """A list of cast roles that a record of class `declared_by` may declare (see CAST_RULES)."""
    allowed = tuple(code for code, rules in CAST_RULES.items() if ("declared-by", declared_by) in rules)

    def check(values: list[str]) -> list[str]:
        for value in values:
            if value not in allowed:
                where = ("a lever, a lead designation, a strategy or a membership fills it"
                         if value in CAST_RULES else "not a cast role")
                raise ValueError(f"'{str(value)[:40]}' cannot be declared here ({where}); "
                                 f"allowed: {', '.join(allowed)}")
        if len(set(values)) != len(values):
            raise ValueError("a role is listed twice")
        return values

    return Annotated[list[str], AfterValidator(check)]


def ref(*kinds: str, historical: bool = False):
    return Ref(kinds, historical)


class Record(BaseModel):
    """Base of all records: unknown keys are errors; the origin is kept for error messages."""

    model_config = ConfigDict(extra="forbid", strict=False, frozen=False)
    _origin: tuple[str, int, int] = PrivateAttr(default=("", 0, 0))
    _node: Any = PrivateAttr(default=None)
    _path: str = PrivateAttr(default="")  # where in its file, e.g. "institutions[2]"

    @property
    def origin(self) -> tuple[str, int, int]:
        return self._origin


class Citation(Record):
    id: Slug
    locator: Text
    note: Text | None = None


class Fact(Record):
    """A fact-bearing record: it must say where it comes from and how sure we are."""

    sources: list[Citation] = Field(min_length=1)
    confidence: coded("confidence")
    from_: PastDay | None = Field(default=None, alias="from")
    until: Day | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def holds_on(self, day: dt.date) -> bool:
        return (self.from_ is None or self.from_ <= day) and (self.until is None or day < self.until)


class SourceDecl(Record):
    id: Slug
    title: Text
    publisher: Text | None = None
    date: PastDay | None = None
    url: Url | None = None
    kind: coded("source-kind")
    language: Annotated[str, _checked(LANG, "a language code such as en")] | None = None
    part_of: Slug | None = None  # the source this one is a part of (a chapter of a report)


class Country(Fact):
    code: Annotated[str, _checked(re.compile(r"^[A-Z]{2}$"), "an ISO 3166-1 alpha-2 code in capitals, e.g. CL")]
    iso3: Annotated[str, _checked(re.compile(r"^[A-Z]{3}$"), "an ISO 3166-1 alpha-3 code, e.g. CHL")] | None = None
    name: LangName
    languages: list[Annotated[str, _checked(LANG, "a language code such as es")]] = []
    wikidata: Qid | None = None
    benchmark: bool = False
    homepage: Url | None = None


class Institution(Fact):
    id: Slug
    name: LangName
    acronym: Text | None = None
    kind: coded("institution-kind")
    part_of: Annotated[Slug, ref("institution")] | None = None
    reports_to: Annotated[Slug, ref(*AGENT)] | None = None
    placement: coded("placement") | None = None
    established: PastDay | None = None
    replaces: Annotated[Slug, ref("institution", historical=True)] | None = None
    legal_basis: list[Annotated[Slug, ref("legal_instrument")]] | None = None
    homepage: Url | None = None
    wikidata: Qid | None = None
    description: LangText | None = None
    roles: cast_roles("org:FormalOrganization") = []


class Lead(Fact):
    id: Slug | None = None  # optional: lets a scenario change or remove this designation
    body: Annotated[Slug, ref("institution")]


class Membership(Record):
    member: Annotated[Slug, ref(*AGENT)]
    role: coded("membership-role")
    sources: list[Citation] | None = Field(default=None, min_length=1)
    confidence: coded("confidence") | None = None
    from_: PastDay | None = Field(default=None, alias="from")
    until: Day | None = None
    note: LangText | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class CoordinationBody(Fact):
    id: Slug
    name: LangName
    acronym: Text | None = None
    level: coded("coordination-level")
    scope: coded("coordination-scope") | None = None
    established: PastDay | None = None
    replaces: Annotated[Slug, ref("coordination_body", historical=True)] | None = None
    legal_basis: list[Annotated[Slug, ref("legal_instrument")]] | None = None
    homepage: Url | None = None
    wikidata: Qid | None = None
    description: LangText | None = None
    roles: cast_roles("gg:CoordinationBody") = []
    members: list[Membership] = []


class Mandate(Fact):
    id: Slug
    holder: Annotated[Slug, ref(*AGENT)]
    description: LangText
    strength: coded("mandate-strength")
    legal_basis: list[Annotated[Slug, ref("legal_instrument")]] | None = None
    principles: list[coded("oecd-principle")] = []


class Threshold(Record):
    amount: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    currency: Annotated[str, _checked(CURRENCY, "an ISO 4217 currency code such as CLP, GBP")]
    note: LangText | None = None

    @field_validator("amount", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("the amount must be a number, without currency signs or separators")
        return value


class Lever(Fact):
    id: Slug
    holder: Annotated[Slug, ref(*AGENT)]
    type: coded("lever-type")
    description: LangText
    binding: bool
    threshold: Threshold | None = None
    binds: list[Annotated[Slug, ref(*AGENT)]] = []
    scope: LangText | None = None
    legal_basis: list[Annotated[Slug, ref("legal_instrument")]] | None = None
    principles: list[coded("oecd-principle")] = []


class LegalInstrument(Fact):
    id: Slug
    title: LangName
    kind: coded("instrument-kind")
    identifier: Text | None = None
    date: PastDay | None = None
    in_force: PastDay | None = None  # first day in force, when it differs from `date`
    amends: list[Annotated[Slug, ref("legal_instrument", historical=True)]] = []
    url: Url | None = None


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class Strategy(Fact):
    id: Slug
    title: LangName
    # the body responsible, or the bodies that own a joint strategy together
    owner: Annotated[list[Annotated[Slug, ref(*AGENT)]], BeforeValidator(_one_or_many)] = []
    url: Url | None = None
    description: LangText | None = None
    legal_basis: list[Annotated[Slug, ref("legal_instrument")]] | None = None


class Relation(Fact):
    id: Slug | None = None  # optional: lets a scenario change or remove this relation
    actor: Annotated[Slug, ref(*AGENT)]
    relation: coded("relation-type")
    target: Annotated[Slug, ref(*AGENT)]


class Note(Fact):
    id: Slug
    text: LangText


class RoleSearch(Record):
    """A cast role looked for and not found over a period: what was searched, where and when."""

    roles: list[coded("cast-role")] = Field(min_length=1)
    searched_on: PastDay
    where: Text
    note: LangText | None = None
    sources: list[Citation] | None = Field(default=None, min_length=1)
    from_: PastDay | None = Field(default=None, alias="from")
    until: Day | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def holds_on(self, day: dt.date) -> bool:
        return (self.from_ is None or self.from_ <= day) and (self.until is None or day < self.until)


class Gap(Record):
    topic: Text
    note: Text


class Sections(Record):
    """The record lists a country file (or a scenario's `add:`) may hold."""

    institutions: list[Institution] = []
    lead: list[Lead] = []
    coordination_bodies: list[CoordinationBody] = []
    mandates: list[Mandate] = []
    levers: list[Lever] = []
    legal_instruments: list[LegalInstrument] = []
    strategies: list[Strategy] = []
    relations: list[Relation] = []
    notes: list[Note] = []

    def records(self) -> Iterator[tuple[str, Fact]]:
        """Every fact-bearing record with its kind, in file order."""
        for section, kind in SECTION_KINDS.items():
            for record in getattr(self, section):
                yield kind, record


SECTION_KINDS = {
    "institutions": "institution",
    "lead": "lead",
    "coordination_bodies": "coordination_body",
    "mandates": "mandate",
    "levers": "lever",
    "legal_instruments": "legal_instrument",
    "strategies": "strategy",
    "relations": "relation",
    "notes": "note",
}
KIND_MODELS: dict[str, type[Fact]] = {
    "institution": Institution,
    "lead": Lead,
    "coordination_body": CoordinationBody,
    "mandate": Mandate,
    "lever": Lever,
    "legal_instrument": LegalInstrument,
    "strategy": Strategy,
    "relation": Relation,
    "note": Note,
}


class CountryFile(Sections):
    country: Country
    sources: list[SourceDecl] = []
    searched: list[RoleSearch] = []
    gaps: list[Gap] = []

    @property
    def code(self) -> str:
        return self.country.code.lower()


class GroupMember(Fact):
    """A country's membership of a group, from the day it joined (until the day it left)."""

    country: Annotated[str, _checked(re.compile(r"^[A-Z]{2}$"), "an ISO 3166-1 alpha-2 code in capitals, e.g. CL")]
    note: Text | None = None


class Group(Record):
    """An intergovernmental organisation countries are compared by (groups.yaml)."""

    id: Slug
    name: LangName
    acronym: Text | None = None
    homepage: Url | None = None
    members: list[GroupMember] = []


class GroupsFile(Record):
    groups: list[Group] = []
    sources: list[SourceDecl] = []
    gaps: list[Gap] = []


class ScenarioHeader(Fact):
    id: Slug
    country: Annotated[str, _checked(re.compile(r"^[A-Z]{2}$"), "an ISO 3166-1 alpha-2 code in capitals, e.g. CL")]
    title: LangName
    description: LangText
    base: PastDay = BASELINE


RELATIVE_WHEN = re.compile(r"^years?\s+(\d{1,2})(?:\s*[-\u2013]\s*(\d{1,2}))?$")


def _phase_when(value: Any) -> dt.date | tuple[int, int]:
    """A phase's `when`: a date (as `from:`), or years counted from the scenario's start, written
    "year 1" or "years 2-3" → (first, last)."""
    if isinstance(value, str) and not re.match(r"^\d", value.strip()):
        m = RELATIVE_WHEN.fullmatch(value.strip().lower())
        if not m:
            raise ValueError(f"{value[:40]!r} is neither a date (2018, 2018-06, 2018-06-01) nor years from "
                             "the start ('year 1', 'years 2-3')")
        first, last = int(m.group(1)), int(m.group(2) or m.group(1))
        if first < 1 or last < first:
            raise ValueError(f"{value[:40]!r}: years count from 1 and the last comes after the first ('years 2-3')")
        return (first, last)
    return _to_date(value)


class Phase(Record):
    """One step of a scenario's roadmap: a small set of changes, dated or relative to the start,
    with its own sources and confidence (a step the sources do not state is `uncertain`)."""

    sources: list[Citation] = Field(min_length=1)
    confidence: coded("confidence")
    id: Slug
    title: LangName
    when: Annotated[dt.date | tuple[int, int], BeforeValidator(_phase_when)]
    description: LangText | None = None
    add: Sections = Sections()
    remove: list[Slug] = []
    change: list[dict[str, Any]] = []

    @property
    def relative(self) -> bool:
        return isinstance(self.when, tuple)

    def when_text(self) -> str:
        """`when` as the curator wrote it ("years 2-3", "2018-06")."""
        if isinstance(self.when, tuple):
            first, last = self.when
            return f"year {first}" if first == last else f"years {first}-{last}"
        precision = getattr(self.when, "precision", "day")
        return str(self.when.year) if precision == "year" else \
            self.when.isoformat()[:7] if precision == "month" else self.when.isoformat()


class ScenarioFile(Record):
    scenario: ScenarioHeader
    sources: list[SourceDecl] = []
    add: Sections = Sections()
    remove: list[Slug] = []
    change: list[dict[str, Any]] = []
    phases: list[Phase] = []  # the roadmap, in order: applied after add/remove/change


@dataclass
class Dataset:
    """Everything curated, linked and checked: the input of the build."""

    sources: dict[str, SourceDecl] = field(default_factory=dict)
    countries: dict[str, CountryFile] = field(default_factory=dict)
    scenarios: dict[str, ScenarioFile] = field(default_factory=dict)
    # scenario id → the country's arrangement under that scenario (baseline snapshot + changes)
    scenario_views: dict[str, CountryFile] = field(default_factory=dict)
    # scenario id → the arrangement after each of its phases, in order (the last equals scenario_views)
    phase_views: dict[str, list[CountryFile]] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)  # groups.yaml: OECD, EU …
    inputs: dict[str, str] = field(default_factory=dict)  # each curated file read (as reports name it) → sha256

    def groups_of(self, code: str) -> list[tuple[Group, GroupMember]]:
        """The memberships of one country (lower-case code), group by group."""
        return [(g, m) for _, g in sorted(self.groups.items()) for m in g.members if m.country.lower() == code]


def record_id(kind: str, record: Fact) -> str | None:
    """The id a record is referred to by (leads and relations only when given one)."""
    return getattr(record, "id", None)


def _yaml_nodes(value: Any, memo: dict[int, Any]) -> None:
    """Map each record's YAML node to itself, so a deep copy shares the (read-only) nodes."""
    if isinstance(value, Record):
        if value._node is not None:
            memo[id(value._node)] = value._node
        for item in value.__dict__.values():
            _yaml_nodes(item, memo)
    elif isinstance(value, list):
        for item in value:
            _yaml_nodes(item, memo)


def copy_records(country: CountryFile) -> CountryFile:
    """A deep copy of the records that shares their (read-only) YAML nodes."""
    memo: dict[int, Any] = {}
    _yaml_nodes(country, memo)
    return deepcopy(country, memo)


def snapshot(country: CountryFile, day: dt.date) -> CountryFile:
    """The arrangement on `day`: only the records (and memberships) that hold then.

    A deep copy of the records that hold (only those are copied), so a view can be changed without
    touching the country; the YAML nodes they point at (for error locations, never changed) are
    shared, not copied: copying them was most of the cost of a snapshot."""
    holding = country.model_copy(update={section: [r for r in getattr(country, section) if r.holds_on(day)]
                                         for section in SECTION_KINDS})
    copy = copy_records(holding)
    for body in copy.coordination_bodies:
        body.members = [
            m
            for m in body.members
            if (m.from_ is None or m.from_ <= day) and (m.until is None or day < m.until)
        ]
    return copy

