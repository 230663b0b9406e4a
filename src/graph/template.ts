/**
 * An input template says which upstream results, in which nesting, make up a value: the value
 * a node receives from its parent(s), or the value of the whole run.
 *   { node: "3" }            the result of node 3
 *   { list: [t1, t2, ...] }  a list of the values of t1, t2, ... (a group's value)
 * Templates are stored as JSON in the node's spec; Lua walks them only to know which results to
 * read, and the worker fills them in (fillTemplate).
 */
export type InputTemplate = { readonly node: string } | { readonly list: readonly InputTemplate[] };

/** The node ids a template reads, each once, in first-seen order. */
export function templateNodes(template: InputTemplate): string[] {
  // A chain step reads one node: no Set for that (a start of every chain step parses its input).
  if ('node' in template) return [template.node];
  const seen = new Set<string>();
  collectNodes(template, seen);
  return [...seen];
}

function collectNodes(template: InputTemplate, seen: Set<string>): void {
  if ('node' in template) seen.add(template.node);
  else for (const item of template.list) collectNodes(item, seen);
}

/** Build the value a template describes from the results it reads. */
export function fillTemplate(template: InputTemplate, resultOf: (nodeId: string) => unknown): unknown {
  if ('node' in template) return resultOf(template.node);
  return template.list.map((item) => fillTemplate(item, resultOf));
}
