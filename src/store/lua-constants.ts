import { DEFAULT_QUEUE, ERROR_TASK, NO_ERROR_TASK } from '../graph/spec.js';
import { QUEUE_KEY_COUNT } from './keys.js';
import { NODE_STATUSES, RUN_STATUSES, type NodeStatus } from './records.js';

/**
 * The constants the Lua scripts share with TypeScript, from their one TypeScript source: script.ts
 * puts LUA_PRELUDE before every script, and scripts/lint-lua.mjs before what it lints, so a
 * misspelt name is an undefined global to luacheck rather than a string that never matches.
 */

/** The one-character code of each node status: the first field of a stored node state (node-state.ts). */
export const NODE_STATUS_CODES: Readonly<Record<NodeStatus, string>> = {
  pending: 'p',
  queued: 'q',
  delayed: 'd',
  running: 'r',
  succeeded: 's',
  failed: 'f',
  cancelled: 'c',
  skipped: 'k',
};

const luaString = (text: string): string => `'${text}'`;
const luaLocals = (prefix: string, values: readonly string[]): string =>
  `local ${values.map((value) => `${prefix}_${value.toUpperCase()}`).join(', ')} = ${values.map(luaString).join(', ')}`;
const luaTable = (entries: readonly (readonly [string, string])[]): string => `{ ${entries.map(([key, value]) => `${key} = ${luaString(value)}`).join(', ')} }`;

/**
 * NODE_<STATUS> and RUN_<STATUS> (the status names), DEFAULT_QUEUE, ERROR_TASK and NO_ERROR_TASK
 * (an onError's two nodes), QUEUE_KEY_COUNT, and the node status codes
 * both ways (NODE_STATUS_CODE by status, NODE_STATUS_BY_CODE by code). One line each.
 */
export const LUA_PRELUDE = [
  luaLocals('NODE', NODE_STATUSES),
  luaLocals('RUN', RUN_STATUSES),
  `local DEFAULT_QUEUE = ${luaString(DEFAULT_QUEUE)}`,
  `local ERROR_TASK, NO_ERROR_TASK = ${luaString(ERROR_TASK)}, ${luaString(NO_ERROR_TASK)}`,
  `local QUEUE_KEY_COUNT = ${QUEUE_KEY_COUNT}`,
  `local NODE_STATUS_CODE = ${luaTable(NODE_STATUSES.map((status) => [status, NODE_STATUS_CODES[status]]))}`,
  `local NODE_STATUS_BY_CODE = ${luaTable(NODE_STATUSES.map((status) => [NODE_STATUS_CODES[status], status]))}`,
  '',
].join('\n');
