"""The loader: every problem located (file, line, field), all at once; never any other exception."""

from __future__ import annotations

import re
import shutil
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from govgraph.core.errors import DataError
from govgraph.curated.loader import load
from govgraph.curated.model import BASELINE, snapshot

from conftest import FIXTURES, KITCHEN_SINK, REAL_DATA

INVALID = sorted((FIXTURES / "invalid").glob("*.yaml"))


def data_dir_with(tmp_path: Path, country_file: Path | str, name: str = "zz.yaml") -> Path:
    """A data folder holding the kitchen sink's shared sources and one country file."""
    (tmp_path / "countries").mkdir(parents=True, exist_ok=True)
    shutil.copy(KITCHEN_SINK / "sources.yaml", tmp_path / "sources.yaml")
    target = tmp_path / "countries" / name
    if isinstance(country_file, Path):
        shutil.copy(country_file, target)
    else:
        target.write_text(country_file, encoding="utf-8")
    return tmp_path


def expectations(path: Path) -> dict[str, str]:
    return dict(re.findall(r"^# expect-(\w+): (.*)$", path.read_text(encoding="utf-8"), re.M))


def test_there_are_at_least_fifteen_invalid_fixtures():
    assert len(INVALID) >= 15


@pytest.mark.parametrize("fixture", INVALID, ids=lambda p: p.stem)
def test_each_invalid_fixture_is_reported_at_its_file_line_and_field(fixture, tmp_path):
    expect = expectations(fixture)
    with pytest.raises(DataError) as caught:
        load(data_dir_with(tmp_path, fixture))
    problems = caught.value.problems
    assert len(problems) == 1, "\n".join(map(str, problems))
    problem = problems[0]
    assert problem.path.endswith("countries/zz.yaml")
    assert problem.line == int(expect["line"])
    assert problem.field == expect["field"]
    assert expect["message"] in problem.message
    text = str(problem)
    assert text.startswith(f"{problem.path}:{problem.line}:{problem.column}: {problem.field}: ")
    assert " — " in text, "every problem says how to fix it"


def test_a_file_with_several_problems_reports_every_one(tmp_path):
    with pytest.raises(DataError) as caught:
        load(data_dir_with(tmp_path, FIXTURES / "invalid" / "many" / "zz.yaml"))
    found = {(p.line, p.field) for p in caught.value.problems}
    # institutions[1] fails pass one (a future date), so its reference and source are not linked;
    # every other record's problems are reported, from both passes
    assert found == {
        (10, "institutions[0].kind"),
        (17, "institutions[1].from"),
        (20, "institutions[2].sources"),
        (23, "institutions[2].colour"),
        (31, "levers[0].threshold.currency"),
        (33, "levers[0].confidence"),
    }


