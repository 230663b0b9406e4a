import type { InputTemplate } from './template.js';

/** What a node is, fixed at submit: stored as JSON in the run's `specs` hash. */
export interface NodeSpec {
  readonly task: string;
  readonly args: readonly unknown[];
  /** What the node receives from upstream, prepended to `args`; absent when it receives nothing. */
  readonly input?: InputTemplate;
  readonly queue: string;
  /** 0 to 9, higher first; absent means 0. */
  readonly priority?: number;
  readonly countdownMs?: number;
  /** Dependants: nodes that wait for this one. */
  readonly next?: readonly string[];
  /** The queues those dependants are delivered on (complete-node needs their keys). */
  readonly nextQueues?: readonly string[];
}
