// The Kernel: the system-call API over one kernel instance. Platform-neutral: it is
// given a compiled WebAssembly.Module; the entries (index.ts, browser.ts, ...) find it.
//
// Every call goes straight to the kernel; the host keeps no copy of kernel state.
// Where things live:
//   abi/       the exports table and the type derived from it, the instance and its
//              memory views, memory layouts, the import shim
//   options.ts the tunables (one table) and createKernel's options
//   sys.ts     the errno API (k.sys): the one implementation of the calls both APIs have
//   kernel.ts  (here) the throwing API over sys, the other calls, the async calls, time
//   batch.ts   connectBatch / acceptBatch / closeBatch
//   observe.ts stats, sockets, check, memoryUsage

import { AF_INET, AF_INET6, EPOLLIN, EPOLLRDHUP } from './constants.js';
import { ArgumentError, Errno, checkInt, socketError } from './errors.js';
import { decodeSockaddr, encodeSockaddr, type AddressInput, type SocketAddress } from './sockaddr.js';
import { Reactor, type ClockName } from './async.js';
import { PlatformError } from './load.js';
import { createStreams } from './streams.js';
import { KernelInstance, hostAccess, type KernelAccess } from './abi/instance.js';
import { Network, addAddresses, uplinkArgs, type LinkOptions, type LinkStats, type UplinkOptions, type UplinkStats } from './hosts.js';
import { ADDR_LEN_OUT, ADDR_OUT, EPOLL_EVENT, POLLFD, RECVFROM, SOCKADDR_ROOM } from './abi/layouts.js';
import { PERSONALITIES, TUNABLES, checkTunable, parseOptions, tunableId, type KernelOptions, type PersonalityName, type TunableName } from './options.js';
import { Sys, type SockoptValue, type SysCalls } from './sys.js';
import { acceptBatch, closeBatch, connectBatch } from './batch.js';
import { check, memoryUsage, sockets, stats, type MemoryUsage, type SocketInfo } from './observe.js';
import type { StatName } from './constants.js';

export { KernelPanic, kernelImports } from './abi/imports.js';
export type { KernelOptions, KernelName, PersonalityName } from './options.js';
export type { SysCalls } from './sys.js';
export type { SocketInfo, MemoryUsage } from './observe.js';
export type { LinkOptions, LinkStats, GilbertElliott, UplinkOptions, UplinkStats } from './hosts.js';

/** k.addHost's options: any createKernel tunable, and the host's name and addresses. */
export interface HostOptions extends Omit<KernelOptions, 'clock'> {
  /** A name for reports (default `host<id>`). */
  name?: string;
  /** Addresses of this host (`ip addr add`); the first is its source towards other hosts. */
  addresses?: string[];
  /** The host's uplink (rate bit/s, limit bytes): its packets to other hosts queue there before their link. */
  uplink?: UplinkOptions;
}

export interface AcceptResult { fd: number; address: SocketAddress }

type Data = Uint8Array | ArrayBufferView | ArrayBuffer | string;

const MSG_TRUNC = 0x20;

export class Kernel {
  readonly personality: PersonalityName;
  /** The errno-returning flavour of the system calls (see SysCalls). */
  readonly sys: SysCalls;
  /** This host's id: 0 for the kernel itself (the default host), >= 1 for k.addHost's. */
  readonly hostId: number;
  /** The host's name ('default' for host 0). */
  readonly name: string;
  readonly #k: KernelAccess;
  readonly #sys: Sys;
  #reactor: Reactor | undefined;
  readonly #clock: ClockName;
  readonly #seed: bigint;
  /** The kernel (host 0) this host lives in; itself for host 0. */
  readonly #root: Kernel;
  #network: Network | undefined;
  /** Host 0: the hosts (itself included) whose async layer exists, told when time moves. */
  readonly #waiting: Kernel[] = [];

