// Connected 4-tuples (Linux's established hash, ehash), so that connect() never
// reuses (src, sport, dst, dport). Addresses are interned u16 indices, so a tuple is
// one u64: src << 48 | sport << 32 | dst << 16 | dport. Open addressing with linear
// probing and backward-shift deletion; 16-byte entries (key, slot+1, pad).

import { mix64 } from "./prng";

let table: usize = 0;
let mask: u32 = 0;
let count: u32 = 0;

export function connInit(): void {
  if (table != 0) heap.free(table);
  mask = 1023; count = 0;
  table = heap.alloc(<usize>(mask + 1) << 4);
  memory.fill(table, 0, <usize>(mask + 1) << 4);
}

// @ts-ignore: decorator
@inline export function tupleKey(src: u32, sport: u32, dst: u32, dport: u32): u64 {
  return (<u64>src << 48) | (<u64>sport << 32) | (<u64>dst << 16) | <u64>dport;
}

// Tuples differ mostly in a few bits (consecutive even ports), so the key is mixed
// fully before masking: taking low bits of a plain multiplicative hash put ports two
// apart into every other bucket, and linear probing then degraded to O(n).
// @ts-ignore: decorator
@inline function bucketOf(key: u64): u32 {
  return <u32>mix64(key) & mask;
}

export function connContains(key: u64): bool {
  let b = bucketOf(key);
  while (true) {
    let e = table + (<usize>b << 4);
    let v = load<u32>(e, 8);
    if (v == 0) return false;
    if (load<u64>(e) == key) return true;
    b = (b + 1) & mask;
  }
}

function grow(): void {
  let old = table, oldCap = mask + 1;
  mask = (oldCap << 1) - 1;
  table = heap.alloc(<usize>(mask + 1) << 4);
  memory.fill(table, 0, <usize>(mask + 1) << 4);
  for (let i: u32 = 0; i < oldCap; i++) {
    let e = old + (<usize>i << 4);
    let v = load<u32>(e, 8);
    if (v == 0) continue;
    let k = load<u64>(e);
    let b = bucketOf(k);
    while (load<u32>(table + (<usize>b << 4), 8) != 0) b = (b + 1) & mask;
    store<u64>(table + (<usize>b << 4), k);
    store<u32>(table + (<usize>b << 4), v, 8);
  }
  heap.free(old);
}

/** Inserts; false when the tuple is taken. */
export function connInsert(key: u64, slot: u32): bool {
  if ((count + 1) * 4 > (mask + 1) * 3) grow();
  let b = bucketOf(key);
  while (true) {
    let e = table + (<usize>b << 4);
    if (load<u32>(e, 8) == 0) {
      store<u64>(e, key); store<u32>(e, slot + 1, 8);
      count++;
      return true;
    }
    if (load<u64>(e) == key) return false;
    b = (b + 1) & mask;
  }
}

export function connRemove(key: u64): void {
  let b = bucketOf(key);
  while (true) {
    let e = table + (<usize>b << 4);
    if (load<u32>(e, 8) == 0) return;
    if (load<u64>(e) == key) break;
    b = (b + 1) & mask;
  }
  // Backward-shift deletion keeps probe chains intact without tombstones.
  let hole = b;
  let j = (b + 1) & mask;
  while (true) {
    let e = table + (<usize>j << 4);
    if (load<u32>(e, 8) == 0) break;
    let home = bucketOf(load<u64>(e));
    // Move e into the hole if its home is not in (hole, j].
    if (((j - home) & mask) >= ((j - hole) & mask)) {
      let h = table + (<usize>hole << 4);
      store<u64>(h, load<u64>(e)); store<u32>(h, load<u32>(e, 8), 8);
      hole = j;
    }
    j = (j + 1) & mask;
  }
  store<u64>(table + (<usize>hole << 4), 0);
  store<u32>(table + (<usize>hole << 4), 0, 8);
  count--;
}

export function connCount(): u32 { return count; }
export function connBytes(): usize { return <usize>(mask + 1) << 4; }

/** For the consistency check: the slot a tuple maps to, or -1. */
export function connLookup(key: u64): i32 {
  let b = bucketOf(key);
  while (true) {
    let e = table + (<usize>b << 4);
    let v = load<u32>(e, 8);
    if (v == 0) return -1;
    if (load<u64>(e) == key) return <i32>(v - 1);
    b = (b + 1) & mask;
  }
}
