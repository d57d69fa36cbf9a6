"""A corpus of hostile and careless curated input: every case is a located problem (exit 2 through the
CLI), never a traceback, a hang, a huge message, or a changed byte in an existing out/.

Each case is a mutation of the kitchen-sink country (a text replacement) or a file-system oddity in
the data folder. The loader runs in-process for speed (it reads a FIFO or /dev/zero only after
checking what it is); a sample runs through the CLI against an existing build."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable

import pytest

from govgraph.core.errors import DataError
from govgraph.curated.loader import load
from govgraph.curated.yamlsafe import MAX_FILE_BYTES

from conftest import KITCHEN_SINK, run_govgraph

ZZ = (KITCHEN_SINK / "countries" / "zz.yaml").read_text(encoding="utf-8")
SCENARIO = (KITCHEN_SINK / "scenarios" / "zz-finance.yaml").read_text(encoding="utf-8")
FINANCE = "name: {en: Ministry of Finance, es: Ministerio de Hacienda}"


def sub(old: str, new: str) -> str:
    assert old in ZZ, old
    return ZZ.replace(old, new, 1)


def named(text: str) -> str:
    return sub(FINANCE, "name: {en: " + text + ", es: Ministerio de Hacienda}")


# name → the country file's text (mutations of the kitchen sink)
TEXT_CASES: dict[str, str] = {
    "id-trailing-newline": sub("  - id: finance\n", '  - id: "finance\\n"\n'),
    "id-upper-case": sub("  - id: finance\n", "  - id: Finance\n"),
    "id-with-space": sub("  - id: finance\n", '  - id: "fin ance"\n'),
    "id-too-long": sub("  - id: finance\n", "  - id: " + "f" * 300 + "\n"),
    "name-nul": named('"Ministry\\0 of Finance"'),
    "name-terminal-escape": named('"Ministry \\e[31m of Finance"'),
    "name-bell": named('"Ministry \\a of Finance"'),
    "name-c1-control": named('"Ministry \\x85 of Finance"'),
    "name-bidi-override": named('"Ministry \\u202e of Finance"'),
    "name-bidi-isolate": named('"Ministry \\u2066 of Finance"'),
    "name-lone-surrogate": named('"Ministry \\ud800 of Finance"'),
    "name-newline": named('"Ministry\\nof Finance"'),
    "name-100-kb": named('"' + "M" * 100_000 + '"'),
    "name-plain-string": sub(FINANCE, "name: Ministry of Finance"),
    "name-without-english": sub(FINANCE, "name: {es: Ministerio de Hacienda}"),
    "name-language-upper-case": sub(FINANCE, "name: {EN: Ministry of Finance}"),
    "name-language-number": sub(FINANCE, "name: {1: Ministry of Finance, en: x}"),
    "name-empty": sub(FINANCE, 'name: {en: ""}'),
    "description-surrogate": sub('description: {en: "Ministers who steer the digital agenda."}',
                                 'description: {en: "Ministers \\udfff who steer"}'),
    "description-too-long": sub('description: {en: "Ministers who steer the digital agenda."}',
                                'description: {en: "' + "d" * 30_000 + '"}'),
    "locator-nul": sub('locator: "ch. 2"}', 'locator: "ch.\\0 2"}'),
    "locator-empty": sub('locator: "ch. 2"}', 'locator: ""}'),
    "homepage-newline": sub("homepage: https://example.org/zembla/finance",
                            'homepage: "https://example.org/zembla/finance\\n"'),
    "homepage-javascript": sub("homepage: https://example.org/zembla/finance", 'homepage: "javascript:alert(1)"'),
    "homepage-space": sub("homepage: https://example.org/zembla/finance", 'homepage: "https://example.org/a b"'),
    "homepage-nul": sub("homepage: https://example.org/zembla/finance", 'homepage: "https://example.org/\\0"'),
    "homepage-ftp": sub("homepage: https://example.org/zembla/finance", "homepage: ftp://example.org/"),
    "wikidata-zero": sub("benchmark: true", "benchmark: true\n  wikidata: Q0"),
    "wikidata-lower-case": sub("benchmark: true", "benchmark: true\n  wikidata: q42"),
    "date-impossible-unquoted": sub("    established: 1950\n", "    established: 2016-02-30\n"),
    "date-month-13": sub("    established: 1950\n", '    established: "2016-13-01"\n'),
    "date-five-digit-year": sub("    established: 1950\n", "    established: 99999\n"),
    "date-future": sub("    established: 1950\n", "    established: 2999\n"),
    "date-boolean": sub("    established: 1950\n", "    established: yes\n"),
    "date-text": sub("    established: 1950\n", "    established: last year\n"),
    "until-before-from": sub("    from: 2005\n    until: 2014\n", "    from: 2014\n    until: 2005\n"),
    "confidence-unknown": sub("    confidence: reported\n", "    confidence: sure\n"),
    "kind-misspelt": sub("    kind: ministry\n", "    kind: ministery\n"),
    "unknown-field": sub("    acronym: MOF\n", "    acronym: MOF\n    colour: red\n"),
    "unknown-section": ZZ + "\nextras:\n  - x\n",
    "duplicate-key": sub("    acronym: MOF\n", "    acronym: MOF\n    acronym: MF\n"),
    "anchor-and-alias": sub("    acronym: MOF\n", "    acronym: &a MOF\n    description: {en: *a}\n"),
    "alias-bomb-under-duplicate-key": "a: &a [x,x,x,x,x,x,x,x,x,x]\n"
        + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 10) + "]\n" for i in range(8))
        + "country: *i\ncountry: *i\n",
    "deep-flow-nesting": "country: " + "[" * 5000 + "]" * 5000 + "\n",
    "deep-block-nesting": "country:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 400)),
    "tab-indentation": sub("    acronym: MOF\n", "\tacronym: MOF\n"),
    "unclosed-quote": sub('locator: "ch. 2"}', 'locator: "ch. 2}'),
    "empty-file": "",
    "only-comments": "# nothing here\n",
    "top-level-list": "- country: ZZ\n",
    "top-level-scalar": "just text\n",
    "country-code-mismatch": sub("  code: ZZ\n", "  code: ZY\n"),
    "threshold-with-separator": sub("amount: 250000", 'amount: "100,000"'),
    "threshold-negative": sub("amount: 250000", "amount: -5"),
    "threshold-nan": sub("amount: 250000", "amount: .nan"),
    "threshold-infinite": sub("amount: 250000", "amount: .inf"),
    "currency-word": sub("currency: EUR,", "currency: euro,"),
    "role-of-a-lever-on-an-institution": sub("    roles: [finance-ministry]\n", "    roles: [spending-control-lever]\n"),
    "role-unknown": sub("    roles: [finance-ministry]\n", "    roles: [treasury]\n"),
    "role-twice": sub("    roles: [finance-ministry]\n", "    roles: [finance-ministry, finance-ministry]\n"),
    "searched-without-where": sub('    where: "Ministry of Finance budget circulars 2010-2019 (fictional)"\n', ""),
    "searched-unknown-role": sub("  - roles: [data-protection-authority]\n", "  - roles: [dpa]\n"),
    "membership-role-unknown": sub("{member: president, role: chair}", "{member: president, role: boss}"),
    "reference-dangling": sub("    part_of: finance\n", "    part_of: finanse\n"),
    "part-of-itself": sub("    part_of: finance\n", "    part_of: budget-office\n"),
    "relation-repeated": ZZ.replace("\nrelations:\n", "\nrelations:\n  - {actor: finance, relation: oversees, target: procurement-agency, sources: [{id: zz-handbook, locator: \"x\"}], confidence: confirmed}\n", 1),
    "source-unknown": sub('{id: zz-handbook, locator: "ch. 2"}', '{id: zz-handbok, locator: "ch. 2"}'),
    "sources-empty": sub('    sources: [{id: zz-handbook, locator: "ch. 2"}]\n', "    sources: []\n"),
    "amends-unknown": sub("    amends: [council-decree]\n", "    amends: [no-such-law]\n"),
    "in-force-text": sub("    in_force: 2014-02-01\n", "    in_force: soon\n"),
    "owner-unknown": sub("    owner: [digital-agency, municipalities]", "    owner: [digital-agency, nobody]"),
    "not-utf8": "\ufeff",  # replaced by bytes below
    "file-too-large": ZZ + "#" + "x" * (MAX_FILE_BYTES + 10) + "\n",
}


def _symlink_loop(data: Path) -> None:
    os.symlink(data / "countries" / "xx.yaml", data / "countries" / "xx.yaml")


def _dangling(data: Path) -> None:
    os.symlink("/nonexistent/zz.yaml", data / "countries" / "xx.yaml")


def _folder(data: Path) -> None:
    (data / "countries" / "xx.yaml").mkdir()


def _fifo(data: Path) -> None:
    os.mkfifo(data / "countries" / "xx.yaml")


def _dev_zero(data: Path) -> None:
    os.symlink("/dev/zero", data / "countries" / "xx.yaml")


def _yml(data: Path) -> None:
    (data / "countries" / "zz.yaml").rename(data / "countries" / "zz.yml")


def _sources_fifo(data: Path) -> None:
    (data / "sources.yaml").unlink()
    os.mkfifo(data / "sources.yaml")


def _scenario_base_1900(data: Path) -> None:
    (data / "scenarios" / "zz-finance.yaml").write_text(SCENARIO.replace("  base: 2016\n", "  base: 1900\n"),
                                                       encoding="utf-8")


def _scenario_deep(data: Path) -> None:
    (data / "scenarios" / "zz-finance.yaml").write_text(SCENARIO + "extra: " + "{a: " * 3000 + "}" * 3000 + "\n",
                                                       encoding="utf-8")


FILE_CASES: dict[str, Callable[[Path], None]] = {
    "symlink-loop": _symlink_loop, "dangling-symlink": _dangling, "folder-named-yaml": _folder,
    "fifo": _fifo, "symlink-to-dev-zero": _dev_zero, "yml-extension": _yml, "sources-fifo": _sources_fifo,
    "scenario-base-1900": _scenario_base_1900, "scenario-deep-nesting": _scenario_deep,
}


def data_folder(tmp_path: Path, name: str) -> Path:
    data = tmp_path / "data"
    shutil.copytree(KITCHEN_SINK, data)
    country = data / "countries" / "zz.yaml"
    if name == "not-utf8":
        country.write_bytes(ZZ.encode("utf-8").replace(b"Ministry of Finance", b"Minist\xe9re des Finances"))
    elif name in TEXT_CASES:
        country.write_text(TEXT_CASES[name], encoding="utf-8")
    else:
        FILE_CASES[name](data)
    return data


ALL_CASES = sorted(TEXT_CASES) + sorted(FILE_CASES)


def test_the_corpus_has_at_least_sixty_cases():
    assert len(ALL_CASES) >= 60


@pytest.mark.parametrize("name", ALL_CASES)
def test_every_bad_input_is_a_located_problem(tmp_path, name):
    data = data_folder(tmp_path, name)
    with pytest.raises(DataError) as caught:
        load(data)
    problems = caught.value.problems
    assert problems
    for problem in problems:
        assert problem.path and problem.line >= 1 and problem.column >= 1 and problem.field
        assert problem.hint, f"{problem}: no hint on how to fix it"
        assert len(str(problem)) < 1000, "a message never spells out a huge value"
        assert "\x00" not in str(problem) and "\x1b" not in str(problem)


LOCATED = {  # cases whose problem must sit at the line of the bad value, not at 1:1
    "date-impossible-unquoted": "established",
    "name-lone-surrogate": "name",
    "id-trailing-newline": "id",
    "name-nul": "name",
    "scenario-base-1900": "scenario.base",
    "anchor-and-alias": "yaml",
}


@pytest.mark.parametrize("name, field", sorted(LOCATED.items()))
def test_problems_are_reported_at_their_own_line_and_field(tmp_path, name, field):
    data = data_folder(tmp_path, name)
    with pytest.raises(DataError) as caught:
        load(data)
    assert any(p.line > 1 and p.field.endswith(field) for p in caught.value.problems), caught.value.problems


@pytest.fixture(scope="module")
def existing_build(tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    out = tmp_path_factory.mktemp("adversarial") / "out"
    assert run_govgraph("build", "--data", str(KITCHEN_SINK), "--out", str(out)).returncode == 0
    return out, {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", ["fifo", "symlink-to-dev-zero", "alias-bomb-under-duplicate-key", "name-lone-surrogate",
                                  "deep-flow-nesting", "file-too-large", "scenario-base-1900", "not-utf8"])
def test_the_cli_exits_2_without_a_traceback_and_leaves_out_as_it_was(tmp_path, existing_build, name):
    out, before = existing_build
    data = data_folder(tmp_path, name)
    result = run_govgraph("build", "--data", str(data), "--out", str(out), timeout=120)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "nothing was written" in result.stderr
    assert {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before


@pytest.mark.parametrize("newlines", [True, False])
def test_text_is_refused_for_exactly_the_characters_the_rules_name(newlines):
    """`clean_text` looks at a text character by character only when a quick search finds a refused
    one: over the first three planes, it refuses a character exactly when the rules say so."""
    from govgraph.curated.model import _BIDI_CONTROLS, clean_text

    def refused(code: int) -> bool:
        return (0xD800 <= code <= 0xDFFF or chr(code) in _BIDI_CONTROLS
                or ((code < 32 or 0x7F <= code <= 0x9F) and not (newlines and chr(code) in "\n\t")))

    wrong = []
    for code in range(0x30000):
        try:
            clean_text(f"a{chr(code)}b", newlines=newlines)
            ok = True
        except ValueError:
            ok = False
        if ok == refused(code):
            wrong.append(hex(code))
    assert not wrong
    assert refused(0x202E) and refused(0x0D) and refused(0xD800) and not refused(ord("é"))


def test_nesting_is_located_where_it_first_passes_the_limit():
    from govgraph.curated.yamlsafe import MAX_DEPTH, _too_deep

    flow = "a: 1\nb: " + "[" * MAX_DEPTH + "{x: 1}" + "]" * MAX_DEPTH + "\n"
    assert _too_deep(flow) == (2, 4 + MAX_DEPTH)  # the first bracket past the limit
    assert _too_deep("a: [1, {b: [2]}]\n" * 50) is None  # closed brackets count down again
    block = "a:\n" + " " * (4 * MAX_DEPTH + 1) + "b: 1\n"
    assert _too_deep(block) == (2, 4 * MAX_DEPTH + 2)
