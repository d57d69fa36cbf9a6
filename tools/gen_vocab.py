"""Generate ``src/govgraph/core/vocab.py`` from the ontology.

The ontology (``ontology/*.ttl`` except ``shapes.ttl``) is the single source of govgraph's terms.
This script turns it into a closed rdflib ``DefinedNamespace`` (``GG``), so that a typo in a term
name fails at import time instead of silently minting a new IRI, plus the codes of every SKOS
concept scheme (``CONCEPT_SCHEMES``) that the loader checks curated codes against.

Usage::

    python tools/gen_vocab.py            # (re)write src/govgraph/core/vocab.py
    python tools/gen_vocab.py --check    # exit 1 if vocab.py is stale
    python tools/gen_vocab.py --output PATH

The output is deterministic (everything sorted, no timestamps); tests/test_ontology.py regenerates
it into memory and fails when the committed file has drifted.
"""

from __future__ import annotations

import argparse
import keyword
import sys
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY_DIR = ROOT / "ontology"
OUTPUT = ROOT / "src" / "govgraph" / "core" / "vocab.py"

GG_NS = "https://w3id.org/govgraph/ontology#"
ONTOLOGY_IRI = "https://w3id.org/govgraph/ontology"
CONCEPT = "https://w3id.org/govgraph/concept/"

# Files in ontology/ that hold no terms of the ontology itself.
EXCLUDED = frozenset({"shapes.ttl"})

# The kinds of gg: term, in the order they appear in the generated class.
KINDS: tuple[tuple[URIRef, str], ...] = (
    (OWL.Class, "classes"),
    (OWL.ObjectProperty, "object properties"),
    (OWL.DatatypeProperty, "datatype properties"),
    (OWL.AnnotationProperty, "annotation properties"),
    (OWL.NamedIndividual, "individuals"),
)


class VocabError(Exception):
    """The ontology cannot be turned into a vocabulary (undeclared or ambiguous terms)."""


def ontology_files(ontology_dir: Path = ONTOLOGY_DIR) -> list[Path]:
    """The Turtle files that make up the ontology, in a stable order."""
    return sorted(p for p in ontology_dir.glob("*.ttl") if p.name not in EXCLUDED)


def load(ontology_dir: Path = ONTOLOGY_DIR) -> Graph:
    """Parse every ontology file into one graph."""
    graph = Graph()
    for path in ontology_files(ontology_dir):
        graph.parse(path, format="turtle")
    return graph


def _en_label(graph: Graph, term: URIRef) -> str:
    for label in graph.objects(term, RDFS.label):
        if isinstance(label, Literal) and label.language == "en":
            return str(label)
    return ""


def gg_terms(graph: Graph) -> dict[str, list[tuple[str, str]]]:
    """Our terms grouped by kind: ``{kind: [(local name, English label), ...]}``, sorted.

    Raises VocabError when a gg: IRI is used but not declared, or is declared with two kinds
    (which would also break OWL 2 DL).
    """
    used: set[URIRef] = set()
    for triple in graph:
        for node in triple:
            if isinstance(node, URIRef) and str(node).startswith(GG_NS):
                used.add(node)
    grouped: dict[str, list[tuple[str, str]]] = {name: [] for _, name in KINDS}
    problems: list[str] = []
    for term in sorted(used):
        local = str(term)[len(GG_NS):]
        kinds = [name for cls, name in KINDS if (term, RDF.type, cls) in graph]
        if not local:
            problems.append(f"{term}: empty local name")
        elif not kinds:
            problems.append(f"gg:{local} is used but not declared (owl:Class, owl:*Property or "
                            "owl:NamedIndividual)")
        elif len(kinds) > 1:
            problems.append(f"gg:{local} is declared as {' and '.join(kinds)}")
        else:
            grouped[kinds[0]].append((local, _en_label(graph, term)))
    if problems:
        raise VocabError("; ".join(problems))
    return grouped


