// The synchronous system-call API over one kernel instance. Platform-neutral: it is
// given a compiled WebAssembly.Module; host/index.ts finds the module for Node.
//
// Every call goes straight to the kernel; the host keeps no copy of kernel state and
// builds a fresh DataView of memory for each call that reads it (memory may grow).

import {
  AF_INET, AF_INET6, AF_UNIX, SOCKET_STATES, STAT_NAMES, TUNABLES, SOL_SOCKET,
  type SocketStateName, type StatName,
} from './constants.js';
import { ArgumentError, socketError } from './errors.js';
import { decodeSockaddr, encodeSockaddr, type AddressInput, type SocketAddress } from './sockaddr.js';
import { Reactor, type ClockName } from './async.js';
import { PlatformError } from './load.js';
import { createStreams } from './streams.js';

export type PersonalityName = 'linux' | 'freebsd' | 'posix';
const PERSONALITIES: Record<PersonalityName, number> = { linux: 0, freebsd: 1, posix: 2 };

export interface KernelOptions {
  /** Which listen(2) manual the kernel follows. Default 'linux'. */
  personality?: PersonalityName;
  /** Seed for every random choice (ephemeral ports, autobind names). Default 1. */
  seed?: number | bigint;
  /** net.core.somaxconn (Linux default 4096, FreeBSD kern.ipc.somaxconn 128). */
  somaxconn?: number;
  tcpMaxSynBacklog?: number;
  tcpSyncookies?: 0 | 1 | 2;
  tcpSynRetries?: number;
  tcpSynackRetries?: number;
  tcpSynLinearTimeouts?: number;
  tcpAbortOnOverflow?: 0 | 1 | boolean;
  ipLocalPortRange?: [number, number];
  ipUnprivilegedPortStart?: number;
  /** RLIMIT_NOFILE: the first descriptor number that socket()/accept() may not return. */
  maxFds?: number;
  /** CAP_NET_BIND_SERVICE: bind ports below ipUnprivilegedPortStart. */
  privileged?: boolean;
  /** One-way packet delay in simulated milliseconds; 0 (default) is loopback. */
  linkDelay?: number;
  /** net.ipv4.tcp_max_tw_buckets: TIME_WAIT sockets kept at most (default 131072). */
  tcpMaxTwBuckets?: number;
  /** net.ipv4.tcp_fin_timeout in seconds: how long an orphan waits in FIN_WAIT_2 (default 60). */
  tcpFinTimeout?: number;
  /**
   * What moves time for the async calls: 'manual' (default: simulated time moves when
   * you call advance), 'auto' (simulated: when awaited calls can go no further, time
   * jumps to the next kernel event), 'real' (kernel timers follow the wall clock).
   */
  clock?: ClockName;
}

const OPTION_KEYS = new Set([
  'personality', 'seed', 'somaxconn', 'tcpMaxSynBacklog', 'tcpSyncookies', 'tcpSynRetries',
  'tcpSynackRetries', 'tcpSynLinearTimeouts', 'tcpAbortOnOverflow', 'ipLocalPortRange',
  'ipUnprivilegedPortStart', 'maxFds', 'privileged', 'linkDelay', 'tcpMaxTwBuckets', 'tcpFinTimeout', 'clock', 'wasm',
]);

export interface AcceptResult { fd: number; address: SocketAddress }

export interface SocketInfo {
  fd: number | null;
  state: SocketStateName;
  family: 'IPv4' | 'IPv6' | 'unix';
  type: 'stream' | 'dgram' | 'seqpacket';
  /** LISTEN: connections waiting in the accept queue (ss -lt Recv-Q). */
  recvQ: number;
  /** LISTEN: the backlog in force (ss -lt Send-Q). */
  sendQ: number;
  /** LISTEN: requests in the SYN queue. */
  synRecv: number;
  /** LISTEN: connections this listener turned away. */
  drops: number;
  local: SocketAddress;
  peer: SocketAddress | null;
}

