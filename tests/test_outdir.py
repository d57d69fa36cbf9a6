"""`govgraph build --out`: a build replaces only a folder govgraph made, and one build at a time.

Each case runs the real CLI and checks the exit code, the message, and that not a byte of what was
there changed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from govgraph.core import outdir
from govgraph.core.errors import OutputError

from conftest import KITCHEN_SINK, run_govgraph

pytestmark = pytest.mark.slow  # every test here runs real builds


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def user_folder(path: Path) -> Path:
    path.mkdir(parents=True)
    (path / "thesis.tex").write_text("three years of work")
    (path / "notes").mkdir()
    (path / "notes" / "a.md").write_text("notes")
    return path


def build(out: Path | str, cwd: Path | None = None, data: Path = KITCHEN_SINK):
    return run_govgraph("build", "--data", str(data), "--out", str(out), cwd=cwd)


def test_a_folder_with_the_users_files_is_refused_and_left_untouched(tmp_path):
    out = user_folder(tmp_path / "mine")
    before = snapshot(out)
    result = build(out)
    assert result.returncode == 2, result.stderr
    assert "govgraph did not write" in result.stderr and "thesis.tex" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(out) == before
    assert not list(tmp_path.glob(".mine.*tmp*"))


def test_the_working_directory_is_refused(tmp_path):
    work = user_folder(tmp_path / "project")
    before = snapshot(work)
    result = build(".", cwd=work)
    assert result.returncode == 2
    assert "working directory" in result.stderr
    assert snapshot(work) == before


def test_the_data_folder_and_a_folder_holding_it_are_refused(tmp_path):
    data = tmp_path / "data"
    subprocess.run(["cp", "-r", str(KITCHEN_SINK), str(data)], check=True)
    before = snapshot(tmp_path)
    for out in (data, tmp_path, data / "countries"):
        result = build(out, data=data)
        assert result.returncode == 2, (out, result.stderr)
        assert "data folder" in result.stderr or "did not write" in result.stderr
    assert snapshot(tmp_path) == before


def test_the_home_folder_and_the_filesystem_root_are_refused(tmp_path):
    home = user_folder(tmp_path / "home")
    result = run_govgraph("build", "--data", str(KITCHEN_SINK), "--out", str(home), env={"HOME": str(home)})
    assert result.returncode == 2 and "home folder" in result.stderr
    with pytest.raises(OutputError, match="filesystem root"):
        outdir.check(Path("/"))


def test_the_project_checkout_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # so that only the project rule applies
    with pytest.raises(OutputError, match="govgraph project"):
        outdir.check(outdir.PROJECT_ROOT)


def test_a_symlink_and_a_file_are_refused(tmp_path):
    target = user_folder(tmp_path / "elsewhere")
    link = tmp_path / "out"
    link.symlink_to(target)
    assert build(link).returncode == 2
    assert (target / "thesis.tex").read_text() == "three years of work"
    a_file = tmp_path / "out.txt"
    a_file.write_text("keep me")
    result = build(a_file)
    assert result.returncode == 2 and "not a folder" in result.stderr
    assert a_file.read_text() == "keep me"


def test_a_new_an_empty_and_a_previous_build_folder_are_accepted(tmp_path):
    new = tmp_path / "a" / "b" / "out"
    assert build(new).returncode == 0
    assert (new / outdir.MARKER).is_file() and (new / "build.json").is_file()
    assert build(new).returncode == 0  # its own previous build
    empty = tmp_path / "empty"
    empty.mkdir()
    assert build(empty).returncode == 0


def test_a_build_folder_from_before_the_marker_is_recognised_by_its_build_json(tmp_path):
    out = tmp_path / "out"
    assert build(out).returncode == 0
    (out / outdir.MARKER).unlink()
    assert outdir.is_ours(out)
    (out / "build.json").write_text('{"name": "my own build.json"}')
    assert not outdir.is_ours(out)


def test_leftovers_that_are_not_govgraphs_are_never_removed(tmp_path):
    out = tmp_path / "out"
    for name in (".out.old", ".out.tmp-999999999"):
        user_folder(tmp_path / name)
    before = snapshot(tmp_path)
    assert build(out).returncode == 0
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if k.startswith((".out.old", ".out.tmp"))} == before


def test_a_build_into_a_folder_another_build_is_writing_is_refused_with_a_clear_message(tmp_path):
    out = tmp_path / "out"
    assert build(out).returncode == 0
    before = snapshot(out)
    with outdir.locked(out.resolve()):  # this test process plays the other build
        second = build(out)
    assert second.returncode == 2, second.stderr
    assert "another govgraph build" in second.stderr and f"pid {os.getpid()}" in second.stderr
    assert "Traceback" not in second.stderr
    assert snapshot(out) == before
    assert build(out).returncode == 0  # the lock is released with its holder


def test_concurrent_builds_never_die_with_a_traceback(tmp_path):
    out = tmp_path / "out"
    procs = [subprocess.Popen([sys.executable, "-m", "govgraph", "build", "--data", str(KITCHEN_SINK),
                               "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    assert all(code in (0, 2) for code, _ in results), results
    assert any(code == 0 for code, _ in results)
    assert not any("Traceback" in err for _, err in results)
    assert outdir.is_ours(out) and (out / "build.json").is_file()
    assert not list(tmp_path.glob(".out.tmp-*"))


def test_the_replaced_build_is_removed_after_the_swap_and_leftovers_by_the_next_build(tmp_path):
    out = tmp_path / "out"
    assert build(out).returncode == 0
    assert build(out).returncode == 0  # replaces the first: its removal goes on after the build
    deadline = time.monotonic() + 60
    while list(tmp_path.glob(".out.trash-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not list(tmp_path.glob(".out.trash-*")) and not (tmp_path / ".out.old").exists()
    # a removal cut short (the marker is removed last, so what is left is known as ours)
    left = tmp_path / ".out.trash-999999999"
    (left / "graphs").mkdir(parents=True)
    outdir.mark(left)
    user_folder(tmp_path / ".out.trash-1")
    before = snapshot(tmp_path / ".out.trash-1")
    assert build(out).returncode == 0
    assert not left.exists() and snapshot(tmp_path / ".out.trash-1") == before
