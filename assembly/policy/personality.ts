// Personality policy: every place where Linux, FreeBSD and POSIX disagree about
// listen()/accept()/connect() is decided here, each rule with its source.
// Tunables carry their sysctl names (Linux /proc/sys/net, FreeBSD kern.ipc).

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
