// Kernel options: the tunables in ONE table (their kernel ids, ranges, units, defaults
// and the createKernel option that sets each), read by the Kernel constructor and by
// k.sysctl / k.setSysctl alike. The kernel checks the same ranges again
// (assembly setTunable) and its defaults are the ones below (tests/abi_drift.test.mjs
// checks both).

import { ArgumentError, checkInt } from './errors.js';
import type { ClockName } from './async.js';

export type PersonalityName = 'linux' | 'freebsd' | 'posix';
/** sk_init's personality numbers. */
export const PERSONALITIES: Record<PersonalityName, number> = { linux: 0, freebsd: 1, posix: 2 };

const I32_MAX = 0x7fffffff;

interface Tunable {
  /** The name k.sysctl / k.setSysctl take, in the tunable's own unit. */
  readonly sysctl: string;
  /** Where it comes from. */
  readonly source: string;
  readonly min: number;
  readonly max: number;
  readonly unit: string;
  /** As set by sk_init, per personality (linux, freebsd, posix). */
  readonly defaults: readonly [number, number, number];
  /** The createKernel option that sets it, and how many tunable units one option unit is. */
  readonly option?: { readonly name: string; readonly unit: string; readonly scale: number };
}

/** Tunables in the order of the kernel's Tunable enum: the index is the sk_sysctl id. */
export const TUNABLE_TABLE = [
  { sysctl: 'somaxconn', source: 'net.core.somaxconn (FreeBSD kern.ipc.somaxconn)', min: 0, max: I32_MAX, unit: 'connections', defaults: [4096, 128, 4096], option: { name: 'somaxconn', unit: 'connections', scale: 1 } },
  { sysctl: 'tcpMaxSynBacklog', source: 'net.ipv4.tcp_max_syn_backlog', min: 0, max: I32_MAX, unit: 'requests', defaults: [2048, 2048, 2048], option: { name: 'tcpMaxSynBacklog', unit: 'requests', scale: 1 } },
  { sysctl: 'tcpSyncookies', source: 'net.ipv4.tcp_syncookies: 0 off, 1 when the SYN queue is full, 2 always', min: 0, max: 2, unit: 'mode', defaults: [1, 1, 1], option: { name: 'tcpSyncookies', unit: 'mode', scale: 1 } },
  { sysctl: 'tcpSynRetries', source: 'net.ipv4.tcp_syn_retries (ip-sysctl.rst: "up to 127")', min: 1, max: 127, unit: 'retransmissions', defaults: [6, 6, 6], option: { name: 'tcpSynRetries', unit: 'retransmissions', scale: 1 } },
  { sysctl: 'tcpSynackRetries', source: 'net.ipv4.tcp_synack_retries', min: 1, max: 127, unit: 'retransmissions', defaults: [5, 5, 5], option: { name: 'tcpSynackRetries', unit: 'retransmissions', scale: 1 } },
  { sysctl: 'tcpSynLinearTimeouts', source: 'net.ipv4.tcp_syn_linear_timeouts (Linux 6.11+)', min: 0, max: 127, unit: 'retransmissions', defaults: [4, 0, 0], option: { name: 'tcpSynLinearTimeouts', unit: 'retransmissions', scale: 1 } },
  { sysctl: 'tcpAbortOnOverflow', source: 'net.ipv4.tcp_abort_on_overflow (FreeBSD net.inet.tcp.syncache.rst_on_sock_fail)', min: 0, max: 1, unit: 'boolean', defaults: [0, 1, 0], option: { name: 'tcpAbortOnOverflow', unit: 'boolean', scale: 1 } },
  { sysctl: 'ipLocalPortRangeLow', source: 'net.ipv4.ip_local_port_range, first (FreeBSD net.inet.ip.portrange.first)', min: 1, max: 65535, unit: 'port', defaults: [32768, 10000, 32768] },
  { sysctl: 'ipLocalPortRangeHigh', source: 'net.ipv4.ip_local_port_range, last (FreeBSD net.inet.ip.portrange.last)', min: 1, max: 65535, unit: 'port', defaults: [60999, 65535, 60999] },
  { sysctl: 'ipUnprivilegedPortStart', source: 'net.ipv4.ip_unprivileged_port_start', min: 0, max: 65535, unit: 'port', defaults: [1024, 1024, 1024], option: { name: 'ipUnprivilegedPortStart', unit: 'port', scale: 1 } },
  { sysctl: 'maxFds', source: 'RLIMIT_NOFILE: the first descriptor number socket()/accept() may not return', min: 3, max: 1 << 24, unit: 'descriptors', defaults: [1024, 1024, 1024], option: { name: 'maxFds', unit: 'descriptors', scale: 1 } },
  { sysctl: 'privileged', source: 'CAP_NET_BIND_SERVICE', min: 0, max: 1, unit: 'boolean', defaults: [0, 0, 0], option: { name: 'privileged', unit: 'boolean', scale: 1 } },
  { sysctl: 'linkDelayUs', source: 'ours: one-way packet delay (0: loopback)', min: 0, max: 3_600_000_000, unit: 'µs', defaults: [0, 0, 0], option: { name: 'linkDelay', unit: 'ms', scale: 1000 } },
  { sysctl: 'tcpMaxTwBuckets', source: 'net.ipv4.tcp_max_tw_buckets', min: 0, max: I32_MAX, unit: 'sockets', defaults: [131072, 131072, 131072], option: { name: 'tcpMaxTwBuckets', unit: 'sockets', scale: 1 } },
  { sysctl: 'tcpFinTimeoutUs', source: 'net.ipv4.tcp_fin_timeout: how long an orphan waits in FIN_WAIT_2', min: 0, max: 3_600_000_000, unit: 'µs', defaults: [60_000_000, 60_000_000, 60_000_000], option: { name: 'tcpFinTimeout', unit: 's', scale: 1_000_000 } },
  { sysctl: 'connectTimeWaitInUse', source: 'FreeBSD 13 tcp_usr_connect: "if (inp->inp_flags & INP_TIMEWAIT) { error = EADDRINUSE; goto out; }" (gone in 14); set by kernel: \'freebsd-13\'', min: 0, max: 1, unit: 'boolean', defaults: [0, 0, 0] },
  { sysctl: 'tcpTwReuse', source: 'net.ipv4.tcp_tw_reuse: connect() may take a TIME_WAIT 4-tuple, 0 never, 1 always, 2 loopback only (FreeBSD: never)', min: 0, max: 2, unit: 'mode', defaults: [2, 0, 2], option: { name: 'tcpTwReuse', unit: 'mode', scale: 1 } },
  { sysctl: 'tcpTwReuseDelayMs', source: 'net.ipv4.tcp_tw_reuse_delay (Linux 6.13+): how old a TIME_WAIT must be before tcp_tw_reuse takes it', min: 1, max: 60_000, unit: 'ms', defaults: [1000, 1000, 1000], option: { name: 'tcpTwReuseDelay', unit: 'ms', scale: 1 } },
  { sysctl: 'twReuseWholeSeconds', source: 'Linux 5.15-6.12 tcp_twsk_unique: "time_after32(ktime_get_seconds(), tcptw->tw_ts_recent_stamp)" instead of tcp_tw_reuse_delay; set by kernel: \'linux-5.15\', \'linux-6.1\', \'linux-6.12\'', min: 0, max: 1, unit: 'boolean', defaults: [0, 0, 0] },
  { sysctl: 'twReuseFinWait2', source: 'Linux before 6.11 tcp_twsk_unique: no "if (tw->tw_substate == TCP_FIN_WAIT2) reuse = 0;"; set by kernel: \'linux-5.15\', \'linux-6.1\'', min: 0, max: 1, unit: 'boolean', defaults: [0, 0, 0] },
] as const satisfies readonly Tunable[];

