// The commands the storm CLI calls: `storm --sweep ... --queue URL` (queueSweepCommand)
// and `worker --queue URL [--concurrency N]` (workerCommand). They print progress and
// messages on stderr, with the URL's password masked; results go back to the caller,
// which prints its table or --json as for a local sweep.

import { readFileSync } from 'node:fs';
import { ArgumentError } from '../errors.js';
import { QueueConnectionError, parseQueueUrl } from './connection.js';
import { enqueueSweep, runWorker, DEFAULT_QUEUE_NAME } from './queue.js';
import type { PointRunner, SweepOutcome, SweepPoint, SweepProgress } from './sweep.js';

interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * The environment variable a command reads the queue URL from when `--queue` is not
 * given: command-line arguments are visible to every user of the machine (`ps`), the
 * environment is not.
 */
export const QUEUE_ENV = 'SOCKET_KERNEL_QUEUE';

/** The queue URL: `--queue`, else $SOCKET_KERNEL_QUEUE; ArgumentError (exit 2) when neither. */
export function queueUrlFrom(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const url = option ?? env[QUEUE_ENV];
  if (url === undefined || url === '') {
    throw new ArgumentError('ERR_INVALID_ARG_VALUE', `--queue is required: redis://[:PASSWORD@]HOST:PORT (or set ${QUEUE_ENV})`);
  }
  return url;
}

/**
 * The default salt of a sweep id: `socket-kernel@VERSION`, from the package.json this
 * build ships in, so a new release never reuses results a previous one left in Redis.
 */
export function defaultSalt(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `socket-kernel@${pkg.version}`;
}

/** The exit code for an error a command threw: 2 for a bad option, 1 for the rest. */
export function exitCodeOf(err: unknown): 1 | 2 {
  return err instanceof ArgumentError || (err as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
}

/** `N/M points` on a TTY, rewritten in place; nothing elsewhere (as the storm's progress bar). */
function progressLine(stderr: Output): ((p: SweepProgress) => void) | undefined {
  if (!stderr.isTTY) return undefined;
  return (p) => {
    stderr.write(`\r${p.done}/${p.total} points${p.failed ? `, ${p.failed} failed` : ''}`);
    if (p.done === p.total) stderr.write('\n');
  };
}

export interface QueueSweepCommandOptions {
  /** `--queue`: redis://[:password@]host[:port][/db] or rediss://. */
  queue: string;
  /** The sweep's points, as the storm's `--sweep` expansion makes them. */
  points: SweepPoint[];
  /** Part of the sweep id: the runner's version (default defaultSalt()). */
  salt?: string;
  queueName?: string;
  signal?: AbortSignal;
  /** Progress and messages (default process.stderr). */
  stderr?: Output;
}

/**
 * Runs a sweep on the queue and returns its outcome (points in order, failures counted)
 * for the caller to print. Throws ArgumentError (exit 2) for a bad URL or points,
 * QueueConnectionError (exit 1) when Redis is unreachable: its message names the
 * redacted URL and the reason.
 */
export async function queueSweepCommand(options: QueueSweepCommandOptions): Promise<SweepOutcome> {
  const stderr = options.stderr ?? process.stderr;
  const where = parseQueueUrl(options.queue);
  if (stderr.isTTY) stderr.write(`sweep: ${options.points.length} points on ${where.redacted}\n`);
  return enqueueSweep(options.queue, options.points, {
    queueName: options.queueName, salt: options.salt ?? defaultSalt(), signal: options.signal, onProgress: progressLine(stderr),
  });
}

export interface WorkerCommandOptions {
  /** `--queue`. */
  queue: string;
  /** `--concurrency` (default 1): jobs at once, the size of the runner's pool. */
  concurrency?: number;
  /** The storm's pool. */
  runner: PointRunner;
  queueName?: string;
  lockDuration?: number;
  stalledInterval?: number;
  /** Stops the worker (the CLI aborts it on SIGINT/SIGTERM): running jobs finish first. */
  signal?: AbortSignal;
  stderr?: Output;
}

/**
 * Runs a worker until the signal aborts. Throws ArgumentError (exit 2) for a bad option
 * and QueueConnectionError (exit 1) when Redis is unreachable at start; later connection
 * errors are printed (redacted) while the worker reconnects.
 */
export async function workerCommand(options: WorkerCommandOptions): Promise<void> {
  const stderr = options.stderr ?? process.stderr;
  const where = parseQueueUrl(options.queue);
  const { signal } = options;
  const handle = await runWorker(options.queue, options.runner, {
    concurrency: options.concurrency, queueName: options.queueName,
    lockDuration: options.lockDuration, stalledInterval: options.stalledInterval,
    onError: (err: QueueConnectionError) => stderr.write(`worker: ${err.message}\n`),
  });
  stderr.write(`worker: taking jobs from ${where.redacted} (queue ${options.queueName ?? DEFAULT_QUEUE_NAME}, concurrency ${options.concurrency ?? 1})\n`);
  if (!signal) return new Promise<void>(() => {}); // runs until the process ends
  if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  stderr.write('worker: stopping after the running jobs\n');
  await handle.close();
}
