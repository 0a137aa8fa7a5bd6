// Sweeps on the job queue against a real Redis: the outcome over worker processes equals
// the local sweep bit for bit, whatever the order results arrive in; a bad scenario fails
// its point only; a worker killed mid-job loses nothing.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  enqueueSweep, runLocalSweep, runWorker, SweepCollector, sweepIdOf, jobIdOf, resultText, DEFAULT_QUEUE_NAME,
} from '../build/host/queue/index.js';
import { expandStandinSweep, standinRunner } from '../build/host/queue/standin.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLI, startRedis, startWorker } from './queue_redis.mjs';

// Every worker on a queue must use the same lock settings: BullMQ runs the stalled-job
// check at most once per stalledInterval for the whole queue (a key with that expiry),
// so one worker with the 30 s default would delay the others' recovery by up to 30 s.
const LOCK_MS = 2500;
const worker = () => startWorker(redis.url, { lockMs: LOCK_MS });

let redis;
before(async () => { redis = await startRedis(); });
after(async () => { await redis?.stop(); });

/** The jobs of a sweep as Redis holds them (state, who ran them, how often they stalled). */
async function jobsOf(url, points, salt) {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue(DEFAULT_QUEUE_NAME, { connection });
  try {
    const sweepId = sweepIdOf(points, salt);
    return await Promise.all(points.map(async (p) => {
      const job = await Job.fromId(queue, jobIdOf(sweepId, p));
      return { state: await job.getState(), processedBy: job.processedBy, stalledCounter: job.stalledCounter };
    }));
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

// 6 backlogs × 3 client counts × 2 personalities: 36 points whose results all differ.
const POINTS = expandStandinSweep({ seed: 7, linkDelay: 2 },
  ['backlog=0,1,2,4,8,16', 'clients=40,200,1000', 'personality=linux,freebsd']);

test('a sweep of 36 points over 2 worker processes equals the local sweep bit for bit', async () => {
  const local = await runLocalSweep(standinRunner, POINTS);
  assert.equal(new Set(local.points.map((p) => JSON.stringify(p.result))).size, POINTS.length, 'every point has its own result');
  const workers = await Promise.all([worker(), worker()]);
  try {
    const seen = [];
    const queued = await enqueueSweep(redis.url, POINTS, { onProgress: (p) => seen.push(p) });
    assert.equal(JSON.stringify(queued), JSON.stringify(local));
    assert.deepEqual(seen.map((p) => p.done), POINTS.map((_, i) => i + 1), 'progress once per point, as results arrive');
    assert.equal(seen.at(-1).total, POINTS.length);
    const jobs = await jobsOf(redis.url, POINTS);
    assert.ok(jobs.every((j) => j.state === 'completed'));
    assert.equal(new Set(jobs.map((j) => j.processedBy)).size, 2, 'both worker processes ran points');
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
  // With no worker left, the same sweep submitted again adds no job and reads the results kept.
  const again = await enqueueSweep(redis.url, POINTS);
  assert.equal(JSON.stringify(again), JSON.stringify(local));
});

test('a bad scenario fails its job with a clear error and the sweep reports it without stopping', async () => {
  const points = expandStandinSweep({ seed: 3 }, ['backlog=2,-1,4', 'personality=linux,bsd']);
  const local = await runLocalSweep(standinRunner, points);
  const w = await worker();
  try {
    const queued = await enqueueSweep(redis.url, points);
    assert.equal(JSON.stringify(queued), JSON.stringify(local));
    assert.equal(queued.failures, 4);
    assert.deepEqual(queued.points.filter((p) => p.ok).map((p) => p.key), ['backlog=2,personality=linux', 'backlog=4,personality=linux']);
    assert.deepEqual(queued.points[1].error,
      { message: 'ERR_INVALID_ARG_VALUE: "personality" must be one of linux, freebsd, posix. Received bsd' });
    assert.deepEqual(queued.points[2].error, { message: 'ERR_OUT_OF_RANGE: "backlog" must be >= 0 and <= 65535. Received -1' });
  } finally {
    await w.stop();
  }
});

test('a worker killed with SIGKILL mid-job loses nothing: its job runs again on another worker', async () => {
  // Points of ~0.1-0.3 s each; locks of 2.5 s so the killed worker's job is requeued in ~3-4 s.
  const points = expandStandinSweep({ seed: 11, clients: 3000 }, ['backlog=1,2,3,4,5,6,7,8,9,10,11,12']);
  const local = await runLocalSweep(standinRunner, points);
  const [victim, survivor] = await Promise.all([worker(), worker()]);
  try {
    let killed = false;
    const queued = await enqueueSweep(redis.url, points, {
      onProgress: () => {
        // A worker takes its next job in the same step that finishes one: after the first
        // result both workers hold a job, and the victim dies holding one.
        if (!killed) { killed = true; victim.child.kill('SIGKILL'); }
      },
    });
    assert.equal(victim.child.signalCode ?? (await new Promise((r) => victim.child.once('exit', (_, s) => r(s)))), 'SIGKILL');
    assert.equal(JSON.stringify(queued), JSON.stringify(local));
    const jobs = await jobsOf(redis.url, points);
    assert.ok(jobs.some((j) => j.stalledCounter > 0), 'a job held by the killed worker was recovered as stalled');
    assert.ok(jobs.every((j) => j.state === 'completed'));
  } finally {
    await Promise.all([victim.stop(), survivor.stop()]);
  }
});

test('a Redis restarted without persistence mid-sweep: the sweep adds its lost jobs again and completes', async () => {
  const points = expandStandinSweep({ seed: 5, clients: 500 }, ['backlog=1,2,3,4,5,6,7,8']);
  const local = await runLocalSweep(standinRunner, points);
  const w = await worker();
  let restarted;
  try {
    const queued = await enqueueSweep(redis.url, points, {
      onProgress: () => {
        // Every job and result is gone with the old server; workers and the sweep reconnect.
        restarted ??= redis.stop().then(() => startRedis({ port: redis.port })).then((r) => { redis = r; });
      },
    });
    await restarted;
    assert.equal(JSON.stringify(queued), JSON.stringify(local));
  } finally {
    await restarted;
    await w.stop();
  }
});

test('an aborted sweep stops waiting at once with an AbortError; its jobs stay for a resubmission', async () => {
  const points = expandStandinSweep({ seed: 9 }, ['backlog=1,2,3']);
  const stop = new AbortController();
  const sweep = enqueueSweep(redis.url, points, { signal: stop.signal, salt: 'aborted' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const aborted = performance.now();
  stop.abort();
  await assert.rejects(sweep, { name: 'AbortError' });
  assert.ok(performance.now() - aborted < 1000);
  const w = await worker();
  try {
    const again = await enqueueSweep(redis.url, points, { salt: 'aborted' });
    assert.equal(JSON.stringify(again), JSON.stringify(await runLocalSweep(standinRunner, points, { salt: 'aborted' })));
  } finally {
    await w.stop();
  }
});

test('options and points are checked at the door', async () => {
  await assert.rejects(enqueueSweep(redis.url, POINTS, { progress: () => {} }), { code: 'ERR_INVALID_ARG_VALUE', message: /unknown key "progress"/ });
  await assert.rejects(enqueueSweep(redis.url, [{ index: 1, key: 'a', scenario: {} }]), { code: 'ERR_INVALID_ARG_VALUE', message: /points\[0\]/ });
  await assert.rejects(enqueueSweep(redis.url, [POINTS[0], { ...POINTS[1], key: POINTS[0].key }]), { code: 'ERR_INVALID_ARG_VALUE', message: /repeats/ });
  await assert.rejects(runWorker(redis.url, standinRunner, { concurrency: 0 }), { code: 'ERR_OUT_OF_RANGE' });
  await assert.rejects(runWorker(redis.url, {}), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('the aggregate is the same whatever order results arrive in, and a point delivered twice counts once', () => {
  const points = POINTS.slice(0, 12);
  const results = points.map((p) => (p.index % 5 === 4 ? { message: `bad ${p.key}` } : resultText({ point: p.key, n: p.index })));
  const feed = (collector, order) => {
    for (const i of order) {
      const r = results[i];
      if (typeof r === 'string') collector.succeed(i, r); else collector.fail(i, r);
    }
    return JSON.stringify(collector.outcome());
  };
  const inOrder = feed(new SweepCollector('s', points), points.map((p) => p.index));
  fc.assert(fc.property(
    fc.shuffledSubarray(points.map((p) => p.index), { minLength: 12, maxLength: 12 }),
    fc.array(fc.nat(11), { maxLength: 12 }),
    (order, repeats) => {
      let done = 0;
      const collector = new SweepCollector('s', points, (p) => { done = p.done; });
      // Repeated deliveries (at-least-once) after the first are ignored.
      const out = feed(collector, [...order, ...repeats]);
      return out === inOrder && done === 12;
    }));
});

test('no kernel entry loads the queue: bullmq and ioredis are for the command only', async () => {
  const { readFile } = await import('node:fs/promises');
  // Every module the Node entry imports, followed through relative imports.
  const seen = new Set();
  const visit = async (url) => {
    if (seen.has(url.href)) return;
    seen.add(url.href);
    const text = await readFile(url, 'utf8');
    for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const spec = m[1] ?? m[2];
      assert.ok(!/bullmq|ioredis|\/queue\//.test(spec), `${url.pathname} imports ${spec}`);
      if (spec.startsWith('.')) await visit(new URL(spec, url));
    }
  };
  await visit(new URL('../build/host/index.js', import.meta.url));
  assert.ok(seen.size > 5, 'the scan followed the entry\'s imports');
  for (const bundle of ['browser.js', 'worker.js', 'inline.js']) {
    const text = await readFile(new URL(`../build/${bundle}`, import.meta.url), 'utf8');
    assert.ok(!/bullmq|ioredis/.test(text), `build/${bundle} holds the queue`);
  }
});

test('socket-kernel storm --sweep --queue over 2 socket-kernel worker processes prints the local sweep\'s JSON', async () => {
  // Its own Redis: these workers keep BullMQ's 30 s stalled-check interval (see LOCK_MS).
  const own = await startRedis();
  const workers = await Promise.all([1, 2].map(() => startWorker(own.url, { command: CLI, concurrency: 2 })));
  try {
    const run = promisify(execFile);
    const args = [CLI, 'storm', '--clients', '20', '--sweep', 'backlog=1,4,16', '--sweep', 'personality=linux,freebsd', '--json', '--quiet'];
    const [local, queued] = await Promise.all([run(process.execPath, args, { maxBuffer: 1 << 26 }),
      run(process.execPath, [...args, '--queue', own.url], { maxBuffer: 1 << 26 })]);
    assert.equal(JSON.parse(queued.stdout).sweep.length, 6);
    assert.equal(queued.stdout, local.stdout);
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await own.stop();
  }
});