def test_file_name_must_match_country_code(tmp_path):
    text = (KITCHEN_SINK / "countries" / "zz.yaml").read_text(encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load(data_dir_with(tmp_path, text, name="zy.yaml"))
    assert any(p.field == "country.code" and "zy.yaml" in p.message for p in caught.value.problems)


def test_scenario_changing_an_unknown_record_is_located(tmp_path):
    data = data_dir_with(tmp_path, KITCHEN_SINK / "countries" / "zz.yaml")
    shutil.copy(KITCHEN_SINK / "sources.yaml", data / "sources.yaml")
    (data / "scenarios").mkdir()
    (data / "scenarios" / "zz-bad.yaml").write_text(
        "scenario:\n  id: zz-bad\n  country: ZZ\n  title: {en: Bad}\n  description: {en: Bad}\n"
        "  sources: [{id: zz-handbook, locator: p. 1}]\n  confidence: uncertain\n"
        "change:\n  - id: no-such-record\n    holder: finance\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load(data)
    [problem] = caught.value.problems
    assert problem.path.endswith("scenarios/zz-bad.yaml") and problem.line == 9
    assert problem.field == "change[0].id"


@pytest.mark.slow
def test_kitchen_sink_and_real_dataset_load():
    ks = load(KITCHEN_SINK)
    assert set(ks.countries) == {"zz"} and set(ks.scenario_views) == {"zz-finance"}
    real = load(REAL_DATA)
    assert {"cl", "gb"} <= set(real.countries)


def test_scenario_view_applies_add_remove_and_change():
    ks = load(KITCHEN_SINK)
    view = ks.scenario_views["zz-finance"]
    agency = next(i for i in view.institutions if i.id == "digital-agency")
    assert agency.part_of == "finance" and agency.placement == "finance-ministry"
    budget = next(lv for lv in view.levers if lv.id == "ict-budget")
    assert budget.holder == "digital-agency" and budget.confidence == "uncertain"
    assert budget.sources[0].id == "zz-gazette"
    assert not any(lv.id == "framework-agreements" for lv in view.levers)
    assert any(b.id == "cio-council" for b in view.coordination_bodies)
    # records that ended before the base date are not in the view
    assert not any(i.id == "old-digital-unit" for i in view.institutions)
    # the baseline itself is untouched
    base = next(i for i in ks.countries["zz"].institutions if i.id == "digital-agency")
    assert base.part_of == "presidency"


def test_snapshot_keeps_only_what_holds_on_the_day():
    zz = load(KITCHEN_SINK).countries["zz"]
    in_2010 = snapshot(zz, BASELINE.replace(year=2010))
    assert [lead.body for lead in in_2010.lead] == ["old-digital-unit"]
    now = snapshot(zz, BASELINE)
    assert [lead.body for lead in now.lead] == ["digital-agency"]
    council = next(b for b in in_2010.coordination_bodies if b.id == "digital-council")
    assert "interior" not in [m.member for m in council.members]  # joined in 2015


# -- property-based: random and mutated YAML never escapes as anything but DataError -------------

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                     st.floats(allow_nan=True, allow_infinity=True), _text,
                     st.text(alphabet=string.ascii_letters, min_size=5000, max_size=20000))
_keys = st.one_of(st.sampled_from(["country", "institutions", "levers", "id", "name", "kind", "sources",
                                   "confidence", "from", "until", "part_of", "members", "threshold",
                                   "en", "es", "code", "amount"]), _text)
_values = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(_keys, inner, max_size=4)),
                       max_leaves=30)


def _dump(value) -> str:
    import io

    buf = io.StringIO()
    YAML(typ="safe", pure=True).dump(value, buf)
    return buf.getvalue()


def _outcome(tmp_path: Path, text: str) -> None:
    data = data_dir_with(tmp_path, text)
    try:
        load(data)
    except DataError as exc:
        assert exc.problems, "a DataError always lists its problems"
        for problem in exc.problems:
            assert problem.path and problem.line >= 1 and problem.field


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@pytest.mark.slow  # a fuzz run
@given(value=_values)
def test_random_yaml_gives_a_clean_load_or_a_located_data_error(tmp_path, value):
    _outcome(tmp_path, _dump(value))


def _flatten_paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _flatten_paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _flatten_paths(v, path + (i,))


_KS = YAML(typ="safe", pure=True).load((KITCHEN_SINK / "countries" / "zz.yaml").read_text(encoding="utf-8"))
_PATHS = [p for p in _flatten_paths(_KS) if p]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@pytest.mark.slow
@given(path=st.sampled_from(_PATHS), action=st.sampled_from(["replace", "delete", "nest"]), value=_values)
def test_mutated_kitchen_sink_gives_a_clean_load_or_a_located_data_error(tmp_path, path, action, value):
    import copy

    doc = copy.deepcopy(_KS)
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "nest":
        deep = value
        for _ in range(60):
            deep = {"x": [deep]}
        parent[last] = deep
    else:
        parent[last] = value
    _outcome(tmp_path, _dump(doc))


@pytest.mark.parametrize("text", [
    "", "---\n", "just a string\n", "- a\n- b\n", "country: [\n", "\x00\x01", "country: *undefined\n",
    "a: " + "[" * 2000 + "]" * 2000 + "\n",
])
def test_degenerate_files_give_a_located_data_error(tmp_path, text):
    with pytest.raises(DataError) as caught:
        load(data_dir_with(tmp_path, text))
    assert all(p.line >= 1 for p in caught.value.problems)


# -- the fast (libyaml) parser gives what the pure-Python one gives ---------------------------------

