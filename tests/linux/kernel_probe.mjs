// kernel_probe.mjs - ask socket-kernel (Linux personality) what tests/linux/probe.c
// asks the real Linux kernel, in the same order, with the same fact names and the
// same value shapes:
//
//   - a failed call is its errno name ("EINVAL"); a successful one is its return
//     value, 0 for calls that return 0 or a descriptor (socket(), accept());
//   - SO_ERROR-style values are 0 or an errno name;
//   - sysctls are read from the kernel's tunables (k.sysctl), not from /proc.
//
// Where probe.c waits in real time (poll() with a timeout, nanosleep), this file
// moves the simulated clock (k.advance) and reports simulated milliseconds. The
// kernel has no poll() yet: "is it connected / readable" is read from the socket
// table (k.sockets()), event by event on the simulated clock, and the keys that
// report poll revents are left out (OMITTED below says which and why).
//
// A few questions need arguments the host API cannot pass (a short or negative
// address length, a pointer outside memory, bind() with addrlen 2) or return what
// it does not return (the address length accept() and getsockname() write). Those
// go to a second kernel instance driven through the raw ABI (AbiTwin below), which
// replays the minimal setup; each use says so.

import {
  createKernel, kernelModule, kernelImports, SocketError, errnoName,
  AF_UNSPEC, AF_UNIX, AF_INET, AF_INET6,
  SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET, SOCK_NONBLOCK, SOCK_CLOEXEC,
  IPPROTO_TCP, IPPROTO_UDP, IPPROTO_IPV6, IPV6_V6ONLY,
  SOL_SOCKET, SO_REUSEADDR, SO_TYPE, SO_ERROR, SO_REUSEPORT, SO_ACCEPTCONN, SO_PROTOCOL, SO_DOMAIN,
  SHUT_RD, SHUT_WR, SHUT_RDWR, F_GETFD, F_GETFL, FD_CLOEXEC, O_NONBLOCK,
} from 'socket-kernel';

/** probe.c CAP: the most connections tried when measuring a capacity. */
const CAP = 40;
/** probe.c CONNECT_WAIT: ms a loopback connect() gets to complete. */
const CONNECT_WAIT = 50;
/** accept4() flags probe.c passes: 0x1234 and O_APPEND (Linux 02000). */
const O_APPEND = 0o2000;

/**
 * Keys of probe.c's output that this probe does not produce, by fact, each with
 * the reason. The comparison test fails on any other missing key.
 */
export const OMITTED = {
  listen_errors: {
    'tcp_after_shutdown_rdwr_unbound.listener_revents': 'poll revents: the kernel has no poll() yet',
    'tcp_after_shutdown_rdwr_unbound.accepted_revents': 'poll revents: the kernel has no poll() yet',
    'tcp_after_shutdown_rdwr_unbound.client_revents_before_send': 'poll revents: the kernel has no poll() yet',
    'tcp_after_shutdown_rdwr_unbound.client_send': 'send(): the kernel has no data path yet',
    'tcp_after_shutdown_rdwr_unbound.client_revents_after_send': 'poll revents after send(): no poll() and no data path yet',
    'tcp_after_shutdown_rdwr_unbound.accepted_recv': 'answers the byte client_send sent: no data path yet',
    'tcp_after_shutdown_rdwr_unbound.accepted_send': 'send(): the kernel has no data path yet',
  },
  nonblocking_connect: {
    client_revents_immediately: 'poll revents: the kernel has no poll() yet',
  },
  connect_refused: {
    revents_immediately: 'poll revents: the kernel has no poll() yet',
    poll_revents: 'poll revents: the kernel has no poll() yet (poll_ms is kept: it is read from the socket state)',
  },
  connect_ealready: {
    revents_after_200ms: 'poll revents: the kernel has no poll() yet (the 200 ms still pass on the simulated clock)',
    revents: 'poll revents: the kernel has no poll() yet',
  },
  accept_errors: {
    'accept_addrlen_negative.client_revents': 'poll revents: the kernel has no poll() yet',
    'accept_bad_addr_pointer.client_revents': 'poll revents: the kernel has no poll() yet',
  },
  listener_close: {
    'queued_client_a.revents': 'poll revents: the kernel has no poll() yet',
    'queued_client_a.send': 'send(): the kernel has no data path yet',
    'queued_client_b.send': 'send(): the kernel has no data path yet',
    'syn_sent_client.revents_right_after_close': 'poll revents: the kernel has no poll() yet',
    'syn_sent_client.revents': 'poll revents: the kernel has no poll() yet',
  },
  listener_shutdown_rd: {
    listener_revents: 'poll revents: the kernel has no poll() yet',
    queued_client_revents: 'poll revents: the kernel has no poll() yet',
  },
  reuse_rules: {
    euid: 'the kernel has no user ids; its CAP_NET_BIND_SERVICE is the "privileged" option, which the caller sets from this euid',
  },
  sockopts: {
    revents_fresh_tcp: 'poll revents: the kernel has no poll() yet',
    revents_bound_tcp: 'poll revents: the kernel has no poll() yet',
    revents_listener_empty: 'poll revents: the kernel has no poll() yet',
    revents_client_just_connected: 'poll revents: the kernel has no poll() yet',
    revents_listener_with_queued: 'poll revents: the kernel has no poll() yet',
    revents_client_connected: 'poll revents: the kernel has no poll() yet',
    revents_fresh_unix_stream: 'poll revents: the kernel has no poll() yet',
    revents_fresh_udp: 'poll revents: the kernel has no poll() yet',
  },
  unix: {
    'abstract.client_revents_unaccepted': 'poll revents: the kernel has no poll() yet',
    'abstract.client_send_unaccepted': 'send(): the kernel has no data path yet',
    'abstract.listener_revents': 'poll revents: the kernel has no poll() yet',
    'abstract.accepted_recv': 'receives the 2 bytes client_send_unaccepted sent: no data path yet',
    'full_listener.queued_client_revents_after_listener_close': 'poll revents: the kernel has no poll() yet',
    'full_listener.queued_client_send': 'send(): the kernel has no data path yet',
    'listener_shutdown_rd.listener_revents': 'poll revents: the kernel has no poll() yet',
    'listener_shutdown_rd.queued_client_revents': 'poll revents: the kernel has no poll() yet',
  },
  ipv6: {
    bindv6only: 'no net.ipv6.bindv6only tunable: the kernel always behaves as bindv6only = 0 (v6only_default asks that)',
  },
  syn_retransmit_schedule: {
    tcp_fin_timeout: 'no FIN_WAIT_2 timer: connection teardown after close() is not simulated',
    tcp_tw_reuse: 'no TIME_WAIT: connection teardown after close() is not simulated',
    tcp_rto_min_us: 'no RTT-based RTO: handshake retransmits use the fixed TCP_TIMEOUT_INIT (1 s)',
  },
};

// ---- sockaddr bytes for the raw ABI --------------------------------------------

function sockaddrIn(ip, port) {
  const b = new Uint8Array(16), v = new DataView(b.buffer);
  v.setUint16(0, AF_INET, true);
  v.setUint16(2, port, false);
  b.set(ip.split('.').map(Number), 4);
  return b;
}

/** sockaddr_in6 for '::' or '::1' (all this probe needs). */
function sockaddrIn6(ip, port) {
  if (ip !== '::' && ip !== '::1') throw new Error(`sockaddrIn6: only :: and ::1, not ${ip}`);
  const b = new Uint8Array(28), v = new DataView(b.buffer);
  v.setUint16(0, AF_INET6, true);
  v.setUint16(2, port, false);
  if (ip === '::1') b[23] = 1;
  return b;
}

/** sockaddr_un with exactly the name's bytes (an abstract name starts with '\0'). */
function sockaddrUn(name) {
  const n = new TextEncoder().encode(name);
  const b = new Uint8Array(2 + n.length);
  new DataView(b.buffer).setUint16(0, AF_UNIX, true);
  b.set(n, 2);
  return b;
}

/** probe.c ss_str() of raw sockaddr bytes: "1.2.3.4:80", "[::]:0" or "family=N". */
function rawSsStr(b, len) {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const family = len >= 2 ? v.getUint16(0, true) : -1;
  if (family === AF_INET) return `${[...b.subarray(4, 8)].join('.')}:${v.getUint16(2, false)}`;
  if (family === AF_INET6) {
    const groups = [];
    for (let i = 8; i < 24; i += 2) groups.push(v.getUint16(i, false));
    // inet_ntop for the addresses this probe meets: '::', '::1', or uncompressed.
    const text = groups.every((g) => g === 0) ? '::'
      : groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1 ? '::1'
        : groups.map((g) => g.toString(16)).join(':');
    return `[${text}]:${v.getUint16(2, false)}`;
  }
  return `family=${family}`;
}

/**
 * A second kernel instance (Linux personality, seed 1) driven through the raw ABI,
 * for questions the host API cannot put: every call returns what the export returns
 * (>= 0 or a negative errno), sockaddrs are bytes with an explicit length.
 */
class AbiTwin {
  // Scratch layout: input sockaddr at +0 (256 bytes), output sockaddr at +512
  // (128 bytes), the in/out socklen_t at +1024.
  static IN = 0;
  static OUT = 512;
  static LEN = 1024;

