// A stand-in PointRunner until the storm's pool lands: one small, real, deterministic
// connection storm through the public API (a listener with backlog B, N nonblocking
// clients across a link with a delay, simulated time advanced, the counters read back).
// Results differ per point, and the same scenario always gives the same result.

import { AF_INET, SOCK_STREAM, createKernel } from '../index.js';
import { ArgumentError, checkInt } from '../errors.js';
import type { PointRunner, SweepPoint } from './sweep.js';

export interface StandinScenario {
  seed: number;
  personality: 'linux' | 'freebsd' | 'posix';
  backlog: number;
  clients: number;
  /** One-way link delay, simulated ms. */
  linkDelay: number;
  /** Simulated ms to run after the clients connect. */
  durationMs: number;
}

export const STANDIN_DEFAULTS: StandinScenario = {
  seed: 1, personality: 'linux', backlog: 8, clients: 32, linkDelay: 1, durationMs: 5000,
};

const PERSONALITIES = ['linux', 'freebsd', 'posix'];

/** Checks a scenario at the door: unknown keys and bad values are the point's error. */
export function checkStandinScenario(value: unknown): StandinScenario {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ArgumentError('ERR_INVALID_ARG_TYPE', `scenario must be an object. Received ${JSON.stringify(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!(key in STANDIN_DEFAULTS)) throw new ArgumentError('ERR_INVALID_ARG_VALUE', `scenario has an unknown key "${key}"`);
  }
  const s = { ...STANDIN_DEFAULTS, ...value } as StandinScenario;
  if (!PERSONALITIES.includes(s.personality)) {
    throw new ArgumentError('ERR_INVALID_ARG_VALUE', `"personality" must be one of ${PERSONALITIES.join(', ')}. Received ${String(s.personality)}`);
  }
  checkInt('seed', s.seed, 0, 0x7fffffff);
  checkInt('backlog', s.backlog, 0, 65535);
  checkInt('clients', s.clients, 1, 20000);
  checkInt('durationMs', s.durationMs, 0, 3600000);
  if (typeof s.linkDelay !== 'number' || !(s.linkDelay >= 0 && s.linkDelay <= 10000)) {
    throw new ArgumentError('ERR_OUT_OF_RANGE', `"linkDelay" must be a number of ms from 0 to 10000. Received ${String(s.linkDelay)}`);
  }
  return s;
}

/** Runs one stand-in scenario: the listener's queues and the kernel's counters at the end. */
export async function runStandinScenario(value: unknown) {
  const s = checkStandinScenario(value);
  // Room for every client's descriptor (the default RLIMIT_NOFILE of 1024 would refuse them).
  const k = await createKernel({ personality: s.personality, seed: s.seed, linkDelay: s.linkDelay, maxFds: s.clients + 16 });
  const listener = k.socket(AF_INET, SOCK_STREAM);
  k.bind(listener, { address: '127.0.0.1', port: 8080 });
  k.listen(listener, s.backlog);
  const fds = k.connectBatch(s.clients, AF_INET, SOCK_STREAM, { address: '127.0.0.1', port: 8080 });
  k.advance(s.durationMs);
  const states: Record<string, number> = {};
  let listenerRow;
  for (const row of k.sockets()) {
    if (row.fd === listener) { listenerRow = row; continue; }
    states[row.state] = (states[row.state] ?? 0) + 1;
  }
  const stats = k.stats();
  return {
    connectErrors: fds.filter((fd) => fd < 0).length,
    accepted: listenerRow?.recvQ ?? 0,
    synRecv: listenerRow?.synRecv ?? 0,
    clientStates: states,
    counters: {
      ListenOverflows: stats.ListenOverflows, ListenDrops: stats.ListenDrops,
      SyncookiesSent: stats.SyncookiesSent, TCPSynRetrans: stats.TCPSynRetrans,
      ConnectRefused: stats.ConnectRefused, ConnectTimedOut: stats.ConnectTimedOut,
      OutRsts: stats.OutRsts,
    },
    nowMs: k.now(),
  };
}

/** The stand-in as a PointRunner, run in this thread. */
export const standinRunner: PointRunner = { run: runStandinScenario };

/**
 * `--sweep key=v1,v2` expansion for the stand-in (the storm has its own): every
 * combination, the first sweep varying slowest; numbers parsed as numbers. Keys read
 * `backlog=16,clients=64`.
 */
export function expandStandinSweep(base: Partial<StandinScenario>, sweeps: readonly string[]): SweepPoint[] {
  let combos: Record<string, number | string>[] = [{}];
  for (const spec of sweeps) {
    const eq = spec.indexOf('=');
    const key = spec.slice(0, eq);
    const values = spec.slice(eq + 1).split(',');
    if (eq <= 0 || values.some((v) => v === '')) {
      throw new ArgumentError('ERR_INVALID_ARG_VALUE', `"--sweep" must read key=v1,v2,... Received ${spec}`);
    }
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v })));
  }
  return combos.map((c, index) => ({
    index,
    key: Object.entries(c).map(([k, v]) => `${k}=${v}`).join(',') || 'default',
    scenario: { ...base, ...c },
  }));
}
