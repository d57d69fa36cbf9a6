"""Every format govgraph writes, in one table: what `--format` takes, what kind of output it is, its
media type and file extension. The modules that write a kind dispatch on these names (each keeps
its writers beside its own code), and the command line offers exactly these choices, so a new format
is a row here and a writer there (tests/test_formats.py checks that the two agree)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    name: str        # what --format takes
    kind: str        # results (a question's rows), network, rdf, panel, report (coverage)
    media_type: str
    extension: str
    what: str


FORMATS: tuple[Format, ...] = (
    Format("table", "results", "text/plain", "txt", "aligned columns for a terminal"),
    Format("csv", "results", "text/csv", "csv", "SPARQL 1.1 Query Results CSV"),
    Format("tsv", "results", "text/tab-separated-values", "tsv", "SPARQL 1.1 Query Results TSV (typed terms)"),
    Format("json", "results", "application/sparql-results+json", "json", "SPARQL 1.1 Query Results JSON"),
    Format("xml", "results", "application/sparql-results+xml", "srx", "SPARQL Query Results XML"),
    Format("graphml", "network", "application/graphml+xml", "graphml", "GraphML (yEd, Cytoscape, igraph)"),
    Format("gexf", "network", "application/gexf+xml", "gexf", "GEXF 1.3 with a timeline (Gephi)"),
    Format("csv", "network", "text/csv", "csv", "nodes.csv and edges.csv (spreadsheets)"),
    Format("jsonld", "rdf", "application/ld+json", "jsonld", "JSON-LD with govgraph's context"),
    Format("ttl", "rdf", "text/turtle", "ttl", "Turtle"),
    Format("nt", "rdf", "application/n-triples", "nt", "N-Triples"),
    Format("trig", "rdf", "application/trig", "trig", "TriG: every named graph in one file"),
    Format("panel-csv", "panel", "text/csv", "csv", "country × year × indicator, long format (pandas, R)"),
    Format("panel-json", "panel", "application/json", "json", "the same panel as an array of records"),
    Format("md", "report", "text/markdown", "md", "a Markdown report"),
    Format("csv", "report", "text/csv", "csv", "the report's table as CSV"),
    Format("json", "report", "application/json", "json", "the report as JSON"),
)


def names(*kinds: str) -> tuple[str, ...]:
    """The format names of these kinds, in the table's order, each once.

    Examples
    --------
    >>> names("network")
    ('graphml', 'gexf', 'csv')
    """
    return tuple(dict.fromkeys(f.name for f in FORMATS if f.kind in kinds))


def get(kind: str, name: str) -> Format:
    """The format `name` of a kind; KeyError when there is none."""
    for f in FORMATS:
        if f.kind == kind and f.name == name:
            return f
    raise KeyError(f"no {kind} format {name!r} (one of {', '.join(names(kind))})")