  constructor(module) {
    let memory;
    const instance = new WebAssembly.Instance(module, kernelImports(() => memory));
    this.x = instance.exports;
    memory = this.x.memory;
    this.x._initialize();
    if (this.x.sk_init(0 /* Linux */, 1n) < 0) throw new Error('AbiTwin: sk_init failed');
    this.s = this.x.sk_scratch();
  }

  #view() { return new DataView(this.x.memory.buffer); }
  #put(bytes) { new Uint8Array(this.x.memory.buffer, this.s + AbiTwin.IN, bytes.length).set(bytes); }

  /** The first byte past linear memory: a pointer the kernel must refuse (EFAULT). */
  badPointer() { return this.x.memory.buffer.byteLength; }

  socket(d, t, p = 0) { return this.x.sk_socket(d, t, p); }
  listen(fd, backlog) { return this.x.sk_listen(fd, backlog); }
  close(fd) { return this.x.sk_close(fd); }
  recv(fd) { return this.x.sk_recv(fd, this.s + AbiTwin.OUT, 64, 0); }
  bind(fd, sa, len = sa.length) { this.#put(sa); return this.x.sk_bind(fd, this.s + AbiTwin.IN, len); }
  connect(fd, sa, len = sa.length) { this.#put(sa); return this.x.sk_connect(fd, this.s + AbiTwin.IN, len); }

  /** accept (flags < 0) or accept4; addr is 'buffer' (scratch), null, or a raw pointer. */
  accept(fd, { flags = -1, addr = 'buffer', len = 128 } = {}) {
    const ptr = addr === 'buffer' ? this.s + AbiTwin.OUT : addr === null ? 0 : addr;
    this.#view().setInt32(this.s + AbiTwin.LEN, len, true);
    const r = flags < 0 ? this.x.sk_accept(fd, ptr, this.s + AbiTwin.LEN)
      : this.x.sk_accept4(fd, ptr, this.s + AbiTwin.LEN, flags);
    return { r, len: this.#view().getInt32(this.s + AbiTwin.LEN, true), name: this.#out() };
  }

  getsockname(fd) { return this.#name(fd, this.x.sk_getsockname); }
  getpeername(fd) { return this.#name(fd, this.x.sk_getpeername); }

  #name(fd, call) {
    // probe.c fills the buffer with 0xff first, to see what the kernel writes.
    new Uint8Array(this.x.memory.buffer, this.s + AbiTwin.OUT, 128).fill(0xff);
    this.#view().setInt32(this.s + AbiTwin.LEN, 128, true);
    const r = call(fd, this.s + AbiTwin.OUT, this.s + AbiTwin.LEN);
    return { r, len: this.#view().getInt32(this.s + AbiTwin.LEN, true), name: this.#out() };
  }

  #out() { return new Uint8Array(this.x.memory.buffer, this.s + AbiTwin.OUT, 128).slice(); }

  port(fd) {
    const { r, len, name } = this.getsockname(fd);
    if (r < 0 || len < 4) return -1;
    return new DataView(name.buffer).getUint16(2, false);
  }
}

/** probe.c J_rc for a raw ABI result. */
function rawRc(r) { return r < 0 ? errnoName(r) : r; }
/** probe.c J_fdrc for a raw ABI result. */
function rawFdrc(r) { return r < 0 ? errnoName(r) : 0; }

// ---- the probe -------------------------------------------------------------------

class KernelProbe {
  /** @param {import('socket-kernel').Kernel} k  @param {AbiTwin} twin */
  constructor(k, twin) {
    this.k = k;
    this.twin = twin;
    this.unixNames = 0;
  }

  // -- probe.c conventions --------------------------------------------------------

  /** J_rc: the call's numeric result (0 for void calls), or its errno name. */
  rc(call) {
    try {
      const v = call();
      return typeof v === 'number' ? v : 0;
    } catch (e) {
      if (e instanceof SocketError) return e.code;
      throw e;
    }
  }

  /** J_fdrc: 0 for a descriptor-returning call that succeeded, or its errno name. */
  fdrc(call) {
    const v = this.rc(call);
    return typeof v === 'number' ? 0 : v;
  }

  /** get_int(): the option's value, or -errno. */
  getInt(fd, level, name) {
    try {
      return this.k.getsockopt(fd, level, name);
    } catch (e) {
      if (e instanceof SocketError) return e.errno;
      throw e;
    }
  }

  /** J_err(so_error(fd)): 0 or the pending error's name (reading clears it). */
  soError(fd) {
    const e = this.getInt(fd, SOL_SOCKET, SO_ERROR);
    return e === 0 ? 0 : errnoName(e);
  }

  isNonblock(fd) { return (this.k.fcntl(fd, F_GETFL) & O_NONBLOCK) !== 0; }

  /** recv(MSG_DONTWAIT): bytes received (0 at end of file) or an errno name. */
  recv(fd) { return this.rc(() => this.k.recv(fd).length); }

  localPort(fd) {
    try {
      const a = this.k.getsockname(fd);
      return 'port' in a ? a.port : -1;
    } catch (e) {
      if (e instanceof SocketError) return -1;
      throw e;
    }
  }

  ssStr(a) {
    if (a.family === 'IPv4') return `${a.address}:${a.port}`;
    if (a.family === 'IPv6') return `[${a.address}]:${a.port}`;
    return `family=${AF_UNIX}`;
  }

  closeAll(fds) { for (const fd of fds) this.k.close(fd); }

  tcpSock(fam) { return this.k.socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0); }

  loopback(fam) { return fam === AF_INET6 ? '::1' : '127.0.0.1'; }

  doBind(fd, fam, ip, port) { return this.rc(() => this.k.bind(fd, { address: ip ?? this.loopback(fam), port })); }

  doConnect(fd, fam, ip, port) { return this.rc(() => this.k.connect(fd, { address: ip ?? this.loopback(fam), port })); }

  /** A nonblocking TCP listener on loopback, kernel-chosen port. */
  listener(fam, backlog) {
    const fd = this.tcpSock(fam);
    this.k.bind(fd, { address: this.loopback(fam), port: 0 });
    this.k.listen(fd, backlog);
    return fd;
  }

  /** A nonblocking client with connect() started; rc is connect's result. */
  client(fam, port) {
    const fd = this.tcpSock(fam);
    return { fd, rc: this.doConnect(fd, fam, null, port) };
  }

  acceptNb(l) { return this.k.accept4(l, SOCK_NONBLOCK).fd; }

  /** accept4(SOCK_NONBLOCK): { fd, rc } with fd -1 and rc the errno name on failure. */
  tryAcceptNb(l) {
    try {
      return { fd: this.acceptNb(l), rc: 0 };
    } catch (e) {
      if (e instanceof SocketError) return { fd: -1, rc: e.code };
      throw e;
    }
  }

  /** Accepts everything queued; returns the count. */
  drain(l) {
    let n = 0;
    for (let fd = this.tryAcceptNb(l).fd; fd >= 0; fd = this.tryAcceptNb(l).fd) {
      this.k.close(fd);
      n++;
    }
    return n;
  }

  sleep(ms) { this.k.advance(ms); }

  // -- poll() on the simulated clock --------------------------------------------

  row(fd) {
    const r = this.k.sockets().find((s) => s.fd === fd);
    if (!r) throw new Error(`kernel_probe: fd ${fd} is not in the socket table`);
    return r;
  }

  /**
   * poll() with a timeout: moves the clock event by event until ready() holds or
   * maxMs have passed. Returns the simulated ms waited, or -1 when nothing happened
   * (the whole timeout has then passed, as it does for poll()).
   */
  waitFor(ready, maxMs) {
    const t0 = this.k.now();
    for (;;) {
      if (ready()) return Math.round(this.k.now() - t0);
      const left = t0 + maxMs - this.k.now();
      if (left <= 0) return -1;
      const next = this.k.nextTimer();
      this.k.advance(next === null ? left : Math.min(next, left));
    }
  }

  /** POLLOUT (or POLLERR/POLLHUP) on a connecting socket: the handshake has ended. */
  waitWritable(fd, maxMs) { return this.waitFor(() => this.row(fd).state !== 'SYN_SENT', maxMs); }

  /**
   * POLLIN without a data path: end of file or an error (CLOSE_WAIT, CLOSED), or a
   * listener with a connection queued.
   */
  waitReadable(fd, maxMs) {
    return this.waitFor(() => {
      const r = this.row(fd);
      return r.state === 'CLOSE_WAIT' || r.state === 'CLOSED' || (r.state === 'LISTEN' && r.recvQ > 0);
    }, maxMs);
  }

  /** probe.c connected_within(): POLLOUT without POLLERR/POLLHUP, then SO_ERROR == 0. */
  connectedWithin(fd, ms) {
    if (this.waitWritable(fd, ms) < 0) return false;
    const st = this.row(fd).state;
    return (st === 'ESTABLISHED' || st === 'CLOSE_WAIT') && this.getInt(fd, SOL_SOCKET, SO_ERROR) === 0;
  }

  /**
   * probe.c fill(): connect clients one after another until one does not become
   * connected within CONNECT_WAIT ms, or cap is reached.
   */
  fill(fam, port, cap) {
    const fds = [];
    for (let n = 0; n < cap; n++) {
      const { fd } = this.client(fam, port);
      if (!this.connectedWithin(fd, CONNECT_WAIT)) return { fds, stuck: fd };
      fds.push(fd);
    }
    return { fds, stuck: -1 };
  }

  /** probe.c unix_path(): a fresh abstract name or filesystem path. */
  unixPath(abstract) {
    const n = this.unixNames++;
    return abstract ? `\0sockprobe-kernel-${n}` : `/tmp/sockprobe-kernel-${n}`;
  }

  ubind(fd, path) { return this.rc(() => this.k.bind(fd, { path })); }
  uconnect(fd, path) { return this.rc(() => this.k.connect(fd, { path })); }

  // -- facts ------------------------------------------------------------------------

  socketErrors() {
    const k = this.k, v = {};
    const a = k.socket(AF_INET, SOCK_STREAM, 0);
    const b = k.socket(AF_INET, SOCK_STREAM, 0);
    const c = k.socket(AF_INET, SOCK_STREAM, 0);
    k.close(b);
    const d = k.socket(AF_INET, SOCK_STREAM, 0);
    v.fd_numbers = { first: a, second: b, third: c, after_closing_second: d, lowest_free_reused: d === b };
    k.close(a); k.close(c); k.close(d);

    const cases = [
      ['inet_stream_0', AF_INET, SOCK_STREAM, 0],
      ['inet_stream_udp', AF_INET, SOCK_STREAM, IPPROTO_UDP],
      ['inet_dgram_tcp', AF_INET, SOCK_DGRAM, IPPROTO_TCP],
      ['inet_seqpacket_0', AF_INET, SOCK_SEQPACKET, 0],
      ['inet6_seqpacket_0', AF_INET6, SOCK_SEQPACKET, 0],
      ['unix_stream_tcp', AF_UNIX, SOCK_STREAM, IPPROTO_TCP],
      ['unix_stream_1', AF_UNIX, SOCK_STREAM, 1],
      ['family_12345', 12345, SOCK_STREAM, 0],
      ['inet_type_99', AF_INET, 99, 0],
      ['inet_stream_unknown_flag_0x40000000', AF_INET, SOCK_STREAM | 0x40000000, 0],
      ['inet_raw_0', AF_INET, SOCK_RAW, 0],
      ['inet_stream_tcp', AF_INET, SOCK_STREAM, IPPROTO_TCP],
      ['inet_stream_nonblock_cloexec', AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0],
      ['inet_dgram_0', AF_INET, SOCK_DGRAM, 0],
      ['inet6_stream_0', AF_INET6, SOCK_STREAM, 0],
      ['inet_type_0', AF_INET, 0, 0],
      ['inet_stream_proto_9999', AF_INET, SOCK_STREAM, 9999],
      ['inet_stream_proto_-1', AF_INET, SOCK_STREAM, -1],
      ['family_-1', -1, SOCK_STREAM, 0],
      ['family_0_unspec', AF_UNSPEC, SOCK_STREAM, 0],
      ['unix_dgram_0', AF_UNIX, SOCK_DGRAM, 0],
      ['unix_seqpacket_0', AF_UNIX, SOCK_SEQPACKET, 0],
      ['unix_raw_0', AF_UNIX, SOCK_RAW, 0],
      ['inet_raw_tcp', AF_INET, SOCK_RAW, IPPROTO_TCP],
    ];
    for (const [name, dom, type, proto] of cases) {
      let fd = -1;
      v[name] = this.fdrc(() => (fd = k.socket(dom, type, proto)));
      if (fd >= 0) k.close(fd);
    }
    return v;
  }

  listenErrors() {
    const k = this.k, v = {};
    let fd = k.socket(AF_INET, SOCK_DGRAM, 0);
    v.udp = this.rc(() => k.listen(fd, 1));
    k.close(fd);

    fd = k.socket(AF_UNIX, SOCK_STREAM, 0);
    v.unix_stream_unbound = this.rc(() => k.listen(fd, 1));
    k.close(fd);

    fd = k.socket(AF_UNIX, SOCK_SEQPACKET, 0);
    v.unix_seqpacket_unbound = this.rc(() => k.listen(fd, 1));
    k.close(fd);

    fd = k.socket(AF_UNIX, SOCK_DGRAM, 0);
    v.unix_dgram = this.rc(() => k.listen(fd, 1));
    this.ubind(fd, this.unixPath(true));
    v.unix_dgram_bound = this.rc(() => k.listen(fd, 1));
    k.close(fd);

    // Connected TCP client and the accepted server side.
    let l = this.listener(AF_INET, 4);
    fd = this.client(AF_INET, this.localPort(l)).fd;
    this.connectedWithin(fd, CONNECT_WAIT);
    v.tcp_connected_client = this.rc(() => k.listen(fd, 1));
    const fd2 = this.acceptNb(l);
    v.tcp_accepted_server_side = this.rc(() => k.listen(fd2, 1));
    k.close(fd2);
    k.close(fd);
    v.tcp_listen_twice = this.rc(() => k.listen(l, 8));
    k.close(l);

    // SYN_SENT: a client of a listener whose accept queue is full.
    {
      l = this.listener(AF_INET, 0);
      const { fds, stuck } = this.fill(AF_INET, this.localPort(l), CAP);
      v.tcp_syn_sent = stuck >= 0 ? this.rc(() => k.listen(stuck, 1)) : 'ENOSYS';
      if (stuck >= 0) k.close(stuck);
      this.closeAll(fds);
      k.close(l);
    }

    // shutdown(SHUT_RDWR) on an unbound socket, then listen.
    {
      const o = {};
      fd = this.tcpSock(AF_INET);
      o.shutdown = this.rc(() => k.shutdown(fd, SHUT_RDWR));
      o.listen = this.rc(() => k.listen(fd, 4));
      o.acceptconn = this.getInt(fd, SOL_SOCKET, SO_ACCEPTCONN);
      o.port_nonzero = this.localPort(fd) > 0 ? 1 : 0;
      const cfd = this.client(AF_INET, this.localPort(fd)).fd;
      o.client_connected = this.connectedWithin(cfd, CONNECT_WAIT);
      const { fd: afd, rc: arc } = this.tryAcceptNb(fd);
      o.accept = arc;
      if (afd >= 0) {
        o.accepted_so_error = this.soError(afd);
        // probe.c sends a byte here, sleeps 5 ms and waits for it on the accepted
        // side; without a data path only the sleep is kept.
        this.sleep(5);
        k.close(afd);
      }
      k.close(cfd);
      k.close(fd);
      v.tcp_after_shutdown_rdwr_unbound = o;
    }

    // A descriptor that is not a socket: probe.c opens /dev/null; here fd 0, stdio,
    // is the kernel's non-socket descriptor.
    v.dev_null = this.rc(() => k.listen(0, 1));
    fd = k.socket(AF_INET, SOCK_STREAM, 0);
    k.close(fd);
    v.closed_fd = this.rc(() => k.listen(fd, 1)); // the fd number is now closed

    // Second socket on the same port with SO_REUSEADDR.
    {
      const o = {};
      fd = this.tcpSock(AF_INET);
      const fd2 = this.tcpSock(AF_INET);
      k.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
      k.setsockopt(fd2, SOL_SOCKET, SO_REUSEADDR, 1);
      o.bind1 = this.doBind(fd, AF_INET, null, 0);
      o.bind2 = this.doBind(fd2, AF_INET, null, this.localPort(fd));
      o.listen1 = this.rc(() => k.listen(fd, 4));
      o.listen2 = this.rc(() => k.listen(fd2, 4));
      o.acceptconn2 = this.getInt(fd2, SOL_SOCKET, SO_ACCEPTCONN);
      o.port2_after_failed_listen_same = this.localPort(fd2) === this.localPort(fd) ? 1 : 0;
      k.close(fd); k.close(fd2);
      v.reuseaddr_second_listen = o;
    }
    {
      const o = {};
      fd = this.tcpSock(AF_INET);
      const fd2 = this.tcpSock(AF_INET);
      k.setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
      k.setsockopt(fd2, SOL_SOCKET, SO_REUSEPORT, 1);
      o.bind1 = this.doBind(fd, AF_INET, null, 0);
      o.bind2 = this.doBind(fd2, AF_INET, null, this.localPort(fd));
      o.listen1 = this.rc(() => k.listen(fd, 4));
      o.listen2 = this.rc(() => k.listen(fd2, 4));
      k.close(fd); k.close(fd2);
      v.reuseport_second_listen = o;
    }

    // Unbound listen -> autobind.
    {
      const o = {};
      fd = this.tcpSock(AF_INET);
      o.listen = this.rc(() => k.listen(fd, 4));
      const a = k.getsockname(fd);
      const lo = k.sysctl('ipLocalPortRangeLow'), hi = k.sysctl('ipLocalPortRangeHigh');
      o.sockname = this.ssStr(a);
      o.port = a.port;
      o.parity = a.port & 1 ? 'odd' : 'even';
      o.in_ip_local_port_range = a.port >= lo && a.port <= hi;
      k.close(fd);
      v.autobind = o;
    }
    return v;
  }

  backlogCapacity() {
    const k = this.k, v = {};
    v.somaxconn = k.sysctl('somaxconn');
    v.counts = {};
    for (const backlog of [-1, 0, 1, 2, 3, 5, 8, 16]) {
      const l = this.listener(AF_INET, backlog);
      const { fds, stuck } = this.fill(AF_INET, this.localPort(l), CAP);
      v.counts[String(backlog)] = fds.length >= CAP ? '>=40' : fds.length;
      if (stuck >= 0) k.close(stuck);
      this.closeAll(fds);
      k.close(l);
    }
    {
      const l = this.listener(AF_INET6, 1);
      const { fds, stuck } = this.fill(AF_INET6, this.localPort(l), CAP);
      v.ipv6_backlog_1 = fds.length;
      if (stuck >= 0) k.close(stuck);
      this.closeAll(fds);
      k.close(l);
    }
    return v;
  }

  relisten() {
    const k = this.k, v = {};
    let l = this.listener(AF_INET, 1);
    let port = this.localPort(l);
    const first = this.fill(AF_INET, port, CAP);
    v.backlog_1_filled = first.fds.length;
    if (first.stuck >= 0) k.close(first.stuck);
    v.listen_again_backlog_4 = this.rc(() => k.listen(l, 4));
    v.port_unchanged = this.localPort(l) === port;
    const more = this.fill(AF_INET, port, CAP);
    v.more_after_grow = more.fds.length;
    if (more.stuck >= 0) k.close(more.stuck);
    this.closeAll(first.fds);
    this.closeAll(more.fds);
    k.close(l);

    const o = {};
    l = this.listener(AF_INET, 4);
    port = this.localPort(l);
    const filled = this.fill(AF_INET, port, CAP);
    o.backlog_4_filled = filled.fds.length;
    if (filled.stuck >= 0) k.close(filled.stuck);
    o.listen_0 = this.rc(() => k.listen(l, 0));
    let m = this.fill(AF_INET, port, CAP);
    o.more_after_shrink = m.fds.length;
    if (m.stuck >= 0) k.close(m.stuck);
    this.closeAll(m.fds);
    o.accepted_after_shrink = this.drain(l);
    m = this.fill(AF_INET, port, CAP);
    o.capacity_after_drain = m.fds.length;
    if (m.stuck >= 0) k.close(m.stuck);
    this.closeAll(m.fds);
    this.closeAll(filled.fds);
    k.close(l);
    v.shrink = o;
    return v;
  }

  nonblockingConnect() {
    const k = this.k, v = {};
    const l = this.listener(AF_INET, 16);
    const port = this.localPort(l);

    let { fd: c, rc } = this.client(AF_INET, port);
    v.connect = rc;
    let { fd: a, rc: arc } = this.tryAcceptNb(l);
    v.immediate_accept = arc;
    this.connectedWithin(c, CONNECT_WAIT);
    if (a < 0) a = this.tryAcceptNb(l).fd;
    v.so_error = this.soError(c);
    v.second_connect = this.doConnect(c, AF_INET, null, port);
    v.third_connect = this.doConnect(c, AF_INET, null, port);
    v.connect_other_addr = this.doConnect(c, AF_INET, null, port + 1);
    {
      let peer = null;
      v.getpeername = this.rc(() => { peer = k.getpeername(c); });
      v.peer = peer ? this.ssStr(peer) : 'family=-1';
      v.peer_port_matches = peer !== null && peer.port === port;
    }
    if (a >= 0) k.close(a);
    k.close(c);

    // How often does accept() succeed right after connect()?
    let ok = 0, inprog = 0;
    for (let i = 0; i < 20; i++) {
      ({ fd: c, rc } = this.client(AF_INET, port));
      if (rc === 'EINPROGRESS') inprog++;
      a = this.tryAcceptNb(l).fd;
      if (a >= 0) {
        ok++;
        k.close(a);
      }
      k.close(c);
    }
    this.drain(l);
    v.immediate_accept_success_of_20 = ok;
    v.connect_einprogress_of_20 = inprog;

    // Blocking connect. probe.c bounds it with SO_SNDTIMEO = 1 s; the kernel has no
    // SO_SNDTIMEO and its synchronous API never blocks, so there is nothing to bound.
    c = k.socket(AF_INET, SOCK_STREAM, 0);
    v.blocking_connect = this.doConnect(c, AF_INET, null, port);
    k.close(c);
    this.drain(l);
    k.close(l);
    return v;
  }

  connectRefused() {
    const k = this.k, v = {};
    // A bound but not listening socket reserves the port.
    const hold = this.tcpSock(AF_INET);
    this.doBind(hold, AF_INET, null, 0);
    const port = this.localPort(hold);

    let { fd: c, rc } = this.client(AF_INET, port);
    v.connect = rc;
    v.poll_ms = this.waitWritable(c, 500);
    v.so_error_1 = this.soError(c);
    v.so_error_2 = this.soError(c);
    v.connect_again_after_so_error_read = this.doConnect(c, AF_INET, null, port);
    v.so_error_after = this.soError(c);
    v.third_connect = this.doConnect(c, AF_INET, null, port);
    this.waitWritable(c, 500);
    v.third_connect_so_error = this.soError(c);
    k.close(c);

    c = this.client(AF_INET, port).fd;
    this.waitWritable(c, 500);
    v.connect_again_without_so_error_read = this.doConnect(c, AF_INET, null, port);
    v.so_error_after_that = this.soError(c);
    k.close(c);

    c = this.client(AF_INET, port).fd;
    this.waitWritable(c, 500);
    v.recv_after_refused = this.recv(c);
    v.recv_after_refused_2 = this.recv(c);
    k.close(c);

    // Blocking connect (probe.c: SO_SNDTIMEO 1 s; see nonblockingConnect).
    c = k.socket(AF_INET, SOCK_STREAM, 0);
    v.blocking_connect = this.doConnect(c, AF_INET, null, port);
    k.close(c);
    k.close(hold);
    return v;
  }

  connectEalready() {
    const k = this.k, v = {};
    const l = this.listener(AF_INET, 0);
    const port = this.localPort(l);
    const { fds, stuck } = this.fill(AF_INET, port, CAP);
    if (stuck >= 0) k.close(stuck);
    v.queue_filled_with = fds.length;

    const t0 = k.now();
    const { fd: c, rc } = this.client(AF_INET, port);
    v.first_connect = rc;
    v.second_connect = this.doConnect(c, AF_INET, null, port);
    v.connect_other_port_while_syn_sent = this.doConnect(c, AF_INET, null, port + 1);
    v.so_error_while_syn_sent = this.soError(c);
    this.waitWritable(c, 200); // probe.c: revents_after_200ms
    v.getpeername_while_syn_sent = this.rc(() => k.getpeername(c));
    const { fd: a, rc: arc } = this.tryAcceptNb(l);
    v.accept_one = arc;
    const ms = this.waitWritable(c, 2500);
    v.ms_after_accept_until_connected = ms;
    v.ms_since_connect_until_connected = ms < 0 ? -1 : Math.round(k.now() - t0);
    v.so_error = this.soError(c);
    v.connect_after_established = this.doConnect(c, AF_INET, null, port);
    const { fd: a2, rc: a2rc } = this.tryAcceptNb(l);
    v.accept_late_client = a2rc;
    if (a2 >= 0) k.close(a2);
    if (a >= 0) k.close(a);
    k.close(c);
    this.closeAll(fds);
    k.close(l);
    return v;
  }

  acceptErrors() {
    const k = this.k, v = {};
    let fd = this.tcpSock(AF_INET);
    v.unbound_tcp = this.rc(() => k.accept(fd));
    this.doBind(fd, AF_INET, null, 0);
    v.bound_not_listening = this.rc(() => k.accept(fd));
    k.close(fd);

    fd = k.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    v.udp = this.rc(() => k.accept(fd));
    k.close(fd);

    fd = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    v.unix_dgram = this.rc(() => k.accept(fd));
    k.close(fd);

    fd = k.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    v.unix_stream_unbound = this.rc(() => k.accept(fd));
    k.close(fd);

    // Not a socket (fd 0, stdio; probe.c opens /dev/null), then a closed number.
    v.dev_null = this.rc(() => k.accept(0));
    fd = k.socket(AF_INET, SOCK_STREAM, 0);
    k.close(fd);
    v.closed_fd = this.rc(() => k.accept(fd));

    const l = this.listener(AF_INET, 16);
    const port = this.localPort(l);
    v.nonblocking_empty = this.rc(() => k.accept(l));

    // Bad flags, with a connection queued.
    let c = this.client(AF_INET, port).fd;
    this.connectedWithin(c, CONNECT_WAIT);
    v.accept4_flags_0x1234 = this.rc(() => k.accept4(l, 0x1234));
    v.accept4_flags_O_APPEND = this.rc(() => k.accept4(l, O_APPEND));
    // probe.c asks poll(POLLIN) on the listener, which is "the accept queue is not
    // empty": read here from the listener's Recv-Q. 1 is POLLIN.
    v.accept4_after_bad_flags_still_queued = this.row(l).recvQ > 0 ? 1 : 0;

    // Bad addrlen / bad address pointer: the host API cannot pass either, so the
    // raw-ABI twin replays listener + client and asks. The twin's pointer is the
    // first byte past linear memory (probe.c passes address 8, which is unmapped).
    // Here the queued connection probe.c's failed accept consumed is taken normally.
    k.close(this.acceptNb(l));
    k.close(c);
    Object.assign(v, this.twinAcceptAddr());

    c = this.client(AF_INET, port).fd;
    this.connectedWithin(c, CONNECT_WAIT);
    let a = -1;
    v.accept4_nonblock_cloexec = this.fdrc(() => (a = k.accept4(l, SOCK_NONBLOCK | SOCK_CLOEXEC).fd));
    v.accept4_result_nonblocking = a >= 0 && this.isNonblock(a);
    v.accept4_result_cloexec = a >= 0 && (k.fcntl(a, F_GETFD) & FD_CLOEXEC) !== 0;
    if (a >= 0) k.close(a);
    k.close(c);

    c = this.client(AF_INET, port).fd;
    this.connectedWithin(c, CONNECT_WAIT);
    a = -1;
    this.rc(() => (a = k.accept(l).fd));
    v.listener_is_nonblocking = this.isNonblock(l);
    v.accepted_inherits_nonblock = a >= 0 && this.isNonblock(a);
    if (a >= 0) k.close(a);
    k.close(c);

    // Small addrlen: truncated, real length reported. Only the twin can pass 4.
    Object.assign(v, this.twinAcceptAddrlen4());

    // FIFO order and peer address.
    {
      const cs = [], ports = [];
      for (let i = 0; i < 5; i++) {
        cs.push(this.client(AF_INET, port).fd);
        this.connectedWithin(cs[i], CONNECT_WAIT);
        ports.push(this.localPort(cs[i]));
      }
      v.fifo_client_ports = ports;
      const peers = [];
      let okOrder = true, okAddr = true;
      for (let i = 0; i < 5; i++) {
        const { fd: fa, address } = k.accept(l);
        peers.push(address.port);
        if (address.port !== ports[i]) okOrder = false;
        // probe.c memcmp()s the two sockaddrs; the decoded forms say the same for
        // AF_INET (family, address and port; the rest is zero padding).
        const own = k.getsockname(cs[i]);
        if (own.family !== address.family || own.address !== address.address || own.port !== address.port) okAddr = false;
        k.close(fa);
      }
      v.fifo_accepted_peer_ports = peers;
      v.fifo_order = okOrder;
      v.peer_addr_equals_client_sockname = okAddr;
      this.closeAll(cs);
    }
    k.close(l);
    return v;
  }

  /** accept() with addrlen -1 and with a bad address pointer, on the raw-ABI twin. */
  twinAcceptAddr() {
    const t = this.twin;
    const l = t.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    t.bind(l, sockaddrIn('127.0.0.1', 0));
    t.listen(l, 16);
    const port = t.port(l);
    const out = {};
    for (const [key, args] of [
      ['accept_addrlen_negative', { len: -1 }],
      ['accept_bad_addr_pointer', { addr: t.badPointer(), len: 16 }],
    ]) {
      const c = t.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
      t.connect(c, sockaddrIn('127.0.0.1', port));
      const o = {};
      o.accept = rawRc(t.accept(l, args).r);
      // probe.c keeps whatever accept_after returns open, so the client reads end
      // of file only if the failed accept() itself closed the connection.
      const after = t.accept(l, { flags: SOCK_NONBLOCK, addr: null });
      o.accept_after = rawFdrc(after.r);
      // Loopback: a FIN from a closed server side has arrived already.
      o.client_recv = rawRc(t.recv(c));
      if (after.r >= 0) t.close(after.r);
      t.close(c);
      out[key] = o;
    }
    t.close(l);
    return out;
  }

  /** accept() with addrlen 4 on the raw-ABI twin: the result and the length written back. */
  twinAcceptAddrlen4() {
    const t = this.twin;
    const l = t.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    t.bind(l, sockaddrIn('127.0.0.1', 0));
    t.listen(l, 16);
    const c = t.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    t.connect(c, sockaddrIn('127.0.0.1', t.port(l)));
    const { r, len } = t.accept(l, { len: 4 });
    if (r >= 0) t.close(r);
    t.close(c);
    t.close(l);
    return { accept_addrlen_4: rawFdrc(r), accept_addrlen_4_returned_len: len };
  }

  listenerClose() {
    const k = this.k, v = {};
    const l = this.listener(AF_INET, 1);
    const { fds, stuck } = this.fill(AF_INET, this.localPort(l), CAP);
    v.queued = fds.length;
    v.have_syn_sent_client = stuck >= 0;
    const t0 = k.now();
    k.close(l);
    this.sleep(10);

    if (fds.length >= 2) {
      v.queued_client_a = {
        recv_1: this.recv(fds[0]),
        recv_2: this.recv(fds[0]),
        so_error: this.soError(fds[0]),
      };
      v.queued_client_b = {
        so_error_first: this.soError(fds[1]),
        recv_1: this.recv(fds[1]),
      };
    }
    if (stuck >= 0) {
      const o = {};
      const ms = this.waitWritable(stuck, 2500);
      o.ms_until_event = ms;
      o.ms_since_listener_close = ms < 0 ? -1 : Math.round(k.now() - t0);
      o.so_error = this.soError(stuck);
      v.syn_sent_client = o;
      k.close(stuck);
    }
    this.closeAll(fds);
    return v;
  }

  listenerShutdownRd() {
    const k = this.k, v = {};
    // Listener bound to port 0 (kernel-chosen).
    let l = this.listener(AF_INET, 4);
    const p1 = this.localPort(l);
    let c = this.client(AF_INET, p1).fd;
    v.client_connected = this.connectedWithin(c, CONNECT_WAIT);
    v.shutdown_rd = this.rc(() => k.shutdown(l, SHUT_RD));
    v.port_after_shutdown = this.localPort(l);
    v.port_kept = this.localPort(l) === p1;
    const stale = this.tryAcceptNb(l);
    v.accept = stale.rc;
    if (stale.fd >= 0) k.close(stale.fd);
    v.acceptconn = this.getInt(l, SOL_SOCKET, SO_ACCEPTCONN);
    this.sleep(5);
    v.queued_client_recv = this.recv(c);
    v.queued_client_recv_2 = this.recv(c);
    k.close(c);
    {
      const c2 = this.client(AF_INET, p1).fd;
      v.connect_to_old_port_connected = this.connectedWithin(c2, CONNECT_WAIT);
      v.connect_to_old_port_so_error = this.soError(c2);
      k.close(c2);
    }
    v.listen_again = this.rc(() => k.listen(l, 4));
    const p2 = this.localPort(l);
    v.acceptconn_after_relisten = this.getInt(l, SOL_SOCKET, SO_ACCEPTCONN);
    v.relisten_same_port = p2 === p1;
    c = this.client(AF_INET, p2).fd;
    v.new_client_connected = this.connectedWithin(c, CONNECT_WAIT);
    const { fd: a, rc: arc } = this.tryAcceptNb(l);
    v.new_client_accept = arc;
    if (a >= 0) k.close(a);
    k.close(c);
    k.close(l);

    // The same with an explicitly chosen port (SOCK_BINDPORT_LOCK).
    {
      const o = {};
      const t = this.tcpSock(AF_INET);
      this.doBind(t, AF_INET, null, 0);
      const p = this.localPort(t);
      k.close(t);
      l = this.tcpSock(AF_INET);
      o.bind = this.doBind(l, AF_INET, null, p);
      k.listen(l, 4);
      o.shutdown_rd = this.rc(() => k.shutdown(l, SHUT_RD));
      o.port_kept = this.localPort(l) === p;
      o.listen_again = this.rc(() => k.listen(l, 4));
      o.relisten_same_port = this.localPort(l) === p;
      k.close(l);
      v.explicit_port = o;
    }

    // SHUT_WR and SHUT_RDWR on a listener.
    l = this.listener(AF_INET, 4);
    v.shutdown_wr_on_listener = this.rc(() => k.shutdown(l, SHUT_WR));
    v.acceptconn_after_shut_wr = this.getInt(l, SOL_SOCKET, SO_ACCEPTCONN);
    c = this.client(AF_INET, this.localPort(l)).fd;
    v.shut_wr_client_connected = this.connectedWithin(c, CONNECT_WAIT);
    const { fd: a2, rc: a2rc } = this.tryAcceptNb(l);
    v.shut_wr_accept = a2rc;
    if (a2 >= 0) k.close(a2);
    k.close(c);
    v.shutdown_rdwr_on_listener = this.rc(() => k.shutdown(l, SHUT_RDWR));
    v.acceptconn_after_shut_rdwr = this.getInt(l, SOL_SOCKET, SO_ACCEPTCONN);
    v.shutdown_rd_again_on_closed_listener = this.rc(() => k.shutdown(l, SHUT_RD));
    k.close(l);

    // shutdown on unconnected sockets.
    let s = this.tcpSock(AF_INET);
    v.shutdown_unconnected_tcp = this.rc(() => k.shutdown(s, SHUT_RDWR));
    this.doBind(s, AF_INET, null, 0);
    v.shutdown_bound_tcp = this.rc(() => k.shutdown(s, SHUT_RD));
    v.shutdown_how_3 = this.rc(() => k.shutdown(s, 3));
    k.close(s);
    s = k.socket(AF_UNIX, SOCK_STREAM, 0);
    v.shutdown_unconnected_unix_stream = this.rc(() => k.shutdown(s, SHUT_RDWR));
    k.close(s);
    s = k.socket(AF_INET, SOCK_DGRAM, 0);
    v.shutdown_unconnected_udp = this.rc(() => k.shutdown(s, SHUT_RDWR));
    k.close(s);
    return v;
  }

  /** probe.c reuse_case(): bind a to ip1:p (and listen), then b to ip2:p. */
  reuseCase(ip1, ip2, opt, listenFirst) {
    const k = this.k;
    const a = this.tcpSock(AF_INET), b = this.tcpSock(AF_INET);
    if (opt) {
      k.setsockopt(a, SOL_SOCKET, opt, 1);
      k.setsockopt(b, SOL_SOCKET, opt, 1);
    }
    const t = this.tcpSock(AF_INET);
    this.doBind(t, AF_INET, null, 0);
    const p = this.localPort(t);
    k.close(t);
    this.doBind(a, AF_INET, ip1, p);
    if (listenFirst) this.rc(() => k.listen(a, 4));
    const r = this.doBind(b, AF_INET, ip2, p);
    k.close(a);
    k.close(b);
    return r;
  }

  /** probe.c time_wait_case(): the server closes first, then its listener. */
  timeWaitCase(listenerReuseaddr) {
    const k = this.k;
    const l = this.tcpSock(AF_INET);
    k.setsockopt(l, SOL_SOCKET, SO_REUSEADDR, listenerReuseaddr);
    this.doBind(l, AF_INET, null, 0);
    k.listen(l, 4);
    const p = this.localPort(l);
    const cl = this.client(AF_INET, p).fd;
    this.connectedWithin(cl, CONNECT_WAIT);
    const s = this.acceptNb(l);
    k.close(s);                          // server: active close
    this.waitReadable(cl, CONNECT_WAIT); // client sees FIN
    k.close(cl);
    this.sleep(10);
    k.close(l);
    const o = {};
    let a = this.tcpSock(AF_INET);
    o.bind_no_opts = this.doBind(a, AF_INET, null, p);
    k.close(a);
    a = this.tcpSock(AF_INET);
    k.setsockopt(a, SOL_SOCKET, SO_REUSEADDR, 1);
    o.bind_reuseaddr = this.doBind(a, AF_INET, null, p);
    k.close(a);
    return o;
  }

  reuseRules() {
    const k = this.k, v = {};
    v.same_addr_no_opts = this.reuseCase('127.0.0.1', '127.0.0.1', 0, false);
    v.same_addr_no_opts_first_listening = this.reuseCase('127.0.0.1', '127.0.0.1', 0, true);

    {
      const o = {};
      const a = this.tcpSock(AF_INET), b = this.tcpSock(AF_INET), c = this.tcpSock(AF_INET);
      for (const fd of [a, b, c]) k.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
      this.doBind(a, AF_INET, null, 0);
      o.bind2_neither_listening = this.doBind(b, AF_INET, null, this.localPort(a));
      o.listen1 = this.rc(() => k.listen(a, 4));
      o.bind3_while_first_listening = this.doBind(c, AF_INET, null, this.localPort(a));
      o.listen2_while_first_listening = this.rc(() => k.listen(b, 4));
      k.close(a);
      o.listen2_after_first_closed = this.rc(() => k.listen(b, 4));
      k.close(b);
      k.close(c);
      v.both_reuseaddr = o;
    }

    v.reuseaddr_bind_while_first_listening = this.reuseCase('127.0.0.1', '127.0.0.1', SO_REUSEADDR, true);
    {
      // Only the second socket has SO_REUSEADDR.
      const a = this.tcpSock(AF_INET), b = this.tcpSock(AF_INET);
      k.setsockopt(b, SOL_SOCKET, SO_REUSEADDR, 1);
      this.doBind(a, AF_INET, null, 0);
      v.reuseaddr_only_second_not_listening = this.doBind(b, AF_INET, null, this.localPort(a));
      k.close(a);
      k.close(b);
    }

    {
      const o = {};
      const a = this.tcpSock(AF_INET), b = this.tcpSock(AF_INET), c = this.tcpSock(AF_INET);
      k.setsockopt(a, SOL_SOCKET, SO_REUSEPORT, 1);
      k.setsockopt(b, SOL_SOCKET, SO_REUSEPORT, 1);
      this.doBind(a, AF_INET, null, 0);
      o.listen1 = this.rc(() => k.listen(a, 4));
      o.bind2 = this.doBind(b, AF_INET, null, this.localPort(a));
      o.listen2 = this.rc(() => k.listen(b, 4));
      o.bind3_without_reuseport = this.doBind(c, AF_INET, null, this.localPort(a));
      k.close(a); k.close(b); k.close(c);
      v.both_reuseport = o;
    }

    v.wildcard_then_loopback_no_opts = this.reuseCase('0.0.0.0', '127.0.0.1', 0, false);
    v.loopback_then_wildcard_no_opts = this.reuseCase('127.0.0.1', '0.0.0.0', 0, false);
    v.wildcard_then_loopback_reuseaddr = this.reuseCase('0.0.0.0', '127.0.0.1', SO_REUSEADDR, false);
    v.loopback_then_wildcard_reuseaddr = this.reuseCase('127.0.0.1', '0.0.0.0', SO_REUSEADDR, false);
    v.wildcard_listening_then_loopback_reuseaddr = this.reuseCase('0.0.0.0', '127.0.0.1', SO_REUSEADDR, true);
    v.loopback_listening_then_wildcard_reuseaddr = this.reuseCase('127.0.0.1', '0.0.0.0', SO_REUSEADDR, true);
    v['127_0_0_1_then_127_0_0_2_no_opts'] = this.reuseCase('127.0.0.1', '127.0.0.2', 0, true);

    let a = this.tcpSock(AF_INET);
    v.nonlocal_10_1_2_3 = this.doBind(a, AF_INET, '10.1.2.3', 0);
    v.bind_127_0_0_2 = this.doBind(a, AF_INET, '127.0.0.2', 0);
    v.bind_twice_same_socket = this.doBind(a, AF_INET, null, 0);
    k.close(a);

    a = this.tcpSock(AF_INET);
    v.port_80_as_root = this.doBind(a, AF_INET, null, 80);
    k.close(a);
    v.ip_unprivileged_port_start = k.sysctl('ipUnprivilegedPortStart');

    // Address lengths and families the host API cannot pass: the raw-ABI twin.
    Object.assign(v, this.twinBindArgs());

    v.time_wait_rebind_listener_without_reuseaddr = this.timeWaitCase(0);
    v.time_wait_rebind_listener_with_reuseaddr = this.timeWaitCase(1);

    // Closing a listener with no connections frees the port.
    {
      const l = this.listener(AF_INET, 4);
      const p = this.localPort(l);
      k.close(l);
      a = this.tcpSock(AF_INET);
      v.rebind_after_idle_listener_close = this.doBind(a, AF_INET, null, p);
      k.close(a);
    }
    return v;
  }

  /** bind() with bad lengths and families, on the raw-ABI twin (probe.c's order). */
  twinBindArgs() {
    const t = this.twin, v = {};
    const any4 = sockaddrIn('127.0.0.1', 0);
    let a = t.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    // probe.c passes a sockaddr_storage (128 bytes) with the lengths below.
    const storage = new Uint8Array(256);
    storage.set(any4);
    v.short_addrlen_8 = rawRc(t.bind(a, storage, 8));
    v.addrlen_0 = rawRc(t.bind(a, storage, 0));
    v.addrlen_too_big_200 = rawRc(t.bind(a, storage, 200));
    t.close(a);
    a = t.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    v.inet6_addr_on_inet_socket = rawRc(t.bind(a, sockaddrIn6('::1', 0)));
    const unspec127 = sockaddrIn('127.0.0.1', 0);
    unspec127[0] = AF_UNSPEC; unspec127[1] = 0;
    v.af_unspec_127_on_inet_socket = rawRc(t.bind(a, unspec127));
    const unspecAny = sockaddrIn('0.0.0.0', 0);
    unspecAny[0] = AF_UNSPEC; unspecAny[1] = 0;
    v.af_unspec_any_on_inet_socket = rawRc(t.bind(a, unspecAny));
    t.close(a);
    a = t.socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK);
    v.inet_addr_on_inet6_socket = rawRc(t.bind(a, sockaddrIn('127.0.0.1', 0)));
    t.close(a);
    return v;
  }

  ephemeralPorts() {
    const k = this.k, v = {};
    const lo = k.sysctl('ipLocalPortRangeLow'), hi = k.sysctl('ipLocalPortRangeHigh');
    v.ip_local_port_range = [lo, hi];
    const inRange = (p) => p >= lo && p <= hi;

    let fds = [], ports = [];
    for (let i = 0; i < 20; i++) {
      fds.push(this.tcpSock(AF_INET));
      this.doBind(fds[i], AF_INET, null, 0);
      ports.push(this.localPort(fds[i]));
    }
    this.closeAll(fds);
    v.bind_odd_of_20 = ports.filter((p) => p & 1).length;
    v.bind_all_in_range = ports.every(inRange);
    v.bind_ports = ports;

    const l = this.listener(AF_INET, 64);
    fds = []; ports = [];
    for (let i = 0; i < 20; i++) {
      fds.push(this.client(AF_INET, this.localPort(l)).fd);
      ports.push(this.localPort(fds[i]));
    }
    this.closeAll(fds);
    k.close(l);
    v.connect_odd_of_20 = ports.filter((p) => p & 1).length;
    v.connect_all_in_range = ports.every(inRange);
    v.connect_ports = ports;

    fds = []; ports = [];
    for (let i = 0; i < 20; i++) {
      fds.push(this.tcpSock(AF_INET));
      this.rc(() => k.listen(fds[i], 1));
      ports.push(this.localPort(fds[i]));
    }
    this.closeAll(fds);
    v.listen_autobind_odd_of_20 = ports.filter((p) => p & 1).length;

    fds = []; ports = [];
    for (let i = 0; i < 20; i++) {
      fds.push(k.socket(AF_INET, SOCK_DGRAM, 0));
      this.doBind(fds[i], AF_INET, null, 0);
      ports.push(this.localPort(fds[i]));
    }
    this.closeAll(fds);
    v.udp_bind_odd_of_20 = ports.filter((p) => p & 1).length;
    return v;
  }

  sockopts() {
    const k = this.k, v = {};
    const triple = (d, t) => {
      const fd = k.socket(d, t, 0);
      const o = {
        SO_TYPE: this.getInt(fd, SOL_SOCKET, SO_TYPE),
        SO_DOMAIN: this.getInt(fd, SOL_SOCKET, SO_DOMAIN),
        SO_PROTOCOL: this.getInt(fd, SOL_SOCKET, SO_PROTOCOL),
        SO_ACCEPTCONN: this.getInt(fd, SOL_SOCKET, SO_ACCEPTCONN),
      };
      k.close(fd);
      return o;
    };
    v.tcp = triple(AF_INET, SOCK_STREAM);
    v.tcp6 = triple(AF_INET6, SOCK_STREAM);
    v.udp = triple(AF_INET, SOCK_DGRAM);
    v.unix_stream = triple(AF_UNIX, SOCK_STREAM);
    v.unix_seqpacket = triple(AF_UNIX, SOCK_SEQPACKET);
    v.unix_dgram = triple(AF_UNIX, SOCK_DGRAM);
    v.unix_raw = triple(AF_UNIX, SOCK_RAW);

    const fd = this.tcpSock(AF_INET);
    v.acceptconn_before_listen = this.getInt(fd, SOL_SOCKET, SO_ACCEPTCONN);
    v.so_error_fresh = this.soError(fd);
    v.getpeername_unconnected = this.rc(() => k.getpeername(fd));
    // The lengths getsockname() writes back: from the raw-ABI twin.
    Object.assign(v, this.twinUnboundInetNames());
    this.doBind(fd, AF_INET, null, 0);
    this.rc(() => k.listen(fd, 4));
    v.acceptconn_after_listen = this.getInt(fd, SOL_SOCKET, SO_ACCEPTCONN);
    v.getpeername_listener = this.rc(() => k.getpeername(fd));
    {
      const c = this.client(AF_INET, this.localPort(fd)).fd;
      this.connectedWithin(c, CONNECT_WAIT);
      k.close(c);
    }
    k.close(fd);

    // AF_UNIX names: lengths, and autobind via bind(addrlen = sizeof(sa_family_t)),
    // which the host API cannot pass: the raw-ABI twin.
    Object.assign(v, this.twinUnixNames());
    return v;
  }

  /** getsockname() of unbound TCP sockets, with the length written back (twin). */
  twinUnboundInetNames() {
    const t = this.twin, v = {};
    let fd = t.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    let n = t.getsockname(fd);
    v.getsockname_unbound_tcp = rawRc(n.r);
    v.getsockname_unbound_tcp_addr = rawSsStr(n.name, n.len);
    v.getsockname_unbound_tcp_len = n.len;
    t.close(fd);
    fd = t.socket(AF_INET6, SOCK_STREAM);
    n = t.getsockname(fd);
    v.getsockname_unbound_tcp6_addr = rawSsStr(n.name, n.len);
    v.getsockname_unbound_tcp6_len = n.len;
    t.close(fd);
    return v;
  }

  /** An unbound AF_UNIX socket's name, then its autobind (twin). */
  twinUnixNames() {
    const t = this.twin, v = {};
    const fd = t.socket(AF_UNIX, SOCK_STREAM);
    let n = t.getsockname(fd);
    v.getsockname_unbound_unix = rawRc(n.r);
    v.getsockname_unbound_unix_len = n.len;
    v.getsockname_unbound_unix_family = new DataView(n.name.buffer).getUint16(0, true);
    v.getpeername_unconnected_unix = rawRc(t.getpeername(fd).r);
    v.unix_autobind = rawRc(t.bind(fd, sockaddrUn(''), 2));
    n = t.getsockname(fd);
    v.unix_autobind_len = n.len;
    v.unix_autobind_abstract = n.name[2] === 0;
    v.unix_autobind_name_hex = n.len > 3 && n.len - 3 < 16
      ? new TextDecoder().decode(n.name.subarray(3, n.len)) : '';
    t.close(fd);
    return v;
  }

  /** probe.c unix_capacity(): nonblocking AF_UNIX connects until one fails (cap CAP). */
  unixCapacity(type, backlog) {
    const k = this.k;
    const name = this.unixPath(true);
    const l = k.socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
    this.ubind(l, name);
    this.rc(() => k.listen(l, backlog));
    const fds = [];
    let rc = 0;
    while (fds.length < CAP) {
      const fd = k.socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
      rc = this.uconnect(fd, name);
      if (rc !== 0) {
        k.close(fd);
        break;
      }
      fds.push(fd);
    }
    this.closeAll(fds);
    k.close(l);
    return { count: fds.length, stopped_by: fds.length >= CAP ? 0 : rc };
  }

  unix() {
    const k = this.k, v = {};
    let c = k.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    v.connect_nonexistent_path = this.uconnect(c, this.unixPath(false));
    v.connect_nonexistent_abstract = this.uconnect(c, this.unixPath(true));
    k.close(c);

    // A path bound by a non-listening socket.
    let l = k.socket(AF_UNIX, SOCK_STREAM, 0);
    let path = this.unixPath(false);
    this.ubind(l, path);
    c = k.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    v.connect_bound_not_listening = this.uconnect(c, path);
    k.close(c);
    c = k.socket(AF_UNIX, SOCK_STREAM, 0);
    v.bind_existing_path = this.ubind(c, path);
    k.close(c);
    k.close(l);
    c = k.socket(AF_UNIX, SOCK_STREAM, 0);
    v.bind_existing_path_after_owner_closed = this.ubind(c, path);
    k.close(c);
    c = k.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    v.connect_stale_path = this.uconnect(c, path);
    k.close(c);
    k.unlink(path);

    // Abstract bind clash.
    l = k.socket(AF_UNIX, SOCK_STREAM, 0);
    let name = this.unixPath(true);
    this.ubind(l, name);
    c = k.socket(AF_UNIX, SOCK_STREAM, 0);
    v.bind_existing_abstract = this.ubind(c, name);
    k.close(c);
    v.bind_twice_same_socket = this.ubind(l, this.unixPath(true));
    k.close(l);

    // Type mismatches: filesystem path.
    l = k.socket(AF_UNIX, SOCK_SEQPACKET, 0);
    path = this.unixPath(false);
    this.ubind(l, path);
    k.listen(l, 4);
    c = k.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    v.path_stream_to_seqpacket_listener = this.uconnect(c, path);
    k.close(c);
    c = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    v.path_dgram_to_seqpacket_listener = this.uconnect(c, path);
    k.close(c);
    k.close(l);
    k.unlink(path);

    // Type mismatches: abstract name.
    l = k.socket(AF_UNIX, SOCK_SEQPACKET, 0);
    name = this.unixPath(true);
    this.ubind(l, name);
    k.listen(l, 4);
    c = k.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    v.abstract_stream_to_seqpacket_listener = this.uconnect(c, name);
    k.close(c);
    c = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    v.abstract_dgram_to_seqpacket_listener = this.uconnect(c, name);
    k.close(c);
    k.close(l);
    l = k.socket(AF_UNIX, SOCK_STREAM, 0);
    name = this.unixPath(true);
    this.ubind(l, name);
    k.listen(l, 4);
    c = k.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);
    v.abstract_seqpacket_to_stream_listener = this.uconnect(c, name);
    k.close(c);
    k.close(l);

    // Abstract name, full round trip. probe.c compares raw names and lengths, which
    // the host API does not return: the whole round trip runs on the raw-ABI twin.
    v.abstract = this.twinAbstractRoundTrip();

    // Capacity by backlog.
    for (const b of [0, 1, 2, 4]) v[`stream_backlog_${b}`] = this.unixCapacity(SOCK_STREAM, b);
    for (const b of [0, 1, 2, 4]) v[`seqpacket_backlog_${b}`] = this.unixCapacity(SOCK_SEQPACKET, b);
    v['stream_backlog_-1'] = this.unixCapacity(SOCK_STREAM, -1);

    // Full listener: blocking connect (probe.c: SO_SNDTIMEO = 200 ms), relisten.
    {
      const o = {};
      l = k.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
      name = this.unixPath(true);
      this.ubind(l, name);
      k.listen(l, 0);
      const q = k.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
      o.first_connect_nonblocking = this.uconnect(q, name);
      c = k.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
      o.second_connect_nonblocking = this.uconnect(c, name);
      o.second_connect_nonblocking_retry = this.uconnect(c, name);
      k.close(c);
      // The kernel has no SO_SNDTIMEO and never blocks: the call's simulated
      // duration is what it is (tests/linux/known-differences.json).
      c = k.socket(AF_UNIX, SOCK_STREAM, 0);
      const t0 = k.now();
      o.blocking_connect_sndtimeo_200ms = this.uconnect(c, name);
      o.blocking_connect_ms = Math.round(k.now() - t0);
      k.close(c);
      o.relisten_backlog_2 = this.rc(() => k.listen(l, 2));
      {
        const more = [];
        while (more.length < CAP) {
          const fd = k.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
          if (this.uconnect(fd, name) !== 0) {
            k.close(fd);
            break;
          }
          more.push(fd);
        }
        o.more_after_relisten = more.length;
        this.closeAll(more);
      }
      // The listener closes with a queued (unaccepted) client.
      {
        const q2 = k.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        o.connect_after_queued_clients_closed = this.uconnect(q2, name);
        k.close(l);
        o.queued_client_recv_1 = this.recv(q);
        o.queued_client_recv_2 = this.recv(q);
        k.close(q2);
      }
      k.close(q);
      v.full_listener = o;
    }

    // shutdown(SHUT_RD) on a unix listener.
    {
      l = k.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
      name = this.unixPath(true);
      this.ubind(l, name);
      k.listen(l, 4);
      const q = k.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
      this.uconnect(q, name);
      const o = {};
      o.shutdown = this.rc(() => k.shutdown(l, SHUT_RD));
      o.acceptconn = this.getInt(l, SOL_SOCKET, SO_ACCEPTCONN);
      c = k.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
      o.connect_after = this.uconnect(c, name);
      k.close(c);
      const { fd: a, rc: arc } = this.tryAcceptNb(l);
      o.accept_queued = arc;
      if (a >= 0) k.close(a);
      o.listen_again = this.rc(() => k.listen(l, 4));
      c = k.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
      o.connect_after_relisten = this.uconnect(c, name);
      k.close(c);
      v.listener_shutdown_rd = o;
      k.close(q);
      k.close(l);
    }
    return v;
  }

  /** probe.c's "abstract" object on the raw-ABI twin (names compared as bytes). */
  twinAbstractRoundTrip() {
    const t = this.twin, o = {};
    const ua = sockaddrUn(`\0sockprobe-twin-${this.unixNames++}`);
    const same = (n) => n.len === ua.length && ua.every((b, i) => n.name[i] === b);
    const l = t.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
    o.bind = rawRc(t.bind(l, ua));
    o.listen = rawRc(t.listen(l, 4));
    const c = t.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
    o.connect = rawRc(t.connect(c, ua));
    const peer = t.getpeername(c);
    o.client_getpeername_unaccepted = rawRc(peer.r);
    o.client_peer_is_listener_name = same(peer);
    o.client_sockname_len = t.getsockname(c).len;
    const acc = t.accept(l, { flags: SOCK_NONBLOCK });
    o.accept = rawFdrc(acc.r);
    o.accept_addrlen = acc.len;
    o.getsockname_matches = same(t.getsockname(l));
    o.accept_empty = rawFdrc(t.accept(l, { addr: null }).r);
    o.listen_on_connected_client = rawRc(t.listen(c, 4));
    o.connect_again_connected = rawRc(t.connect(c, ua));
    if (acc.r >= 0) t.close(acc.r);
    t.close(c);
    t.close(l);
    return o;
  }

  ipv6() {
    const k = this.k, v = {};
    let l = this.tcpSock(AF_INET6);
    v.v6only_default = this.getInt(l, IPPROTO_IPV6, IPV6_V6ONLY);
    v.bind_any6 = this.doBind(l, AF_INET6, '::', 0);
    k.listen(l, 4);
    let p = this.localPort(l);
    const c = this.client(AF_INET, p).fd;
    v.v4_client_to_any6_listener_connected = this.connectedWithin(c, CONNECT_WAIT);
    {
      let a = null;
      v.accept = this.fdrc(() => (a = k.accept(l)));
      v.accepted_peer = a ? this.ssStr(a.address) : 'family=-1';
      // The length accept() writes back: from the raw-ABI twin, which replays a
      // [::] listener and an IPv4 client.
      v.accepted_addrlen = this.twinDualStackAcceptLen();
      if (a) k.close(a.fd);
    }
    k.close(c);
    let b = this.tcpSock(AF_INET);
    v.bind_v4_loopback_same_port_as_any6 = this.doBind(b, AF_INET, null, p);
    k.close(b);
    k.close(l);

    l = this.tcpSock(AF_INET6);
    k.setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, 1);
    this.doBind(l, AF_INET6, '::', 0);
    p = this.localPort(l);
    b = this.tcpSock(AF_INET);
    v.bind_v4_loopback_same_port_as_any6_v6only = this.doBind(b, AF_INET, null, p);
    k.close(b);
    k.close(l);

    l = this.tcpSock(AF_INET6);
    v.bind_v4mapped_loopback = this.doBind(l, AF_INET6, '::ffff:127.0.0.1', 0);
    k.close(l);
    return v;
  }

  twinDualStackAcceptLen() {
    const t = this.twin;
    const l = t.socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK);
    t.bind(l, sockaddrIn6('::', 0));
    t.listen(l, 4);
    const c = t.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    t.connect(c, sockaddrIn('127.0.0.1', t.port(l)));
    const { r, len } = t.accept(l);
    if (r >= 0) t.close(r);
    t.close(c);
    t.close(l);
    return len;
  }

