// The storm's result: a stable JSON schema (schemaVersion; documented in
// docs/storm.md) and the short terminal summary. Platform-neutral.

import type { Scenario } from './scenario.js';
import type { NetworkCounters } from './network.js';

// 2: `network` (link counters, per-host kernel counters); `kernel` is the server host's;
//    syn.retransmitted counts the client hosts' SYN retransmits.
export const SCHEMA_VERSION = 2;

/** What the engine hands over (µs, sorted samples); buildResult turns it into the result. */
export interface RawRun {
  scenario: Scenario;
  endReason: 'done' | 'idle' | 'horizon';
  simulatedUs: number;
  clients: number;
  outcomes: Record<string, number>;
  attempts: number;
  retries: number;
  requestResends: number;
  groups: number;
  portsPerGroup: number;
  portsExhausted: number;
  connectUs: Float64Array;
  requestUs: Float64Array;
  acceptQueueUs: Float64Array;
  waitUs: Float64Array;
  sampleUs: number;
  series: { t: Float64Array; acceptQueue: Float64Array; synQueue: Float64Array; busy: Float64Array; connecting: Float64Array; appQueue: Float64Array };
  /** The server host's kernel counters. */
  counters: Record<string, number>;
  network: NetworkCounters;
  backlogInForce: number;
}

/** Percentiles of one latency, ms (null when there are no samples). */
export interface Percentiles { count: number; mean: number | null; p50: number | null; p90: number | null; p99: number | null; p999: number | null; max: number | null }

export interface ErlangC {
  applies: boolean;
  /** Why not, when it does not apply. */
  reason?: string;
  /** Arrivals per second, service rate per worker per second, workers, utilisation. */
  lambda?: number; mu?: number; c?: number; rho?: number;
  /** Probability that an arrival waits (Erlang C formula). */
  pWait?: number;
  meanWaitMs?: number;
  waitP50Ms?: number; waitP90Ms?: number; waitP99Ms?: number;
  /** The simulated wait (from joining the accept queue to the start of service) beside it. */
  simulated?: { pWait: number; meanWaitMs: number | null; waitP50Ms: number | null; waitP90Ms: number | null; waitP99Ms: number | null };
}

export interface StormResult {
  schemaVersion: number;
  scenario: Scenario;
  endReason: 'done' | 'idle' | 'horizon';
  simulatedMs: number;
  clients: {
    total: number; served: number; refused: number; timedOut: number; abandoned: number; reset: number;
    unserved: number; pending: number; noPort: number; localError: number;
    attempts: number; retries: number;
    /** Requests sent again because send() said EAGAIN (a syncookie connection the server had no socket for yet). */
    requestResends: number;
  };
  ports: { groups: number; perGroup: number; exhausted: number; limited: boolean };
  syn: { dropped: number; retransmitted: number; cookiesSent: number };
  latencyMs: { connect: Percentiles; request: Percentiles; acceptQueue: Percentiles; wait: Percentiles };
  histogram: { edgesMs: number[]; connect: number[]; request: number[] };
  series: { sampleMs: number; tMs: number[]; acceptQueue: number[]; synQueue: number[]; busyWorkers: number[]; connecting: number[]; appQueue: number[] };
  backlogInForce: number;
  /** The server host's kernel counters (over loopback: the one host's). */
  kernel: Record<string, number>;
  network: NetworkCounters;
  erlangC: ErlangC;
}

/** Rounded to the microsecond, the kernel's resolution, so JSON stays short and exact. */
const ms = (us: number) => Math.round(us) / 1000;

/** Nearest-rank percentile of sorted samples (µs) in ms. */
function pct(sorted: Float64Array, q: number): number | null {
  if (sorted.length === 0) return null;
  return ms(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]);
}

export function percentiles(sorted: Float64Array): Percentiles {
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i];
  return {
    count: sorted.length,
    mean: sorted.length ? Math.round(sum / sorted.length) / 1000 : null,
    p50: pct(sorted, 0.5), p90: pct(sorted, 0.9), p99: pct(sorted, 0.99), p999: pct(sorted, 0.999),
    max: sorted.length ? ms(sorted[sorted.length - 1]) : null,
  };
}

