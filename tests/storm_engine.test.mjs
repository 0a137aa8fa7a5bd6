// The storm engine against outcomes known from the kernel's rules, determinism, the
// Erlang-C comparison and the scenario validator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelModule } from 'socket-kernel';
import { Storm, runStorm, StormCancelled } from '../build/host/storm/engine.js';
import { normalizeScenario, ScenarioError } from '../build/host/storm/scenario.js';
import { erlangCProbability } from '../build/host/storm/report.js';
import { plotSvg } from '../build/host/storm/svg.js';
import { SERIES } from '../build/host/storm/chart.js';

const module = await kernelModule();
const run = (scenario) => new Storm(module, scenario).run();
/**
 * A burst on one host over loopback (latency 0) against one listener: the outcomes issue
 * 13 states "on one host over loopback". (Across a link all SYNs of a burst reach an
 * empty accept queue together, so the SYN queue fills and the rest get syncookies: a
 * different story, told in storm_network.test.mjs.)
 */
const LOOPBACK = { mode: 'loopback', latencyMs: 0 };
const burst = (personality, clients, backlog, server = {}) => ({
  server: { personality, backlog, ...server },
  clients: { arrival: 'burst', count: clients },
  network: LOOPBACK,
});

test('Linux, burst of 10 against backlog 2, nobody accepts: 3 queued, 7 retransmit 10 times and time out at 131 s', () => {
  const r = run(burst('linux', 10, 2, { workers: 0 }));
  assert.equal(r.clients.unserved, 3);                 // backlog + 1 (sk_acceptq_is_full uses >)
  assert.equal(r.clients.timedOut, 7);
  assert.equal(r.kernel.TCPSynRetrans, 70);            // 1,2,3,4,5,7,11,19,35,67 s (tcp_syn_linear_timeouts 4)
  assert.equal(r.kernel.ListenOverflows, 77);          // every SYN of the 7, each dropped
  assert.equal(r.kernel.ConnectTimedOut, 7);
  assert.equal(r.simulatedMs, 131_000);                // ETIMEDOUT at 131 s, then nothing is left to happen
  assert.equal(r.endReason, 'idle');
  assert.equal(Math.max(...r.series.acceptQueue), 3);
});

test('Linux, the retransmits at 1, 2, 3 s are the connect latencies of those that get in then', () => {
  // One worker that takes 1 ms: 3 in at t=0, then 3 at each retransmit (queue room 3).
  const r = run(burst('linux', 10, 2, { workers: 1, service: 'fixed', serviceMs: 1 }));
  assert.equal(r.clients.served, 10);
  const c = r.latencyMs.connect;
  assert.deepEqual([c.p50, c.p90, c.max], [1000, 2000, 3000]);   // sorted: 0 0 0 1 1 1 2 2 2 3 s
  const at = (ms) => r.histogram.connect[r.histogram.edgesMs.findLastIndex((e) => e <= ms)];
  assert.deepEqual([at(0), at(1000), at(2000), at(3000)], [3, 3, 3, 1]);
});

test('Linux with tcp_syn_linear_timeouts 0 (kernels before 6.5): 1, 3, 7 s and ETIMEDOUT at 127 s', () => {
  const r = run({ ...burst('linux', 10, 2, { workers: 0 }), clients: { count: 10, synLinearTimeouts: 0 } });
  assert.equal(r.kernel.TCPSynRetrans, 42);
  assert.equal(r.simulatedMs, 127_000);
  const s = run({ ...burst('linux', 10, 2, { workers: 1, service: 'fixed', serviceMs: 1 }), clients: { count: 10, synLinearTimeouts: 0 } });
  assert.deepEqual([s.latencyMs.connect.p50, s.latencyMs.connect.p90, s.latencyMs.connect.max], [1000, 3000, 7000]);
});

test('the run stops at the horizon; clients still connecting are pending', () => {
  const r = run({ ...burst('linux', 10, 2, { workers: 0 }), run: { horizonMs: 5000 } });
  assert.equal(r.endReason, 'horizon');
  assert.equal(r.simulatedMs, 5000);
  assert.equal(r.clients.pending, 7);
  assert.equal(r.kernel.TCPSynRetrans, 35);            // 1, 2, 3, 4, 5 s: the one at 5 s is included
});

