"""The build's output folder: govgraph replaces only a folder it made itself, one build at a time.

A build writes into a fresh sibling folder and swaps it in with two renames, so `out/` is always a
whole build. Before any of that, `claim` checks that the folder may be replaced at all: it is new,
empty, or marked as govgraph's (the marker file below, or a build.json written by govgraph), and it
contains neither the data, the working directory, the user's home nor the project. Anything else is
refused with a message that names the folder, and nothing is touched. A lock file beside the folder
keeps a second build from writing into the same folder at the same time.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

from govgraph.core.errors import OutputError

MARKER = ".govgraph-output"
MARKER_TEXT = "This folder was written by `govgraph build`; a new build replaces it whole.\n"
PROJECT_ROOT = Path(__file__).resolve().parents[3]  # the checkout, when running from one


def is_ours(folder: Path) -> bool:
    """True when `folder` holds govgraph's marker, or a build.json that govgraph wrote."""
    if (folder / MARKER).is_file():
        return True
    build_json = folder / "build.json"
    if build_json.is_file() and not build_json.is_symlink():
        try:
            with build_json.open("rb") as handle:
                data = json.loads(handle.read(1_000_000))
        except (OSError, ValueError):
            return False
        return isinstance(data, dict) and "govgraph" in data and "graphs" in data
    return False


def mark(folder: Path) -> None:
    (folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")


def _inside(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def check(out: Path, data_dir: Path | None = None) -> Path:
    """The absolute output folder, or OutputError saying why govgraph will not replace it."""
    given = Path(out)
    absolute = Path(os.path.abspath(given))
    if given.is_symlink() or absolute.is_symlink():
        raise OutputError(f"--out {given}: is a symbolic link; give the folder itself, so that a build "
                          "never replaces something outside it")
    out = absolute.resolve()
    protected = {"the filesystem root": Path(out.anchor), "your home folder": Path.home().resolve(),
                 "the working directory": Path.cwd().resolve()}
    if data_dir is not None:
        protected["the data folder"] = Path(data_dir).resolve()
    if (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "src" / "govgraph").is_dir():
        protected["the govgraph project"] = PROJECT_ROOT
    for what, path in protected.items():
        if _inside(path, out):
            raise OutputError(f"--out {given}: it contains {what} ({path}), and a build replaces the whole "
                              "folder; choose a new folder such as ./out")
    if out.exists() or os.path.lexists(out):
        if not out.is_dir():
            raise OutputError(f"--out {given}: exists and is not a folder; choose a new folder such as ./out")
        if not is_ours(out):
            entries = sorted(p.name for p in out.iterdir())
            if entries:
                shown = ", ".join(entries[:5]) + (" …" if len(entries) > 5 else "")
                raise OutputError(
                    f"--out {given}: the folder holds files govgraph did not write ({shown}); a build "
                    "replaces the whole folder, so govgraph refuses. Choose a new or empty folder, or "
                    "move those files away yourself")
    return out


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the output folder's lock (a file beside it) for the duration of a build."""
    out.parent.mkdir(parents=True, exist_ok=True)
    lock_path = out.with_name(f".{out.name}.lock")
    handle = open(lock_path, "a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise OutputError(f"--out {out}: another govgraph build ({holder}) is writing this folder; "
                              "wait for it to finish, or build into another folder") from None
        handle.seek(0)
        handle.write(f"pid {os.getpid()}\n")
        handle.truncate()
        handle.flush()
        yield
    finally:
        handle.close()


def fresh(out: Path) -> Path:
    """A new, marked sibling folder to build into (removed again by `discard` or `publish`)."""
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    if os.path.lexists(tmp):
        discard(tmp)
    tmp.mkdir(parents=True)
    mark(tmp)
    return tmp


def discard(folder: Path) -> None:
    """Remove a folder of govgraph's own (a temporary build, a replaced build); leave anything else."""
    if folder.is_dir() and not folder.is_symlink() and is_ours(folder):
        shutil.rmtree(folder, ignore_errors=True)


def recover(out: Path) -> None:
    """Undo a swap cut short by a crash: if out/ is gone but its previous copy is there, restore it;
    remove temporary folders of builds that are no longer running. Only marked folders are touched."""
    old = out.with_name(f".{out.name}.old")
    if not os.path.lexists(out) and old.is_dir() and is_ours(old):
        os.replace(old, out)
    elif old.exists():
        discard(old)
    for trash in out.parent.glob(f".{out.name}.trash-*"):
        discard(trash)
    for stale in out.parent.glob(f".{out.name}.tmp-*"):
        try:
            pid = int(stale.name.rsplit("-", 1)[1])
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError):
            discard(stale)
        except PermissionError:
            pass


def publish(tmp: Path, out: Path) -> None:
    """Replace out/ by tmp/ with two renames; `recover` mends the gap between them after a crash."""
    old = out.with_name(f".{out.name}.old")
    if out.exists():
        os.replace(out, old)
    os.replace(tmp, out)
    discard_later(old)


def discard_later(folder: Path) -> None:
    """`discard`, by a detached process, of a folder first renamed out of the way: removing a
    build's files waits on the disk (a second or more, once they have been written back), and
    nothing needs to wait for it. `recover` removes what such a removal leaves behind."""
    if not (folder.is_dir() and not folder.is_symlink() and is_ours(folder)):
        return
    trash = folder.with_name(f"{folder.name.removesuffix('.old')}.trash-{os.getpid()}")
    os.replace(folder, trash)
    try:
        subprocess.Popen([sys.executable, "-c", _REMOVE_MARKER_LAST, str(trash), MARKER], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:  # no process to be had: removed here, as before
        discard(trash)


# Everything but the marker first, so a removal cut short leaves a folder `recover` knows as ours.
_REMOVE_MARKER_LAST = """
import os, shutil, sys
root, marker = sys.argv[1], sys.argv[2]
for entry in os.scandir(root):
    if entry.name == marker:
        continue
    if entry.is_dir(follow_symlinks=False):
        shutil.rmtree(entry.path, ignore_errors=True)
    else:
        os.unlink(entry.path)
shutil.rmtree(root, ignore_errors=True)
"""
