// The reference model of socket-kernel: the rules of docs/personalities.md written
// again in plain JavaScript, as simply as they can be said, for model-based testing
// (tests/model.test.mjs, scripts/fuzz.mjs). It answers every call as the errno API does
// (`k.sys`: a result >= 0 or a negative errno) and keeps what a user can observe:
// descriptors, socket states, accept-queue lengths, bytes queued, counters.
//
// The world it covers: IPv4 TCP on loopback (linkDelay 0) over a few addresses and
// ports, every personality, the calls socket, bind, listen, connect, disconnect
// (AF_UNSPEC), accept, close, shutdown, setsockopt (SO_REUSEADDR, SO_LINGER {1,0},
// SO_ACCEPTFILTER), send, recv, poll, epoll and advance. Where the personalities
// differ it asks tests/model/policy.mjs, whose entries are named as in
// assembly/policy/personality.ts; no personality is compared here.
//
// Where it cannot be exact yet it says so and answers `UNKNOWN` (the test then takes
// the kernel's answer, checks a weaker property and adopts the kernel's state):
//   - a SYN or a final ACK that finds the accept queue full (Linux/POSIX retransmit on
//     the SYN timer, FreeBSD resets or retries per tcpAbortOnOverflow): the client
//     becomes "opaque" (only its descriptor is checked) and the listener's queue length
//     is read back from the kernel after every step;
//   - which ephemeral port is chosen (a random draw): the parity rule is checked
//     (bind/listen odd, connect even, L21/L22) and the port is adopted;
//   - bind() on a port an orphan (FIN_WAIT_2, TIME_WAIT) still holds: either answer;
//     the timers of orphans are not modelled.

import { FdTable, STDIO } from './fd_table.mjs';
import { rulesFor } from './policy.mjs';

export const UNKNOWN = Symbol('unknown');

/**
 * See ModelKernel.quirks: divergences the kernel still has, each with its todo test in
 * tests/model_divergences.test.mjs. None open ('child-keeps-port' was fixed:
 * policy/personality.ts acceptedKeepsPort).
 */
export const KNOWN_DIVERGENCES = [];

export const E = Object.freeze({
  EPERM: 1, ENOENT: 2, EBADF: 9, EAGAIN: 11, EFAULT: 14, EINVAL: 22, EMFILE: 24, EPIPE: 32,
  EDESTADDRREQ: 89, ENOTSOCK: 88, EOPNOTSUPP: 95, EAFNOSUPPORT: 97, EADDRINUSE: 98, EADDRNOTAVAIL: 99,
  ECONNABORTED: 103, ECONNRESET: 104, EISCONN: 106, ENOTCONN: 107, ETIMEDOUT: 110, ECONNREFUSED: 111,
  EALREADY: 114, EINPROGRESS: 115, ENOPROTOOPT: 92,
});

export const SOCK_NONBLOCK = 0o4000;
export const POLLIN = 0x1, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20, POLLRDHUP = 0x2000;
export const SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2;

/** Counters the model predicts; every other counter must stay 0 in the modelled world. */
export const PREDICTED_STATS = ['ActiveOpens', 'PassiveOpens', 'ConnectRefused', 'AttemptFails', 'AcceptQueueResets', 'OutRsts',
  'TCPAbortOnClose', 'TCPAbortOnData', 'EstabResets', 'TWRecycled', 'AcceptFilterDrops'];

/** #inetStreamConnectState: a nonblocking connect's completion, reported as 0 once. */
const CONNECTED_NOW = Symbol('connected now');

/** Linux TCP_CLOSE: the kernel's own UNBOUND and BOUND are CLOSE with and without a port. */
const isClose = (state) => state === 'CLOSED' || state === 'UNBOUND' || state === 'BOUND';

class Sock {
  constructor(fd, nonblock) {
    this.fd = fd;
    this.state = 'UNBOUND';
    this.nonblock = nonblock;
    /** Local address text and port (0: none yet). */
    this.laddr = '0.0.0.0';
    this.lport = 0;
    /** The port came from bind() or listen() (SOCK_BINDPORT_LOCK); else connect()'s autobind. */
    this.userBound = false;
    /** bind() gave a specific address (SOCK_BINDADDR_LOCK). */
    this.addrLock = false;
    this.paddr = null;
    this.pport = 0;
    this.reuseaddr = false;
    this.linger0 = false;
    /** Linux `struct socket` state for connect(): 'unconnected' | 'connecting' | 'connected'. */
    this.ss = 'unconnected';
    this.wasConnected = false;
    this.soError = 0;
    /** Bytes waiting for recv(). */
    this.rx = [];
    /** A FIN arrived (end of file after rx) / shutdown(SHUT_RD). */
    this.rcvShut = false;
    /** A FIN arrived (SOCK_DONE): end of file before any pending error. */
    this.done = false;
    /** shutdown(SHUT_WR) or close: no more sends. */
    this.sndShut = false;
    /** @type {Sock | null} */ this.peer = null;
    /** LISTEN: { limit, queue: Sock[], held: Sock[] (waiting for an accept filter), filter: name | null }. */
    this.listener = null;
    /** The listener whose accept filter holds this connection (sol_incomp), or null. */
    this.heldBy = null;
    /** The listener whose accept queue holds this connection, or null. */
    this.queuedAt = null;
    /** Beyond the model (see the header): only the descriptor is checked. */
    this.opaque = false;
  }
}

