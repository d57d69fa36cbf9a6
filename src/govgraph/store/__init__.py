"""Where queries run: the embedded Oxigraph store, any SPARQL 1.1 server, the question library and result formats."""
