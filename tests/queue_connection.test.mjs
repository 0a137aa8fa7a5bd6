// The queue's connection: URLs checked at the door, the password never printed, TLS
// (rediss://) against a real TLS redis-server, and an unreachable Redis failing fast with
// a clear message and exit code instead of hanging.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  redactUrl, parseQueueUrl, enqueueSweep, runWorker, QueueConnectionError, CONNECT_TIMEOUT_MS,
} from '../build/host/queue/index.js';
import { expandStandinSweep, standinRunner } from '../build/host/queue/standin.js';
import { freePort, runBin, startRedis, startWorker } from './queue_redis.mjs';

// A password with characters a URL must escape; it must appear in no output.
const PASSWORD = 'p@ss:w/rd#Secret42';

describe('queue URL', () => {
  test('redactUrl masks the password, or a lone user name (the pre-ACL password form)', () => {
    assert.equal(redactUrl('redis://:hunter2@cache.example:6380/2'), 'redis://:***@cache.example:6380/2');
    assert.equal(redactUrl('rediss://alice:hunter2@10.0.0.5'), 'rediss://alice:***@10.0.0.5');
    assert.equal(redactUrl('redis://hunter2@host:1'), 'redis://***@host:1');
    assert.equal(redactUrl('redis://host:1'), 'redis://host:1');
    assert.equal(redactUrl('hunter2 not a url'), '<invalid URL>');
  });

  test('parseQueueUrl takes redis:// and rediss:// with user, password and db, and decodes escapes', () => {
    const u = parseQueueUrl(`rediss://bob:${encodeURIComponent(PASSWORD)}@127.0.0.1:7000/3`);
    assert.deepEqual({ tls: u.tls, host: u.host, port: u.port, db: u.db, username: u.username, password: u.password },
      { tls: true, host: '127.0.0.1', port: 7000, db: 3, username: 'bob', password: PASSWORD });
    assert.ok(!u.redacted.includes('Secret42'));
    const plain = parseQueueUrl('redis://[::1]');
    assert.deepEqual([plain.tls, plain.host, plain.port, plain.db, plain.password], [false, '::1', 6379, 0, undefined]);
  });

  test('a bad queue URL is an ERR_INVALID_ARG_* error naming "queue", without the password', () => {
    assert.throws(() => parseQueueUrl(42), { code: 'ERR_INVALID_ARG_TYPE', message: /"queue"/ });
    for (const bad of ['http://:hunter2@host', 'redis://:hunter2@host/x', 'hunter2', 'redis://:hunter2@/']) {
      assert.throws(() => parseQueueUrl(bad), (err) => err.code === 'ERR_INVALID_ARG_VALUE'
        && /"queue"/.test(err.message) && !err.message.includes('hunter2'));
    }
  });

  test('the command exits with code 2 naming --queue or the bad option', async () => {
    const badUrl = await runBin(['sweep', '--queue', 'http://:hunter2@host', '--sweep', 'backlog=1']);
    assert.equal(badUrl.code, 2);
    assert.match(badUrl.stderr, /"queue" must be a redis:\/\/ or rediss:\/\/ URL/);
    assert.ok(!badUrl.stderr.includes('hunter2'));
    const badConcurrency = await runBin(['worker', '--queue', 'redis://127.0.0.1:1', '--concurrency', 'two']);
    assert.equal(badConcurrency.code, 2);
    assert.match(badConcurrency.stderr, /--concurrency must be a positive integer/);
    const none = await runBin(['worker'], { env: { SOCKET_KERNEL_QUEUE: '' } });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /--queue is required: redis:\/\/\[:PASSWORD@\]HOST:PORT \(or set SOCKET_KERNEL_QUEUE\)/);
    const unknown = await runBin(['worker', '--queue', 'redis://127.0.0.1:1', '--bogus']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--bogus/);
  });
});

