// kernel_runner.mjs - run one conformance scenario against socket-kernel, through
// the public package entry, recording what tests/conformance/runner.c records from
// the real Linux kernel: the same step language (tests/conformance/steps.mjs), the
// same result notation, the same naming of descriptors and ports.
//
// Where runner.c polls or sleeps in real time, this runner moves the simulated clock
// event by event (k.advance): "connected" waits up to SETTLE_MS as poll() does,
// "wait" advances, "until" advances to the event and reports simulated ms. Readiness
// is the kernel's own poll() (k.poll), as runner.c asks the real one.

import {
  createKernel, SocketError, errnoName,
  AF_INET, AF_INET6, AF_UNIX, SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_NONBLOCK, SOCK_CLOEXEC,
  SOL_SOCKET, IPPROTO_IPV6, IPPROTO_TCP, SO_REUSEADDR, SO_REUSEPORT, SO_ERROR, SO_ACCEPTCONN, SO_TYPE, SO_SNDBUF, SO_RCVBUF, SO_ACCEPTFILTER,
  SO_DOMAIN, SO_PROTOCOL, SO_LINGER, IPV6_V6ONLY, TCP_DEFER_ACCEPT, SHUT_RD, SHUT_WR, SHUT_RDWR,
  F_GETFD, F_GETFL, FD_CLOEXEC, O_NONBLOCK, MSG_DONTWAIT, MSG_NOSIGNAL,
  POLLIN, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDHUP,
} from 'socket-kernel';
import { parseStep, normalizeStep, pollString, decodeText, RECV_SIZE } from './steps.mjs';

/** runner.c SETTLE_MS: how long "connected" waits for a handshake. */
const SETTLE_MS = 50;
/** The kernel's descriptor table keeps 0, 1 and 2 for stdio: its first socket is 3. */
const FD_BASE = 3;
/** Where AF_UNIX "./name" paths live in the kernel's own name space. */
const UNIX_DIR = '/tmp/socket-kernel-conformance';

const DOMAIN = { inet: AF_INET, inet6: AF_INET6, unix: AF_UNIX };
const TYPE = { stream: SOCK_STREAM, dgram: SOCK_DGRAM, seqpacket: SOCK_SEQPACKET };
const OPTION = {
  SO_REUSEADDR: [SOL_SOCKET, SO_REUSEADDR],
  SO_REUSEPORT: [SOL_SOCKET, SO_REUSEPORT],
  SO_ERROR: [SOL_SOCKET, SO_ERROR],
  SO_ACCEPTCONN: [SOL_SOCKET, SO_ACCEPTCONN],
  SO_TYPE: [SOL_SOCKET, SO_TYPE],
  SO_DOMAIN: [SOL_SOCKET, SO_DOMAIN],
  SO_PROTOCOL: [SOL_SOCKET, SO_PROTOCOL],
  SO_SNDBUF: [SOL_SOCKET, SO_SNDBUF],
  SO_RCVBUF: [SOL_SOCKET, SO_RCVBUF],
  SO_LINGER: [SOL_SOCKET, SO_LINGER],
  IPV6_V6ONLY: [IPPROTO_IPV6, IPV6_V6ONLY],
  defer_accept: [IPPROTO_TCP, TCP_DEFER_ACCEPT],
};
/** runner.c POLL_EVENTS: what "poll NAME" asks for (POLLERR and POLLHUP come unasked). */
const POLL_EVENTS = POLLIN | POLLOUT | POLLRDHUP;
const utf8 = new TextDecoder();
const HOW = { SHUT_RD, SHUT_WR, SHUT_RDWR };
/** A send TEXT as the bytes it stands for (one byte per %XX escape, as runner.c sends it). */
const textBytes = (text) => Uint8Array.from(decodeText(text), (c) => c.charCodeAt(0));

