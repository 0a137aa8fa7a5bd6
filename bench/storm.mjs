// The storm simulator's benchmark (issue 13): figures printed side by side, never asserted.
//
//   node bench/storm.mjs [--quick] [--json]
//
// 1. A burst of 1 000 000 clients against backlog 128 over 1 ms links from 1 000 client
//    hosts to one server host (quick: 20 000 clients, 20 hosts), beside the same storm on
//    one host (network mode loopback, the kernel's 1 ms linkDelay): wall time, simulated
//    clients per wall second, peak RSS, each in a child process of its own so that its
//    RSS is its own.
// 2. The same 8 sweep points on 2 worker threads against one after another (--jobs 1), and
//    the ratio.
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';

const { values: opt } = parseArgs({ options: { quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, child: { type: 'string' } } });
const CLI = new URL('../build/host/cli.js', import.meta.url).pathname;

if (opt.child) {
  // The measured run, alone in this process.
  const { kernelModule } = await import('../build/host/index.js');
  const { Storm } = await import('../build/host/storm/engine.js');
  const module = await kernelModule();
  const t0 = performance.now();
  const r = new Storm(module, JSON.parse(opt.child)).run();
  const wallMs = performance.now() - t0;
  const u = process.resourceUsage();
  console.log(JSON.stringify({ wallMs, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, simulatedMs: r.simulatedMs, endReason: r.endReason, clients: r.clients, kernel: r.kernel, maxRssBytes: u.maxRSS * 1024 }));
  process.exit(0);
}

const N = opt.quick ? 20_000 : 1_000_000, H = opt.quick ? 20 : 1000;
function burstRun(network, sources) {
  const scenario = { server: { backlog: 128 }, clients: { arrival: 'burst', count: N, sources }, network };
  const load = loadavg()[0];
  const child = spawnSync(process.execPath, [new URL(import.meta.url).pathname, '--child', JSON.stringify(scenario)], { encoding: 'utf8', timeout: 900_000 });
  if (child.status !== 0) throw new Error(`storm bench child failed: ${child.stderr}`);
  const b = JSON.parse(child.stdout);
  return {
    clients: N, backlog: 128, latencyMs: 1, mode: network.mode, clientHosts: sources,
    wallMs: Math.round(b.wallMs), processCpuMs: Math.round(b.cpuMs), simulatedMs: b.simulatedMs, endReason: b.endReason,
    clientsPerWallSecond: Math.round(N / (b.wallMs / 1000)),
    peakRssMiB: Math.round(b.maxRssBytes / 2 ** 20),
    served: b.clients.served, requestResends: b.clients.requestResends, listenOverflows: b.kernel.ListenOverflows, cookies: b.kernel.SyncookiesSent,
    loadAverage1mBefore: Number(load.toFixed(2)),
  };
}
const burst = burstRun({ mode: 'hosts', latencyMs: 1 }, H);
const loopback = burstRun({ mode: 'loopback', latencyMs: 1 }, 0);

// 8 points: backlog x personality x workers, each a burst over loopback that retransmits.
const pointClients = opt.quick ? 2_000 : 40_000;
const sweepArgs = ['storm', '--clients', String(pointClients), '--quiet', '--json',
  '--sweep', 'backlog=16,128', '--sweep', 'personality=linux,freebsd', '--sweep', 'workers=2,8'];
function sweep(jobs) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...sweepArgs, '--jobs', String(jobs)], { encoding: 'utf8', timeout: 600_000, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`sweep --jobs ${jobs} failed: ${r.stderr}`);
  return { wallMs: performance.now() - t0, points: JSON.parse(r.stdout).sweep.length, stdout: r.stdout };
}
const seq = sweep(1);
const par = sweep(2);

const results = {
  // Other work on the machine takes cores from both runs; the load average says how much.
  machine: { cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length, node: process.version, loadAverage1m: Number(loadavg()[0].toFixed(2)) },
  quick: opt.quick,
  burst,
  loopback,
  hostsOverLoopback: Number((burst.wallMs / loopback.wallMs).toFixed(2)),
  sweep: {
    points: seq.points, clientsPerPoint: pointClients,
    sequentialMs: Math.round(seq.wallMs), twoWorkersMs: Math.round(par.wallMs),
    speedup: Number((seq.wallMs / par.wallMs).toFixed(2)),
    identical: seq.stdout === par.stdout,
  },
};

if (opt.json) console.log(JSON.stringify(results, null, 2));
else {
  const s = results.sweep;
  console.log(`socket-kernel storm benchmark — ${results.machine.cpu} ×${results.machine.cpus}, ${results.machine.node}${opt.quick ? ' (quick)' : ''}\n`);
  console.log(`1. Burst of ${N} clients, backlog 128, 1 ms one-way (load average ${results.machine.loadAverage1m} on ${results.machine.cpus} cores at the end)`);
  for (const [name, b] of [[`${H} client hosts -> server host, links`, burst], ['one host (loopback)', loopback]]) {
    console.log(`   ${name.padEnd(36)} wall ${(b.wallMs / 1000).toFixed(2)} s (CPU ${(b.processCpuMs / 1000).toFixed(2)} s, load ${b.loadAverage1mBefore} before) for ${(b.simulatedMs / 1000).toFixed(1)} s simulated (${b.endReason}); ${b.clientsPerWallSecond} clients per wall second; peak RSS ${b.peakRssMiB} MiB`);
    console.log(`   ${''.padEnd(36)} served ${b.served}, ${b.cookies} syncookies, ${b.listenOverflows} ListenOverflows, ${b.requestResends} request resends`);
  }
  console.log(`   links / loopback wall time: ${results.hostsOverLoopback}x`);
  console.log(`2. Sweep of ${s.points} points (${s.clientsPerPoint} clients each)`);
  console.log(`   one after another ${(s.sequentialMs / 1000).toFixed(2)} s, 2 worker threads ${(s.twoWorkersMs / 1000).toFixed(2)} s: ${s.speedup}x; results identical: ${s.identical}`);
}