export class ModelKernel {
  #fds = new FdTable();
  /** Every socket that holds a port: with a descriptor, queued, or orphaned. */
  #all = new Set();
  #policy;
  #somaxconn;
  #maxFds;
  /** epoll fd -> Map<fd, events>. */
  #epolls = new Map();
  stats = Object.fromEntries(PREDICTED_STATS.map((n) => [n, 0]));
  /** A step whose counters the model could not predict: the test adopts the kernel's. */
  statsUnknown = false;

  /**
   * Known divergences of the kernel from the rules above, each with its todo test in
   * tests/model_divergences.test.mjs. While one is listed here, the model answers as
   * the kernel does, so that the fuzzer looks for the next one; the lead removes the
   * entry together with the todo when the kernel is fixed.
   */
  quirks = new Set(KNOWN_DIVERGENCES);

  constructor({ personality = 'linux', maxFds = 1024, somaxconn } = {}) {
    this.personality = personality;
    this.#policy = rulesFor(personality);
    this.#somaxconn = somaxconn ?? this.#policy.somaxconn;
    this.#maxFds = maxFds;
  }

  // ---- what the test compares ------------------------------------------------------

  /** fd -> { state, recvQ, sendQ } for every descriptor that is a socket (not opaque: state null). */
  rows() {
    const out = new Map();
    for (const s of this.#all) {
      if (s.fd < 0) continue;
      const l = s.listener;
      out.set(s.fd, {
        state: s.opaque ? null : s.state,
        recvQ: l ? (s.opaque ? null : l.queue.length) : null,
        sendQ: l ? l.limit : null,
      });
    }
    return out;
  }

