"""background.Background: a function in a forked child, its value or exception back in the parent,
cancel ending the child and what it started, and no child outliving its parent."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from govgraph.core.background import Background
from govgraph.core.errors import DataError, Problem
from govgraph.reason.explain import Conflict, InconsistencyError

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is not alive
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def test_the_value_comes_from_another_process():
    child = Background(os.getpid)
    assert child.result() != os.getpid()
    assert child.result() == child.result()  # asked twice, the same answer


def test_an_exception_is_raised_in_the_parent_as_it_was():
    error = InconsistencyError("scenario x", [Conflict(("urn:a",), "axiom", "a is both")], ["Axiom 1"])

    def fail():
        raise error

    with pytest.raises(InconsistencyError) as caught:
        Background(fail).result()
    assert str(caught.value) == str(error) and caught.value.conflicts == error.conflicts

    def bad_data():
        raise DataError([Problem("f.yaml", 3, 1, "id", "no", "fix")])

    with pytest.raises(DataError):
        Background(bad_data).result()


def test_an_unpicklable_result_is_an_error_not_a_hang():
    with pytest.raises(RuntimeError):
        Background(lambda: (lambda: None)).result()


def test_nice_lowers_the_childs_priority():
    assert Background(lambda: os.getpriority(os.PRIO_PROCESS, 0), nice=5).result() >= \
        os.getpriority(os.PRIO_PROCESS, 0) + 5


def test_cancel_ends_the_child_and_what_it_started(tmp_path):
    pidfile = tmp_path / "pid"

    def start_and_wait():
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        pidfile.write_text(str(proc.pid))
        proc.wait()

    child = Background(start_and_wait)
    deadline = time.monotonic() + 30
    while not pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    grandchild = int(pidfile.read_text())
    child.cancel()
    deadline = time.monotonic() + 10
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not _alive(grandchild)
    with pytest.raises(RuntimeError):
        child.result()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_child_does_not_outlive_a_killed_parent(tmp_path):
    script = tmp_path / "parent.py"
    pidfile = tmp_path / "child"
    script.write_text(
        "import os, time\n"
        "from govgraph.core.background import Background\n"
        f"def work():\n    open({str(pidfile)!r}, 'w').write(str(os.getpid()))\n    time.sleep(60)\n"
        "Background(work)\n"
        "time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, str(script)])
    deadline = time.monotonic() + 30
    while not (pidfile.exists() and pidfile.read_text()) and time.monotonic() < deadline:
        time.sleep(0.01)
    child = int(pidfile.read_text())
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not _alive(child)


def test_without_a_process_to_fork_the_function_runs_in_result(monkeypatch):
    def no_fork():
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    assert Background(os.getpid).result() == os.getpid()


def _pids(items: list) -> dict:
    return {item: (item * 10, os.getpid()) for item in items}


def test_work_on_two_cores_is_split_between_two_processes_and_merged_in_order():
    from govgraph.core.background import on_two_cores

    out = on_two_cores([5, 1, 4, 2, 3], _pids)
    assert list(out) == [5, 1, 4, 2, 3] and [v for v, _ in out.values()] == [50, 10, 40, 20, 30]
    assert {pid for _, pid in out.values()} - {os.getpid()}  # some of it in another process
    assert out[5][1] == os.getpid() and out[1][1] != os.getpid()  # every other item in the child
    assert {pid for _, pid in on_two_cores([7], _pids).values()} == {os.getpid()}  # one item: here


def _fails_in_the_child(items: list) -> dict:
    if 2 in items:
        raise DataError([Problem("x.yaml", 1, 1, "id", "bad", "fix")])
    return {item: item for item in items}


def test_work_on_two_cores_raises_the_childs_exception():
    from govgraph.core.background import on_two_cores

    with pytest.raises(DataError):
        on_two_cores([1, 2], _fails_in_the_child)
