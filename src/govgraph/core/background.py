"""Run one function in a forked child process while this one goes on with other work.

Why: the build's reasoning is mostly a JVM working on one core, and Python's threads share one core
for Python code, so it runs in a process of its own, started as early as its input exists, beside
the Python-only steps. A fork shares the parent's memory (the dataset,
the graphs), so nothing is serialised on the way in; the result (or the exception) comes back
pickled through a pipe.

The child has a process group of its own, so `cancel` ends it together with anything it started
(the JVM), and a Ctrl-C in the terminal reaches only the parent, which cancels it. On Linux the
child is also killed when the parent dies (`die_with_parent`), so a killed build leaves no process
behind to write into the folder it was building. The child never writes to the terminal. Where
`os.fork` does not exist, the function runs in `result()` instead.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
import traceback
from typing import Any, Callable

_IN_CHILD: list[bool] = []  # set in a child `Background` forked


def in_child() -> bool:
    """Whether this process is a child `Background` forked (it forks no more in a build)."""
    return bool(_IN_CHILD)


def die_with_parent(parent: int | None = None) -> None:
    """Ask Linux to kill this process when its parent exits (prctl PR_SET_PDEATHSIG); if the parent
    is gone already, exit now. Elsewhere, nothing. Also usable as a subprocess `preexec_fn`."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent:
        os._exit(1)


class Background:
    """`fn(*args, **kwargs)` in a forked child; `result()` returns its value or raises its exception."""

    def __init__(self, fn: Callable[..., Any], *args: Any, nice: int = 0, **kwargs: Any):
        """`nice` > 0 lowers the child's CPU priority: for work that is needed only at the end, so
        it takes the cores only when the steps that others wait for leave them idle."""
        self._call = (fn, args, kwargs)
        self._nice = nice
        self._pid: int | None = None
        self._read: int | None = None
        self._done: tuple[bool, Any] | None = None
        if hasattr(os, "fork"):
            try:
                self._start()
            except OSError:  # no process to be had (limits): run in result(), as without fork
                self._pid = self._read = None

    def _start(self) -> None:
        read, write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        parent = os.getpid()
        # the child's garbage collector leaves the inherited objects alone: visiting them would copy
        # every page of the parent's heap (copy-on-write) for nothing
        gc.freeze()
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            raise
        finally:
            if os.getpid() == parent:
                gc.unfreeze()
        if pid == 0:  # the child: never returns
            os.close(read)
            self._child(write, parent)
        os.close(write)
        try:
            os.setpgid(pid, pid)  # also here: `cancel` may come before the child's own call
        except OSError:
            pass
        self._pid, self._read = pid, read

    def _child(self, write: int, parent: int) -> None:
        status = 0
        _IN_CHILD.append(True)
        try:
            die_with_parent(parent)
            os.setpgid(0, 0)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            if self._nice:
                os.nice(self._nice)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            # fresh objects: the parent's may hold locks taken by its other threads (a progress spinner)
            sys.stdout = sys.stderr = open(os.devnull, "w", encoding="utf-8")
            import warnings

            warnings.simplefilter("ignore")
            fn, args, kwargs = self._call
            try:
                outcome = (True, fn(*args, **kwargs))
            except BaseException as exc:  # noqa: BLE001 - handed to the parent
                outcome = (False, exc)
            try:
                data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001 - an unpicklable result or exception
                text = "".join(traceback.format_exception(outcome[1])) if not outcome[0] else "unpicklable result"
                data = pickle.dumps((False, RuntimeError(f"background step failed: {text}")))
            with os.fdopen(write, "wb") as pipe:
                pipe.write(data)
        except BaseException:  # noqa: BLE001
            status = 1
        finally:
            os._exit(status)

    def result(self) -> Any:
        """Wait for the child (or, without fork, run the function now); its value, or raise."""
        if self._done is None:
            if self._pid is None:
                fn, args, kwargs = self._call
                try:
                    self._done = (True, fn(*args, **kwargs))
                except BaseException as exc:  # noqa: BLE001 - re-raised below, as from a child
                    self._done = (False, exc)
            else:
                assert self._read is not None  # open until the first result() reads it
                with os.fdopen(self._read, "rb") as pipe:
                    data = pipe.read()
                self._read = None
                _, status = os.waitpid(self._pid, 0)
                self._pid = None
                if not data:
                    self._done = (False, RuntimeError(f"background step ended without a result (status {status})"))
                else:
                    self._done = pickle.loads(data)
        ok, value = self._done
        if not ok:
            raise value
        return value

    def cancel(self) -> None:
        """End the child and everything it started, if it is still running; idempotent."""
        if self._pid is None:
            return
        try:
            os.killpg(self._pid, signal.SIGKILL)
        except OSError:
            try:
                os.kill(self._pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.waitpid(self._pid, 0)
        except ChildProcessError:
            pass
        if self._read is not None:
            os.close(self._read)
            self._read = None
        self._pid = None
        self._done = (False, RuntimeError("background step cancelled"))


def on_two_cores(items: list, work: Callable[[list], dict]) -> dict:
    """`work(part)` over `items` in two halves at once, every other item in a forked child (which
    must open its own files, stores, databases), and their results merged in the order of `items`.
    Fewer than two items: here, at once."""
    if len(items) < 2:
        return work(items)
    child = Background(work, items[1::2])
    try:
        mine = work(items[0::2])
    except BaseException:
        child.cancel()
        raise
    theirs = child.result()
    return {item: (mine if n % 2 == 0 else theirs)[item] for n, item in enumerate(items)}
