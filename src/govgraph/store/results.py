"""SPARQL results serialisations (JSON, XML, CSV, TSV) of rows of pyoxigraph terms.

Written here rather than with pyoxigraph's serialiser because rows are often capped or came from a
remote server: pyoxigraph serialises only a live result."""

from __future__ import annotations

import pyoxigraph as ox

from govgraph.store.embedded import Rows

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def term_json(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": term_json(term.subject),
                                            "predicate": term_json(term.predicate),
                                            "object": term_json(term.object)}}
    raise TypeError(f"not an RDF term: {term!r}")


def results_json(columns: list[str], rows: Rows) -> bytes:
    import json

    bindings = [{c: term_json(t) for c, t in zip(columns, row) if t is not None} for row in rows]
    doc = {"head": {"vars": list(columns)}, "results": {"bindings": bindings}}
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def boolean_json(value: bool) -> bytes:
    import json

    return (json.dumps({"head": {}, "boolean": bool(value)}) + "\n").encode("utf-8")


def _xml_term(term) -> str:
    from xml.sax.saxutils import escape, quoteattr

    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != _XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def results_xml(columns: list[str], rows: Rows) -> bytes:
    from xml.sax.saxutils import quoteattr

    parts = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
    parts += [f"<variable name={quoteattr(c)}/>" for c in columns]
    parts.append("</head>\n<results>")
    for row in rows:
        parts.append("<result>")
        parts += [f"<binding name={quoteattr(c)}>{_xml_term(t)}</binding>"
                  for c, t in zip(columns, row) if t is not None]
        parts.append("</result>")
    parts.append("</results>\n</sparql>\n")
    return "\n".join(parts).encode("utf-8")


def boolean_xml(value: bool) -> bytes:
    return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode("utf-8")


def _csv_value(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return str(term)


def results_csv(columns: list[str], rows: Rows) -> bytes:
    r"""SPARQL 1.1 CSV: plain values (IRIs and lexical forms), CRLF line ends.

    Parameters
    ----------
    columns : list of str
        The variables, without ``?``.
    rows : list of tuples of pyoxigraph terms (None: unbound)

    Returns
    -------
    bytes
        UTF-8 text.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> csv = results_csv(["body", "binding"], [(ox.NamedNode("http://x/dgd"), ox.Literal("true")), (None, None)])
    >>> csv.decode().splitlines(), csv.count(b"\r\n")  # each line ends in CR LF
    (['body,binding', 'http://x/dgd,true', ','], 3)
    """
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_value(t) for t in row])
    return buffer.getvalue().encode("utf-8")


def results_tsv(columns: list[str], rows: Rows) -> bytes:
    """SPARQL 1.1 TSV: terms in Turtle/N-Triples syntax (so IRIs and literals stay distinct)."""
    lines = ["\t".join(f"?{c}" for c in columns)]
    for row in rows:
        lines.append("\t".join("" if t is None else str(t) for t in row))
    return ("\n".join(lines) + "\n").encode("utf-8")


RESULT_WRITERS = {"json": results_json, "xml": results_xml, "csv": results_csv, "tsv": results_tsv}
