"""The embedded store: Oxigraph (pyoxigraph), persisted under out/store."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from .errors import StoreError


def create(path: Path, nquads: bytes) -> int:
    """Create a store at `path` holding `nquads`; return its number of quads."""
    try:
        store = ox.Store(str(path))
        store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
        store.flush()
        count = len(store)
        del store
        return count
    except (OSError, SyntaxError, ValueError) as exc:
        raise StoreError(f"could not create the store at {path}: {exc}") from exc
