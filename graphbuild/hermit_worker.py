"""Run HermiT (through owlready2) on one N-Triples file, in its own process so it can be killed.

Usage: python -m sskg.graphbuild.hermit_worker IN.nt OUT.nt [--property-values]
Writes the inferred triples (with --property-values, inferred object property values too) to OUT.nt and a JSON
report on stdout. Exit 0 consistent, 3 inconsistent.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(source: Path, target: Path, property_values: bool = False) -> int:
    import owlready2
    from owlready2 import OwlReadyInconsistentOntologyError, World, sync_reasoner_hermit

    owlready2.reasoning.JAVA_MEMORY = 2000
    world = World()
    world.get_ontology(source.resolve().as_uri()).load(format="ntriples")
    graph = world.as_rdflib_graph()
    before = set(graph.triples((None, None, None)))
    try:
        sync_reasoner_hermit(world, infer_property_values=property_values, debug=0)
    except OwlReadyInconsistentOntologyError:
        print(json.dumps({"consistent": False, "unsatisfiable": []}))
        return 3
    unsatisfiable = sorted(cls.iri for cls in world.inconsistent_classes() if hasattr(cls, "iri"))
    after = set(graph.triples((None, None, None)))
    lines = sorted(
        f"{s.n3()} {p.n3()} {o.n3()} ."
        for s, p, o in after - before
        if not any(term.n3().startswith("_:") for term in (s, p, o))
    )
    target.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
    print(json.dumps({"consistent": True, "unsatisfiable": unsatisfiable}))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), "--property-values" in sys.argv[3:]))
