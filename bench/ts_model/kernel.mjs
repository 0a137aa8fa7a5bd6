// TsKernel: the Linux personality of socket-kernel for the handshake cycle, written
// as a capable JavaScript developer would write it: socket objects, Maps, Sets and
// arrays, no linear memory. It is the "plain TypeScript implementation of the same
// semantics" that issue 6 compares the WebAssembly kernel with.
//
// Same work as the kernel for socket -> connect -> accept -> close (assembly/*.ts,
// named at each step), no shortcut the kernel cannot take and nothing extra:
//   - arguments are checked at the door as the per-call host does (integers, an
//     { address, port } object), errors are thrown as Node-shaped Error objects;
//   - lowest-free descriptors (fd_table.mjs), EMFILE at maxFds;
//   - bind table Map<port, bucket{owners: Set, users}> with Linux's conflict rule,
//     odd ephemeral ports for bind(0)/listen, even ones for connect with the
//     per-destination perturb table and 4-tuple uniqueness (Map<tuple, socket>);
//   - listeners by port with Linux's score; an accept queue (ring buffer) per
//     listener, full when qlen > backlog (N admits N+1);
//   - loopback: the handshake completes inside connect(). As the kernel's loopback
//     path in tcp.ts onSyn does, the SYN builds the ESTABLISHED child directly (a
//     request would enter and leave the SYN queue at once); a SYN dropped on a full
//     accept queue leaves the client in SYN_SENT with a retransmission timer on a
//     simulated clock (advance(ms));
//   - EAGAIN, EINPROGRESS and EALREADY are built without a stack trace, as the
//     host's socketError() builds them (host/errors.ts): flow control, not failures;
//   - close: FIN to the peer (CLOSE_WAIT), listener stop resets queued children,
//     ports and tuples released; no TIME_WAIT (the kernel has none yet);
//   - the same counters (ActiveOpens, PassiveOpens, ListenOverflows, ...).
//
// Out of scope, refused with ERR_TS_MODEL_UNSUPPORTED rather than answered wrongly:
// AF_INET6, AF_UNIX, UDP, socket options, a link delay (hence no SYN queue and no
// syncookies), shutdown(). Address indices are 10 bits (1023 local IPv4 addresses), so
// a 4-tuple key fits a double exactly.

import { FdTable, STDIO } from '../../tests/model/fd_table.mjs';
import { Deque } from '../../tests/model/deque.mjs';

export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const IPPROTO_TCP = 6;

const SOCK_TYPE_MASK = 0xf;
const AF_MAX = 46;

/** Socket states, as assembly/state.ts names them. */
export const State = Object.freeze({
  FREE: 0, UNBOUND: 1, BOUND: 2, CLOSED: 3,
  LISTEN: 4, SYN_SENT: 5, ESTABLISHED: 7, CLOSE_WAIT: 10,
});
const S = State;

/** Socket-layer state (Linux struct socket::state). */
const SS_UNCONNECTED = 1, SS_CONNECTING = 2, SS_CONNECTED = 3, SS_DISCONNECTING = 4;

const bit = (s) => 1 << s;
/** Legal next states (assembly/state.ts LEGAL, the states this model reaches). Checked with { debug: true }. */
const LEGAL = {
  [S.FREE]: bit(S.UNBOUND) | bit(S.ESTABLISHED),
  [S.UNBOUND]: bit(S.FREE) | bit(S.BOUND) | bit(S.LISTEN) | bit(S.SYN_SENT),
  [S.BOUND]: bit(S.FREE) | bit(S.LISTEN) | bit(S.SYN_SENT),
  [S.CLOSED]: bit(S.FREE) | bit(S.BOUND) | bit(S.LISTEN) | bit(S.SYN_SENT),
  [S.LISTEN]: bit(S.FREE),
  [S.SYN_SENT]: bit(S.FREE) | bit(S.ESTABLISHED) | bit(S.CLOSED),
  [S.ESTABLISHED]: bit(S.FREE) | bit(S.CLOSE_WAIT) | bit(S.CLOSED),
  [S.CLOSE_WAIT]: bit(S.FREE) | bit(S.CLOSED),
};

// ---- errors (shaped like host/errors.ts SocketError) --------------------------------
//
// As in the kernel (STYLE.md 3), the system calls inside return a result >= 0 or a
// negative errno; each public method checks its arguments, calls the inside, and turns
// a negative result into a thrown SocketError. Besides keeping one exit per call, this
// matters to V8: a function that always leaves by a throw never reaches the tier-up
// check on return, so a connect() that throws EINPROGRESS on every call would stay in
// the baseline compiler for good.

/** Errno numbers (Linux), as assembly/errno.ts. */
const E = Object.freeze({
  EPERM: 1, EBADF: 9, EAGAIN: 11, EACCES: 13, EINVAL: 22, EMFILE: 24, EPIPE: 32, ENOTSOCK: 88,
  EPROTONOSUPPORT: 93, ESOCKTNOSUPPORT: 94, EAFNOSUPPORT: 97, EADDRINUSE: 98, EADDRNOTAVAIL: 99,
  ENETUNREACH: 101, ECONNABORTED: 103, ECONNRESET: 104, EISCONN: 106, ENOTCONN: 107, ETIMEDOUT: 110,
  ECONNREFUSED: 111, EALREADY: 114, EINPROGRESS: 115,
});

