# TEMPORARY STUB (to be replaced by tools/gen_vocab.py output)
from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD
GG = Namespace("https://w3id.org/govgraph/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
CV = Namespace("http://data.europa.eu/m8g/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
SCHEMA = Namespace("http://schema.org/")
WD = Namespace("http://www.wikidata.org/entity/")
ID = "https://w3id.org/govgraph/id/"
GRAPH = "https://w3id.org/govgraph/graph/"
CONCEPT = "https://w3id.org/govgraph/concept/"
SOURCE = "https://w3id.org/govgraph/source/"
CONCEPT_SCHEMES = {
 "institution-kind": ("agency","autonomous-body","centre-of-government-office","local-government-association","ministry","political-office","state-enterprise","unit"),
 "placement": ("autonomous-agency","centre-of-government","coordinating-ministry","finance-ministry","line-ministry"),
 "mandate-strength": ("advisory","co-ordinating","decision-making","enforcing"),
 "coordination-level": ("political","senior-official","technical"),
 "coordination-scope": ("across-levels-of-government","sectoral","whole-of-government"),
 "membership-role": ("chair","member","observer","secretariat","vice-chair"),
 "lever-type": ("business-case","digital-identity","ict-budget","legal-powers","monitoring","procurement","project-approval","shared-platforms","skills","spending-control","standards","strategy-setting"),
 "instrument-kind": ("agreement","cabinet-decision","constitution","decree","decree-law","law","ministerial-order","presidential-instruction","regulation","resolution"),
 "relation-type": ("advises","funds","oversees","reports-to","supervises"),
 "confidence": ("confirmed","reported","uncertain"),
 "source-kind": ("primary","secondary","tertiary"),
 "oecd-principle": ("business-cases","coherent-use-across-policy-areas","data-driven-culture","engagement-participation","governance-coordination","institutional-capacities","international-cooperation","leadership-political-commitment","legal-regulatory-frameworks","openness-transparency","procurement","risk-management-privacy-security"),
}
