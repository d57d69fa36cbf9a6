"""OWL reasoning with HermiT (as owlready2 ships it): consistency and inferred classes, cached per group of countries."""
