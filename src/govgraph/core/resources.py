"""Locate the files govgraph ships: ontology, queries and the curated dataset.

An installed wheel carries them under ``govgraph/_data``; a checkout (editable install) keeps them at
the repository root. Both are found the same way, so govgraph works from any folder.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # src/govgraph


def data_root() -> Path:
    """The folder holding ``ontology/``, ``queries/`` and ``graph/``."""
    packaged = _PACKAGE / "_data"
    if (packaged / "ontology").is_dir():
        return packaged
    checkout = _PACKAGE.parent.parent
    if (checkout / "ontology").is_dir():
        return checkout
    raise FileNotFoundError(
        "govgraph's data files (ontology/, queries/, graph/) are missing from this installation"
    )


def ontology_dir() -> Path:
    return data_root() / "ontology"


def ontology_files() -> list[Path]:
    """The ontology proper and its concept schemes (not the SHACL shapes), in a stable order."""
    return sorted(p for p in ontology_dir().glob("*.ttl") if p.name != "shapes.ttl")


def shapes_file() -> Path:
    return ontology_dir() / "shapes.ttl"


def queries_dir() -> Path:
    return data_root() / "queries"


@functools.lru_cache(maxsize=None)
def query_text(name: str) -> str:
    """The SPARQL of queries/<name>.rq (e.g. "site/facts"): every query govgraph runs lives in
    queries/, beside the analysts' questions, where it can be read and tried on its own."""
    path = queries_dir() / f"{name}.rq"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FileNotFoundError(f"govgraph's query {path} is missing ({exc.strerror})") from exc


def shipped_dataset() -> Path:
    return data_root() / "graph"


def default_data_dir(cwd: Path | None = None) -> Path:
    """``./graph`` when it holds curated data, else the dataset shipped with govgraph."""
    local = (cwd or Path.cwd()) / "graph"
    if (local / "countries").is_dir():
        return local
    return shipped_dataset()


def write_atomic(path: Path, data: bytes) -> Path:
    """Write through a temporary file and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path
