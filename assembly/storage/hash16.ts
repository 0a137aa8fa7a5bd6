// A hash table of 16-byte entries keyed by a nonzero u64: open addressing with linear
// probing, at most half full, backward-shift deletion (no tombstones), so a lookup is
// O(1) expected at any size. The caller owns the 8 bytes after each key.
//
// Entry (16 bytes): u64 key (0 = empty), then the caller's 8 bytes (zero in a new entry).
// Used by the port entries of hosts other than 0 (tables/ports.ts) and the timewait
// index (tcp/time_wait.ts).

import { mix64 } from "../core/prng";

const ENTRY: usize = 16;

/** One table's header. */
// @ts-ignore: decorator
@unmanaged export class Hash16 {
  base: usize = 0;   // (mask + 1) entries
  mask: u32 = 0;
  count: u32 = 0;    // entries in use
}

/** Empties t (capacity `cap`, a power of two), freeing its old entries. */
export function hash16Init(t: Hash16, cap: u32): void {
  if (t.base != 0) heap.free(t.base);
  t.mask = cap - 1; t.count = 0;
  t.base = heap.alloc(<usize>cap * ENTRY);
  memory.fill(t.base, 0, <usize>cap * ENTRY);
}

export function hash16Bytes(t: Hash16): usize { return <usize>(t.mask + 1) * ENTRY; }

/** The entry holding `key`, or the empty entry where it would go (its key word is 0). */
export function hash16Find(t: Hash16, key: u64): usize {
  let b = <u32>mix64(key) & t.mask;
  while (true) {
    let e = t.base + <usize>b * ENTRY;
    let k = load<u64>(e);
    if (k == key || k == 0) return e;
    b = (b + 1) & t.mask;
  }
}

function grow(t: Hash16): void {
  let old = t.base, oldCap = t.mask + 1;
  t.mask = (oldCap << 1) - 1;
  t.base = heap.alloc(<usize>(t.mask + 1) * ENTRY);
  memory.fill(t.base, 0, <usize>(t.mask + 1) * ENTRY);
  for (let i: u32 = 0; i < oldCap; i++) {
    let o = old + <usize>i * ENTRY;
    if (load<u64>(o) != 0) memory.copy(hash16Find(t, load<u64>(o)), o, ENTRY);
  }
  heap.free(old);
}

/** The entry of `key`, made (its 8 bytes zero) if absent; the table grows as needed. */
export function hash16Make(t: Hash16, key: u64): usize {
  let e = hash16Find(t, key);
  if (load<u64>(e) != 0) return e;
  if ((t.count + 1) * 2 > t.mask + 1) { grow(t); e = hash16Find(t, key); }
  store<u64>(e, key);
  t.count++;
  return e;
}

/** Empties entry e; later entries of its probe run move back into the gap. */
export function hash16Remove(t: Hash16, e: usize): void {
  let i = <u32>((e - t.base) / ENTRY), j = i;
  while (true) {
    j = (j + 1) & t.mask;
    let ej = t.base + <usize>j * ENTRY;
    let k = load<u64>(ej);
    if (k == 0) break;
    let home = <u32>mix64(k) & t.mask;
    // The entry at j stays if its home lies cyclically in (i, j]; else it fills i.
    if (((j - home) & t.mask) >= ((j - i) & t.mask)) { memory.copy(t.base + <usize>i * ENTRY, ej, ENTRY); i = j; }
  }
  let g = t.base + <usize>i * ENTRY;
  store<u64>(g, 0); store<u64>(g, 0, 8);
  t.count--;
}
