"""The Java side of reasoning: which JVM, and the reasoners owlready2 ships (HermiT, Pellet)."""

from __future__ import annotations

import shutil


def java() -> str:
    """The JVM on PATH (the Debian package's path when none is)."""
    return shutil.which("java") or "/usr/bin/java"


def hermit_classpath() -> str:
    from owlready2 import reasoning

    return reasoning._HERMIT_CLASSPATH


def pellet_classpath() -> str:
    from owlready2 import reasoning

    return reasoning._PELLET_CLASSPATH
