"""Results kept from one build to the next under a digest of everything that decides them, so a
hit is the answer the work would give again. A build reads the previous build's cache/ and writes
its own: hits are carried forward, so a cache holds what the last build used and nothing older."""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from govgraph.core import resources


@dataclass(frozen=True)
class Memo:
    """`read`: the previous build's folder for this kind of result; `write`: this build's."""

    read: Path | None = None
    write: Path | None = None
    hits: list[Path] = field(default_factory=list, compare=False)  # what was answered from `read` (shared by subs)

    def get(self, key: str) -> bytes | None:
        if self.read is None:
            return None
        try:
            data = (self.read / key).read_bytes()
        except OSError:
            return None
        self.hits.append(self.read / key)
        self._carry(key, data)
        return data

    def _carry(self, key: str, data: bytes) -> None:
        """Keep a hit for the next build: a hard link to the entry (entries are never changed in
        place: `put` replaces them), or a copy where links are not possible."""
        if self.write is None or self.read is None:
            return
        self.write.mkdir(parents=True, exist_ok=True)
        try:
            os.link(self.read / key, self.write / key)
        except OSError:  # already kept by this build, or another filesystem
            self.put(key, data)

    def put(self, key: str, data: bytes) -> None:
        if self.write is None:
            return
        self.write.mkdir(parents=True, exist_ok=True)
        part = self.write / f".{key}.part"
        part.write_bytes(data)
        os.replace(part, self.write / key)  # a new file: a linked entry of another build stays as it was

    def through(self, keys: list[str], make: Callable[[], list[bytes]]) -> list[bytes]:
        """The entries under `keys` (one per result of `make`), or, when one is missing, what
        `make()` gives, kept under them. No keys: `make()`, kept nowhere."""
        found = [self.get(key) for key in keys]
        if keys and None not in found:
            return found  # type: ignore[return-value]
        made = make()
        for key, data in zip(keys, made):
            self.put(key, data)
        return made

    def sub(self, name: str) -> "Memo":
        """The memo of one kind of result, in a folder of its own."""
        return Memo(self.read / name if self.read else None, self.write / name if self.write else None, self.hits)

    def reused(self) -> dict[str, int]:
        """How many results of each kind (folder) were taken from the previous build."""
        kinds: dict[str, int] = {}
        for path in self.hits:
            kinds[path.parent.name] = kinds.get(path.parent.name, 0) + 1
        return dict(sorted(kinds.items()))


def digest(*parts: bytes | str) -> str:
    """A digest of `parts` that no two different sequences share (each part's length goes in too)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


@functools.cache
def code_digest() -> str:
    """What decides every result besides the curated data: govgraph's code, its ontology and
    shapes, its queries and templates. Any change to them makes every earlier result a miss."""
    package = Path(__file__).resolve().parents[1]
    root = resources.data_root()
    files = [(p, package) for p in sorted(package.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    files += [(p, root) for folder in ("ontology", "queries") for p in sorted((root / folder).rglob("*")) if p.is_file()]
    h = hashlib.sha256()
    for path, base in files:
        h.update(path.relative_to(base).as_posix().encode("utf-8"))
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()
