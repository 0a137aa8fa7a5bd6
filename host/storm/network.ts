// Everything in the storm that depends on the network, in one place, so that moving
// clients and server onto their own hosts across links (issue 12) changes this file
// only. Today there is one kernel and its global `linkDelay`:
//
// - the server listens on INADDR_ANY:port;
// - clients come in G address groups. Group g dials 127.1.<g/256>.<g%256>, a local
//   address of the one kernel, so its connections have their own 4-tuples and their
//   own ephemeral port range (Linux __inet_hash_connect picks a port per destination):
//   G groups give G x (ip_local_port_range) ports. With hosts, group g becomes client
//   host g dialling the server host's address, and the source address differs instead.
//   (bind() to a source address before connect would do the same, but a bind(port 0)
//   scans the port table -- inet_csk_find_open_port -- and costs O(ports) per client
//   once a range fills, which is why Linux grew IP_BIND_ADDRESS_NO_PORT.)
// - one-way latency is the kernel's linkDelay, the same for every packet.

import { AF_INET, SOCK_STREAM, SOCK_NONBLOCK } from '../constants.js';
import { Errno } from '../errors.js';
import type { Kernel, KernelOptions } from '../kernel.js';
import type { Scenario } from './scenario.js';

export class Network {
  readonly groups: number;
  readonly portsPerGroup: number;
  readonly oneWayUs: number;
  #next = 0;
  #addrs: { address: string; port: number }[] = [];
  /** Connect attempts that found every group's ephemeral ports taken. */
  exhausted = 0;
  /** Where the server's calls go, and the clients' (today the same kernel). */
  readonly server: Kernel;
  readonly client: Kernel;

  /** Kernel options the network needs. */
  static kernelOptions(s: Scenario): Partial<KernelOptions> {
    return { linkDelay: s.network.latencyMs };
  }

  constructor(readonly k: Kernel, s: Scenario, clientBound: number) {
    this.server = k;
    this.client = k;
    this.oneWayUs = Math.round(s.network.latencyMs * 1000);
    this.portsPerGroup = k.sysctl('ipLocalPortRangeHigh') - k.sysctl('ipLocalPortRangeLow') + 1;
    // Enough groups that at most half of each range is in use at once, even if every
    // client of the scenario were connecting (or in TIME_WAIT) at the same time.
    this.groups = s.clients.sources > 0 ? s.clients.sources
      : Math.min(4096, Math.max(1, Math.ceil((2 * clientBound) / this.portsPerGroup)));
    for (let g = 0; g < this.groups; g++) {
      const address = `127.1.${g >> 8}.${g & 255}`;
      k.addAddress(address);
      this.#addrs.push({ address, port: s.server.port });
    }
  }

  /** The server's listening address. */
  listenAddress(port: number): { address: string; port: number } { return { address: '0.0.0.0', port }; }

  /**
   * Opens n nonblocking clients (socket + connect, batched), spread over the groups in
   * turn. Entries are fds, or -errno (-EADDRNOTAVAIL when every group's ports are taken).
   */
  open(n: number): Int32Array {
    const out = new Int32Array(n);
    const G = this.groups;
    let done = 0;
    // One batched call per group: clients [done, done + share) dial group g.
    for (let i = 0; i < G && done < n; i++) {
      const share = Math.ceil((n - done) / (G - i));
      const g = (this.#next + i) % G;
      out.set(this.k.connectBatch(share, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, this.#addrs[g]), done);
      done += share;
    }
    this.#next = (this.#next + Math.min(n, G)) % G;
    for (let i = 0; i < n; i++) {
      if (out[i] !== -Errno.EADDRNOTAVAIL) continue;
      // This group's range is full: try the others, in turn.
      for (let j = 1; j < G && out[i] === -Errno.EADDRNOTAVAIL; j++) {
        out[i] = this.k.connectBatch(1, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, this.#addrs[(this.#next + j) % G])[0];
      }
      if (out[i] === -Errno.EADDRNOTAVAIL) this.exhausted++;
    }
    return out;
  }
}
