import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { TaskDefinition } from '../canvas/task.js';
import type { AnyCanvas } from '../canvas/canvas.js';
import { Replacement } from '../canvas/replace.js';
import {
  ArgsValidationError,
  CanvasValidationError,
  PayloadTooLargeError,
  ResultValidationError,
  TaskTimeoutError,
  UnknownTaskError,
} from '../errors/index.js';
import { fillTemplate, neededNodes } from '../graph/template.js';
import type { StartedNode } from '../store/node-store.js';
import { assertNotTooDeep, encodeJson } from '../util/json.js';
import { type AnySchema, type ValidationResult, describeIssues, validate } from '../util/schema.js';
import type { AttemptAbort } from './attempt-abort.js';
import { runWithContext, type TaskContext } from './context.js';

export type AttemptOutcome = { readonly ok: true; readonly resultJson: string } | { readonly ok: false; readonly error: unknown };
/** An attempt whose handler returned replace(canvas): the node is to be replaced by the canvas. */
export type ReplaceOutcome = { readonly ok: 'replace'; readonly canvas: AnyCanvas };

export interface AttemptOptions {
  readonly maxPayloadBytes: number;
  /**
   * The attempt's abort state, owned by the worker: aborted from outside when the lease is lost
   * or the run cancelled, and here when the task's timeout passes.
   */
  readonly abort: AttemptAbort;
  /** Records the attempt's progress JSON (record-progress.lua): false when the attempt was fenced off. */
  readonly recordProgress: (node: StartedNode, progressJson: string) => Promise<boolean>;
}

/**
 * The context a handler reads through taskContext(). A class, so that `signal` is one getter on
 * the prototype rather than a getter and a closure made for every attempt.
 */
class AttemptContext implements TaskContext {
  readonly #node: StartedNode;
  readonly #options: AttemptOptions;

  constructor(
    node: StartedNode,
    readonly task: string,
    options: AttemptOptions,
  ) {
    this.#node = node;
    this.#options = options;
  }

  get runId(): string {
    return this.#node.message.runId;
  }

  get nodeId(): string {
    return this.#node.message.nodeId;
  }

  get queue(): string {
    return this.#node.queue;
  }

  get attempt(): number {
    return this.#node.attempt;
  }

  get signal(): AbortSignal {
    return this.#options.abort.signal;
  }

  async progress(value: unknown): Promise<boolean> {
    const where = `progress of task "${this.task}"`;
    const json = encodeJson(value, where);
    const { maxPayloadBytes } = this.#options;
    if (json.length * 3 > maxPayloadBytes && Buffer.byteLength(json) > maxPayloadBytes) {
      throw new PayloadTooLargeError(where, Buffer.byteLength(json), maxPayloadBytes);
    }
    return this.#options.recordProgress(this.#node, json);
  }
}

/**
 * The handler's positional arguments: the upstream value (if any) then the bound args; a dag
 * node with several parents receives each parent's value as an argument of its own.
 */
export function buildArgs(node: StartedNode): unknown[] {
  const { spec } = node;
  if (!spec.input) return [...spec.args];
  const { inputs, missingInputs } = node;
  if (missingInputs.length > 0) {
    // A `when`'s branch not taken has no results (its nodes were skipped): only the rest is needed.
    const needed = new Set(neededNodes(spec.input, (id) => inputs.get(id)));
    const missing = missingInputs.find((id) => needed.has(id));
    if (missing !== undefined) {
      throw new CanvasValidationError(`node ${node.message.nodeId}`, `the result of upstream node ${missing} is missing`);
    }
  }
  const value = fillTemplate(spec.input, (id) => inputs.get(id));
  if (spec.spread && Array.isArray(value)) return [...(value as unknown[]), ...spec.args];
  return [value, ...spec.args];
}

/**
 * The schema's output for a value, or the error `refuse` makes of its issues. Awaited only when
 * the schema library validates asynchronously.
 */
