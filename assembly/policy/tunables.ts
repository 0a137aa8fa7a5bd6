// Tunables: the sysctls and limits the kernel reads, with their defaults per
// personality. Every read goes through tunable(), which reads the current host's
// table (core/hosts.ts points `table` at it when a host is entered: a network
// namespace's own sysctls). The names are the ABI (docs/abi.md, host/constants.ts TUNABLES).

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
  TcpTwReuse,               // net.ipv4.tcp_tw_reuse: 0 never, 1 any address, 2 loopback only (tcp/time_wait.ts)
  TcpTwReuseDelayMs,        // net.ipv4.tcp_tw_reuse_delay (Linux 6.13+), in ms
  TwReuseWholeSeconds,      // Linux 5.15-6.12 tcp_twsk_unique: the last timestamp from an earlier second, no delay sysctl (kernel option)
  TwReuseFinWait2,          // Linux before 6.11: an orphan's FIN_WAIT2 4-tuple may be reused too (kernel 'linux-5.15', 'linux-6.1')
  Count
}

/** Bytes of one host's tunable table (i64 each). */
export const TUNABLES_BYTES: usize = <usize>Tunable.Count << 3;
// Host 0's table; other hosts keep theirs in their host record (core/hosts.ts).
const host0 = memory.data(<i32>TUNABLES_BYTES);
let table: usize = host0;

/** Makes the table at p (TUNABLES_BYTES) the current one; 0 for host 0's. */
export function useTunables(p: usize): void { table = p == 0 ? host0 : p; }

// @ts-ignore: decorator
@inline function put(t: Tunable, v: i64): void { store<i64>(table + (<usize>t << 3), v); }

/** Every tunable back to its default for personality p. */
export function resetTunables(p: Personality): void {
  // Linux defaults as read on this project's reference machine (Linux 6.18) and in
  // Documentation/networking/ip-sysctl.rst.
  put(Tunable.Somaxconn, p == Personality.FreeBSD ? 128 : 4096); // FreeBSD: SOMAXCONN in sys/sys/socket.h
  put(Tunable.TcpMaxSynBacklog, 2048);
  put(Tunable.TcpSyncookies, 1);
  put(Tunable.TcpSynRetries, 6);
  put(Tunable.TcpSynackRetries, 5);
  put(Tunable.TcpSynLinearTimeouts, p == Personality.Linux ? 4 : 0);
  // FreeBSD: net.inet.tcp.syncache.rst_on_sock_fail = 1 (sys/netinet/tcp_syncache.c).
  put(Tunable.TcpAbortOnOverflow, p == Personality.FreeBSD ? 1 : 0);
  // FreeBSD net.inet.ip.portrange.first/last default 10000..65535 (sys/netinet/in_pcb.c).
  put(Tunable.IpLocalPortRangeLow, p == Personality.FreeBSD ? 10000 : 32768);
  put(Tunable.IpLocalPortRangeHigh, p == Personality.FreeBSD ? 65535 : 60999);
  put(Tunable.IpUnprivilegedPortStart, 1024);
  put(Tunable.MaxFds, 1024);           // the usual soft RLIMIT_NOFILE
  put(Tunable.Privileged, 0);
  put(Tunable.LinkDelayUs, 0);
  put(Tunable.TcpMaxTwBuckets, 131072);   // as read on the reference machine
  put(Tunable.TcpFinTimeoutUs, 60000000);  // tcp_fin_timeout = 60 s
  put(Tunable.ConnectTimeWaitInUse, 0);    // FreeBSD 14 removed INP_TIMEWAIT (docs/personalities.md §8)
  // ip-sysctl.rst "tcp_tw_reuse ... Default: 2" (loopback only, since v4.20); FreeBSD has
  // no such sysctl and never recycles on connect (policy/personality.ts connectRecyclesTimeWait).
  put(Tunable.TcpTwReuse, p == Personality.FreeBSD ? 0 : 2);
  put(Tunable.TcpTwReuseDelayMs, 1000);     // ip-sysctl.rst "tcp_tw_reuse_delay ... Default: 1000"
  put(Tunable.TwReuseWholeSeconds, 0);      // 6.13+ compare tw_entry_stamp + tcp_tw_reuse_delay
  put(Tunable.TwReuseFinWait2, 0);          // 6.11+ "if (tw->tw_substate == TCP_FIN_WAIT2) reuse = 0;"
}

// @ts-ignore: decorator
@inline export function tunable(t: Tunable): i64 { return load<i64>(table + (<usize>t << 3)); }

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
    case Tunable.TcpTwReuse:
      if (v < 0 || v > 2) return -Errno.EINVAL; break;
    case Tunable.TcpTwReuseDelayMs:
      // sysctl_net_ipv4.c: extra1 SYSCTL_ONE, extra2 tcp_tw_reuse_delay_max = TCP_PAWS_MSL * MSEC_PER_SEC
      if (v < 1 || v > 60000) return -Errno.EINVAL; break;
    default:
      if (v < 0 || v > 1) return -Errno.EINVAL;
  }
  // ipv4_local_port_range (net/ipv4/sysctl_net_ipv4.c) refuses low > high with EINVAL.
  if (t == Tunable.IpLocalPortRangeLow && v > tunable(Tunable.IpLocalPortRangeHigh)) return -Errno.EINVAL;
  if (t == Tunable.IpLocalPortRangeHigh && v < tunable(Tunable.IpLocalPortRangeLow)) return -Errno.EINVAL;
  put(<Tunable>t, v);
  return 0;
}
