"""OWL reasoning with owlready2 and HermiT: consistency and inferred classes, cached per group of countries."""
