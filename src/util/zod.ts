import type { z } from 'zod';

/** One line naming the first problem zod found and where: `args[1]: expected number, received string`. */
export function describeZodError(error: z.ZodError, root: string): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const where = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return `${root}${where}: ${issue.message}${more}`;
}
