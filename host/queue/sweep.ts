// What a sweep is, whoever runs it: the points, the runner that turns one scenario into a
// result, and the one aggregation that both the local sweep and the queued sweep use, so
// their outcomes are identical whatever the order results arrive in.

import { createHash } from 'node:crypto';
import { ArgumentError } from '../errors.js';

/**
 * Runs one scenario to its result. Deterministic: the same scenario gives the same
 * result, bit for bit, on any machine and any number of times (what makes the queue's
 * at-least-once delivery harmless). The scenario and the result are JSON values. A bad
 * scenario rejects with an Error whose message says what is wrong.
 * The storm's worker-thread pool implements it.
 */
export interface PointRunner {
  run(scenario: unknown): Promise<unknown>;
}

/** One point of a sweep: its place, a key naming it (`backlog=16,personality=linux`) and its scenario. */
export interface SweepPoint {
  index: number;
  key: string;
  scenario: unknown;
}

/**
 * A point's error: one line, the same whether the point ran here or on a queue's worker
 * (where it is the job's failedReason): `CODE: message` when the error has a code.
 */
export interface PointError {
  message: string;
}

export type PointOutcome =
  | { index: number; key: string; ok: true; result: unknown }
  | { index: number; key: string; ok: false; error: PointError };

/** A sweep's outcome: every point in point order, and how many failed. */
export interface SweepOutcome {
  sweepId: string;
  points: PointOutcome[];
  failures: number;
}

export interface SweepProgress {
  done: number;
  failed: number;
  total: number;
  /** The point that just finished. */
  point: PointOutcome;
}

function canonical(value: unknown): string {
  return JSON.stringify(value);
}

/**
 * A sweep's id: a hash of its points (keys and scenarios, in order) and `salt` (the
 * runner's version, so a new kernel does not reuse an old one's results). The same sweep
 * submitted twice has the same id, so its jobs are not added twice.
 */
export function sweepIdOf(points: readonly SweepPoint[], salt = ''): string {
  const h = createHash('sha256').update(salt).update('\0');
  for (const p of points) h.update(canonical([p.index, p.key, p.scenario])).update('\n');
  return h.digest('hex').slice(0, 24);
}

/**
 * The job id of a point: the sweep id and a hash of the point's key (BullMQ ids may not
 * contain ':' nor be integers, and keys may hold anything).
 */
export function jobIdOf(sweepId: string, point: SweepPoint): string {
  return `${sweepId}-${point.index}-${createHash('sha256').update(point.key).digest('hex').slice(0, 12)}`;
}

/** Checks the points at the door: an array, indices 0..n-1 in order, string keys, unique keys. */
export function checkPoints(points: unknown): SweepPoint[] {
  if (!Array.isArray(points)) throw new ArgumentError('ERR_INVALID_ARG_TYPE', '"points" must be an array of { index, key, scenario }');
  const keys = new Set<string>();
  points.forEach((p: unknown, i) => {
    const q = p as SweepPoint;
    if (typeof p !== 'object' || p === null || q.index !== i || typeof q.key !== 'string' || !('scenario' in q)) {
      throw new ArgumentError('ERR_INVALID_ARG_VALUE', `"points[${i}]" must be { index: ${i}, key: string, scenario }`);
    }
    if (keys.has(q.key)) throw new ArgumentError('ERR_INVALID_ARG_VALUE', `"points[${i}].key" repeats ${JSON.stringify(q.key)}: keys must be unique`);
    keys.add(q.key);
  });
  return points as SweepPoint[];
}

/** An error as a job carries it (and as a local sweep reports it). */
export function pointError(err: unknown): PointError {
  if (!(err instanceof Error)) return { message: String(err) };
  const code = (err as { code?: unknown }).code;
  return { message: typeof code === 'string' && !err.message.startsWith(code) ? `${code}: ${err.message}` : err.message };
}

/** A result as the queue carries it: JSON text (`null` for undefined). */
export function resultText(result: unknown): string {
  return canonical(result) ?? 'null';
}

/**
 * Collects outcomes as they arrive, in any order, and assembles them in point order. The
 * first outcome of a point wins; a second (a job run twice) is ignored, which is harmless
 * because the runner is deterministic.
 */
export class SweepCollector {
  private readonly outcomes: (PointOutcome | undefined)[];
  private done = 0;
  private failed = 0;

  constructor(readonly sweepId: string, readonly points: readonly SweepPoint[],
    private readonly onProgress?: (p: SweepProgress) => void) {
    this.outcomes = new Array(points.length).fill(undefined);
  }

  get complete(): boolean { return this.done === this.points.length; }

  has(index: number): boolean { return this.outcomes[index] !== undefined; }

  /**
   * A result as JSON text (resultText), the form a job returns: a local result takes the
   * same path, so both sweeps hold the same value.
   */
  succeed(index: number, text: string): void {
    this.record({ index, key: this.points[index].key, ok: true, result: JSON.parse(text) });
  }

  fail(index: number, error: PointError): void {
    this.record({ index, key: this.points[index].key, ok: false, error });
  }

  private record(outcome: PointOutcome): void {
    if (this.outcomes[outcome.index] !== undefined) return;
    this.outcomes[outcome.index] = outcome;
    this.done++;
    if (!outcome.ok) this.failed++;
    this.onProgress?.({ done: this.done, failed: this.failed, total: this.points.length, point: outcome });
  }

  outcome(): SweepOutcome {
    if (!this.complete) throw new Error(`sweep ${this.sweepId} has ${this.points.length - this.done} points unfinished`);
    return { sweepId: this.sweepId, points: this.outcomes as PointOutcome[], failures: this.failed };
  }
}

/**
 * Runs every point in this process, in order: the reference a queued sweep must equal
 * (the storm's own local sweep runs its pool instead; its outcome is the same).
 */
export async function runLocalSweep(runner: PointRunner, points: readonly SweepPoint[],
  options: { salt?: string; onProgress?: (p: SweepProgress) => void } = {}): Promise<SweepOutcome> {
  const checked = checkPoints(points);
  const collector = new SweepCollector(sweepIdOf(checked, options.salt), checked, options.onProgress);
  for (const p of checked) {
    try { collector.succeed(p.index, resultText(await runner.run(p.scenario))); } catch (err) { collector.fail(p.index, pointError(err)); }
  }
  return collector.outcome();
}
