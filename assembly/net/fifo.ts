// A growable FIFO of 16-byte entries (two u64 words), a ring with power-of-two
// capacity and a mask (std/assembly/map.ts's bucketsMask), allocated only when a link
// first needs it: a link with no rate and no hold costs no FIFO.
//
// Header (an @unmanaged record, 16 bytes):
//   0 usize buf    the ring: cap entries of { u64 a; u64 b }
//   4 u32   mask   cap - 1 (cap a power of two, at least MIN_CAP)
//   8 u32   head   index of the oldest entry
//  12 u32   len    entries queued
//
// Used for a link's egress queue (a = the time its serialisation ends, ns; b = bytes)
// and for the packets a held link keeps (a = the caller's token, b = bytes).

export const FIFO_ENTRY: usize = 16;
const MIN_CAP: u32 = 8;

@unmanaged export class Fifo {
  buf: usize;
  mask: u32;
  head: u32;
  len: u32;
}

export function fifoNew(): Fifo {
  let f = changetype<Fifo>(heap.alloc(offsetof<Fifo>()));
  f.buf = heap.alloc(<usize>MIN_CAP * FIFO_ENTRY);
  f.mask = MIN_CAP - 1;
  f.head = 0;
  f.len = 0;
  return f;
}

export function fifoFree(f: Fifo): void {
  heap.free(f.buf);
  heap.free(changetype<usize>(f));
}

// @ts-ignore: decorator
@inline function slot(f: Fifo, i: u32): usize { return f.buf + <usize>((f.head + i) & f.mask) * FIFO_ENTRY; }

/** Doubles the ring, unrolling it so the oldest entry lands at index 0. */
function grow(f: Fifo): void {
  let cap = f.mask + 1;
  let nb = heap.alloc(<usize>cap * 2 * FIFO_ENTRY);
  let first = cap - f.head;                    // entries from head to the ring's end
  memory.copy(nb, f.buf + <usize>f.head * FIFO_ENTRY, <usize>first * FIFO_ENTRY);
  memory.copy(nb + <usize>first * FIFO_ENTRY, f.buf, <usize>f.head * FIFO_ENTRY);
  heap.free(f.buf);
  f.buf = nb;
  f.mask = cap * 2 - 1;
  f.head = 0;
}

export function fifoPush(f: Fifo, a: u64, b: u64): void {
  if (f.len > f.mask) grow(f);
  let e = slot(f, f.len);
  store<u64>(e, a);
  store<u64>(e, b, 8);
  f.len++;
}

/** The oldest entry's words; only when len > 0. */
export function fifoFrontA(f: Fifo): u64 { assert(f.len > 0); return load<u64>(slot(f, 0)); }
export function fifoFrontB(f: Fifo): u64 { assert(f.len > 0); return load<u64>(slot(f, 0), 8); }

export function fifoShift(f: Fifo): void {
  assert(f.len > 0);
  f.head = (f.head + 1) & f.mask;
  f.len--;
}

/** Bytes the FIFO holds in linear memory, for memory accounting. */
export function fifoBytes(f: Fifo): usize { return offsetof<Fifo>() + <usize>(f.mask + 1) * FIFO_ENTRY; }