  synRetransmitSchedule() {
    const k = this.k;
    return {
      tcp_syn_retries: k.sysctl('tcpSynRetries'),
      tcp_syn_linear_timeouts: k.sysctl('tcpSynLinearTimeouts'),
      tcp_synack_retries: k.sysctl('tcpSynackRetries'),
      tcp_max_syn_backlog: k.sysctl('tcpMaxSynBacklog'),
      tcp_syncookies: k.sysctl('tcpSyncookies'),
      tcp_abort_on_overflow: k.sysctl('tcpAbortOnOverflow'),
    };
  }

  /** probe_selfcheck: open descriptors (stdio included, as /proc/self/fd counts them) and simulated time. */
  selfcheck(tStart, fdsAtStart) {
    const n = this.k.memoryUsage().fds;
    return {
      open_fds_at_start: fdsAtStart,
      open_fds_at_end: n,
      no_fd_leak: n === fdsAtStart,
      elapsed_ms: Math.round(this.k.now() - tStart),
    };
  }
}

/**
 * Runs every question of probe.c against a fresh socket-kernel (Linux personality)
 * and returns [{ fact, value }, ...] in probe.c's order.
 *
 * @param {{ privileged?: boolean }} [options] privileged: CAP_NET_BIND_SERVICE,
 *   to match a probe.c run as root (its port_80_as_root fact).
 */