function parseFlags(f) {
  if (f === '-') return 0;
  if (f.startsWith('0x')) return parseInt(f, 16);
  let v = 0;
  for (const t of f.split(',')) {
    if (t === 'nonblock') v |= SOCK_NONBLOCK;
    else if (t === 'cloexec') v |= SOCK_CLOEXEC;
    else throw new Error(`unknown flag ${t}`);
  }
  return v;
}

/** A call's result: its value (0 for void calls), or the errno name it failed with. */
function rc(call) {
  try {
    const v = call();
    return typeof v === 'number' ? v : 0;
  } catch (e) {
    if (e instanceof SocketError) return e.code;
    throw e;
  }
}

class Run {
  /** @param {import('socket-kernel').Kernel} k */
  constructor(k) {
    this.k = k;
    /** name -> { fd, open, port }, in the order the names were made (runner.c's table). */
    this.names = new Map();
  }

  fdOf(name) { return this.names.get(name)?.fd ?? -1; }

  define(name, fd) {
    this.names.delete(name);
    this.names.set(name, { fd, open: true, port: -1 });
  }

  refreshPort(s) {
    if (!s.open) return;
    try {
      const a = this.k.getsockname(s.fd);
      if ('port' in a) s.port = a.port;
    } catch (e) {
      if (!(e instanceof SocketError)) throw e;
    }
  }

  refreshPorts() { for (const s of this.names.values()) this.refreshPort(s); }

  /** runner.c put_port(): "$NAME" of the first socket with this port, "$?" for another, "0". */
  portName(port) {
    if (port === 0) return '0';
    for (const [name, s] of this.names) if (s.port === port) return `$${name}`;
    return '$?';
  }

  /** ADDR -> what the host API takes. */
  address(a) {
    if (a === 'autobind') return { path: '' };
    if (a.startsWith('@')) return { path: `\0${a.slice(1)}` };
    if (a.startsWith('./')) return { path: `${UNIX_DIR}/${a.slice(2)}` };
    const m = /^\[(.*)\]:(.*)$/.exec(a) ?? /^(.*):(.*)$/.exec(a);
    let port = m[2];
    if (port.startsWith('$')) {
      const s = this.names.get(port.slice(1));
      if (!s) throw new Error(`unknown socket in port ${port}`);
      this.refreshPort(s);
      port = s.port < 0 ? 0 : s.port;
    }
    return { address: m[1], port: Number(port) };
  }

  /** An address the kernel returned, in the scenario's notation. */
  format(a) {
    this.refreshPorts();
    if (a.family === 'IPv4') return `${a.address}:${this.portName(a.port)}`;
    if (a.family === 'IPv6') return `[${a.address}]:${this.portName(a.port)}`;
    const p = a.path;
    if (p === '') return '';
    if (/^\0[0-9a-f]{5}$/.test(p)) return '@autobind';
    if (p.startsWith('\0')) return `@${p.slice(1)}`;
    if (p.startsWith(`${UNIX_DIR}/`)) return `./${p.slice(UNIX_DIR.length + 1)}`;
    return '?path';
  }

  row(fd) { return this.k.sockets().find((r) => r.fd === fd) ?? null; }

  /** poll() for a condition: moves the clock event by event, at most maxMs; ms waited or -1. */
  waitFor(ready, maxMs) {
    const k = this.k, t0 = k.now();
    for (;;) {
      if (ready()) return k.now() - t0;
      const left = t0 + maxMs - k.now();
      if (left <= 0) return -1;
      const next = k.nextTimer();
      k.advance(next === null ? left : Math.min(next, left));
    }
  }

  /** poll() with timeout 0: revents for `events` (POLLERR, POLLHUP, POLLNVAL always). 0 for fd -1, as poll() ignores it. */
  revents(fd, events) { return fd < 0 ? 0 : this.k.poll([{ fd, events }])[0]; }

