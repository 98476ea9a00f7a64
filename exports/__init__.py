"""Exports and views of the built graph."""
