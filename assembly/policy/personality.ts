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

/** FreeBSD tcp_backoff[] (tcp_timer.c): "{ 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 512, 512, 512 }". */
const FREEBSD_BACKOFF: StaticArray<u16> = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 512, 512, 512];

/**
 * The RTO before the (n+1)th transmission of a lost data or FIN segment, from the
 * sender's RTT estimate (tcp/rtt.ts: srtt and rttvar in µs, srtt 0 when the handshake
 * gave no sample).
 *
 * Linux: __tcp_set_rto "(tp->srtt_us >> 3) + tp->rttvar_us" where tcp_rtt_estimator
 * keeps "tp->rttvar_us = max(tp->mdev_us, tcp_rto_min_us(sk))" (mdev_us is 4 RTTVAR),
 * so RTO = SRTT + max(TCP_RTO_MIN, 4 RTTVAR): RFC 6298 2.3 with G = TCP_RTO_MIN
 * ("((unsigned)(HZ/5))", 200 ms; include/net/tcp.h), at most TCP_RTO_MAX (120 s,
 * tcp_bound_rto). No sample from the handshake: tcp_init_metrics "RFC6298: 5.7 We've
 * failed to get a valid RTT sample from 3WHS ... Reset the RTO back to 3secs",
 * TCP_TIMEOUT_FALLBACK. Each expiry doubles it: tcp_retransmit_timer "icsk->icsk_rto =
 * min(icsk->icsk_rto << 1, TCP_RTO_MAX)".
 *
 * FreeBSD: TCP_REXMTVAL "max((tp)->t_rttmin, (((tp)->t_srtt >> (TCP_RTT_SHIFT -
 * TCP_DELTA_SHIFT)) + (tp)->t_rttvar) >> TCP_DELTA_SHIFT)" = max(t_rttmin, SRTT + 4
 * RTTVAR), t_rttmin = net.inet.tcp.rexmit_min (TCPTV_MIN, 30 ms); tcp_xmit_timer and
 * tcp_timer_rexmt ("rexmt = TCP_REXMTVAL(tp) * tcp_backoff[tp->t_rxtshift]") set the
 * timer with TCPT_RANGESET, which adds net.inet.tcp.rexmit_slop ("(tv) = (value) +
 * tcp_rexmit_slop;", TCPTV_CPU_VAR, 200 ms), bounded by [t_rttmin, TCPTV_REXMTMAX
 * 64 s]. No sample: tcp_newtcpcb's "tp->t_rxtcur = tcp_rexmit_initial" (1 s) first, and
 * its t_rttvar makes TCP_REXMTVAL 1 s for the backoff. (TCP_RTT_INVALIDATE, which folds
 * SRTT into RTTVAR after three backoffs, is not modelled.)
 */
export function dataRtoUs(srtt: u32, rttvar: u32, n: u32): i64 {
  let s = <i64>srtt, v4 = <i64>rttvar << 2;
  if (personality == Personality.FreeBSD) {
    const MIN: i64 = 30000, SLOP: i64 = 200000, MAX: i64 = 64000000;
    if (srtt == 0 && n == 0) return 1000000;
    let val = srtt == 0 ? 1000000 : max(MIN, s + v4);
    let rto = val * <i64>FREEBSD_BACKOFF[min(n, 12)] + SLOP;   // val < 2^33: no overflow
    return rto < MIN ? MIN : rto > MAX ? MAX : rto;
  }
  const RTO_MIN: i64 = 200000, FALLBACK: i64 = 3000000, RTO_MAX: i64 = 120000000;
  let rto = srtt == 0 ? FALLBACK : min(s + max(RTO_MIN, v4), RTO_MAX);
  if (n >= 10) return RTO_MAX;    // an RTO of at least 200 ms << 10 is past the cap already
  rto <<= <i64>n;
  return rto > RTO_MAX ? RTO_MAX : rto;
}

// ---------------------------------------------------------------------------
// How long a syncookie stays good (tcp/listener.ts onAckCookie; docs/network.md R4)

