"""out/ontology/: pages reused from the previous build's cache only when their inputs are unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govgraph import ontodoc
from govgraph.core import resources

pytestmark = pytest.mark.slow


@pytest.fixture
def pylode_calls(monkeypatch):
    calls = []
    real = ontodoc.ontology_html
    monkeypatch.setattr(ontodoc, "ontology_html", lambda g: calls.append(1) or real(g))
    return calls


def _build(out: Path, previous: Path | None) -> list[bytes]:
    paths = ontodoc.write_docs(out / "ontology", cache_from=previous / "cache" / "ontodoc" if previous else None,
                               cache_to=out / "cache" / "ontodoc")
    return [p.read_bytes() for p in paths]


def test_unchanged_ontology_reuses_the_pages(tmp_path, pylode_calls):
    first = _build(tmp_path / "one", None)
    assert len(pylode_calls) == 1
    second = _build(tmp_path / "two", tmp_path / "one")
    assert len(pylode_calls) == 1, "pyLODE was asked again for the same ontology"
    assert second == first


def test_a_changed_ontology_is_documented_again(tmp_path, pylode_calls, monkeypatch):
    _build(tmp_path / "one", None)
    copy = tmp_path / "ontology"
    shutil.copytree(resources.ontology_dir(), copy)
    target = copy / "govgraph.ttl"
    target.write_text(target.read_text(encoding="utf-8").replace(
        '"Citation"@en', '"Citation (edited)"@en', 1), encoding="utf-8")
    monkeypatch.setattr(ontodoc, "ontology_files",
                        lambda: sorted(p for p in copy.glob("*.ttl") if p.name != "shapes.ttl"))
    pages = _build(tmp_path / "two", tmp_path / "one")
    assert len(pylode_calls) == 2 and b"Citation (edited)" in pages[0]


def test_another_pylode_or_rdflib_documents_again(tmp_path, pylode_calls, monkeypatch):
    _build(tmp_path / "one", None)
    monkeypatch.setattr("importlib.metadata.version", lambda name: "0.0-other")
    _build(tmp_path / "two", tmp_path / "one")
    assert len(pylode_calls) == 2
