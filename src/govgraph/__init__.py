"""govgraph: a knowledge graph of digital-government governance arrangements."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("govgraph")
except PackageNotFoundError:  # running from a checkout that is not installed
    __version__ = "0.0.0"
