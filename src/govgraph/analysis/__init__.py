"""Network analysis: SPARQL projection to networkx, metrics and findings, and the runs that write reports."""
