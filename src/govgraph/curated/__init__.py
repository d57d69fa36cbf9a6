"""The curated records: their model (pydantic), the YAML loader, and the standard cast of roles."""
