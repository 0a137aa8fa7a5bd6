// Personality policy: every place where Linux, FreeBSD and POSIX disagree is decided
// here, as a named rule with its source and its row in docs/personalities.md; no other
// file compares personalities. Errors are returned as Errno names. The tunables and
// their per-personality defaults are in policy/tunables.ts.
//
// Every rule reads the personality through this module: it is the current host's
// (core/hosts.ts usePersonality when a host is entered), so each host of a network
// follows its own operating system.

import { Errno } from "../core/errno";
import { Tunable, resetTunables, tunable } from "./tunables";

export enum Personality {
  Linux = 0,
  FreeBSD = 1,
  Posix = 2,
}
let personality: Personality = Personality.Linux;

/** sk_init: the personality, and every tunable at its default for it. */
export function setDefaults(p: Personality): void {
  personality = p;
  resetTunables(p);
}

export function getPersonality(): Personality { return personality; }

/** The current host's personality (core/hosts.ts, when a host is entered). */
export function usePersonality(p: Personality): void { personality = p; }

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

/**
 * Error for listen() on an unbound AF_UNIX stream/seqpacket socket.
 * Linux net/unix/af_unix.c unix_listen: "if (!READ_ONCE(u->addr)) goto out;" with err = -EINVAL.
 * FreeBSD sys/kern/uipc_usrreq.c uipc_listen: "if (unp->unp_vnode == NULL) ... error = EINVAL"
 * is what the code says, but listen(2) documents EDESTADDRREQ; POSIX listen(3p) lists
 * EDESTADDRREQ "The socket is not bound to a local address, and the protocol does not
 * support listening on an unbound socket."
 */
