"""out/ontology/: HTML documentation of every class, property and concept, offline.

- index.html: pyLODE (OntPub profile) over ontology/govgraph.ttl. Its CSS is inlined and it loads no
  script or font from a CDN (checked by the tests: no <script src> / <link href> to http(s)).
  Two work-arounds for pyLODE 3.4 (pinned in pyproject): its `pylode.version` module reads a
  pyproject.toml that the wheel does not ship (so a stand-in module is registered before import), and
  it crashes on nested class expressions (``TypeError: unhashable type: 'list'`` in
  ``_setclass_html``); our defined classes' ``owl:equivalentClass`` axioms are therefore shown as
  text (a Manchester-like rendering, in a ``skos:scopeNote``) rather than by pyLODE's renderer.
- concepts.html: every SKOS concept scheme and concept (codes, labels in every language,
  definitions), written here, with an anchor per concept (its code).
"""

from __future__ import annotations

import html
import re
import sys
import types
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from govgraph.core.errors import ExternalToolError
from govgraph.core.resources import ontology_files
from govgraph.rdf.serialise import new_graph

PYLODE_VERSION = "3.4.1"


def _name(g: Graph, term) -> str:
    if isinstance(term, URIRef):
        qname = g.namespace_manager.normalizeUri(term)
        return qname if not qname.startswith("<") else str(term)
    if isinstance(term, Literal):
        return str(term).lower() if term.datatype and str(term.datatype).endswith("boolean") else repr(str(term))
    return manchester(g, term)


def manchester(g: Graph, node) -> str:
    """A readable rendering of an OWL class expression (Manchester-like)."""
    if not isinstance(node, BNode):
        return _name(g, node)
    for op, word in ((OWL.intersectionOf, " and "), (OWL.unionOf, " or ")):
        head = g.value(node, op)
        if head is not None:
            return "(" + word.join(manchester(g, x) for x in Collection(g, head)) + ")"
    head = g.value(node, OWL.oneOf)
    if head is not None:
        return "{" + ", ".join(_name(g, x) for x in Collection(g, head)) + "}"
    comp = g.value(node, OWL.complementOf)
    if comp is not None:
        return f"not {manchester(g, comp)}"
    prop = g.value(node, OWL.onProperty)
    if prop is not None:
        inverse = g.value(prop, OWL.inverseOf) if isinstance(prop, BNode) else None
        p = f"inverse {_name(g, inverse)}" if inverse is not None else _name(g, prop)
        for pred, word in ((OWL.someValuesFrom, "some"), (OWL.allValuesFrom, "only"), (OWL.hasValue, "value")):
            value = g.value(node, pred)
            if value is not None:
                return f"({p} {word} {manchester(g, value)})"
    inverse = g.value(node, OWL.inverseOf)
    if inverse is not None:
        return f"inverse {_name(g, inverse)}"
    return "(anonymous class)"


def _for_pylode(ontology: Graph) -> Graph:
    # only the prefixes some term starts with: pyLODE lists those, and looks through every bound
    # prefix for each term of the graph (rdflib binds some thirty by default: most of its time)
    terms = {str(term) for triple in ontology for term in triple}
    g = Graph(store="SimpleMemory", bind_namespaces="none")
    for prefix, ns in ontology.namespaces():
        if any(term.startswith(str(ns)) for term in terms):
            g.bind(prefix, ns, override=True)
    for t in ontology:
        g.add(t)
    # pyLODE picks one label per term for its headings and anchors, whichever comes first: give it the
    # English label only (Spanish labels become skos:altLabel), so anchors are stable and English
    for term, label in list(g.subject_objects(RDFS.label)):
        if isinstance(label, Literal) and label.language and label.language != "en":
            g.remove((term, RDFS.label, label))
            g.add((term, SKOS.altLabel, label))
    for term, label in list(g.subject_objects(SKOS.prefLabel)):
        if isinstance(label, Literal) and label.language and label.language != "en":
            g.remove((term, SKOS.prefLabel, label))
            g.add((term, SKOS.altLabel, label))
    for cls, expr in list(g.subject_objects(OWL.equivalentClass)):
        if isinstance(expr, BNode):
            text = manchester(g, expr)
            g.remove((cls, OWL.equivalentClass, expr))
            g.add((cls, SKOS.scopeNote, Literal(f"Formal definition (OWL, equivalent class): {text}", lang="en")))
    return g


def _pylode():
    if "pylode.version" not in sys.modules:
        stand_in = types.ModuleType("pylode.version")
        stand_in.__version__ = PYLODE_VERSION
        sys.modules["pylode.version"] = stand_in
    import logging

    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    from pylode import OntPub  # one of its modules calls logging.basicConfig(level=DEBUG) on import

    for handler in root.handlers[len(handlers):]:
        root.removeHandler(handler)
    root.setLevel(level)
    return OntPub


def ontology_graph() -> Graph:
    g = new_graph()
    for path in ontology_files():
        g.parse(path, format="turtle")
    return g


