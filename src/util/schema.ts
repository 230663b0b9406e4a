import type { StandardSchemaV1 } from '@standard-schema/spec';

/**
 * Standard Schema v1 (https://standardschema.dev), the interface zod 3.24+, zod 4, valibot and
 * arktype implement: task schemas go through it alone, so users bring any of them.
 */
export type AnySchema = StandardSchemaV1;

export type ValidationResult = StandardSchemaV1.Result<unknown>;

/** True for anything implementing Standard Schema v1 (a `~standard` object of version 1 with `validate`). */
export function isStandardSchema(value: unknown): value is AnySchema {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props: unknown = (value as { '~standard'?: unknown })['~standard'];
  if (typeof props !== 'object' || props === null) return false;
  const { version, validate } = props as { version?: unknown; validate?: unknown };
  return version === 1 && typeof validate === 'function';
}

/** Validate with a schema; the result is a promise only when the library validated asynchronously. */
export function validate(schema: AnySchema, value: unknown): ValidationResult | Promise<ValidationResult> {
  return schema['~standard'].validate(value);
}

function segmentKey(segment: PropertyKey | StandardSchemaV1.PathSegment): PropertyKey {
  return typeof segment === 'object' ? segment.key : segment;
}

/** An issue's path as keys (libraries may give a key or a `{ key }` segment). */
export function issuePath(issue: StandardSchemaV1.Issue): PropertyKey[] {
  return (issue.path ?? []).map(segmentKey);
}

/** One line naming the first issue and where: `args[1]: expected number, received string`. */
export function describeIssues(issues: readonly StandardSchemaV1.Issue[], root: string): string {
  const issue = issues[0];
  if (!issue) return 'invalid';
  const where = issuePath(issue)
    .map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`))
    .join('');
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `${root}${where}: ${issue.message}${more}`;
}