def concept_schemes(graph: Graph) -> dict[str, tuple[str, ...]]:
    """``{scheme slug: sorted codes}`` for every skos:ConceptScheme under the concept base."""
    schemes: dict[str, tuple[str, ...]] = {}
    for scheme in graph.subjects(RDF.type, SKOS.ConceptScheme):
        iri = str(scheme)
        if not iri.startswith(CONCEPT):
            continue
        slug = iri[len(CONCEPT):]
        codes = []
        for concept in graph.subjects(SKOS.inScheme, scheme):
            notations = [str(n) for n in graph.objects(concept, SKOS.notation)]
            if len(notations) != 1:
                raise VocabError(f"{concept}: expected one skos:notation, found {len(notations)}")
            if str(concept) != f"{iri}/{notations[0]}":
                raise VocabError(f"{concept}: IRI does not end with its notation {notations[0]!r}")
            codes.append(notations[0])
        schemes[slug] = tuple(sorted(codes))
    return dict(sorted(schemes.items()))


CAST_RULE_PROPERTIES = (
    ("class", "filledByClass"),
    ("lever-type", "filledByLeverType"),
    ("institution-kind", "filledByInstitutionKind"),
    ("membership-role", "filledByMembershipRole"),
    ("member-of-kind", "filledByMemberOfKind"),
    ("declared-by", "declaredBy"),
)
CURIES = (("gg:", GG_NS), ("org:", "http://www.w3.org/ns/org#"))


def _short(term: URIRef) -> str:
    """A class as a CURIE, a concept as its code."""
    text = str(term)
    for prefix, ns in CURIES:
        if text.startswith(ns):
            return prefix + text[len(ns):]
    if text.startswith(CONCEPT):
        return text.rsplit("/", 1)[1]
    raise VocabError(f"{text}: a cast rule names neither a gg:/org: class nor a concept")


def cast_rules(graph: Graph) -> tuple[tuple[str, ...], dict[str, tuple[tuple[str, str], ...]]]:
    """The cast dates and, per cast role, how a record fills it: ``(rule, value)`` pairs read
    from the annotations on the cast-role concepts (a role with no rule is an error)."""
    scheme = URIRef(CONCEPT + "cast-role")
    dates = tuple(sorted(str(d) for d in graph.objects(scheme, URIRef(GG_NS + "castDate"))))
    rules: dict[str, tuple[tuple[str, str], ...]] = {}
    for concept in graph.subjects(SKOS.inScheme, scheme):
        code = str(concept).rsplit("/", 1)[1]
        pairs = sorted((rule, _short(value)) for rule, prop in CAST_RULE_PROPERTIES
                       for value in graph.objects(concept, URIRef(GG_NS + prop)))
        if not pairs:
            raise VocabError(f"{concept}: a cast role needs a rule (gg:filledBy… or gg:declaredBy)")
        rules[code] = tuple(pairs)
    return dates, dict(sorted(rules.items()))


WD_NS = "http://www.wikidata.org/entity/"


def node_kinds(graph: Graph) -> dict[str, tuple[str, str, str | None, str | None, tuple[str, ...]]]:
    """``{kind: (English label, class CURIE, map colour, map shape, Wikidata QIDs)}`` from the
    gg:nodeKind annotations: on institution-kind concepts (their class is gg:kindClass, their label
    skos:prefLabel) and on classes whose members are nodes of their own kind (rdfs:label)."""
    gg = lambda local: URIRef(GG_NS + local)  # noqa: E731
    kinds = {}
    for subject, kind in graph.subject_objects(gg("nodeKind")):
        classes = list(graph.objects(subject, gg("kindClass"))) or [subject]
        if len(classes) != 1 or not str(classes[0]).startswith(GG_NS):
            raise VocabError(f"{subject}: a node kind needs exactly one gg: class (gg:kindClass)")
        label = _en_label(graph, subject) or str(graph.value(subject, SKOS.prefLabel) or "")
        labels = [str(l) for l in graph.objects(subject, SKOS.prefLabel) if getattr(l, "language", None) == "en"]
        label = labels[0] if labels else label
        colour = graph.value(subject, gg("mapColour"))
        shape = graph.value(subject, gg("mapShape"))
        qids = tuple(sorted(str(q)[len(WD_NS):] for q in graph.objects(subject, gg("wikidataClass"))))
        if not label or not qids:
            raise VocabError(f"{subject}: a node kind needs an English label and a gg:wikidataClass")
        kinds[str(kind)] = ("gg:" + str(classes[0])[len(GG_NS):], label, str(colour) if colour else None,
                            str(shape) if shape else None, qids)
    missing = sorted(set(concept_schemes(graph)["institution-kind"]) - set(kinds))
    if missing:
        raise VocabError(f"institution kinds without gg:nodeKind and its annotations: {missing}")
    return dict(sorted(kinds.items()))