export type KernelName = 'linux-5.15' | 'linux-6.1' | 'linux-6.12' | 'freebsd-13' | 'freebsd-14';

interface KernelVersion {
  readonly personality: PersonalityName;
  /** The tunables whose default differs from the personality's (TUNABLE_TABLE), in the tunable's unit, each with its source. */
  readonly tunables: readonly { readonly sysctl: TunableName; readonly value: number; readonly source: string }[];
}

/**
 * The `kernel` option: a kernel version's personality and every tunable or rule flag
 * that differs from the personality's defaults (those of Linux 6.18 and FreeBSD 14), as
 * docs/personalities.md §8 lists them. Everything else §8 lists is the same in these
 * versions (somaxconn 4096 since 5.4, the request-queue test after the stable backport,
 * ip_local_port_range, the SYN-ACK schedule, tcp_syncookies, tcp_fin_timeout).
 */
export const KERNELS: Readonly<Record<KernelName, KernelVersion>> = {
  'linux-5.15': { personality: 'linux', tunables: [
    { sysctl: 'tcpSynLinearTimeouts', value: 0, source: 'no tcp_syn_linear_timeouts before 6.5 (ip-sysctl.rst): SYN retransmits at 1, 3, 7, 15, 31, 63 s' },
    { sysctl: 'twReuseWholeSeconds', value: 1, source: 'no tcp_tw_reuse_delay before 6.13: tcp_tw_reuse takes a TIME_WAIT whose last timestamp is from an earlier second' },
    { sysctl: 'twReuseFinWait2', value: 1, source: 'the FIN_WAIT2 check of tcp_twsk_unique came in 6.11 (lore 20240823001152.31004-1-kerneljasonxing@gmail.com)' },
  ] },
  'linux-6.1': { personality: 'linux', tunables: [
    { sysctl: 'tcpSynLinearTimeouts', value: 0, source: 'no tcp_syn_linear_timeouts before 6.5 (ip-sysctl.rst): SYN retransmits at 1, 3, 7, 15, 31, 63 s' },
    { sysctl: 'twReuseWholeSeconds', value: 1, source: 'no tcp_tw_reuse_delay before 6.13: tcp_tw_reuse takes a TIME_WAIT whose last timestamp is from an earlier second' },
    { sysctl: 'twReuseFinWait2', value: 1, source: 'the FIN_WAIT2 check of tcp_twsk_unique came in 6.11 (lore 20240823001152.31004-1-kerneljasonxing@gmail.com)' },
  ] },
  'linux-6.12': { personality: 'linux', tunables: [
    { sysctl: 'twReuseWholeSeconds', value: 1, source: 'no tcp_tw_reuse_delay before 6.13: tcp_tw_reuse takes a TIME_WAIT whose last timestamp is from an earlier second' },
  ] },
  'freebsd-13': { personality: 'freebsd', tunables: [
    { sysctl: 'connectTimeWaitInUse', value: 1, source: 'FreeBSD 13 tcp_usr_connect INP_TIMEWAIT check (removed in 14 with struct tcptw)' },
  ] },
  'freebsd-14': { personality: 'freebsd', tunables: [] },
};

