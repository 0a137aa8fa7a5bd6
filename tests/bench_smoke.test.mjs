// The benchmark cannot rot: its quick mode runs in npm test and must print sane figures.
// (Speed is measured by npm run bench, never asserted here.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

test('npm run bench -- --quick --json prints every figure', () => {
  const out = execFileSync(process.execPath, [new URL('../bench/index.mjs', import.meta.url).pathname, '--quick', '--json'], { encoding: 'utf8', timeout: 120_000 });
  const r = JSON.parse(out);
  for (const [name, m] of Object.entries(r.cycle)) assert.ok(m.median > 0 && Number.isFinite(m.median), `cycle rate for ${name}`);
  assert.ok(r.cycle['wasm batched (connectBatch/acceptBatch/closeBatch)'], 'the batched API is measured');
  assert.ok(r.cycle['plain JS model, blocking'], 'the plain JavaScript model is measured');
  if (process.platform === 'linux') assert.ok(r.cycle['real Linux kernel, loopback (C)'], `the real kernel is measured: ${r.notes ?? ''}`);
  assert.equal(r.scale.length, 2);
  assert.ok(r.memory.wasmBytesPerPair > 0 && r.memory.wasmBytesPerPair < 1024, `bytes per pair ${r.memory.wasmBytesPerPair}`);
  assert.ok(r.size.wasmBytes > 0 && r.size.wasmGzipBytes < r.size.wasmBytes);
  assert.deepEqual(r.http.map((h) => h.concurrency), [1, 16], 'node:http over k.net and over TCP is measured');
  for (const h of r.http) assert.ok(h.tcp.median > 0 && h.knet.median > 0, `http rates at concurrency ${h.concurrency}`);
  for (const [k, v] of Object.entries(r.ratios)) assert.ok(v === null || v > 0, `ratio ${k}`);
});

test('node bench/storm.mjs --quick --json prints the storm figures', () => {
  const out = execFileSync(process.execPath, [new URL('../bench/storm.mjs', import.meta.url).pathname, '--quick', '--json'], { encoding: 'utf8', timeout: 120_000 });
  const r = JSON.parse(out);
  assert.ok(r.burst.wallMs > 0 && r.burst.clientsPerWallSecond > 0 && r.burst.peakRssMiB > 0);
  assert.equal(r.burst.clients, 20_000);
  assert.equal(r.burst.mode, 'hosts'); assert.equal(r.loopback.mode, 'loopback');
  assert.ok(r.loopback.wallMs > 0 && r.hostsOverLoopback > 0);
  assert.equal(r.sweep.points, 8);
  assert.equal(r.sweep.identical, true);
  assert.ok(r.sweep.speedup > 0);
});

test('bench/network.mjs --quick --json: the storm over hosts and on one host accept every client; link and memory figures', () => {
  const out = execFileSync(process.execPath, [new URL('../bench/network.mjs', import.meta.url).pathname, '--quick', '--json'], { encoding: 'utf8', timeout: 120_000 });
  const r = JSON.parse(out);
  assert.equal(r.storm.hosts.accepted, r.storm.clients);
  assert.equal(r.storm.loopback.accepted, r.storm.clients);
  assert.ok(r.storm.ratio > 0);
  assert.ok(r.link.lost > 0 && r.link.lost < r.link.sent * 0.02, '1 % loss');
  assert.ok(r.memory.perHost > 0 && r.memory.perHost <= 4096);
});
