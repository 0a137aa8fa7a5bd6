// The storm scenario: one table of fields (FIELDS) that the validator, the CLI's
// options, --sweep keys and docs/storm.md all follow. A scenario is plain JSON:
//
//   { seed, server: {...}, clients: {...}, network: {...}, run: {...} }
//
// Platform-neutral (no node: imports): the browser page validates with it too.

import { maxQueueBytes } from '../hosts.js';

export type PersonalityName = 'linux' | 'freebsd' | 'posix';

export interface ServerSpec {
  personality: PersonalityName;
  port: number;
  backlog: number;
  /** null: the personality's default (Linux 4096, FreeBSD 128). */
  somaxconn: number | null;
  syncookies: number;
  /** null: the personality's default (Linux 0, FreeBSD 1: rst_on_sock_fail). */
  abortOnOverflow: boolean | null;
  synackRetries: number;
  maxSynBacklog: number;
  workers: number;
  service: 'fixed' | 'exponential' | 'lognormal';
  serviceMs: number;
  serviceSigma: number;
  accept: 'blocking' | 'epoll';
  deferAccept: number;
  responseBytes: number;
}

export interface ClientSpec {
  arrival: 'burst' | 'poisson' | 'ramp' | 'closed';
  count: number;
  rate: number;
  rampFrom: number;
  durationMs: number;
  users: number;
  thinkMs: number;
  connectTimeoutMs: number;
  retries: number;
  backoffMs: number;
  requestBytes: number;
  /** hosts mode: the client hosts' personality ('server': the server's). */
  personality: PersonalityName | 'server';
  /** Client hosts (loopback: client address groups); 0 picks enough that ephemeral ports are not the limit. (count and users stop at 8 M: a server and a client descriptor each fit under the kernel's 2^24 descriptors.) */
  sources: number;
  synRetries: number;
  /** null: the personality's default (Linux >= 6.5: 4, others 0). */
  synLinearTimeouts: number | null;
}

/** A scheduled partition between the server host and every client host (turmoil's partition / repair). */
export interface PartitionSpec {
  /** When the link is cut, ms of simulated time. */
  atMs: number;
  /** When it heals, ms (null: never). */
  healMs: number | null;
  /** Cut only clients -> server (the server's packets still reach the clients). */
  oneWay: boolean;
}

/** Everything that depends on the network; see network.ts. netem's names (tc-netem(8)), with units in them. */
export interface NetworkSpec {
  /** hosts: the server on its own host, clients on client hosts, across links; loopback: one host. */
  mode: 'hosts' | 'loopback';
  latencyMs: number;
  jitterMs: number;
  lossModel: 'bernoulli' | 'gemodel';
  lossPercent: number;
  gePPercent: number;
  geRPercent: number;
  geBadLossPercent: number;
  geGoodLossPercent: number;
  /** Bandwidth of each link, Mbit/s (0: none). */
  rateMbps: number;
  limitBytes: number;
  /** The server host's uplink, Mbit/s (0: none): its packets to every client share it (docs/network.md "Uplinks"). */
  serverRateMbps: number;
  serverLimitBytes: number;
  partitions: PartitionSpec[];
}

export interface RunSpec { horizonMs: number; sampleMs: number }

export interface Scenario {
  seed: number;
  server: ServerSpec;
  clients: ClientSpec;
  network: NetworkSpec;
  run: RunSpec;
}

type Kind =
  | { type: 'int'; min: number; max: number; nullable?: boolean }
  | { type: 'number'; min: number; max: number; exclusiveMin?: boolean }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'bool'; nullable?: boolean }
  | { type: 'partitions' };

export interface Field {
  /** Dotted path in the scenario. */
  path: string;
  /** The CLI option (--flag) and --sweep key. */
  flag: string;
  kind: Kind;
  default: unknown;
  help: string;
}

const I32 = 0x7fffffff;
const PERCENT: Kind = { type: 'number', min: 0, max: 100 };