/**
 * A cookie encodes the period it was made in, and is good while fewer than
 * COOKIE_MAX_AGE periods have begun since. Linux include/net/tcp.h "#define
 * MAX_SYNCOOKIE_AGE 2", "#define TCP_SYNCOOKIE_PERIOD (60 * HZ)", and syncookies.c
 * check_tcp_syn_cookie "diff = (count - (cookie >> COOKIEBITS)) & ...; if (diff >=
 * MAX_SYNCOOKIE_AGE) return (__u32)-1;" with count = tcp_cookie_time() (jiffies / the
 * period): 60 to 120 s. FreeBSD tcp_syncache.c: the cookie's MAC uses one of two
 * secrets (syncookie_lookup "secbits = V_tcp_syncache.secret.key[cookie.flags.odd_even]"),
 * and syncookie_reseed replaces the older one every SYNCOOKIE_LIFETIME (16 s): 16 to
 * 32 s. The periods count from the kernel's clock 0 here (Linux counts from its jiffies).
 */
export const COOKIE_MAX_AGE: u32 = 2;

/**
 * Whether a valid cookie ACK that finds the accept queue full is answered with a reset.
 * Linux: no, whatever tcp_abort_on_overflow says (that is read only by tcp_check_req, on
 * the path with a request): tcp_get_cookie_sock returns NULL when syn_recv_sock fails,
 * cookie_v4_check returns NULL, and tcp_v4_do_rcv "if (!nsk) return 0;" drops the
 * segment. FreeBSD: syncache_expand builds the socket for a cookie as for an entry, and
 * tcp_input answers a failed sonewconn with "if (V_tcp_sc_rst_sock_fail) { rstreason =
 * BANDLIM_UNLIMITED; goto dropwithreset; }" (rst_on_sock_fail, default 1, as
 * tcp_abort_on_overflow here). POSIX follows Linux.
 */
/**
 * Whether a final ACK that finds the accept queue full (without tcp_abort_on_overflow /
 * rst_on_sock_fail) leaves the request in place. Linux tcp_check_req "listen_overflow:
 * ... if (!READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_abort_on_overflow)) {
 * inet_rsk(req)->acked = 1; return NULL; }": it stays and resends its SYN-ACK. FreeBSD
 * syncache_expand takes the entry off its bucket first ("TAILQ_REMOVE(&sch->sch_bucket,
 * sc, sc_hash); sch->sch_length--;") and frees it after syncache_socket fails: nothing
 * stays, and the client's next segment is checked as a syncookie (tcp/listener.ts
 * forgetRequest). POSIX follows Linux.
 */
export function overflowKeepsRequest(): bool { return personality != Personality.FreeBSD; }

export function cookieOverflowResets(): bool {
  return personality == Personality.FreeBSD && tunable(Tunable.TcpAbortOnOverflow) != 0;
}
export function cookiePeriodUs(): i64 { return personality == Personality.FreeBSD ? 16000000 : 60000000; }

/**
 * The listener's "last overflow" stamp after a cookie is sent at `now` (-1: never).
 * Linux tcp_synq_overflow, called by cookie_init_sequence: "if (!time_between32(now,
 * last_overflow, last_overflow + HZ)) WRITE_ONCE(tcp_sk(sk)->rx_opt.ts_recent_stamp,
 * now);" -- at most once a second. FreeBSD keeps time_uptime (whole seconds) in
 * sch_last_overflow when its syncache overflows.
 */
export function cookieStamp(last: i64, now: i64): i64 {
  if (personality == Personality.FreeBSD) return now / 1000000 * 1000000;
  return last < 0 || now - last > 1000000 ? now : last;
}

/**
 * Whether a cookie ACK is looked at, given the listener's stamp: Linux
 * tcp_synq_no_recent_overflow "return !time_between32(now, last_overflow - HZ,
 * last_overflow + TCP_SYNCOOKIE_VALID);" (TCP_SYNCOOKIE_VALID = MAX_SYNCOOKIE_AGE *
 * TCP_SYNCOOKIE_PERIOD, 120 s); FreeBSD syncache_expand "if (!V_tcp_syncookiesonly &&
 * sch->sch_last_overflow < time_uptime - SYNCOOKIE_LIFETIME) ... goto failed;" (16 s),
 * a test net.inet.tcp.syncookies_only (tcp_syncookies 2 here) skips. Not looked at: the
 * listener answers the ACK with a reset.
 */
