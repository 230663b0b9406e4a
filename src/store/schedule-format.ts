import { z } from 'zod';
import type { SubmissionPlan } from '../graph/plan.js';
import type { InputTemplate } from '../graph/template.js';
import type { ScheduleTiming, TickWindow } from '../schedule/ticks.js';

/**
 * The one owner of how a schedule is stored: the hash `{p}:schedule:<id>` (keys.ts). Its fields:
 *
 *   def        the definition as JSON (encodeScheduleDef): timing, window, overlap, catch-up
 *              window, jitter, the runs' name, and the canvas as its submission plan (the specs
 *              submit-run writes), so that firing needs no handler code and no canvas objects
 *   next       the next tick (ms since the epoch); absent when none is left
 *   paused     "1" while paused
 *   missed     ticks counted as missed (older than the catch-up window when looked at)
 *   skipped    ticks skipped by the overlap policy
 *   fires      the last 20 fires, newest first, as JSON [[tick, run id, at], ...] (claim-tick.lua)
 *   lastRun    the run id of the newest fire
 *   createdAt, updatedAt   ms
 *
 * Written by upsert-schedule, pause-schedule, claim-tick and delete-schedule; read here.
 */

/**
 * What a schedule does when a tick comes while the run of its previous fire still runs: skip the
 * tick (counted), allow a second run, bufferOne (the tick waits for the previous run; ticks that
 * come meanwhile are skipped), or cancelPrevious (cancel it, then fire).
 */
export type OverlapPolicy = 'skip' | 'allow' | 'bufferOne' | 'cancelPrevious';
export const OVERLAP_POLICIES: readonly OverlapPolicy[] = ['skip', 'allow', 'bufferOne', 'cancelPrevious'];

/** A submission plan as stored: everything but the promise of pending checks (settled at upsert). */
export type StoredPlan = Omit<SubmissionPlan, 'pendingChecks'>;

export interface ScheduleDef {
  readonly timing: ScheduleTiming;
  readonly window: TickWindow;
  readonly overlap: OverlapPolicy;
  readonly catchUpWindowMs: number;
  readonly jitterMs: number;
  /** The name of the runs it starts. */
  readonly runName: string;
  readonly plan: StoredPlan;
}

/** The definition's JSON, for the hash's `def`. */
export function encodeScheduleDef(def: ScheduleDef): string {
  const { pendingChecks: _settled, ...plan } = def.plan as SubmissionPlan;
  return JSON.stringify({ ...def, plan });
}

const timingSchema = z.union([
  z.object({ kind: z.literal('cron'), cron: z.string(), timezone: z.string() }),
  z.object({ kind: z.literal('every'), everyMs: z.number().int().positive(), anchorMs: z.number() }),
  z.object({ kind: z.literal('at'), atMs: z.number() }),
]);

const planSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.string(),
      specJson: z.string(),
      waiting: z.number().int(),
      queue: z.string(),
      priority: z.number(),
      countdownMs: z.number(),
      etaMs: z.number(),
    }),
  ),
  output: z.custom<InputTemplate>((value) => typeof value === 'object' && value !== null),
  outputJson: z.string(),
  rootQueues: z.array(z.string()),
  queues: z.array(z.string()),
});

const defSchema = z.object({
  timing: timingSchema,
  window: z.object({ startMs: z.number().optional(), endMs: z.number().optional() }),
  overlap: z.enum(['skip', 'allow', 'bufferOne', 'cancelPrevious']),
  catchUpWindowMs: z.number().int().nonnegative(),
  jitterMs: z.number().int().nonnegative(),
  runName: z.string(),
  plan: planSchema,
});

/** One fire: the tick, the run it started, and when it was claimed. */
export interface ScheduleFire {
  readonly tick: number;
  readonly runId: string;
  readonly at: number;
}

/** A schedule as stored, decoded. */
export interface StoredSchedule {
  readonly def: ScheduleDef;
  readonly next: number | null;
  readonly paused: boolean;
  readonly missed: number;
  readonly skipped: number;
  readonly fires: readonly ScheduleFire[];
  readonly lastRun: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

const firesSchema = z.array(z.tuple([z.number(), z.string(), z.number()]));

/** A schedule's hash (HGETALL), decoded; null when it has none. Throws on a malformed one. */
export function parseScheduleHash(id: string, fields: Readonly<Record<string, string>>): StoredSchedule | null {
  if (fields.def === undefined) return null;
  const parsed = defSchema.safeParse(JSON.parse(fields.def));
  if (!parsed.success) throw new Error(`schedule ${id}: its stored definition is malformed: ${parsed.error.message}`);
  const fires = fields.fires === undefined ? [] : firesSchema.parse(JSON.parse(fields.fires));
  return {
    def: parsed.data as ScheduleDef,
    next: fields.next === undefined ? null : Number(fields.next),
    paused: fields.paused === '1',
    missed: Number(fields.missed ?? 0),
    skipped: Number(fields.skipped ?? 0),
    fires: fires.map(([tick, runId, at]) => ({ tick, runId, at })),
    lastRun: fields.lastRun ?? null,
    createdAt: Number(fields.createdAt ?? 0),
    updatedAt: Number(fields.updatedAt ?? 0),
  };
}

/** A fire's member in the firing set, and back. Schedule ids hold no "|" (schedules.ts checks). */
export function firingMember(id: string, tick: number, runId: string): string {
  return `${id}|${tick}|${runId}`;
}

export function parseFiringMember(member: string): { id: string; tick: number; runId: string } | null {
  const [id, tick, runId] = member.split('|');
  if (!id || !tick || !runId) return null;
  return { id, tick: Number(tick), runId };
}