/** Every field of a scenario: the single source for validation, the CLI and the docs. */
export const FIELDS: readonly Field[] = [
  { path: 'seed', flag: 'seed', kind: { type: 'int', min: 0, max: 0xffffffff }, default: 1, help: 'seed of every random choice (same seed, same result)' },
  { path: 'server.personality', flag: 'personality', kind: { type: 'enum', values: ['linux', 'freebsd', 'posix'] }, default: 'linux', help: 'whose listen() rules the server follows' },
  { path: 'server.port', flag: 'port', kind: { type: 'int', min: 1, max: 65535 }, default: 8080, help: 'the listening port' },
  { path: 'server.backlog', flag: 'backlog', kind: { type: 'int', min: -1, max: I32 }, default: 128, help: 'listen(fd, backlog)' },
  { path: 'server.somaxconn', flag: 'somaxconn', kind: { type: 'int', min: 0, max: I32, nullable: true }, default: null, help: 'net.core.somaxconn / kern.ipc.somaxconn (Linux 4096, FreeBSD 128)' },
  { path: 'server.syncookies', flag: 'syncookies', kind: { type: 'int', min: 0, max: 2 }, default: 1, help: 'net.ipv4.tcp_syncookies: 0 off, 1 when the SYN queue is full, 2 always' },
  { path: 'server.abortOnOverflow', flag: 'abort-on-overflow', kind: { type: 'bool', nullable: true }, default: null, help: 'tcp_abort_on_overflow / rst_on_sock_fail (Linux false, FreeBSD true)' },
  { path: 'server.synackRetries', flag: 'synack-retries', kind: { type: 'int', min: 1, max: 127 }, default: 5, help: 'net.ipv4.tcp_synack_retries' },
  { path: 'server.maxSynBacklog', flag: 'max-syn-backlog', kind: { type: 'int', min: 0, max: I32 }, default: 2048, help: 'net.ipv4.tcp_max_syn_backlog' },
  { path: 'server.workers', flag: 'workers', kind: { type: 'int', min: 0, max: 100_000 }, default: 4, help: 'accepting workers (0: nobody accepts)' },
  { path: 'server.service', flag: 'service', kind: { type: 'enum', values: ['fixed', 'exponential', 'lognormal'] }, default: 'exponential', help: 'distribution of the time a worker spends per connection' },
  { path: 'server.serviceMs', flag: 'service-ms', kind: { type: 'number', min: 0, max: 3.6e6 }, default: 10, help: 'mean service time, ms' },
  { path: 'server.serviceSigma', flag: 'service-sigma', kind: { type: 'number', min: 0, max: 10 }, default: 1, help: 'lognormal shape (sigma of the log)' },
  { path: 'server.accept', flag: 'accept', kind: { type: 'enum', values: ['blocking', 'epoll'] }, default: 'blocking', help: 'blocking: each idle worker accept()s one; epoll: an idle worker accepts all queued' },
  { path: 'server.deferAccept', flag: 'defer-accept', kind: { type: 'int', min: 0, max: 3600 }, default: 0, help: 'Linux TCP_DEFER_ACCEPT seconds, FreeBSD accf_data (any value > 0); 0 off' },
  { path: 'server.responseBytes', flag: 'response-bytes', kind: { type: 'int', min: 1, max: 65536 }, default: 1024, help: 'bytes the server sends back' },
  { path: 'clients.arrival', flag: 'arrival', kind: { type: 'enum', values: ['burst', 'poisson', 'ramp', 'closed'] }, default: 'burst', help: 'burst: --clients at t=0; poisson: --rate/s for --duration-ms; ramp: --ramp-from to --rate; closed: --users with --think-ms' },
  { path: 'clients.count', flag: 'clients', kind: { type: 'int', min: 1, max: 8_000_000 }, default: 2000, help: 'burst size' },
  { path: 'clients.rate', flag: 'rate', kind: { type: 'number', min: 0, max: 1e8, exclusiveMin: true }, default: 1000, help: 'arrivals per second (poisson; where the ramp ends)' },
  { path: 'clients.rampFrom', flag: 'ramp-from', kind: { type: 'number', min: 0, max: 1e8 }, default: 0, help: 'arrivals per second where the ramp starts' },
  { path: 'clients.durationMs', flag: 'duration-ms', kind: { type: 'number', min: 0, max: 3.6e7, exclusiveMin: true }, default: 10_000, help: 'how long arrivals go on (poisson, ramp, closed), ms' },
  { path: 'clients.users', flag: 'users', kind: { type: 'int', min: 1, max: 8_000_000 }, default: 100, help: 'closed model: users, each waiting for its answer before thinking and asking again' },
  { path: 'clients.thinkMs', flag: 'think-ms', kind: { type: 'number', min: 0, max: 3.6e6 }, default: 100, help: 'closed model: mean think time (exponential), ms' },
  { path: 'clients.connectTimeoutMs', flag: 'connect-timeout-ms', kind: { type: 'number', min: 0, max: 3.6e6 }, default: 0, help: 'the client gives up a connect after this, ms (0: wait for the kernel)' },
  { path: 'clients.retries', flag: 'retries', kind: { type: 'int', min: 0, max: 100 }, default: 0, help: 'application retries after a refused, timed-out or abandoned connect' },
  { path: 'clients.backoffMs', flag: 'backoff-ms', kind: { type: 'number', min: 0, max: 3.6e6 }, default: 1000, help: 'first retry delay, doubled each retry, ms' },
  { path: 'clients.requestBytes', flag: 'request-bytes', kind: { type: 'int', min: 4, max: 65536 }, default: 128, help: 'bytes each client sends (the first 4 carry its number)' },
  { path: 'clients.sources', flag: 'sources', kind: { type: 'int', min: 0, max: 4096 }, default: 0, help: 'client hosts (loopback: client address groups), each with its own ephemeral ports (0: enough)' },
  { path: 'clients.personality', flag: 'client-personality', kind: { type: 'enum', values: ['linux', 'freebsd', 'posix', 'server'] }, default: 'server', help: 'whose rules the client hosts follow (server: the same as the server; loopback: always the server\'s)' },
  { path: 'clients.synRetries', flag: 'syn-retries', kind: { type: 'int', min: 1, max: 127 }, default: 6, help: 'net.ipv4.tcp_syn_retries' },
  { path: 'clients.synLinearTimeouts', flag: 'syn-linear-timeouts', kind: { type: 'int', min: 0, max: 127, nullable: true }, default: null, help: 'tcp_syn_linear_timeouts: 4 is Linux >= 6.5 (1,2,3,4,5,7,11... s), 0 older kernels and FreeBSD (1,3,7,15... s)' },
  { path: 'network.mode', flag: 'network', kind: { type: 'enum', values: ['hosts', 'loopback'] }, default: 'hosts', help: 'hosts: server and clients on their own hosts across links (the options below); loopback: all on one host, latency only' },
  { path: 'network.latencyMs', flag: 'latency-ms', kind: { type: 'number', min: 0, max: 60_000 }, default: 1, help: 'one-way latency between clients and server, ms (netem delay)' },
  { path: 'network.jitterMs', flag: 'jitter-ms', kind: { type: 'number', min: 0, max: 60_000 }, default: 0, help: 'uniform jitter, +/- ms around the latency, never reordering (netem delay ... JITTER)' },
  { path: 'network.lossModel', flag: 'loss-model', kind: { type: 'enum', values: ['bernoulli', 'gemodel'] }, default: 'bernoulli', help: 'bernoulli: each packet lost with --loss-percent; gemodel: Gilbert-Elliott bursts (netem loss gemodel)' },
  { path: 'network.lossPercent', flag: 'loss-percent', kind: PERCENT, default: 0, help: 'packets lost, % (netem loss random), each direction' },
  { path: 'network.gePPercent', flag: 'ge-p-percent', kind: PERCENT, default: 1, help: 'gemodel: good -> bad transition probability per packet, %' },
  { path: 'network.geRPercent', flag: 'ge-r-percent', kind: PERCENT, default: 25, help: 'gemodel: bad -> good transition probability per packet, % (mean burst 100/r packets)' },
  { path: 'network.geBadLossPercent', flag: 'ge-bad-loss-percent', kind: PERCENT, default: 100, help: 'gemodel: loss in the bad state, % (netem 1-h)' },
  { path: 'network.geGoodLossPercent', flag: 'ge-good-loss-percent', kind: PERCENT, default: 0, help: 'gemodel: loss in the good state, % (netem 1-k)' },
  { path: 'network.rateMbps', flag: 'rate-mbps', kind: { type: 'number', min: 0, max: 1e9 }, default: 0, help: 'bandwidth of each link, Mbit/s, as serialisation delay (netem rate; 0: none, else >= 0.001)' },
  { path: 'network.limitBytes', flag: 'limit-bytes', kind: { type: 'int', min: 1, max: 2 ** 32 }, default: 1_500_000, help: 'drop-tail egress queue behind the rate, bytes (netem limit, in bytes)' },
  { path: 'network.serverRateMbps', flag: 'server-rate-mbps', kind: { type: 'number', min: 0, max: 1e9 }, default: 0, help: "the server host's uplink, Mbit/s, shared by its packets to every client, before their links (Shadow's host bandwidth; 0: none, else >= 0.001)" },
  { path: 'network.serverLimitBytes', flag: 'server-limit-bytes', kind: { type: 'int', min: 1, max: 2 ** 32 }, default: 1_500_000, help: "drop-tail queue of the server's uplink, bytes (its drops: network.serverUplink.queueDrops)" },
  { path: 'network.partitions', flag: 'partitions', kind: { type: 'partitions' }, default: [], help: 'scheduled partitions between clients and server: AT-HEAL ms, "+" between several, ":oneway" for clients -> server only, HEAL empty for never (e.g. 0-2500+8000-9000:oneway)' },
  { path: 'run.horizonMs', flag: 'horizon-ms', kind: { type: 'number', min: 0, max: 8.64e7, exclusiveMin: true }, default: 600_000, help: 'stop the simulated clock here at the latest, ms' },
  { path: 'run.sampleMs', flag: 'sample-ms', kind: { type: 'number', min: 0.001, max: 3.6e6 }, default: 10, help: 'queue occupancy sampling period, ms (doubles past 4096 samples)' },
];

