// The errno API (k.sys): each system call that both APIs offer is implemented here
// once, answering as the kernel does (a result >= 0, or a negative errno such as -115
// for EINPROGRESS). The throwing API (host/kernel.ts) wraps these and turns a negative
// result into a SocketError. This is the hot path of the benchmark: no allocation, one
// crossing into the kernel per call.

import { AF_INET } from './constants.js';
import { ArgumentError, checkInt } from './errors.js';
import { encodeSockaddr, type AddressInput } from './sockaddr.js';
import type { KernelAccess } from './abi/instance.js';
import {
  ACCEPT_FILTER_ARG_SIZE, ACCEPT_FILTER_NAME_MAX, ADDR_LEN_OUT, ADDR_OUT, LINGER_SIZE, SOCKADDR_ROOM,
} from './abi/layouts.js';

/** SO_LINGER's struct linger. */
export interface Linger { onoff: number | boolean; linger: number }
/** FreeBSD's SO_ACCEPTFILTER: struct accept_filter_arg by its filter name. */
export interface AcceptFilter { name: string }
/** What setsockopt takes: an integer (or boolean), a struct, or null to remove an accept filter. */
export type SockoptValue = number | boolean | Linger | AcceptFilter | null;

/**
 * The errno API: the same system calls, answering as the kernel does (a result >= 0,
 * or a negative errno such as -115 for EINPROGRESS) instead of throwing. For hot
 * loops: a thrown error costs V8 more than the system call itself. Bad JavaScript
 * arguments still throw (ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE).
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
  /** Integer options; SO_LINGER as { onoff, linger }; SO_ACCEPTFILTER as { name } or null. */
  setsockopt(fd: number, level: number, name: number, value: SockoptValue): number;
  /** Bytes taken, or -errno (-EAGAIN when none fit). */
  send(fd: number, data: Uint8Array, flags?: number): number;
  /** Bytes read into `into` (0 at end of file), or -errno (-EAGAIN when nothing is queued). */
  recv(fd: number, into: Uint8Array, flags?: number): number;
}

/** Told about calls that can change readiness, and about closed descriptors (the async layer's Reactor). */
export interface ReadinessListener { changed(): void; closed(fd: number): void }

export class Sys implements SysCalls {
  /** Set once the async layer exists. */
  listener: ReadinessListener | undefined;
  readonly #k: KernelAccess;
  // Kept at hand: the hot path reads them on every call.
  readonly #x: KernelAccess['x'];
  readonly #s: number;

  constructor(k: KernelAccess) { this.#k = k; this.#x = k.x; this.#s = k.scratch; }

  #changed(r: number): number {
    if (this.listener !== undefined) this.listener.changed();
    return r;
  }

  /** The socket's family, to encode an address as its calls expect (AF_INET if fd is bad: the call then fails on the fd). */
  domainOf(fd: number): number {
    const d = this.#x.sk_domain(fd);
    return d < 0 ? AF_INET : d;
  }

  /** Encodes addr for fd's family into the scratch area; returns its length. */
  #putAddr(fd: number, addr: AddressInput): number {
    return encodeSockaddr(this.domainOf(fd), addr, this.#k.view(), this.#s);
  }

  // socket() and bind() change no readiness anyone can wait on: no #changed.
  socket(domain: number, type: number, protocol = 0): number {
    return this.#x.sk_socket(checkInt('domain', domain), checkInt('type', type), checkInt('protocol', protocol));
  }

  bind(fd: number, addr: AddressInput): number {
    checkInt('fd', fd);
    return this.#x.sk_bind(fd, this.#s, this.#putAddr(fd, addr));
  }

  listen(fd: number, backlog: number): number {
    return this.#changed(this.#x.sk_listen(checkInt('fd', fd), checkInt('backlog', backlog)));
  }

  connect(fd: number, addr: AddressInput): number {
    checkInt('fd', fd);
    return this.#changed(this.#x.sk_connect(fd, this.#s, this.#putAddr(fd, addr)));
  }