export function cookieRecentOverflow(last: i64, now: i64): bool {
  if (personality == Personality.FreeBSD && tunable(Tunable.TcpSyncookies) == 2) return true;
  if (last < 0) return false;
  if (personality == Personality.FreeBSD) return last >= (now / 1000000 - 16) * 1000000;
  return now - last <= 120000000;
}

/**
 * Whether a duplicate SYN that finds its request restarts the SYN-ACK schedule. FreeBSD
 * syncache_add: "sc->sc_rxmits = 0; syncache_timeout(sc, sch, 1);". Linux tcp_check_req
 * keeps num_timeout and pushes the timer back by its current period ("expires +=
 * reqsk_timeout(req, TCP_RTO_MAX); ... mod_timer_pending(&req->rsk_timer, expires)").
 */
export function dupSynRestartsTimer(): bool { return personality == Personality.FreeBSD; }

/**
 * Whether the SYN-ACK a duplicate SYN draws is rate limited: Linux tcp_oow_rate_limited
 * (LINUX_MIB_TCPACKSKIPPEDSYNRECV, tcp_invalid_ratelimit); FreeBSD syncache_add answers
 * every one.
 */
export function dupSynRateLimited(): bool { return personality != Personality.FreeBSD; }

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
 * Whether an accepted socket holds its port as if bound by bind() (SOCK_BINDPORT_LOCK), so
 * that a reset or connect(AF_UNSPEC) leaves it bound. Linux sk_clone_lock: "newsk->
 * sk_userlocks = sk->sk_userlocks & ~SOCK_BINDPORT_LOCK;" -- the child's port goes back
 * at tcp_set_state(TCP_CLOSE) (inet_put_port) and bind() works again (checked on Linux
 * 6.18, found by npm run fuzz --seed 9001). FreeBSD keeps the kernel's earlier answer,
 * which its source contradicts for a dropped connection: in_pcbdrop "removes an inpcb
 * from hashed lists, releasing its address and port reservation" (a RST, a shutdown-
 * initiated close); bind() and listen() on such a socket are EINVAL there anyway (§7 L8).
 */
export function acceptedKeepsPort(): bool { return personality == Personality.FreeBSD; }

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
 * Whether an AF_UNIX datagram to a receiver connected to another socket is refused with
 * EPERM. Linux unix_dgram_sendmsg: "err = -EPERM; if (!unix_may_send(sk, other)) goto
 * out_unlock;", unix_may_send = "unix_peer(osk) == NULL || unix_our_peer(sk, osk)"
 * (POSIX connect(2): a connected datagram socket "limits the remote sender"). FreeBSD
 * uipc_sosend_dgram connects the sender to the receiver for the one datagram
 * (unp_connectat -> unp_connect2), which does not look at the receiver's own peer.
 */
export function unixDgramReceiverPeerOnly(): bool { return personality != Personality.FreeBSD; }

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

/**
 * Whether connect() may take a 4-tuple a TIME_WAIT socket holds (§8 "tcp_tw_reuse",
 * tcp/time_wait.ts twskUnique). Linux __inet_check_established asks tcp_twsk_unique;
 * FreeBSD in_pcbconnect_setup finds the TIME_WAIT inpcb with in_pcblookup_hash_locked
 * and the 4-tuple is busy ("if (oinp != NULL) ... return (EADDRINUSE);"). POSIX
 * follows Linux.
 */
export function connectRecyclesTimeWait(): bool { return personality != Personality.FreeBSD; }

/**
 * Whether TCP_USER_TIMEOUT exists (tcp(7), "since Linux 2.6.37"; tcp/user_timeout.ts).
 * FreeBSD's tcp_ctloutput has no such option: "default: ... error = ENOPROTOOPT;". POSIX
 * follows Linux.
 */
export function tcpUserTimeoutExists(): bool { return personality != Personality.FreeBSD; }
