// Reads a GraphML or GEXF file with graphology (the graph library under Sigma.js) and prints what it holds as JSON:
// {"nodes": [{"key", "attributes"}], "edges": [{"key", "source", "target", "attributes"}], "multi", "type"}.
import {readFileSync} from 'node:fs';
import graphology from 'graphology';
import gexf from 'graphology-gexf';
import graphml from 'graphology-graphml';

const [path] = process.argv.slice(2);
const text = readFileSync(path, 'utf-8');
const parser = path.endsWith('.gexf') ? gexf : graphml;
const graph = parser.parse(graphology.MultiDirectedGraph, text);
const out = {
  multi: graph.multi,
  type: graph.type,
  nodes: graph.mapNodes((key, attributes) => ({key, attributes})),
  edges: graph.mapEdges((key, attributes, source, target) => ({key, source, target, attributes})),
};
process.stdout.write(JSON.stringify(out));