  /** connect() with AF_UNSPEC: disassociates the socket. */
  disconnect(fd: number): number {
    checkInt('fd', fd);
    this.#k.view().setUint16(this.#s, 0, true);
    return this.#changed(this.#x.sk_connect(fd, this.#s, 16));
  }

  /**
   * accept() (flags null) or accept4(); with `address`, the peer's address is left in
   * the scratch area (at ADDR_OUT, its length at ADDR_LEN_OUT).
   */
  acceptAt(fd: number, flags: number | null, address: boolean): number {
    checkInt('fd', fd);
    const x = this.#x;
    let a = 0, lp = 0;
    if (address) {
      a = this.#s + ADDR_OUT; lp = this.#s + ADDR_LEN_OUT;
      this.#k.view().setInt32(lp, SOCKADDR_ROOM, true);
    }
    return this.#changed(flags === null ? x.sk_accept(fd, a, lp) : x.sk_accept4(fd, a, lp, checkInt('flags', flags)));
  }

  accept(fd: number): number { return this.acceptAt(fd, null, false); }
  accept4(fd: number, flags: number): number { return this.acceptAt(fd, flags, false); }

  /** close(); the async layer wakes whoever waited on fd (a descriptor's waits end with it). */
  close(fd: number): number {
    const r = this.#changed(this.#x.sk_close(checkInt('fd', fd)));
    this.listener?.closed(fd);
    return r;
  }

  shutdown(fd: number, how: number): number {
    return this.#changed(this.#x.sk_shutdown(checkInt('fd', fd), checkInt('how', how)));
  }

  send(fd: number, data: Uint8Array, flags = 0): number {
    if (!(data instanceof Uint8Array)) throw new ArgumentError('ERR_INVALID_ARG_TYPE', 'The "data" argument must be a Uint8Array');
    checkInt('fd', fd); checkInt('flags', flags);
    const buf = this.#k.buffer(data.length, 'send data');
    this.#k.bytes().set(data, buf);
    return this.#changed(this.#x.sk_send(fd, buf, data.length, flags));
  }

  recv(fd: number, into: Uint8Array, flags = 0): number {
    if (!(into instanceof Uint8Array)) throw new ArgumentError('ERR_INVALID_ARG_TYPE', 'The "into" argument must be a Uint8Array');
    checkInt('fd', fd); checkInt('flags', flags);
    const buf = this.#k.buffer(into.length, 'recv buffer');
    const n = this.#changed(this.#x.sk_recv(fd, buf, into.length, flags));
    if (n > 0) into.set(new Uint8Array(this.#k.memory(), buf, Math.min(n, into.length)));
    return n;
  }

  setsockopt(fd: number, level: number, name: number, value: SockoptValue): number {
    const s = this.#s;
    let ptr = s, len = 4;
    if (typeof value === 'object' && value !== null && (value as Linger).onoff !== undefined) {
      const v = this.#k.view();
      v.setInt32(s, Number((value as Linger).onoff), true);
      v.setInt32(s + 4, checkInt('linger', (value as Linger).linger), true);
      len = LINGER_SIZE;
    } else if (typeof value !== 'object') {
      this.#k.view().setInt32(s, typeof value === 'boolean' ? Number(value) : checkInt('value', value), true);
    } else if (value === null) {
      ptr = 0; len = 0;
    } else if (typeof (value as AcceptFilter).name === 'string') {
      const filter = (value as AcceptFilter).name, bytes = new TextEncoder().encode(filter);
      if (bytes.length > ACCEPT_FILTER_NAME_MAX) throw new ArgumentError('ERR_INVALID_ARG_VALUE', `accept filter name too long: ${filter}`);
      new Uint8Array(this.#k.memory(), s, ACCEPT_FILTER_ARG_SIZE).fill(0).set(bytes);
      len = ACCEPT_FILTER_ARG_SIZE;
    } else {
      throw new ArgumentError('ERR_INVALID_ARG_TYPE', '"value" must be an integer, a boolean, { onoff, linger }, { name } or null');
    }
    return this.#changed(this.#x.sk_setsockopt(checkInt('fd', fd), checkInt('level', level), checkInt('name', name), ptr, len));
  }
}
