// Sweeps on the job queue (BullMQ on a local redis-server) beside the same sweep run in
// this process: throughput with 1 and 2 worker processes, and the queue's cost per job.
//
//   node bench/queue.mjs [--quick] [--json] [--repeat N]
//
// Needs redis-server (Debian's; started here on a free 127.0.0.1 port, stopped at the end).
// Every run uses a fresh sweep id (a new salt), so no result is reused from Redis; the
// "resubmitted" row is the same sweep again, every result read back from Redis.
// "typical" points are small real storms (a listener, 200 or 1000 clients across a 1 ms
// link, 5 simulated seconds); "tiny" points (1 client, 1 simulated ms) cost the runner
// almost nothing, so their time per point is the queue's own overhead.

import { parseArgs } from 'node:util';
import { cpus, loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { enqueueSweep, runLocalSweep } from '../build/host/queue/index.js';
import { expandStandinSweep, standinRunner } from '../build/host/queue/standin.js';
import { startRedis, startWorker } from '../tests/queue_redis.mjs';

const { values: opt } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, repeat: { type: 'string' } },
});
const REPEAT = Number(opt.repeat ?? (opt.quick ? 1 : 3));
const seeds = (n) => Array.from({ length: n }, (_, i) => i + 1).join(',');
const SETS = {
  typical: expandStandinSweep({ linkDelay: 1 }, ['backlog=8,64', `clients=200,1000`, `seed=${seeds(opt.quick ? 2 : 16)}`]),
  tiny: expandStandinSweep({ clients: 1, backlog: 1, durationMs: 1 }, [`seed=${seeds(opt.quick ? 16 : 200)}`]),
};

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
let salt = 0;

/** Median wall ms of `REPEAT` runs of fn(freshSalt). */
async function time(fn) {
  const ms = [];
  for (let i = 0; i < REPEAT; i++) {
    const s = `bench-${process.pid}-${salt++}`;
    const t = performance.now();
    await fn(s);
    ms.push(performance.now() - t);
  }
  return median(ms);
}

/** Median ms of one PING round trip to Redis: what every queue step pays at least once. */
async function pingMs(url) {
  const client = new Redis(url);
  try {
    const ms = [];
    for (let i = 0; i < 200; i++) { const t = performance.now(); await client.ping(); ms.push(performance.now() - t); }
    return median(ms);
  } finally { client.disconnect(); }
}

const loadBefore = loadavg()[0];
const redis = await startRedis();
const rows = [];
let pingRoundTripMs;
const add = (set, mode, workers, concurrency, ms) => rows.push({ set, mode, workers, concurrency, points: SETS[set].length, ms, pointsPerSec: SETS[set].length / (ms / 1000) });
try {
  pingRoundTripMs = await pingMs(redis.url);
  await runLocalSweep(standinRunner, SETS.tiny.slice(0, 4)); // compile the kernel module once
  for (const set of Object.keys(SETS)) add(set, 'local, in process', 0, 0, await time(() => runLocalSweep(standinRunner, SETS[set])));
  // Worker processes × jobs each runs at once (--concurrency): with more than one, a
  // worker runs a point while another waits for Redis, as the storm's pool will.
  for (const [n, concurrency] of [[1, 1], [2, 1], [1, 4], [2, 4]]) {
    const workers = await Promise.all(Array.from({ length: n }, () => startWorker(redis.url, { concurrency })));
    try {
      await enqueueSweep(redis.url, SETS.tiny.slice(0, 8), { salt: 'warm-up' }); // workers compile their module
      for (const set of Object.keys(SETS)) {
        add(set, 'queue', n, concurrency, await time((s) => enqueueSweep(redis.url, SETS[set], { salt: s })));
      }
      if (n === 2 && concurrency === 1) {
        await enqueueSweep(redis.url, SETS.typical, { salt: 'resubmit' });
        add('typical', 'queue, resubmitted', n, concurrency, await time(() => enqueueSweep(redis.url, SETS.typical, { salt: 'resubmit' })));
      }
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  }
} finally {
  await redis.stop();
}

const find = (set, mode, workers, concurrency = 1) => rows.find((r) => r.set === set && r.mode === mode && r.workers === workers && (workers === 0 || r.concurrency === concurrency));
const local = (set) => find(set, 'local, in process', 0);
for (const r of rows) r.vsLocal = local(r.set).ms / r.ms;
const overheadMs = (find('tiny', 'queue', 1).ms - local('tiny').ms) / SETS.tiny.length;
const summary = {
  // A shared machine: the load average says how much of the 2 cores this run had.
  machine: { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? '?', loadavg1: [loadBefore, loadavg()[0]] },
  pingRoundTripMs,
  repeat: REPEAT, rows,
  perJobOverheadMs: overheadMs,
  localTinyPointMs: local('tiny').ms / SETS.tiny.length,
  speedup2over1: find('typical', 'queue', 1).ms / find('typical', 'queue', 2).ms,
  perJobOverheadConcurrency4Ms: (find('tiny', 'queue', 1, 4).ms - local('tiny').ms) / SETS.tiny.length,
};

if (opt.json) {
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
} else {
  console.log(`queue sweeps (${summary.machine.cpus} × ${summary.machine.cpu}, Node ${process.version}, median of ${REPEAT}; load average ${summary.machine.loadavg1.map((l) => l.toFixed(1)).join(' → ')}; Redis PING round trip ${pingRoundTripMs.toFixed(2)} ms)`);
  console.log(`${'points'.padEnd(8)} ${'mode'.padEnd(20)} ${'workers'.padStart(7)} ${'conc.'.padStart(5)} ${'n'.padStart(5)} ${'wall ms'.padStart(9)} ${'points/s'.padStart(9)} ${'vs local'.padStart(9)}`);
  for (const r of rows) {
    console.log(`${r.set.padEnd(8)} ${r.mode.padEnd(20)} ${String(r.workers || '-').padStart(7)} ${String(r.concurrency || '-').padStart(5)} ${String(r.points).padStart(5)} ${r.ms.toFixed(0).padStart(9)} ${r.pointsPerSec.toFixed(1).padStart(9)} ${`${r.vsLocal.toFixed(2)}×`.padStart(9)}`);
  }
  console.log(`per-job overhead of the queue (tiny points, 1 worker, minus the local run): ${overheadMs.toFixed(2)} ms/job at concurrency 1, ${summary.perJobOverheadConcurrency4Ms.toFixed(2)} ms/job at concurrency 4 (a tiny point alone: ${summary.localTinyPointMs.toFixed(2)} ms)`);
  console.log(`2 worker processes over 1 (typical points): ${summary.speedup2over1.toFixed(2)}×`);
}
