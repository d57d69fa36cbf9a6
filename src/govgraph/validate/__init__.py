"""SHACL shapes (rudof: engine.py) and the quality checks of queries/checks."""
