// kernel_probe.mjs - ask socket-kernel (Linux personality) what tests/linux/probe.c
// asks the real Linux kernel, in the same order, with the same fact names and the
// same value shapes:
//
//   - a failed call is its errno name ("EINVAL"); a successful one is its return
//     value, 0 for calls that return 0 or a descriptor (socket(), accept());
//   - SO_ERROR-style values are 0 or an errno name;
//   - poll revents are strings like "POLLOUT|POLLHUP" ("" = nothing), from k.poll();
//   - sysctls are read from the kernel's tunables (k.sysctl), not from /proc.
//
// Where probe.c waits in real time (poll() with a timeout, nanosleep), this file
// moves the simulated clock (k.advance) event by event, asking k.poll() after each
// step, and reports simulated milliseconds. The few keys it still cannot ask (a user
// id, sysctls the kernel has no tunable for) are in OMITTED below, each with why.
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
  IPPROTO_TCP, IPPROTO_UDP, IPPROTO_IPV6, IPV6_V6ONLY, TCP_DEFER_ACCEPT, TCP_USER_TIMEOUT,
  SOL_SOCKET, SO_REUSEADDR, SO_TYPE, SO_ERROR, SO_REUSEPORT, SO_ACCEPTCONN, SO_PROTOCOL, SO_DOMAIN,
  SHUT_RD, SHUT_WR, SHUT_RDWR, F_GETFD, F_GETFL, FD_CLOEXEC, O_NONBLOCK,
  SO_SNDBUF, SO_RCVBUF, SO_LINGER, MSG_PEEK, MSG_TRUNC, MSG_DONTWAIT, MSG_NOSIGNAL,
  POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDHUP,
  EPOLLIN, EPOLLOUT, EPOLL_CTL_ADD,
} from 'socket-kernel';

/** probe.c CAP: the most connections tried when measuring a capacity. */
const CAP = 40;
/** probe.c CONNECT_WAIT: ms a loopback connect() gets to complete. */
const CONNECT_WAIT = 50;
/** accept4() flags probe.c passes: 0x1234 and O_APPEND (Linux 02000). */
const O_APPEND = 0o2000;
/** probe.c SEND_FLAGS: every send of the data facts. */
const SEND_FLAGS = MSG_NOSIGNAL | MSG_DONTWAIT;

/** probe.c evstr(): revents as "POLLIN|POLLOUT", in probe.c's bit order ("" = nothing). */
const EV_NAMES = [[POLLIN, 'POLLIN'], [POLLPRI, 'POLLPRI'], [POLLOUT, 'POLLOUT'], [POLLERR, 'POLLERR'],
  [POLLHUP, 'POLLHUP'], [POLLNVAL, 'POLLNVAL'], [POLLRDHUP, 'POLLRDHUP']];
function evstr(r) { return EV_NAMES.filter(([bit]) => (r & bit) !== 0).map(([, name]) => name).join('|'); }

/**
 * Keys of probe.c's output that this probe does not produce, by fact, each with
 * the reason. The comparison test fails on any other missing key.
 */