/** Bad scenario input: `field` names the dotted path, the message what it must be. */
export class ScenarioError extends TypeError {
  readonly code = 'ERR_INVALID_ARG_VALUE';
  constructor(readonly field: string, readonly expected: string, received: unknown) {
    super(`${field} must be ${expected}; received ${describe(received)}`);
    this.name = 'ScenarioError';
  }
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'nothing';
  try { return JSON.stringify(v) ?? String(v); } catch { return String(v); }
}

/** What a field must be, in words (used in every error message). */
export function expectation(k: Kind): string {
  switch (k.type) {
    case 'int': return `an integer from ${k.min} to ${k.max}${k.nullable ? ' (or null for the default)' : ''}`;
    case 'number': return `a number ${k.exclusiveMin ? '>' : '>='} ${k.min} and <= ${k.max}`;
    case 'enum': return `one of ${k.values.join(', ')}`;
    case 'bool': return `true or false${k.nullable ? ' (or null for the default)' : ''}`;
    case 'partitions': return 'a list of partitions [{ atMs, healMs, oneWay }] with 0 <= atMs < healMs (healMs null: never), in order and not overlapping; on a command line AT-HEAL[:oneway] joined by "+"';
  }
}

/** Checks one value against its field; returns it, or throws ScenarioError naming `label`. */
export function checkValue(f: Field, v: unknown, label = f.path): unknown {
  const k = f.kind;
  const bad = () => new ScenarioError(label, expectation(k), v);
  if (v === null && 'nullable' in k && k.nullable) return null;
  switch (k.type) {
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < k.min || v > k.max) throw bad();
      return v;
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v) || v > k.max || (k.exclusiveMin ? v <= k.min : v < k.min)) throw bad();
      return v;
    case 'enum':
      if (typeof v !== 'string' || !k.values.includes(v)) throw bad();
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw bad();
      return v;
    case 'partitions': return checkPartitions(v, bad);
  }
}

