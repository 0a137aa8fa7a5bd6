// Sweeps on a BullMQ job queue (Redis): one job per point, run by workers on any number
// of machines, aggregated by the submitter exactly as a local sweep is (sweep.ts).
//
// Delivery is at least once: a worker killed mid-job loses its lock, another worker's
// stalled-job check puts the job back in the queue and it runs again. Points are
// deterministic, so a point run twice gives the same result and the first one kept wins.

import { hostname } from 'node:os';
import { Job, Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { ArgumentError, checkInt } from '../errors.js';
import {
  QueueConnectionError, parseQueueUrl, probe, redactText, redisOptions, type QueueUrl,
} from './connection.js';
import {
  SweepCollector, checkPoints, jobIdOf, pointError, resultText, sweepIdOf,
  type PointRunner, type SweepOutcome, type SweepPoint, type SweepProgress,
} from './sweep.js';

/** The BullMQ queue sweeps use unless told otherwise (workers and sweeps must agree). */
export const DEFAULT_QUEUE_NAME = 'socket-kernel-storm';
/** BullMQ's key prefix (its default). */
const PREFIX = 'bull';
/** How long finished jobs (results and failures) stay in Redis: a resubmitted sweep reuses them. */
const KEEP_FINISHED_S = 24 * 3600;
/** Jobs added per round trip. */
const ADD_CHUNK = 500;
/**
 * With no event for this long, the sweep asks Redis for its unfinished jobs' states; the
 * wait doubles (up to RECONCILE_MAX_IDLE_MS) while nothing new turns up, so long points
 * cost Redis little, and drops back at the next result.
 */
const RECONCILE_IDLE_MS = 2000;
const RECONCILE_MAX_IDLE_MS = 30000;

/** What a job carries: the point and the sweep it belongs to. */
interface PointJobData {
  sweepId: string;
  index: number;
  key: string;
  scenario: unknown;
}

export interface EnqueueOptions {
  onProgress?: (progress: SweepProgress) => void;
  signal?: AbortSignal;
  /** The BullMQ queue's name (default DEFAULT_QUEUE_NAME). */
  queueName?: string;
  /**
   * Part of the sweep id: the runner's version (the storm passes its package version),
   * so results computed by another kernel are never reused.
   */
  salt?: string;
}

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  if (reason instanceof Error) return reason;
  return Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
}

function checkQueueName(name: unknown): string {
  if (name === undefined) return DEFAULT_QUEUE_NAME;
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
    throw new ArgumentError('ERR_INVALID_ARG_VALUE', `"queueName" must be 1-64 letters, digits, '_', '.' or '-'. Received ${String(name)}`);
  }
  return name;
}

/** Rejects option keys this function does not know (STYLE 12: check options at the door). */
function checkKeys(what: string, options: object, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null) throw new ArgumentError('ERR_INVALID_ARG_TYPE', `"${what}" must be an object`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new ArgumentError('ERR_INVALID_ARG_VALUE', `"${what}" has an unknown key "${key}"`);
  }
}

/** An error from Redis or BullMQ, with the URL's secrets masked. */
function connectionError(url: QueueUrl, err: unknown): QueueConnectionError {
  const reason = err instanceof Error ? err.message : String(err);
  return new QueueConnectionError(url.redacted, redactText(`the queue's Redis at ${url.redacted} failed: ${reason}`, url));
}

/**
 * Enqueues one job per point (job id from the sweep id and the point, so submitting the
 * same sweep again adds nothing and reuses finished results), reports progress as results
 * arrive, and resolves with every point's outcome in point order: the same SweepOutcome
 * as runLocalSweep, whatever the number of workers or the order of arrival. A point whose
 * job fails (a bad scenario) is reported in `failures` without stopping the sweep.
 * Rejects with QueueConnectionError when Redis cannot be reached (within seconds) or is
 * lost for good, and with the signal's reason when aborted; jobs already queued stay and
 * still run, and a resubmission picks up their results.
 */
