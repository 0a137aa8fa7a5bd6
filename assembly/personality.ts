// Personality policy: every place where Linux, FreeBSD and POSIX disagree about
// listen()/accept()/connect() is decided here, each rule with its source.
// Tunables carry their sysctl names (Linux /proc/sys/net, FreeBSD kern.ipc).

export enum Personality {
  Linux = 0,
  FreeBSD = 1,
  Posix = 2,
}

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
  Count
}

let personality: Personality = Personality.Linux;
const tunables = new StaticArray<i64>(Tunable.Count);

export function setDefaults(p: Personality): void {
  personality = p;
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
}

export function getPersonality(): Personality { return personality; }

// @ts-ignore: decorator
@inline export function tunable(t: Tunable): i64 { return unchecked(tunables[t]); }

/** Sets a tunable; returns 0 or -EINVAL for an unknown id or a value out of range. */
export function setTunable(t: i32, v: i64): i32 {
  if (<u32>t >= <u32>Tunable.Count) return -22;
  switch (t) {
    case Tunable.Somaxconn:
    case Tunable.TcpMaxSynBacklog:
      if (v < 0 || v > 0x7fffffff) return -22; break;
    case Tunable.TcpSyncookies:
      if (v < 0 || v > 2) return -22; break;
    case Tunable.TcpSynRetries:
    case Tunable.TcpSynackRetries:
      if (v < 1 || v > 127) return -22; break; // ip-sysctl.rst: "up to 127"
    case Tunable.TcpSynLinearTimeouts:
      if (v < 0 || v > 127) return -22; break;
    case Tunable.IpLocalPortRangeLow:
    case Tunable.IpLocalPortRangeHigh:
      if (v < 1 || v > 65535) return -22; break;
    case Tunable.IpUnprivilegedPortStart:
      if (v < 0 || v > 65535) return -22; break;
    case Tunable.MaxFds:
      if (v < 3 || v > (1 << 24)) return -22; break;
    case Tunable.LinkDelayUs:
    case Tunable.TcpFinTimeoutUs:
      if (v < 0 || v > 3600000000) return -22; break;
    case Tunable.TcpMaxTwBuckets:
      if (v < 0 || v > 0x7fffffff) return -22; break;
    default:
      if (v < 0 || v > 1) return -22;
  }
  // ipv4_local_port_range (net/ipv4/sysctl_net_ipv4.c) refuses low > high with EINVAL.
  if (t == Tunable.IpLocalPortRangeLow && v > tunables[Tunable.IpLocalPortRangeHigh]) return -22;
  if (t == Tunable.IpLocalPortRangeHigh && v < tunables[Tunable.IpLocalPortRangeLow]) return -22;
  unchecked(tunables[t] = v);
  return 0;
}

// ---------------------------------------------------------------------------
// listen(2) backlog

/**
 * The queue limit a listen(fd, backlog) call stores (Linux sk_max_ack_backlog,
 * FreeBSD sol_qlimit).
 */
export function backlogLimit(backlog: i32): u32 {
  let somax = <u32>tunable(Tunable.Somaxconn);
  switch (personality) {
    case Personality.Linux:
      // net/socket.c __sys_listen: "if ((unsigned int)backlog > somaxconn) backlog = somaxconn;"
      // so a negative backlog, seen as unsigned, becomes somaxconn.
      return <u32>backlog > somax ? somax : <u32>backlog;
    case Personality.FreeBSD:
      // sys/kern/uipc_socket.c solisten_proto: "if (backlog < 0 || backlog > somaxconn) backlog = somaxconn;"
      return backlog < 0 || <u32>backlog > somax ? somax : <u32>backlog;
    default:
      // POSIX listen(3p): "If listen() is called with a backlog argument value that is
      // less than 0, the function behaves as if it had been called with a backlog
      // argument value of 0." Values above SOMAXCONN are reduced to it.
      if (backlog < 0) return 0;
      return <u32>backlog > somax ? somax : <u32>backlog;
  }
}

/**
 * Whether a listener whose accept queue holds `qlen` connections must turn the
 * next one away.
 */