const PART_KEYS = ['atMs', 'healMs', 'oneWay'];

/** Partitions in time order, each healed before the next starts (times within the horizon's range). */
function checkPartitions(v: unknown, bad: () => ScenarioError): PartitionSpec[] {
  if (!Array.isArray(v) || v.length > 1000) throw bad();
  let last = -1;
  return v.map((p: unknown) => {
    if (p === null || typeof p !== 'object' || Object.keys(p).some((key) => !PART_KEYS.includes(key))) throw bad();
    const { atMs, healMs = null, oneWay = false } = p as Record<string, unknown>;
    if (typeof atMs !== 'number' || !Number.isFinite(atMs) || atMs < 0 || atMs > 8.64e7 || atMs <= last) throw bad();
    if (healMs !== null && (typeof healMs !== 'number' || !Number.isFinite(healMs) || healMs <= atMs || healMs > 8.64e7)) throw bad();
    if (typeof oneWay !== 'boolean' || last === Infinity) throw bad();
    last = healMs === null ? Infinity : healMs;
    return { atMs, healMs: healMs as number | null, oneWay };
  });
}

/** "0-2500+8000-:oneway" -> partitions (the command line's and the page's form). */
function parsePartitions(text: string): unknown {
  if (text.trim() === '' || text === 'none') return [];
  return text.split('+').map((part) => {
    const m = /^\s*(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)?(:oneway)?\s*$/.exec(part);
    if (!m) return null;   // refused by checkPartitions
    return { atMs: Number(m[1]), healMs: m[2] === undefined ? null : Number(m[2]), oneWay: m[3] !== undefined };
  });
}