export async function enqueueSweep(url: string, points: readonly SweepPoint[],
  options: EnqueueOptions = {}): Promise<SweepOutcome> {
  const where = parseQueueUrl(url);
  checkKeys('options', options, ['onProgress', 'signal', 'queueName', 'salt']);
  const checked = checkPoints(points);
  const name = checkQueueName(options.queueName);
  const { signal } = options;
  signal?.throwIfAborted();
  await probe(where);

  const sweepId = sweepIdOf(checked, options.salt);
  const collector = new SweepCollector(sweepId, checked, options.onProgress);
  const jobIds = checked.map((p) => jobIdOf(sweepId, p));
  const indexOf = new Map(jobIds.map((id, i) => [id, i]));

  const client = new Redis(redisOptions(where, 'client'));
  const eventsClient = client.duplicate();
  let fail!: (err: Error) => void;
  let finish!: () => void;
  const settled = new Promise<void>((resolve, reject) => { finish = resolve; fail = reject; });
  settled.catch(() => {}); // observed below; a late second failure must not go unhandled
  const onLost = () => fail(new QueueConnectionError(where.redacted,
    `lost the queue's Redis at ${where.redacted} and could not reconnect`));
  for (const c of [client, eventsClient]) {
    c.on('error', () => {}); // each failure is retried; 'end' says when retries are over
    c.on('end', onLost);
  }
  const onAbort = () => fail(abortError(signal!));
  signal?.addEventListener('abort', onAbort, { once: true });

  const queue = new Queue<PointJobData>(name, { connection: client, prefix: PREFIX });
  // Errors while the clients reconnect are expected; 'end' (retries exhausted) fails the sweep.
  queue.on('error', () => {});
  let events: QueueEvents | undefined;
  let lastEvent = Date.now();
  let idleMs = RECONCILE_IDLE_MS;
  const check = () => { if (collector.complete) finish(); };
  try {
    await ready(client);
    // Read the event stream from just before the jobs are added, so no result is missed.
    const last = await client.xrevrange(`${PREFIX}:${name}:events`, '+', '-', 'COUNT', 1);
    events = new QueueEvents(name, {
      connection: eventsClient, prefix: PREFIX, lastEventId: last.length ? last[0][0] : '0-0',
    });
    events.on('error', () => {});
    events.on('completed', ({ jobId, returnvalue }) => {
      const i = indexOf.get(jobId);
      if (i === undefined) return;
      lastEvent = Date.now();
      idleMs = RECONCILE_IDLE_MS;
      collector.succeed(i, returnvalue as unknown as string);
      check();
    });
    events.on('failed', ({ jobId, failedReason }) => {
      const i = indexOf.get(jobId);
      if (i === undefined) return;
      lastEvent = Date.now();
      idleMs = RECONCILE_IDLE_MS;
      collector.fail(i, { message: failedReason });
      check();
    });

    await addJobs(queue, sweepId, checked, jobIds, signal);
    // Jobs that already existed (a resubmitted sweep): take the finished results, and
    // run failed ones again (resubmitting is how a user retries).
    await reconcile(queue, jobIds, collector, true);
    check();
    const timer = setInterval(() => {
      if (Date.now() - lastEvent < idleMs) return;
      lastEvent = Date.now();
      idleMs = Math.min(idleMs * 2, RECONCILE_MAX_IDLE_MS);
      // A failure here is a lost connection: the next idle period tries again, and the
      // client's 'end' fails the sweep once its retries are over.
      reconcile(queue, jobIds, collector, false)
        .then((missing) => addJobs(queue, sweepId, missing.map((i) => checked[i]), jobIds, signal))
        .then(check, () => {});
    }, 500);
    try { await settled; } finally { clearInterval(timer); }
    return collector.outcome();
  } catch (err) {
    if (err instanceof QueueConnectionError || (signal?.aborted && err === signal.reason)) throw err;
    if (err instanceof Error && err.name === 'AbortError') throw err;
    throw connectionError(where, err);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    for (const c of [client, eventsClient]) c.off('end', onLost);
    await events?.close().catch(() => {});
    await queue.close().catch(() => {});
    client.disconnect();
    eventsClient.disconnect();
  }
}

/** Resolves once the client is connected (commands fail while it is not: no offline queue). */
async function ready(client: Redis): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve);
    client.once('end', () => reject(new Error('connection closed')));
  });
}

/** Adds one job per point (a job whose id exists is left as it is). */
async function addJobs(queue: Queue<PointJobData>, sweepId: string, points: readonly SweepPoint[],
  jobIds: readonly string[], signal: AbortSignal | undefined): Promise<void> {
  for (let at = 0; at < points.length; at += ADD_CHUNK) {
    signal?.throwIfAborted();
    await queue.addBulk(points.slice(at, at + ADD_CHUNK).map((p) => ({
      name: 'point',
      data: { sweepId, index: p.index, key: p.key, scenario: p.scenario },
      opts: {
        jobId: jobIds[p.index],
        // A bad scenario fails the same way every time: one attempt. A crashed worker's
        // job is not an attempt: the stalled-job check requeues it.
        attempts: 1,
        removeOnComplete: { age: KEEP_FINISHED_S },
        removeOnFail: { age: KEEP_FINISHED_S },
      },
    })));
  }
}