  /** Descriptors in use, stdio included. */
  get fdCount() { return this.#fds.used; }

  /** Adopts the kernel's state of an unpredictable socket (see the header). */
  adopt(fd, row) {
    const s = this.#fds.get(fd);
    if (!(s instanceof Sock)) return;
    s.opaque = true;
    if (s.listener) s.listener.queue.length = Math.min(s.listener.queue.length, row.recvQ);
  }

  /** The personality's rules (tests/model/policy.mjs). */
  get rules() { return this.#policy; }

  socketAt(fd) { const s = this.#fds.get(fd); return s instanceof Sock ? s : null; }
  isEpoll(fd) { return this.#epolls.has(fd); }
  /** Every open descriptor, lowest first (stdio, sockets, epoll instances). */
  openFds() { const out = []; for (let fd = 0; fd < 64; fd++) if (this.#fds.get(fd) !== undefined) out.push(fd); return out; }
  fdKnown(fd) { return fd >= 0 && this.#fds.get(fd) !== undefined; }

  // ---- the door --------------------------------------------------------------------

  #lookup(fd) {
    if (fd < 0) return -E.EBADF;
    const e = this.#fds.get(fd);
    if (e === undefined) return -E.EBADF;
    if (!(e instanceof Sock)) return -E.ENOTSOCK;
    return e;
  }

  socket(nonblock) {
    const s = new Sock(-1, nonblock);
    const fd = this.#fds.alloc(s, this.#maxFds);
    if (fd < 0) return -E.EMFILE;
    s.fd = fd;
    this.#all.add(s);
    return fd;
  }

  #overlaps(a, b) { return a === b || a === '0.0.0.0' || b === '0.0.0.0'; }

  /** Whether o's hold on its port is beyond the model: opaque, or an orphan whose timer may have run out. */
  #timerDecides(o) { return o.opaque || (o.fd < 0 && !o.listener && o.state !== 'ESTABLISHED' && o.state !== 'CLOSE_WAIT'); }

  /** inet_bind_conflict (L23) with one uid; UNKNOWN when an orphan's timer decides. */
  #bindConflict(s, addr, port) {
    if (this.#policy.bindFollowsInPcbbindSetup) return this.#pcbbindConflict(s, addr, port);
    let unknown = false;
    for (const o of this.#all) {
      if (o === s || o.lport !== port || !this.#overlaps(addr, o.laddr)) continue;
      if (o.state === 'CLOSED' && !o.listener && o.fd >= 0 && !o.userBound) continue;
      // SO_REUSEADDR on both shares until one listens, for bind() and listen() alike
      // (checked on Linux 6.18: two bound to one address, then one listens).
      if (s.reuseaddr && o.reuseaddr && o.state !== 'LISTEN') continue;
      if (this.#timerDecides(o)) { unknown = true; continue; }
      return true;
    }
    return unknown ? UNKNOWN : false;
  }

  /**
   * FreeBSD in_pcbbind_setup (§7 R1-R5; the kernel's tables/ports.ts bsdBindConflict),
   * one uid and no SO_REUSEPORT here: without SO_REUSEADDR "lookupflags =
   * INPLOOKUP_WILDCARD" and any PCB on the port whose address overlaps conflicts,
   * connected or not; with it in_pcblookup_local looks only for "an unconnected
   * (wildcard foreign addr) PCB that matches the local address and port" exactly.
   */
  #pcbbindConflict(s, addr, port) {
    let unknown = false;
    for (const o of this.#all) {
      if (o === s || o.lport !== port) continue;
      const found = s.reuseaddr ? o.laddr === addr && this.#unconnectedPcb(o) : this.#overlaps(addr, o.laddr);
      if (!found) continue;
      if (this.#timerDecides(o)) { unknown = true; continue; }
      return true;
    }
    return unknown ? UNKNOWN : false;
  }

  /**
   * Whether the ephemeral `port` the kernel gave fd's socket was taken, by FreeBSD's
   * in_pcb_lport_dest (§7 E2, E3): for bind()/listen() the lookup bind() makes; for
   * connect() a PCB holding the same 4-tuple, or an unconnected one on the source
   * address or the wildcard (in_pcblookup_hash_locked, INPLOOKUP_WILDCARD). UNKNOWN
   * when only a socket beyond the model (an orphan's timer) would take it.
   */
  ephemeralPortTaken(fd, port, byConnect) {
    const s = this.socketAt(fd);
    if (!byConnect) return this.#pcbbindConflict(s, s.laddr, port);
    let unknown = false;
    for (const o of this.#all) {
      if (o === s || o.lport !== port) continue;
      const tuple = o.laddr === s.laddr && o.paddr === s.paddr && o.pport === s.pport;
      const wildcard = this.#unconnectedPcb(o) && (o.laddr === s.laddr || o.laddr === '0.0.0.0');
      if (!tuple && !wildcard) continue;
      if (this.#timerDecides(o)) { unknown = true; continue; }
      return true;
    }
    return unknown ? UNKNOWN : false;
  }

  /** A PCB with no foreign address (inp_faddr == INADDR_ANY): bound, listening, or one whose connection ended. */
  #unconnectedPcb(o) { return o.state === 'BOUND' || o.state === 'LISTEN' || o.state === 'CLOSED'; }

  bind(fd, address, port) {
    const s = this.#lookup(fd);
    if (typeof s === 'number') return s;
    if (s.opaque) return UNKNOWN;
    if (this.#dropped(s) && this.#policy.droppedRefusesBindListen) return -E.EINVAL;   // F9: INP_DROPPED
    // __inet_bind: "sk->sk_state != TCP_CLOSE || inet->inet_num" is EINVAL.
    if (s.lport !== 0 || (s.state !== 'UNBOUND' && s.state !== 'CLOSED')) return -E.EINVAL;
    if (port !== 0) {
      const c = this.#bindConflict(s, address, port);
      if (c === UNKNOWN) return UNKNOWN;
      if (c) return -E.EADDRINUSE;
    }
    s.laddr = address;
    s.lport = port === 0 ? UNKNOWN : port;
    // __inet_bind: "if (snum) sk->sk_userlocks |= SOCK_BINDPORT_LOCK;" (bind(0) does not lock).
    s.userBound = port !== 0;
    // "if (sk->sk_rcv_saddr) sk->sk_userlocks |= SOCK_BINDADDR_LOCK;"
    s.addrLock = address !== '0.0.0.0';
    s.state = 'BOUND';
    return 0;
  }

  listen(fd, backlog) {
    const s = this.#lookup(fd);
    if (typeof s === 'number') return s;
    if (s.opaque) return UNKNOWN;
    const limit = this.#policy.backlogLimit(backlog, this.#somaxconn);
    if (s.state === 'LISTEN') { s.listener.limit = limit; return 0; }   // L9, F3
    if (this.#dropped(s) && this.#policy.droppedRefusesBindListen) return -E.EINVAL;   // F9: INP_DROPPED
    // inet_listen: "sock->state != SS_UNCONNECTED" or a TCP state other than CLOSE is EINVAL.
    if (s.ss !== 'unconnected' || (s.state !== 'UNBOUND' && s.state !== 'BOUND' && s.state !== 'CLOSED')) return -E.EINVAL;
    if (s.lport !== 0) {
      // FreeBSD tcp_usr_listen binds only an unbound socket (§7 R9).
      const c = this.#policy.listenRechecksPort ? this.#bindConflict(s, s.laddr, s.lport) : false;
      if (c === UNKNOWN) return UNKNOWN;
      if (c) return -E.EADDRINUSE;
    } else {
      s.lport = UNKNOWN;   // autobind (L8): an odd ephemeral port, not SOCK_BINDPORT_LOCK
    }
    s.state = 'LISTEN';
    s.listener = { limit, queue: [], held: [], filter: null };
    return 0;
  }

  /** The listener a connect() to (addr, port) would reach, or null. */
  listenerAt(addr, port) { return this.#findListener(addr, port); }

  /** The listener a SYN to (addr, port) reaches: a specific address beats the wildcard. */
  #findListener(addr, port) {
    let best = null;
    for (const o of this.#all) {
      if (o.state !== 'LISTEN' || o.lport !== port) continue;
      if (o.laddr === addr) return o;
      if (o.laddr === '0.0.0.0') best = o;
    }
    return best;
  }

  connect(fd, address, port) {
    const s = this.#lookup(fd);
    if (typeof s === 'number') return s;
    if (s.opaque) return UNKNOWN;
    if (this.#policy.connectCompletedIsEisconn) {
      const e = this.#soconnectState(s, false);
      if (e !== 0) return e;
    } else {
      const e = this.#inetStreamConnectState(s);
      if (e !== 0) return e === CONNECTED_NOW ? 0 : e;
    }
    const l = this.#findListener(address, port);
    this.stats.ActiveOpens++;
    if (s.lport === 0) s.lport = UNKNOWN;   // connect()'s autobind: an even port (L22)
    if (s.laddr === '0.0.0.0') s.laddr = '127.0.0.1';
    if (s.userBound && this.personality !== 'freebsd') this.#recycleTimeWait(s.laddr, s.lport, address, port);
    s.paddr = address;
    s.pport = port;
    s.wasConnected = true;
    s.active = true;
    s.rcvShut = s.sndShut = s.done = false;
    s.soError = 0;   // tcp_connect_init: "sk->sk_err = 0; sock_reset_flag(sk, SOCK_DONE);"
    if (l === null) {
      s.rcvShut = s.sndShut = true;   // tcp_done: sk_shutdown = SHUTDOWN_MASK
      // tcp_v4_send_reset from the loopback: ECONNREFUSED at once.
      this.stats.OutRsts++;
      this.stats.ConnectRefused++;
      this.stats.AttemptFails++;
      s.state = 'CLOSED';
      if (!s.userBound) s.lport = 0;
      if (!s.addrLock) s.laddr = '0.0.0.0';   // inet_reset_saddr unless SOCK_BINDADDR_LOCK
      s.paddr = null;
      if (s.nonblock) { s.soError = E.ECONNREFUSED; s.ss = 'connecting'; return -E.EINPROGRESS; }
      s.ss = 'unconnected';
      return -E.ECONNREFUSED;
    }
    if (l.opaque || this.#policy.acceptQueueFull(l.listener.queue.length, l.listener.limit)) {   // an opaque listener has no modelled queue
      s.opaque = true;
      this.statsUnknown = true;
      return UNKNOWN;
    }
    const ch = new Sock(-1, false);
    ch.state = 'ESTABLISHED';
    // sk_clone_lock: "newsk->sk_userlocks = sk->sk_userlocks & ~SOCK_BINDPORT_LOCK": a child's port goes
    // back when its connection is over (tcp_set_state(TCP_CLOSE) -> inet_put_port).
    ch.laddr = address; ch.lport = port; ch.userBound = false; ch.child = true;
    ch.paddr = s.laddr; ch.pport = s.lport;
    ch.reuseaddr = this.#policy.acceptInheritsReuse && l.reuseaddr;
    // SO_LINGER and its time, every personality (§7 A3): Linux sk_clone_lock copies the
    // sock; FreeBSD solisten_clone "head->so_options & (... SO_LINGER ...)", so_linger.
    ch.linger0 = l.linger0;
    ch.ss = 'connected';
    ch.wasConnected = true;
    if (this.#policy.acceptInheritsShutdown) { ch.rcvShut = l.rcvShut; ch.sndShut = l.sndShut; }
    ch.peer = s;
    s.peer = ch;
    s.state = 'ESTABLISHED';
    this.#all.add(ch);
    if (l.listener.filter !== null) this.#filterEnqueue(l, ch);
    else this.#enqueue(l, ch);
    this.stats.PassiveOpens++;
    // tcp_rcv_state_process, TCP_SYN_RECV: "if (sk->sk_shutdown & SEND_SHUTDOWN)
    // tcp_shutdown(sk, SEND_SHUTDOWN);": an inherited SEND_SHUTDOWN sends the FIN at once.
    if (ch.sndShut) { ch.state = 'FIN_WAIT_2'; this.#fin(ch); }
    if (s.nonblock) { s.ss = 'connecting'; return -E.EINPROGRESS; }
    s.ss = 'connected';
    return 0;
  }

  /**
   * FreeBSD before a TCP connect() reaches the protocol (§7 C1, C3-C6, C8; the kernel's
   * syscalls/connect.ts soconnectState): kern_connectat EALREADY while connecting;
   * soconnectat EISCONN when connected (a completed nonblocking connect included) and
   * "so->so_error = 0;"; tcp_usr_connect EAFNOSUPPORT for AF_UNSPEC, ECONNREFUSED once a
   * connection ended (INP_DROPPED), EOPNOTSUPP on a listener. 0: go on connecting.
   */
  #soconnectState(s, unspec) {
    if (s.state === 'SYN_SENT') return -E.EALREADY;
    if (!isClose(s.state) && s.state !== 'LISTEN') {
      if (s.ss === 'connecting') s.ss = 'connected';
      return -E.EISCONN;
    }
    s.soError = 0;
    if (s.ss === 'connecting') s.ss = 'unconnected';   // soisdisconnected
    if (unspec) return -E.EAFNOSUPPORT;
    if (this.#dropped(s) && this.#policy.connectAfterDropRefused) return -E.ECONNREFUSED;
    if (s.state === 'LISTEN') return -this.#policy.connectOnListenerErrno;
    return 0;
  }

  /**
   * Whether a connection's end leaves s its port: bind() chose it (SOCK_BINDPORT_LOCK),
   * or s is an accepted socket of a personality whose children keep theirs.
   */
  #keepsPort(s) { return s.userBound || (s.child === true && this.#policy.acceptedKeepsPort); }

  /** A TCP socket whose connection ended (refused, reset, closed): FreeBSD's INP_DROPPED. */
  #dropped(s) { return s.state === 'CLOSED' && s.wasConnected; }

  /**
   * Linux __inet_stream_connect (L17), by struct socket state: an errno, CONNECTED_NOW
   * (a nonblocking connect's completion, reported once) or 0 (go on connecting).
   */
  #inetStreamConnectState(s) {
    if (s.ss === 'connected') return -E.EISCONN;
    if (s.ss === 'disconnecting') return -E.EINVAL;
    if (s.ss === 'connecting') {
      if (s.state === 'SYN_SENT') return -E.EALREADY;
      if (isClose(s.state)) {
        // sock_error: the pending error, or ECONNABORTED once it was read; then a fresh start.
        const e = s.soError !== 0 ? s.soError : E.ECONNABORTED;
        s.soError = 0;
        s.ss = 'unconnected';
        return -e;
      }
      s.ss = 'connected';
      return CONNECTED_NOW;
    }
    // "err = -EISCONN; if (sk->sk_state != TCP_CLOSE) goto out;"
    if (s.state === 'LISTEN') return -this.#policy.connectOnListenerErrno;
    if (!isClose(s.state)) return -E.EISCONN;
    return 0;
  }

  /** accept() (`accept4` false) or accept4(flags), `nonblock` its SOCK_NONBLOCK. */
  accept(fd, nonblock = false, accept4 = false) {
    const l = this.#lookup(fd);
    if (typeof l === 'number') return l;
    if (l.opaque) return UNKNOWN;
    if (l.state !== 'LISTEN') return -E.EINVAL;
    if (l.soError !== 0) { const e = l.soError; l.soError = 0; return -e; }
    const q = l.listener.queue;
    if (q.length === 0) return -E.EAGAIN;
    const ch = q[0];
    const nfd = this.#fds.alloc(ch, this.#maxFds);
    if (nfd < 0) return -E.EMFILE;
    q.shift();
    ch.queuedAt = null;
    ch.fd = nfd;
    // L19 / F15: FreeBSD's accept() inherits O_NONBLOCK; accept4 sets it from its flags.
    ch.nonblock = nonblock || (!accept4 && this.#policy.acceptInheritsNonblock && l.nonblock);
    return nfd;
  }

  /**
   * An accept filter holds a new connection (§7 F13, solisten_enqueue): first "while
   * (head->sol_incqlen > head->sol_qlimit)" the oldest held one is aborted (its client
   * reset, AcceptFilterDrops), then it is inserted (limit + 1 wait); then the filter
   * looks at it.
   */
  #filterEnqueue(l, ch) {
    const held = l.listener.held;
    while (held.length > l.listener.limit) {
      const old = held.shift();
      this.stats.AcceptFilterDrops++;
      this.stats.OutRsts++;
      this.#reset(old.peer);
      this.#all.delete(old);
    }
    ch.heldBy = l;
    held.push(ch);
    this.#filterCheck(ch);
  }

  /**
   * dataready (§7 F11, F12; accf_data.c sohasdata "if (!soreadable(so)) return (SU_OK);"):
   * a held connection passes once it has bytes or end of file, and joins the accept queue.
   */
  #filterCheck(ch) {
    const l = ch.heldBy;
    if (l === null || (ch.rx.length === 0 && !ch.rcvShut)) return;
    l.listener.held.splice(l.listener.held.indexOf(ch), 1);
    ch.heldBy = null;
    this.#enqueue(l, ch);
  }

  /** A connection joins l's accept queue. */
  #enqueue(l, ch) {
    ch.queuedAt = l;
    l.listener.queue.push(ch);
  }

  /** The peer learns of a reset: ECONNRESET, or EPIPE from CLOSE_WAIT (tcp_reset). */
  #reset(p) {
    if (p === null || p.opaque) return;
    if (p.heldBy !== null) {
      // A held connection reset by its client: what its listener's filter queue does
      // then is not modelled; the listener is read back from the kernel.
      p.heldBy.opaque = true;
      this.statsUnknown = true;
      return;
    }
    if (p.state === 'ESTABLISHED' || p.state === 'CLOSE_WAIT') this.stats.EstabResets++;   // counted by the receiver (tcp.ts onRst)
    if (p.state === 'ESTABLISHED' || p.state === 'CLOSE_WAIT' || p.state === 'FIN_WAIT_1' || p.state === 'FIN_WAIT_2') {
      p.soError = p.state === 'CLOSE_WAIT' ? E.EPIPE : E.ECONNRESET;
      p.state = 'CLOSED';
      // tcp_reset -> tcp_done changes sk_state only: struct socket stays SS_CONNECTED, so
      // listen() says EINVAL and connect() EISCONN afterwards (checked on Linux 6.18).
      p.peer = null;
      p.rx = [];
      p.rcvShut = p.sndShut = true;
      // A queued child stays queued (accept() still returns it) and keeps its port.
      if (p.fd < 0 && p.queuedAt === null) this.#all.delete(p);
      else if (!this.#keepsPort(p)) p.lport = 0;   // tcp_done: the port goes back, the address stays (tcp/teardown.ts connectionEnds)
    }
  }

  /** A FIN from s reaches its peer. */
  #fin(s) {
    const p = s.peer;
    if (p === null || p.opaque) return;
    p.rcvShut = true;
    p.done = true;
    this.#filterCheck(p);
    if (p.state === 'ESTABLISHED') p.state = 'CLOSE_WAIT';
    else if (p.state === 'FIN_WAIT_2' || p.state === 'FIN_WAIT_1') {
      // tcp_time_wait: the connection lives on as a TIME_WAIT mini-socket (holding the
      // port and the 4-tuple); a socket that still has its descriptor, or will have one
      // (queued for accept), is left CLOSE.
      if (p.fd >= 0 || p.queuedAt !== null) {
        const tw = new Sock(-1, false);
        Object.assign(tw, { state: 'TIME_WAIT', laddr: p.laddr, lport: p.lport, paddr: p.paddr, pport: p.pport, active: p.active, reuseaddr: p.reuseaddr, orphan: true });
        this.#all.add(tw);
        p.state = 'CLOSED';
        p.sndShut = true;
        p.peer = null;
        if (!p.userBound) p.lport = 0;   // tcp_done keeps the address (tcp/teardown.ts finish)
      } else p.state = 'TIME_WAIT';
    }
  }

  /**
   * tcp_twsk_unique for a port bound before connect() (twp == NULL, docs/personalities.md
   * §8 "tcp_tw_reuse"): a TIME_WAIT socket, or an orphan in FIN_WAIT_2, that an earlier
   * connect() left on this 4-tuple is killed and counted (TWRecycled); FreeBSD never.
   * (An ephemeral port never meets one here: the model's range is never exhausted.)
   */
  #recycleTimeWait(laddr, lport, paddr, pport) {
    for (const o of this.#all) {
      if (o.fd >= 0 || !o.orphan || !o.active || (o.state !== 'TIME_WAIT' && o.state !== 'FIN_WAIT_2')) continue;
      if (o.laddr !== laddr || o.lport !== lport || o.paddr !== paddr || o.pport !== pport) continue;
      this.#all.delete(o);
      if (o.peer !== null && o.peer.peer === o) o.peer.peer = null;   // the server's end now meets nobody
      this.stats.TWRecycled++;
      return;
    }
  }

  close(fd) {
    if (fd < 0) return -E.EBADF;
    const e = this.#fds.get(fd);
    if (e === undefined) return -E.EBADF;
    this.#fds.release(fd);
    if (this.#epolls.has(fd)) { this.#epolls.delete(fd); return 0; }
    for (const reg of this.#epolls.values()) reg.delete(fd);
    if (e === STDIO) return 0;
    const s = e;
    s.fd = -1;
    if (s.opaque) { this.#all.delete(s); this.statsUnknown = true; return 0; }
    this.#destroy(s);
    return 0;
  }

  #destroy(s) {
    if (s.state === 'LISTEN') {
      this.#abortQueued(s);
      this.#all.delete(s);
      return;
    }
    const p = s.peer;
    if ((s.state === 'ESTABLISHED' || s.state === 'CLOSE_WAIT') && (s.rx.length > 0 || s.linger0)) {
      // __tcp_close: unread data (TCPAbortOnClose) or SO_LINGER {1, 0} sends a reset.
      // "if (data_was_unread) ... TCPABORTONCLOSE" else SO_LINGER {1, 0}: TCPABORTONDATA.
      if (s.rx.length > 0) this.stats.TCPAbortOnClose++;
      else this.stats.TCPAbortOnData++;
      this.stats.OutRsts++;
      this.#reset(p);
      this.#all.delete(s);
      return;
    }
    if (s.state === 'ESTABLISHED') { s.state = 'FIN_WAIT_2'; this.#fin(s); s.orphan = true; return; }
    if (s.state === 'CLOSE_WAIT') {
      // LAST_ACK, acked at once on loopback: gone; the peer goes TIME_WAIT.
      this.#fin(s);
      if (p) p.peer = null;
      this.#all.delete(s);
      return;
    }
    if (s.state === 'FIN_WAIT_2' || s.state === 'FIN_WAIT_1' || s.state === 'TIME_WAIT') { s.orphan = true; return; }
    this.#all.delete(s);
  }

  shutdown(fd, how) {
    const s = this.#lookup(fd);
    if (typeof s === 'number') return s;
    if (s.opaque) return UNKNOWN;
    if (how < 0 || how > 2) return -E.EINVAL;
    if (s.ss === 'connecting') s.ss = isClose(s.state) || s.state === 'SYN_SENT' ? 'disconnecting' : 'connected';   // inet_shutdown
    if (s.state === 'LISTEN') {
      if (!this.#policy.shutdownStopsListener) {
        // F17, §7 D1, D2: a listener is not connected (ENOTCONN); unless SHUT_WR, the next accept() says ECONNABORTED.
        if (how !== SHUT_WR) s.soError = E.ECONNABORTED;
        return -E.ENOTCONN;
      }
      if (how === SHUT_WR) return 0;
      // L20: stops listening; the queue is reset; a user-bound port stays.
      this.#stopListening(s);
      // tcp_disconnect: the port goes back unless bind() chose it (SOCK_BINDPORT_LOCK).
      if (!s.userBound) s.lport = 0;
      if (!s.addrLock) s.laddr = '0.0.0.0';
      s.state = s.userBound ? 'BOUND' : 'UNBOUND';
      return 0;
    }
    if (s.state !== 'ESTABLISHED' && s.state !== 'CLOSE_WAIT' && s.state !== 'FIN_WAIT_2' && s.state !== 'TIME_WAIT') {
      // L20: a socket in TCP_CLOSE answers ENOTCONN "but still ORs sk_shutdown" (not FreeBSD).
      if (this.#policy.shutdownUnconnectedRecorded) {
        if (how !== SHUT_WR) s.rcvShut = true;
        if (how !== SHUT_RD) s.sndShut = true;
      }
      return -E.ENOTCONN;
    }
    if (how !== SHUT_WR) s.rcvShut = true;
    if (how !== SHUT_RD && !s.sndShut) {
      s.sndShut = true;
      if (s.state === 'ESTABLISHED') { s.state = 'FIN_WAIT_2'; this.#fin(s); }
      else if (s.state === 'CLOSE_WAIT') {
        s.state = 'CLOSED';   // LAST_ACK, acked at once: tcp_done, the port goes back
        if (!this.#keepsPort(s)) s.lport = 0;
        this.#fin(s);
        if (s.peer) s.peer.peer = null;
        s.peer = null;
      }
    }
    return 0;
  }

  /**
   * L20: a listener stops (tcp_disconnect, from shutdown(SHUT_RD) or connect(AF_UNSPEC)):
   * every queued connection is reset and forgotten, and "sk->sk_shutdown = 0" clears
   * what inet_shutdown had just ORed in.
   */
  #stopListening(s) {
    s.rcvShut = false;
    s.sndShut = false;
    this.#abortQueued(s);
    s.listener = null;
  }

  /**
   * A listener stops (inet_csk_listen_stop; FreeBSD soclose/soabort): every connection
   * it holds, accept filter's included, is forgotten, and its client is reset unless the
   * connection already ended (inet_child_forget -> tcp_disconnect: "if
   * (tcp_need_reset(old_state))"; a child reset by its client has no peer left).
   */
  #abortQueued(s) {
    for (const ch of [...s.listener.held, ...s.listener.queue]) {
      this.stats.AcceptQueueResets++;
      if (ch.peer !== null) this.stats.OutRsts++;
      this.#reset(ch.peer);
      this.#all.delete(ch);
    }
  }

  /**
   * connect(AF_UNSPEC): tcp_disconnect from any state (Linux 6.x tcp.c): a listener stops,
   * a connection is reset (tcp_need_reset: ESTABLISHED, CLOSE_WAIT, FIN_WAIT_1/2) and
   * sk_err = ECONNRESET (also from SYN_SENT); the socket is left CLOSE, unread bytes
   * purged, sk_shutdown 0, its port kept only if bind() locked it; sock->state =
   * SS_UNCONNECTED. The same rule for every personality (the kernel has one).
   */
  disconnect(fd) {
    const s = this.#lookup(fd);
    if (typeof s === 'number') return s;
    if (s.opaque) return UNKNOWN;
    if (!this.#policy.connectUnspecDisconnects) return this.#soconnectState(s, true);   // §7 C8
    s.ss = 'unconnected';
    if (s.state === 'LISTEN') {
      this.#stopListening(s);
    } else if (s.state === 'UNBOUND' || s.state === 'BOUND' || s.state === 'CLOSED') {
      return 0;
    } else {
      const p = s.peer;
      if (p !== null && s.state !== 'TIME_WAIT') {
        this.stats.OutRsts++;
        if (p.fd < 0 && p.orphan) this.#all.delete(p);
        else this.#reset(p);
      }
      if (s.state !== 'TIME_WAIT') s.soError = E.ECONNRESET;
      s.peer = null;
    }
    s.rx = [];
    s.rcvShut = s.sndShut = s.done = false;   // "sk->sk_shutdown = 0; sock_reset_flag(sk, SOCK_DONE);"
    s.wasConnected = false;
    s.paddr = null;
    if (!this.#keepsPort(s)) s.lport = 0;
    if (!s.addrLock) s.laddr = '0.0.0.0';
    s.state = this.#keepsPort(s) ? 'BOUND' : 'UNBOUND';
    return 0;
  }

  setsockopt(fd, option, value) {
    const s = this.#lookup(fd);
    if (typeof s === 'number') return s;
    if (option === 'acceptfilter') return this.#acceptFilter(s, value);
    if (option === 'reuseaddr') s.reuseaddr = value !== 0;
    else if (option === 'linger0') s.linger0 = true;
    return 0;
  }

  /**
   * setsockopt(SO_ACCEPTFILTER, { name } or null) (§7 F1-F4; uipc_accf.c
   * accept_filt_setopt): removing needs a listener, is 0 without a filter, and moves every
   * held connection to the accept queue; setting looks the name up first (ENOENT), then
   * needs a listener without a filter (EINVAL). Elsewhere the option does not exist: the
   * generic path answers EINVAL for a null value (optlen < sizeof(int)), else ENOPROTOOPT.
   */
  #acceptFilter(s, name) {
    if (!this.#policy.acceptFiltersExist) return name === null ? -E.EINVAL : -E.ENOPROTOOPT;
    if (s.opaque) return UNKNOWN;
    const listening = s.state === 'LISTEN';
    if (name === null) {
      if (!listening) return -E.EINVAL;
      const l = s.listener;
      l.filter = null;
      for (const ch of l.held) { ch.heldBy = null; this.#enqueue(s, ch); }
      l.held = [];
      return 0;
    }
    if (name !== 'dataready' && name !== 'httpready') return -E.ENOENT;
    if (!listening || s.listener.filter !== null) return -E.EINVAL;
    s.listener.filter = name;
    // httpready's parser (accf_http.c) is not modelled: its listener is read back.
    if (name === 'httpready') { s.opaque = true; this.statsUnknown = true; }
    return 0;
  }

  /** getsockopt(SO_ERROR): the pending error, cleared by reading (sock_getsockopt). */
  soErrorRead(fd) {
    const s = this.#lookup(fd);
    if (typeof s === 'number') return s;
    if (s.opaque) return UNKNOWN;
    const e = s.soError;
    s.soError = 0;
    return e;
  }

  send(fd, bytes) {
    const s = this.#lookup(fd);
    if (typeof s === 'number') return s;
    if (s.opaque) return UNKNOWN;
    // tcp_sendmsg_locked: a pending error first, then EPIPE after SEND_SHUTDOWN.
    if (s.soError !== 0) { const e = s.soError; s.soError = 0; return -e; }
    if (s.sndShut) return -E.EPIPE;
    if (s.state !== 'ESTABLISHED' && s.state !== 'CLOSE_WAIT') {
      // A connection that ended: EPIPE (FreeBSD: soisdisconnected set SBS_CANTSENDMORE);
      // none yet: sk_stream_wait_connect EPIPE, FreeBSD sosend_generic ENOTCONN (§7 S2).
      return this.#dropped(s) ? -E.EPIPE : -this.#policy.tcpSendNotConnectedErrno;
    }
    if (bytes.length === 0) return 0;
    const p = s.peer;
    if (p === null || p.opaque) { this.statsUnknown = true; return UNKNOWN; }
    if (p.fd < 0 && p.orphan) {
      // Data for a socket whose user closed it: reset (TCPAbortOnData).
      this.statsUnknown = true;
      this.#all.delete(p);
      s.peer = null;
      this.#reset(s);
      return bytes.length;
    }
    if (p.rcvShut && (p.state === 'FIN_WAIT_1' || p.state === 'FIN_WAIT_2')) {
      // tcp_rcv_state_process, FIN_WAIT1/2: "if (sk->sk_shutdown & RCV_SHUTDOWN) { ...
      // NET_INC_STATS(..., LINUX_MIB_TCPABORTONDATA); tcp_reset(sk, skb); }": the receiver
      // resets (a child that inherited SHUTDOWN_MASK, or shut down both ways) and
      // answers with a reset.
      this.stats.TCPAbortOnData++;
      this.stats.OutRsts++;
      p.soError = E.ECONNRESET;
      p.state = 'CLOSED';
      p.peer = null;
      p.sndShut = true;
      if (!this.#keepsPort(p)) p.lport = 0;
      s.peer = null;
      this.#reset(s);
      return bytes.length;
    }
    p.rx.push(...bytes);
    this.#filterCheck(p);
    return bytes.length;
  }

  recv(fd, size) {
    const s = this.#lookup(fd);
    if (typeof s === 'number') return s;
    if (s.opaque) return UNKNOWN;
    if (s.state === 'LISTEN') return -E.ENOTCONN;
    if (s.rx.length > 0 && size > 0) return s.rx.splice(0, size);
    if (s.rx.length > 0) return [];
    // tcp_recvmsg_locked with nothing queued: "if (sock_flag(sk, SOCK_DONE)) break;" (a FIN
    // came: end of file, a later reset's error waits), error, end of file, ENOTCONN, EAGAIN.
    if (s.done) return [];
    if (s.soError !== 0) { const e = s.soError; s.soError = 0; return -e; }
    if (s.rcvShut) return [];
    if (!s.wasConnected || s.state === 'CLOSED' || s.state === 'UNBOUND' || s.state === 'BOUND') return -E.ENOTCONN;
    return -E.EAGAIN;
  }

  /** tcp_poll's mask (events asked: POLLIN | POLLOUT | POLLRDHUP; POLLERR, POLLHUP always). */
  pollMask(fd) {
    if (fd < 0) return 0;
    const e = this.#fds.get(fd);
    if (e === undefined) return POLLNVAL;
    if (!(e instanceof Sock)) return 0;   // stdio and epoll descriptors: never ready here
    const s = e;
    if (s.opaque) return UNKNOWN;
    if (s.state === 'LISTEN') {
      if (s.listener.queue.length > 0) return POLLIN;
      // §7 D3, sopoll_generic: a pending error (what shutdown left) with an empty queue.
      return s.soError !== 0 && this.#policy.listenerPollsSoError ? POLLIN | POLLHUP : 0;
    }
    let m = 0;
    const closed = s.state === 'CLOSED' || s.state === 'UNBOUND' || s.state === 'BOUND';
    if (closed || (s.rcvShut && s.sndShut)) m |= POLLHUP;
    if (s.rcvShut) m |= POLLIN | POLLRDHUP;
    if (s.rx.length > 0) m |= POLLIN;
    m |= POLLOUT;   // writable (small sends never fill the buffer), or SEND_SHUTDOWN
    if (s.soError !== 0) m |= POLLERR;
    return m;
  }

  epollCreate() {
    const fd = this.#fds.alloc({ epoll: true }, this.#maxFds);
    if (fd < 0) return -E.EMFILE;
    this.#epolls.set(fd, new Map());
    return fd;
  }

  epollCtl(epfd, op, fd, events) {
    if (epfd < 0 || this.#fds.get(epfd) === undefined) return -E.EBADF;
    const reg = this.#epolls.get(epfd);
    if (reg === undefined) return -E.EINVAL;
    if (fd < 0 || this.#fds.get(fd) === undefined) return -E.EBADF;
    if (fd === epfd) return -E.EINVAL;
    if (this.#fds.get(fd) === STDIO || this.#epolls.has(fd)) return UNKNOWN;   // ep_op_has_event on non-sockets
    if (op === 1) { if (reg.has(fd)) return -17; reg.set(fd, events); return 0; }   // EEXIST
    if (op === 2) { if (!reg.has(fd)) return -E.ENOENT; reg.delete(fd); return 0; }
    if (op === 3) { if (!reg.has(fd)) return -E.ENOENT; reg.set(fd, events); return 0; }
    return -E.EINVAL;
  }

  /** Level-triggered: every registered descriptor whose mask meets its events. */
  epollReady(epfd) {
    const reg = this.#epolls.get(epfd);
    if (reg === undefined) return null;
    const out = new Map();
    for (const [fd, ev] of reg) {
      const m = this.pollMask(fd);
      if (m === UNKNOWN) return UNKNOWN;
      const r = m & (ev | POLLERR | POLLHUP);
      if (r !== 0) out.set(fd, r);
    }
    return out;
  }

  /** Time passes: the modelled sockets have no timer of their own (orphan timers: see the header). */
  advance(ms) {
    if (ms >= 60_000) {
      // TIME_WAIT (60 s) and FIN_WAIT_2 orphans (tcp_fin_timeout 60 s) are gone by now.
      for (const s of this.#all) {
        if (s.fd < 0 && s.orphan) this.#all.delete(s);
        if (s.fd >= 0 && s.state === 'TIME_WAIT') { s.state = 'CLOSED'; if (!s.userBound) s.lport = 0; }
      }
    }
    this.statsUnknown = true;   // retransmissions of opaque clients may fire
  }
}
