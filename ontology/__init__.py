"""The sskg ontology files (data only): the Turtle edit file, SHACL shapes, QC checks, imports."""

from pathlib import Path

ONTOLOGY_DIR = Path(__file__).resolve().parent
ONTOLOGY_FILE = ONTOLOGY_DIR / "sskg.ttl"
IMPORTS_DIR = ONTOLOGY_DIR / "imports"
SHAPES_DIR = ONTOLOGY_DIR / "shapes"
CHECKS_DIR = ONTOLOGY_DIR / "checks"