/**
 * Reads the states of the points not yet finished (O(unfinished) round trips, in
 * parallel) and records the finished ones; returns the indices of points whose job no
 * longer exists (a Redis restarted without persistence), for the caller to add again.
 */
async function reconcile(queue: Queue<PointJobData>, jobIds: string[], collector: SweepCollector,
  retryFailed: boolean): Promise<number[]> {
  const open = jobIds.map((id, i) => [id, i] as const).filter(([, i]) => !collector.has(i));
  const missing: number[] = [];
  await Promise.all(open.map(async ([id, i]) => {
    // The state first, then the job: BullMQ writes a job's return value and moves it to
    // 'completed' in one script, so a job read after its state is 'completed' has its
    // value. Read the other way round, a job that completes between the two reads is
    // 'completed' with the null return value of the earlier read (seen under load).
    const state = await queue.getJobState(id);
    if (state === 'unknown') { missing.push(i); return; }
    if (state !== 'completed' && state !== 'failed') return;
    const job = await Job.fromId<PointJobData, string>(queue, id);
    if (!job) { missing.push(i); return; }
    if (state === 'completed') {
      if (typeof job.returnvalue === 'string') collector.succeed(i, job.returnvalue);
    } else if (retryFailed) await job.retry('failed');
    else collector.fail(i, { message: job.failedReason });
  }));
  return missing.sort((a, b) => a - b);
}

export interface WorkerOptions {
  /** Jobs run at once by this worker (default 1): the runner's pool size is the useful value. */
  concurrency?: number;
  queueName?: string;
  /**
   * How long a job's lock lasts without renewal (ms, default 30000, BullMQ's): a killed
   * worker's job is requeued between lockDuration and lockDuration + stalledInterval later.
   * The lock is renewed every lockDuration / 2 while the job runs.
   */
  lockDuration?: number;
  /** How often this worker looks for stalled jobs (ms, default 30000, BullMQ's). */
  stalledInterval?: number;
  /** Stored on each job this worker runs (`processedBy`); default `HOSTNAME:PID`. */
  name?: string;
  /** Errors from Redis or BullMQ while running, secrets masked (default: none). */
  onError?: (err: QueueConnectionError) => void;
  /** Each job this worker finished. */
  onJob?: (job: { index: number; key: string; ok: boolean }) => void;
}

export interface WorkerHandle {
  /** Stops taking jobs, waits for the running ones, and disconnects. */
  close(): Promise<void>;
}

/**
 * Processes the queue's jobs with `runner` until closed. Fails fast with a
 * QueueConnectionError when Redis is unreachable at start; afterwards it reconnects on
 * its own (reporting through onError) as a long-running worker should.
 */
export async function runWorker(url: string, runner: PointRunner, options: WorkerOptions = {}): Promise<WorkerHandle> {
  const where = parseQueueUrl(url);
  checkKeys('options', options, ['concurrency', 'queueName', 'lockDuration', 'stalledInterval', 'name', 'onError', 'onJob']);
  if (typeof runner?.run !== 'function') throw new ArgumentError('ERR_INVALID_ARG_TYPE', '"runner" must have a run(scenario) method');
  const concurrency = checkInt('concurrency', options.concurrency ?? 1, 1, 1024);
  const lockDuration = checkInt('lockDuration', options.lockDuration ?? 30000, 100, 3600000);
  const stalledInterval = checkInt('stalledInterval', options.stalledInterval ?? 30000, 100, 3600000);
  const name = checkQueueName(options.queueName);
  await probe(where);

  const connection = new Redis(redisOptions(where, 'worker'));
  connection.on('error', () => {}); // reported once through the worker's 'error' below
  const worker = new Worker<PointJobData, string>(name, async (job) => {
    try {
      return resultText(await runner.run(job.data.scenario));
    } catch (err) {
      // The job's failedReason: the same line a local sweep reports.
      throw new Error(pointError(err).message);
    }
  }, {
    connection, prefix: PREFIX, concurrency, lockDuration, stalledInterval,
    name: options.name ?? `${hostname()}:${process.pid}`,
    // A job whose worker died is requeued up to 3 times before it is failed.
    maxStalledCount: 3,
  });
  worker.on('error', (err) => options.onError?.(connectionError(where, err)));
  if (options.onJob) {
    const report = options.onJob;
    worker.on('completed', (job) => report({ index: job.data.index, key: job.data.key, ok: true }));
    worker.on('failed', (job) => { if (job) report({ index: job.data.index, key: job.data.key, ok: false }); });
  }
  await worker.waitUntilReady();
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= worker.close().finally(() => connection.disconnect());
      return closing;
    },
  };
}
