"""SHACL shapes (pySHACL) and the quality checks of queries/checks."""
