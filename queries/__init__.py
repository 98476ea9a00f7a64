"""The SPARQL catalogue (`*.rq` files beside this module) and the code that runs it safely."""

from pathlib import Path

QUERIES_DIR = Path(__file__).resolve().parent
