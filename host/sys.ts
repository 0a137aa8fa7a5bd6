// The errno API (k.sys): each system call that both APIs offer is implemented here
// once, answering as the kernel does (a result >= 0, or a negative errno such as -115
// for EINPROGRESS). The throwing API (host/kernel.ts) wraps these and turns a negative
// result into a SocketError. This is the hot path of the benchmark: no allocation, one
// crossing into the kernel per call.

import { AF_INET } from './constants.js';
import { ArgumentError, checkInt } from './errors.js';
import { encodeSockaddr, type AddressInput } from './sockaddr.js';
import type { KernelInstance } from './abi/instance.js';
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
}

/** Told about calls that can change readiness, and about closed descriptors (the async layer's Reactor). */
export interface ReadinessListener { changed(): void; closed(fd: number): void }

export class Sys implements SysCalls {
  /** Set once the async layer exists. */
  listener: ReadinessListener | undefined;
  readonly #k: KernelInstance;

  constructor(k: KernelInstance) { this.#k = k; }

  #changed(r: number): number { this.listener?.changed(); return r; }

  /** The socket's family, to encode an address as its calls expect (AF_INET if fd is bad: the call then fails on the fd). */
  domainOf(fd: number): number {
    const d = this.#k.x.sk_domain(fd);
    return d < 0 ? AF_INET : d;
  }

  /** Encodes addr for fd's family into the scratch area; returns its length. */
  #putAddr(fd: number, addr: AddressInput): number {
    return encodeSockaddr(this.domainOf(fd), addr, this.#k.view(), this.#k.scratch);
  }

  socket(domain: number, type: number, protocol = 0): number {
    return this.#changed(this.#k.x.sk_socket(checkInt('domain', domain), checkInt('type', type), checkInt('protocol', protocol)));
  }

  bind(fd: number, addr: AddressInput): number {
    checkInt('fd', fd);
    return this.#changed(this.#k.x.sk_bind(fd, this.#k.scratch, this.#putAddr(fd, addr)));
  }

  listen(fd: number, backlog: number): number {
    return this.#changed(this.#k.x.sk_listen(checkInt('fd', fd), checkInt('backlog', backlog)));
  }

  connect(fd: number, addr: AddressInput): number {
    checkInt('fd', fd);
    return this.#changed(this.#k.x.sk_connect(fd, this.#k.scratch, this.#putAddr(fd, addr)));
  }

  /** connect() with AF_UNSPEC: disassociates the socket. */
  disconnect(fd: number): number {
    checkInt('fd', fd);
    this.#k.view().setUint16(this.#k.scratch, 0, true);
    return this.#changed(this.#k.x.sk_connect(fd, this.#k.scratch, 16));
  }

  /**
   * accept() (flags null) or accept4(); with `address`, the peer's address is left in
   * the scratch area (at ADDR_OUT, its length at ADDR_LEN_OUT).
   */
  acceptAt(fd: number, flags: number | null, address: boolean): number {
    checkInt('fd', fd);
    const x = this.#k.x;
    let a = 0, lp = 0;
    if (address) {
      a = this.#k.scratch + ADDR_OUT; lp = this.#k.scratch + ADDR_LEN_OUT;
      this.#k.view().setInt32(lp, SOCKADDR_ROOM, true);
    }
    return this.#changed(flags === null ? x.sk_accept(fd, a, lp) : x.sk_accept4(fd, a, lp, checkInt('flags', flags)));
  }

  accept(fd: number): number { return this.acceptAt(fd, null, false); }
  accept4(fd: number, flags: number): number { return this.acceptAt(fd, flags, false); }

  /** close(); the async layer wakes whoever waited on fd (a descriptor's waits end with it). */
  close(fd: number): number {
    const r = this.#changed(this.#k.x.sk_close(checkInt('fd', fd)));
    this.listener?.closed(fd);
    return r;
  }

  shutdown(fd: number, how: number): number {
    return this.#changed(this.#k.x.sk_shutdown(checkInt('fd', fd), checkInt('how', how)));
  }

  setsockopt(fd: number, level: number, name: number, value: SockoptValue): number {
    checkInt('fd', fd); checkInt('level', level); checkInt('name', name);
    const s = this.#k.scratch;
    let ptr = s, len = 4;
    if (value === null) {
      ptr = 0; len = 0;
    } else if (typeof value === 'object' && 'name' in value) {
      const bytes = new TextEncoder().encode(value.name);
      if (bytes.length > ACCEPT_FILTER_NAME_MAX) throw new ArgumentError('ERR_INVALID_ARG_VALUE', `accept filter name too long: ${value.name}`);
      new Uint8Array(this.#k.memory(), s, ACCEPT_FILTER_ARG_SIZE).fill(0).set(bytes);
      len = ACCEPT_FILTER_ARG_SIZE;
    } else if (typeof value === 'object') {
      const v = this.#k.view();
      v.setInt32(s, Number(value.onoff), true);
      v.setInt32(s + 4, checkInt('linger', value.linger), true);
      len = LINGER_SIZE;
    } else {
      this.#k.view().setInt32(s, typeof value === 'boolean' ? Number(value) : checkInt('value', value), true);
    }
    return this.#changed(this.#k.x.sk_setsockopt(fd, level, name, ptr, len));
  }
}