export function unixListenUnboundErrno(): i32 {
  return personality == Personality.Linux ? Errno.EINVAL : Errno.EDESTADDRREQ;
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
  return personality == Personality.FreeBSD ? Errno.ECONNREFUSED : Errno.EAGAIN;
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

/**
 * Whether shutdown() of a socket that is not connected records the shutdown although
 * it answers ENOTCONN. Linux inet_shutdown: "case TCP_CLOSE: err = -ENOTCONN;" ("Hack
 * to wake up other listeners, who can poll for EPOLLHUP, even on eg. unconnected UDP
 * sockets") "fallthrough; default: WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown |
 * how);" for every type (probe fact shutdown_before_listen: a TCP socket shut down for
 * writing, then listening, hands SEND_SHUTDOWN to its children; acceptInheritsShutdown).
 * FreeBSD soshutdown (12/13, docs/personalities.md §5.4): "if ((so->so_state &
 * (SS_ISCONNECTED | SS_ISCONNECTING | SS_ISDISCONNECTING)) == 0) { if (so->so_type !=
 * SOCK_DGRAM && !SOLISTENING(so)) return (ENOTCONN); soerror_enotconn = 1; }" -- a
 * stream socket returns before sorflush/pr_shutdown, a datagram socket goes on. POSIX
 * follows Linux.
 */
export function shutdownUnconnectedRecorded(datagram: bool): bool {
  return personality != Personality.FreeBSD || datagram;
}

/**
 * Whether an accepted socket inherits its listener's shutdown state. Linux
 * sk_clone_lock copies the whole sock (sock_copy), sk_shutdown included, and neither
 * inet_csk_listen_start nor inet_csk_clone_lock clears it; a child with SEND_SHUTDOWN
 * sends its FIN once established (tcp/teardown.ts finOnEstablish). FreeBSD
 * solisten_clone (main/15) starts from soalloc()'s zeroed socket and copies so_options
 * (masked), so_linger, so_state, the buffer sizes, low-water marks, timeouts and
 * SB_AUTOSIZE: not the buffers' SBS_CANTSENDMORE / SBS_CANTRCVMORE (solisten_proto had
 * already replaced the buffers with the sol_* fields). POSIX follows Linux.
 */
export function acceptInheritsShutdown(): bool { return personality != Personality.FreeBSD; }

/**
 * Error for accept() on a datagram socket. Linux sock_no_accept: EOPNOTSUPP. FreeBSD
 * kern_accept4 -> solisten-less socket: "if (!SOLISTENING(head)) error = EINVAL".
 * POSIX accept(3p) lists EOPNOTSUPP for "The socket type of the specified socket does
 * not support accepting connections"; we follow Linux.
 */
export function acceptDatagramErrno(): i32 {
  return personality == Personality.FreeBSD ? Errno.EINVAL : Errno.EOPNOTSUPP;
}

/**
 * Whether AF_UNIX has abstract names (sun_path[0] == 0). Linux unix(7) does; FreeBSD
 * reads sun_path as a C string, so a leading NUL is the empty path (namei: ENOENT).
 * POSIX follows Linux.
 */
export function unixAbstractNames(): bool { return personality != Personality.FreeBSD; }

/**
 * Whether bind() of an AF_UNIX socket with only sun_family (addrlen 2) autobinds an
 * abstract name (Linux unix_bind: "if (addr_len == offsetof(struct sockaddr_un,
 * sun_path) && sunaddr->sun_family == AF_UNIX) return unix_autobind(sk);"). FreeBSD
 * uipc_bindat: "namelen = soun->sun_len - offsetof(struct sockaddr_un, sun_path); if
 * (namelen <= 0) return (EINVAL);" -- no autobind. POSIX follows Linux.
 */
export function unixAutobinds(): bool { return personality != Personality.FreeBSD; }

/**
 * Whether the TCP_DEFER_ACCEPT option exists (include/uapi/linux/tcp.h, value 9).
 * FreeBSD's tcp.h has no option 9: accept filters do its work (acceptFilters below).
 */
export function tcpDeferAcceptExists(): bool { return personality != Personality.FreeBSD; }

/** Whether SO_ACCEPTFILTER exists (FreeBSD sys/sys/socket.h 0x1000, accept_filter(9)). */
export function acceptFiltersExist(): bool { return personality == Personality.FreeBSD; }

/**
 * The SYN-queue length past which a SYN is answered with a cookie or dropped, for a
 * listener whose backlog is `limit`. Linux tcp_conn_request: "if ((syncookies == 2 ||
 * inet_csk_reqsk_queue_is_full(sk)) && !isn)", inet_csk_reqsk_queue_is_full being
 * "reqsk_queue_len > sk_max_ack_backlog" since commit 3479c7549fb1 ("tcp/dccp: allow
 * a connection when sk_max_ack_backlog is zero"). FreeBSD's syncache is bounded by its
 * own cache_limit, here tcp_max_syn_backlog. POSIX follows Linux.
 */
export function synQueueLimit(limit: u32): u32 {
  return personality == Personality.FreeBSD ? <u32>tunable(Tunable.TcpMaxSynBacklog) : limit;
}

/**
 * Whether a SYN is dropped when the accept queue is already full. Linux
 * tcp_conn_request: "if (sk_acceptq_is_full(sk)) { NET_INC_STATS(...,
 * LINUX_MIB_LISTENOVERFLOWS); goto drop; }" -- the client retransmits. FreeBSD does not
 * look at the accept queue here: its syncache answers and sonewconn decides at the
 * final ACK (tcp/listener.ts onAck). POSIX follows Linux.
 *
 * A personality that checks at the SYN may also complete a loopback handshake inside
 * the SYN (tcp/listener.ts onSyn): the queue it checked still has room at the ACK.
 */
export function synChecksAcceptQueue(): bool { return personality != Personality.FreeBSD; }

// ---------------------------------------------------------------------------
// Retransmission of data and FIN between hosts (tcp/wire.ts; docs/network.md R5, R6)

/**
 * The RTO before the (n+1)th transmission of a lost data or FIN segment. No RTT is
 * measured (docs/network.md: simplifications), so the RTO is the floor RFC 6298 2.4
 * leaves a host with a sub-millisecond RTT: Linux TCP_RTO_MIN (include/net/tcp.h,
 * "((unsigned)(HZ/5))", 200 ms), FreeBSD net.inet.tcp.rexmit_min (TCPTV_MIN, 30 ms);
 * then doubled per expiry (RFC 6298 5.5; Linux tcp_retransmit_timer, FreeBSD
 * tcp_backoff[]) up to TCP_RTO_MAX 120 s / TCPTV_REXMTMAX 64 s.
 */
export function dataRtoUs(n: u32): i64 {
  let min: i64 = personality == Personality.FreeBSD ? 30000 : 200000;
  let max: i64 = personality == Personality.FreeBSD ? 64000000 : 120000000;
  if (n >= 20) return max;
  let rto = min << <i64>n;
  return rto > max ? max : rto;
}

/**
 * Transmissions of a segment after which the sender gives up: Linux tcp_retries2 = 15
 * (TCP_RETR2; tcp_write_timeout), FreeBSD TCP_MAXRXTSHIFT = 12 (tcp_timer_rexmt).
 */
export function dataRetries(): u32 { return personality == Personality.FreeBSD ? 12 : 15; }

// ---------------------------------------------------------------------------
// connect(2), send(2), accept(2) inheritance, socket buffers (issue 16, docs/personalities.md §7)

/**
 * Whether connect(AF_UNSPEC) on a TCP socket disconnects it. Linux inet_stream_connect:
 * "if (uaddr->sa_family == AF_UNSPEC) { err = sk->sk_prot->disconnect(sk, flags); ...}".
 * FreeBSD (§7 C8): no disconnect for a connection-oriented protocol: soconnectat
 * answers EISCONN when connected ("if (so->so_state & (SS_ISCONNECTED|SS_ISCONNECTING)
 * && ((so->so_proto->pr_flags & PR_CONNREQUIRED) || ...)) error = EISCONN;"),
 * kern_connectat EALREADY while connecting, and tcp_usr_connect "if (nam->sa_family
 * != AF_INET) return (EAFNOSUPPORT);" otherwise. POSIX follows Linux.
 */
export function connectUnspecDisconnects(): bool { return personality != Personality.FreeBSD; }

/**
 * Whether connect() after the handshake completed (a nonblocking connect that said
 * EINPROGRESS) answers EISCONN at once. Linux __inet_stream_connect reports the
 * completion once ("case SS_CONNECTING: ... sock->state = SS_CONNECTED; err = 0") and
 * only then EISCONN. FreeBSD (§7 C4) soconnectat: SS_ISCONNECTED -> EISCONN, never a
 * second 0. POSIX follows Linux.
 */
export function connectCompletedIsEisconn(): bool { return personality == Personality.FreeBSD; }

/**
 * Whether a TCP socket whose connection ended (refused, reset, timed out) answers
 * every later connect() with ECONNREFUSED, after clearing its pending error. FreeBSD
 * (§7 C5, C6): tcp_close() sets INP_DROPPED for good; soconnectat "so->so_error = 0;"
 * then tcp_usr_connect "if (inp->inp_flags & INP_DROPPED) { error = ECONNREFUSED; goto
 * out; }". Linux starts a new attempt (ECONNABORTED once if the error was read first:
 * "err = sock_error(sk) ? : -ECONNABORTED"). POSIX follows Linux.
 */
export function connectAfterDropRefused(): bool { return personality == Personality.FreeBSD; }

/**
 * Error for connect() on a listening socket. Linux: TCP "err = -EISCONN; if
 * (sk->sk_state != TCP_CLOSE) goto out;" (__inet_stream_connect); AF_UNIX
 * unix_stream_connect "default: err = -EINVAL". FreeBSD (§7 C1, C2):
 * tcp_usr_connect "if (SOLISTENING(so)) { error = EOPNOTSUPP; goto out; }";
 * unp_connectat "if (SOLISTENING(so)) error = EOPNOTSUPP;". POSIX follows Linux.
 */
export function connectOnListenerErrno(unix: bool): i32 {
  if (personality == Personality.FreeBSD) return Errno.EOPNOTSUPP;
  return unix ? Errno.EINVAL : Errno.EISCONN;
}

/**
 * Whether bind() and listen() refuse, with EINVAL, a TCP socket whose connection ended
 * (refused, reset or closed: state CLOSED after a connect()). FreeBSD tcp_usr_bind and
 * tcp_usr_listen (13, 14, 15): "if (inp->inp_flags & INP_DROPPED) { ... EINVAL }" --
 * tcp_close() marked the inpcb INP_DROPPED for good (docs/personalities.md F9, §7 C5,
 * L8). Linux: the socket is TCP_CLOSE again and binds or listens as a new one. POSIX
 * follows Linux.
 */
export function droppedRefusesBindListen(): bool { return personality == Personality.FreeBSD; }

/**
 * Whether sendto() with an address on an unconnected TCP socket connects it and
 * queues the data (FreeBSD §7 S1: TCP has PR_IMPLOPCL, so sosend_generic lets the
 * address through and tcp_usr_send "if (nam != NULL && tp->t_state < TCPS_SYN_SENT)"
 * calls tcp_connect). Linux tcp_sendmsg ignores the address (EPIPE, not connected,
 * unless TCP Fast Open). POSIX follows Linux.
 */
export function sendtoConnectsTcp(): bool { return personality == Personality.FreeBSD; }

/**
 * Error for send() on a TCP socket that has no connection yet: never connected
 * (`connecting` false) or its handshake in flight (true). Linux sk_stream_wait_connect:
 * "if ((1 << sk->sk_state) & ~(TCPF_SYN_SENT | TCPF_SYN_RECV)) return -EPIPE; if
 * (!*timeo_p) return -EAGAIN;" (this API never blocks). FreeBSD (§7 S2, S3)
 * sosend_generic: "if ((so->so_state & SS_ISCONNECTED) == 0) { ... else if (addr ==
 * NULL) snderr(so->so_proto->pr_flags & PR_CONNREQUIRED ? ENOTCONN : EDESTADDRREQ);"
 * POSIX follows Linux.
 */
export function tcpSendNotConnectedErrno(connecting: bool): i32 {
  if (personality == Personality.FreeBSD) return Errno.ENOTCONN;
  return connecting ? Errno.EAGAIN : Errno.EPIPE;
}

/**
 * Whether an accepted socket inherits SO_REUSEADDR / SO_REUSEPORT. Linux
 * sk_clone_lock copies sk_reuse and sk_reuseport. FreeBSD (§7 A2) solisten_clone:
 * "so->so_options = head->so_options & (SO_KEEPALIVE | SO_DONTROUTE | SO_LINGER |
 * SO_OOBINLINE | SO_NOSIGPIPE);" POSIX follows Linux. (SO_LINGER is inherited
 * everywhere: tcp/listener.ts initServerSide.)
 */
export function acceptInheritsReuse(): bool { return personality != Personality.FreeBSD; }

/**
 * The SO_SNDBUF / SO_RCVBUF a setsockopt(v) stores, or a negative errno. Linux
 * sk_setsockopt: "val = min_t(u32, val, sysctl_wmem_max); sk->sk_sndbuf =
 * max_t(int, val * 2, SOCK_MIN_SNDBUF);" (doubled for bookkeeping overhead). FreeBSD
 * (§7 A4) sosetopt: "if (optval < 1) { error = EINVAL; goto bad; }", then
 * sbsetopt stores it as given ("*hiwat = cc" on a listener, sbreserve_locked
 * otherwise), ENOBUFS above sb_max_adj (kern.ipc.maxsockbuf 2 MiB * MCLBYTES /
 * (MSIZE + MCLBYTES) = 1864135). POSIX follows Linux.
 */
export function sockbufSize(v: i32, max: u32, minimum: u32): i64 {
  if (personality == Personality.FreeBSD) {
    if (v < 1) return -Errno.EINVAL;
    return <u32>v > FREEBSD_SB_MAX_ADJ ? -Errno.ENOBUFS : <i64>v;
  }
  let x = <u32>v; // "min_t(u32, val, sysctl_wmem_max)": -1 is the maximum
  if (x > max) x = max;
  return <i64>(x * 2 > minimum ? x * 2 : minimum);
}
const FREEBSD_SB_MAX_ADJ: u32 = 1864135;

/**
 * Whether AF_UNIX listen() checks "connected" before "bound", so that a connected,
 * unbound client gets EINVAL rather than the unbound error. FreeBSD 14 (§7 L4)
 * uipc_listen: "if (unp->unp_conn != NULL || (unp->unp_flags & UNP_CONNECTING) != 0)
 * error = EINVAL; else if (unp->unp_vnode == NULL) error = EDESTADDRREQ;". Linux
 * unix_listen checks the address first ("if (!READ_ONCE(u->addr)) goto out;").
 */
export function unixListenChecksConnectedFirst(): bool { return personality == Personality.FreeBSD; }

/**
 * Whether poll() on a listener reports a pending error with an empty accept queue as
 * POLLIN|POLLHUP (the error being what shutdown(SHUT_RD) left: ECONNABORTED). FreeBSD
 * (§7 D3) sopoll_generic on a listening socket: "if (!TAILQ_EMPTY(&so->sol_comp))
 * revents = events & (POLLIN | POLLRDNORM); else if ((events & POLLINIGNEOF) == 0 &&
 * so->so_error) revents = (events & (POLLIN | POLLRDNORM)) | POLLHUP;" -- never POLLOUT.
 * Linux inet_csk_listen_poll / unix_poll report the queue (and, for AF_UNIX, the error
 * and shutdown bits) instead.
 */
export function listenerPollsSoError(): bool { return personality == Personality.FreeBSD; }

// ---------------------------------------------------------------------------
// bind(2) and ephemeral ports (issue 16, docs/personalities.md §7 R1-R9, E2, E3)

/**
 * Whether bind() decides conflicts by FreeBSD's in_pcbbind_setup (tables/ports.ts
 * bsdBindConflict): without SO_REUSEADDR/SO_REUSEPORT/SO_REUSEPORT_LB a wildcard lookup
 * (any PCB on the port whose address overlaps, connected or not: "if ((so->so_options &
 * (SO_REUSEADDR|SO_REUSEPORT|SO_REUSEPORT_LB)) == 0) lookupflags = INPLOOKUP_WILDCARD;"),
 * with one an exact lookup of unconnected PCBs on the same address (in_pcblookup_local),
 * and a found PCB conflicts unless both have SO_REUSEPORT or both SO_REUSEPORT_LB ("if
 * (t != NULL && (reuseport & t->inp_socket->so_options) == 0 && (reuseport_lb &
 * t->inp_socket->so_options) == 0) return (EADDRINUSE);"). Linux: inet_bind_conflict.
 */
export function bindFollowsInPcbbindSetup(): bool { return personality == Personality.FreeBSD; }

/**
 * Whether listen() checks the bound port again. Linux inet_csk_listen_start calls
 * get_port again (EADDRINUSE if a listener now conflicts). FreeBSD (§7 R9)
 * tcp_usr_listen binds only an unbound socket: "if (inp->inp_lport == 0) error =
 * in_pcbbind(inp, NULL, td->td_ucred);". POSIX follows Linux.
 */
export function listenRechecksPort(): bool { return personality != Personality.FreeBSD; }

/**
 * Whether ephemeral ports come from FreeBSD's in_pcb_lport_dest (tables/ports.ts
 * bsdChoosePort): net.inet.ip.portrange.randomized = 1, so every call draws "*lastport
 * = first + (arc4random() % (last - first));" then steps by one ("++*lastport; if
 * (*lastport < first || *lastport > last) *lastport = first;"), for bind() and
 * connect() alike, with no parity. Linux: inet_csk_find_open_port (odd first) and
 * __inet_hash_connect (even, per-destination perturbation).
 */
export function ephemeralRandomStepOne(): bool { return personality == Personality.FreeBSD; }

/** Whether SO_REUSEPORT_LB exists (FreeBSD 12+ sys/sys/socket.h 0x00010000; §7 R7). */
export function reuseportLbExists(): bool { return personality == Personality.FreeBSD; }

/**
 * What connect(AF_UNSPEC) answers on an AF_UNIX datagram socket, which it disconnects
 * in every personality. Linux unix_dgram_connect: "1003.1g breaking connected state
 * with AF_UNSPEC": the peer is dropped, sk_state TCP_CLOSE, 0. FreeBSD soconnectat on a
 * connected datagram socket calls sodisconnect() first ("This allows user to disconnect
 * by connecting to, e.g., a null address"), then unp_connectat refuses the family:
 * "if (nam->sa_family != AF_UNIX) return (EAFNOSUPPORT);". POSIX follows Linux.
 */
export function unixDgramUnspecErrno(): i32 {
  return personality == Personality.FreeBSD ? Errno.EAFNOSUPPORT : 0;
}

/**
 * Whether connect() on a socket whose own connection sits in TIME_WAIT answers
 * EADDRINUSE. FreeBSD 13 tcp_usr_connect: "if (inp->inp_flags & INP_TIMEWAIT) { error =
 * EADDRINUSE; goto out; }"; FreeBSD 14 removed INP_TIMEWAIT and struct tcptw
 * (docs/personalities.md §8), so it is the tunable ConnectTimeWaitInUse, which the
 * host's `kernel: 'freebsd-13'` sets. Linux answers EISCONN (the socket layer still says
 * SS_CONNECTED).
 */
export function connectInTimeWaitInUse(): bool {
  return personality == Personality.FreeBSD && tunable(Tunable.ConnectTimeWaitInUse) != 0;
}

/**
 * The SYN-ACK retries a request gets when its timer fires, given the listener's SYN
 * queue (`qlen` requests, `young` of them never retransmitted) and backlog `limit`.
 * Linux reqsk_timer_handler (the same in 5.15, 6.1, 6.12; docs/personalities.md §8
 * "young request"): "if ((qlen << 1) > max(8U, READ_ONCE(sk_listener->sk_max_ack_backlog)))
 * { int young = reqsk_queue_len_young(queue) << 1; while (max_syn_ack_retries > 2) { if
 * (qlen < young) break; max_syn_ack_retries--; young <<= 1; } }" -- a queue more than
 * half full of old requests gives each one fewer retry per halving of the young share,
 * never fewer than 2. FreeBSD's syncache has no such rule (syncache_timer: every entry
 * gets its retransmits). POSIX follows Linux.
 */
export function synackRetries(max: u32, qlen: u32, young: u32, limit: u32): u32 {
  if (personality == Personality.FreeBSD) return max;
  if ((<u64>qlen << 1) <= <u64>(limit > 8 ? limit : 8)) return max;
  let y = <u64>young << 1;
  while (max > 2) {
    if (<u64>qlen < y) break;
    max--;
    y <<= 1;
  }
  return max;
}
