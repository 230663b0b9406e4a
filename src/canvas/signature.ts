import { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import { Canvas } from './canvas.js';
import type { ContractSpec } from './contract-spec.js';

/** Options a single invocation can override with `.set()`. */
export interface SignatureOptions {
  /** Queue the node is delivered on (default: the task's queue, else `default`). */
  readonly queue?: string;
  /** Hold the node this long after it becomes ready (Celery's countdown). */
  readonly countdownMs?: number;
  /**
   * Do not start the node before this instant (Celery's eta): a Date, or an ISO 8601 string with
   * its offset (`2026-12-07T09:00:00Z`, `...+01:00`). Compared with Redis's clock; an eta in the
   * past runs at once. With a countdown too, the later of the two holds.
   */
  readonly eta?: Date | string;
  /** 0 (default) to 9; a higher number is fetched first from the same queue. */
  readonly priority?: number;
}

export const MAX_PRIORITY = 9;

/** Queue names end up inside Redis keys: no braces (they would change the hash tag) and no `|`. */
export const queueNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[^{}|\s]+$/, 'must not contain braces, "|" or white space');

const signatureOptionsSchema = z
  .object({
    queue: queueNameSchema.optional(),
    countdownMs: z.number().int().min(0).max(2 ** 40).optional(),
    // Only its type here: whether it is a valid instant is checked at submit, naming the node.
    eta: z.union([z.instanceof(Date), z.string()], 'must be a Date or an ISO 8601 string').optional(),
    priority: z.number().int().min(0).max(MAX_PRIORITY).optional(),
  })
  .strict();

/** Options objects that came out of parseSignatureOptions (or merges of two such): not parsed again. */
const parsedOptions = new WeakSet<SignatureOptions>();

export function parseSignatureOptions(where: string, options: unknown): SignatureOptions {
  const parsed = signatureOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue && issue.path.length > 0 ? `.${issue.path.join('.')}` : '';
    throw new ConfigError(`${where}${at}`, issue?.message ?? 'invalid options', { cause: parsed.error });
  }
  parsedOptions.add(parsed.data);
  return parsed.data;
}

/**
 * One task invocation: a task name, its bound arguments and per-call options. `immutable`
 * signatures (`.si()`) ignore the parent's value; others get it prepended to `args`.
 */
export class Signature<In, Out> extends Canvas<In, Out> {
  readonly kind = 'signature' as const;
  readonly options: SignatureOptions;

  /**
   * Usually made by a task's `.s()` / `.si()` or `app.signature()`. One made by hand is checked
   * here like theirs (task name, args array, options), so that nothing unchecked reaches Redis.
   */
  constructor(
    readonly task: string,
    readonly args: readonly unknown[],
    readonly immutable: boolean,
    options: SignatureOptions,
    /** Made by `app.signature(name)`: may name a task this process has not registered. */
    readonly byName: boolean,
    /**
     * @internal The contract of the task (set by a task's or contract's `s()` / `si()`): submit
     * validates against it with no registry lookup.
     */
    readonly contract?: ContractSpec,
  ) {
    super();
    if (typeof task !== 'string' || task.length === 0) throw new ConfigError('new Signature()', 'the task name must be a non-empty string');
    if (!Array.isArray(args)) throw new ConfigError(`signature of "${task}"`, 'args must be an array');
    // The builders pass options parsed already, or none: only other options are parsed here.
    const checked = parsedOptions.has(options) || isEmpty(options) ? options : parseSignatureOptions(`signature of "${task}" options`, options);
    this.options = checked;
  }

  /** A copy with these options merged over the current ones. */
  set(options: SignatureOptions): Signature<In, Out> {
    const parsed = parseSignatureOptions(`${this.task}.set()`, options);
    const merged = { ...this.options, ...parsed };
    parsedOptions.add(merged);
    return new Signature<In, Out>(this.task, this.args, this.immutable, merged, this.byName, this.contract);
  }
}

function isEmpty(options: SignatureOptions): boolean {
  if (typeof options !== 'object' || options === null) return false;
  for (const key in options) if (Object.prototype.hasOwnProperty.call(options, key)) return false;
  return true;
}
