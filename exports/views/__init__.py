"""Interactive views of the built graph: the evidence graph, focused graphs, the evidence-and-gap map and
the search flow, each one self-contained HTML file that makes no request when opened.

graph file → model (SPARQL, rdflib) → focus (which nodes, node cap) → metrics (networkx: measures,
layout) → render (our templates, escaped JSON, inlined vis-network) → write (files); views_cli is the
command line. Nothing heavy is imported here, so `sskg --help` stays quick.
"""