def lever_sets(graph: Graph) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The lever types that empower a lead body, and the key lever types (gg:empowersLead, gg:keyLever)."""
    def flagged(prop: str) -> tuple[str, ...]:
        return tuple(sorted(str(c).rsplit("/", 1)[1] for c, v in graph.subject_objects(URIRef(GG_NS + prop))
                            if v.toPython() is True))
    return flagged("empowersLead"), flagged("keyLever")


def _version(graph: Graph) -> str:
    versions = [str(v) for v in graph.objects(URIRef(ONTOLOGY_IRI), OWL.versionInfo)]
    if len(versions) != 1:
        raise VocabError(f"{ONTOLOGY_IRI}: expected one owl:versionInfo, found {len(versions)}")
    return versions[0]


_HEADER = '''\
# Generated by tools/gen_vocab.py from ontology/*.ttl: do not edit.
# Regenerate with `python tools/gen_vocab.py` (tests/test_ontology.py fails when this file drifts).
"""govgraph's RDF vocabulary: our own terms, the code lists, reused namespaces and IRI bases.

Layer 0: this module imports only rdflib. ``GG`` is closed (``_fail = True``): naming a term the
ontology does not define raises ``AttributeError`` instead of minting a stray IRI.
"""

from __future__ import annotations

from typing import NamedTuple

from rdflib import Namespace, URIRef
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SKOS,
    VANN,
    VOID,
    XSD,
    DefinedNamespace,
)

__all__ = [
    "CONCEPT",
    "CAST_DATES",
    "CAST_RULES",
    "CONCEPT_SCHEMES",
    "CV",
    "DCAT",
    "DCTERMS",
    "ELI",
    "FOAF",
    "GG",
    "GRAPH",
    "ID",
    "KEY_LEVER_TYPES",
    "LEAD_LEVER_TYPES",
    "NODE_KINDS",
    "NodeKind",
    "ONTOLOGY",
    "ONTOLOGY_VERSION",
    "ORG",
    "OWL",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SKOS",
    "SOURCE",
    "VANN",
    "VOID",
    "WD",
    "XSD",
]

# IRI bases (docs/data-model.md, "IRIs"). IRIs are minted only in govgraph.core.iris.
ID = "https://w3id.org/govgraph/id/"
GRAPH = "https://w3id.org/govgraph/graph/"
CONCEPT = "https://w3id.org/govgraph/concept/"
SOURCE = "https://w3id.org/govgraph/source/"

# Reused vocabularies that rdflib does not ship (schema.org with http, as its RDF is published).
CV = Namespace("http://data.europa.eu/m8g/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
SCHEMA = Namespace("http://schema.org/")
WD = Namespace("http://www.wikidata.org/entity/")
'''


def render(ontology_dir: Path = ONTOLOGY_DIR) -> str:
    """The text of vocab.py for the ontology in ``ontology_dir``."""
    graph = load(ontology_dir)
    terms = gg_terms(graph)
    schemes = concept_schemes(graph)
    out = [_HEADER]
    out.append("\n")
    out.append(f'ONTOLOGY = URIRef("{ONTOLOGY_IRI}")\n')
    out.append(f'ONTOLOGY_VERSION = "{_version(graph)}"\n')
    out.append("\n\n")
    out.append("class GG(DefinedNamespace):\n")
    out.append('    """govgraph ontology terms (https://w3id.org/govgraph/ontology#)."""\n')
    out.append("\n")
    extras: list[str] = []
    for _, kind in KINDS:
        out.append(f"    # {kind}\n")
        for local, label in terms[kind]:
            if local.isidentifier() and not keyword.iskeyword(local):
                comment = f"  # {label}" if label else ""
                out.append(f"    {local}: URIRef{comment}\n")
            else:
                extras.append(local)
        out.append("\n")
    out.append(f'    _NS = Namespace("{GG_NS}")\n')
    out.append("    _fail = True\n")
    if extras:
        out.append(f"    _extras = {sorted(extras)!r}\n")
    out.append("\n\n")
    out.append("# Codes of every SKOS concept scheme: {scheme slug: sorted codes}.\n")
    out.append("# The concept IRI is CONCEPT + slug + '/' + code.\n")
    out.append("CONCEPT_SCHEMES: dict[str, tuple[str, ...]] = {\n")
    for slug, codes in schemes.items():
        out.append(f'    "{slug}": (\n')
        for code in codes:
            out.append(f'        "{code}",\n')
        out.append("    ),\n")
    out.append("}\n")
    out.append("\n")
    dates, rules = cast_rules(graph)
    out.append("# The standard cast: the dates every country answers every role on, and per role how a\n")
    out.append("# record fills it ((rule, value) pairs from the annotations on the cast-role concepts).\n")
    out.append(f"CAST_DATES: tuple[str, ...] = {dates!r}\n")
    out.append("CAST_RULES: dict[str, tuple[tuple[str, str], ...]] = {\n")
    for code, pairs in rules.items():
        out.append(f'    "{code}": {pairs!r},\n')
    out.append("}\n")
    out.append("\n\n")
    out.append("class NodeKind(NamedTuple):\n")
    out.append('    """How a kind of node is typed, drawn and linked (annotations on the ontology\'s terms)."""\n\n')
    out.append("    owl_class: str  # CURIE of the class every node of this kind belongs to\n")
    out.append("    label: str  # English label, for legends\n")
    out.append("    colour: str | None  # gg:mapColour\n")
    out.append("    shape: str | None  # gg:mapShape (vis-network)\n")
    out.append("    wikidata: tuple[str, ...]  # gg:wikidataClass: QIDs that make a Wikidata link right\n")
    out.append("\n\n")
    out.append("# Every kind of node: institution kinds and the classes that are kinds of their own (gg:nodeKind).\n")
    out.append("NODE_KINDS: dict[str, NodeKind] = {\n")
    for kind, values in node_kinds(graph).items():
        out.append(f'    "{kind}": NodeKind{values!r},\n')
    out.append("}\n")
    lead, key = lever_sets(graph)
    out.append("# Lever types that make a lead body an empowered one (gg:empowersLead; gg:EmpoweredLeadBody lists\n")
    out.append("# the same), and the key lever types of the analysis (gg:keyLever).\n")
    out.append(f"LEAD_LEVER_TYPES: tuple[str, ...] = {lead!r}\n")
    out.append(f"KEY_LEVER_TYPES: tuple[str, ...] = {key!r}\n")
    out.append("\n")
    out.append("# Prefixes for serialisation, in a fixed order.\n")
    out.append("PREFIXES: dict[str, Namespace] = {\n")
    for prefix, expr in (
        ("gg", "Namespace(GG._NS)"),
        ("org", "Namespace(str(ORG))"),
        ("cv", "CV"),
        ("eli", "ELI"),
        ("skos", "Namespace(str(SKOS))"),
        ("prov", "Namespace(str(PROV))"),
        ("dcterms", "Namespace(str(DCTERMS))"),
        ("foaf", "Namespace(str(FOAF))"),
        ("schema", "SCHEMA"),
        ("owl", "Namespace(str(OWL))"),
        ("rdfs", "Namespace(str(RDFS))"),
        ("xsd", "Namespace(str(XSD))"),
        ("wd", "WD"),
    ):
        out.append(f'    "{prefix}": {expr},\n')
    out.append("}\n")
    return "".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ontology", type=Path, default=ONTOLOGY_DIR, help="ontology directory")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where to write vocab.py")
    parser.add_argument("--check", action="store_true", help="exit 1 if the output is stale")
    args = parser.parse_args(argv)
    try:
        text = render(args.ontology)
    except VocabError as exc:
        print(f"gen_vocab: {exc}", file=sys.stderr)
        return 2
    current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    if args.check:
        if current != text:
            print(f"{args.output} is stale: run python tools/gen_vocab.py", file=sys.stderr)
            return 1
        return 0
    if current != text:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.output.with_suffix(".py.tmp")
        tmp.write_text(text, encoding="utf-8", newline="\n")
        tmp.replace(args.output)
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