/**
 * Histogram edges, ms: 0, then 20 per decade from 0.01 ms to past the largest value,
 * so 1 s, 2 s, 3 s, 5 s, 7 s (SYN retransmits) fall in different bins.
 */
function edges(maxUs: number): number[] {
  const e = [0];
  for (let i = -40; ; i++) {
    const v = Number((10 ** (i / 20)).toPrecision(6));
    e.push(v);
    if (v * 1000 > maxUs) break;
  }
  return e;
}

function counts(sorted: Float64Array, edgesMs: number[]): number[] {
  const c = new Array<number>(edgesMs.length - 1).fill(0);
  let b = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i] / 1000;
    while (b < c.length - 1 && v >= edgesMs[b + 1]) b++;
    c[b]++;
  }
  return c;
}

/** Erlang C (M/M/c): P(wait) for offered load a = lambda/mu on c servers. */
export function erlangCProbability(c: number, a: number): number {
  // Erlang B by its stable recurrence, then C = B / (1 - rho (1 - B)).
  let b = 1;
  for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
  const rho = a / c;
  return b / (1 - rho * (1 - b));
}

function erlang(raw: RawRun, waitSorted: Float64Array): ErlangC {
  const s = raw.scenario;
  if (s.clients.arrival !== 'poisson') return { applies: false, reason: 'Erlang C needs Poisson arrivals (--arrival poisson)' };
  if (s.server.service !== 'exponential') return { applies: false, reason: 'Erlang C needs exponential service times (--service exponential)' };
  if (s.server.workers < 1) return { applies: false, reason: 'no workers' };
  const lambda = s.clients.rate, mu = 1000 / s.server.serviceMs, c = s.server.workers, a = lambda / mu, rho = a / c;
  if (rho >= 1) return { applies: false, reason: `utilisation ${rho.toFixed(3)} >= 1: the textbook queue grows without bound`, lambda, mu, c, rho };
  const pWait = erlangCProbability(c, a);
  const rate = c * mu - lambda;                      // P(W > t) = pWait * exp(-rate t)
  const q = (p: number) => (p <= 1 - pWait ? 0 : (Math.log(pWait / (1 - p)) / rate) * 1000);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  let waited = 0;
  for (let i = 0; i < waitSorted.length; i++) if (waitSorted[i] > 0) waited++;
  const w = percentiles(waitSorted);
  return {
    applies: true, lambda, mu, c, rho: round(rho), pWait: round(pWait), meanWaitMs: round((pWait / rate) * 1000),
    waitP50Ms: round(q(0.5)), waitP90Ms: round(q(0.9)), waitP99Ms: round(q(0.99)),
    simulated: { pWait: waitSorted.length ? round(waited / waitSorted.length) : 0, meanWaitMs: w.mean, waitP50Ms: w.p50, waitP90Ms: w.p90, waitP99Ms: w.p99 },
  };
}

export function buildResult(raw: RawRun): StormResult {
  const o = raw.outcomes;
  const maxUs = Math.max(raw.connectUs.length ? raw.connectUs[raw.connectUs.length - 1] : 0, raw.requestUs.length ? raw.requestUs[raw.requestUs.length - 1] : 0);
  const e = edges(maxUs);
  const arr = (a: Float64Array, f: (x: number) => number = (x) => x) => Array.from(a, f);
  return {
    schemaVersion: SCHEMA_VERSION,
    scenario: raw.scenario,
    endReason: raw.endReason,
    simulatedMs: ms(raw.simulatedUs),
    clients: {
      total: raw.clients, served: o.served, refused: o.refused, timedOut: o.timedOut, abandoned: o.abandoned, reset: o.reset,
      unserved: o.unserved, pending: o.pending, noPort: o.noPort, localError: o.localError,
      attempts: raw.attempts, retries: raw.retries, requestResends: raw.requestResends,
    },
    ports: { groups: raw.groups, perGroup: raw.portsPerGroup, exhausted: raw.portsExhausted, limited: raw.portsExhausted > 0 },
    // SYNs are dropped by the server and retransmitted by the clients (one host over loopback).
    syn: { dropped: raw.counters.ListenDrops, retransmitted: raw.network.hosts.clients.counters.TCPSynRetrans, cookiesSent: raw.counters.SyncookiesSent },
    latencyMs: {
      connect: percentiles(raw.connectUs), request: percentiles(raw.requestUs),
      acceptQueue: percentiles(raw.acceptQueueUs), wait: percentiles(raw.waitUs),
    },
    histogram: { edgesMs: e, connect: counts(raw.connectUs, e), request: counts(raw.requestUs, e) },
    series: {
      sampleMs: raw.sampleUs / 1000,
      tMs: arr(raw.series.t, ms), acceptQueue: arr(raw.series.acceptQueue), synQueue: arr(raw.series.synQueue),
      busyWorkers: arr(raw.series.busy), connecting: arr(raw.series.connecting), appQueue: arr(raw.series.appQueue),
    },
    backlogInForce: raw.backlogInForce,
    kernel: raw.counters,
    network: raw.network,
    erlangC: erlang(raw, raw.waitUs),
  };
}