function validateWith(
  schema: AnySchema,
  value: unknown,
  refuse: (issues: readonly StandardSchemaV1.Issue[]) => Error,
): unknown {
  const returned = validate(schema, value);
  const settle = (result: ValidationResult): unknown => {
    if (result.issues) throw refuse(result.issues);
    return result.value;
  };
  return returned instanceof Promise ? returned.then(settle) : settle(returned);
}

/** Settles with the handler's value, or rejects when the attempt is aborted (with the reason). */
function raceAbort<T>(work: Promise<T>, abort: AttemptAbort): Promise<T> {
  if (abort.aborted) return Promise.reject(abort.reason as Error);
  return new Promise<T>((resolve, reject) => {
    abort.onAbort((reason) => reject(reason as Error));
    work.then(
      (value) => {
        abort.onAbort(null);
        resolve(value);
      },
      (error: unknown) => {
        abort.onAbort(null);
        reject(error instanceof Error ? error : (error as Error));
      },
    );
  });
}

/**
 * Run one attempt of a node: validate its arguments, call the handler in its task context under
 * its time limit, validate and encode the result. Never throws: every failure is an outcome.
 * A handler that ignores its AbortSignal keeps running after a timeout, but its result is dropped.
 */
export async function runAttempt(
  node: StartedNode,
  definition: TaskDefinition | undefined,
  options: AttemptOptions,
): Promise<AttemptOutcome | ReplaceOutcome> {
  const { runId, nodeId } = node.message;
  const { abort } = options;
  let timer: NodeJS.Timeout | undefined;
  try {
    if (!definition) throw new UnknownTaskError(node.spec.task, `node ${nodeId} of run ${runId} (queue ${node.queue})`, 'worker');
    let args = buildArgs(node);
    if (definition.argsSchema) {
      const checked = validateWith(definition.argsSchema, args, (issues) =>
        new ArgsValidationError(definition.name, `node ${nodeId}`, describeIssues(issues, 'args'), { issues }),
      );
      const validated = checked instanceof Promise ? ((await checked) as unknown) : checked;
      if (!Array.isArray(validated)) {
        throw new ArgsValidationError(definition.name, `node ${nodeId}`, 'the args schema must produce a list of arguments');
      }
      args = [...(validated as unknown[])];
    }
    if (definition.timeoutMs !== undefined) {
      const timeoutMs = definition.timeoutMs;
      timer = setTimeout(() => abort.abort(new TaskTimeoutError(definition.name, timeoutMs)), timeoutMs);
    }
    const context = new AttemptContext(node, definition.name, options);
    // A handler that throws before returning a promise is caught below like one that rejects.
    const returned = runWithContext(context, () => definition.handler(...args));
    let value = await raceAbort(returned instanceof Promise ? returned : Promise.resolve(returned), abort);
    // The node's value will be the canvas's, which its own nodes produce (and check).
    if (value instanceof Replacement) return { ok: 'replace', canvas: value.canvas };
    if (definition.resultSchema) {
      // A schema recurses into the value: one too deep would overflow the stack in it.
      assertNotTooDeep(value, `result of task "${definition.name}"`);
      const checked = validateWith(definition.resultSchema, value, (issues) =>
        new ResultValidationError(definition.name, describeIssues(issues, 'result'), { issues }),
      );
      value = checked instanceof Promise ? ((await checked) as unknown) : checked;
    }
    const resultJson = encodeJson(value, `result of task "${definition.name}"`);
    // Only a long string can be over the limit in bytes (UTF-8 takes at most 3 per UTF-16 unit).
    if (resultJson.length * 3 > options.maxPayloadBytes) {
      const bytes = Buffer.byteLength(resultJson);
      if (bytes > options.maxPayloadBytes) {
        throw new PayloadTooLargeError(`result of task "${definition.name}"`, bytes, options.maxPayloadBytes);
      }
    }
    return { ok: true, resultJson };
  } catch (error) {
    return { ok: false, error };
  } finally {
    if (timer) clearTimeout(timer);
  }
}