export async function probeKernel(options = {}) {
  const { privileged = false, ...rest } = options;
  if (Object.keys(rest).length > 0) throw new TypeError(`probeKernel: unknown option(s) ${Object.keys(rest).join(', ')}`);
  const k = await createKernel({ personality: 'linux', privileged });
  const twin = new AbiTwin(await kernelModule());
  const p = new KernelProbe(k, twin);
  const t0 = k.now();
  const fds0 = k.memoryUsage().fds;
  const facts = [
    ['socket_errors', () => p.socketErrors()],
    ['listen_errors', () => p.listenErrors()],
    ['backlog_capacity', () => p.backlogCapacity()],
    ['relisten', () => p.relisten()],
    ['nonblocking_connect', () => p.nonblockingConnect()],
    ['connect_refused', () => p.connectRefused()],
    ['connect_ealready', () => p.connectEalready()],
    ['accept_errors', () => p.acceptErrors()],
    ['listener_close', () => p.listenerClose()],
    ['listener_shutdown_rd', () => p.listenerShutdownRd()],
    ['reuse_rules', () => p.reuseRules()],
    ['ephemeral_ports', () => p.ephemeralPorts()],
    ['sockopts', () => p.sockopts()],
    ['unix', () => p.unix()],
    ['ipv6', () => p.ipv6()],
    ['syn_retransmit_schedule', () => p.synRetransmitSchedule()],
    ['probe_selfcheck', () => p.selfcheck(t0, fds0)],
  ];
  return facts.map(([fact, ask]) => ({ fact, value: ask() }));
}
