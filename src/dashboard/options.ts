import { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import { describeZodError } from '../util/zod.js';

/** Options of `createDashboard()`. */
export interface DashboardOptions {
  /**
   * Turns the actions (resume, rerun, cancel, clearing dead letters) on: each request must then
   * carry `Authorization: Bearer <token>`. Without a token they are refused (403).
   */
  readonly token?: string;
  /** Where the dashboard is mounted, e.g. '/celeriac'. Default '/'. */
  readonly basePath?: string;
  /** Show nodes' args and results in the node panel. Default false: values can hold personal data. */
  readonly showValues?: boolean;
  /**
   * Origins (e.g. 'https://ops.example.com') besides the dashboard's own from which an action
   * may be sent: a reverse proxy that rewrites Host needs its public origin here.
   */
  readonly allowedOrigins?: readonly string[];
}

/** The checked, defaulted options the dashboard's modules trust. */
export interface DashboardSettings {
  readonly token: string | null;
  /** Starts and ends with '/'. */
  readonly basePath: string;
  readonly showValues: boolean;
  readonly allowedOrigins: ReadonlySet<string>;
}

const originSchema = z
  .string()
  .refine((value) => {
    try {
      return new URL(value).origin === value;
    } catch {
      return false;
    }
  }, 'must be an origin: scheme, host and port only, without a trailing slash (https://ops.example.com)');

const optionsSchema = z
  .object({
    // Short tokens can be guessed: ask for at least 16 characters.
    token: z.string().min(16, 'must be at least 16 characters').regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces').optional(),
    basePath: z
      .string()
      .regex(/^\/([A-Za-z0-9._~-]+\/?)*$/, 'must be a path such as "/" or "/celeriac" (letters, digits, ".", "_", "~", "-")')
      .refine((value) => !value.split('/').some((part) => part === '.' || part === '..'), 'must not contain "." or ".." segments')
      .default('/'),
    showValues: z.boolean().default(false),
    allowedOrigins: z.array(originSchema).default([]),
  })
  .strict();

export function parseDashboardOptions(options: DashboardOptions | undefined): DashboardSettings {
  const parsed = optionsSchema.safeParse(options ?? {});
  if (!parsed.success) throw new ConfigError('createDashboard()', describeZodError(parsed.error, 'options'));
  const { token, basePath, showValues, allowedOrigins } = parsed.data;
  return {
    token: token ?? null,
    basePath: basePath.endsWith('/') ? basePath : `${basePath}/`,
    showValues,
    allowedOrigins: new Set(allowedOrigins),
  };
}
