// Tunables: the sysctls and limits the kernel reads, with their defaults per
// personality. Every read goes through tunable(); the next issue makes the table
// per host. The names are the ABI (docs/abi.md, host/constants.ts TUNABLES).

import { Errno } from "../core/errno";
import { Personality } from "./personality";

export enum Tunable {
  Somaxconn = 0,            // net.core.somaxconn (Linux 5.4+: 4096) / kern.ipc.somaxconn
  TcpMaxSynBacklog,         // net.ipv4.tcp_max_syn_backlog
  TcpSyncookies,            // net.ipv4.tcp_syncookies: 0 off, 1 when the SYN queue is full, 2 always
  TcpSynRetries,            // net.ipv4.tcp_syn_retries
  TcpSynackRetries,         // net.ipv4.tcp_synack_retries
  TcpSynLinearTimeouts,     // net.ipv4.tcp_syn_linear_timeouts (Linux 6.11+)
  TcpAbortOnOverflow,       // net.ipv4.tcp_abort_on_overflow
  IpLocalPortRangeLow,      // net.ipv4.ip_local_port_range (first)
  IpLocalPortRangeHigh,     // net.ipv4.ip_local_port_range (second)
  IpUnprivilegedPortStart,  // net.ipv4.ip_unprivileged_port_start
  MaxFds,                   // RLIMIT_NOFILE
  Privileged,               // CAP_NET_BIND_SERVICE: 1 lets any port be bound
  LinkDelayUs,              // ours: one-way packet delay in simulated microseconds (0: loopback, instant)
  TcpMaxTwBuckets,          // net.ipv4.tcp_max_tw_buckets
  TcpFinTimeoutUs,          // net.ipv4.tcp_fin_timeout, in microseconds
  ConnectTimeWaitInUse,     // FreeBSD 13 tcp_usr_connect INP_TIMEWAIT: connect() on a TIME_WAIT socket is EADDRINUSE (kernel 'freebsd-13')
  Count
}

const tunables = new StaticArray<i64>(Tunable.Count);

/** Every tunable back to its default for personality p. */
export function resetTunables(p: Personality): void {
  // Linux defaults as read on this project's reference machine (Linux 6.18) and in
  // Documentation/networking/ip-sysctl.rst.
  tunables[Tunable.Somaxconn] = p == Personality.FreeBSD ? 128 : 4096; // FreeBSD: SOMAXCONN in sys/sys/socket.h
  tunables[Tunable.TcpMaxSynBacklog] = 2048;
  tunables[Tunable.TcpSyncookies] = 1;
  tunables[Tunable.TcpSynRetries] = 6;
  tunables[Tunable.TcpSynackRetries] = 5;
  tunables[Tunable.TcpSynLinearTimeouts] = p == Personality.Linux ? 4 : 0;
  // FreeBSD: net.inet.tcp.syncache.rst_on_sock_fail = 1 (sys/netinet/tcp_syncache.c).
  tunables[Tunable.TcpAbortOnOverflow] = p == Personality.FreeBSD ? 1 : 0;
  // FreeBSD net.inet.ip.portrange.first/last default 10000..65535 (sys/netinet/in_pcb.c).
  tunables[Tunable.IpLocalPortRangeLow] = p == Personality.FreeBSD ? 10000 : 32768;
  tunables[Tunable.IpLocalPortRangeHigh] = p == Personality.FreeBSD ? 65535 : 60999;
  tunables[Tunable.IpUnprivilegedPortStart] = 1024;
  tunables[Tunable.MaxFds] = 1024;           // the usual soft RLIMIT_NOFILE
  tunables[Tunable.Privileged] = 0;
  tunables[Tunable.LinkDelayUs] = 0;
  tunables[Tunable.TcpMaxTwBuckets] = 131072;   // as read on the reference machine
  tunables[Tunable.TcpFinTimeoutUs] = 60000000;  // tcp_fin_timeout = 60 s
  tunables[Tunable.ConnectTimeWaitInUse] = 0;    // FreeBSD 14 removed INP_TIMEWAIT (docs/personalities.md §8)
}

// @ts-ignore: decorator
@inline export function tunable(t: Tunable): i64 { return unchecked(tunables[t]); }

/** Sets a tunable; returns 0 or -EINVAL for an unknown id or a value out of range. */
export function setTunable(t: i32, v: i64): i32 {
  if (<u32>t >= <u32>Tunable.Count) return -Errno.EINVAL;
  switch (t) {
    case Tunable.Somaxconn:
    case Tunable.TcpMaxSynBacklog:
      if (v < 0 || v > 0x7fffffff) return -Errno.EINVAL; break;
    case Tunable.TcpSyncookies:
      if (v < 0 || v > 2) return -Errno.EINVAL; break;
    case Tunable.TcpSynRetries:
    case Tunable.TcpSynackRetries:
      if (v < 1 || v > 127) return -Errno.EINVAL; break; // ip-sysctl.rst: "up to 127"
    case Tunable.TcpSynLinearTimeouts:
      if (v < 0 || v > 127) return -Errno.EINVAL; break;
    case Tunable.IpLocalPortRangeLow:
    case Tunable.IpLocalPortRangeHigh:
      if (v < 1 || v > 65535) return -Errno.EINVAL; break;
    case Tunable.IpUnprivilegedPortStart:
      if (v < 0 || v > 65535) return -Errno.EINVAL; break;
    case Tunable.MaxFds:
      if (v < 3 || v > (1 << 24)) return -Errno.EINVAL; break;
    case Tunable.LinkDelayUs:
    case Tunable.TcpFinTimeoutUs:
      if (v < 0 || v > 3600000000) return -Errno.EINVAL; break;
    case Tunable.TcpMaxTwBuckets:
      if (v < 0 || v > 0x7fffffff) return -Errno.EINVAL; break;
    default:
      if (v < 0 || v > 1) return -Errno.EINVAL;
  }
  // ipv4_local_port_range (net/ipv4/sysctl_net_ipv4.c) refuses low > high with EINVAL.
  if (t == Tunable.IpLocalPortRangeLow && v > tunables[Tunable.IpLocalPortRangeHigh]) return -Errno.EINVAL;
  if (t == Tunable.IpLocalPortRangeHigh && v < tunables[Tunable.IpLocalPortRangeLow]) return -Errno.EINVAL;
  unchecked(tunables[t] = v);
  return 0;
}
