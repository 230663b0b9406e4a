/**
 * BullMQ, loaded from benchmarks/suite/peers (see its package.json for why it is not a
 * devDependency), behind the few types the suite uses.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Redis } from 'ioredis';

export interface FlowJob {
  readonly name: string;
  readonly queueName: string;
  readonly data?: unknown;
  readonly children?: readonly FlowJob[];
}

export interface BullJob {
  readonly name: string;
  readonly data: unknown;
  getChildrenValues<T>(): Promise<Record<string, T>>;
  waitUntilFinished(events: unknown, ttl?: number): Promise<unknown>;
}

interface Closable {
  close(): Promise<void>;
}

export interface BullmqModule {
  FlowProducer: new (options: { connection: Redis }) => Closable & {
    add(flow: FlowJob): Promise<{ job: BullJob }>;
    setMaxListeners(count: number): void;
  };
  Queue: new (queueName: string, options: { connection: Redis }) => Closable & { add(name: string, data: unknown): Promise<BullJob> };
  QueueEvents: new (queueName: string, options: { connection: Redis }) => Closable & { waitUntilReady(): Promise<unknown> };
  Worker: new (
    queueName: string,
    processor: (job: BullJob) => Promise<unknown>,
    options: { connection: Redis; concurrency: number },
  ) => Closable & { waitUntilReady(): Promise<unknown> };
}

const entry = new URL('./peers/node_modules/bullmq/dist/esm/index.js', import.meta.url);

export async function loadBullmq(): Promise<BullmqModule> {
  if (!existsSync(entry)) throw new Error('BullMQ is not installed for the benchmarks: run `npm run bench` (it installs it)');
  return (await import(pathToFileURL(entry.pathname).href)) as BullmqModule;
}
