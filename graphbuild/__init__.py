"""Curated evidence → validated, reasoned RDF graph."""