  /** runner.c connected(): true, false (not within SETTLE_MS) or 'failed' (POLLERR / POLLHUP / POLLNVAL). */
  connected(fd) {
    let r = 0;
    this.waitFor(() => (r = this.revents(fd, POLLOUT)) !== 0, SETTLE_MS);
    if (r & (POLLERR | POLLHUP | POLLNVAL)) return 'failed';
    return (r & POLLOUT) !== 0;
  }

  listenerRow(fd) {
    const r = this.row(fd);
    return r && r.state === 'LISTEN' ? r : null;
  }

  step(text) {
    const k = this.k;
    const { op, args: a } = parseStep(text);
    switch (op) {
      case 'socket': {
        const r = rc(() => k.socket(DOMAIN[a[1]], TYPE[a[2]] | parseFlags(a[3])));
        if (typeof r !== 'number') return r;
        this.define(a[0], r);
        return `fd#${r - FD_BASE}`;
      }
      case 'setsockopt': {
        if (a[1] === 'linger0') return rc(() => k.setsockopt(this.fdOf(a[0]), SOL_SOCKET, SO_LINGER, { onoff: 1, linger: 0 }));
        if (a[1] === 'acceptfilter') return rc(() => k.setsockopt(this.fdOf(a[0]), SOL_SOCKET, SO_ACCEPTFILTER, a[2] === 'off' ? null : { name: a[2] }));
        const [level, name] = OPTION[a[1]];
        return rc(() => k.setsockopt(this.fdOf(a[0]), level, name, Number(a[2])));
      }
      case 'getsockopt': {
        const [level, name] = OPTION[a[1]];
        const v = rc(() => k.getsockopt(this.fdOf(a[0]), level, name));
        return a[1] === 'SO_ERROR' && typeof v === 'number' && v !== 0 ? errnoName(v) : v;
      }
      case 'bind': return rc(() => k.bind(this.fdOf(a[0]), this.address(a[1])));
      case 'connect': return rc(() => k.connect(this.fdOf(a[0]), this.address(a[1])));
      case 'disconnect': return rc(() => k.disconnect(this.fdOf(a[0])));
      case 'listen': return rc(() => k.listen(this.fdOf(a[0]), Number(a[1])));
      case 'accept':
      case 'accept4': {
        let res;
        try {
          res = op === 'accept' ? k.accept(this.fdOf(a[0])) : k.accept4(this.fdOf(a[0]), parseFlags(a[2]));
        } catch (e) {
          if (e instanceof SocketError) return e.code;
          throw e;
        }
        this.define(a[1], res.fd);
        return { fd: `fd#${res.fd - FD_BASE}`, peer: this.format(res.address) };
      }
      case 'close': {
        const s = this.names.get(a[0]);
        if (s) { this.refreshPort(s); s.open = false; }
        return rc(() => k.close(s ? s.fd : -1));
      }
      case 'shutdown': return rc(() => k.shutdown(this.fdOf(a[0]), HOW[a[1]] ?? Number(a[1])));
      case 'getsockname':
      case 'getpeername': {
        let addr;
        try {
          addr = op === 'getsockname' ? k.getsockname(this.fdOf(a[0])) : k.getpeername(this.fdOf(a[0]));
        } catch (e) {
          if (e instanceof SocketError) return e.code;
          throw e;
        }
        return this.format(addr);
      }
      case 'recv': {
        let got;
        try {
          got = k.recv(this.fdOf(a[0]), a[1] === undefined ? RECV_SIZE : Number(a[1]), MSG_DONTWAIT);
        } catch (e) {
          if (e instanceof SocketError) return e.code;
          throw e;
        }
        return got.length === 0 ? 0 : utf8.decode(got);
      }
      case 'send': return rc(() => k.send(this.fdOf(a[0]), textBytes(a[1]), MSG_NOSIGNAL | MSG_DONTWAIT));
      case 'sendto': return rc(() => k.sendto(this.fdOf(a[0]), textBytes(a[1]), this.address(a[2]), MSG_NOSIGNAL | MSG_DONTWAIT));
      case 'poll': return pollString(this.revents(this.fdOf(a[0]), POLL_EVENTS));
      case 'fdflags': {
        const fd = this.fdOf(a[0]);
        const fl = rc(() => k.fcntl(fd, F_GETFL)), fdf = rc(() => k.fcntl(fd, F_GETFD));
        if (typeof fl !== 'number') return fl;
        if (typeof fdf !== 'number') return fdf;
        return [(fl & O_NONBLOCK) && 'nonblock', (fdf & FD_CLOEXEC) && 'cloexec'].filter(Boolean).join(',');
      }
      case 'queue': return this.listenerRow(this.fdOf(a[0]))?.recvQ ?? null;
      case 'limit': {
        const r = this.listenerRow(this.fdOf(a[0]));
        if (!r) return null;
        return r.sendQ === k.sysctl('somaxconn') ? 'somaxconn' : r.sendQ;
      }
      case 'synqueue': return this.listenerRow(this.fdOf(a[0]))?.synRecv ?? null;
      case 'connected': return this.connected(this.fdOf(a[0]));
      case 'portinfo': {
        let addr;
        try {
          addr = k.getsockname(this.fdOf(a[0]));
        } catch (e) {
          if (e instanceof SocketError) return e.code;
          throw e;
        }
        if (!('port' in addr)) return null;
        const p = addr.port;
        const lo = k.sysctl('ipLocalPortRangeLow'), hi = k.sysctl('ipLocalPortRangeHigh');
        return { parity: p === 0 ? 'none' : p % 2 ? 'odd' : 'even', inRange: p >= lo && p <= hi };
      }
      case 'wait': k.advance(Number(a[0])); return null;
      case 'until': {
        const fd = this.fdOf(a[0]);
        const ev = a[1] === 'readable' ? POLLIN : POLLOUT;
        const ms = this.waitFor(() => this.revents(fd, ev) !== 0, Number(a[2]));
        return ms < 0 ? 'timeout' : { after: Math.round(ms) };
      }
      case 'fill': {
        const [as, max, stuck, addr] = [a[0], Number(a[1]), a[2], this.address(a[3])];
        const domain = 'path' in addr ? AF_UNIX : addr.address.includes(':') ? AF_INET6 : AF_INET;
        let n = 0;
        for (let i = 1; i <= max; i++) {
          const fd = k.socket(domain, SOCK_STREAM | SOCK_NONBLOCK);
          rc(() => k.connect(fd, addr));
          const c = this.connected(fd);
          this.define(c === true ? `${as}${i}` : stuck, fd);
          if (c !== true) break;
          n++;
        }
        return n;
      }
      case 'unlink': return rc(() => k.unlink(this.address(a[0]).path));
      case 'stats': {
        const all = k.stats();
        return Object.fromEntries(a[0].split(',').map((n) => {
          if (!(n in all)) throw new Error(`unknown counter ${n}`);
          return [n, all[n]];
        }));
      }
      default: throw new Error(`unknown step "${text}"`);
    }
  }

  /** Closes every socket still named open; how many descriptors are left (runner.c's last line). */
  finish() {
    for (const s of this.names.values()) if (s.open) { rc(() => this.k.close(s.fd)); s.open = false; }
    return { open_fds_left: this.k.sockets().filter((r) => r.fd !== null).length };
  }
}

/**
 * Runs a scenario on a fresh kernel. `options` are the kernel options (personality,
 * tunables). Every step runs here, the socket-kernel-only ones too.
 * Returns { results: [...], end: { open_fds_left } }.
 */
export async function runOnKernel(scenario, options) {
  const k = await createKernel(options);
  const run = new Run(k);
  const results = scenario.steps.map((raw) => {
    const step = normalizeStep(raw);
    try {
      return run.step(step.do);
    } catch (e) {
      throw new Error(`${scenario.name}: step "${step.do}": ${e.stack ?? e}`);
    }
  });
  return { results, end: run.finish() };
}