/** The command-line form of partitions (parsePartitions' inverse). */
export function partitionsText(ps: readonly PartitionSpec[]): string {
  return ps.map((p) => `${p.atMs}-${p.healMs ?? ''}${p.oneWay ? ':oneway' : ''}`).join('+');
}

/** Parses a command-line string into a field's type (then checked). */
export function parseValue(f: Field, text: string, label: string): unknown {
  const k = f.kind;
  let v: unknown = text;
  if ((k.type === 'int' || k.type === 'number') && text.trim() !== '') v = text === 'default' && 'nullable' in k && k.nullable ? null : Number(text);
  if (k.type === 'partitions') v = parsePartitions(text);
  if (k.type === 'bool') v = text === 'true' || text === '1' ? true : text === 'false' || text === '0' ? false : text === 'default' && k.nullable ? null : text;
  try { return checkValue(f, v, label); } catch (e) {
    if (e instanceof ScenarioError) throw new ScenarioError(label, expectation(k), text);  // say what was typed
    throw e;
  }
}

const BY_PATH = new Map(FIELDS.map((f) => [f.path, f]));
const BY_FLAG = new Map(FIELDS.map((f) => [f.flag, f]));
const SECTIONS = ['server', 'clients', 'network', 'run'] as const;

/** A field by its --flag name or its dotted path. */
export function fieldByKey(key: string): Field | undefined { return BY_FLAG.get(key) ?? BY_PATH.get(key); }

/** The default scenario: npm start's (2000 clients at once against backlog 128 over 1 ms). */
export function defaultScenario(): Scenario {
  const s: Record<string, unknown> = {};
  for (const f of FIELDS) setPath(s, f.path, Array.isArray(f.default) ? [...f.default] : f.default);
  return s as unknown as Scenario;
}

export function getPath(o: unknown, path: string): unknown {
  let cur = o as Record<string, unknown> | undefined;
  for (const p of path.split('.')) cur = cur?.[p] as Record<string, unknown> | undefined;
  return cur;
}

export function setPath(o: Record<string, unknown>, path: string, v: unknown): void {
  const parts = path.split('.');
  let cur = o;
  for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
  cur[parts[parts.length - 1]] = v;
}

/**
 * A complete, checked scenario from partial input (JSON from a file, the page or a
 * sweep point): missing fields take their defaults; unknown keys and bad values throw
 * a ScenarioError naming the field and what it must be.
 */