const ERRNO_TEXT = {
  1: 'operation not permitted', 9: 'bad file descriptor', 11: 'resource temporarily unavailable',
  13: 'permission denied', 22: 'invalid argument', 24: 'too many open files', 32: 'broken pipe',
  88: 'socket operation on non-socket', 93: 'protocol not supported', 94: 'socket type not supported',
  97: 'address family not supported', 98: 'address already in use', 99: 'address not available',
  101: 'network is unreachable', 103: 'software caused connection abort', 104: 'connection reset by peer',
  106: 'socket is already connected', 107: 'socket is not connected', 110: 'connection timed out',
  111: 'connection refused', 114: 'connection already in progress', 115: 'operation in progress',
};
const ERRNO_NAME = Object.fromEntries(Object.entries(E).map(([name, n]) => [n, name]));

export class TsSocketError extends Error {
  /**
   * @param {number} errno positive or negative
   * @param {string} syscall
   * @param {string} [address]
   * @param {number} [port]
   */
  constructor(errno, syscall, address, port) {
    const n = Math.abs(errno);
    const code = ERRNO_NAME[n] ?? `E${n}`;
    let where = '';
    if (address !== undefined) where = port !== undefined && port > 0 ? ` ${address}:${port}` : ` ${address}`;
    super(`${syscall} ${code}: ${ERRNO_TEXT[n] ?? 'unknown error'}${where}`);
    this.name = 'SocketError';
    this.code = code;
    this.errno = -n;
    this.syscall = syscall;
    if (address !== undefined) this.address = address;
    if (port !== undefined) this.port = port;
  }
}

/**
 * A SocketError; EAGAIN, EINPROGRESS and EALREADY without a captured stack trace
 * (they come on every nonblocking call that would wait; the capture costs more than
 * the call), as host/errors.ts socketError() does.
 */
function socketError(errno, syscall, address, port) {
  const n = errno < 0 ? -errno : errno;
  if (n !== E.EAGAIN && n !== E.EINPROGRESS && n !== E.EALREADY) return new TsSocketError(errno, syscall, address, port);
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try { return new TsSocketError(errno, syscall, address, port); } finally { Error.stackTraceLimit = limit; }
}

/** Bad JavaScript arguments, as Node's ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE. */
export class TsArgumentError extends TypeError {
  constructor(code, message) { super(message); this.name = 'TypeError'; this.code = code; }
}

function unsupported(what) {
  const e = new Error(`TsKernel does not model ${what}`);
  e.code = 'ERR_TS_MODEL_UNSUPPORTED';
  return e;
}

function checkInt(name, v, min = -0x80000000, max = 0x7fffffff) {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new TsArgumentError('ERR_INVALID_ARG_TYPE', `"${name}" must be an integer. Received ${String(v)}`);
  }
  if (v < min || v > max) throw new TsArgumentError('ERR_OUT_OF_RANGE', `"${name}" must be >= ${min} and <= ${max}. Received ${v}`);
  return v;
}

// ---- addresses --------------------------------------------------------------------

/** An interned IPv4 address (assembly/address.ts): the index goes into 4-tuple keys. */
class Addr {
  /** @param {number} index @param {number} value host-order u32 @param {string} text */
  constructor(index, value, text) {
    this.index = index;
    this.value = value;
    this.text = text;
    this.wildcard = value === 0;
    /** tcp_peer_is_proven: has completed a connection before. */
    this.proven = false;
  }
}
const MAX_ADDRS = 1023;

function parseIPv4(s) {
  const parts = s.split('.');
  if (parts.length !== 4) return -1;
  let v = 0;
  for (const p of parts) {
    if (p.length < 1 || p.length > 3) return -1;
    let n = 0;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return -1;
      n = n * 10 + c;
    }
    if (n > 255) return -1;
    v = v * 256 + n;
  }
  return v;
}

// ---- sockets ------------------------------------------------------------------------

class Listener {
  /** @param {number} limit the backlog after clamping (sk_max_ack_backlog) */
  constructor(limit) {
    this.limit = limit;
    /** Established children waiting for accept(), oldest first. */
    this.acceptQueue = new Deque();
    /** SYNs turned away because the accept queue was full. */
    this.drops = 0;
  }
}

class TsSocket {
  constructor() {
    this.state = S.FREE;
    this.ss = SS_UNCONNECTED;
    this.fd = -1;
    this.nonblock = false;
    this.cloexec = false;
    /** @type {Addr} */ this.laddr = null;
    this.lport = 0;
    /** @type {Addr | null} */ this.paddr = null;
    this.pport = 0;
    /** On its port's bind bucket (owns lport). */
    this.hashed = false;
    /** Bound by connect()'s autobind (Linux fastreuse -1: connect() may share the port). */
    this.connBound = false;
    /** The port came from bind() (SOCK_BINDPORT_LOCK). */
    this.bindLock = false;
    /** bind() gave a specific address (SOCK_BINDADDR_LOCK). */
    this.addrLock = false;
    /** Key in the 4-tuple Map, or -1. */
    this.tuple = -1;
    this.rcvShut = false;
    this.sendShut = false;
    this.wasConn = false;
    /** Pending SO_ERROR (a positive errno), read once. */
    this.soError = 0;
    /** @type {TsSocket | null} the other end of a connection */ this.peer = null;
    /** @type {TsSocket | null} listener of a queued child */ this.parent = null;
    /** @type {Listener | null} */ this.listener = null;
    /** Seq of the armed retransmission timer, 0 when none. */
    this.timer = 0;
    this.retries = 0;
  }
}

