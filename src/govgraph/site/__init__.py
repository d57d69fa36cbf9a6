"""The static site: maps (vis-network) and pages that work offline from file://."""