export type TunableName = (typeof TUNABLE_TABLE)[number]['sysctl'];

/** Tunable names in the order of the kernel's Tunable enum (the sk_sysctl ids). */
export const TUNABLES: readonly TunableName[] = TUNABLE_TABLE.map((t) => t.sysctl);

const TUNABLE_ID = new Map<string, number>(TUNABLES.map((name, id) => [name, id]));

/** A tunable's id, or ERR_INVALID_ARG_VALUE for an unknown name. */
export function tunableId(name: unknown): number {
  const id = TUNABLE_ID.get(name as string);
  if (id === undefined) throw new ArgumentError('ERR_INVALID_ARG_VALUE', `Unknown tunable "${String(name)}"`);
  return id;
}

/** Checks `value` against the tunable's range (in its own unit): the value, or ERR_OUT_OF_RANGE / ERR_INVALID_ARG_TYPE. */
export function checkTunable(id: number, value: unknown): number {
  const t: Tunable = TUNABLE_TABLE[id];
  return checkInt(t.sysctl, value, t.min, t.max);
}

export interface KernelOptions {
  /** Which listen(2) manual the kernel follows. Default 'linux' (or the `kernel`'s). */
  personality?: PersonalityName;
  /**
   * A kernel version: its personality and its defaults for every tunable and rule that
   * differs between versions (KERNELS, docs/personalities.md §8). A tunable option given
   * beside it overrides it. Default: the newest (Linux 6.18, FreeBSD 14).
   */
  kernel?: KernelName;
  /** Seed for every random choice (ephemeral ports, autobind names). Default 1. */
  seed?: number | bigint;
  /** net.core.somaxconn (Linux default 4096, FreeBSD kern.ipc.somaxconn 128). */
  somaxconn?: number;
  tcpMaxSynBacklog?: number;
  tcpSyncookies?: 0 | 1 | 2;
  tcpSynRetries?: number;
  tcpSynackRetries?: number;
  tcpSynLinearTimeouts?: number;
  tcpAbortOnOverflow?: 0 | 1 | boolean;
  ipLocalPortRange?: [number, number];
  ipUnprivilegedPortStart?: number;
  /** RLIMIT_NOFILE: the first descriptor number that socket()/accept() may not return. */
  maxFds?: number;
  /** CAP_NET_BIND_SERVICE: bind ports below ipUnprivilegedPortStart. */
  privileged?: boolean;
  /** One-way packet delay in simulated milliseconds (fractions allowed); 0 (default) is loopback. */
  linkDelay?: number;
  /** net.ipv4.tcp_max_tw_buckets: TIME_WAIT sockets kept at most (default 131072). */
  tcpMaxTwBuckets?: number;
  /** net.ipv4.tcp_fin_timeout in seconds: how long an orphan waits in FIN_WAIT_2 (default 60). */
  tcpFinTimeout?: number;
  /** net.ipv4.tcp_tw_reuse: whether connect() may take a 4-tuple a TIME_WAIT socket holds: 0 never, 1 always, 2 (default) loopback only. */
  tcpTwReuse?: 0 | 1 | 2;
  /** net.ipv4.tcp_tw_reuse_delay in ms (1-60000, default 1000): how old that TIME_WAIT must be. */
  tcpTwReuseDelay?: number;
  /**
   * What moves time for the async calls: 'manual' (default: simulated time moves when
   * you call advance), 'auto' (simulated: when awaited calls can go no further, time
   * jumps to the next kernel event), 'real' (kernel timers follow the wall clock).
   */
  clock?: ClockName;
}

