// Two builds of the storm (kernel .wasm and host engine together) side by side in one
// process, for a change to either: rounds alternate A B, then B A, so the machine's
// noise falls on both alike. Prints each run's process CPU time (process.cpuUsage: on a
// shared machine wall time mostly measures the other work), the medians, B's speed
// relative to A, the load average, and whether both builds gave the same result (the
// storm is deterministic: a change that only makes it faster leaves the JSON as it was).
//
//   node bench/storm_ab.mjs A_BUILD_DIR [B_BUILD_DIR] [--clients N] [--sources H]
//                           [--network hosts|loopback] [--rounds R] [--json]
//
// A build directory is a copy of build/ (its kernel.wasm and host/); B is build/ by
// default. Example: cp -r build /tmp/before; (change, rebuild); node bench/storm_ab.mjs /tmp/before
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opt, positionals: dirs } = parseArgs({
  allowPositionals: true,
  options: {
    clients: { type: 'string', default: '200000' }, sources: { type: 'string', default: '0' },
    network: { type: 'string', default: 'hosts' }, rounds: { type: 'string', default: '3' }, json: { type: 'boolean', default: false },
  },
});
if (dirs.length < 1 || dirs.length > 2) { console.error('usage: node bench/storm_ab.mjs A_BUILD_DIR [B_BUILD_DIR] [--clients N] [--sources H] [--network hosts|loopback] [--rounds R]'); process.exit(2); }
const labels = [dirs[0], dirs[1] ?? new URL('../build', import.meta.url).pathname].map((d) => resolve(d));
const clients = Number(opt.clients), rounds = Number(opt.rounds);
const scenario = { server: { backlog: 128 }, clients: { arrival: 'burst', count: clients, sources: Number(opt.sources) }, network: { mode: opt.network, latencyMs: 1 } };

const builds = await Promise.all(labels.map(async (dir) => ({
  Storm: (await import(pathToFileURL(`${dir}/host/storm/engine.js`).href)).Storm,
  module: new WebAssembly.Module(readFileSync(`${dir}/kernel.wasm`)),
})));

const cpu = [[], []], wall = [[], []], results = [null, null];
const load = [loadavg()[0]];
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < 2; i++) {
    const j = round & 1 ? 1 - i : i;
    const c0 = process.cpuUsage(), t0 = performance.now();
    const r = new builds[j].Storm(builds[j].module, scenario).run();
    const c = process.cpuUsage(c0);
    wall[j].push(performance.now() - t0);
    cpu[j].push((c.user + c.system) / 1000);
    results[j] ??= JSON.stringify(r);
    if (!opt.json) process.stderr.write(`round ${round + 1} ${j ? 'B' : 'A'}: ${Math.round(cpu[j].at(-1))} ms CPU\n`);
  }
}
load.push(loadavg()[0]);
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const out = {
  scenario, rounds, loadAverage1m: load.map((l) => Number(l.toFixed(1))),
  A: { build: labels[0], cpuMs: cpu[0].map(Math.round), medianCpuMs: Math.round(median(cpu[0])), medianWallMs: Math.round(median(wall[0])) },
  B: { build: labels[1], cpuMs: cpu[1].map(Math.round), medianCpuMs: Math.round(median(cpu[1])), medianWallMs: Math.round(median(wall[1])) },
  speedup: Number((median(cpu[0]) / median(cpu[1])).toFixed(2)),
  identicalResults: results[0] === results[1],
};
if (opt.json) console.log(JSON.stringify(out, null, 2));
else {
  console.log(`storm: ${clients} clients at once, backlog 128, 1 ms, network ${opt.network}; ${rounds} rounds, load average ${out.loadAverage1m.join(' -> ')}`);
  console.log(`  A ${out.A.build}: CPU ${out.A.cpuMs.join(', ')} ms (median ${out.A.medianCpuMs}; wall ${out.A.medianWallMs})`);
  console.log(`  B ${out.B.build}: CPU ${out.B.cpuMs.join(', ')} ms (median ${out.B.medianCpuMs}; wall ${out.B.medianWallMs})`);
  console.log(`  B speed / A: ${out.speedup}x (CPU); results identical: ${out.identicalResults}`);
}
if (!out.identicalResults) process.exitCode = 1;