  /**
   * `host` is internal (k.addHost): the instance's view for a host that sk_host_create
   * has made, its id, name and the kernel it belongs to.
   */
  constructor(module: WebAssembly.Module, options: KernelOptions = {}, host?: { access: KernelAccess; id: number; name: string; root: Kernel }) {
    const o = parseOptions(options);
    this.personality = o.personality;
    this.#clock = o.clock;
    this.#seed = o.seed;
    this.#k = host?.access ?? new KernelInstance(module, PERSONALITIES[o.personality], o.seed);
    this.hostId = host?.id ?? 0;
    this.name = host?.name ?? 'default';
    this.#root = host?.root ?? this;
    this.sys = this.#sys = new Sys(this.#k);
    for (const [id, value] of o.tunables) this.#setTunable(id, value);
    if (o.ipLocalPortRange !== undefined) {
      const [lo, hi] = o.ipLocalPortRange, low = tunableId('ipLocalPortRangeLow'), high = tunableId('ipLocalPortRangeHigh');
      // The kernel refuses low > high at every step, so move the end that keeps it ordered first.
      if (lo > this.sysctl('ipLocalPortRangeHigh')) { this.#setTunable(high, hi); this.#setTunable(low, lo); }
      else { this.#setTunable(low, lo); this.#setTunable(high, hi); }
    }
  }

  #setTunable(id: number, value: number): void {
    const r = this.#k.x.sk_sysctl_set(id, BigInt(value));
    if (r < 0) throw new ArgumentError('ERR_OUT_OF_RANGE', `"${TUNABLES[id]}" is out of range. Received ${value}`);
  }

  /** Reads a tunable by its sysctl name, in its own unit (options.ts TUNABLE_TABLE). */
  sysctl(name: TunableName): number {
    return Number(this.#k.x.sk_sysctl_get(tunableId(name)));
  }

  /** Changes a tunable at run time, as `sysctl -w` does; any value sysctl() reads back is accepted. */
  setSysctl(name: TunableName, value: number): void {
    const id = tunableId(name);
    this.#setTunable(id, checkTunable(id, value));
  }

  /** A -errno result becomes a SocketError (for a call whose readiness effect sys already reported). */
  #throwIf(r: number, syscall: string, addr?: AddressInput | SocketAddress): number {
    if (r >= 0) return r;
    if (addr) {
      if ('path' in addr) throw socketError(r, syscall, addr.path);
      throw socketError(r, syscall, addr.address, addr.port);
    }
    throw socketError(r, syscall);
  }

  /** For calls made here rather than through sys: tells the async layer, then #throwIf. */
  #check(r: number, syscall: string, addr?: AddressInput | SocketAddress): number {
    this.#reactor?.changed();
    return this.#throwIf(r, syscall, addr);
  }

  readonly #checkFn = (r: number, syscall: string): number => this.#check(r, syscall);