describe('Redis unreachable', () => {
  let url;
  before(async () => { url = `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${await freePort()}`; });

  test('enqueueSweep and runWorker reject at once with a QueueConnectionError naming the redacted URL', async () => {
    for (const attempt of [
      () => enqueueSweep(url, expandStandinSweep({}, ['backlog=1,2'])),
      () => runWorker(url, standinRunner),
    ]) {
      const started = performance.now();
      await assert.rejects(attempt(), (err) => {
        assert.ok(err instanceof QueueConnectionError);
        assert.equal(err.code, 'ERR_SOCKET_KERNEL_QUEUE_UNREACHABLE');
        assert.match(err.message, /^cannot reach the queue's Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: connect ECONNREFUSED/);
        assert.ok(!err.message.includes('Secret42') && !err.url.includes('Secret42'));
        return true;
      });
      assert.ok(performance.now() - started < CONNECT_TIMEOUT_MS, 'refused: no retry, no wait');
    }
  });

  test('the sweep and worker commands exit with code 1 and the reason within seconds', async () => {
    for (const args of [['sweep', '--queue', url, '--sweep', 'backlog=1,2'], ['worker', '--queue', url]]) {
      const r = await runBin(args, { timeoutMs: 15000 });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /cannot reach the queue's Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: connect ECONNREFUSED/);
      assert.ok(!(r.stdout + r.stderr).includes('Secret42'));
    }
  });

  test('a server that accepts but never answers is given up after the connect timeout', async () => {
    const { createServer } = await import('node:net');
    const sockets = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const started = performance.now();
      await assert.rejects(enqueueSweep(`redis://127.0.0.1:${silent.address().port}`, expandStandinSweep({}, [])),
        (err) => err instanceof QueueConnectionError && /cannot reach/.test(err.message));
      const ms = performance.now() - started;
      assert.ok(ms >= CONNECT_TIMEOUT_MS - 100 && ms < CONNECT_TIMEOUT_MS + 3000, `gave up after ${ms} ms`);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});

test('a Redis lost during a sweep fails it with a clear error after a few seconds of retries', async () => {
  const redis = await startRedis({ password: PASSWORD });
  try {
    // No worker: the sweep waits for its points until Redis goes away.
    const sweep = enqueueSweep(redis.url, expandStandinSweep({}, ['backlog=1,2']));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stopped = performance.now();
    await redis.stop();
    await assert.rejects(sweep, (err) => {
      assert.ok(err instanceof QueueConnectionError);
      assert.match(err.message, /^lost the queue's Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ and could not reconnect$/);
      return true;
    });
    const ms = performance.now() - stopped;
    assert.ok(ms > 2000 && ms < 12000, `gave up ${ms} ms after the loss`);
  } finally {
    await redis.stop();
  }
});

describe('a Redis with a password', () => {
  let redis;
  before(async () => { redis = await startRedis({ password: PASSWORD }); });
  after(async () => { await redis?.stop(); });

  test('no output of a whole sweep carries the password: workers, progress, table, JSON, failures, errors', async () => {
    const worker = await startWorker(redis.url);
    const outputs = [];
    try {
      // Once with --queue, once with the URL in $SOCKET_KERNEL_QUEUE (out of `ps`) and --json.
      for (const [extra, env] of [[['--queue', redis.url], {}], [['--json'], { SOCKET_KERNEL_QUEUE: redis.url }]]) {
        const r = await runBin(['sweep', '--sweep', 'backlog=1,2', '--sweep', 'personality=linux,bsd', ...extra], { env });
        assert.equal(r.code, 1, 'a failed point makes the exit code 1');
        assert.match(r.stdout, /bsd/);
        outputs.push(r.stdout, r.stderr);
      }
      const wrong = await runBin(['sweep', '--queue', redis.url.replace('Secret42', 'Wrong99'), '--sweep', 'backlog=1']);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /cannot reach the queue's Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: WRONGPASS/);
      outputs.push(wrong.stdout, wrong.stderr);
    } finally {
      await worker.stop();
    }
    outputs.push(worker.output());
    assert.match(worker.output(), /taking jobs from redis:\/\/:\*\*\*@127\.0\.0\.1:/);
    const all = outputs.join('\n');
    for (const secret of ['Secret42', 'Wrong99', encodeURIComponent(PASSWORD)]) assert.ok(!all.includes(secret), `${secret} printed`);
  });
});

describe('rediss:// (TLS)', () => {
  let redis;
  before(async () => { redis = await startRedis({ password: PASSWORD, tls: true }); });
  after(async () => { await redis?.stop(); });

  test('a sweep runs over TLS with a private CA given by NODE_EXTRA_CA_CERTS', async () => {
    const env = { NODE_EXTRA_CA_CERTS: redis.ca };
    assert.match(redis.url, /^rediss:/);
    const worker = await startWorker(redis.url, { env });
    try {
      const args = ['sweep', '--sweep', 'backlog=1,8', '--json'];
      const queued = await runBin([...args, '--queue', redis.url], { env });
      const local = await runBin([...args, '--local']);
      assert.equal(queued.code, 0, `${queued.stderr}\n${worker.output()}`);
      assert.equal(queued.stdout, local.stdout, `${queued.stderr}\n${worker.output()}`);
    } finally {
      await worker.stop();
    }
  });

  test('without the CA the certificate is refused, fast and clearly', async () => {
    const r = await runBin(['sweep', '--queue', redis.url, '--sweep', 'backlog=1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot reach the queue's Redis at rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+: .*(certificate|self.signed)/i);
    assert.match(r.stderr, /NODE_EXTRA_CA_CERTS/);
    assert.ok(!r.stderr.includes('Secret42'));
  });

  test('plain redis:// to the TLS port fails instead of hanging', async () => {
    const r = await runBin(['sweep', '--queue', redis.url.replace('rediss:', 'redis:'), '--sweep', 'backlog=1'], { timeoutMs: 15000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot reach the queue's Redis/);
  });
});
