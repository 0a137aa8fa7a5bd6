// Counters for every refused, dropped or reset connection, with the names Linux
// uses in /proc/net/netstat (TcpExt) and /proc/net/snmp (Tcp) where one exists.
// The host reads them with sk_stats(); the order here is the ABI (docs/abi.md).

export enum Stat {
  ListenOverflows = 0,   // TcpExt: accept queue full when a SYN or the final ACK arrived
  ListenDrops,           // TcpExt: every SYN or ACK a listener dropped, overflow or not
  TCPReqQFullDrop,       // TcpExt: SYN dropped because the SYN queue was full, no syncookies
  TCPReqQFullDoCookies,  // TcpExt: SYN answered with a cookie because the SYN queue was full
  SyncookiesSent,        // TcpExt
  SyncookiesRecv,        // TcpExt: ACKs that carried a valid cookie
  EmbryonicRsts,         // TcpExt: requests reset (tcp_abort_on_overflow)
  TCPSynRetrans,         // TcpExt: SYN and SYN-ACK retransmissions (timer or duplicate SYN)
  TCPTimeouts,           // TcpExt: SYN-ACK retransmissions and connect timeouts
  ActiveOpens,           // Tcp: connect() sent a SYN
  PassiveOpens,          // Tcp: a listener created a connection
  AttemptFails,          // Tcp: connect attempts that ended refused, reset or timed out
  EstabResets,           // Tcp: established connections reset
  OutRsts,               // Tcp: resets sent
  ReqDropped,            // ours: SYN-queue requests dropped after tcp_synack_retries
  AcceptQueueResets,     // ours: connections reset because their listener closed or shut down
  ConnectRefused,        // ours: connect() found no listener (ECONNREFUSED)
  ConnectTimedOut,       // ours: connect() ended in ETIMEDOUT
  UnixRefusedFull,       // ours: AF_UNIX connect refused or EAGAIN because the backlog was full
  TCPAbortOnClose,       // TcpExt: close() with unread data: reset sent
  TCPAbortOnData,        // TcpExt: data for a closed socket, or close() with SO_LINGER 0: reset
  TCPTimeWaitOverflow,   // TcpExt: TIME_WAIT skipped, tcp_max_tw_buckets reached
  UdpNoPorts,            // Udp: datagrams to a port nobody listens on (ICMP port unreachable)
  UdpRcvbufErrors,       // Udp: datagrams dropped because the receive buffer was full
  TCPDeferAcceptDrop,    // TcpExt: final ACKs without data held back by TCP_DEFER_ACCEPT
  AcceptFilterDrops,     // ours: FreeBSD accept filter: oldest pending connection dropped (listen(2))
  TCPAbortOnTimeout,     // TcpExt: a connection's data or FIN went unanswered through all its retransmissions (tcp_write_err)
  SyncookiesFailed,      // TcpExt: ACKs whose cookie was too old (answered with a reset)
  CookieAckResends,      // ours: segments a cookie client sent again, each carrying its ACK, while no server socket had taken it
  TWRecycled,            // TcpExt: connect() took a 4-tuple from a TIME_WAIT socket, which was killed (tcp_tw_reuse)
  TCPAckSkippedSynRecv,  // TcpExt: a duplicate SYN's SYN-ACK not sent (tcp_invalid_ratelimit)
  Count
}

// The counters are per host (a network namespace's own /proc/net/netstat): `table`
// points at the current host's (core/hosts.ts useStats when a host is entered).
export const STATS_BYTES: usize = <usize>Stat.Count << 3;
const host0 = memory.data(<i32>STATS_BYTES);
let table: usize = host0;

/** Makes the counters at p (STATS_BYTES) the current ones; 0 for host 0's. */
export function useStats(p: usize): void { table = p == 0 ? host0 : p; }

// @ts-ignore: decorator
@inline export function bump(stat: Stat): void {
  let p = table + (<usize>stat << 3);
  store<u64>(p, load<u64>(p) + 1);
}

export function readStat(i: i32): u64 {
  return <u32>i < <u32>Stat.Count ? load<u64>(table + (<usize>i << 3)) : 0;
}

/** Every counter of the current host to 0. */
export function resetStats(): void { memory.fill(table, 0, STATS_BYTES); }