// ---- the terminal summary ---------------------------------------------------------

function fmtMs(v: number | null): string {
  if (v === null) return '-';
  if (v >= 1000) return `${(v / 1000).toFixed(v >= 100_000 ? 0 : 2)} s`;
  if (v >= 1) return `${v.toFixed(v >= 100 ? 0 : 1)} ms`;
  return `${(v * 1000).toFixed(0)} µs`;
}

function describeScenario(s: Scenario): string {
  const c = s.clients, v = s.server;
  const arrival = c.arrival === 'burst' ? `${c.count} clients at once`
    : c.arrival === 'poisson' ? `Poisson ${c.rate}/s for ${c.durationMs / 1000} s`
      : c.arrival === 'ramp' ? `ramp ${c.rampFrom} -> ${c.rate}/s over ${c.durationMs / 1000} s`
        : `${c.users} users, think ${c.thinkMs} ms, for ${c.durationMs / 1000} s`;
  return `${arrival} -> ${v.personality} backlog ${v.backlog}, ${v.workers} workers x ${v.service} ${v.serviceMs} ms (${v.accept} accept${v.deferAccept ? ', deferred' : ''}), ${describeNetwork(s)}, seed ${s.seed}`;
}

function describeNetwork(s: Scenario): string {
  const n = s.network;
  if (n.mode === 'loopback') return `one host (loopback), latency ${n.latencyMs} ms`;
  const parts = [`link ${n.latencyMs} ms${n.jitterMs ? ` ± ${n.jitterMs} ms` : ''}`];
  if (n.lossModel === 'gemodel') parts.push(`Gilbert-Elliott loss p ${n.gePPercent} % r ${n.geRPercent} %`);
  else if (n.lossPercent > 0) parts.push(`${n.lossPercent} % loss`);
  if (n.rateMbps > 0) parts.push(`${n.rateMbps} Mbit/s`);
  if (n.serverRateMbps > 0) parts.push(`server uplink ${n.serverRateMbps} Mbit/s`);
  if (n.partitions.length) parts.push(`${n.partitions.length} partition${n.partitions.length > 1 ? 's' : ''}`);
  const cp = s.clients.personality === 'server' ? '' : ` (${s.clients.personality} clients)`;
  return `${parts.join(', ')}${cp}`;
}

