"""Records to RDF: the named graphs (mapping) and their canonical bytes (serialise)."""