  /** The address a call left in the scratch area (accept, getsockname, getpeername). */
  #addressOut(): SocketAddress {
    const s = this.#k.scratch, v = this.#k.view();
    return decodeSockaddr(v, s + ADDR_OUT, v.getInt32(s + ADDR_LEN_OUT, true));
  }

  // ---- system calls: the throwing API ---------------------------------------------

  socket(domain: number, type: number, protocol = 0): number {
    return this.#throwIf(this.#sys.socket(domain, type, protocol), 'socket');
  }

  bind(fd: number, addr: AddressInput): void {
    this.#throwIf(this.#sys.bind(fd, addr), 'bind', addr);
  }

  listen(fd: number, backlog: number): void {
    const r = this.#sys.listen(fd, backlog);
    if (r < 0) {
      let where: SocketAddress | undefined;
      try { where = this.getsockname(fd); } catch { where = undefined; }
      this.#throwIf(r, 'listen', where);
    }
  }

  /** Throws SocketError EINPROGRESS when the handshake has not completed, as POSIX says. */
  connect(fd: number, addr: AddressInput): void {
    this.#throwIf(this.#sys.connect(fd, addr), 'connect', addr);
  }

  /** Disassociates a socket (connect with AF_UNSPEC). */
  disconnect(fd: number): void {
    this.#throwIf(this.#sys.disconnect(fd), 'connect');
  }

  accept(fd: number): AcceptResult {
    const r = this.#throwIf(this.#sys.acceptAt(fd, null, true), 'accept');
    return { fd: r, address: this.#addressOut() };
  }

  accept4(fd: number, flags: number): AcceptResult {
    const r = this.#throwIf(this.#sys.acceptAt(fd, flags, true), 'accept4');
    return { fd: r, address: this.#addressOut() };
  }

  close(fd: number): void {
    this.#throwIf(this.#sys.close(fd), 'close');
  }

  shutdown(fd: number, how: number): void {
    this.#throwIf(this.#sys.shutdown(fd, how), 'shutdown');
  }

  #name(fd: number, call: 'getsockname' | 'getpeername'): SocketAddress {
    checkInt('fd', fd);
    const s = this.#k.scratch;
    this.#k.view().setInt32(s + ADDR_LEN_OUT, SOCKADDR_ROOM, true);
    const x = this.#k.x;
    const r = call === 'getsockname' ? x.sk_getsockname(fd, s + ADDR_OUT, s + ADDR_LEN_OUT) : x.sk_getpeername(fd, s + ADDR_OUT, s + ADDR_LEN_OUT);
    this.#check(r, call);
    return this.#addressOut();
  }

  getsockname(fd: number): SocketAddress { return this.#name(fd, 'getsockname'); }
  getpeername(fd: number): SocketAddress { return this.#name(fd, 'getpeername'); }

  /** Integer options (SO_ERROR, SO_ACCEPTCONN, SO_TYPE, ...). SO_ERROR is cleared by reading. */
  getsockopt(fd: number, level: number, name: number): number {
    const s = this.#k.scratch;
    this.#k.view().setInt32(s + ADDR_LEN_OUT, 4, true);
    this.#check(this.#k.x.sk_getsockopt(checkInt('fd', fd), checkInt('level', level), checkInt('name', name), s, s + ADDR_LEN_OUT), 'getsockopt');
    return this.#k.view().getInt32(s, true);
  }

  /**
   * Integer options; SO_LINGER as { onoff, linger } (struct linger); FreeBSD's
   * SO_ACCEPTFILTER as { name: 'dataready' | 'httpready' } or null to remove it.
   */
  setsockopt(fd: number, level: number, name: number, value: SockoptValue): void {
    this.#throwIf(this.#sys.setsockopt(fd, level, name, value), 'setsockopt');
  }

  fcntl(fd: number, cmd: number, arg = 0): number {
    return this.#check(this.#k.x.sk_fcntl(checkInt('fd', fd), checkInt('cmd', cmd), checkInt('arg', arg)), 'fcntl');
  }

  /** Bytes as the kernel takes them: strings are UTF-8 (send, sendto, sendAsync). */
  #bytes(data: Data): Uint8Array {
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
  send(fd: number, data: Data, flags = 0): number {
    checkInt('fd', fd); checkInt('flags', flags);
    const bytes = this.#bytes(data);
    const buf = this.#k.buffer(bytes.length, 'send data');
    new Uint8Array(this.#k.memory(), buf, bytes.length).set(bytes);
    return this.#check(this.#k.x.sk_send(fd, buf, bytes.length, flags), 'send');
  }

  /** sendto(): a datagram to `addr` (or to the connected peer when addr is omitted). */
  sendto(fd: number, data: Data, addr?: AddressInput, flags = 0): number {
    checkInt('fd', fd); checkInt('flags', flags);
    const bytes = this.#bytes(data);
    const buf = this.#k.buffer(bytes.length + RECVFROM.data, 'sendto data');
    new Uint8Array(this.#k.memory(), buf + RECVFROM.data, bytes.length).set(bytes);
    let alen = 0;
    if (addr !== undefined) alen = encodeSockaddr(this.#sys.domainOf(fd), addr, this.#k.view(), buf);
    return this.#check(this.#k.x.sk_sendto(fd, buf + RECVFROM.data, bytes.length, flags, addr === undefined ? 0 : buf, alen), 'sendto', addr);
  }

  /**
   * recv(): up to `size` bytes as a new Uint8Array (empty at end of file). Throws
   * EAGAIN when nothing is queued, or the pending error (ECONNRESET, ECONNREFUSED...).
   * For a message socket, `truncated` in recvfrom tells whether the message was cut.
   */
  recv(fd: number, size = 65536, flags = 0): Uint8Array {
    checkInt('fd', fd); checkInt('size', size, 0); checkInt('flags', flags);
    const buf = this.#k.buffer(size, 'recv size');
    const n = this.#check(this.#k.x.sk_recv(fd, buf, size, flags), 'recv');
    return new Uint8Array(this.#k.memory(), buf, Math.min(n, size)).slice();
  }

  /** recvfrom(): the data, the sender's address (datagrams), and whether the message was truncated. */
  recvfrom(fd: number, size = 65536, flags = 0): { data: Uint8Array; address: SocketAddress | null; truncated: boolean; length: number } {
    checkInt('fd', fd); checkInt('size', size, 0); checkInt('flags', flags);
    const buf = this.#k.buffer(size + RECVFROM.data, 'recvfrom size');
    this.#k.view().setInt32(buf + RECVFROM.lenPtr, SOCKADDR_ROOM, true);
    const n = this.#check(this.#k.x.sk_recvfrom(fd, buf + RECVFROM.data, size, flags, buf + RECVFROM.addr, buf + RECVFROM.lenPtr), 'recvfrom');
    const v = this.#k.view();
    const alen = v.getInt32(buf + RECVFROM.lenPtr, true);
    return {
      data: new Uint8Array(this.#k.memory(), buf + RECVFROM.data, Math.min(n, size)).slice(),
      address: alen > 0 ? decodeSockaddr(v, buf + RECVFROM.addr, alen) : null,
      truncated: (this.#k.x.sk_msg_flags() & MSG_TRUNC) !== 0,
      length: n,
    };
  }

  /** poll() with timeout 0: the revents of each { fd, events }. */
  poll(fds: { fd: number; events: number }[]): number[] {
    if (!Array.isArray(fds)) throw new ArgumentError('ERR_INVALID_ARG_TYPE', `"fds" must be an array of { fd, events }. Received ${typeof fds}`);
    const n = fds.length, P = POLLFD;
    for (let i = 0; i < n; i++) {
      const e: unknown = fds[i];
      if (e === null || typeof e !== 'object') throw new ArgumentError('ERR_INVALID_ARG_TYPE', `"fds[${i}]" must be an object { fd, events }. Received ${typeof e}`);
      checkInt(`fds[${i}].fd`, (e as { fd: unknown }).fd);
      checkInt(`fds[${i}].events`, (e as { events: unknown }).events, 0, 0xffff);   // struct pollfd: short events
    }
    const buf = this.#k.buffer(n * P.size, `poll of ${n} entries`);
    const v = this.#k.view();
    fds.forEach(({ fd, events }, i) => { v.setInt32(buf + i * P.size + P.fd, fd, true); v.setInt16(buf + i * P.size + P.events, events, true); });
    this.#check(this.#k.x.sk_poll(buf, n), 'poll');
    const w = this.#k.view();
    return fds.map((_, i) => w.getUint16(buf + i * P.size + P.revents, true));
  }

  /** epoll_create1(): a descriptor for an epoll instance. */
  epollCreate(flags = 0): number { return this.#check(this.#k.x.sk_epoll_create(checkInt('flags', flags)), 'epoll_create1'); }

  /** epoll_ctl(): `data` is the number handed back by epollWait (defaults to fd). */
  epollCtl(epfd: number, op: number, fd: number, events = 0, data: number = fd): void {
    checkInt('epfd', epfd); checkInt('op', op); checkInt('fd', fd);
    // u32 events: EPOLLET is 1 << 31, negative as an int32 constant.
    checkInt('events', events, -0x80000000, 0xffffffff);
    checkInt('data', data, -(2 ** 53), 2 ** 53);
    const s = this.#k.scratch, v = this.#k.view(), E = EPOLL_EVENT;
    v.setUint32(s + E.events, events >>> 0, true);
    // data as two u32 halves (a BigInt per call cost more than the call); integers up to 2^53.
    const d = Math.trunc(data), lo = ((d % 0x1_0000_0000) + 0x1_0000_0000) % 0x1_0000_0000;
    v.setUint32(s + E.data, lo, true);
    v.setInt32(s + E.data + 4, (d - lo) / 0x1_0000_0000, true);
    this.#check(this.#k.x.sk_epoll_ctl(epfd, op, fd, s), 'epoll_ctl');
  }

  /** epoll_wait() with timeout 0: the ready { events, data } (only the ready sockets are visited). */
  epollWait(epfd: number, maxEvents = 64): { events: number; data: number }[] {
    checkInt('maxEvents', maxEvents, 1, 1 << 20);
    const E = EPOLL_EVENT;
    const buf = this.#k.buffer(maxEvents * E.size, 'epollWait maxEvents');
    const n = this.#check(this.#k.x.sk_epoll_wait(checkInt('epfd', epfd), buf, maxEvents), 'epoll_wait');
    const v = this.#k.view();
    const out = new Array<{ events: number; data: number }>(n);
    for (let i = 0; i < n; i++) {
      const at = buf + i * E.size;
      out[i] = { events: v.getUint32(at + E.events, true), data: v.getInt32(at + E.data + 4, true) * 0x1_0000_0000 + v.getUint32(at + E.data, true) };
    }
    return out;
  }

  /**
   * epollWait into caller-owned arrays (no object per event, for hot loops): fills
   * events[i] and data[i] for up to min(events.length, data.length) ready sockets and
   * returns how many.
   */
  epollWaitInto(epfd: number, events: Uint32Array, data: Float64Array): number {
    if (!(events instanceof Uint32Array) || !(data instanceof Float64Array)) {
      throw new ArgumentError('ERR_INVALID_ARG_TYPE', 'epollWaitInto takes a Uint32Array and a Float64Array');
    }
    const max = Math.min(events.length, data.length, 1 << 20);
    if (max === 0) return 0;
    const E = EPOLL_EVENT;
    const buf = this.#k.buffer(max * E.size, 'epollWaitInto arrays');
    const n = this.#check(this.#k.x.sk_epoll_wait(checkInt('epfd', epfd), buf, max), 'epoll_wait');
    const v = this.#k.view();
    for (let i = 0; i < n; i++) {
      const at = buf + i * E.size;
      events[i] = v.getUint32(at + E.events, true);
      data[i] = v.getInt32(at + E.data + 4, true) * 0x1_0000_0000 + v.getUint32(at + E.data, true);
    }
    return n;
  }

  /**
   * The ids of the hosts (this kernel's network) whose epoll instances had an item
   * woken (readiness may have changed) since the last call, oldest first, up to out.length (a host may repeat): with
   * many hosts, epollWait only on those. The simulator's own call, not a system call.
   */
  epollReadyHosts(out: Uint32Array): number {
    if (!(out instanceof Uint32Array)) throw new ArgumentError('ERR_INVALID_ARG_TYPE', 'epollReadyHosts takes a Uint32Array');
    const max = Math.min(out.length, 1 << 20);
    if (max === 0) return 0;
    const buf = this.#k.buffer(max * 4, 'epollReadyHosts out');
    const n = this.#check(this.#k.x.sk_epoll_ready_hosts(buf, max), 'epollReadyHosts');
    const v = this.#k.view();
    for (let i = 0; i < n; i++) out[i] = v.getUint32(buf + 4 * i, true);
    return n;
  }

  /** unlink(2) of an AF_UNIX socket file. */
  unlink(path: string): void {
    if (typeof path !== 'string') throw new ArgumentError('ERR_INVALID_ARG_TYPE', `"path" must be a string. Received ${typeof path}`);
    const name = new TextEncoder().encode(path);
    if (name.length === 0 || name.length > 108) throw new ArgumentError('ERR_INVALID_ARG_VALUE', `"path" must be 1 to 108 bytes`);
    new Uint8Array(this.#k.memory(), this.#k.scratch, name.length).set(name);
    this.#check(this.#k.x.sk_unlink(this.#k.scratch, name.length), 'unlink', { path });
  }

  /** Makes an address local to this kernel (as `ip addr add` would). */
  addAddress(address: string): void {
    if (typeof address !== 'string') throw new ArgumentError('ERR_INVALID_ARG_TYPE', `"address" must be a string. Received ${typeof address}`);
    const len = encodeSockaddr(address.includes(':') ? AF_INET6 : AF_INET, { address, port: 0 }, this.#k.view(), this.#k.scratch);
    this.#check(this.#k.x.sk_add_address(this.#k.scratch, len), 'addAddress', { address, port: 0 });
  }

  // ---- the async layer ------------------------------------------------------------

  #streams: import('./streams.js').StreamsFacade | undefined;
  /** Connections as WHATWG streams (browsers, workers and Node): k.streams.connect / listen. */
  get streams(): import('./streams.js').StreamsFacade { return (this.#streams ??= createStreams(this)); }

  /** The reactor behind the async calls (created on first use; sys tells it what changed and what closed). */
  get reactor(): Reactor {
    if (this.#reactor === undefined) {
      this.#sys.listener = this.#reactor = new Reactor(this, this.#clock);
      this.#root.#waiting.push(this);
    }
    return this.#reactor;
  }

  #wouldBlock(e: unknown): boolean {
    const c = (e as { code?: string }).code;
    return c === 'EAGAIN' || c === 'EINPROGRESS' || c === 'EALREADY';
  }

  /** accept() that waits for a connection; cancel with `signal` (AbortError). */
  async acceptAsync(fd: number, { signal }: { signal?: AbortSignal } = {}): Promise<AcceptResult> {
    for (let revents = 0; ;) {
      try { return this.accept(fd); } catch (e) {
        if (!this.#wouldBlock(e)) throw e;
        // An AF_UNIX listener shut down for reading (POLLRDHUP) with nothing queued: the
        // blocking unix_accept returns EINVAL (skb_recv_datagram wakes on RCV_SHUTDOWN
        // with no error), where the nonblocking accept() says EAGAIN.
        if ((revents & EPOLLRDHUP) !== 0) throw socketError(-Errno.EINVAL, 'accept');
      }
      revents = await this.reactor.wait(fd, EPOLLIN, signal);
    }
  }

  /**
   * connect() that resolves once the handshake completes, or rejects with the error
   * (ECONNREFUSED, ETIMEDOUT...). An AF_UNIX listener's full queue is waited out, as a
   * blocking unix_stream_connect does (docs/personalities.md §9).
   */
  async connectAsync(fd: number, addr: AddressInput, { signal }: { signal?: AbortSignal } = {}): Promise<void> {
    let started = false;
    for (;;) {
      try { this.connect(fd, addr); return; } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'EISCONN' && started) return;
        if (code === 'EAGAIN' && 'path' in addr) {
          // unix_stream_connect: "timeo = unix_wait_for_peer(other, timeo); ... goto restart;"
          // (the kernel has no SO_SNDTIMEO: the wait ends with room or the listener's close).
          await this.reactor.waitPeer(fd, signal);
          continue;
        }
        if (code !== 'EINPROGRESS' && code !== 'EALREADY') throw e;
      }
      started = true;
      await this.reactor.wait(fd, 0x4, signal);
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
  async sendAsync(fd: number, data: Data, { signal }: { signal?: AbortSignal } = {}): Promise<number> {
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

  // ---- batched calls (batch.ts) -------------------------------------------------------

  /**
   * Opens n clients: socket(domain, type) + connect(addr) each, in one call into the
   * kernel. Returns their fds; an entry is -errno where socket() or connect() failed
   * (EINPROGRESS is success).
   */
  connectBatch(n: number, domain: number, type: number, addr: AddressInput): Int32Array {
    return connectBatch(this.#k, this.#checkFn, n, domain, type, addr);
  }

  /** Accepts up to `max` queued connections in one call; returns their fds (empty when none). */
  acceptBatch(fd: number, max: number, flags = 0): Int32Array {
    return acceptBatch(this.#k, this.#checkFn, fd, max, flags);
  }

  /**
   * Closes every descriptor in `fds`; returns how many were open. `reset: true` closes
   * abortively, as with SO_LINGER { onoff: 1, linger: 0 }: a reset instead of a FIN, so
   * no TIME_WAIT is left behind. Waiters on a closed descriptor wake, as after close().
   */
  closeBatch(fds: Int32Array | number[], { reset = false }: { reset?: boolean } = {}): number {
    return closeBatch(this.#k, this.#checkFn, this.#reactor, fds, reset);
  }

  // ---- hosts and links (hosts.ts, docs/network.md) -----------------------------------

  /**
   * A new host in this kernel's network, with the same calls as the kernel (socket,
   * bind, listen, connect, accept, send, recv, close, sys, connectBatch, stats,
   * sockets, ...). Options: any createKernel tunable (somaxconn, tcpSynRetries, ...),
   * `personality`, `seed` (default: derived from the kernel's seed and the id), `name`,
   * `addresses`. Time is the kernel's: advance/now/nextTimer act on the whole network.
   */
  addHost(options: HostOptions = {}): Kernel {
    if (this.#root !== this) return this.#root.addHost(options);
    if (options === null || typeof options !== 'object') throw new ArgumentError('ERR_INVALID_ARG_TYPE', 'The "options" argument must be an object');
    const { name, addresses, uplink, ...rest } = options;
    if (name !== undefined && typeof name !== 'string') throw new ArgumentError('ERR_INVALID_ARG_TYPE', '"name" must be a string');
    const up = uplink === undefined ? undefined : uplinkArgs(uplink);
    if ('clock' in rest) throw new ArgumentError('ERR_INVALID_ARG_VALUE', 'Unknown option "clock": a host uses its kernel\'s clock');
    const id = this.#k.x.sk_host_count();
    const o = parseOptions({ ...rest, seed: rest.seed ?? BigInt.asIntN(64, this.#seed + BigInt(id) * 0x9E3779B97F4A7C15n) });
    const r = this.#k.x.sk_host_create(PERSONALITIES[o.personality], o.seed);
    if (r < 0) throw socketError(r, 'addHost');
    const host = new Kernel(undefined as unknown as WebAssembly.Module, { ...rest, seed: o.seed }, { access: hostAccess(this.#k, r), id: r, name: name ?? `host${r}`, root: this });
    addAddresses(host.#k, addresses);
    if (up) this.#net.uplink(host, up);
    return host;
  }

  get #net(): Network {
    return (this.#root.#network ??= new Network(this.#root.#k, (h) => {
      if (h instanceof Kernel && h.#root === this.#root) return h.hostId;
      throw new ArgumentError('ERR_INVALID_ARG_TYPE', 'A link end must be this kernel or one of its hosts (k.addHost)');
    }));
  }

  /** Sets the directed link a → b (`both: true`: b → a too), now or `at` ms. */
  link(a: Kernel, b: Kernel, options: LinkOptions, when: { both?: boolean; at?: number } = {}): void { this.#net.link(a, b, options, when); }
  /** Changes an existing link, now or `at` ms (the same options as link). */
  setLink(a: Kernel, b: Kernel, options: LinkOptions, when: { both?: boolean; at?: number } = {}): void { this.#net.link(a, b, options, when); }
  /** The link every pair not named by link() follows. */
  defaultLink(options: LinkOptions, when: { at?: number } = {}): void { this.#net.defaultLink(options, when); }
  /** The pair a → b follows the default link again. */
  unsetLink(a: Kernel, b: Kernel, when: { at?: number } = {}): void { this.#net.unset(a, b, when); }
  /** Cuts a and b apart (both ways unless `oneWay`: then a → b only), now or `at` ms: packets sent meanwhile are dropped. */
  partition(a: Kernel, b: Kernel, when: { at?: number; oneWay?: boolean } = {}): void { this.#net.partition(a, b, when); }
  /** Ends a partition (both ways unless `oneWay`). */
  heal(a: Kernel, b: Kernel, when: { at?: number; oneWay?: boolean } = {}): void { this.#net.heal(a, b, when); }
  /** Packets a → b wait until release. */
  hold(a: Kernel, b: Kernel, when: { at?: number } = {}): void { this.#net.hold(a, b, when); }
  /** The held packets a → b go, in order; returns how many (0 when scheduled with `at`). */
  release(a: Kernel, b: Kernel, when: { at?: number } = {}): number { return this.#net.release(a, b, when); }
  /** Counters of the link a → b (packets and bytes); with no arguments, the whole network's. */
  linkStats(a?: Kernel, b?: Kernel): LinkStats { return this.#net.stats(a, b); }
  /** Sets host h's uplink (rate bit/s, 0 none; limit bytes), now or `at` ms: every packet h sends to another host queues there before its link. */
  setUplink(h: Kernel, options: UplinkOptions, when: { at?: number } = {}): void { this.#net.uplink(h, uplinkArgs(options), when); }
  /** Counters of host h's uplink (packets and bytes); with no argument, every uplink's. */
  uplinkStats(h?: Kernel): UplinkStats { return this.#net.uplinkStats(h); }
  /** How many hosts the network has (the kernel's default host included). */
  hostCount(): number { return this.#k.x.sk_host_count(); }

  // ---- time ---------------------------------------------------------------------

  /** Advances simulated time by `ms` milliseconds (fractions allowed); returns events handled. */
  advance(ms: number): number {
    if (typeof ms !== 'number' || !(ms >= 0) || !Number.isFinite(ms)) {
      throw new ArgumentError('ERR_OUT_OF_RANGE', `"ms" must be a finite number >= 0. Received ${String(ms)}`);
    }
    const n = this.#k.x.sk_advance(BigInt(Math.round(ms * 1000)));
    // Time is the network's: every host whose async calls wait may have been woken.
    for (const h of this.#root.#waiting) h.#reactor?.changed();
    return n;
  }

  /** Simulated time in milliseconds since the kernel started. */
  now(): number { return Number(this.#k.x.sk_now()) / 1000; }

  /** Milliseconds until the next scheduled event, or null when none is pending. */
  nextTimer(): number | null {
    const t = this.#k.x.sk_next_timer();
    return t < 0n ? null : Number(t) / 1000;
  }

  /** Advances to each next event until none is left or `maxMs` have passed; returns events handled. */
  runUntilIdle(maxMs = 3_600_000): number {
    if (typeof maxMs !== 'number') throw new ArgumentError('ERR_INVALID_ARG_TYPE', `"maxMs" must be a number. Received ${typeof maxMs}`);
    if (!(maxMs >= 0) || !Number.isFinite(maxMs)) throw new ArgumentError('ERR_OUT_OF_RANGE', `"maxMs" must be a finite number >= 0. Received ${maxMs}`);
    let n = 0;
    const end = this.now() + maxMs;
    for (let next = this.nextTimer(); next !== null && this.now() + next <= end; next = this.nextTimer()) {
      n += this.advance(next);
    }
    return n;
  }

  // ---- observability (observe.ts) -------------------------------------------------------

  /** Every counter, by its Linux (TcpExt / Tcp) name where one exists. */
  stats(): Record<StatName, number> { return stats(this.#k); }

  /** The socket table as `ss -a` shows it; listeners carry queue lengths. */
  sockets(): SocketInfo[] { return sockets(this.#k); }

  /**
   * One listener's queues in O(1) (k.sockets() walks the whole table): the accept queue
   * (ss -lt Recv-Q), the backlog in force (Send-Q), the SYN queue and the drops.
   */
  listenQueues(fd: number): { recvQ: number; sendQ: number; synRecv: number; drops: number } {
    this.#check(this.#k.x.sk_listen_queues(checkInt('fd', fd)), 'listenQueues');
    const v = this.#k.view(), s = this.#k.scratch;
    return { recvQ: v.getUint32(s, true), sendQ: v.getUint32(s + 4, true), synRecv: v.getUint32(s + 8, true), drops: v.getUint32(s + 12, true) };
  }

  /**
   * Walks every kernel table and checks their invariants (descriptors, bind and listen
   * lists, queues, 4-tuples, TIME_WAIT). Throws KernelPanic naming the broken one. For
   * tests and debugging: it costs O(tables).
   */
  check(): void { check(this.#k); }

  /** Linear-memory accounting in bytes, and live object counts. */
  memoryUsage(): MemoryUsage { return memoryUsage(this.#k); }
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
