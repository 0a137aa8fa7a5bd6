// The link model (assembly/net/), hosts' uplinks included, against its plain-JavaScript
// reference model (tests/model/link.mjs): the same random calls go to both and every
// result and counter must match (fast-check model-based testing, STYLE.md 18). The kernel
// does not export the link module's own calls, so this test compiles
// assembly/net/index.ts on its own, in memory (scripts/net_module.mjs).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileNet, instantiateNet } from '../scripts/net_module.mjs';
import { LinkModel, COUNTERS, LOST, NONE_HELD, EINVAL } from './model/link.mjs';

let wasmModule;

before(async () => { wasmModule = await compileNet(); });

/** A fresh instance of the compiled link module. */
const instance = (seed) => instantiateNet(wasmModule, seed);

// Hosts 0..2 make pairs collide often (so queues fill and held packets pile up); 3 is rarer;
// -1 is the default link's id (and a bad host for a pair).
const host = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 2 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, 3) });
const probability = fc.oneof(fc.constantFrom(0, 1, 0.5, -0.1, 1.5, NaN), fc.double({ min: 0, max: 1, noNaN: true }));
const micros = fc.oneof(fc.constantFrom(0n, 3_600_000_001n, -1n), fc.bigInt({ min: 0n, max: 50_000n }));

const command = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('transmit'), src: host, dst: host, bytes: fc.oneof(fc.constant(0), fc.constantFrom(500, 1000, 1500), fc.integer({ min: 1, max: 3000 })), advance: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 2_000n })), token: fc.nat(1000) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('latency'), src: host, dst: host, latency: micros, jitter: micros }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('loss'), src: host, dst: host, p: probability }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('gemodel'), src: host, dst: host, p: probability, r: probability, h: probability, k: probability }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('rate'), src: host, dst: host, rate: fc.constantFrom(0n, 999n, 1000n, 64_000n, 8_000_000n, 10_000_000_000n), limit: fc.constantFrom(0n, 1500n, 3000n, 4000n, 1_500_000n) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('partition', 'heal'), src: host, dst: host, bothWays: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('hold', 'unset', 'remove'), src: host, dst: host }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('release'), src: host, dst: host }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('uplink'), host, rate: fc.constantFrom(0n, 999n, 1000n, 64_000n, 8_000_000n, 10_000_000_000n), limit: fc.constantFrom(0n, 1500n, 3000n, 4000n, 1_500_000n) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('lastDelivery'), src: host, dst: host }) },
);

/** Runs one command on both; returns the pair of results to compare. */
function step(m, w, c, now) {
  switch (c.op) {
    case 'transmit': return [m.transmit(c.src, c.dst, c.bytes, now, c.token), w.linkTransmit(c.src, c.dst, c.bytes, now, c.token)];
    case 'latency': return [m.setLatency(c.src, c.dst, c.latency, c.jitter), w.linkSetLatency(c.src, c.dst, c.latency, c.jitter)];
    case 'loss': return [m.setLoss(c.src, c.dst, c.p), w.linkSetLoss(c.src, c.dst, c.p)];
    case 'gemodel': return [m.setLossGE(c.src, c.dst, c.p, c.r, c.h, c.k), w.linkSetLossGE(c.src, c.dst, c.p, c.r, c.h, c.k)];
    case 'rate': return [m.setRate(c.src, c.dst, c.rate, c.limit), w.linkSetRate(c.src, c.dst, c.rate, c.limit)];
    case 'partition': return [m.partition(c.src, c.dst, c.bothWays), w.linkPartition(c.src, c.dst, c.bothWays)];
    case 'heal': return [m.heal(c.src, c.dst, c.bothWays), w.linkHeal(c.src, c.dst, c.bothWays)];
    case 'hold': return [m.hold(c.src, c.dst), w.linkHold(c.src, c.dst)];
    case 'unset': return [m.unset(c.src, c.dst), w.linkUnset(c.src, c.dst)];
    case 'remove': return [m.remove(c.src, c.dst), w.linkRemove(c.src, c.dst)];
    case 'uplink': return [m.setUplink(c.host, c.rate, c.limit), w.uplinkSet(c.host, c.rate, c.limit)];
    case 'lastDelivery': return [m.lastDelivery(c.src, c.dst), w.linkLastDelivery(c.src, c.dst)];
    case 'release': {
      // Release and drain at once, as the kernel will: every held packet's time and token.
      const drained = [[m.release(c.src, c.dst)], [w.linkRelease(c.src, c.dst)]];
      for (;;) {
        const a = m.releaseNext(c.src, c.dst, now), b = w.linkReleaseNext(c.src, c.dst, now);
        drained[0].push(a, m.releasedToken); drained[1].push(b, w.linkReleasedToken());
        if (a === NONE_HELD || a === -BigInt(EINVAL)) break;
      }
      return drained;
    }
  }
  throw new Error(`unknown command ${c.op}`);
}

function compareCounters(m, w) {
  for (const [src, dst] of [[-1, -1], [0, 1], [1, 0], [2, 3], [3, 0]]) {
    for (let i = 0; i < COUNTERS.length; i++) {
      assert.equal(w.linkCounter(src, dst, i), m.counter(src, dst, i), `${COUNTERS[i]} of ${src} -> ${dst}`);
    }
  }
  for (const h of [-1, 0, 1, 2, 3]) {
    for (let i = 0; i < COUNTERS.length; i++) assert.equal(w.uplinkCounter(h, i), m.uplinkCounter(h, i), `uplink ${COUNTERS[i]} of ${h}`);
  }
  assert.equal(w.linkRecords(), m.records(), 'link records');
}

test('the compiled link module and the reference model agree on every result of random calls', () => {
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.array(command, { minLength: 20, maxLength: 200 }), (seed, commands) => {
    const m = new LinkModel(seed), w = instance(seed);
    let now = 0n;
    for (const c of commands) {
      if (c.op === 'transmit') now += c.advance;
      const [expected, actual] = step(m, w, c, now);
      assert.deepEqual(actual, expected, `${JSON.stringify(c, (_, v) => typeof v === 'bigint' ? `${v}n` : v)} at ${now} us`);
    }
    compareCounters(m, w);
    assert.equal(w.linkCheck(), 0, 'the module\'s own invariants hold');
  }), { numRuns: 200 });
});

test('the same seed and calls repeat bit for bit; another seed loses other packets', () => {
  const run = (seed) => {
    const w = instance(seed);
    w.linkSetLoss(1, 2, 0.1);
    w.linkSetLatency(1, 2, 10_000n, 5_000n);
    const out = [];
    for (let i = 0n; i < 5000n; i++) out.push(w.linkTransmit(1, 2, 100, i * 50n, 0));
    return out;
  };
  const a = run(7), b = run(7), c = run(8);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.ok(a.some((t) => t === LOST) && a.some((t) => t > 0n), 'both losses and deliveries occur');
});

test('a 1 % Bernoulli loss over 100 000 packets is 1 % within 5 sigma in both', () => {
  const m = new LinkModel(11n), w = instance(11n);
  m.setLoss(4, 5, 0.01); w.linkSetLoss(4, 5, 0.01);
  for (let i = 0n; i < 100_000n; i++) { m.transmit(4, 5, 60, i, 0); w.linkTransmit(4, 5, 60, i, 0); }
  const lost = w.linkCounter(4, 5, COUNTERS.indexOf('lostPackets'));
  assert.equal(lost, m.counter(4, 5, COUNTERS.indexOf('lostPackets')));
  assert.ok(lost > 1000n - 157n && lost < 1000n + 157n, `lost ${lost}`);
});
