// Packets per second through the link model (assembly/net/, issue 12 part 1), side by
// side in one run so the ratios hold on a noisy shared machine.
//
//   node bench/net_link.mjs [--quick] [--json]
//
// The module is compiled on its own (-O3, no asserts, as the release kernel) because the
// kernel does not export it yet; each call crosses the JS -> wasm boundary with a BigInt
// time, which the kernel's own calls will not pay. "boundary" measures that crossing
// alone (a call that looks the pair up and returns a BigInt), so the link's own cost is
// roughly a task's time per packet minus the boundary's.
//
// Harness: tinybench; a task's iteration sends INNER packets.

import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { compileNet, instantiateNet } from '../scripts/net_module.mjs';

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const Q = opt.quick;
const INNER = Q ? 1000 : 20000;
const PAIRS = 1000;

const module = await compileNet({ optimize: true });

/** A fresh network with `setup` applied; returns the exports and a clock. */
function network(setup) {
  const w = instantiateNet(module, 1);
  setup(w);
  return { w, now: 0n };
}

const oneLink = (setup) => {
  const n = network(setup);
  return () => {
    let now = n.now;
    for (let i = 0; i < INNER; i++) { n.w.linkTransmit(1, 2, 1500, now, 0); now += 10n; }
    n.now = now;
  };
};

const tasks = {
  'boundary (lookup, no send)': (() => {
    const n = network((w) => w.linkSetLatency(1, 2, 1000n, 0n));
    return () => { for (let i = 0; i < INNER; i++) n.w.linkReleaseNext(1, 2, 0n); };
  })(),
  'latency 1 ms': oneLink((w) => w.linkSetLatency(1, 2, 1000n, 0n)),
  'latency 1 ms + 1 % loss': oneLink((w) => { w.linkSetLatency(1, 2, 1000n, 0n); w.linkSetLoss(1, 2, 0.01); }),
  'latency + jitter + 1 % loss': oneLink((w) => { w.linkSetLatency(1, 2, 40000n, 5000n); w.linkSetLoss(1, 2, 0.01); }),
  'gemodel loss': oneLink((w) => { w.linkSetLatency(1, 2, 1000n, 0n); w.linkSetLossGE(1, 2, 0.01, 0.25, 1, 0); }),
  'rate 10 Gbit/s + limit + 1 % loss': oneLink((w) => {
    w.linkSetLatency(1, 2, 1000n, 0n); w.linkSetLoss(1, 2, 0.01); w.linkSetRate(1, 2, 10_000_000_000n, 1_500_000n);
  }),
  'uplink 10 Gbit/s, then latency 1 ms + 1 % loss': oneLink((w) => {
    w.linkSetLatency(1, 2, 1000n, 0n); w.linkSetLoss(1, 2, 0.01); w.uplinkSet(1, 10_000_000_000n, 1_500_000n);
  }),
  [`${PAIRS} pairs round-robin, default link 1 ms + 1 % loss`]: (() => {
    const n = network((w) => { w.linkSetLatency(-1, -1, 1000n, 0n); w.linkSetLoss(-1, -1, 0.01); });
    return () => {
      let now = n.now;
      for (let i = 0; i < INNER; i++) { n.w.linkTransmit(1 + (i % PAIRS), 0, 1500, now, 0); now += 10n; }
      n.now = now;
    };
  })(),
};

const bench = new Bench({ time: Q ? 50 : 1000, warmupTime: Q ? 10 : 200, iterations: Q ? 3 : 10 });
for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
await bench.run();

const rows = bench.tasks.map((t) => {
  const r = t.result;
  if (r.state !== 'completed') throw new Error(`${t.name}: ${r.state} ${r.error ?? ''}`);
  return { task: t.name, packetsPerSec: INNER / (r.latency.p50 / 1000), nsPerPacket: (r.latency.p50 * 1e6) / INNER, rme: r.latency.rme };
});
const base = rows.find((r) => r.task.startsWith('latency 1 ms')).nsPerPacket;
for (const r of rows) r.vsLatencyOnly = r.nsPerPacket / base;

// Memory: 100 000 named pairs (each with its own parameters), bytes per pair including the table.
const mem = instantiateNet(module, 1);
const NAMED = Q ? 10000 : 100000;
for (let i = 1; i <= NAMED; i++) mem.linkSetLatency(i, 0, 1000n, 0n);
const bytesPerNamedPair = Number(mem.networkBytes()) / NAMED;

if (opt.json) {
  console.log(JSON.stringify({ inner: INNER, rows, bytesPerNamedPair, namedPairs: NAMED }, null, 2));
} else {
  console.log(`link model, ${INNER} packets of 1500 bytes per sample (median; ratio to "latency 1 ms")\n`);
  const w = Math.max(...rows.map((r) => r.task.length));
  for (const r of rows) {
    console.log(`${r.task.padEnd(w)}  ${(r.packetsPerSec / 1e6).toFixed(2).padStart(6)} M packets/s  ${r.nsPerPacket.toFixed(1).padStart(6)} ns/packet  ×${r.vsLatencyOnly.toFixed(2)}  ±${r.rme.toFixed(1)} %`);
  }
  console.log(`\nmemory: ${bytesPerNamedPair.toFixed(0)} bytes per named pair (${NAMED} pairs, table included)`);
}