class BindBucket {
  constructor() {
    /** @type {Set<TsSocket>} */
    this.owners = new Set();
    /** Owners not bound by connect() (Linux fastreuse >= 0): connect() skips the port. */
    this.users = 0;
  }
}

/** The per-destination offset table of __inet_hash_connect (table_perturb). */
const PERTURB = 4096;

function tupleKey(src, sport, dst, dport) {
  // 10 + 16 + 10 + 16 bits: exact in a double.
  return ((src * 65536 + sport) * 1024 + dst) * 65536 + dport;
}

/** Timer order: (time, seq), so events due together fire in the order they were armed. */
function firesBefore(a, b) { return a.time < b.time || (a.time === b.time && a.seq < b.seq); }

/** SYN retransmission and timeout constants (include/net/tcp.h), microseconds. */
const TIMEOUT_INIT_US = 1_000_000;
const RTO_MAX_US = 120_000_000;

const OPTION_KEYS = new Set(['seed', 'somaxconn', 'maxFds', 'ipLocalPortRange', 'ipUnprivilegedPortStart',
  'tcpSynRetries', 'tcpSynLinearTimeouts', 'privileged', 'debug']);

export class TsKernel {
  #fds = new FdTable();
  /** @type {Map<number, BindBucket>} port -> bucket (TCP) */
  #binds = new Map();
  /** @type {Map<number, TsSocket[]>} port -> listening sockets */
  #listeners = new Map();
  /** @type {Map<number, TsSocket>} 4-tuple -> connecting/connected client */
  #tuples = new Map();
  /** @type {Map<string, Addr>} canonical address text -> interned local address */
  #addrByText = new Map();
  /** @type {Map<number, Addr>} */
  #addrByValue = new Map();
  #addrCount = 0;
  #any; #loop;
  #perturb = new Uint32Array(PERTURB);
  #secret = 0;
  #rng = 0;
  /** Simulated clock (µs) and the timer heap: [{ time, seq, sock }]. */
  #now = 0;
  #timers = [];
  #seq = 0;
  #stats = {
    ListenOverflows: 0, ListenDrops: 0, TCPSynRetrans: 0, TCPTimeouts: 0, ActiveOpens: 0, PassiveOpens: 0,
    AttemptFails: 0, EstabResets: 0, OutRsts: 0, AcceptQueueResets: 0, ConnectRefused: 0, ConnectTimedOut: 0,
  };
  #somaxconn = 4096;
  #maxFds = 1024;
  #portLow = 32768;
  #portHigh = 60999;
  #unprivPortStart = 1024;
  #privileged = false;
  #synRetries = 6;
  #synLinear = 4;
  #debug = false;

  /**
   * @param {{ seed?: number, somaxconn?: number, maxFds?: number, ipLocalPortRange?: [number, number],
   *   ipUnprivilegedPortStart?: number, tcpSynRetries?: number, tcpSynLinearTimeouts?: number,
   *   privileged?: boolean, debug?: boolean }} [options]
   */
  constructor(options = {}) {
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.has(key)) throw new TsArgumentError('ERR_INVALID_ARG_VALUE', `Unknown option "${key}"`);
    }
    if (options.somaxconn !== undefined) this.#somaxconn = checkInt('somaxconn', options.somaxconn, 0);
    if (options.maxFds !== undefined) this.#maxFds = checkInt('maxFds', options.maxFds, 3, 1 << 24);
    if (options.ipUnprivilegedPortStart !== undefined) this.#unprivPortStart = checkInt('ipUnprivilegedPortStart', options.ipUnprivilegedPortStart, 0, 65535);
    if (options.tcpSynRetries !== undefined) this.#synRetries = checkInt('tcpSynRetries', options.tcpSynRetries, 1, 127);
    if (options.tcpSynLinearTimeouts !== undefined) this.#synLinear = checkInt('tcpSynLinearTimeouts', options.tcpSynLinearTimeouts, 0, 127);
    if (options.ipLocalPortRange !== undefined) {
      const [lo, hi] = options.ipLocalPortRange;
      checkInt('ipLocalPortRange[0]', lo, 1, 65535); checkInt('ipLocalPortRange[1]', hi, 1, 65535);
      if (lo > hi) throw new TsArgumentError('ERR_INVALID_ARG_VALUE', '"ipLocalPortRange" must have low <= high');
      this.#portLow = lo; this.#portHigh = hi;
    }
    this.#privileged = options.privileged === true;
    this.#debug = options.debug === true;
    this.#rng = (checkInt('seed', options.seed ?? 1, 0, 0xffffffff) ^ 0x9e3779b9) >>> 0;
    this.#secret = this.#nextU32();
    this.#any = this.#intern(0);
    this.#loop = this.#intern(0x7f000001);
  }

  // ---- randomness (mulberry32; the kernel's is SplitMix64, same role) --------------------

  #nextU32() {
    let t = (this.#rng = (this.#rng + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, n) by multiply-shift (Linux reciprocal_scale). */
  #below(n) { return Math.floor((this.#nextU32() / 4294967296) * n); }

  // ---- the door: descriptors and addresses -------------------------------------------

  /** The socket behind fd; throws EBADF or ENOTSOCK. @returns {TsSocket} */
  #sock(fd, syscall) {
    checkInt('fd', fd);
    const e = this.#fds.get(fd);
    if (e === undefined) throw socketError(-E.EBADF, syscall);
    if (e === STDIO) throw socketError(-E.ENOTSOCK, syscall);
    return e;
  }

  /** The interned address for a host-order value; null when the table is full. */
  #intern(value) {
    let a = this.#addrByValue.get(value);
    if (a === undefined) {
      if (this.#addrCount >= MAX_ADDRS) return null;
      const text = `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
      a = new Addr(this.#addrCount++, value, text);
      this.#addrByValue.set(value, a);
      this.#addrByText.set(text, a);   // only canonical spellings are cached
    }
    return a;
  }

  /**
   * The local address named by `addr.address`, or null when it is a valid address
   * this kernel does not own. All of 127.0.0.0/8 and 0.0.0.0 are local.
   */
  #address(addr) {
    if (addr === null || typeof addr !== 'object') {
      throw new TsArgumentError('ERR_INVALID_ARG_TYPE', 'The "address" argument must be an object like { address, port }');
    }
    const { address, port } = addr;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new TsArgumentError('ERR_OUT_OF_RANGE', `"port" must be an integer from 0 to 65535. Received ${String(port)}`);
    }
    if (typeof address !== 'string') {
      if (address === undefined && 'path' in addr) throw unsupported('AF_UNIX addresses');
      throw new TsArgumentError('ERR_INVALID_ARG_TYPE', '"address" must be a string');
    }
    const known = this.#addrByText.get(address);
    if (known !== undefined) return known;
    const v = parseIPv4(address);
    if (v < 0) {
      if (address.includes(':')) throw unsupported('IPv6 addresses');
      throw new TsArgumentError('ERR_INVALID_ARG_VALUE', `"address" is not an IP address: ${address}`);
    }
    if (v === 0 || (v >>> 24) === 127) {
      const a = this.#intern(v);
      if (a === null) throw unsupported(`more than ${MAX_ADDRS} local addresses`);
      return a;
    }
    return this.#addrByValue.get(v) ?? null;
  }

  /** Makes an IPv4 address local (as `ip addr add`). */
  addAddress(address) {
    const v = typeof address === 'string' ? parseIPv4(address) : -1;
    if (v < 0) throw new TsArgumentError('ERR_INVALID_ARG_VALUE', `"address" is not an IPv4 address: ${String(address)}`);
    if (this.#intern(v) === null) throw unsupported(`more than ${MAX_ADDRS} local addresses`);
  }

  #setState(s, to) {
    if (this.#debug && (LEGAL[s.state] & bit(to)) === 0) {
      throw new Error(`TsKernel: illegal state transition ${s.state} -> ${to}`);
    }
    s.state = to;
  }

  // ---- system calls: the public door --------------------------------------------------

  /** socket(2). Returns the descriptor. */
  socket(domain, type, protocol = 0) {
    checkInt('domain', domain); checkInt('type', type); checkInt('protocol', protocol);
    const r = this.#socket(domain, type, protocol);
    if (r < 0) throw socketError(r, 'socket');
    return r;
  }

  /** bind(2) to { address, port }. */
  bind(fd, addr) {
    const s = this.#sock(fd, 'bind');
    const r = this.#bind(s, this.#address(addr), addr.port);
    if (r < 0) throw socketError(r, 'bind', addr.address, addr.port);
  }

  /** listen(2). */
  listen(fd, backlog) {
    const s = this.#sock(fd, 'listen');
    const r = this.#listen(s, checkInt('backlog', backlog));
    if (r < 0) throw socketError(r, 'listen', s.laddr.text, s.lport);
  }

  /**
   * connect(2) to { address, port }. Throws EINPROGRESS for a nonblocking socket (Linux
   * answers before it processes the SYN-ACK) and wherever a blocking call would wait;
   * returns when a blocking connect completed.
   */
  connect(fd, addr) {
    const s = this.#sock(fd, 'connect');
    const r = this.#connect(s, this.#address(addr), addr.port);
    if (r < 0) throw socketError(r, 'connect', addr.address, addr.port);
  }

  /**
   * accept(2), accept4(2) with flags. Returns { fd, address } with the peer's address;
   * EAGAIN when the queue is empty (this API never blocks).
   */
  accept(fd, flags = 0) {
    const l = this.#sock(fd, 'accept');
    const r = this.#accept(l, checkInt('flags', flags));
    if (r < 0) throw socketError(r, 'accept');
    const child = /** @type {TsSocket} */ (this.#fds.get(r));
    return { fd: r, address: { family: 'IPv4', address: child.paddr.text, port: child.pport } };
  }

  /** close(2). */
  close(fd) {
    checkInt('fd', fd);
    const e = this.#fds.get(fd);
    if (e === undefined) throw socketError(-E.EBADF, 'close');
    this.#fds.release(fd);
    if (e !== STDIO) this.#destroy(e);
  }

  // ---- system calls: inside (a result >= 0 or -errno) ----------------------------------

  /** net/socket.c __sys_socket, af_inet.c inet_create. */
  #socket(domain, type, protocol) {
    const t = type & SOCK_TYPE_MASK;
    if ((type & ~(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC)) !== 0) return -E.EINVAL;
    if (domain < 0 || domain >= AF_MAX) return -E.EAFNOSUPPORT;
    if (domain === AF_INET6 || domain === AF_UNIX) throw unsupported(domain === AF_UNIX ? 'AF_UNIX' : 'AF_INET6');
    if (domain !== AF_INET) return -E.EAFNOSUPPORT;
    if (protocol < 0 || protocol >= 256) return -E.EINVAL;
    if (t === SOCK_DGRAM) throw unsupported('UDP');
    if (t === SOCK_RAW) return protocol === 0 ? -E.EPROTONOSUPPORT : -E.EPERM;
    if (t !== SOCK_STREAM) return -E.ESOCKTNOSUPPORT;
    if (protocol !== 0 && protocol !== IPPROTO_TCP) return -E.EPROTONOSUPPORT;
    const s = new TsSocket();
    this.#setState(s, S.UNBOUND);
    s.laddr = this.#any;
    s.nonblock = (type & SOCK_NONBLOCK) !== 0;
    s.cloexec = (type & SOCK_CLOEXEC) !== 0;
    // get_unused_fd_flags comes after the socket exists: EMFILE frees it again.
    const fd = this.#fds.alloc(s, this.#maxFds);
    if (fd < 0) { this.#setState(s, S.FREE); return -E.EMFILE; }
    s.fd = fd;
    return fd;
  }

  /** af_inet.c __inet_bind. `a` is null for an address that is not local. */
  #bind(s, a, port) {
    if (a === null) return -E.EADDRNOTAVAIL;
    if (port !== 0 && port < this.#unprivPortStart && !this.#privileged) return -E.EACCES;
    if ((s.state !== S.UNBOUND && s.state !== S.CLOSED) || s.hashed) return -E.EINVAL;
    const old = s.laddr;
    s.laddr = a;
    if (port === 0) {
      port = this.#chooseBindPort(s);
      if (port === 0) { s.laddr = old; return -E.EADDRINUSE; }
    } else if (this.#bindConflict(s, port)) {
      s.laddr = old;
      return -E.EADDRINUSE;
    } else {
      s.bindLock = true;   // "if (snum) sk->sk_userlocks |= SOCK_BINDPORT_LOCK;"
    }
    s.lport = port;
    this.#hashBind(s, port, false);
    if (!a.wildcard) s.addrLock = true;
    this.#setState(s, S.BOUND);
    return 0;
  }

  /** net/socket.c __sys_listen, af_inet.c inet_listen. */
  #listen(s, backlog) {
    // "if ((unsigned int)backlog > somaxconn) backlog = somaxconn;": negative -> somaxconn.
    const limit = (backlog >>> 0) > this.#somaxconn ? this.#somaxconn : backlog >>> 0;
    if (s.ss !== SS_UNCONNECTED) return -E.EINVAL;
    if (s.state === S.LISTEN) { s.listener.limit = limit; return 0; }   // queue kept
    if (s.state !== S.UNBOUND && s.state !== S.BOUND && s.state !== S.CLOSED) return -E.EINVAL;
    if (!s.hashed) {
      const port = this.#chooseBindPort(s);   // autobind: an odd ephemeral port
      if (port === 0) return -E.EADDRINUSE;
      s.lport = port;
      this.#hashBind(s, port, false);
    } else if (this.#bindConflict(s, s.lport) || this.#listenConflict(s, s.lport)) {
      return -E.EADDRINUSE;
    }
    s.listener = new Listener(limit);
    let list = this.#listeners.get(s.lport);
    if (list === undefined) { list = []; this.#listeners.set(s.lport, list); }
    list.push(s);
    this.#setState(s, S.LISTEN);
    return 0;
  }

  /** af_inet.c __inet_stream_connect, tcp_v4_connect. `target` is null when not local. */
  #connect(s, target, dport) {
    switch (s.ss) {
      case SS_CONNECTED: return -E.EISCONN;
      case SS_CONNECTING: {
        if (s.state === S.SYN_SENT) return -E.EALREADY;
        if (s.state === S.CLOSED || s.state === S.UNBOUND || s.state === S.BOUND) {
          // "err = sock_error(sk) ? : -ECONNABORTED; sock->state = SS_UNCONNECTED;"
          const e = s.soError;
          s.soError = 0;
          s.ss = SS_UNCONNECTED;
          return -(e !== 0 ? e : E.ECONNABORTED);
        }
        s.ss = SS_CONNECTED;   // completed since the last call
        return 0;
      }
      case SS_DISCONNECTING: return -E.EINVAL;
    }
    // "err = -EISCONN; if (sk->sk_state != TCP_CLOSE) goto out;" (a listener, for one)
    if (s.state !== S.UNBOUND && s.state !== S.BOUND && s.state !== S.CLOSED) return -E.EISCONN;
    if (target === null) return -E.ENETUNREACH;
    // ip_route_connect: INADDR_ANY means loopback; the loopback route's source is 127.0.0.1.
    const dst = target.wildcard ? this.#loop : target;
    const src = s.laddr.wildcard ? ((dst.value >>> 24) === 127 ? this.#loop : dst) : s.laddr;
    let lport = s.lport;
    if (!s.hashed) {
      lport = this.#chooseConnectPort(src, dst, dport);
      if (lport === 0) return -E.EADDRNOTAVAIL;
      s.laddr = src;
      s.lport = lport;
      this.#hashBind(s, lport, true);
    } else {
      // __inet_check_established: the 4-tuple must be unused.
      if (this.#tuples.has(tupleKey(src.index, lport, dst.index, dport))) return -E.EADDRNOTAVAIL;
      s.laddr = src;
    }
    const key = tupleKey(src.index, lport, dst.index, dport);
    this.#tuples.set(key, s);
    s.tuple = key;
    s.paddr = dst;
    s.pport = dport;
    s.soError = 0;
    s.wasConn = true;
    s.rcvShut = s.sendShut = false;
    this.#setState(s, S.SYN_SENT);
    s.ss = SS_CONNECTING;
    this.#startHandshake(s);
    if (s.state === S.SYN_SENT || s.nonblock) return -E.EINPROGRESS;
    if (s.state === S.ESTABLISHED || s.state === S.CLOSE_WAIT) { s.ss = SS_CONNECTED; return 0; }
    const e = s.soError;
    s.soError = 0;
    s.ss = SS_UNCONNECTED;
    return -(e !== 0 ? e : E.ECONNABORTED);
  }

  /** inet_csk_accept; returns the new descriptor. */
  #accept(l, flags) {
    if ((flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) !== 0) return -E.EINVAL;
    if (l.state !== S.LISTEN) return -E.EINVAL;
    if (l.soError !== 0) {   // as the kernel's sysAccept (set on a listener only by FreeBSD's shutdown)
      const e = l.soError;
      l.soError = 0;
      return -e;
    }
    const q = l.listener.acceptQueue;
    if (q.length === 0) return -E.EAGAIN;   // would block: this API never does
    const child = q.shift();
    // get_unused_fd_flags comes first in do_accept: EMFILE leaves the queue as it was.
    const fd = this.#fds.alloc(child, this.#maxFds);
    if (fd < 0) { q.unshift(child); return -E.EMFILE; }
    child.fd = fd;
    child.parent = null;
    child.ss = SS_CONNECTED;
    // Linux: the new file never inherits O_NONBLOCK from the listener.
    if (flags & SOCK_NONBLOCK) child.nonblock = true;
    if (flags & SOCK_CLOEXEC) child.cloexec = true;
    return fd;
  }

  // ---- other calls ----------------------------------------------------------------------

  getsockname(fd) {
    const s = this.#sock(fd, 'getsockname');
    return { family: 'IPv4', address: s.laddr.text, port: s.lport };
  }

  getpeername(fd) {
    const s = this.#sock(fd, 'getpeername');
    if (s.state !== S.ESTABLISHED && s.state !== S.CLOSE_WAIT) throw socketError(-E.ENOTCONN, 'getpeername');
    return { family: 'IPv4', address: s.paddr.text, port: s.pport };
  }

  /** SO_ERROR: the pending error (a positive errno), cleared by reading. */
  soError(fd) {
    const s = this.#sock(fd, 'getsockopt');
    const e = s.soError;
    s.soError = 0;
    return e;
  }

  /** The state of the socket behind fd, by name. */
  stateOf(fd) {
    const s = this.#sock(fd, 'stateOf');
    return Object.keys(S).find((k) => S[k] === s.state);
  }

  /** A listener's queues, as `ss -lt` shows them. */
  listenerInfo(fd) {
    const s = this.#sock(fd, 'listenerInfo');
    if (s.state !== S.LISTEN) throw socketError(-E.EINVAL, 'listenerInfo');
    const lr = s.listener;
    return { recvQ: lr.acceptQueue.length, sendQ: lr.limit, synRecv: 0, drops: lr.drops };
  }

  stats() { return { ...this.#stats }; }

  // ---- time -------------------------------------------------------------------------

  now() { return this.#now / 1000; }

  nextTimer() { return this.#timers.length === 0 ? null : (this.#timers[0].time - this.#now) / 1000; }

  /** Moves simulated time by `ms`, firing every event due, in (time, seq) order. */
  advance(ms) {
    if (typeof ms !== 'number' || !(ms >= 0) || !Number.isFinite(ms)) {
      throw new TsArgumentError('ERR_OUT_OF_RANGE', `"ms" must be a finite number >= 0. Received ${String(ms)}`);
    }
    const end = this.#now + Math.round(ms * 1000);
    let n = 0;
    while (this.#timers.length > 0 && this.#timers[0].time <= end) {
      const ev = this.#popTimer();
      this.#now = ev.time;
      // Lazy cancellation: the socket's armed timer must still be this one.
      if (ev.sock.state !== S.FREE && ev.sock.timer === ev.seq) this.#onSynRto(ev.sock);
      n++;
    }
    this.#now = end;
    return n;
  }

  #armTimer(s, delayUs) {
    if (++this.#seq > 0xffffffff) this.#seq = 1;
    const ev = { time: this.#now + delayUs, seq: this.#seq, sock: s };
    const h = this.#timers;
    let i = h.length;
    h.push(ev);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!firesBefore(ev, h[p])) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = ev;
    s.timer = ev.seq;
  }

  #popTimer() {
    const h = this.#timers;
    const top = h[0], last = h.pop();
    const n = h.length;
    if (n === 0) return top;
    let i = 0;
    while (true) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && firesBefore(h[r], h[l]) ? r : l;
      if (!firesBefore(h[m], last)) break;
      h[i] = h[m];
      i = m;
    }
    h[i] = last;
    return top;
  }

  // ---- ports (port_table.ts) ---------------------------------------------------------

  #hashBind(s, port, byConnect) {
    let b = this.#binds.get(port);
    if (b === undefined) { b = new BindBucket(); this.#binds.set(port, b); }
    b.owners.add(s);
    s.hashed = true;
    s.connBound = byConnect;
    if (!byConnect) b.users++;
  }

  #unhashBind(s) {
    if (!s.hashed) return;
    const b = this.#binds.get(s.lport);
    b.owners.delete(s);
    if (!s.connBound) b.users--;
    // Linux inet_bind_bucket_destroy: an empty bucket goes.
    if (b.owners.size === 0) this.#binds.delete(s.lport);
    s.hashed = false;
    s.connBound = false;
  }

  /**
   * inet_csk_bind_conflict with one uid and no SO_REUSEADDR/SO_REUSEPORT (not
   * modelled): any other owner of the port whose address overlaps conflicts.
   */
  #bindConflict(s, port) {
    const b = this.#binds.get(port);
    if (b === undefined) return false;
    for (const s2 of b.owners) {
      if (s2 !== s && (s.laddr === s2.laddr || s.laddr.wildcard || s2.laddr.wildcard)) return true;
    }
    return false;
  }

  #listenConflict(s, port) {
    const list = this.#listeners.get(port);
    if (list === undefined) return false;
    for (const s2 of list) {
      if (s2 !== s && (s.laddr === s2.laddr || s.laddr.wildcard || s2.laddr.wildcard)) return true;
    }
    return false;
  }

  /**
   * bind(0) and listen()'s autobind: inet_csk_find_open_port, odd ports first
   * ("offset |= 1U"), then the other parity. 0 when none is free.
   */
  #chooseBindPort(s) {
    const low = this.#portLow, high = this.#portHigh + 1;
    let remaining = high - low;
    if (remaining > 1) remaining &= ~1;
    let offset = this.#below(remaining) | 1;
    for (let pass = 0; pass < 2; pass++) {
      let port = low + offset;
      for (let i = 0; i < remaining; i += 2, port += 2) {
        if (port >= high) port -= remaining;
        if (!this.#binds.has(port) || !this.#bindConflict(s, port)) return port;
      }
      offset--;
    }
    return 0;
  }

  /**
   * connect()'s autobind: __inet_hash_connect. Even ports first ("offset &= ~1"),
   * from a per-destination offset that moves past each port it hands out; a port is
   * usable when no bind()/listen() socket holds it and the 4-tuple is unused.
   */
  #chooseConnectPort(src, dst, dport) {
    const low = this.#portLow, high = this.#portHigh + 1;
    let remaining = high - low;
    if (remaining > 1) remaining &= ~1;
    // The kernel's port_offset = siphash(saddr, daddr, dport); here a 32-bit mix.
    let h = Math.imul(src.index ^ this.#secret, 0x9e3779b1);
    h = Math.imul(h ^ ((dst.index << 16) | dport), 0x85ebca6b);
    h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
    const portOffset = h >>> 0;
    const index = portOffset & (PERTURB - 1);
    let offset = (this.#perturb[index] + (portOffset >>> 16)) % remaining;
    offset &= ~1;
    for (let pass = 0; pass < 2; pass++) {
      let port = low + offset;
      for (let i = 0; i < remaining; i += 2, port += 2) {
        if (port >= high) port -= remaining;
        const b = this.#binds.get(port);
        if (b !== undefined && b.users !== 0) continue;
        if (this.#tuples.has(tupleKey(src.index, port, dst.index, dport))) continue;
        this.#perturb[index] += i + 2;
        return port;
      }
      offset++;
    }
    return 0;
  }

  /** The listener for (dst, dport), best score first (inet_hashtables.c compute_score). */
  #findListener(dst, dport) {
    const list = this.#listeners.get(dport);
    if (list === undefined) return null;
    let best = 0, pick = null;
    for (const l of list) {
      const sc = l.laddr === dst ? 4 : l.laddr.wildcard ? 2 : 0;
      if (sc > best) { best = sc; pick = l; }
    }
    return pick;
  }

  // ---- the handshake on loopback (tcp.ts) ---------------------------------------------

  #startHandshake(c) {
    this.#stats.ActiveOpens++;
    c.retries = 0;
    this.#onSyn(c);
    // Armed after the send: on loopback the handshake is usually over already.
    if (c.state === S.SYN_SENT) this.#armTimer(c, TIMEOUT_INIT_US);
  }

  /** tcp_retransmit_timer: RTO stays 1 s for the linear retransmits, then doubles, capped. */
  #synRto(n) {
    if (n <= this.#synLinear) return TIMEOUT_INIT_US;
    const shift = n - this.#synLinear;
    if (shift > 7) return RTO_MAX_US;
    return Math.min(TIMEOUT_INIT_US * 2 ** shift, RTO_MAX_US);
  }

  #onSynRto(c) {
    if (c.state !== S.SYN_SENT) return;
    const n = c.retries;
    this.#stats.TCPTimeouts++;
    if (n >= this.#synRetries + this.#synLinear) {
      this.#stats.AttemptFails++; this.#stats.ConnectTimedOut++;
      this.#connectionEnds(c, E.ETIMEDOUT);
      return;
    }
    c.retries = n + 1;
    this.#stats.TCPSynRetrans++;
    this.#armTimer(c, this.#synRto(n + 1));
    this.#onSyn(c);
  }

  /** A SYN reaches the destination (tcp_conn_request), on loopback. */
  #onSyn(c) {
    const l = this.#findListener(c.paddr, c.pport);
    if (l === null) {
      this.#stats.OutRsts++;   // tcp_v4_send_reset
      this.#onRst(c);
      return;
    }
    const lr = l.listener;
    // sk_acceptq_is_full: "sk_ack_backlog > sk_max_ack_backlog" -- backlog N admits N+1
    // (commit 64a146513f8f). The SYN is dropped; the client retransmits.
    if (lr.acceptQueue.length > lr.limit) {
      this.#stats.ListenOverflows++;
      this.#stats.ListenDrops++;
      lr.drops++;
      return;
    }
    // Loopback: the SYN-ACK and the final ACK would be handled inside this call, and the
    // accept queue, checked just above, still has room when the ACK arrives: build the
    // ESTABLISHED child directly, as the kernel's loopback path does.
    const ch = new TsSocket();
    this.#setState(ch, S.ESTABLISHED);
    ch.laddr = c.paddr; ch.lport = c.pport;
    ch.paddr = c.laddr; ch.pport = c.lport;
    ch.ss = SS_CONNECTED;
    ch.parent = l;
    ch.peer = c;
    ch.wasConn = true;
    ch.bindLock = true;
    this.#hashBind(ch, l.lport, false);   // __inet_inherit_port
    c.timer = 0;
    c.wasConn = true;
    c.peer = ch;
    this.#setState(c, S.ESTABLISHED);
    lr.acceptQueue.push(ch);
    this.#stats.PassiveOpens++;
    c.laddr.proven = true;              // tcp_peer_is_proven from now on
  }

  #onRst(s) {
    if (s.state === S.SYN_SENT) {
      this.#stats.AttemptFails++; this.#stats.ConnectRefused++;
      this.#connectionEnds(s, E.ECONNREFUSED);
    } else if (s.state === S.ESTABLISHED || s.state === S.CLOSE_WAIT) {
      this.#stats.EstabResets++;
      const err = s.state === S.CLOSE_WAIT ? E.EPIPE : E.ECONNRESET;
      s.peer = null;
      this.#connectionEnds(s, err);
    }
  }

  /** tcp_done: the connection (attempt) ends with `err`; an autobound port goes back. */
  #connectionEnds(s, err) {
    s.timer = 0;
    s.soError = err;
    s.rcvShut = s.sendShut = true;
    if (s.tuple !== -1) { this.#tuples.delete(s.tuple); s.tuple = -1; }
    if (!s.bindLock) this.#unhashBind(s);
    if (!s.addrLock) s.laddr = this.#any;
    this.#setState(s, S.CLOSED);
  }

  // ---- close (close.ts) ------------------------------------------------------------

  #destroy(s) {
    if (s.state === S.LISTEN) this.#listenStop(s);
    else if (s.state === S.ESTABLISHED) {
      // FIN to the peer: an ESTABLISHED peer moves to CLOSE_WAIT.
      const p = s.peer;
      if (p !== null && p.state === S.ESTABLISHED) {
        p.rcvShut = true;
        p.peer = null;
        this.#setState(p, S.CLOSE_WAIT);
      }
    }
    if (s.tuple !== -1) { this.#tuples.delete(s.tuple); s.tuple = -1; }
    this.#unhashBind(s);
    s.peer = null;
    this.#setState(s, S.FREE);
  }

  /** inet_csk_listen_stop: queued children reset (there are no requests on loopback). */
  #listenStop(s) {
    const lr = s.listener;
    for (let ch = lr.acceptQueue.shift(); ch !== undefined; ch = lr.acceptQueue.shift()) {
      this.#stats.AcceptQueueResets++;
      if (ch.peer !== null) {
        this.#stats.OutRsts++;
        if (ch.peer.state !== S.FREE) this.#onRst(ch.peer);
      }
      this.#destroy(ch);
    }
    const list = this.#listeners.get(s.lport);
    list.splice(list.indexOf(s), 1);
    if (list.length === 0) this.#listeners.delete(s.lport);
    s.listener = null;
  }

  // ---- debug ------------------------------------------------------------------------

  /** Checks every table against the others; throws on the first inconsistency. */
  checkInvariants() {
    this.#fds.check();
    for (const [port, b] of this.#binds) {
      let users = 0;
      for (const s of b.owners) {
        if (!s.hashed || s.lport !== port || s.state === S.FREE) throw new Error(`bind bucket ${port}: stale owner`);
        if (!s.connBound) users++;
      }
      if (users !== b.users) throw new Error(`bind bucket ${port}: users ${b.users}, counted ${users}`);
    }
    for (const [key, s] of this.#tuples) {
      if (s.tuple !== key || s.state === S.FREE) throw new Error('4-tuple table: stale entry');
    }
  }
}
