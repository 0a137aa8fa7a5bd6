// Batched calls: many system calls in one crossing into the kernel (sk_connect_batch,
// sk_accept_batch, sk_close_batch), for load generators and benchmarks.

import { ArgumentError, checkInt } from './errors.js';
import { encodeSockaddr, type AddressInput } from './sockaddr.js';
import type { KernelAccess } from './abi/instance.js';
import type { ReadinessListener } from './sys.js';

const EAGAIN = 11;

/** -errno results become thrown SocketErrors through this (Kernel's check). */
type Check = (r: number, syscall: string) => number;

/**
 * Opens n clients: socket(domain, type) + connect(addr) each. Returns their fds; an
 * entry is -errno where socket() or connect() failed (EINPROGRESS is success).
 */
export function connectBatch(k: KernelAccess, check: Check, n: number, domain: number, type: number, addr: AddressInput): Int32Array {
  checkInt('n', n, 0, 1 << 24);
  const len = encodeSockaddr(domain, addr, k.view(), k.scratch);
  const out = k.buffer(n * 4, `connectBatch of ${n} clients`);
  check(k.x.sk_connect_batch(n, checkInt('domain', domain), checkInt('type', type), k.scratch, len, out), 'connect');
  return k.ints().slice(out >> 2, (out >> 2) + n);
}

/** Accepts up to `max` queued connections; returns their fds (empty when none). */
export function acceptBatch(k: KernelAccess, check: Check, fd: number, max: number, flags: number): Int32Array {
  checkInt('max', max, 0, 1 << 24);
  checkInt('fd', fd); checkInt('flags', flags);
  const out = k.buffer(max * 4, `acceptBatch of ${max}`);
  const n = k.x.sk_accept_batch(fd, out, max, flags);
  if (n === -EAGAIN) return new Int32Array(0);
  check(n, 'accept');
  return k.ints().slice(out >> 2, (out >> 2) + n);
}

/**
 * closeBatch's list, checked at the door: an Int32Array, or an array of integers in the
 * int32 range (Int32Array.set would coerce: 2**32 + 3 becomes 3, 'a' becomes 0).
 */
function checkFdList(fds: unknown): void {
  if (fds instanceof Int32Array) return;
  if (!Array.isArray(fds)) {
    throw new ArgumentError('ERR_INVALID_ARG_TYPE', `"fds" must be an Int32Array or an array of integers. Received ${typeof fds}`);
  }
  for (let i = 0; i < fds.length; i++) checkInt(`fds[${i}]`, fds[i]);
}

/**
 * Closes every descriptor in `fds`; returns how many were open. Each goes through the
 * async layer's close handling as close() does: whoever waited on it is woken, and its
 * registrations end with the descriptor (a number reused later is a new descriptor).
 */
export function closeBatch(k: KernelAccess, check: Check, listener: ReadinessListener | undefined, fds: Int32Array | number[], reset: boolean): number {
  checkFdList(fds);
  const n = fds.length;
  const out = k.buffer(n * 4, `closeBatch of ${n} descriptors`);
  k.ints().set(fds, out >> 2);
  const closed = check(k.x.sk_close_batch(out, n, reset ? 1 : 0), 'close');
  if (listener !== undefined) for (let i = 0; i < n; i++) listener.closed(fds[i]);
  return closed;
}