def _canonical_json(text: str) -> str:
    """pyLODE's schema.org JSON-LD lists nodes in set order: sort them, so rebuilds give the same bytes."""
    import json

    try:
        doc = json.loads(text)
    except ValueError:
        return text

    def canon(value):
        if isinstance(value, dict):
            return {k: canon(v) for k, v in value.items()}
        if isinstance(value, list):
            return sorted((canon(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
        return value

    return "\n" + json.dumps(canon(doc), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def ontology_html(ontology: Graph) -> str:
    try:
        OntPub = _pylode()
        page = OntPub(_for_pylode(ontology), sort_subjects=True).make_html(include_css=True)
    except Exception as exc:  # pyLODE is a third-party renderer: report, do not crash the build
        raise ExternalToolError(f"pyLODE could not document the ontology: {type(exc).__name__}: {exc}") from exc
    page = re.sub(r'(<script id="schema.org" type="application/ld\+json">)(.*?)(</script>)',
                  lambda m: m.group(1) + _canonical_json(m.group(2)) + m.group(3), page, count=1, flags=re.S)
    page = re.sub(r"<link[^>]+href=\"https?://[^\"]+\"[^>]*>", "", page)  # no remote stylesheet or font
    page = re.sub(r"<script[^>]+src=\"https?://[^\"]+\"[^>]*>\s*</script>", "", page)
    return page


def concepts_html(ontology: Graph) -> str:
    def text(node, prop):
        values = sorted(ontology.objects(node, prop), key=lambda l: (getattr(l, "language", "") or "", str(l)))
        return "".join(f'<span lang="{html.escape(v.language or "")}">{html.escape(str(v))}'
                       f' <small>({html.escape(v.language or "")})</small></span><br>' for v in values)

    parts = ['<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
             "<title>govgraph concept schemes</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:auto;padding:1em}"
             "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em;vertical-align:top}"
             "th{background:#eee;text-align:left}code{font-size:.9em}</style></head><body>",
             '<h1>govgraph concept schemes</h1><p>Every code list of the <a href="index.html">govgraph ontology</a>: '
             "one SKOS concept scheme per list, one concept per code.</p><ul>"]
    schemes = sorted(set(ontology.subjects(RDF.type, SKOS.ConceptScheme)), key=str)
    for scheme in schemes:
        slug = str(scheme).rstrip("/").rsplit("/", 1)[-1]
        parts.append(f'<li><a href="#{html.escape(slug)}">{html.escape(slug)}</a></li>')
    parts.append("</ul>")
    for scheme in schemes:
        slug = str(scheme).rstrip("/").rsplit("/", 1)[-1]
        parts.append(f'<section id="{html.escape(slug)}"><h2>{html.escape(slug)}</h2>'
                     f"<p><code>{html.escape(str(scheme))}</code></p>{text(scheme, SKOS.prefLabel)}"
                     f"{text(scheme, SKOS.definition)}<table><tr><th>code</th><th>label</th><th>definition</th></tr>")
        concepts = sorted(set(ontology.subjects(SKOS.inScheme, scheme)), key=str)
        for c in concepts:
            code = str(ontology.value(c, SKOS.notation) or str(c).rsplit("/", 1)[-1])
            parts.append(f'<tr id="{html.escape(slug)}-{html.escape(code)}"><td><code>{html.escape(code)}</code>'
                         f"<br><small>{html.escape(str(c))}</small></td><td>{text(c, SKOS.prefLabel)}</td>"
                         f"<td>{text(c, SKOS.definition)}</td></tr>")
        parts.append("</table></section>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def docs_key() -> str:
    """A digest of everything the pages of the shipped ontology depend on: its files, this module,
    and the versions of pyLODE and rdflib."""
    import hashlib
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256(Path(__file__).read_bytes())
    for package in ("pylode", "rdflib"):
        try:
            digest.update(f"{package} {version(package)}".encode())
        except PackageNotFoundError:
            digest.update(package.encode())
    for path in ontology_files():
        digest.update(f"\n{path.name}\n".encode() + path.read_bytes())
    return digest.hexdigest()


PAGES = ("index.html", "concepts.html")


def write_docs(folder: Path, ontology: Graph | None = None, *, cache_from: Path | None = None,
               cache_to: Path | None = None) -> list[Path]:
    """Write index.html (pyLODE) and concepts.html into `folder` (out/ontology/).

    For the shipped ontology (`ontology` None), pages made by an earlier build from the same
    inputs (`docs_key`) are copied from `cache_from` instead of asking pyLODE again (a second or
    so), and the pages are kept in `cache_to` for the next build."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / name for name in PAGES]
    key = docs_key() if ontology is None and (cache_from or cache_to) else None
    earlier = cache_from / key if key and cache_from else None
    if earlier is not None and all((earlier / name).is_file() for name in PAGES):
        pages = [(earlier / name).read_bytes() for name in PAGES]
    else:
        ontology = ontology if ontology is not None else ontology_graph()
        pages = [ontology_html(ontology).encode("utf-8"), concepts_html(ontology).encode("utf-8")]
    for path, page in zip(paths, pages):
        path.write_bytes(page)
    if key and cache_to:
        (cache_to / key).mkdir(parents=True, exist_ok=True)
        for name, page in zip(PAGES, pages):
            (cache_to / key / name).write_bytes(page)
    return paths
