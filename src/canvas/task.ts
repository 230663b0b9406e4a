import { type ContractSpec, TaskContract } from './contract.js';

export { type RetryPolicy, type TaskOptions, type TaskHandler } from './contract.js';

/** What the worker needs to run a registered task: its contract and its handler. */
export interface TaskDefinition extends ContractSpec {
  readonly handler: (...args: unknown[]) => unknown;
  /** The contract it implements (signatures made from it carry the same one). */
  readonly contract: ContractSpec;
}

/**
 * A task registered in this process: a contract with its handler. `s()` makes a signature: with
 * all arguments it can start a workflow; with all but the first, the parent's value is prepended
 * (`add.s(4)` after 8 runs `add(8, 4)`). `si()` makes an immutable signature that ignores it.
 */
export class Task<
  Args extends readonly unknown[],
  Result,
  HandlerArgs extends readonly unknown[] = Args,
  HandlerResult = Result,
> extends TaskContract<Args, Result, HandlerArgs, HandlerResult> {
  /** @internal Made by app.implement / app.task. */
  readonly definition: TaskDefinition;

  /** @internal Use app.task() or app.implement(). */
  constructor(definition: TaskDefinition) {
    super(definition.contract);
    this.definition = definition;
  }
}