/** The five-second summary: outcomes, latency percentiles, queues, the counters that explain them. */
export function formatSummary(r: StormResult, extra: { wallMs?: number } = {}): string {
  const c = r.clients, L: string[] = [];
  const pctOf = (n: number) => (c.total ? `${((100 * n) / c.total).toFixed(1)} %` : '');
  L.push(`storm: ${describeScenario(r.scenario)}`);
  L.push(`  simulated ${fmtMs(r.simulatedMs)} (${r.endReason})${extra.wallMs !== undefined ? ` in ${fmtMs(extra.wallMs)} of wall time` : ''}`);
  L.push('');
  const rows: [string, number][] = [
    ['served', c.served], ['refused (RST)', c.refused], ['timed out (SYN retries)', c.timedOut], ['abandoned (client timeout)', c.abandoned],
    ['reset after connect', c.reset], ['connected, never served', c.unserved], ['still connecting at the end', c.pending], ['no ephemeral port', c.noPort],
  ];
  L.push(`  clients ${c.total}${c.retries ? ` (${c.attempts} attempts, ${c.retries} retries)` : ''}${c.requestResends ? `; ${c.requestResends} requests resent on the client's RTO (cookie connections the server had no socket for yet)` : ''}`);
  for (const [name, n] of rows) if (n > 0 || name === 'served') L.push(`    ${name.padEnd(26)} ${String(n).padStart(9)}  ${pctOf(n).padStart(7)}`);
  L.push('');
  L.push(`  ${'latency from intended start'.padEnd(28)} ${['p50', 'p90', 'p99', 'p99.9', 'max'].map((h) => h.padStart(9)).join('')}`);
  const lat: [string, Percentiles][] = [['  connect', r.latencyMs.connect], ['  request (to last byte)', r.latencyMs.request], ['time in accept queue', r.latencyMs.acceptQueue]];
  for (const [name, p] of lat) L.push(`  ${name.padEnd(28)} ${[p.p50, p.p90, p.p99, p.p999, p.max].map((v) => fmtMs(v).padStart(9)).join('')}`);
  L.push('');
  const peak = (a: number[]) => a.reduce((m, x) => Math.max(m, x), 0);
  L.push(`  dropped at the listener ${r.syn.dropped} (SYNs and final ACKs), SYNs retransmitted ${r.syn.retransmitted}${r.syn.cookiesSent ? `, syncookies sent ${r.syn.cookiesSent}` : ''}; accept queue peak ${peak(r.series.acceptQueue)} of ${r.backlogInForce} (backlog in force), SYN queue peak ${peak(r.series.synQueue)}`);
  const k = r.kernel, n = r.network;
  if (n.mode === 'loopback') {
    L.push(`  kernel (one host): ListenOverflows ${k.ListenOverflows}  ListenDrops ${k.ListenDrops}  EmbryonicRsts ${k.EmbryonicRsts}  ConnectTimedOut ${k.ConnectTimedOut}  OutRsts ${k.OutRsts}`);
  } else {
    const c = n.hosts.clients.counters;
    L.push(`  ${n.hosts.server.personality} server host: ListenOverflows ${k.ListenOverflows}  ListenDrops ${k.ListenDrops}  EmbryonicRsts ${k.EmbryonicRsts}  OutRsts ${k.OutRsts}  TCPSynRetrans ${k.TCPSynRetrans} (SYN-ACKs)`);
    L.push(`  ${n.clientHosts} ${n.hosts.clients.personality} client host${n.clientHosts > 1 ? 's' : ''}: TCPSynRetrans ${c.TCPSynRetrans}  ConnectTimedOut ${c.ConnectTimedOut}  OutRsts ${c.OutRsts}`);
    const l = (x: { sent: number; lost: number; queueDrops: number; partitionDrops: number }) => `${x.sent} sent, ${x.lost} lost, ${x.queueDrops} queue drops, ${x.partitionDrops} partition drops`;
    L.push(`  links clients -> server: ${l(n.links!.toServer)}; server -> clients: ${l(n.links!.toClients)}`);
    const u = n.serverUplink;
    if (u) L.push(`  server uplink: ${u.sent} sent, ${u.queueDrops} queue drops`);
  }
  if (r.erlangC.applies) {
    const e = r.erlangC, sim = e.simulated!;
    L.push(`  Erlang C (M/M/${e.c}, rho ${e.rho}): P(wait) ${e.pWait}  mean wait ${fmtMs(e.meanWaitMs!)}  p99 wait ${fmtMs(e.waitP99Ms!)}`);
    L.push(`  simulated            : P(wait) ${sim.pWait}  mean wait ${fmtMs(sim.meanWaitMs)}  p99 wait ${fmtMs(sim.waitP99Ms)}`);
  }
  if (r.ports.limited) L.push(`  ! ephemeral ports were the limit: ${r.ports.exhausted} connects found all ${r.ports.groups} ${n.mode === 'loopback' ? 'address groups' : 'client hosts'} x ${r.ports.perGroup} ports taken (raise --sources)`);
  else L.push(`  ephemeral ports were not a limit (${r.ports.groups} ${n.mode === 'loopback' ? 'address group' : 'client host'}${r.ports.groups > 1 ? 's' : ''} x ${r.ports.perGroup} ports)`);
  return L.join('\n');
}