export function acceptQueueFull(qlen: u32, limit: u32): bool {
  switch (personality) {
    case Personality.Linux:
      // include/net/sock.h sk_acceptq_is_full: "return READ_ONCE(sk->sk_ack_backlog) >
      // READ_ONCE(sk->sk_max_ack_backlog);" -- '>' since commit 64a146513f8f ("[NET]:
      // Revert incorrect accept queue backlog changes."), so backlog N admits N+1.
      return qlen > limit;
    case Personality.FreeBSD:
      // sys/kern/uipc_socket.c sonewconn: "if (head->sol_qlen > 3 * head->sol_qlimit / 2)"
      // refuses; sol_qlimit <= somaxconn (an int) so 3 * qlimit cannot overflow u32.
      return qlen > (3 * limit) / 2;
    default:
      // POSIX leaves the length to the implementation; this personality takes backlog
      // literally, with an implementation-defined minimum of 1 for backlog 0
      // (listen(3p): "the length of the listen queue may be set to an
      // implementation-defined minimum value").
      return qlen >= (limit == 0 ? 1 : limit);
  }
}

/** The most connections the accept queue can hold for a limit (for sizing and ss Send-Q). */
export function acceptQueueCapacity(limit: u32): u32 {
  switch (personality) {
    case Personality.Linux: return limit + 1;
    case Personality.FreeBSD: return (3 * limit) / 2 + 1;
    default: return limit == 0 ? 1 : limit;
  }
}

/** Whether listen() on a TCP socket with no local port picks one (Linux inet_listen / FreeBSD tcp_usr_listen both do). */
export function tcpListenAutobinds(): bool { return true; }

/**
 * Error for listen() on an unbound AF_UNIX stream/seqpacket socket.
 * Linux net/unix/af_unix.c unix_listen: "if (!READ_ONCE(u->addr)) goto out;" with err = -EINVAL.
 * FreeBSD sys/kern/uipc_usrreq.c uipc_listen: "if (unp->unp_vnode == NULL) ... error = EINVAL"
 * is what the code says, but listen(2) documents EDESTADDRREQ; POSIX listen(3p) lists
 * EDESTADDRREQ "The socket is not bound to a local address, and the protocol does not
 * support listening on an unbound socket."
 */
export function unixListenUnboundErrno(): i32 {
  return personality == Personality.Linux ? 22 /* EINVAL */ : 89 /* EDESTADDRREQ */;
}

/**
 * Whether accept() (not accept4) copies O_NONBLOCK from the listener.
 * Linux accept(2): "On Linux, the new socket returned by accept() does not inherit file
 * status flags such as O_NONBLOCK". FreeBSD accept(2): "the new socket ... inherits the
 * file status flags (O_NONBLOCK, O_ASYNC) of the listening socket" (kern_accept with
 * ACCEPT4_INHERIT). POSIX leaves it unspecified; we follow Linux.
 */
export function acceptInheritsNonblock(): bool { return personality == Personality.FreeBSD; }

/**
 * What an AF_UNIX connect() meets when the listener's backlog is full.
 * Linux unix_stream_connect: nonblocking -> EAGAIN (blocking sleeps; the sync API never
 * blocks, so also EAGAIN). FreeBSD uipc_connect -> sonewconn fails -> ECONNREFUSED at once.
 */
export function unixFullErrno(): i32 {
  return personality == Personality.FreeBSD ? 111 /* ECONNREFUSED */ : 11 /* EAGAIN */;
}

/**
 * Whether, with syncookies off, the last quarter of tcp_max_syn_backlog is kept for
 * peers that completed a connection before (Linux tcp_conn_request: "Without
 * syncookies last quarter of backlog is filled with destinations, proven to be
 * alive."). FreeBSD's syncache has no such rule; POSIX follows Linux.
 */
export function synBacklogReservesProven(): bool { return personality != Personality.FreeBSD; }

/**
 * Whether shutdown(SHUT_RD) on a listener stops it listening.
 * Linux net/ipv4/af_inet.c inet_shutdown: "case TCP_LISTEN: if (!(how & RCV_SHUTDOWN))
 * break; fallthrough; case TCP_SYN_SENT: err = sk->sk_prot->disconnect(sk, O_NONBLOCK);"
 * and tcp_disconnect -> inet_csk_listen_stop resets the queue.
 * FreeBSD sys/kern/uipc_socket.c soshutdown: on a listening socket SHUT_RD/SHUT_RDWR
 * set so_error = ECONNABORTED and wake accept() (which returns it once); the socket
 * keeps listening and shutdown() returns ENOTCONN.
 */
export function shutdownStopsListener(): bool { return personality != Personality.FreeBSD; }