interface Exports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  sk_init(p: number, seed: bigint): number;
  sk_scratch(): number;
  sk_sysctl_set(id: number, v: bigint): number;
  sk_sysctl_get(id: number): bigint;
  sk_socket(d: number, t: number, p: number): number;
  sk_buffer(bytes: number): number;
  sk_connect_batch(n: number, d: number, t: number, a: number, l: number, out: number): number;
  sk_accept_batch(fd: number, out: number, max: number, flags: number): number;
  sk_close_batch(fds: number, n: number, flags: number): number;
  sk_domain(fd: number): number;
  sk_bind(fd: number, a: number, l: number): number;
  sk_listen(fd: number, b: number): number;
  sk_connect(fd: number, a: number, l: number): number;
  sk_accept(fd: number, a: number, lp: number): number;
  sk_accept4(fd: number, a: number, lp: number, f: number): number;
  sk_close(fd: number): number;
  sk_shutdown(fd: number, how: number): number;
  sk_getsockname(fd: number, a: number, lp: number): number;
  sk_getpeername(fd: number, a: number, lp: number): number;
  sk_getsockopt(fd: number, lvl: number, n: number, v: number, lp: number): number;
  sk_setsockopt(fd: number, lvl: number, n: number, v: number, l: number): number;
  sk_fcntl(fd: number, cmd: number, arg: number): number;
  sk_recv(fd: number, b: number, l: number, f: number): number;
  sk_send(fd: number, b: number, l: number, f: number): number;
  sk_sendto(fd: number, b: number, l: number, f: number, a: number, al: number): number;
  sk_recvfrom(fd: number, b: number, l: number, f: number, a: number, lp: number): number;
  sk_msg_flags(): number;
  sk_poll(fds: number, n: number): number;
  sk_epoll_create(flags: number): number;
  sk_epoll_ctl(ep: number, op: number, fd: number, ev: number): number;
  sk_epoll_wait(ep: number, out: number, max: number): number;
  sk_unlink(p: number, l: number): number;
  sk_add_address(p: number, l: number): number;
  sk_advance(us: bigint): number;
  sk_now(): bigint;
  sk_next_timer(): bigint;
  sk_stat(i: number): bigint;
  sk_sock_row(c: number): number;
  sk_mem(w: number): bigint;
  sk_check(): number;
}

/** Raised when the kernel aborts (a bug in the kernel, never bad input). */
export class KernelPanic extends Error {
  constructor(message: string) { super(message); this.name = 'KernelPanic'; }
}

function checkInt(name: string, v: unknown, min = -0x80000000, max = 0x7fffffff): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new ArgumentError('ERR_INVALID_ARG_TYPE', `"${name}" must be an integer. Received ${String(v)}`);
  }
  if (v < min || v > max) throw new ArgumentError('ERR_OUT_OF_RANGE', `"${name}" must be >= ${min} and <= ${max}. Received ${v}`);
  return v;
}

/** What kernelImports() returns (a WebAssembly.Imports, named without the `dom` lib). */
export type KernelImports = {
  wasi_snapshot_preview1: {
    fd_write(fd: number, iovs: number, iovsLen: number, nwritten: number): number;
    proc_exit(code: number): never;
  };
};

/**
 * The imports a socket-kernel module needs: WASI fd_write and proc_exit, which
 * AssemblyScript's abort() uses. Written here so no WASI library is required.
 */
export function kernelImports(getMemory: () => WebAssembly.Memory): KernelImports {
  let message = '';
  return {
    wasi_snapshot_preview1: {
      fd_write(_fd: number, iovs: number, iovsLen: number, nwritten: number): number {
        const view = new DataView(getMemory().buffer);
        let total = 0;
        for (let i = 0; i < iovsLen; i++) {
          const ptr = view.getUint32(iovs + i * 8, true), len = view.getUint32(iovs + i * 8 + 4, true);
          message += new TextDecoder().decode(new Uint8Array(view.buffer, ptr, len));
          total += len;
        }
        view.setUint32(nwritten, total, true);
        return 0;
      },
      proc_exit(code: number): never {
        const text = message.trim() || `exit code ${code}`;
        message = '';
        throw new KernelPanic(`socket-kernel aborted: ${text}`);
      },
    },
  };
}

/**
 * The errno API: the same system calls, answering as the kernel does (a result >= 0,
 * or a negative errno such as -115 for EINPROGRESS) instead of throwing. For hot
 * loops: a thrown error costs V8 more than the system call itself.
 */
export interface SysCalls {
  socket(domain: number, type: number, protocol?: number): number;
  bind(fd: number, addr: AddressInput): number;
  listen(fd: number, backlog: number): number;
  connect(fd: number, addr: AddressInput): number;
  /** Returns the new fd; the peer's address is getpeername(fd) away. */
  accept(fd: number): number;
  accept4(fd: number, flags: number): number;
  close(fd: number): number;
  shutdown(fd: number, how: number): number;
  /** Integer options, or SO_LINGER as { onoff, linger }. */
  setsockopt(fd: number, level: number, name: number, value: number | { onoff: number | boolean; linger: number }): number;
}

export class Kernel {
  readonly personality: PersonalityName;
  /** The errno-returning flavour of the system calls (see SysCalls). */
  readonly sys: SysCalls;
  #x: Exports;
  #scratch: number;
  // Set by #renew().
  #dv!: DataView;
  #buf!: ArrayBuffer;
  #i32!: Int32Array;
  #reactor: Reactor | undefined;
  #clock: ClockName;

