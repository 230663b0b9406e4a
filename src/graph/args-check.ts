import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { ContractSpec } from '../canvas/contract.js';
import { ArgsValidationError } from '../errors/index.js';
import { encodeJson } from '../util/json.js';
import { type ValidationResult, describeIssues, issuePath, validate } from '../util/schema.js';
import type { NodeAttributes } from './compile.js';

/**
 * What submit checks of a node's arguments. The schema library is opaque (any Standard Schema),
 * so arity is never read out of a schema; instead:
 * - with an `args` schema, the arguments are validated as the worker will receive them (their
 *   JSON form). A signature that receives its parent's value is validated with that first
 *   position left open (a dag node with several parents: one per parent): issues found there are
 *   not reported, as the values do not exist yet.
 *   The worker validates the whole list again before calling the handler.
 * - without one, when the handler is registered in this process, the handler's declared
 *   parameters (`Function.length`, a lower bound) must all be given.
 * Returns a promise only when the schema library validated asynchronously.
 */
export function checkNodeArgs(
  node: NodeAttributes,
  contract: ContractSpec,
  handler: ((...args: never[]) => unknown) | undefined,
): Promise<void> | undefined {
  const open = openPositions(node);
  const schema = contract.argsSchema;
  if (!schema) {
    if (handler) checkHandlerArity(node, handler.length);
    return undefined;
  }
  const bound = jsonForm(node);
  const values = open > 0 ? [...new Array<undefined>(open), ...bound] : bound;
  let result: ValidationResult | Promise<ValidationResult>;
  try {
    result = validate(schema, values);
  } catch (error) {
    return schemaThrew(node, open, error);
  }
  if (result instanceof Promise) {
    return result.then(
      (settled) => report(node, open, settled),
      (error: unknown) => schemaThrew(node, open, error),
    );
  }
  report(node, open, result);
  return undefined;
}

/** How many leading arguments come from upstream: one value, or one per parent of a dag node. */
function openPositions(node: NodeAttributes): number {
  if (node.input === null) return 0;
  return node.spread && 'list' in node.input ? node.input.list.length : 1;
}

/** The bound args as JSON will deliver them (a Date as its string), parsed only when they would change. */
function jsonForm(node: NodeAttributes): readonly unknown[] {
  const { args } = node;
  for (const item of args) {
    const plain = item === null || typeof item === 'string' || typeof item === 'boolean' || (typeof item === 'number' && Number.isFinite(item));
    // The encoder also refuses what JSON cannot carry, with the same error as later in planning.
    if (!plain) return JSON.parse(encodeJson(args, () => `${node.path} args`)) as unknown[];
  }
  return args;
}

function report(node: NodeAttributes, open: number, result: ValidationResult): void {
  if (!result.issues) return;
  const issues = open > 0 ? result.issues.filter((issue) => !isAtUpstreamValue(issue, open)) : result.issues;
  if (issues.length === 0) return;
  throw new ArgsValidationError(node.task, node.path, describeIssues(issues, 'args'), { issues });
}

function isAtUpstreamValue(issue: StandardSchemaV1.Issue, open: number): boolean {
  const [first] = issuePath(issue);
  const position = typeof first === 'number' ? first : typeof first === 'string' && /^\d+$/.test(first) ? Number(first) : -1;
  return position >= 0 && position < open;
}

/**
 * A schema that throws (a refinement that assumes its input) is the user's bug; for a fully bound
 * signature it is reported as invalid args, for a partial one it may be the open first position,
 * and the worker will validate the real list.
 */
function schemaThrew(node: NodeAttributes, open: number, error: unknown): undefined {
  if (open > 0) return undefined;
  const message = error instanceof Error ? error.message : String(error);
  throw new ArgsValidationError(node.task, node.path, `the args schema threw: ${message}`, { cause: error });
}

function checkHandlerArity(node: NodeAttributes, declared: number): void {
  const open = openPositions(node);
  const given = node.args.length + open;
  if (given >= declared) return;
  const source =
    open === 0
      ? `${node.args.length} and receives nothing from upstream`
      : open === 1
        ? `${node.args.length} bound plus the upstream value`
        : `${node.args.length} bound plus ${open} parents' values`;
  throw new ArgsValidationError(
    node.task,
    node.path,
    `the task takes at least ${declared} argument${declared === 1 ? '' : 's'}; this signature gives ${source}`,
  );
}
