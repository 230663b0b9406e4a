import { runIdSchema } from '../app-options.js';
import { badRequest } from './http.js';

const NODE_ID = /^[A-Za-z0-9_.-]{1,128}$/;

export function runIdParam(value: string | undefined): string {
  // The app's own rule for run ids, so the page refuses exactly what the app would.
  if (value === undefined || !runIdSchema.safeParse(value).success) throw badRequest('run id', 'must be 1-128 letters, digits, "_" or "-"');
  return value;
}

export function nodeIdParam(value: string | undefined): string {
  if (value === undefined || !NODE_ID.test(value)) throw badRequest('node id', 'must be a node id of the run (e.g. "12")');
  return value;
}

/** A whole number query parameter within bounds, or its default when absent. */
export function intParam(url: URL, name: string, min: number, max: number, fallback: number): number {
  const text = url.searchParams.get(name);
  if (text === null || text === '') return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw badRequest(name, `must be a whole number from ${min} to ${max}`);
  return value;
}

/** A query parameter given once at most. */
export function stringParam(url: URL, name: string, maxLength = 200): string | undefined {
  const values = url.searchParams.getAll(name);
  if (values.length > 1) throw badRequest(name, 'give it once');
  const value = values[0];
  if (value === undefined || value === '') return undefined;
  if (value.length > maxLength) throw badRequest(name, `must be at most ${maxLength} characters`);
  return value;
}
