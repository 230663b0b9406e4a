import { DirectedGraph } from 'graphology';
import type { CompiledWorkflow, NodeAttributes } from '../../src/graph/compile.js';
import { templateNodes } from '../../src/graph/template.js';

/** An edge a -> b: b may start only after a succeeded. `carriesData`: a's value reaches b's args. */
export interface EdgeAttributes {
  readonly carriesData: boolean;
}

export type WorkflowGraph = DirectedGraph<NodeAttributes, EdgeAttributes>;

/** A compiled workflow as a graphology graph, for tests that check its shape. */
export function workflowGraph({ nodes }: CompiledWorkflow): WorkflowGraph {
  const graph: WorkflowGraph = new DirectedGraph({ multi: false, allowSelfLoops: false });
  for (const { id, task, args, input, spread, branches, options, byName, contract, path, element, guards, errback, queueOf } of nodes) {
    graph.addNode(id, { task, args, input, spread, branches, options, byName, contract, path, element, guards, errback, queueOf });
  }
  for (const node of nodes) {
    for (const dependant of node.next) {
      const input = nodes[Number(dependant)]!.input;
      graph.addEdge(node.id, dependant, { carriesData: input !== null && templateNodes(input).includes(node.id) });
    }
  }
  return graph;
}
