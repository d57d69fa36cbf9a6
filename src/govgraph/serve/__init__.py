"""govgraph serve: a read-only SPARQL 1.1 endpoint on waitress."""