export const OMITTED = {
  reuse_rules: {
    euid: 'the kernel has no user ids; its CAP_NET_BIND_SERVICE is the "privileged" option, which the caller sets from this euid',
  },
  ipv6: {
    bindv6only: 'no net.ipv6.bindv6only tunable: the kernel always behaves as bindv6only = 0 (v6only_default asks that)',
  },
  data_unix_dgram: {
    max_dgram_qlen: 'no net.unix.max_dgram_qlen tunable: the limit is the constant MAX_DGRAM_QLEN (10) in assembly/syscalls/data.ts; unconnected_sent_until_error and connected_sent_until_error check its effect',
  },
  syn_retransmit_schedule: {
    tcp_rto_min_us: 'no net.ipv4.tcp_rto_min_us tunable: there is no RTT-based RTO (nothing is lost in flight, so only SYN and SYN-ACK are retransmitted, on the fixed TCP_TIMEOUT_INIT of 1 s in assembly/tcp/rto.ts)',
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
  // Scratch layout: input sockaddr or send() bytes at +0 (256 bytes), output
  // sockaddr or recv() bytes at +512 (128 bytes), the in/out socklen_t at +1024, one
  // struct pollfd (i32 fd, i16 events, i16 revents) at +1032.
  static IN = 0;
  static OUT = 512;
  static LEN = 1024;
  static POLLFD = 1032;

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
  /** recv(MSG_DONTWAIT) into a `len`-byte buffer (probe.c's sizes: 4 or 8). */
  recv(fd, len) { return this.x.sk_recv(fd, this.s + AbiTwin.OUT, len, MSG_DONTWAIT); }
  send(fd, bytes, flags) { this.#put(bytes); return this.x.sk_send(fd, this.s + AbiTwin.IN, bytes.length, flags); }

  /** poll() of one descriptor with timeout 0: its revents. */
  poll(fd, events) {
    const v = this.#view(), p = this.s + AbiTwin.POLLFD;
    v.setInt32(p, fd, true);
    v.setInt16(p + 4, events, true);
    v.setUint16(p + 6, 0, true);
    if (this.x.sk_poll(p, 1) < 0) throw new Error('AbiTwin: sk_poll failed');
    return this.#view().getUint16(p + 6, true);
  }

  /** probe.c wait_ev() on the twin's own simulated clock: the revents, or 0 after `ms`. */
  waitEv(fd, events, ms) {
    const end = this.x.sk_now() + BigInt(ms * 1000);
    for (;;) {
      const r = this.poll(fd, events);
      if (r !== 0) return r;
      const left = end - this.x.sk_now();
      if (left <= 0n) return 0;
      const next = this.x.sk_next_timer();
      this.x.sk_advance(next < 0n || next > left ? left : next);
    }
  }
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

  setsockopt(fd, level, name, bytes) {
    this.#put(bytes);
    return this.x.sk_setsockopt(fd, level, name, this.s + AbiTwin.IN, bytes.length);
  }

  /** getsockopt with a `len`-byte buffer: { r, len written back, bytes }. */
  getsockopt(fd, level, name, len) {
    new Uint8Array(this.x.memory.buffer, this.s + AbiTwin.OUT, 128).fill(0xff);
    this.#view().setInt32(this.s + AbiTwin.LEN, len, true);
    const r = this.x.sk_getsockopt(fd, level, name, this.s + AbiTwin.OUT, this.s + AbiTwin.LEN);
    return { r, len: this.#view().getInt32(this.s + AbiTwin.LEN, true), bytes: this.#out().slice(0, len) };
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

  /** poll() of one descriptor with timeout 0. */
  pollOne(fd, events) { return this.k.poll([{ fd, events }])[0]; }

  /** probe.c ev_now(): revents for POLLIN | POLLOUT | POLLRDHUP, as a string. */
  evNow(fd) { return evstr(this.pollOne(fd, POLLIN | POLLOUT | POLLRDHUP)); }

  /** probe.c wait_ev(): poll() with a timeout on the simulated clock; the revents or 0. */
  waitEv(fd, events, ms) {
    let r = 0;
    this.waitFor(() => (r = this.pollOne(fd, events)) !== 0, ms);
    return r;
  }

  /** probe.c wait_elapsed(): { ms, rev }, ms the simulated time until revents, or -1. */
  waitElapsed(fd, events, maxMs) {
    let rev = 0;
    const ms = this.waitFor(() => (rev = this.pollOne(fd, events)) !== 0, maxMs);
    return { ms, rev };
  }

  /** probe.c connected_within(): POLLOUT without POLLERR/POLLHUP, then SO_ERROR == 0. */
  connectedWithin(fd, ms) {
    const r = this.waitEv(fd, POLLOUT, ms);
    return (r & POLLOUT) !== 0 && (r & (POLLERR | POLLHUP)) === 0 && this.getInt(fd, SOL_SOCKET, SO_ERROR) === 0;
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

  // -- the data path ----------------------------------------------------------------

  /** probe.c send_rc(): send(MSG_NOSIGNAL | MSG_DONTWAIT), bytes taken or an errno name. */
  sendRc(fd, data) { return this.rc(() => this.k.send(fd, data, SEND_FLAGS)); }

  /** probe.c recv_rc(): recv(MSG_DONTWAIT) of at most n bytes, the count or an errno name. */
  recvRc(fd, n = 64, flags = 0) { return this.rc(() => this.k.recv(fd, n, flags | MSG_DONTWAIT).length); }

  /**
   * probe.c recvmsg_rc(): { rc, trunc, data }. recvfrom() is the host call that
   * returns recv()'s own result (the real length under MSG_TRUNC) and msg_flags.
   */
  recvmsg(fd, n, flags = 0) {
    try {
      const r = this.k.recvfrom(fd, n, flags | MSG_DONTWAIT);
      return { rc: r.length, trunc: r.truncated, data: r.data, address: r.address };
    } catch (e) {
      if (e instanceof SocketError) return { rc: e.code, trunc: false, data: new Uint8Array(0), address: null };
      throw e;
    }
  }

  sendtoPort(fd, fam, data, port) { return this.rc(() => this.k.sendto(fd, data, { address: this.loopback(fam), port }, SEND_FLAGS)); }
  usendto(fd, data, path) { return this.rc(() => this.k.sendto(fd, data, { path }, SEND_FLAGS)); }
  udpSock(fam) { return this.k.socket(fam, SOCK_DGRAM | SOCK_NONBLOCK, 0); }

  /** probe.c closed_udp_port(): a loopback UDP port nobody holds (bound, then released). */
  closedUdpPort(fam) {
    const t = this.udpSock(fam);
    this.doBind(t, fam, null, 0);
    const p = this.localPort(t);
    this.k.close(t);
    return p;
  }

  /**
   * probe.c tcp_pair(): a connected loopback TCP pair, the listener closed again.
   * probe.c sets TCP_NODELAY on both ends; the kernel has no Nagle (every send is
   * delivered at once), so there is nothing to set.
   */
  tcpPair() {
    const l = this.listener(AF_INET, 4);
    const c = this.client(AF_INET, this.localPort(l)).fd;
    this.connectedWithin(c, CONNECT_WAIT);
    const a = this.acceptNb(l);
    this.k.close(l);
    return { c, a };
  }

  /** probe.c unix_pair(): a connected AF_UNIX pair of `type` through an abstract listener. */
  unixPair(type) {
    const k = this.k, name = this.unixPath(true);
    const l = k.socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
    this.ubind(l, name);
    k.listen(l, 4);
    const c = k.socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
    this.uconnect(c, name);
    const a = this.acceptNb(l);
    k.close(l);
    return { c, a };
  }

  /** probe.c state_by_fd() (TCP_INFO): Linux calls every unconnected TCP socket TCP_CLOSE. */
  stateByFd(fd) {
    const r = this.k.sockets().find((s) => s.fd === fd);
    if (!r) return 'none';
    return r.state === 'UNBOUND' || r.state === 'BOUND' ? 'CLOSED' : r.state;
  }

  /**
   * probe.c state_by_ports() (/proc/net/tcp): the IPv4 connection lport -> rport,
   * held or orphaned. /proc/net/tcp lists hashed sockets only: a CLOSED one is not there.
   * k.sockets() gives a peer only in ESTABLISHED and CLOSE_WAIT (sk_sock_row in
   * assembly/index.ts), so a row without one matches on the local port alone; the
   * probe has one connection per local port at a time, and LISTEN rows are skipped.
   */
  stateByPorts(lp, rp) {
    const r = this.k.sockets().find((s) => s.family === 'IPv4' && s.type === 'stream' &&
      s.local.port === lp && (s.peer === null || s.peer.port === rp) &&
      !['CLOSED', 'UNBOUND', 'BOUND', 'LISTEN'].includes(s.state));
    return r ? r.state : 'none';
  }

  /** probe.c settled(): waits (at most 300 ms) until the state has left FIN_WAIT_1. */
  settled(get) {
    const ms = this.waitFor(() => get() !== 'FIN_WAIT_1', 300);
    return { state: get(), ms: ms < 0 ? 300 : ms };
  }

  /** The length probe.c's recvfrom() writes for an AF_UNIX source (0 when there is none). */
  unixAddrLen(a) {
    if (a === null) return 0;
    const n = new TextEncoder().encode(a.path).length;
    return n === 0 || a.path[0] === '\0' ? 2 + n : 3 + n;
  }

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
      o.listener_revents = this.evNow(fd);
      const cfd = this.client(AF_INET, this.localPort(fd)).fd;
      o.client_connected = this.connectedWithin(cfd, CONNECT_WAIT);
      const { fd: afd, rc: arc } = this.tryAcceptNb(fd);
      o.accept = arc;
      if (afd >= 0) {
        o.accepted_revents = this.evNow(afd);
        o.accepted_so_error = this.soError(afd);
        o.client_revents_before_send = this.evNow(cfd);
        // probe.c: send(MSG_NOSIGNAL) on the nonblocking client.
        o.client_send = this.rc(() => k.send(cfd, 'x', MSG_NOSIGNAL));
        this.sleep(5);
        o.client_revents_after_send = this.evNow(cfd);
        this.waitEv(afd, POLLIN, CONNECT_WAIT);
        o.accepted_recv = this.recvRc(afd, 8);
        o.accepted_send = this.sendRc(afd, 'y');
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
    v.client_revents_immediately = this.evNow(c);
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
    v.revents_immediately = this.evNow(c);
    const w = this.waitElapsed(c, POLLOUT, 500);
    v.poll_ms = w.ms;
    v.poll_revents = evstr(w.rev);
    v.so_error_1 = this.soError(c);
    v.so_error_2 = this.soError(c);
    v.connect_again_after_so_error_read = this.doConnect(c, AF_INET, null, port);
    v.so_error_after = this.soError(c);
    v.third_connect = this.doConnect(c, AF_INET, null, port);
    this.waitEv(c, POLLOUT, 500);
    v.third_connect_so_error = this.soError(c);
    k.close(c);

    c = this.client(AF_INET, port).fd;
    this.waitEv(c, POLLOUT, 500);
    v.connect_again_without_so_error_read = this.doConnect(c, AF_INET, null, port);
    v.so_error_after_that = this.soError(c);
    k.close(c);

    c = this.client(AF_INET, port).fd;
    this.waitEv(c, POLLOUT, 500);
    v.recv_after_refused = this.recvRc(c, 4);
    v.recv_after_refused_2 = this.recvRc(c, 4);
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
    v.revents_after_200ms = evstr(this.waitEv(c, POLLOUT, 200));
    v.getpeername_while_syn_sent = this.rc(() => k.getpeername(c));
    const { fd: a, rc: arc } = this.tryAcceptNb(l);
    v.accept_one = arc;
    const { ms, rev } = this.waitElapsed(c, POLLOUT, 2500);
    v.ms_after_accept_until_connected = ms;
    v.ms_since_connect_until_connected = ms < 0 ? -1 : Math.round(k.now() - t0);
    v.revents = evstr(rev);
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
    // probe.c reports poll(POLLIN)'s revents as a number (1 is POLLIN).
    v.accept4_after_bad_flags_still_queued = this.pollOne(l, POLLIN);

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
      t.waitEv(c, POLLIN, CONNECT_WAIT);
      o.client_revents = evstr(t.poll(c, POLLIN | POLLOUT | POLLRDHUP));
      o.client_recv = rawRc(t.recv(c, 4));
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
        revents: this.evNow(fds[0]),
        recv_1: this.recvRc(fds[0], 8),
        recv_2: this.recvRc(fds[0], 8),
        so_error: this.soError(fds[0]),
        send: this.sendRc(fds[0], 'x'),
      };
      v.queued_client_b = {
        so_error_first: this.soError(fds[1]),
        recv_1: this.recvRc(fds[1], 8),
        send: this.sendRc(fds[1], 'x'),
      };
    }
    if (stuck >= 0) {
      const o = {};
      o.revents_right_after_close = this.evNow(stuck);
      const { ms, rev } = this.waitElapsed(stuck, POLLOUT, 2500);
      o.ms_until_event = ms;
      o.ms_since_listener_close = ms < 0 ? -1 : Math.round(k.now() - t0);
      o.revents = evstr(rev);
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
    v.listener_revents = this.evNow(l);
    this.sleep(5);
    v.queued_client_revents = this.evNow(c);
    v.queued_client_recv = this.recvRc(c, 8);
    v.queued_client_recv_2 = this.recvRc(c, 8);
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

  /** probe.c shut_before_listen_case(): shutdown() while unconnected, then listen and a connection. */
  shutBeforeListenCase(how) {
    const k = this.k, v = {};
    const l = this.tcpSock(AF_INET);
    v.shutdown = this.rc(() => k.shutdown(l, how));
    v.bind = this.doBind(l, AF_INET, null, 0);
    v.listen = this.rc(() => k.listen(l, 4));
    v.acceptconn = this.getInt(l, SOL_SOCKET, SO_ACCEPTCONN);
    v.listener_revents = this.evNow(l);
    const c = this.client(AF_INET, this.localPort(l)).fd;
    v.client_connected = this.connectedWithin(c, CONNECT_WAIT);
    this.sleep(5);
    v.client_state = this.stateByFd(c);
    v.client_revents = this.evNow(c);
    v.listener_revents_queued = this.evNow(l);
    v.listener_so_error = this.soError(l);
    const { fd: a, rc: arc } = this.tryAcceptNb(l);
    v.accept = arc;
    v.accepted_state = this.stateByFd(a);
    v.accepted_revents = this.evNow(a);
    v.accepted_so_error = this.soError(a);
    v.accepted_recv_empty = this.recvRc(a, 8);
    v.accepted_send = this.sendRc(a, 'x');
    v.client_send = this.sendRc(c, 'ab');
    this.sleep(5);
    v.accepted_revents_after_data = this.evNow(a);
    v.accepted_recv = this.recvRc(a, 8);
    v.client_recv = this.recvRc(c, 8);
    v.client_state_at_end = this.stateByFd(c);
    k.close(a);
    k.close(c);
    k.close(l);
    return v;
  }

  shutdownBeforeListen() {
    return { shut_wr: this.shutBeforeListenCase(SHUT_WR), shut_rd: this.shutBeforeListenCase(SHUT_RD) };
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
    this.waitEv(cl, POLLIN, CONNECT_WAIT); // client sees FIN
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

    let fd = this.tcpSock(AF_INET);
    v.acceptconn_before_listen = this.getInt(fd, SOL_SOCKET, SO_ACCEPTCONN);
    v.so_error_fresh = this.soError(fd);
    v.revents_fresh_tcp = this.evNow(fd);
    v.getpeername_unconnected = this.rc(() => k.getpeername(fd));
    // The lengths getsockname() writes back: from the raw-ABI twin.
    Object.assign(v, this.twinUnboundInetNames());
    this.doBind(fd, AF_INET, null, 0);
    v.revents_bound_tcp = this.evNow(fd);
    this.rc(() => k.listen(fd, 4));
    v.acceptconn_after_listen = this.getInt(fd, SOL_SOCKET, SO_ACCEPTCONN);
    v.revents_listener_empty = this.evNow(fd);
    v.getpeername_listener = this.rc(() => k.getpeername(fd));
    {
      const c = this.client(AF_INET, this.localPort(fd)).fd;
      v.revents_client_just_connected = this.evNow(c);
      this.connectedWithin(c, CONNECT_WAIT);
      v.revents_listener_with_queued = this.evNow(fd);
      v.revents_client_connected = this.evNow(c);
      k.close(c);
    }
    k.close(fd);

    // AF_UNIX names: lengths, and autobind via bind(addrlen = sizeof(sa_family_t)),
    // which the host API cannot pass: the raw-ABI twin.
    Object.assign(v, this.twinUnixNames());

    fd = k.socket(AF_INET, SOCK_DGRAM, 0);
    v.revents_fresh_udp = this.evNow(fd);
    k.close(fd);
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
    v.revents_fresh_unix_stream = evstr(t.poll(fd, POLLIN | POLLOUT | POLLRDHUP));
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
        o.queued_client_revents_after_listener_close = this.evNow(q);
        o.queued_client_recv_1 = this.recvRc(q, 8);
        o.queued_client_recv_2 = this.recvRc(q, 8);
        o.queued_client_send = this.sendRc(q, 'x');
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
      o.listener_revents = this.evNow(l);
      o.queued_client_revents = this.evNow(q);
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
    o.client_revents_unaccepted = evstr(t.poll(c, POLLIN | POLLOUT | POLLRDHUP));
    o.client_send_unaccepted = rawRc(t.send(c, new TextEncoder().encode('hi'), MSG_NOSIGNAL));
    const peer = t.getpeername(c);
    o.client_getpeername_unaccepted = rawRc(peer.r);
    o.client_peer_is_listener_name = same(peer);
    o.client_sockname_len = t.getsockname(c).len;
    o.listener_revents = evstr(t.poll(l, POLLIN | POLLOUT | POLLRDHUP));
    const acc = t.accept(l, { flags: SOCK_NONBLOCK });
    o.accept = rawFdrc(acc.r);
    o.accept_addrlen = acc.len;
    o.getsockname_matches = same(t.getsockname(l));
    o.accepted_recv = acc.r >= 0 ? rawRc(t.recv(acc.r, 8)) : 'EBADF';
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

  dataBasic() {
    const k = this.k, v = {};
    const text = (d) => new TextDecoder().decode(d);

    // TCP: bytes both ways.
    let { c, a } = this.tcpPair();
    v.send_5 = this.sendRc(c, 'hello');
    this.waitEv(a, POLLIN, CONNECT_WAIT);
    let r = this.recvmsg(a, 64);
    v.recv = r.rc;
    v.content_equal = r.rc === 5 && text(r.data) === 'hello';
    v.recv_nothing_queued = this.recvRc(a);
    v.recv_len_0_nothing_queued = this.recvRc(a, 0);
    v.send_0_bytes = this.sendRc(c, '');
    v.server_send = this.sendRc(a, 'xyz');
    this.waitEv(c, POLLIN, CONNECT_WAIT);
    v.client_recv = this.recvRc(c);
    // A stream: two sends, one recv; a short buffer leaves the rest queued.
    this.sendRc(c, 'ab');
    this.sendRc(c, 'cd');
    v.two_sends_one_recv = this.recvRc(a);
    this.sendRc(c, '0123456789');
    v.recv_4_of_10 = this.recvRc(a, 4);
    v.recv_rest_of_10 = this.recvRc(a);
    // MSG_PEEK.
    this.sendRc(c, 'abc');
    v.recv_len_0_with_data = this.recvRc(a, 0);
    v.peek_2 = this.recvRc(a, 2, MSG_PEEK);
    v.peek_all = this.recvRc(a, 64, MSG_PEEK);
    r = this.recvmsg(a, 64);
    v.recv_after_peek = r.rc;
    v.recv_after_peek_content_equal = r.rc === 3 && text(r.data) === 'abc';
    // shutdown(SHUT_WR): queued bytes, then end of file; the other way still works.
    this.sendRc(c, 'bye');
    v.shutdown_wr = this.rc(() => k.shutdown(c, SHUT_WR));
    v.send_after_shut_wr = this.sendRc(c, 'x');
    v.send_after_shut_wr_again = this.sendRc(c, 'x');
    this.waitEv(a, POLLRDHUP, CONNECT_WAIT);
    v.peer_recv_queued_before_eof = this.recvRc(a);
    v.peer_recv_eof = this.recvRc(a);
    v.peer_recv_eof_again = this.recvRc(a);
    v.peer_send_to_half_closed = this.sendRc(a, 'back');
    this.waitEv(c, POLLIN, CONNECT_WAIT);
    v.half_closed_recv = this.recvRc(c);
    k.close(a);
    k.close(c);

    // shutdown(SHUT_RD): queued bytes stay readable, then 0; later bytes are still taken.
    ({ c, a } = this.tcpPair());
    {
      const o = {};
      this.sendRc(c, 'abc');
      o.shutdown_rd = this.rc(() => k.shutdown(a, SHUT_RD));
      o.recv_queued = this.recvRc(a);
      o.recv_after = this.recvRc(a);
      o.own_send = this.sendRc(a, 'x');
      o.peer_send = this.sendRc(c, 'y');
      this.sleep(5);
      o.recv_after_peer_send = this.recvRc(a);
      v.shut_rd = o;
    }
    k.close(a);
    k.close(c);

    // Not connected.
    let s = this.tcpSock(AF_INET);
    v.send_unconnected_tcp = this.sendRc(s, 'x');
    v.recv_unconnected_tcp = this.recvRc(s);
    this.doBind(s, AF_INET, null, 0);
    v.send_bound_tcp = this.sendRc(s, 'x');
    v.recv_bound_tcp = this.recvRc(s);
    k.listen(s, 4);
    v.send_listener = this.sendRc(s, 'x');
    v.recv_listener = this.recvRc(s);
    k.close(s);
    s = k.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    v.send_unconnected_unix_stream = this.sendRc(s, 'x');
    v.recv_unconnected_unix_stream = this.recvRc(s);
    k.close(s);
    s = k.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);
    v.send_unconnected_unix_seqpacket = this.sendRc(s, 'x');
    v.recv_unconnected_unix_seqpacket = this.recvRc(s);
    k.close(s);
    for (const [type, key] of [[SOCK_STREAM, 'unix_stream'], [SOCK_SEQPACKET, 'unix_seqpacket']]) {
      s = k.socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
      this.ubind(s, this.unixPath(true));
      k.listen(s, 4);
      v[`send_${key}_listener`] = this.sendRc(s, 'x');
      v[`recv_${key}_listener`] = this.recvRc(s);
      k.close(s);
    }

    // AF_UNIX stream: bytes, then the peer closes.
    {
      const o = {};
      ({ c, a } = this.unixPair(SOCK_STREAM));
      o.send_5 = this.sendRc(c, 'hello');
      r = this.recvmsg(a, 64);
      o.recv = r.rc;
      o.content_equal = r.rc === 5 && text(r.data) === 'hello';
      o.recv_nothing_queued = this.recvRc(a);
      this.sendRc(c, 'bye');
      k.close(c);
      o.recv_after_peer_close = this.recvRc(a);
      o.recv_eof = this.recvRc(a);
      o.send_after_peer_close = this.sendRc(a, 'x');
      o.send_after_peer_close_again = this.sendRc(a, 'x');
      k.close(a);
      v.unix_stream = o;
    }

    // AF_UNIX stream: the peer closes with bytes it did not read.
    {
      const o = {};
      ({ c, a } = this.unixPair(SOCK_STREAM));
      this.sendRc(a, 'unread');
      k.close(c);
      o.send_1 = this.sendRc(a, 'x');
      o.send_2 = this.sendRc(a, 'x');
      o.recv_1 = this.recvRc(a);
      o.recv_2 = this.recvRc(a);
      k.close(a);
      v.unix_stream_unread_close = o;
    }
    return v;
  }

  dataClose() {
    const k = this.k, v = {};
    let c, a, cp, sp;
    const pair = () => {
      ({ c, a } = this.tcpPair());
      cp = this.localPort(c);
      sp = this.localPort(a);
    };

    // (a) The client closes with bytes it did not read: a reset.
    {
      const o = {};
      pair();
      this.sendRc(a, 'x');
      this.waitEv(c, POLLIN, CONNECT_WAIT);
      k.close(c);
      this.waitEv(a, 0, CONNECT_WAIT);
      o.server_state = this.stateByFd(a);
      o.client_state = this.stateByPorts(cp, sp);
      o.server_send_1 = this.sendRc(a, 'y');
      o.server_send_2 = this.sendRc(a, 'y');
      o.server_recv = this.recvRc(a);
      k.close(a);
      v.unread_close = o;
    }
    {
      const o = {};
      pair();
      this.sendRc(a, 'x');
      this.waitEv(c, POLLIN, CONNECT_WAIT);
      k.close(c);
      this.waitEv(a, 0, CONNECT_WAIT);
      o.server_recv_1 = this.recvRc(a);
      o.server_recv_2 = this.recvRc(a);
      o.server_send = this.sendRc(a, 'y');
      k.close(a);
      v.unread_close_recv_first = o;
    }

    // (b) The client closes with nothing unread: FIN; the server (CLOSE_WAIT) writes to
    // an orphan, which answers with a reset.
    {
      const o = {};
      pair();
      k.close(c);
      this.waitEv(a, POLLRDHUP, CONNECT_WAIT);
      o.server_state = this.stateByFd(a);
      const st = this.settled(() => this.stateByPorts(cp, sp));
      o.client_state = st.state;
      o.client_fin_wait_1_ms = st.ms;
      o.server_send_1 = this.sendRc(a, 'y');
      this.waitEv(a, 0, CONNECT_WAIT);
      o.server_state_after_send = this.stateByFd(a);
      o.client_state_after_send = this.stateByPorts(cp, sp);
      o.server_send_2 = this.sendRc(a, 'y');
      o.server_send_3 = this.sendRc(a, 'y');
      o.server_recv_1 = this.recvRc(a);
      o.server_recv_2 = this.recvRc(a);
      k.close(a);
      v.graceful_close = o;
    }
    {
      const o = {};
      pair();
      k.close(c);
      this.waitEv(a, POLLRDHUP, CONNECT_WAIT);
      o.server_send_1 = this.sendRc(a, 'y');
      this.waitEv(a, 0, CONNECT_WAIT);
      o.server_recv_1 = this.recvRc(a);
      o.server_recv_2 = this.recvRc(a);
      o.server_send_2 = this.sendRc(a, 'y');
      o.server_so_error = this.soError(a);
      k.close(a);
      v.graceful_close_recv_first = o;
    }

    // (c) SO_LINGER {1, 0}: close() resets.
    {
      const o = {};
      pair();
      o.setsockopt = this.rc(() => k.setsockopt(c, SOL_SOCKET, SO_LINGER, { onoff: 1, linger: 0 }));
      k.close(c);
      this.waitEv(a, 0, CONNECT_WAIT);
      o.closer_state = this.stateByPorts(cp, sp);
      o.peer_state = this.stateByFd(a);
      o.peer_recv_1 = this.recvRc(a);
      o.peer_recv_2 = this.recvRc(a);
      o.peer_send = this.sendRc(a, 'y');
      k.close(a);
      v.linger_0 = o;
    }
    {
      const o = {};
      pair();
      this.sendRc(c, 'abc');
      this.waitEv(a, POLLIN, CONNECT_WAIT);
      k.setsockopt(c, SOL_SOCKET, SO_LINGER, { onoff: 1, linger: 0 });
      k.close(c);
      this.waitEv(a, 0, CONNECT_WAIT);
      o.peer_recv_1 = this.recvRc(a);
      o.peer_recv_2 = this.recvRc(a);
      o.peer_recv_3 = this.recvRc(a);
      k.close(a);
      v.linger_0_after_send = o;
    }

    // SO_LINGER as getsockopt reads it back: struct linger is two ints, which the host
    // API's getsockopt (one int) cannot return, so the raw-ABI twin asks.
    v.so_linger_getsockopt = this.twinLinger();

    // (d) States: the server closes first and keeps the TIME_WAIT.
    {
      const o = {};
      pair();
      k.close(a);
      this.waitEv(c, POLLRDHUP, CONNECT_WAIT);
      const st = this.settled(() => this.stateByPorts(sp, cp));
      o.server_after_server_close = st.state;
      o.server_fin_wait_1_ms = st.ms;
      o.client_after_server_close = this.stateByFd(c);
      o.client_recv = this.recvRc(c);
      k.close(c);
      this.sleep(5);
      o.server_after_client_close = this.stateByPorts(sp, cp);
      o.client_after_client_close = this.stateByPorts(cp, sp);
      v.server_closes_first = o;
    }
    // The client writes to the server's orphan instead: a reset, no TIME_WAIT.
    {
      const o = {};
      pair();
      k.close(a);
      this.waitEv(c, POLLRDHUP, CONNECT_WAIT);
      o.client_send_1 = this.sendRc(c, 'x');
      this.waitEv(c, POLLHUP, CONNECT_WAIT);
      o.server_state = this.stateByPorts(sp, cp);
      o.client_state = this.stateByFd(c);
      o.client_recv = this.recvRc(c);
      o.client_send_2 = this.sendRc(c, 'x');
      k.close(c);
      v.client_writes_after_server_close = o;
    }
    // The client half-closes first, then both close: the client keeps the TIME_WAIT.
    {
      const o = {};
      pair();
      k.shutdown(c, SHUT_WR);
      this.waitEv(a, POLLRDHUP, CONNECT_WAIT);
      const st = this.settled(() => this.stateByFd(c));
      o.client_after_shut_wr = st.state;
      o.client_fin_wait_1_ms = st.ms;
      o.server_after_shut_wr = this.stateByFd(a);
      k.close(a);
      this.waitEv(c, POLLHUP, CONNECT_WAIT);
      o.client_after_server_close = this.stateByFd(c);
      o.server_after_server_close = this.stateByPorts(sp, cp);
      o.client_recv = this.recvRc(c);
      k.close(c);
      o.client_after_client_close = this.stateByPorts(cp, sp);
      v.client_shut_wr_then_both_close = o;
    }
    return v;
  }

  /** probe.c's so_linger_getsockopt on the raw-ABI twin (struct linger, two ints). */
  twinLinger() {
    const t = this.twin, o = {};
    const linger = (onoff, secs) => {
      const b = new Uint8Array(8), dv = new DataView(b.buffer);
      dv.setInt32(0, onoff, true);
      dv.setInt32(4, secs, true);
      return b;
    };
    const fd = t.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    const read = () => {
      const g = t.getsockopt(fd, SOL_SOCKET, SO_LINGER, 8);
      const dv = new DataView(g.bytes.buffer);
      return { onoff: dv.getInt32(0, true), linger: dv.getInt32(4, true), len: g.len };
    };
    let g = read();
    o.default_onoff = g.onoff;
    o.default_linger = g.linger;
    o.default_len = g.len;
    t.setsockopt(fd, SOL_SOCKET, SO_LINGER, linger(1, 5));
    g = read();
    o.after_1_5_onoff = g.onoff;
    o.after_1_5_linger = g.linger;
    t.setsockopt(fd, SOL_SOCKET, SO_LINGER, linger(1, 0));
    g = read();
    o.after_1_0_onoff = g.onoff;
    o.after_1_0_linger = g.linger;
    o.set_short_optlen_4 = rawRc(t.setsockopt(fd, SOL_SOCKET, SO_LINGER, linger(1, 0).subarray(0, 4)));
    t.close(fd);
    return o;
  }

  dataPoll() {
    const k = this.k, v = {};
    let { c, a } = this.tcpPair();
    v.tcp_connected_idle = this.evNow(c);
    this.sendRc(a, 'x');
    this.waitEv(c, POLLIN, CONNECT_WAIT);
    v.tcp_after_peer_sent_1_byte = this.evNow(c);
    this.recvRc(c, 8);
    v.tcp_after_reading_it = this.evNow(c);
    this.sendRc(a, 'y');
    k.shutdown(a, SHUT_WR);
    this.waitEv(c, POLLRDHUP, CONNECT_WAIT);
    v.tcp_after_peer_shut_wr_data_unread = this.evNow(c);
    this.recvRc(c, 8);
    v.tcp_after_peer_shut_wr_data_read = this.evNow(c);
    v.tcp_peer_after_own_shut_wr = this.evNow(a);
    k.shutdown(c, SHUT_WR);
    this.waitEv(a, POLLRDHUP, CONNECT_WAIT);
    v.tcp_after_both_shut_wr = this.evNow(c);
    k.close(a);
    k.close(c);

    ({ c, a } = this.tcpPair());
    k.shutdown(c, SHUT_RD);
    v.tcp_after_own_shut_rd = this.evNow(c);
    k.close(a);
    k.close(c);

    ({ c, a } = this.tcpPair());
    k.setsockopt(a, SOL_SOCKET, SO_LINGER, { onoff: 1, linger: 0 });
    k.close(a);
    this.waitEv(c, 0, CONNECT_WAIT);
    v.tcp_after_peer_reset = this.evNow(c);
    v.tcp_after_peer_reset_events_0 = evstr(this.waitEv(c, 0, 0));
    this.recvRc(c, 8);
    v.tcp_after_peer_reset_error_read = this.evNow(c);
    k.close(c);

    ({ c, a } = this.tcpPair());
    k.close(c);
    this.waitEv(a, POLLRDHUP, CONNECT_WAIT);
    v.tcp_after_peer_close = this.evNow(a);
    k.close(a);

    // A sender that met EAGAIN; the byte count depends on Linux autotuning
    // (tests/linux/known-differences.json).
    {
      const o = {}, chunk = new Uint8Array(65536);
      ({ c, a } = this.tcpPair());
      let total = 0, r = 0;
      while (total < 64 * 1024 * 1024) {
        r = this.sendRc(c, chunk);
        if (typeof r !== 'number') break;
        total += r;
      }
      o.bytes_until_eagain = total;
      o.stopped_by = r;
      o.sender_revents = this.evNow(c);
      o.receiver_revents = this.evNow(a);
      k.close(c);
      k.close(a);
      v.tcp_fill = o;
    }

    // UDP.
    {
      const r = this.udpSock(AF_INET);
      let s = this.udpSock(AF_INET);
      this.doBind(r, AF_INET, null, 0);
      v.udp_bound_idle = this.evNow(r);
      this.sendtoPort(s, AF_INET, 'd', this.localPort(r));
      this.waitEv(r, POLLIN, CONNECT_WAIT);
      v.udp_datagram_queued = this.evNow(r);
      this.recvRc(r, 8);
      v.udp_after_reading_it = this.evNow(r);
      v.udp_sender = this.evNow(s);
      k.close(s);
      s = this.udpSock(AF_INET);
      this.doConnect(s, AF_INET, null, this.closedUdpPort(AF_INET));
      this.sendRc(s, 'x');
      this.waitEv(s, 0, CONNECT_WAIT);
      v.udp_connected_after_icmp = this.evNow(s);
      this.recvRc(s, 8);
      v.udp_connected_after_error_read = this.evNow(s);
      k.close(s);
      k.close(r);
    }

    // AF_UNIX stream and seqpacket senders that met EAGAIN: not writable until the receiver reads.
    for (const [key, type] of [['unix_stream_fill', SOCK_STREAM], ['unix_seqpacket_fill', SOCK_SEQPACKET]]) {
      const o = {}, chunk = new Uint8Array(type === SOCK_STREAM ? 65536 : 1024);
      ({ c, a } = this.unixPair(type));
      let r = 0;
      for (let n = 0; n < 100000; n++) {
        r = this.sendRc(c, chunk);
        if (typeof r !== 'number') break;
      }
      o.stopped_by = r;
      o.sender_revents = this.evNow(c);
      while (this.recvRc(a, 256) > 0);
      o.sender_revents_after_receiver_drained = this.evNow(c);
      k.close(c);
      k.close(a);
      v[key] = o;
    }

    // AF_UNIX.
    ({ c, a } = this.unixPair(SOCK_STREAM));
    v.unix_stream_idle = this.evNow(c);
    this.sendRc(a, 'x');
    v.unix_stream_after_peer_sent_1_byte = this.evNow(c);
    k.shutdown(a, SHUT_WR);
    v.unix_stream_after_peer_shut_wr = this.evNow(c);
    k.close(a);
    v.unix_stream_after_peer_close_data_unread = this.evNow(c);
    this.recvRc(c, 8);
    v.unix_stream_after_peer_close_data_read = this.evNow(c);
    k.close(c);

    ({ c, a } = this.unixPair(SOCK_STREAM));
    this.sendRc(a, 'x');
    k.close(c);
    v.unix_stream_after_peer_closed_unread = this.evNow(a);
    k.close(a);

    ({ c, a } = this.unixPair(SOCK_SEQPACKET));
    v.unix_seqpacket_idle = this.evNow(c);
    this.sendRc(a, 'm');
    v.unix_seqpacket_message_queued = this.evNow(c);
    k.close(a);
    this.recvRc(c, 8);
    v.unix_seqpacket_after_peer_close = this.evNow(c);
    k.close(c);

    {
      const name = this.unixPath(true);
      const r = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
      const s = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
      this.ubind(r, name);
      v.unix_dgram_bound_idle = this.evNow(r);
      this.usendto(s, 'd', name);
      v.unix_dgram_queued = this.evNow(r);
      v.unix_dgram_unconnected_sender = this.evNow(s);
      this.uconnect(s, name);
      for (let n = 0; n < CAP * 25 && typeof this.sendRc(s, 'd') === 'number'; n++);
      v.unix_dgram_connected_sender_peer_full = this.evNow(s);
      // epoll on the full sender: the receiver's read relays EPOLLOUT (unix_dgram_peer_wake_relay).
      const ep = k.epollCreate();
      k.epollCtl(ep, EPOLL_CTL_ADD, s, EPOLLIN | EPOLLOUT, s);
      v.unix_dgram_full_sender_epoll_ready = k.epollWait(ep, 1).length;
      this.recvRc(r, 8);
      const got = k.epollWait(ep, 1);
      v.unix_dgram_full_sender_epoll_ready_after_peer_read = got.length;
      v.unix_dgram_full_sender_epoll_events_after_peer_read = evstr(got.length ? got[0].events : 0);
      k.close(ep);
      k.close(r);
      v.unix_dgram_connected_sender_peer_closed = this.evNow(s);
      k.close(s);
    }

    // A descriptor number that is not open.
    const t = k.socket(AF_INET, SOCK_STREAM, 0);
    k.close(t);
    v.closed_fd = this.evNow(t);
    return v;
  }

  dataSeqpacket() {
    const k = this.k, v = {};
    const text = (d) => new TextDecoder().decode(d);
    let { c, a } = this.unixPair(SOCK_SEQPACKET);
    v.send_first = this.sendRc(c, 'first');
    v.send_second = this.sendRc(c, 'second message');
    v.send_third = this.sendRc(c, 'third');
    let r = this.recvmsg(a, 6);
    v.recv_6_first = { result: r.rc, msg_trunc: r.trunc };
    r = this.recvmsg(a, 6);
    v.recv_6_second_message = { result: r.rc, msg_trunc: r.trunc, content_is_second: r.rc === 6 && text(r.data) === 'second' };
    r = this.recvmsg(a, 64);
    v.next_recv = { result: r.rc, msg_trunc: r.trunc, content_is_third: r.rc === 5 && text(r.data) === 'third' };
    v.send_12 = this.sendRc(c, 'twelve bytes');
    r = this.recvmsg(a, 3, MSG_TRUNC);
    v.recv_3_of_12_flag_MSG_TRUNC = { result: r.rc, msg_trunc: r.trunc };
    v.recv_nothing_queued = this.recvRc(a);

    this.sendRc(c, 'peekaboo');
    r = this.recvmsg(a, 4, MSG_PEEK);
    v.peek_4_of_8 = { result: r.rc, msg_trunc: r.trunc };
    v.recv_after_peek = this.recvRc(a);

    v.send_empty = this.sendRc(c, '');
    v.recv_empty_message = this.recvRc(a);
    v.recv_after_empty_message = this.recvRc(a);

    v.send_sndbuf_minus_32 = this.sendRc(c, new Uint8Array(212992 - 32));
    v.send_sndbuf_minus_31 = this.sendRc(c, new Uint8Array(212992 - 31));
    v.recv_big_with_64_byte_buffer = this.recvRc(a);

    this.sendRc(c, 'last');
    k.close(c);
    v.recv_after_peer_close = this.recvRc(a);
    v.recv_eof = this.recvRc(a);
    v.send_after_peer_close = this.sendRc(a, 'x');
    k.close(a);
    return v;
  }

  dataUdp() {
    const k = this.k, v = {};
    const big = new Uint8Array(65536);
    let s = this.udpSock(AF_INET);
    v.send_unconnected_no_addr = this.sendRc(s, 'x');
    v.recv_unbound = this.recvRc(s);
    let port = this.closedUdpPort(AF_INET);
    v.sendto_port_0 = this.sendtoPort(s, AF_INET, 'x', 0);
    v.sendto_65508_closed_port = this.sendtoPort(s, AF_INET, big.subarray(0, 65508), port);
    v.sendto_65507_closed_port = this.sendtoPort(s, AF_INET, big.subarray(0, 65507), port);
    v.sendto_0_bytes_closed_port = this.sendtoPort(s, AF_INET, big.subarray(0, 0), port);
    this.sleep(5);
    v.unconnected_so_error_after_icmp = this.soError(s);
    v.unconnected_send_after_icmp = this.sendtoPort(s, AF_INET, 'x', port);
    k.close(s);

    s = this.udpSock(AF_INET6);
    port = this.closedUdpPort(AF_INET6);
    v.udp6_sendto_65528_closed_port = this.sendtoPort(s, AF_INET6, big.subarray(0, 65528), port);
    v.udp6_sendto_65527_closed_port = this.sendtoPort(s, AF_INET6, big.subarray(0, 65527), port);
    k.close(s);

    // Connected to a closed port: ICMP port unreachable -> ECONNREFUSED, once. Linux
    // reports it when the ICMP message arrives; here it is known at once.
    {
      const o = {};
      s = this.udpSock(AF_INET);
      o.connect = this.doConnect(s, AF_INET, null, this.closedUdpPort(AF_INET));
      o.send_1 = this.sendRc(s, 'a');
      this.waitEv(s, 0, CONNECT_WAIT);
      o.send_2 = this.sendRc(s, 'b');
      o.send_3 = this.sendRc(s, 'c');
      this.waitEv(s, 0, CONNECT_WAIT);
      o.recv_after_icmp = this.recvRc(s);
      o.recv_again = this.recvRc(s);
      o.so_error_after = this.soError(s);
      k.close(s);
      v.connected_closed_port = o;
    }

    // The source address recvfrom() reports.
    const r = this.udpSock(AF_INET);
    this.doBind(r, AF_INET, null, 0);
    const rport = this.localPort(r);
    s = this.udpSock(AF_INET);
    v.sendto_receiver = this.sendtoPort(s, AF_INET, 'hello', rport);
    this.waitEv(r, POLLIN, CONNECT_WAIT);
    let m = this.recvmsg(r, 64);
    v.recvfrom = m.rc;
    v.recvfrom_content_equal = m.rc === 5 && new TextDecoder().decode(m.data) === 'hello';
    v.recvfrom_source_family_inet = m.address?.family === 'IPv4';
    v.recvfrom_source_ip = m.address?.family === 'IPv4' ? m.address.address : '0.0.0.0';
    v.recvfrom_source_port_is_sender_sockname = m.address?.port === this.localPort(s);

    // Boundaries, truncation, empty datagrams.
    this.sendtoPort(s, AF_INET, 'ab', rport);
    this.sendtoPort(s, AF_INET, 'cd', rport);
    this.waitEv(r, POLLIN, CONNECT_WAIT);
    this.sleep(1);
    v.two_datagrams_first_recv = this.recvRc(r);
    v.two_datagrams_second_recv = this.recvRc(r);
    this.sendtoPort(s, AF_INET, '0123456789', rport);
    this.waitEv(r, POLLIN, CONNECT_WAIT);
    m = this.recvmsg(r, 4);
    v.recv_4_of_10 = { result: m.rc, msg_trunc: m.trunc };
    v.recv_after_truncated = this.recvRc(r);
    this.sendtoPort(s, AF_INET, '0123456789', rport);
    this.waitEv(r, POLLIN, CONNECT_WAIT);
    m = this.recvmsg(r, 4, MSG_TRUNC);
    v.recv_4_of_10_flag_MSG_TRUNC = { result: m.rc, msg_trunc: m.trunc };
    v.sendto_empty = this.sendtoPort(s, AF_INET, '', rport);
    this.waitEv(r, POLLIN, CONNECT_WAIT);
    v.recv_empty_datagram = this.recvRc(r);
    v.recv_nothing_queued = this.recvRc(r);
    k.close(s);
    k.close(r);
    return v;
  }

  dataUnixDgram() {
    const k = this.k, v = {};
    // max_dgram_qlen is OMITTED: the kernel's limit is a constant, not a tunable.

    // An unconnected, unbound sender.
    let r = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    let name = this.unixPath(true);
    this.ubind(r, name);
    let s = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    let n = 0, rc = 0;
    for (; n < CAP * 25; n++) {
      rc = this.usendto(s, 'abcd', name);
      if (typeof rc !== 'number') break;
    }
    v.unconnected_sent_until_error = n;
    v.unconnected_stopped_by = rc;
    let m = this.recvmsg(r, 64);
    v.recvfrom = m.rc;
    v.recvfrom_source_addrlen = this.unixAddrLen(m.address);
    v.sendto_after_one_read = this.usendto(s, 'abcd', name);
    v.sendto_full_again = this.usendto(s, 'abcd', name);
    k.close(s);
    v.recv_after_sender_closed = this.recvRc(r);
    k.close(r);

    // A connected sender closes: the receiver is not shut down (unix_release_sock).
    r = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    name = this.unixPath(true);
    this.ubind(r, name);
    s = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    this.uconnect(s, name);
    k.close(s);
    v.recv_after_connected_sender_closed = this.recvRc(r);
    v.receiver_revents_after_connected_sender_closed = this.evNow(r);
    k.close(r);

    // A receiver connected to another socket refuses a third sender (unix_may_send).
    r = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    name = this.unixPath(true);
    this.ubind(r, name);
    s = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    const peerName = this.unixPath(true);
    this.ubind(s, peerName);
    this.uconnect(r, peerName);
    const third = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    v.sendto_receiver_connected_elsewhere = this.usendto(third, 'abcd', name);
    v.sendto_receiver_connected_to_sender = this.usendto(s, 'abcd', name);
    k.close(third);
    k.close(s);
    k.close(r);

    // A connected, bound sender.
    r = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    name = this.unixPath(true);
    this.ubind(r, name);
    s = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    const sname = this.unixPath(true);
    this.ubind(s, sname);
    v.connect = this.uconnect(s, name);
    for (n = 0; n < CAP * 25; n++) {
      rc = this.sendRc(s, 'abcd');
      if (typeof rc !== 'number') break;
    }
    v.connected_sent_until_error = n;
    v.connected_stopped_by = rc;
    const b = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    v.third_party_sendto_full_receiver = this.usendto(b, 'abcd', name);
    m = this.recvmsg(r, 64);
    v.connected_recvfrom = m.rc;
    v.recvfrom_source_is_sender_name = m.address?.path === sname;
    // The receiver goes away.
    k.close(r);
    v.connected_send_after_receiver_closed = this.sendRc(s, 'x');
    v.connected_send_after_receiver_closed_again = this.sendRc(s, 'x');
    v.sendto_closed_abstract_name = this.usendto(b, 'x', name);
    k.close(b);
    k.close(s);

    // Names that lead nowhere.
    s = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    v.send_unconnected = this.sendRc(s, 'x');
    v.recv_unbound = this.recvRc(s);
    v.sendto_missing_path = this.usendto(s, 'x', this.unixPath(false));
    name = this.unixPath(true);
    v.sendto_missing_abstract = this.usendto(s, 'x', name);
    v.sendto_sndbuf_minus_31_missing_abstract = this.usendto(s, new Uint8Array(212992 - 31), name);
    const l = k.socket(AF_UNIX, SOCK_STREAM, 0);
    const path = this.unixPath(false);
    this.ubind(l, path);
    k.listen(l, 1);
    v.sendto_stream_listener_path = this.usendto(s, 'x', path);
    k.close(l);
    v.sendto_stale_path = this.usendto(s, 'x', path);
    k.unlink(path);
    k.close(s);
    return v;
  }

  dataBuffers() {
    const k = this.k, v = {};
    const sizes = (fd) => ({
      SO_SNDBUF: this.getInt(fd, SOL_SOCKET, SO_SNDBUF),
      SO_RCVBUF: this.getInt(fd, SOL_SOCKET, SO_RCVBUF),
    });
    const fresh = (d, t) => {
      const fd = k.socket(d, t, 0);
      const o = sizes(fd);
      k.close(fd);
      return o;
    };
    /** probe.c buf_set(): setsockopt(opt, value), then getsockopt(opt). */
    const set = (fd, opt, value) => {
      this.rc(() => k.setsockopt(fd, SOL_SOCKET, opt, value));
      return this.getInt(fd, SOL_SOCKET, opt);
    };
    v.tcp_fresh = fresh(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    v.tcp6_fresh = fresh(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK);
    v.udp_fresh = fresh(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
    v.unix_stream_fresh = fresh(AF_UNIX, SOCK_STREAM);
    v.unix_seqpacket_fresh = fresh(AF_UNIX, SOCK_SEQPACKET);
    v.unix_dgram_fresh = fresh(AF_UNIX, SOCK_DGRAM);
    let { c, a } = this.tcpPair();
    v.tcp_connected_client = sizes(c);
    v.tcp_accepted = sizes(a);
    k.close(c);
    k.close(a);
    ({ c, a } = this.unixPair(SOCK_STREAM));
    v.unix_stream_connected_client = sizes(c);
    v.unix_stream_accepted = sizes(a);
    k.close(c);
    k.close(a);

    {
      const fd = this.tcpSock(AF_INET), o = {};
      o.rcvbuf_10000 = set(fd, SO_RCVBUF, 10000);
      o.sndbuf_10000 = set(fd, SO_SNDBUF, 10000);
      o.rcvbuf_1 = set(fd, SO_RCVBUF, 1);
      o.sndbuf_1 = set(fd, SO_SNDBUF, 1);
      o.rcvbuf_0 = set(fd, SO_RCVBUF, 0);
      o.sndbuf_0 = set(fd, SO_SNDBUF, 0);
      o['rcvbuf_-1'] = set(fd, SO_RCVBUF, -1);
      o['sndbuf_-1'] = set(fd, SO_SNDBUF, -1);
      o.rcvbuf_1G = set(fd, SO_RCVBUF, 1 << 30);
      o.sndbuf_1G = set(fd, SO_SNDBUF, 1 << 30);
      // A 2-byte option value: only the raw-ABI twin can pass one.
      o.set_rcvbuf_optlen_2 = this.twinShortRcvbuf();
      k.close(fd);
      v.tcp_set = o;
    }
    {
      const fd = this.udpSock(AF_INET);
      v.udp_set = { rcvbuf_10000: set(fd, SO_RCVBUF, 10000), sndbuf_1: set(fd, SO_SNDBUF, 1) };
      k.close(fd);
    }
    {
      const fd = k.socket(AF_UNIX, SOCK_STREAM, 0);
      v.unix_stream_set = { rcvbuf_10000: set(fd, SO_RCVBUF, 10000), sndbuf_1: set(fd, SO_SNDBUF, 1) };
      k.close(fd);
    }

    // Set before connect() / listen(): kept, and copied to accepted sockets.
    const l = this.tcpSock(AF_INET);
    k.setsockopt(l, SOL_SOCKET, SO_RCVBUF, 10000);
    k.setsockopt(l, SOL_SOCKET, SO_SNDBUF, 10000);
    this.doBind(l, AF_INET, null, 0);
    k.listen(l, 4);
    v.listener_set_10000 = sizes(l);
    c = this.tcpSock(AF_INET);
    k.setsockopt(c, SOL_SOCKET, SO_SNDBUF, 10000);
    this.doConnect(c, AF_INET, null, this.localPort(l));
    this.connectedWithin(c, CONNECT_WAIT);
    v.client_set_sndbuf_10000_connected = sizes(c);
    a = this.acceptNb(l);
    v.accepted_from_listener_set_10000 = sizes(a);
    k.close(a);
    k.close(c);
    k.close(l);
    return v;
  }

  /** setsockopt(SO_RCVBUF) with a 2-byte value, on the raw-ABI twin. */
  twinShortRcvbuf() {
    const t = this.twin;
    const fd = t.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    const r = rawRc(t.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, new Uint8Array([100, 0])));
    t.close(fd);
    return r;
  }

  /**
   * probe.c fact_deferred_accept(): TCP_DEFER_ACCEPT's rounding, a connection held
   * back until its first data, and one released by the SYN-ACK resent when the
   * deferral ends. The kernel's TCPDeferAcceptDrop counter has no Linux
   * counterpart probe.c reads, so it is not reported.
   */
  deferredAccept() {
    const k = this.k, v = {};
    const setDefer = (fd, secs) => this.rc(() => k.setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, secs));
    const acceptAndClose = (l) => {
      const { fd, rc } = this.tryAcceptNb(l);
      if (fd >= 0) k.close(fd);
      return rc;
    };

    // setsockopt(n), then getsockopt(): the value the kernel keeps.
    let l = this.listener(AF_INET, 8);
    v.getsockopt_after_set = {};
    for (const secs of [0, 1, 2, 5, 30]) {
      const rc = setDefer(l, secs);
      v.getsockopt_after_set[`set_${secs}`] = typeof rc === 'number' ? this.getInt(l, IPPROTO_TCP, TCP_DEFER_ACCEPT) : rc;
    }
    k.close(l);

    // 5 s (7 after rounding): the client's first data releases the connection.
    {
      const o = {};
      l = this.listener(AF_INET, 8);
      o.setsockopt_5 = setDefer(l, 5);
      const { fd: c, rc } = this.client(AF_INET, this.localPort(l));
      o.connect = rc;
      o.client_connected = this.connectedWithin(c, CONNECT_WAIT);
      o.accept_before_data = acceptAndClose(l);
      o.client_send_1 = this.sendRc(c, 'x');
      o.listener_revents = evstr(this.waitEv(l, POLLIN, 200));
      const a = this.tryAcceptNb(l);
      o.accept_after_data = a.rc;
      o.recv_accepted = a.fd >= 0 ? this.recvRc(a.fd, 64) : 'EBADF';
      if (a.fd >= 0) k.close(a.fd);
      k.close(c);
      k.close(l);
      v.data_before_deferral_ends = o;
    }

    // 1 s: no data; the SYN-ACK resent after 1 s is answered and completes it.
    // Simulated ms since connect(), moved timer by timer (waitElapsed).
    {
      const o = {};
      l = this.listener(AF_INET, 8);
      o.setsockopt_1 = setDefer(l, 1);
      const t0 = k.now();
      const { fd: c, rc } = this.client(AF_INET, this.localPort(l));
      o.connect = rc;
      o.client_connected = this.connectedWithin(c, CONNECT_WAIT);
      o.accept_after_handshake = acceptAndClose(l);
      const w = this.waitElapsed(l, POLLIN, 3000);
      o.ms_since_connect_until_readable = w.ms < 0 ? -1 : Math.round(k.now() - t0);
      o.listener_revents = evstr(w.rev);
      const a = this.tryAcceptNb(l);
      o.accept = a.rc;
      o.recv_accepted = a.fd >= 0 ? this.recvRc(a.fd, 64) : 'EBADF';
      if (a.fd >= 0) k.close(a.fd);
      k.close(c);
      k.close(l);
      v.no_data = o;
    }
    return v;
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
      // The tunable is kept in microseconds; /proc shows seconds.
      tcp_fin_timeout: k.sysctl('tcpFinTimeoutUs') / 1_000_000,
      tcp_tw_reuse: k.sysctl('tcpTwReuse'),
      tcp_tw_reuse_delay: k.sysctl('tcpTwReuseDelayMs'),
    };
  }

  // -- TCP_USER_TIMEOUT (probe.c fact_user_timeout) ---------------------------------------

  userTimeout() {
    const k = this.k, v = {};
    const set = (fd, ms) => this.rc(() => k.setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, ms));
    const get = (fd) => this.getInt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT);
    let c = this.tcpSock(AF_INET);
    const o = { default: get(c) };
    for (const [name, ms] of [['500', 500], ['minus_1', -1], ['int_max', 0x7fffffff], ['0', 0]]) {
      o[`set_${name}`] = set(c, ms);
      o[`after_${name}`] = get(c);
    }
    k.close(c);
    v.sockopt = o;

    let l = this.listener(AF_INET, 4);
    set(l, 750);
    c = this.client(AF_INET, this.localPort(l)).fd;
    const inherited = { client_connected: this.connectedWithin(c, CONNECT_WAIT) };
    const a = this.rc(() => this.acceptNb(l));
    inherited.accepted = typeof a === 'number' ? get(a) : -1;
    inherited.client = get(c);
    if (typeof a === 'number') k.close(a);
    k.close(c);
    k.close(l);
    v.inherited = inherited;

    l = this.listener(AF_INET, 0);
    const { fds, stuck } = this.fill(AF_INET, this.localPort(l), CAP);
    if (stuck >= 0) k.close(stuck);
    c = this.tcpSock(AF_INET);
    const syn = { setsockopt: set(c, 500) };
    const t0 = k.now();
    syn.connect = this.doConnect(c, AF_INET, null, this.localPort(l));
    const { ms, rev } = this.waitElapsed(c, POLLOUT, 3000);
    syn.ms_until_event = ms < 0 ? -1 : Math.round(k.now() - t0);
    syn.revents = evstr(rev);
    syn.so_error = this.soError(c);
    k.close(c);
    this.closeAll(fds);
    k.close(l);
    v.syn_sent_500 = syn;
    return v;
  }

  // -- tcp_tw_reuse (probe.c fact_tw_reuse) ---------------------------------------------

  /**
   * probe.c tw_client(): a client connecting to port `lport`. port > 0: its source port
   * comes from [port, port] -- probe.c sets IP_LOCAL_PORT_RANGE on the socket; the kernel
   * has no per-socket range, so the kernel-wide ip_local_port_range is narrowed for this
   * connect() and put back after. port < 0: bind(127.0.0.1:-port) with SO_REUSEADDR.
   * Returns { fd, rc }.
   */
  twClient(port, lport) {
    const k = this.k;
    const fd = k.socket(AF_INET, SOCK_STREAM);
    if (port < 0) {
      k.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
      const rc = this.rc(() => k.bind(fd, { address: '127.0.0.1', port: -port }));
      if (rc !== 0) return { fd, rc };
      return { fd, rc: this.rc(() => k.connect(fd, { address: '127.0.0.1', port: lport })) };
    }
    const low = k.sysctl('ipLocalPortRangeLow'), high = k.sysctl('ipLocalPortRangeHigh');
    const setRange = (lo, hi) => {
      // low <= high holds after each step (the kernel refuses anything else)
      if (lo > k.sysctl('ipLocalPortRangeHigh')) { k.setSysctl('ipLocalPortRangeHigh', hi); k.setSysctl('ipLocalPortRangeLow', lo); }
      else { k.setSysctl('ipLocalPortRangeLow', lo); k.setSysctl('ipLocalPortRangeHigh', hi); }
    };
    setRange(port, port);
    try {
      return { fd, rc: this.rc(() => k.connect(fd, { address: '127.0.0.1', port: lport })) };
    } finally {
      setRange(low, high);
    }
  }

  /** probe.c tw_connection(): the client closes first; the server then closes unless keepServer. */
  twConnection(l, port, keepServer) {
    const k = this.k;
    const { fd: c, rc } = this.twClient(port, k.getsockname(l).port);
    let a = rc === 0 ? this.rc(() => k.accept4(l, SOCK_NONBLOCK).fd) : -1;
    k.close(c);
    if (a >= 0 && !keepServer) { k.close(a); a = -1; }
    k.advance(10);
    return { rc, server: a };
  }

  /** probe.c tw_reconnect(): connect() from `port` again; a connection made is closed at once. */
  twReconnect(l, port) {
    const k = this.k;
    const { fd: c, rc } = this.twClient(port, k.getsockname(l).port);
    if (rc === 0) {
      const a = this.rc(() => k.accept4(l, SOCK_NONBLOCK).fd);
      if (a >= 0) k.close(a);
    }
    k.close(c);
    return rc;
  }

  twReuse() {
    const k = this.k;
    // probe.c takes three free ports from bind(0); any three unused ones do here.
    const ports = [40000, 40002, 40004];
    const l = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    k.bind(l, { address: '127.0.0.1', port: 0 });
    k.listen(l, 8);
    const tw = this.twConnection(l, ports[0], false);
    const twNow = this.twReconnect(l, ports[0]);
    const fw2 = this.twConnection(l, ports[1], true);
    const bound = this.twConnection(l, -ports[2], false);
    const boundNow = this.twReconnect(l, -ports[2]);
    k.advance(1100);
    const twLater = this.twReconnect(l, ports[0]);
    const fw2Later = this.twReconnect(l, ports[1]);
    if (fw2.server >= 0) k.close(fw2.server);
    k.close(l);
    return {
      time_wait: { connect: tw.rc, reconnect_at_once: twNow, reconnect_after_1100_ms: twLater },
      fin_wait2: { connect: fw2.rc, reconnect_after_1100_ms: fw2Later },
      bound_port: { connect: bound.rc, reconnect_at_once: boundNow },
    };
  }

  /** probe_selfcheck: open descriptors (stdio included, as /proc/self/fd counts them) and simulated time. */
  // -- AF_UNIX corners (issue 16) -----------------------------------------------------

  /**
   * probe.c recvfrom_sender(): recvfrom() one message and name the sender address:
   * 'unnamed', the label of the matching name in `names` ({ label: path }), 'other',
   * or the errno name.
   */
  recvfromSender(fd, names) {
    let r;
    try {
      r = this.k.recvfrom(fd, 64, MSG_DONTWAIT);
    } catch (e) {
      if (e instanceof SocketError) return e.code;
      throw e;
    }
    const path = r.address && 'path' in r.address ? r.address.path : '';
    if (path === '') return 'unnamed';
    for (const [label, name] of Object.entries(names)) if (name === path) return label;
    return 'other';
  }

  /** probe.c unspec_connect(): connect(AF_UNSPEC). */
  unspecConnect(fd) { return this.rc(() => this.k.disconnect(fd)); }

  unixCorners() {
    const k = this.k, v = {};
    const types = [[SOCK_STREAM, 'stream'], [SOCK_SEQPACKET, 'seqpacket']];
    const unixListener = (type, name) => {
      const l = k.socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
      this.ubind(l, name);
      k.listen(l, 4);
      return l;
    };

    // A connection the listener never accepted, then the listener closes.
    for (const [type, tname] of types) {
      for (const order of ['recv_first', 'send_first', 'so_error_first']) {
        const name = this.unixPath(true);
        const l = unixListener(type, name);
        const c = k.socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
        this.uconnect(c, name);
        k.close(l);
        const o = { revents: this.evNow(c) };
        if (order === 'so_error_first') o.so_error = this.soError(c);
        if (order === 'send_first') o.send = this.sendRc(c, 'x');
        o.recv = this.recvRc(c);
        o.recv_again = this.recvRc(c);
        o.send_then = this.sendRc(c, 'x');
        o.revents_after = this.evNow(c);
        v[`${tname}_never_accepted_${order}`] = o;
        k.close(c);
      }
    }

    // The sender address recvfrom() reports.
    for (const [type, tname] of types) {
      for (const how of ['unbound_client', 'abstract_client', 'path_client']) {
        const lname = this.unixPath(true);
        const l = unixListener(type, lname);
        const c = k.socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
        const cname = how === 'unbound_client' ? null : this.unixPath(how === 'abstract_client');
        if (cname !== null) this.ubind(c, cname);
        this.uconnect(c, lname);
        const a = this.acceptNb(l);
        this.sendRc(c, 'hi');
        this.sendRc(a, 'ho');
        v[`${tname}_recvfrom_on_accepted_${how}`] = this.recvfromSender(a, cname === null ? { client: '\0unused' } : { client: cname, listener: lname });
        v[`${tname}_recvfrom_on_${how}`] = this.recvfromSender(c, cname === null ? { listener: lname } : { client: cname, listener: lname });
        k.close(a);
        k.close(c);
        k.close(l);
        if (how === 'path_client') this.rc(() => k.unlink(cname));
      }
    }

    // sendto() with an address on connection-mode sockets.
    for (const [type, tname] of types) {
      const lname = this.unixPath(true);
      const l = unixListener(type, lname);
      const d = k.socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
      v[`${tname}_unconnected_sendto_listener`] = this.usendto(d, 'x', lname);
      v[`${tname}_unconnected_send`] = this.sendRc(d, 'x');
      k.close(d);
      const c = k.socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
      this.uconnect(c, lname);
      const a = this.acceptNb(l);
      v[`${tname}_connected_sendto_other_name`] = this.usendto(c, 'y', this.unixPath(true));
      v[`${tname}_connected_sendto_other_name_peer_recv`] = this.recvRc(a);
      k.close(a);
      k.close(c);
      k.close(l);
    }

    // Is an abstract name shared across socket types? (A path is: one inode.)
    {
      const name = this.unixPath(true);
      const s1 = k.socket(AF_UNIX, SOCK_STREAM, 0), s2 = k.socket(AF_UNIX, SOCK_DGRAM, 0), s3 = k.socket(AF_UNIX, SOCK_SEQPACKET, 0);
      v.abstract_bind_stream = this.ubind(s1, name);
      v.abstract_bind_same_name_dgram = this.ubind(s2, name);
      v.abstract_bind_same_name_seqpacket = this.ubind(s3, name);
      k.listen(s1, 4);
      const q = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
      v.abstract_dgram_sendto_shared_name = this.usendto(q, 'z', name);
      v.abstract_dgram_owner_recv = this.recvRc(s2);
      let sc = k.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);
      v.abstract_seqpacket_connect_shared_name = this.uconnect(sc, name);
      k.close(sc);
      sc = k.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
      v.abstract_stream_connect_shared_name = this.uconnect(sc, name);
      k.close(sc);
      for (const fd of [q, s1, s2, s3]) k.close(fd);

      const path = this.unixPath(false);
      const p1 = k.socket(AF_UNIX, SOCK_STREAM, 0), p2 = k.socket(AF_UNIX, SOCK_DGRAM, 0);
      this.ubind(p1, path);
      v.path_bind_same_path_dgram = this.ubind(p2, path);
      k.close(p1);
      k.close(p2);
      this.rc(() => k.unlink(path));
    }

    // connect(AF_UNSPEC), then bind(), then connect() again.
    {
      const lt = this.listener(AF_INET, 4);
      const port = this.localPort(lt);
      const c = this.client(AF_INET, port).fd;
      this.connectedWithin(c, CONNECT_WAIT);
      v.tcp_disconnect = this.unspecConnect(c);
      v.tcp_port_released_by_disconnect = this.localPort(c) === 0;
      v.tcp_bind_after_disconnect = this.doBind(c, AF_INET, null, 0);
      v.tcp_connect_after_bind = this.doConnect(c, AF_INET, null, port);
      v.tcp_connected_after_bind = this.connectedWithin(c, CONNECT_WAIT);
      k.close(c);
      k.close(lt);

      const ra = this.unixPath(true), rb = this.unixPath(true);
      const r1 = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0), r2 = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
      this.ubind(r1, ra);
      this.ubind(r2, rb);
      const d = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
      v.dgram_connect = this.uconnect(d, ra);
      v.dgram_disconnect = this.unspecConnect(d);
      v.dgram_send_after_disconnect = this.sendRc(d, 'k');
      const dname = this.unixPath(true);
      v.dgram_bind_after_disconnect = this.ubind(d, dname);
      v.dgram_connect_after_bind = this.uconnect(d, rb);
      v.dgram_send_after_reconnect = this.sendRc(d, 'k');
      v.dgram_reconnected_sender_seen = this.recvfromSender(r2, { bound_name: dname });
      v.dgram_first_peer_recv = this.recvRc(r1);
      for (const fd of [d, r1, r2]) k.close(fd);

      const lname = this.unixPath(true);
      const l = unixListener(SOCK_STREAM, lname);
      const sc = k.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
      this.uconnect(sc, lname);
      v.stream_disconnect = this.unspecConnect(sc);
      k.close(sc);
      k.close(l);
    }
    return v;
  }

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
    ['shutdown_before_listen', () => p.shutdownBeforeListen()],
    ['reuse_rules', () => p.reuseRules()],
    ['ephemeral_ports', () => p.ephemeralPorts()],
    ['sockopts', () => p.sockopts()],
    ['unix', () => p.unix()],
    ['ipv6', () => p.ipv6()],
    ['data_basic', () => p.dataBasic()],
    ['data_close', () => p.dataClose()],
    ['data_poll', () => p.dataPoll()],
    ['data_seqpacket', () => p.dataSeqpacket()],
    ['data_udp', () => p.dataUdp()],
    ['data_unix_dgram', () => p.dataUnixDgram()],
    ['data_buffers', () => p.dataBuffers()],
    ['deferred_accept', () => p.deferredAccept()],
    ['syn_retransmit_schedule', () => p.synRetransmitSchedule()],
    ['tw_reuse', () => p.twReuse()],
    ['user_timeout', () => p.userTimeout()],
    ['unix_corners', () => p.unixCorners()],
    ['probe_selfcheck', () => p.selfcheck(t0, fds0)],
  ];
  return facts.map(([fact, ask]) => ({ fact, value: ask() }));
}