export function normalizeScenario(input: unknown): Scenario {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new ScenarioError('scenario', 'an object', input);
  const inp = input as Record<string, unknown>;
  for (const key of Object.keys(inp)) {
    if (key !== 'seed' && !(SECTIONS as readonly string[]).includes(key)) {
      throw new ScenarioError(key, `a known key (seed, ${SECTIONS.join(', ')})`, key);
    }
  }
  for (const sec of SECTIONS) {
    const v = inp[sec];
    if (v === undefined) continue;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ScenarioError(sec, 'an object', v);
    const known = FIELDS.filter((f) => f.path.startsWith(`${sec}.`)).map((f) => f.path.slice(sec.length + 1));
    for (const key of Object.keys(v)) {
      if (!known.includes(key)) {
        throw new ScenarioError(`${sec}.${key}`, `a known key of ${sec} (${known.join(', ')})`, key);
      }
    }
  }
  const out = defaultScenario() as unknown as Record<string, unknown>;
  for (const f of FIELDS) {
    const v = getPath(inp, f.path);
    if (v !== undefined) setPath(out, f.path, checkValue(f, v));
  }
  const s = out as unknown as Scenario;
  if (s.server.deferAccept > 0 && s.server.personality === 'posix') {
    throw new ScenarioError('server.deferAccept', '0 with the posix personality (TCP_DEFER_ACCEPT is Linux, accept filters FreeBSD)', s.server.deferAccept);
  }
  const n = s.network;
  if (n.rateMbps > 0 && n.rateMbps < 0.001) throw new ScenarioError('network.rateMbps', '0 (no limit) or at least 0.001 (1 kbit/s, the link model\'s floor)', n.rateMbps);
  if (n.serverRateMbps > 0 && n.serverRateMbps < 0.001) throw new ScenarioError('network.serverRateMbps', '0 (no limit) or at least 0.001 (1 kbit/s, the link model\'s floor)', n.serverRateMbps);
  // The link model's drain bound (host/hosts.ts maxQueueBytes): a full queue empties in at most 2^38 µs.
  const queues: [string, number, string, number][] = [['limitBytes', n.limitBytes, 'rate-mbps', n.rateMbps], ['serverLimitBytes', n.serverLimitBytes, 'server-rate-mbps', n.serverRateMbps]];
  for (const [field, bytes, flag, mbps] of queues) {
    const most = maxQueueBytes(mbps * 1e6);
    if (mbps !== 0 && bytes > most) throw new ScenarioError(`network.${field}`, `a queue that drains in at most 2^38 µs at --${flag} ${mbps} (at most ${most} bytes)`, bytes);
  }
  if (n.lossModel === 'gemodel' && n.lossPercent > 0) throw new ScenarioError('network.lossPercent', '0 with lossModel gemodel (its loss comes from the ge-* fields)', n.lossPercent);
  if (n.mode === 'loopback') {
    // One host has no links: refuse what only a link can do, rather than ignore it.
    const linkOnly: [keyof NetworkSpec, boolean][] = [['jitterMs', n.jitterMs > 0], ['lossPercent', n.lossPercent > 0], ['lossModel', n.lossModel !== 'bernoulli'],
      ['rateMbps', n.rateMbps > 0], ['serverRateMbps', n.serverRateMbps > 0], ['partitions', n.partitions.length > 0]];
    for (const [key, set] of linkOnly) if (set) throw new ScenarioError(`network.${key}`, 'left at its default with network mode loopback (one host has no links)', n[key]);
    if (s.clients.personality !== 'server' && s.clients.personality !== s.server.personality) {
      throw new ScenarioError('clients.personality', 'server (or the server\'s personality) with network mode loopback: one host has one personality', s.clients.personality);
    }
  }
  if (s.clients.arrival === 'ramp' && s.clients.rampFrom === 0 && s.clients.rate === 0) {
    throw new ScenarioError('clients.rate', 'above 0 for a ramp', s.clients.rate);
  }
  return s;
}

/** How many clients a scenario may start at most (closed models: a bound, not an estimate). */
export function clientBound(s: Scenario): number {
  const c = s.clients, secs = c.durationMs / 1000;
  switch (c.arrival) {
    case 'burst': return c.count;
    case 'poisson': return Math.ceil(c.rate * secs * 1.2 + 100);
    case 'ramp': return Math.ceil(((c.rampFrom + c.rate) / 2) * secs * 1.2 + 100);
    case 'closed': return c.users;
  }
}
