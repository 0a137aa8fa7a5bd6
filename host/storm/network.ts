// Everything in the storm that depends on the network, in one place (the engine asks
// this module for its kernels and its client descriptors, never for addresses).
//
// network.mode 'hosts' (the default; issue 12's hosts and links, docs/network.md):
// - the server is a host of its own ('server', 10.0.0.1) with the scenario's server
//   personality and sysctls, listening on INADDR_ANY:port;
// - clients are spread, in turn, over H client hosts (10.1.<g/256>.<g%256>), each with
//   its own ephemeral port range, descriptor table and counters; H is `clients.sources`,
//   or enough that at most half of each host's range is in use even if every client
//   connected at once (ports are then never the accidental limit; the result says
//   `ports.limited` when they were);
// - every client host <-> server pair follows the kernel's default link, set from the
//   network section with netem's knobs (delay, jitter, loss random / gemodel, rate,
//   limit), both directions alike; scheduled partitions cut every client host from the
//   server (oneWay: clients -> server only) and heal, on the simulated clock;
// - the server host may have an uplink (network.serverRateMbps, serverLimitBytes): every
//   packet it sends to any client queues there first, so clients share its bandwidth.
// - the default host (0) holds nothing: it is the clock (advance, nextTimer).
//
// network.mode 'loopback' (one host, the storm before hosts): the server and clients
// share one kernel; clients come in G address groups, group g dialling 127.1.<g/256>.
// <g%256>, a local address, so its connections have their own 4-tuples and their own
// ephemeral port range (Linux __inet_hash_connect picks a port per destination). One-way
// latency is the kernel's global linkDelay. (bind() to a source address before connect
// would do the same, but a bind(port 0) scans the port table -- inet_csk_find_open_port
// -- and costs O(ports) per client once a range fills: why Linux grew
// IP_BIND_ADDRESS_NO_PORT.)

import { AF_INET, SOCK_STREAM, SOCK_NONBLOCK } from '../constants.js';
import { Errno } from '../errors.js';
import { Kernel, type KernelOptions, type LinkOptions, type LinkStats, type UplinkStats } from '../kernel.js';
import type { Scenario } from './scenario.js';

export const SERVER_ADDRESS = '10.0.0.1';
const MAX_GROUPS = 4096;

/** What the result reports of the network (report.ts). */
export interface NetworkCounters {
  mode: Scenario['network']['mode'];
  /** Client hosts (hosts) or client address groups (loopback). */
  clientHosts: number;
  /** Summed over the client hosts' links (hosts mode; null over loopback). */
  links: { toServer: LinkStats; toClients: LinkStats } | null;
  /** The server host's uplink counters (null without one, and over loopback). */
  serverUplink: UplinkStats | null;
  /** Kernel counters per host: the server's, and the client hosts' summed (loopback: one host, both the same). */
  hosts: {
    server: { personality: string; counters: Record<string, number> };
    clients: { count: number; personality: string; counters: Record<string, number> };
  };
}

export class Network {
  readonly groups: number;
  readonly portsPerGroup: number;
  readonly oneWayUs: number;
  /** Connect attempts that found every group's ephemeral ports taken. */
  exhausted = 0;
  /** The clock (advance, nextTimer): the default host. */
  readonly root: Kernel;
  /** Where the server's calls go. */
  readonly server: Kernel;
  /** Where client group g's calls go (loopback: the one kernel for every g). */
  readonly clients: Kernel[] = [];
  readonly mode: Scenario['network']['mode'];
  /** The server host has an uplink (hosts mode, network.serverRateMbps > 0). */
  readonly #uplink: boolean;
  #next = 0;
  #addrs: { address: string; port: number }[] = [];

  constructor(module: WebAssembly.Module, s: Scenario, clientBound: number, maxFds: number) {
    this.mode = s.network.mode;
    this.#uplink = this.mode === 'hosts' && s.network.serverRateMbps > 0;
    this.oneWayUs = Math.round(s.network.latencyMs * 1000);
    const server = serverOptions(s);
    if (this.mode === 'loopback') {
      this.root = this.server = new Kernel(module, { ...server, ...clientOptions(s, s.server.personality), maxFds, seed: s.seed, linkDelay: s.network.latencyMs });
    } else {
      // The default host is only the clock; its descriptors are never used.
      this.root = new Kernel(module, { seed: s.seed, maxFds: 16 });
      const uplink = s.network.serverRateMbps > 0 ? { uplink: { rate: Math.round(s.network.serverRateMbps * 1e6), limit: s.network.serverLimitBytes } } : {};
      this.server = this.root.addHost({ name: 'server', addresses: [SERVER_ADDRESS], ...server, maxFds, ...uplink });
    }
    this.portsPerGroup = this.server.sysctl('ipLocalPortRangeHigh') - this.server.sysctl('ipLocalPortRangeLow') + 1;
    this.groups = s.clients.sources > 0 ? s.clients.sources
      : Math.min(MAX_GROUPS, Math.max(1, Math.ceil((2 * clientBound) / this.portsPerGroup)));
    const clientFds = Math.min(maxFds, Math.ceil((2 * clientBound) / this.groups) + 1024);
    const personality = s.clients.personality === 'server' ? s.server.personality : s.clients.personality;
    for (let g = 0; g < this.groups; g++) {
      const address = `${this.mode === 'loopback' ? '127.1' : '10.1'}.${g >> 8}.${g & 255}`;
      if (this.mode === 'loopback') {
        this.server.addAddress(address);
        this.clients.push(this.server);
        this.#addrs.push({ address, port: s.server.port });
      } else {
        this.clients.push(this.root.addHost({ name: `client${g}`, addresses: [address], ...clientOptions(s, personality), maxFds: clientFds }));
        this.#addrs.push({ address: SERVER_ADDRESS, port: s.server.port });
      }
    }
    if (this.mode === 'hosts') this.#links(s);
  }