test('FreeBSD, burst of 10 against backlog 2: the 3/2 rule holds 4, the other 6 are reset', () => {
  const r = run(burst('freebsd', 10, 2, { workers: 0 }));
  assert.equal(r.clients.unserved, 4);                 // qlen > 3 * 2 / 2 is full: 4 fit (solisten_clone)
  assert.equal(r.clients.reset, 6);                    // rst_on_sock_fail = 1: RST at the final ACK
  assert.equal(r.clients.timedOut, 0);
  assert.equal(r.kernel.TCPSynRetrans, 0);
});

test('the same scenario and seed give the same JSON, however the run is sliced', () => {
  const sc = { seed: 7, server: { workers: 3, service: 'lognormal', serviceMs: 4, backlog: 16 }, clients: { arrival: 'poisson', rate: 900, durationMs: 3000, connectTimeoutMs: 1500, retries: 1 }, network: LOOPBACK };
  const a = JSON.stringify(run(sc));
  const storm = new Storm(module, sc);
  while (!storm.step(0)) { /* the smallest slices */ }
  assert.equal(JSON.stringify(storm.result()), a);
  assert.notEqual(JSON.stringify(run({ ...sc, seed: 8 })), a);
});

test('a client connect timeout abandons and retries with backoff, from the intended start', () => {
  const r = run({ ...burst('linux', 20, 2, { workers: 0 }), clients: { count: 20, connectTimeoutMs: 500, retries: 2, backoffMs: 100 } });
  assert.equal(r.clients.abandoned, 17);
  assert.equal(r.clients.retries, 34);                 // two retries each
  assert.equal(r.clients.attempts, 20 + 34);
});

test('Erlang C is given beside Poisson arrivals with exponential service, and agrees at moderate load', () => {
  const r = run({ server: { workers: 4, serviceMs: 10, backlog: 1024 }, clients: { arrival: 'poisson', rate: 300, durationMs: 30_000 }, network: LOOPBACK });
  assert.equal(r.erlangC.applies, true);
  assert.equal(r.erlangC.rho, 0.75);
  assert.ok(Math.abs(r.erlangC.pWait - r.erlangC.simulated.pWait) < 0.05, JSON.stringify(r.erlangC));
  assert.equal(run(burst('linux', 10, 2)).erlangC.applies, false);
  // Erlang C for one server is the utilisation (M/M/1: P(wait) = rho).
  assert.ok(Math.abs(erlangCProbability(1, 0.6) - 0.6) < 1e-12);
});

test('arrival models: Poisson and a linear ramp bring the expected number of clients; a closed model keeps U users', () => {
  const open = (arrival, extra) => run({ server: { workers: 8, serviceMs: 1 }, clients: { arrival, durationMs: 10_000, rate: 500, ...extra }, network: LOOPBACK });
  const p = open('poisson');
  assert.ok(Math.abs(p.clients.total - 5000) < 250, `poisson ${p.clients.total}`);      // 500/s for 10 s, within 3.5 sigma
  const ramp = open('ramp', { rampFrom: 0 });
  assert.ok(Math.abs(ramp.clients.total - 2500) < 200, `ramp ${ramp.clients.total}`);   // the mean rate is half
  const c = run({ server: { workers: 2, serviceMs: 10, service: 'fixed' }, clients: { arrival: 'closed', users: 5, thinkMs: 40, durationMs: 5000 }, network: LOOPBACK });
  assert.equal(c.clients.served, c.clients.total);
  assert.ok(Math.max(...c.series.connecting) <= 5 && Math.max(...c.series.busyWorkers) <= 2);
  assert.ok(c.clients.total > 5 * 5000 / 60 && c.clients.total < 5 * 5000 / 40, `closed ${c.clients.total}`); // 40-60 ms per cycle
});

test('ephemeral ports: one client host (or address group) cannot hold a burst larger than its port range, and says so', () => {
  for (const mode of ['hosts', 'loopback']) {
    const net = { mode, latencyMs: 0 };
    const r = run({ ...burst('linux', 28_300, 128, { workers: 0 }), clients: { count: 28_300, sources: 1 }, network: net });
    assert.equal(r.ports.limited, true, mode);
    assert.equal(r.clients.noPort, 28_300 - r.ports.perGroup, mode);
    const auto = run({ ...burst('linux', 28_300, 128, { workers: 0 }), network: net });
    assert.equal(auto.ports.limited, false, mode);
    assert.ok(auto.ports.groups >= 2, mode);
    assert.equal(auto.network.clientHosts, auto.ports.groups, mode);
  }
});

