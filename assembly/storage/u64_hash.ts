// A hash table of fixed-size entries (16 bytes or more, a multiple of 8) keyed by a
// nonzero u64: open addressing with linear probing, at most half full, backward-shift
// deletion (no tombstones), so a lookup is O(1) expected at any size. The caller owns
// the bytes after each key.
//
// Entry: u64 key (0 = empty), then the caller's bytes (zero in a new entry).
// Used by the port entries of hosts other than 0 (tables/ports.ts) and the timewait
// index (tcp/time_wait.ts).

import { mix64 } from "../core/prng";

/** One table's header. */
// @ts-ignore: decorator
@unmanaged export class U64Hash {
  base: usize = 0;   // (mask + 1) entries
  mask: u32 = 0;
  count: u32 = 0;    // entries in use
  entry: u32 = 0;    // bytes per entry
}

/** Empties t (capacity `cap`, a power of two; `entry` bytes each), freeing its old entries. */
export function u64HashInit(t: U64Hash, cap: u32, entry: u32): void {
  if (t.base != 0) heap.free(t.base);
  t.mask = cap - 1; t.count = 0; t.entry = entry;
  t.base = heap.alloc(<usize>cap * entry);
  memory.fill(t.base, 0, <usize>cap * entry);
}

export function u64HashBytes(t: U64Hash): usize { return <usize>(t.mask + 1) * t.entry; }

// @ts-ignore: decorator
@inline function at(t: U64Hash, b: u32): usize { return t.base + <usize>b * t.entry; }

/** The entry holding `key`, or the empty entry where it would go (its key word is 0). */
export function u64HashFind(t: U64Hash, key: u64): usize {
  let b = <u32>mix64(key) & t.mask;
  while (true) {
    let e = at(t, b);
    let k = load<u64>(e);
    if (k == key || k == 0) return e;
    b = (b + 1) & t.mask;
  }
}

function grow(t: U64Hash): void {
  let old = t.base, oldCap = t.mask + 1;
  t.mask = (oldCap << 1) - 1;
  t.base = heap.alloc(<usize>(t.mask + 1) * t.entry);
  memory.fill(t.base, 0, <usize>(t.mask + 1) * t.entry);
  for (let i: u32 = 0; i < oldCap; i++) {
    let o = old + <usize>i * t.entry;
    if (load<u64>(o) != 0) memory.copy(u64HashFind(t, load<u64>(o)), o, t.entry);
  }
  heap.free(old);
}

/** The entry of `key`, made (its bytes zero) if absent; the table grows as needed. */
export function u64HashMake(t: U64Hash, key: u64): usize {
  let e = u64HashFind(t, key);
  if (load<u64>(e) != 0) return e;
  if ((t.count + 1) * 2 > t.mask + 1) { grow(t); e = u64HashFind(t, key); }
  store<u64>(e, key);
  t.count++;
  return e;
}

/** Empties entry e; later entries of its probe run move back into the gap. */
export function u64HashRemove(t: U64Hash, e: usize): void {
  let i = <u32>((e - t.base) / t.entry), j = i;
  while (true) {
    j = (j + 1) & t.mask;
    let ej = at(t, j);
    let k = load<u64>(ej);
    if (k == 0) break;
    let home = <u32>mix64(k) & t.mask;
    // The entry at j stays if its home lies cyclically in (i, j]; else it fills i.
    if (((j - home) & t.mask) >= ((j - i) & t.mask)) { memory.copy(at(t, i), ej, t.entry); i = j; }
  }
  memory.fill(at(t, i), 0, t.entry);
  t.count--;
}
