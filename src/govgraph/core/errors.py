"""Exceptions: library code raises these; only the CLI turns them into text and exit codes.

Exit codes: 0 all good; 1 the data (or a link) does not conform; 2 the user can fix the input, the
arguments or the state of OUT; 3 something outside govgraph failed (a server, Java, pyLODE)."""

from __future__ import annotations

from dataclasses import dataclass


class GovGraphError(Exception):
    """Base class; `exit_code` is what the CLI returns for it."""

    exit_code = 2


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem in a curated file: `path:line:column: field: message — hint`."""

    path: str
    line: int
    column: int
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}:{self.column}: {self.field}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


class DataError(GovGraphError):
    """The curated data is malformed. Carries every problem found, not just the first."""

    exit_code = 2

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(GovGraphError):
    """A bad argument or parameter (exit 2)."""

    exit_code = 2


class OutputError(GovGraphError):
    """The output folder may not be replaced (not govgraph's, protected) or is locked (exit 2)."""

    exit_code = 2


class QueryError(GovGraphError):
    """A query is malformed, unknown, or was given bad parameters (exit 2)."""

    exit_code = 2


class OntologyError(GovGraphError):
    """The ontology is malformed, or data contradicts it (exit 1: the data does not conform)."""

    exit_code = 1


class ConformanceError(GovGraphError):
    """The data breaks shapes or checks (exit 1)."""

    exit_code = 1


class BuildStateError(GovGraphError):
    """OUT holds no build, or not the one a command needs: run `govgraph build` (exit 2)."""

    exit_code = 2


class StoreError(GovGraphError):
    """A store or an external service failed (exit 3)."""

    exit_code = 3


class ExternalToolError(GovGraphError):
    """A program govgraph runs (Java for HermiT, pyLODE) is missing or failed: not a data problem (exit 3)."""

    exit_code = 3