/** Options that are not tunables. `wasm` and `url` are taken out by createKernel (load.ts). */
const OTHER_KEYS = ['personality', 'kernel', 'seed', 'clock', 'ipLocalPortRange', 'wasm'];
/** Option name → tunable id, for the options that set one tunable. */
const OPTION_TUNABLE = new Map<string, number>();
TUNABLE_TABLE.forEach((t: Tunable, id) => { if (t.option) OPTION_TUNABLE.set(t.option.name, id); });
const OPTION_KEYS = new Set([...OTHER_KEYS, ...OPTION_TUNABLE.keys()]);

export interface ParsedOptions {
  personality: PersonalityName;
  seed: bigint;
  clock: ClockName;
  /** [tunable id, value in the tunable's unit], in the order to set them. */
  tunables: [number, number][];
  ipLocalPortRange?: [number, number];
}

/** Checks options at the door: unknown keys, types and ranges (in the option's unit). */
export function parseOptions(options: unknown): ParsedOptions {
  if (options === null || typeof options !== 'object') {
    throw new ArgumentError('ERR_INVALID_ARG_TYPE', 'The "options" argument must be an object');
  }
  const o = options as KernelOptions & Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!OPTION_KEYS.has(key)) throw new ArgumentError('ERR_INVALID_ARG_VALUE', `Unknown option "${key}"`);
  }
  let version: KernelVersion | undefined;
  if (o.kernel !== undefined) {
    if (typeof o.kernel !== 'string' || !Object.hasOwn(KERNELS, o.kernel)) {
      throw new ArgumentError('ERR_INVALID_ARG_VALUE', `"kernel" must be one of ${Object.keys(KERNELS).map((n) => `'${n}'`).join(', ')}. Received ${String(o.kernel)}`);
    }
    version = KERNELS[o.kernel];
  }
  const personality = o.personality ?? version?.personality ?? 'linux';
  if (!Object.hasOwn(PERSONALITIES, personality)) {
    throw new ArgumentError('ERR_INVALID_ARG_VALUE', `"personality" must be 'linux', 'freebsd' or 'posix'. Received ${String(personality)}`);
  }
  if (version && version.personality !== personality) {
    throw new ArgumentError('ERR_INVALID_ARG_VALUE', `"kernel" '${o.kernel}' is a ${version.personality} kernel; "personality" is '${personality}'`);
  }
  const clock = o.clock ?? 'manual';
  if (clock !== 'manual' && clock !== 'auto' && clock !== 'real') {
    throw new ArgumentError('ERR_INVALID_ARG_VALUE', `"clock" must be 'manual', 'auto' or 'real'. Received ${String(clock)}`);
  }
  const seed = o.seed ?? 1;
  if (typeof seed !== 'bigint' && (typeof seed !== 'number' || !Number.isInteger(seed))) {
    throw new ArgumentError('ERR_INVALID_ARG_TYPE', `"seed" must be an integer or a bigint. Received ${String(seed)}`);
  }
  // The version's defaults first, so that an explicit option set after them wins.
  const tunables: [number, number][] = (version?.tunables ?? []).map((t) => [tunableId(t.sysctl), t.value]);
  for (const [name, id] of OPTION_TUNABLE) {
    const v = o[name];
    if (v === undefined) continue;
    const t: Tunable = TUNABLE_TABLE[id];
    const { unit, scale } = t.option!;
    if (scale === 1) {
      tunables.push([id, checkInt(name, typeof v === 'boolean' && t.unit === 'boolean' ? Number(v) : v, t.min, t.max)]);
      continue;
    }
    // Scaled options (milliseconds, seconds) take any finite number in range.
    const min = t.min / scale, max = t.max / scale;
    if (typeof v !== 'number' || !(v >= min && v <= max)) {
      throw new ArgumentError(typeof v === 'number' ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE',
        `"${name}" must be a number of ${unit === 's' ? 'seconds' : 'milliseconds'} from ${min} to ${max}. Received ${String(v)}`);
    }
    tunables.push([id, Math.round(v * scale)]);
  }
  let ipLocalPortRange: [number, number] | undefined;
  if (o.ipLocalPortRange !== undefined) {
    const r = o.ipLocalPortRange;
    if (!Array.isArray(r) || r.length !== 2) {
      throw new ArgumentError('ERR_INVALID_ARG_TYPE', '"ipLocalPortRange" must be [low, high]');
    }
    const lo = checkInt('ipLocalPortRange[0]', r[0], 1, 65535), hi = checkInt('ipLocalPortRange[1]', r[1], 1, 65535);
    if (lo > hi) throw new ArgumentError('ERR_INVALID_ARG_VALUE', '"ipLocalPortRange" must have low <= high');
    ipLocalPortRange = [lo, hi];
  }
  return { personality, seed: BigInt.asIntN(64, BigInt(seed)), clock, tunables, ipLocalPortRange };
}
