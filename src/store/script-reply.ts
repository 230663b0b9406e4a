import { ScriptReplyError } from '../errors/index.js';
import { RUN_STATUSES, type RunStatus } from './records.js';

/**
 * Cheap checks for the scripts' decoders (scripts/<name>.ts): each throws ScriptReplyError naming
 * the script and what was wrong. Hand-written rather than a schema: complete-nodes and
 * start-nodes are decoded once per node on the hot path.
 */

export function badReply(script: string, problem: string): never {
  throw new ScriptReplyError(script, problem);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === 'string' ? `"${value.length > 60 ? `${value.slice(0, 60)}...` : value}"` : String(value);
}

export function arrayReply(script: string, reply: unknown, what = 'the reply'): unknown[] {
  if (!Array.isArray(reply)) badReply(script, `${what} is ${describe(reply)}, not an array`);
  return reply;
}

/** An array of strings (a bulk-string array). */
export function stringsReply(script: string, reply: unknown, what = 'the reply'): string[] {
  const array = arrayReply(script, reply, what);
  for (let index = 0; index < array.length; index++) {
    if (typeof array[index] !== 'string') badReply(script, `${what}[${index}] is ${describe(array[index])}, not a string`);
  }
  return array as string[];
}

/** A Redis integer (a Lua number becomes one). */
export function integerReply(script: string, reply: unknown, what = 'the reply'): number {
  if (typeof reply !== 'number' || !Number.isInteger(reply)) badReply(script, `${what} is ${describe(reply)}, not an integer`);
  return reply;
}

/** A Lua boolean sent as 1 or 0. */
export function flagReply(script: string, reply: unknown, what = 'the reply'): boolean {
  if (reply !== 0 && reply !== 1) badReply(script, `${what} is ${describe(reply)}, not 0 or 1`);
  return reply === 1;
}

export function stringReply(script: string, reply: unknown, what = 'the reply'): string {
  if (typeof reply !== 'string') badReply(script, `${what} is ${describe(reply)}, not a string`);
  return reply;
}

export function oneOf<T extends string>(script: string, reply: unknown, allowed: readonly T[], what = 'the reply'): T {
  const found = allowed.find((value) => value === reply);
  if (found === undefined) badReply(script, `${what} is ${describe(reply)}, not one of ${allowed.join(', ')}`);
  return found;
}

export function runStatusReply(script: string, reply: unknown, what = 'the run status'): RunStatus {
  return oneOf(script, reply, RUN_STATUSES, what);
}

/** A reply `{ tag, ... }`: its tag, one of `tags`, and the values after it. */
export function taggedReply<T extends string>(script: string, reply: unknown, tags: readonly T[]): [T, unknown[]] {
  const values = arrayReply(script, reply);
  return [oneOf(script, values[0], tags, 'the reply\'s first value'), values.slice(1)];
}