  constructor(module: WebAssembly.Module, options: KernelOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new ArgumentError('ERR_INVALID_ARG_TYPE', 'The "options" argument must be an object');
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.has(key)) throw new ArgumentError('ERR_INVALID_ARG_VALUE', `Unknown option "${key}"`);
    }
    const personality = options.personality ?? 'linux';
    if (!(personality in PERSONALITIES)) {
      throw new ArgumentError('ERR_INVALID_ARG_VALUE', `"personality" must be 'linux', 'freebsd' or 'posix'. Received ${String(personality)}`);
    }
    this.personality = personality;
    const clock = options.clock ?? 'manual';
    if (clock !== 'manual' && clock !== 'auto' && clock !== 'real') {
      throw new ArgumentError('ERR_INVALID_ARG_VALUE', `"clock" must be 'manual', 'auto' or 'real'. Received ${String(clock)}`);
    }
    this.#clock = clock;
    let memory: WebAssembly.Memory | undefined;
    const instance = new WebAssembly.Instance(module, kernelImports(() => memory!));
    this.#x = instance.exports as unknown as Exports;
    memory = this.#x.memory;
    // A reactor: _initialize must run once before any other export.
    this.#x._initialize();
    const seed = options.seed ?? 1;
    if (typeof seed !== 'bigint' && (typeof seed !== 'number' || !Number.isInteger(seed))) {
      throw new ArgumentError('ERR_INVALID_ARG_TYPE', `"seed" must be an integer or a bigint. Received ${String(seed)}`);
    }
    this.#x.sk_init(PERSONALITIES[personality], BigInt.asIntN(64, BigInt(seed)));
    this.#scratch = this.#x.sk_scratch();
    this.#renew();
    const x = this.#x, scratch = this.#scratch;
    // Calls that can change readiness tell the async layer (a no-op without one).
    const seen = (r: number) => { this.#reactor?.changed(); return r; };
    this.sys = {
      socket: (d, t, p = 0) => x.sk_socket(checkInt('domain', d), checkInt('type', t), checkInt('protocol', p)),
      bind: (fd, addr) => x.sk_bind(checkInt('fd', fd), scratch, this.#putAddr(fd, addr)),
      listen: (fd, b) => seen(x.sk_listen(checkInt('fd', fd), checkInt('backlog', b))),
      connect: (fd, addr) => seen(x.sk_connect(checkInt('fd', fd), scratch, this.#putAddr(fd, addr))),
      accept: (fd) => seen(x.sk_accept(checkInt('fd', fd), 0, 0)),
      accept4: (fd, flags) => seen(x.sk_accept4(checkInt('fd', fd), 0, 0, checkInt('flags', flags))),
      close: (fd) => { const r = seen(x.sk_close(checkInt('fd', fd))); this.#reactor?.closed(fd); return r; },
      shutdown: (fd, how) => seen(x.sk_shutdown(checkInt('fd', fd), checkInt('how', how))),
      setsockopt: (fd, level, name, value) => {
        const v = this.#view();
        if (typeof value === 'object') {
          v.setInt32(scratch, Number(value.onoff), true);
          v.setInt32(scratch + 4, checkInt('linger', value.linger), true);
          return x.sk_setsockopt(checkInt('fd', fd), checkInt('level', level), checkInt('name', name), scratch, 8);
        }
        v.setInt32(scratch, checkInt('value', value), true);
        return x.sk_setsockopt(checkInt('fd', fd), checkInt('level', level), checkInt('name', name), scratch, 4);
      },
    };
    const set = (name: string, v: unknown, min: number, max: number) => {
      if (v === undefined) return;
      const n = typeof v === 'boolean' ? Number(v) : checkInt(name, v, min, max);
      this.#sysctl(name, n);
    };
    set('somaxconn', options.somaxconn, 0, 0x7fffffff);
    set('tcpMaxSynBacklog', options.tcpMaxSynBacklog, 0, 0x7fffffff);
    set('tcpSyncookies', options.tcpSyncookies, 0, 2);
    set('tcpSynRetries', options.tcpSynRetries, 1, 127);
    set('tcpSynackRetries', options.tcpSynackRetries, 1, 127);
    set('tcpSynLinearTimeouts', options.tcpSynLinearTimeouts, 0, 127);
    set('tcpAbortOnOverflow', options.tcpAbortOnOverflow, 0, 1);
    set('ipUnprivilegedPortStart', options.ipUnprivilegedPortStart, 0, 65535);
    set('maxFds', options.maxFds, 3, 1 << 24);
    set('privileged', options.privileged, 0, 1);
    set('tcpMaxTwBuckets', options.tcpMaxTwBuckets, 0, 0x7fffffff);
    if (options.tcpFinTimeout !== undefined) this.#sysctl('tcpFinTimeoutUs', checkInt('tcpFinTimeout', options.tcpFinTimeout, 0, 3600) * 1_000_000);
    if (options.ipLocalPortRange !== undefined) {
      const r = options.ipLocalPortRange;
      if (!Array.isArray(r) || r.length !== 2) {
        throw new ArgumentError('ERR_INVALID_ARG_TYPE', '"ipLocalPortRange" must be [low, high]');
      }
      const lo = checkInt('ipLocalPortRange[0]', r[0], 1, 65535), hi = checkInt('ipLocalPortRange[1]', r[1], 1, 65535);
      if (lo > hi) throw new ArgumentError('ERR_INVALID_ARG_VALUE', '"ipLocalPortRange" must have low <= high');
      // The kernel refuses low > high at every step, so move the end that keeps it ordered first.
      if (lo > this.sysctl('ipLocalPortRangeHigh')) { this.#sysctl('ipLocalPortRangeHigh', hi); this.#sysctl('ipLocalPortRangeLow', lo); }
      else { this.#sysctl('ipLocalPortRangeLow', lo); this.#sysctl('ipLocalPortRangeHigh', hi); }
    }
    if (options.linkDelay !== undefined) {
      const d = options.linkDelay;
      if (typeof d !== 'number' || !(d >= 0) || d > 3.6e6) {
        throw new ArgumentError('ERR_OUT_OF_RANGE', `"linkDelay" must be a number of milliseconds from 0 to 3600000. Received ${String(d)}`);
      }
      this.#sysctl('linkDelayUs', Math.round(d * 1000));
    }
  }

  #sysctl(name: string, value: number): void {
    const id = (TUNABLES as readonly string[]).indexOf(name);
    const r = this.#x.sk_sysctl_set(id, BigInt(value));
    if (r < 0) throw new ArgumentError('ERR_OUT_OF_RANGE', `"${name}" is out of range. Received ${value}`);
  }

  /** Reads a tunable by its camelCase sysctl name. */
  sysctl(name: (typeof TUNABLES)[number]): number {
    const id = (TUNABLES as readonly string[]).indexOf(name);
    if (id < 0) throw new ArgumentError('ERR_INVALID_ARG_VALUE', `Unknown tunable "${name}"`);
    return Number(this.#x.sk_sysctl_get(id));
  }

  /** Changes a tunable at run time, as `sysctl -w` does. */
  setSysctl(name: (typeof TUNABLES)[number], value: number): void {
    if (!(TUNABLES as readonly string[]).includes(name)) throw new ArgumentError('ERR_INVALID_ARG_VALUE', `Unknown tunable "${name}"`);
    this.#sysctl(name, checkInt(name, value, 0, 2 ** 31 - 1));
  }

  /** A view of memory, rebuilt when memory has grown (growth replaces the buffer). */
  // The memory's ArrayBuffer and two views of it, kept: WebAssembly.Memory's buffer
  // getter costs ~15 ns (measured), more than some whole system calls. Growing the
  // memory detaches the old buffer, whose byteLength then reads 0.
  #memory(): ArrayBuffer {
    if (this.#buf.byteLength === 0) this.#renew();
    return this.#buf;
  }

  #view(): DataView { this.#memory(); return this.#dv; }

  /** All of memory as 32-bit integers (batched calls copy fd arrays through it without a view per call). */
  #ints(): Int32Array { this.#memory(); return this.#i32; }

  #renew(): void {
    this.#buf = this.#x.memory.buffer;
    this.#dv = new DataView(this.#buf);
    this.#i32 = new Int32Array(this.#buf);
  }

  /** Readiness may have changed: the async layer, if any, looks (in a microtask). */
  #changed(): void { this.#reactor?.changed(); }

  #check(r: number, syscall: string, addr?: AddressInput | SocketAddress): number {
    this.#changed();
    if (r >= 0) return r;
    if (addr) {
      if ('path' in addr) throw socketError(r, syscall, addr.path);
      throw socketError(r, syscall, addr.address, addr.port);
    }
    throw socketError(r, syscall);
  }

  /** The socket's family, to encode an address as its syscalls expect (AF_INET if fd is bad: the call then fails on the fd). */
  #domainOf(fd: number): number {
    const d = this.#x.sk_domain(fd);
    return d < 0 ? AF_INET : d;
  }

  #putAddr(fd: number, addr: AddressInput): number {
    const domain = this.#domainOf(fd);
    return encodeSockaddr(domain, addr, this.#view(), this.#scratch);
  }

  // ---- system calls --------------------------------------------------------------

  socket(domain: number, type: number, protocol = 0): number {
    return this.#check(this.#x.sk_socket(checkInt('domain', domain), checkInt('type', type), checkInt('protocol', protocol)), 'socket');
  }

  bind(fd: number, addr: AddressInput): void {
    checkInt('fd', fd);
    const len = this.#putAddr(fd, addr);
    this.#check(this.#x.sk_bind(fd, this.#scratch, len), 'bind', addr);
  }

  listen(fd: number, backlog: number): void {
    const r = this.#x.sk_listen(checkInt('fd', fd), checkInt('backlog', backlog));
    if (r < 0) {
      let where: SocketAddress | undefined;
      try { where = this.getsockname(fd); } catch { where = undefined; }
      this.#check(r, 'listen', where);
    }
  }

  /** Throws SocketError EINPROGRESS when the handshake has not completed, as POSIX says. */
  connect(fd: number, addr: AddressInput): void {
    checkInt('fd', fd);
    const len = this.#putAddr(fd, addr);
    this.#check(this.#x.sk_connect(fd, this.#scratch, len), 'connect', addr);
  }

  /** Disassociates a socket (connect with AF_UNSPEC). */
  disconnect(fd: number): void {
    checkInt('fd', fd);
    const v = this.#view();
    v.setUint16(this.#scratch, 0, true);
    this.#check(this.#x.sk_connect(fd, this.#scratch, 16), 'connect');
  }

  #accept(r: (addr: number, lenPtr: number) => number, syscall: string): AcceptResult {
    const s = this.#scratch;
    this.#view().setInt32(s + 128, 112, true);
    const fd = this.#check(r(s, s + 128), syscall);
    const v = this.#view();
    return { fd, address: decodeSockaddr(v, s, v.getInt32(s + 128, true)) };
  }

  accept(fd: number): AcceptResult {
    checkInt('fd', fd);
    return this.#accept((a, lp) => this.#x.sk_accept(fd, a, lp), 'accept');
  }

  accept4(fd: number, flags: number): AcceptResult {
    checkInt('fd', fd); checkInt('flags', flags);
    return this.#accept((a, lp) => this.#x.sk_accept4(fd, a, lp, flags), 'accept4');
  }

  close(fd: number): void {
    this.#check(this.#x.sk_close(checkInt('fd', fd)), 'close');
    this.#reactor?.closed(fd);
  }

  shutdown(fd: number, how: number): void {
    this.#check(this.#x.sk_shutdown(checkInt('fd', fd), checkInt('how', how)), 'shutdown');
  }

  #name(fd: number, call: 'getsockname' | 'getpeername'): SocketAddress {
    checkInt('fd', fd);
    const s = this.#scratch;
    this.#view().setInt32(s + 128, 112, true);
    const f = call === 'getsockname' ? this.#x.sk_getsockname : this.#x.sk_getpeername;
    this.#check(f(fd, s, s + 128), call);
    const v = this.#view();
    return decodeSockaddr(v, s, v.getInt32(s + 128, true));
  }

  getsockname(fd: number): SocketAddress { return this.#name(fd, 'getsockname'); }
  getpeername(fd: number): SocketAddress { return this.#name(fd, 'getpeername'); }

  /** Integer options (SO_ERROR, SO_ACCEPTCONN, SO_TYPE, ...). SO_ERROR is cleared by reading. */
  getsockopt(fd: number, level: number, name: number): number {
    const s = this.#scratch;
    this.#view().setInt32(s + 128, 4, true);
    this.#check(this.#x.sk_getsockopt(checkInt('fd', fd), checkInt('level', level), checkInt('name', name), s, s + 128), 'getsockopt');
    return this.#view().getInt32(s, true);
  }

  /**
   * Integer options; SO_LINGER as { onoff, linger } (struct linger); FreeBSD's
   * SO_ACCEPTFILTER as { name: 'dataready' | 'httpready' } or null to remove it.
   */
  setsockopt(fd: number, level: number, name: number, value: number | boolean | { onoff: number | boolean; linger: number } | { name: string } | null): void {
    const s = this.#scratch, v = this.#view();
    let len = 4;
    if (value === null) {
      this.#check(this.#x.sk_setsockopt(checkInt('fd', fd), checkInt('level', level), checkInt('name', name), 0, 0), 'setsockopt');
      return;
    }
    if (typeof value === 'object' && 'name' in value) {
      const bytes = new TextEncoder().encode(value.name);
      if (bytes.length > 15) throw new ArgumentError('ERR_INVALID_ARG_VALUE', `accept filter name too long: ${value.name}`);
      new Uint8Array(this.#memory(), s, 256).fill(0).set(bytes);
      this.#check(this.#x.sk_setsockopt(checkInt('fd', fd), checkInt('level', level), checkInt('name', name), s, 256), 'setsockopt');
      return;
    }
    if (typeof value === 'object') {
      v.setInt32(s, Number(value.onoff), true);
      v.setInt32(s + 4, checkInt('linger', value.linger), true);
      len = 8;
    } else {
      v.setInt32(s, typeof value === 'boolean' ? Number(value) : checkInt('value', value), true);
    }
    this.#check(this.#x.sk_setsockopt(checkInt('fd', fd), checkInt('level', level), checkInt('name', name), s, len), 'setsockopt');
  }

  fcntl(fd: number, cmd: number, arg = 0): number {
    return this.#check(this.#x.sk_fcntl(checkInt('fd', fd), checkInt('cmd', cmd), checkInt('arg', arg)), 'fcntl');
  }

  /** Bytes as the kernel takes them: strings are UTF-8 (send, sendto, sendAsync). */
  #bytes(data: Uint8Array | ArrayBufferView | ArrayBuffer | string): Uint8Array {
    if (typeof data === 'string') return new TextEncoder().encode(data);
    if (data instanceof Uint8Array) return data;
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    throw new ArgumentError('ERR_INVALID_ARG_TYPE', 'The "data" argument must be a string, an ArrayBuffer or a view of one');
  }

  /**
   * send(): copies `data` into the peer's receive queue. Returns the bytes taken: a
   * stream socket may take fewer (a partial write); throws EAGAIN when none fit.
   */
  send(fd: number, data: Uint8Array | ArrayBufferView | ArrayBuffer | string, flags = 0): number {
    checkInt('fd', fd); checkInt('flags', flags);
    const bytes = this.#bytes(data);
    const buf = this.#x.sk_buffer(bytes.length);
    new Uint8Array(this.#memory(), buf, bytes.length).set(bytes);
    return this.#check(this.#x.sk_send(fd, buf, bytes.length, flags), 'send');
  }

  /** sendto(): a datagram to `addr` (or to the connected peer when addr is omitted). */
  sendto(fd: number, data: Uint8Array | ArrayBufferView | ArrayBuffer | string, addr?: AddressInput, flags = 0): number {
    checkInt('fd', fd); checkInt('flags', flags);
    const bytes = this.#bytes(data);
    const buf = this.#x.sk_buffer(bytes.length + 128);
    new Uint8Array(this.#memory(), buf + 128, bytes.length).set(bytes);
    let alen = 0;
    if (addr !== undefined) alen = encodeSockaddr(this.#domainOf(fd), addr, this.#view(), buf);
    return this.#check(this.#x.sk_sendto(fd, buf + 128, bytes.length, flags, addr === undefined ? 0 : buf, alen), 'sendto', addr);
  }

  /**
   * recv(): up to `size` bytes as a new Uint8Array (empty at end of file). Throws
   * EAGAIN when nothing is queued, or the pending error (ECONNRESET, ECONNREFUSED...).
   * For a message socket, `truncated` in recvfrom tells whether the message was cut.
   */
  recv(fd: number, size = 65536, flags = 0): Uint8Array {
    checkInt('fd', fd); checkInt('size', size, 0); checkInt('flags', flags);
    const buf = this.#x.sk_buffer(size);
    const n = this.#check(this.#x.sk_recv(fd, buf, size, flags), 'recv');
    return new Uint8Array(this.#memory(), buf, Math.min(n, size)).slice();
  }

  /** recvfrom(): the data, the sender's address (datagrams), and whether the message was truncated. */
  recvfrom(fd: number, size = 65536, flags = 0): { data: Uint8Array; address: SocketAddress | null; truncated: boolean; length: number } {
    checkInt('fd', fd); checkInt('size', size, 0); checkInt('flags', flags);
    const buf = this.#x.sk_buffer(size + 128);
    const v0 = this.#view();
    v0.setInt32(buf + 112, 112, true);
    const n = this.#check(this.#x.sk_recvfrom(fd, buf + 128, size, flags, buf, buf + 112), 'recvfrom');
    const v = this.#view();
    const alen = v.getInt32(buf + 112, true);
    return {
      data: new Uint8Array(this.#memory(), buf + 128, Math.min(n, size)).slice(),
      address: alen > 0 ? decodeSockaddr(v, buf, alen) : null,
      truncated: (this.#x.sk_msg_flags() & 0x20) !== 0,
      length: n,
    };
  }

  /** poll() with timeout 0: the revents of each { fd, events }. */
  poll(fds: { fd: number; events: number }[]): number[] {
    const n = fds.length;
    const buf = this.#x.sk_buffer(n * 8);
    const v = this.#view();
    fds.forEach(({ fd, events }, i) => { v.setInt32(buf + i * 8, checkInt('fd', fd), true); v.setInt16(buf + i * 8 + 4, events, true); });
    this.#check(this.#x.sk_poll(buf, n), 'poll');
    const w = this.#view();
    return fds.map((_, i) => w.getUint16(buf + i * 8 + 6, true));
  }

  /** epoll_create1(): a descriptor for an epoll instance. */
  epollCreate(flags = 0): number { return this.#check(this.#x.sk_epoll_create(checkInt('flags', flags)), 'epoll_create1'); }

  /** epoll_ctl(): `data` is the number handed back by epollWait (defaults to fd). */
  epollCtl(epfd: number, op: number, fd: number, events = 0, data: number = fd): void {
    const s = this.#scratch, v = this.#view();
    v.setUint32(s, events >>> 0, true);
    v.setBigUint64(s + 4, BigInt.asUintN(64, BigInt(Math.trunc(data))), true);
    this.#check(this.#x.sk_epoll_ctl(checkInt('epfd', epfd), checkInt('op', op), checkInt('fd', fd), s), 'epoll_ctl');
  }

  /** epoll_wait() with timeout 0: the ready { events, data } (only the ready sockets are visited). */
  epollWait(epfd: number, maxEvents = 64): { events: number; data: number }[] {
    checkInt('maxEvents', maxEvents, 1, 1 << 20);
    const buf = this.#x.sk_buffer(maxEvents * 12);
    const n = this.#check(this.#x.sk_epoll_wait(checkInt('epfd', epfd), buf, maxEvents), 'epoll_wait');
    const v = this.#view();
    const out = new Array<{ events: number; data: number }>(n);
    for (let i = 0; i < n; i++) out[i] = { events: v.getUint32(buf + i * 12, true), data: Number(v.getBigInt64(buf + i * 12 + 4, true)) };
    return out;
  }

  /** unlink(2) of an AF_UNIX socket file. */
  unlink(path: string): void {
    const name = new TextEncoder().encode(path);
    if (name.length === 0 || name.length > 108) throw new ArgumentError('ERR_INVALID_ARG_VALUE', `"path" must be 1 to 108 bytes`);
    new Uint8Array(this.#memory(), this.#scratch, name.length).set(name);
    this.#check(this.#x.sk_unlink(this.#scratch, name.length), 'unlink', { path });
  }

  /** Makes an address local to this kernel (as `ip addr add` would). */
  addAddress(address: string): void {
    const len = encodeSockaddr(address.includes(':') ? AF_INET6 : AF_INET, { address, port: 0 }, this.#view(), this.#scratch);
    this.#check(this.#x.sk_add_address(this.#scratch, len), 'addAddress', { address, port: 0 });
  }

  // ---- the async layer ------------------------------------------------------------

  #streams: import('./streams.js').StreamsFacade | undefined;
  /** Connections as WHATWG streams (browsers, workers and Node): k.streams.connect / listen. */
  get streams(): import('./streams.js').StreamsFacade { return (this.#streams ??= createStreams(this)); }

  /** The reactor behind the async calls (created on first use). */
  get reactor(): Reactor { return (this.#reactor ??= new Reactor(this, this.#clock)); }

  #wouldBlock(e: unknown): boolean {
    const c = (e as { code?: string }).code;
    return c === 'EAGAIN' || c === 'EINPROGRESS' || c === 'EALREADY';
  }

  /** accept() that waits for a connection; cancel with `signal` (AbortError). */
  async acceptAsync(fd: number, { signal }: { signal?: AbortSignal } = {}): Promise<AcceptResult> {
    for (;;) {
      try { return this.accept(fd); } catch (e) { if (!this.#wouldBlock(e)) throw e; }
      await this.reactor.wait(fd, 0x1, signal);
    }
  }

  /** connect() that resolves once the handshake completes, or rejects with the error (ECONNREFUSED, ETIMEDOUT...). */
  async connectAsync(fd: number, addr: AddressInput, { signal }: { signal?: AbortSignal } = {}): Promise<void> {
    try { this.connect(fd, addr); return; } catch (e) { if (!this.#wouldBlock(e)) throw e; }
    for (;;) {
      await this.reactor.wait(fd, 0x4, signal);
      try { this.connect(fd, addr); return; } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'EISCONN') return;
        if (code !== 'EALREADY' && code !== 'EINPROGRESS') throw e;
      }
    }
  }

  /** recv() that waits for bytes (or end of file: an empty array). */
  async recvAsync(fd: number, size = 65536, { signal }: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    for (;;) {
      try { return this.recv(fd, size); } catch (e) { if (!this.#wouldBlock(e)) throw e; }
      await this.reactor.wait(fd, 0x1 | 0x2000, signal);
    }
  }

  /** send() of all of `data`, waiting for room as needed. Resolves with the byte count. */
  async sendAsync(fd: number, data: Uint8Array | ArrayBufferView | ArrayBuffer | string, { signal }: { signal?: AbortSignal } = {}): Promise<number> {
    const bytes = this.#bytes(data);
    let off = 0;
    while (off < bytes.length || bytes.length === 0) {
      try {
        off += this.send(fd, bytes.subarray(off));
        if (bytes.length === 0) break;
        continue;
      } catch (e) { if (!this.#wouldBlock(e)) throw e; }
      await this.reactor.wait(fd, 0x4, signal);
    }
    return off;
  }

  /** The listener's connections as an async iterable: `for await (const conn of k.connections(fd))`. */
  async *connections(fd: number, { signal }: { signal?: AbortSignal } = {}): AsyncGenerator<AcceptResult> {
    for (;;) yield await this.acceptAsync(fd, { signal });
  }

  // ---- batched calls ------------------------------------------------------------

  /**
   * Opens n clients: socket(domain, type) + connect(addr) each, in one call into the
   * kernel. Returns their fds; an entry is -errno where socket() or connect() failed
   * (EINPROGRESS is success).
   */
  connectBatch(n: number, domain: number, type: number, addr: AddressInput): Int32Array {
    checkInt('n', n, 0, 1 << 24);
    const len = encodeSockaddr(domain, addr, this.#view(), this.#scratch);
    const out = this.#x.sk_buffer(n * 4);
    if (out === 0) throw new ArgumentError('ERR_OUT_OF_RANGE', `"n" is too large: ${n}`);
    this.#check(this.#x.sk_connect_batch(n, checkInt('domain', domain), checkInt('type', type), this.#scratch, len, out), 'connect');
    return this.#ints().slice(out >> 2, (out >> 2) + n);
  }

  /** Accepts up to `max` queued connections in one call; returns their fds (empty when none). */
  acceptBatch(fd: number, max: number, flags = 0): Int32Array {
    checkInt('max', max, 0, 1 << 24);
    const out = this.#x.sk_buffer(max * 4);
    const n = this.#x.sk_accept_batch(checkInt('fd', fd), out, max, checkInt('flags', flags));
    if (n === -11) return new Int32Array(0);
    this.#check(n, 'accept');
    return this.#ints().slice(out >> 2, (out >> 2) + n);
  }

  /**
   * Closes every descriptor in `fds`; returns how many were open. `reset: true` closes
   * abortively, as with SO_LINGER { onoff: 1, linger: 0 }: a reset instead of a FIN, so
   * no TIME_WAIT is left behind.
   */
  closeBatch(fds: Int32Array | number[], { reset = false }: { reset?: boolean } = {}): number {
    const n = fds.length;
    const out = this.#x.sk_buffer(n * 4);
    this.#ints().set(fds, out >> 2);
    return this.#x.sk_close_batch(out, n, reset ? 1 : 0);
  }

  // ---- time ---------------------------------------------------------------------

  /** Advances simulated time by `ms` milliseconds (fractions allowed); returns events handled. */
  advance(ms: number): number {
    if (typeof ms !== 'number' || !(ms >= 0) || !Number.isFinite(ms)) {
      throw new ArgumentError('ERR_OUT_OF_RANGE', `"ms" must be a finite number >= 0. Received ${String(ms)}`);
    }
    const n = this.#x.sk_advance(BigInt(Math.round(ms * 1000)));
    this.#changed();
    return n;
  }

  /** Simulated time in milliseconds since the kernel started. */
  now(): number { return Number(this.#x.sk_now()) / 1000; }

  /** Milliseconds until the next scheduled event, or null when none is pending. */
  nextTimer(): number | null {
    const t = this.#x.sk_next_timer();
    return t < 0n ? null : Number(t) / 1000;
  }

  /** Advances to each next event until none is left or `maxMs` have passed; returns events handled. */
  runUntilIdle(maxMs = 3_600_000): number {
    let n = 0;
    const end = this.now() + maxMs;
    for (let next = this.nextTimer(); next !== null && this.now() + next <= end; next = this.nextTimer()) {
      n += this.advance(next);
    }
    return n;
  }

  // ---- observability ------------------------------------------------------------

  /** Every counter, by its Linux (TcpExt / Tcp) name where one exists. */
  stats(): Record<StatName, number> {
    const out = {} as Record<StatName, number>;
    STAT_NAMES.forEach((name, i) => { out[name] = Number(this.#x.sk_stat(i)); });
    return out;
  }

  /** The socket table as `ss -a` shows it; listeners carry queue lengths. */
  sockets(): SocketInfo[] {
    const rows: SocketInfo[] = [];
    const s = this.#scratch;
    for (let c = this.#x.sk_sock_row(0); c >= 0; c = this.#x.sk_sock_row(c)) {
      const v = this.#view();
      const domain = v.getUint8(s + 5), type = v.getUint8(s + 6), fd = v.getInt32(s, true);
      const peerLen = v.getInt32(s + 28, true);
      rows.push({
        fd: fd < 0 ? null : fd,
        state: SOCKET_STATES[v.getUint8(s + 4)],
        family: domain === AF_UNIX ? 'unix' : domain === AF_INET6 ? 'IPv6' : 'IPv4',
        type: type === 2 ? 'dgram' : type === 5 ? 'seqpacket' : 'stream',
        recvQ: v.getUint32(s + 8, true),
        sendQ: v.getUint32(s + 12, true),
        synRecv: v.getUint32(s + 16, true),
        drops: v.getUint32(s + 20, true),
        local: decodeSockaddr(v, s + 32, v.getInt32(s + 24, true)),
        peer: peerLen > 0 ? decodeSockaddr(v, s + 144, peerLen) : null,
      });
    }
    return rows;
  }

  /**
   * Walks every kernel table and checks their invariants (descriptors, bind and listen
   * lists, queues, 4-tuples, TIME_WAIT). Throws KernelPanic naming the broken one. For
   * tests and debugging: it costs O(tables).
   */
  check(): void {
    const r = this.#x.sk_check();
    if (r !== 0) throw new KernelPanic(`socket-kernel consistency check failed: invariant ${-r} (assembly/check.ts)`);
  }

  /** Linear-memory accounting in bytes, and live object counts. */
  memoryUsage(): { total: number; sockets: number; fdTable: number; ports: number; tuples: number; listeners: number; timers: number; liveSockets: number; fds: number; pendingEvents: number; timeWait: number; queuedBytes: number } {
    const m = (i: number) => Number(this.#x.sk_mem(i));
    return {
      total: m(0), sockets: m(1), fdTable: m(2), ports: m(3), tuples: m(4), listeners: m(5),
      timers: m(6), liveSockets: m(7), fds: m(8), pendingEvents: m(9), timeWait: m(10), queuedBytes: m(11),
    };
  }
}

// `k.net`, the node:net facade, is Node's only: the Node entry (index.ts) installs it and
// declares it on Kernel's type. Elsewhere the property is absent from the types, and a
// JavaScript caller who reaches for it anyway is told why.
Object.defineProperty(Kernel.prototype, 'net', {
  configurable: true,
  get(): never {
    throw new PlatformError('kernel.net (the node:net facade) is available in Node.js only: it is built on node:stream and node:events. Use the async calls (acceptAsync, connectAsync, recvAsync, sendAsync) elsewhere.');
  },
});
