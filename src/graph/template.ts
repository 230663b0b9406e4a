/**
 * An input template says which upstream results, in which nesting, make up a value: the value
 * a node receives from its parent(s), or the value of the whole run.
 *   { node: "3" }            the result of node 3
 *   { list: [t1, t2, ...] }  a list of the values of t1, t2, ... (a group's value)
 *   { range: [first, count] } the list of the results of nodes first .. first + count - 1: a
 *                            list of consecutive nodes as it is stored (compactTemplate), so that
 *                            the join of a million-wide group has a spec of a few bytes
 *   { when: "4", then: t1, else: t2 } the value of t1 when node 4's result is truthy, else of t2
 *                            (null without else): a `when`'s value, whose branch not taken has no
 *                            results (its nodes are skipped)
 * Templates are stored as JSON in the node's spec; Lua walks them only to know which results to
 * read, and the worker fills them in (fillTemplate).
 */
export type InputTemplate =
  | { readonly node: string }
  | { readonly list: readonly InputTemplate[] }
  | { readonly range: readonly [first: number, count: number] }
  | ChoiceTemplate;

/** A `when`'s value: `then` when the result of node `when` is truthy, else `else` (or null). */
export interface ChoiceTemplate {
  readonly when: string;
  readonly then: InputTemplate;
  readonly else?: InputTemplate;
}

/** Truthiness of a predicate's JSON value, by JavaScript's rules (false, 0, "", null are falsy). */
export function isTruthy(value: unknown): boolean {
  return Boolean(value);
}

/**
 * The node ids a template reads, each once, in first-seen order: for a `when`'s value, the
 * predicate's and both branches' (the start script reads them all; neededNodes says which the
 * value uses).
 */
export function templateNodes(template: InputTemplate): string[] {
  // A chain step reads one node: no Set for that (a start of every chain step parses its input).
  if ('node' in template) return [template.node];
  if ('range' in template) return rangeIds(template.range);
  const seen = new Set<string>();
  collectNodes(template, seen);
  return [...seen];
}

function collectNodes(template: InputTemplate, seen: Set<string>): void {
  if ('node' in template) seen.add(template.node);
  else if ('range' in template) for (const id of rangeIds(template.range)) seen.add(id);
  else if ('when' in template) {
    seen.add(template.when);
    collectNodes(template.then, seen);
    if (template.else) collectNodes(template.else, seen);
  } else for (const item of template.list) collectNodes(item, seen);
}

/**
 * The node ids whose results the template's value uses, each once: a `when`'s predicate and the
 * branch its result picks (read through resultOf), not the branch not taken.
 */
export function neededNodes(template: InputTemplate, resultOf: (nodeId: string) => unknown): string[] {
  const seen = new Set<string>();
  const walk = (item: InputTemplate): void => {
    if ('when' in item) {
      seen.add(item.when);
      const branch = isTruthy(resultOf(item.when)) ? item.then : item.else;
      if (branch) walk(branch);
    } else if ('list' in item) for (const inner of item.list) walk(inner);
    else collectNodes(item, seen);
  };
  walk(template);
  return [...seen];
}

function rangeIds([first, count]: readonly [number, number]): string[] {
  const ids: string[] = [];
  for (let offset = 0; offset < count; offset++) ids.push(String(first + offset));
  return ids;
}

/**
 * The template as it is stored: a list whose items are all single nodes with consecutive ids
 * (a group of single tasks) becomes a range, at any depth. Read back by every function here and
 * by the Lua scripts (collectTemplateNodes in scripts/includes/start.lua) alike.
 */
export function compactTemplate(template: InputTemplate): InputTemplate {
  if ('when' in template) {
    return { when: template.when, then: compactTemplate(template.then), ...(template.else ? { else: compactTemplate(template.else) } : {}) };
  }
  if (!('list' in template)) return template;
  const { list } = template;
  const first = list[0];
  if (list.length >= 2 && first && 'node' in first && /^\d+$/.test(first.node)) {
    const start = Number(first.node);
    if (list.every((item, offset) => 'node' in item && item.node === String(start + offset))) return { range: [start, list.length] };
  }
  return { list: list.map(compactTemplate) };
}

/** Build the value a template describes from the results it reads. */
export function fillTemplate(template: InputTemplate, resultOf: (nodeId: string) => unknown): unknown {
  if ('node' in template) return resultOf(template.node);
  if ('range' in template) return rangeIds(template.range).map(resultOf);
  if ('when' in template) {
    const branch = isTruthy(resultOf(template.when)) ? template.then : template.else;
    return branch ? fillTemplate(branch, resultOf) : null;
  }
  return template.list.map((item) => fillTemplate(item, resultOf));
}
