// Observability: the counters (nstat), the socket table (ss -a), the kernel's
// consistency check and its memory accounting. Each reads the kernel; none keeps a copy.

import { AF_INET6, AF_UNIX, SOCKET_STATES, STAT_NAMES, SOCK_DGRAM, SOCK_SEQPACKET, type SocketStateName, type StatName } from './constants.js';
import { decodeSockaddr, type SocketAddress } from './sockaddr.js';
import { KernelPanic } from './abi/imports.js';
import { MEM_FIELDS, SOCK_ROW, type MemField } from './abi/layouts.js';
import type { KernelAccess } from './abi/instance.js';

export interface SocketInfo {
  fd: number | null;
  state: SocketStateName;
  family: 'IPv4' | 'IPv6' | 'unix';
  type: 'stream' | 'dgram' | 'seqpacket';
  /** LISTEN: connections waiting in the accept queue (ss -lt Recv-Q). */
  recvQ: number;
  /** LISTEN: the backlog in force (ss -lt Send-Q). */
  sendQ: number;
  /** LISTEN: requests in the SYN queue. */
  synRecv: number;
  /** LISTEN: connections this listener turned away. */
  drops: number;
  local: SocketAddress;
  peer: SocketAddress | null;
}

export type MemoryUsage = Record<MemField, number>;

export function stats(k: KernelAccess): Record<StatName, number> {
  const out = {} as Record<StatName, number>;
  STAT_NAMES.forEach((name, i) => { out[name] = Number(k.x.sk_stat(i)); });
  return out;
}

export function sockets(k: KernelAccess): SocketInfo[] {
  const rows: SocketInfo[] = [];
  const s = k.scratch, R = SOCK_ROW;
  for (let c = k.x.sk_sock_row(0); c >= 0; c = k.x.sk_sock_row(c)) {
    const v = k.view();
    const domain = v.getUint8(s + R.domain), type = v.getUint8(s + R.type), fd = v.getInt32(s + R.fd, true);
    const peerLen = v.getInt32(s + R.peerLen, true);
    rows.push({
      fd: fd < 0 ? null : fd,
      state: SOCKET_STATES[v.getUint8(s + R.state)],
      family: domain === AF_UNIX ? 'unix' : domain === AF_INET6 ? 'IPv6' : 'IPv4',
      type: type === SOCK_DGRAM ? 'dgram' : type === SOCK_SEQPACKET ? 'seqpacket' : 'stream',
      recvQ: v.getUint32(s + R.recvQ, true),
      sendQ: v.getUint32(s + R.sendQ, true),
      synRecv: v.getUint32(s + R.synRecv, true),
      drops: v.getUint32(s + R.drops, true),
      local: decodeSockaddr(v, s + R.local, v.getInt32(s + R.localLen, true)),
      peer: peerLen > 0 ? decodeSockaddr(v, s + R.peer, peerLen) : null,
    });
  }
  return rows;
}

export function check(k: KernelAccess): void {
  const r = k.x.sk_check();
  if (r !== 0) throw new KernelPanic(`socket-kernel consistency check failed: invariant ${-r} (sk_check)`);
}

export function memoryUsage(k: KernelAccess): MemoryUsage {
  const out = {} as MemoryUsage;
  MEM_FIELDS.forEach((name, i) => { out[name] = Number(k.x.sk_mem(i)); });
  return out;
}