  #links(s: Scenario): void {
    const n = s.network, k = this.root;
    const o: LinkOptions = { latency: n.latencyMs, jitter: n.jitterMs };
    if (n.lossModel === 'bernoulli') o.loss = n.lossPercent / 100;
    else o.lossModel = { type: 'gemodel', p: n.gePPercent / 100, r: n.geRPercent / 100, oneMinusH: n.geBadLossPercent / 100, oneMinusK: n.geGoodLossPercent / 100 };
    if (n.rateMbps > 0) { o.rate = Math.round(n.rateMbps * 1e6); o.limit = n.limitBytes; }
    k.defaultLink(o);
    // A partition names each pair (O(client hosts) once per partition, never per packet);
    // the pairs keep following the default link's parameters.
    for (const p of n.partitions) {
      for (const c of this.clients) {
        k.partition(c, this.server, { at: p.atMs, oneWay: p.oneWay });
        if (p.healMs !== null) k.heal(c, this.server, { at: p.healMs, oneWay: p.oneWay });
      }
    }
  }

  /** The server's listening address. */
  listenAddress(port: number): { address: string; port: number } { return { address: '0.0.0.0', port }; }

  /**
   * Opens n nonblocking clients (socket + connect, batched), spread over the groups in
   * turn. `fds[i]` is a descriptor of host `group[i]`, or -errno (-EADDRNOTAVAIL when
   * every group's ports are taken).
   */
  open(n: number, fds: Int32Array, group: Uint16Array): void {
    const G = this.groups;
    let done = 0;
    // One batched call per group: clients [done, done + share) dial from group g.
    for (let i = 0; i < G && done < n; i++) {
      const share = Math.ceil((n - done) / (G - i));
      const g = (this.#next + i) % G;
      fds.set(this.clients[g].connectBatch(share, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, this.#addrs[g]), done);
      group.fill(g, done, done + share);
      done += share;
    }
    this.#next = (this.#next + Math.min(n, G)) % G;
    for (let i = 0; i < n; i++) {
      if (fds[i] !== -Errno.EADDRNOTAVAIL) continue;
      // This group's range is full: try the others, in turn.
      for (let j = 1; j < G && fds[i] === -Errno.EADDRNOTAVAIL; j++) {
        const g = (this.#next + j) % G;
        fds[i] = this.clients[g].connectBatch(1, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, this.#addrs[g])[0];
        group[i] = g;
      }
      if (fds[i] === -Errno.EADDRNOTAVAIL) this.exhausted++;
    }
  }

  /** Link and per-host counters (O(client hosts), at the end of a run). */
  counters(): NetworkCounters {
    const counters = this.server.stats() as Record<string, number>;
    const server = { personality: this.server.personality, counters };
    const hosts = (c: Record<string, number>) => ({ server, clients: { count: this.groups, personality: this.clients[0].personality, counters: c } });
    if (this.mode === 'loopback') return { mode: this.mode, clientHosts: this.groups, links: null, serverUplink: null, hosts: hosts(counters) };
    const clients: Record<string, number> = {}, toServer: Record<string, number> = {}, toClients: Record<string, number> = {};
    for (const c of this.clients) {
      sum(clients, c.stats());
      sum(toServer, this.root.linkStats(c, this.server));
      sum(toClients, this.root.linkStats(this.server, c));
    }
    const links = { toServer: toServer as unknown as LinkStats, toClients: toClients as unknown as LinkStats };
    const serverUplink = this.#uplink ? this.root.uplinkStats(this.server) : null;
    return { mode: this.mode, clientHosts: this.groups, links, serverUplink, hosts: hosts(clients) };
  }
}

function sum(into: Record<string, number>, add: object): Record<string, number> {
  for (const [key, v] of Object.entries(add)) into[key] = (into[key] ?? 0) + (v as number);
  return into;
}

/** The server host's personality and sysctls. */
function serverOptions(s: Scenario): KernelOptions {
  const o: KernelOptions = {
    personality: s.server.personality,
    tcpSyncookies: s.server.syncookies as 0 | 1 | 2,
    tcpSynackRetries: s.server.synackRetries,
    tcpMaxSynBacklog: s.server.maxSynBacklog,
  };
  if (s.server.somaxconn !== null) o.somaxconn = s.server.somaxconn;
  if (s.server.abortOnOverflow !== null) o.tcpAbortOnOverflow = s.server.abortOnOverflow;
  return o;
}

/** A client host's personality and sysctls (the SYN schedule is the client's). */
function clientOptions(s: Scenario, personality: KernelOptions['personality']): KernelOptions {
  const o: KernelOptions = { personality, tcpSynRetries: s.clients.synRetries };
  if (s.clients.synLinearTimeouts !== null) o.tcpSynLinearTimeouts = s.clients.synLinearTimeouts;
  return o;
}