test('epoll accept mode drains the accept queue into one worker', () => {
  const r = run(burst('linux', 200, 256, { workers: 2, accept: 'epoll', service: 'fixed', serviceMs: 1 }));
  assert.equal(r.clients.served, 200);
  assert.ok(Math.max(...r.series.appQueue) > 0);
  assert.equal(r.latencyMs.acceptQueue.max, 0);         // taken off the kernel's queue at once...
  assert.ok(r.latencyMs.wait.max > 100);                // ...to wait in the worker's own list
});

test('TCP_DEFER_ACCEPT: each bare final ACK is held back, the request completes the connection', () => {
  const sc = (deferAccept) => ({ server: { backlog: 64, deferAccept }, clients: { count: 50 }, network: { latencyMs: 2 } });
  const deferred = run(sc(1)), plain = run(sc(0));
  assert.equal(deferred.clients.served, 50);
  assert.equal(deferred.kernel.TCPDeferAcceptDrop, 50);
  assert.equal(plain.kernel.TCPDeferAcceptDrop, 0);
  assert.throws(() => normalizeScenario({ server: { personality: 'posix', deferAccept: 1 } }), /server\.deferAccept must be 0 with the posix personality/);
});

test('runStorm stops when its signal aborts', async () => {
  const ac = new AbortController();
  ac.abort();
  assert.equal((await runStorm(module, burst('linux', 10, 2, { workers: 1 }))).clients.served, 10);
  await assert.rejects(runStorm(module, burst('linux', 10, 2), { signal: ac.signal }), StormCancelled);
});

test('scenarios: unknown keys and bad values name the field and what it must be', () => {
  assert.throws(() => normalizeScenario({ network: { jitter: 3 } }), (e) => e instanceof ScenarioError && /network\.jitter must be a known key of network \(mode, latencyMs, jitterMs/.test(e.message));
  assert.throws(() => normalizeScenario({ network: { mode: 'loopback', lossPercent: 1 } }), /network\.lossPercent must be left at its default with network mode loopback/);
  assert.throws(() => normalizeScenario({ network: { lossPercent: 101 } }), /network\.lossPercent must be a number >= 0 and <= 100/);
  assert.throws(() => normalizeScenario({ network: { rateMbps: 0.0001 } }), /network\.rateMbps must be 0 \(no limit\) or at least 0\.001/);
  assert.throws(() => normalizeScenario({ network: { lossModel: 'gemodel', lossPercent: 1 } }), /network\.lossPercent must be 0 with lossModel gemodel/);
  assert.throws(() => normalizeScenario({ network: { partitions: [{ atMs: 2000, healMs: 1000 }] } }), /network\.partitions must be a list of partitions/);
  assert.throws(() => normalizeScenario({ network: { partitions: [{ atMs: 0, healMs: 3000 }, { atMs: 2000, healMs: 4000 }] } }), /network\.partitions/);
  assert.throws(() => normalizeScenario({ network: { partitions: [{ atMs: 0, until: 5 }] } }), /network\.partitions/);
  assert.deepEqual(normalizeScenario({ network: { partitions: [{ atMs: 0, healMs: 2500 }, { atMs: 5000 }] } }).network.partitions,
    [{ atMs: 0, healMs: 2500, oneWay: false }, { atMs: 5000, healMs: null, oneWay: false }]);
  assert.throws(() => normalizeScenario({ server: { backlog: 1.5 } }), /server\.backlog must be an integer from -1/);
  assert.throws(() => normalizeScenario({ server: { personality: 'windows' } }), /server\.personality must be one of linux, freebsd, posix/);
  assert.throws(() => normalizeScenario({ clients: { requestBytes: 2 } }), /clients\.requestBytes/);
  assert.throws(() => normalizeScenario({ bogus: 1 }), /bogus must be a known key/);
  assert.equal(normalizeScenario({}).server.backlog, 128);
});

test('the plot is a well-formed SVG with both charts and every series in the legends', () => {
  const svg = plotSvg(run(burst('linux', 50, 4, { workers: 1, service: 'fixed', serviceMs: 5 })));
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  // Tags balance (a small XML well-formedness check: no parser in Node's standard library).
  const stack = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (!m[1]) stack.push(m[2]);
    else assert.equal(stack.pop(), m[2]);
  }
  assert.equal(stack.length, 0);
  for (const name of [SERIES.connect, SERIES.request, SERIES.acceptQueue, SERIES.synQueue, SERIES.busy, SERIES.connecting]) {
    assert.ok(svg.includes(`>${name}<`), `legend shows ${name}`);
  }
  assert.match(svg, /Latency from the intended start/);
  assert.match(svg, /Queues over simulated time/);
});