def _same_yaml(a, b, where="$"):
    """Equal values of the same types, with the same line/column for every mapping, key and item."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    assert type(a) is type(b), where
    if isinstance(a, (CommentedMap, CommentedSeq)):
        assert (a.lc.line, a.lc.col) == (b.lc.line, b.lc.col), where
    if isinstance(a, CommentedMap):
        assert list(a) == list(b), where
        for key in a:
            assert (a.lc.key(key), a.lc.value(key)) == (b.lc.key(key), b.lc.value(key)), f"{where}.{key}"
            _same_yaml(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, CommentedSeq):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert a.lc.item(i) == b.lc.item(i), f"{where}[{i}]"
            _same_yaml(x, y, f"{where}[{i}]")
    else:
        assert a == b and repr(a) == repr(b), where


YAML_FILES = sorted({*REAL_DATA.rglob("*.yaml"), *FIXTURES.rglob("*.yaml")})


@pytest.mark.slow  # every shipped file through both parsers
@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fast_parser_gives_the_pure_parsers_values_and_marks(path):
    from govgraph.curated import loader, yamlsafe

    if loader._CLoader is None:
        pytest.skip("ruamel.yaml.clib is not installed")
    text = path.read_text(encoding="utf-8")
    try:
        pure = yamlsafe.parse_yaml(text, fast=False)
    except Exception:
        pure = None  # the load reports it through the pure parser anyway (see curated.load)
    if pure is not None:
        _same_yaml(yamlsafe.parse_yaml(text, fast=True), pure)


def test_any_problem_is_reported_by_the_pure_parser(tmp_path, monkeypatch):
    """The fast path never decides an error message: with problems, the load is done again."""
    from govgraph.curated import loader, yamlsafe

    calls = []
    real = yamlsafe.parse_yaml
    monkeypatch.setattr(loader, "parse_yaml", lambda text, fast=True: calls.append(fast) or real(text, fast))
    with pytest.raises(DataError):
        load(data_dir_with(tmp_path, FIXTURES / "invalid" / "dangling-reference.yaml"))
    assert calls and calls[-1] is False


GROUPS = """groups:
  - id: club
    name: {en: Club of states}
    acronym: CLUB
    members:
      - country: ZZ
        from: 2001-01-01
        sources: [{id: %(source)s, locator: "p. 1"}]
        confidence: confirmed
      - country: %(other)s
        from: 2002-01-01
        until: %(until)s
        sources: [{id: %(source)s, locator: "p. 2"}]
        confidence: reported
"""


def test_groups_load_and_each_member_needs_a_country_file(tmp_path):
    source = YAML(typ="safe").load((KITCHEN_SINK / "sources.yaml").read_text(encoding="utf-8"))[0]["id"]
    data = data_dir_with(tmp_path, KITCHEN_SINK / "countries" / "zz.yaml")
    (data / "groups.yaml").write_text(GROUPS % {"source": source, "other": "ZZ", "until": "2003-01-01"},
                                      encoding="utf-8")
    club = load(data).groups["club"]
    assert [(m.country, m.from_.year, m.until and m.until.year) for m in club.members] == [
        ("ZZ", 2001, None), ("ZZ", 2002, 2003)]
    (data / "groups.yaml").write_text(GROUPS % {"source": source, "other": "QQ", "until": "2001-06-01"},
                                      encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load(data)
    found = {(p.path.rsplit("/", 1)[-1], p.line, p.field.rsplit(".", 1)[-1]) for p in caught.value.problems}
    assert ("groups.yaml", 10, "country") in found, caught.value.problems  # no countries/qq.yaml
    assert ("groups.yaml", 12, "until") in found, caught.value.problems   # until before from


@pytest.mark.slow  # the full validation, with HermiT, of the whole dataset plus one country
def test_a_new_curator_following_graph_readme_ends_clean(tmp_path):
    """graph/README.md, "Adding a country", done as written on a copy of graph/: copy the kitchen
    sink's country, replace the citations of its shared source with a source of your own declared in
    the file (steps 1 and 2; the kitchen sink already answers every cast role, step 3); then
    `govgraph validate` (step 4) finds no violation: what is left are the warnings the kitchen sink
    shows on purpose, each saying what to fix."""
    from conftest import run_govgraph

    guide = (REAL_DATA / "README.md").read_text(encoding="utf-8")
    assert "tests/fixtures/kitchen-sink/countries/zz.yaml" in guide and "zz-handbook" in guide
    data = Path(shutil.copytree(REAL_DATA, tmp_path / "graph"))
    text = (KITCHEN_SINK / "countries" / "zz.yaml").read_text(encoding="utf-8").replace("zz-handbook", "zz-own-handbook")
    text = text.replace("\nsources:\n", '\nsources:\n  - id: zz-own-handbook\n    title: "My own handbook"\n'
                        "    kind: primary\n    url: https://example.org/zembla/own-handbook\n", 1)
    (data / "countries" / "zz.yaml").write_text(text, encoding="utf-8")
    result = run_govgraph("validate", "--data", str(data))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "0 violation(s)" in result.stdout + result.stderr
