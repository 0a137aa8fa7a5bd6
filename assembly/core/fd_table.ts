// The descriptor table: fd -> socket slot, with POSIX lowest-free allocation.
//
// Descriptors 0, 1 and 2 are the process's stdio: taken, and not sockets (ENOTSOCK).
//
// Lowest-free search uses a hierarchy of bitmaps (like Linux fdtable's open_fds and
// full_fds_bits, one level more): in level 0 a set bit is a used fd; in level k+1 a
// set bit says the corresponding 64-bit word of level k is full. Finding the lowest
// free fd reads one word per level: O(log64 n), 4 reads at 16 M descriptors.
//
// Memory: entries u32[ecap] (0 free, 1 not a socket, slot+2), doubled as the highest
// descriptor grows; level k has cap / 64^(k+1) u64 words, where cap, the bitmap
// capacity, is a power of 64 (4096, 262144, 16 M): 1 bit per descriptor.

import { Errno } from "./errno";

const ENTRY_FREE: u32 = 0;
const ENTRY_STDIO: u32 = 1;
const MAX_LEVELS = 4;

let entries: usize = 0;
let ecap: u32 = 0;        // entries allocated
let cap: u32 = 0;         // bitmap capacity
let nlevels: i32 = 0;
const levels = new StaticArray<usize>(MAX_LEVELS);
let used: u32 = 0;

function levelWords(k: i32, c: u32): u32 {
  let w = c >> 6;
  for (let i = 0; i < k; i++) w >>= 6;
  return w == 0 ? 1 : w;
}

export function fdInit(): void {
  if (entries != 0) {
    heap.free(entries);
    for (let k = 0; k < nlevels; k++) heap.free(unchecked(levels[k]));
  }
  cap = 4096; nlevels = 2; used = 0;
  ecap = 1024;
  entries = heap.alloc(ecap << 2);
  memory.fill(entries, 0, ecap << 2);
  for (let k = 0; k < nlevels; k++) {
    let bytes = levelWords(k, cap) << 3;
    let p = heap.alloc(bytes);
    memory.fill(p, 0, bytes);
    unchecked(levels[k] = p);
  }
  for (let fd = 0; fd < 3; fd++) take(fd, ENTRY_STDIO);
}

/** Multiplies the capacity by 64, adding a bitmap level. */
function grow(): bool {
  if (nlevels >= MAX_LEVELS) return false;
  let ncap = cap << 6;
  for (let k = 0; k < nlevels; k++) {
    let ob = levelWords(k, cap) << 3, nb = levelWords(k, ncap) << 3;
    let p = heap.realloc(unchecked(levels[k]), nb);
    memory.fill(p + ob, 0, nb - ob);
    unchecked(levels[k] = p);
  }
  // New top level: one word whose bit 0 says whether the old top word was full.
  let top = heap.alloc(8);
  let oldTop = load<u64>(unchecked(levels[nlevels - 1]));
  store<u64>(top, oldTop == <u64>-1 ? 1 : 0);
  unchecked(levels[nlevels] = top);
  nlevels++;
  cap = ncap;
  return true;
}

function markUsed(fd: u32): void {
  let idx = fd;
  for (let k = 0; k < nlevels; k++) {
    let wp = unchecked(levels[k]) + ((idx >> 6) << 3);
    let w = load<u64>(wp) | (<u64>1 << (idx & 63));
    store<u64>(wp, w);
    if (w != <u64>-1) return;   // word not full: upper levels unchanged
    idx >>= 6;
  }
}

function markFree(fd: u32): void {
  let idx = fd;
  for (let k = 0; k < nlevels; k++) {
    let wp = unchecked(levels[k]) + ((idx >> 6) << 3);
    let w = load<u64>(wp);
    let wasFull = w == <u64>-1;
    store<u64>(wp, w & ~(<u64>1 << (idx & 63)));
    if (!wasFull) return;       // the upper levels did not mark it full
    idx >>= 6;
  }
}

/** The lowest free descriptor, or -1 when the table cannot grow further. */
function lowestFree(): i32 {
  while (true) {
    let top = load<u64>(unchecked(levels[nlevels - 1]));
    if (top != <u64>-1) break;
    if (!grow()) return -1;
  }
  let idx: u32 = 0;
  for (let k = nlevels - 1; k >= 0; k--) {
    let w = load<u64>(unchecked(levels[k]) + (<usize>idx << 3));
    idx = (idx << 6) | <u32>ctz(~w);
  }
  return <i32>idx;
}

function take(fd: u32, value: u32): void {
  if (fd >= ecap) {
    let n = ecap;
    while (n <= fd) n <<= 1;
    entries = heap.realloc(entries, <usize>n << 2);
    memory.fill(entries + (<usize>ecap << 2), 0, <usize>(n - ecap) << 2);
    ecap = n;
  }
  store<u32>(entries + (<usize>fd << 2), value);
  markUsed(fd);
  used++;
}

/**
 * Gives the lowest free descriptor to socket `slot`. Returns the fd, or -EMFILE when
 * it would reach `limit` (RLIMIT_NOFILE: "the maximum file descriptor number plus one").
 */
export function fdAlloc(slot: u32, limit: u32): i32 {
  let fd = lowestFree();
  if (fd < 0 || <u32>fd >= limit) return -Errno.EMFILE;
  take(<u32>fd, slot + 2);
  return fd;
}

export function fdRelease(fd: i32): void {
  assert(<u32>fd < ecap && load<u32>(entries + (<usize>fd << 2)) != ENTRY_FREE);
  store<u32>(entries + (<usize>fd << 2), ENTRY_FREE);
  markFree(<u32>fd);
  used--;
}

/**
 * The socket slot behind fd, or a negative errno: -EBADF for a negative, closed or
 * out-of-range fd, -ENOTSOCK for stdio.
 */
export function fdLookup(fd: i32): i32 {
  if (<u32>fd >= ecap) return -Errno.EBADF; // negative fds too, by the unsigned cast
  let e = load<u32>(entries + (<usize>fd << 2));
  if (e == ENTRY_FREE) return -Errno.EBADF;
  if (e == ENTRY_STDIO) return -Errno.ENOTSOCK;
  return <i32>(e - 2);
}

export function fdsUsed(): u32 { return used; }
export function fdCapacity(): u32 { return cap; }
export function fdTableBytes(): usize {
  let b: usize = <usize>ecap << 2;
  for (let k = 0; k < nlevels; k++) b += <usize>levelWords(k, cap) << 3;
  return b;
}

/** Raw entry of fd for the consistency check: 0 free, 1 stdio, slot+2. */
export function fdEntry(fd: u32): u32 { return fd < ecap ? load<u32>(entries + (<usize>fd << 2)) : 0; }
export function fdEntriesCap(): u32 { return ecap; }
