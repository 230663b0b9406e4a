import { InvalidArgumentError } from 'commander';
import { RUN_CURSOR_PATTERN } from '../store/run-store.js';
import { CliError, EXIT } from './exit-codes.js';

/**
 * Check a Redis URL given on the command line or in REDIS_URL, naming where it came from:
 * ioredis would otherwise read a typo as a host name and retry it for a while.
 */
export function checkRedisUrl(url: string, source: string): string {
  let parsed: URL | null = null;
  try {
    // "host:port" parses as a URL of scheme "host:"; it is a missing scheme, not a wrong one.
    parsed = url.includes('://') ? new URL(url) : null;
  } catch {
    parsed = null;
  }
  if (!parsed) {
    // Echoed only when it cannot hold a password.
    const shown = url.includes('@') ? 'the value' : `"${url}"`;
    throw new CliError(`${source}: ${shown} is not a URL; expected redis://[[user]:password@]host[:port][/db] or rediss://... for TLS`, EXIT.usage);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new CliError(`${source}: ${parsed.protocol}// is not a Redis URL scheme; use redis:// or rediss:// (TLS)`, EXIT.usage);
  }
  if (!parsed.hostname) throw new CliError(`${source}: the URL names no host, e.g. redis://127.0.0.1:6379`, EXIT.usage);
  if (!/^(\/\d*)?$/.test(parsed.pathname)) {
    throw new CliError(`${source}: the URL's path must be a database number, e.g. redis://127.0.0.1:6379/0`, EXIT.usage);
  }
  return url;
}

/** commander parser for --cursor: only what a previous page printed. */
export function runCursor(value: string): string {
  if (!RUN_CURSOR_PATTERN.test(value)) throw new InvalidArgumentError('not a cursor printed by a previous `celeriac list` page');
  return value;
}

/** A word as POSIX sh reads it back unchanged, so that a printed command works pasted. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A command line from its words, each quoted only when it has to be. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellWord).join(' ');
}

export interface ListFilters {
  readonly redis?: string;
  readonly prefix?: string;
  readonly tlsCa?: string;
  readonly status?: string;
  readonly limit?: number;
}

/** The `celeriac list` command for the page after `cursor`, with every filter the first one was given. */
export function nextPageCommand(filters: ListFilters, limitGiven: boolean, cursor: string): string {
  const words = ['celeriac', 'list'];
  if (filters.redis !== undefined) words.push('--redis', filters.redis);
  if (filters.prefix !== undefined) words.push('--prefix', filters.prefix);
  if (filters.tlsCa !== undefined) words.push('--tls-ca', filters.tlsCa);
  if (filters.status !== undefined) words.push('--status', filters.status);
  if (limitGiven && filters.limit !== undefined) words.push('--limit', String(filters.limit));
  words.push('--cursor', cursor);
  return shellCommand(words);
}
