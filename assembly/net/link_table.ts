// The link table: directed links by (source host, destination host), one u64 key
// src << 32 | dst, in an open-addressing hash table with linear probing, at most half
// full, backward-shift deletion (as assembly/conn_table.ts). A lookup is O(1) per
// packet whatever the number of hosts; only pairs that were named or carried a packet
// have a record (no N x N matrix: 100 000 hosts that never talk cost nothing here).
//
// Entry layout (16 bytes): u64 key, u32 link (the Link record's address, 0 = empty), u32 unused.
//
// Pairs nobody named use the default link's parameters; their record (made on their
// first packet) keeps the state that is theirs alone: flow order, queue, loss chain,
// counters.

import { Link, LinkParams, linkNew, linkFree, linkBytes, linkInvariants, paramsNew, resetTotals } from "./link";
import { splitmixMix } from "./random";

const ENTRY: usize = 16;
const MIN_CAP: u32 = 64;

let table: usize = 0;
let mask: u32 = 0;
let used: u32 = 0;
let seed: u64 = 0;
let defaults: LinkParams = changetype<LinkParams>(0);

// @ts-ignore: decorator
@inline export function pairKey(src: u32, dst: u32): u64 { return (<u64>src << 32) | <u64>dst; }

// @ts-ignore: decorator
@inline function at(b: u32): usize { return table + <usize>b * ENTRY; }
// @ts-ignore: decorator
@inline function home(key: u64): u32 { return <u32>splitmixMix(key) & mask; }

/** Frees every link and starts an empty network whose randomness comes from `s`. */
export function tableInit(s: u64): void {
  if (table != 0) {
    for (let b: u32 = 0; b <= mask; b++) {
      let p = load<u32>(at(b), 8);
      if (p != 0) linkFree(changetype<Link>(<usize>p));
    }
    heap.free(table);
    heap.free(changetype<usize>(defaults));
  }
  mask = MIN_CAP - 1; used = 0; seed = s;
  table = heap.alloc(<usize>MIN_CAP * ENTRY);
  memory.fill(table, 0, <usize>MIN_CAP * ENTRY);
  defaults = paramsNew();
  resetTotals();
}

export function defaultParams(): LinkParams { return defaults; }

/** The link src -> dst, or null when the pair has no record yet. */
export function findLink(src: u32, dst: u32): Link | null {
  let key = pairKey(src, dst);
  let b = home(key);
  while (true) {
    let e = at(b);
    let p = load<u32>(e, 8);
    if (p == 0) return null;
    if (load<u64>(e) == key) return changetype<Link>(<usize>p);
    b = (b + 1) & mask;
  }
}

function grow(): void {
  let old = table, oldCap = mask + 1;
  mask = (oldCap << 1) - 1;
  table = heap.alloc(<usize>(mask + 1) * ENTRY);
  memory.fill(table, 0, <usize>(mask + 1) * ENTRY);
  for (let i: u32 = 0; i < oldCap; i++) {
    let e = old + <usize>i * ENTRY;
    let p = load<u32>(e, 8);
    if (p == 0) continue;
    let key = load<u64>(e);
    let b = home(key);
    while (load<u32>(at(b), 8) != 0) b = (b + 1) & mask;
    store<u64>(at(b), key);
    store<u32>(at(b), p, 8);
  }
  heap.free(old);
}

/** The link src -> dst, made with the default parameters if the pair has none. */
export function linkOf(src: u32, dst: u32): Link {
  let found = findLink(src, dst);
  if (found) return found;
  if ((used + 1) * 2 > mask + 1) grow();
  let key = pairKey(src, dst);
  let l = linkNew(key, seed, defaults);
  let b = home(key);
  while (load<u32>(at(b), 8) != 0) b = (b + 1) & mask;
  store<u64>(at(b), key);
  store<u32>(at(b), <u32>changetype<usize>(l), 8);
  used++;
  return l;
}

/** Forgets the pair's record (state and counters); false when it had none. */
export function dropLink(src: u32, dst: u32): bool {
  let key = pairKey(src, dst);
  let b = home(key);
  while (true) {
    let p = load<u32>(at(b), 8);
    if (p == 0) return false;
    if (load<u64>(at(b)) == key) { linkFree(changetype<Link>(<usize>p)); break; }
    b = (b + 1) & mask;
  }
  // Backward-shift deletion keeps probe chains intact without tombstones.
  let hole = b;
  let j = (b + 1) & mask;
  while (true) {
    let e = at(j);
    let p = load<u32>(e, 8);
    if (p == 0) break;
    let k = load<u64>(e);
    let h = home(k);
    // Move the entry into the hole if its home is not in (hole, j].
    if (((j - h) & mask) >= ((j - hole) & mask)) {
      store<u64>(at(hole), k);
      store<u32>(at(hole), p, 8);
      hole = j;
    }
    j = (j + 1) & mask;
  }
  store<u64>(at(hole), 0);
  store<u32>(at(hole), 0, 8);
  used--;
  return true;
}

/** Records in the table: links and uplinks (uplink.ts). */
export function tableRecords(): u32 { return used; }

/** Bytes the link table and its records (links and uplinks) hold: table, default parameters, every record. O(links): for reports, not the packet path. */
export function networkBytes(): usize {
  let n = <usize>(mask + 1) * ENTRY + offsetof<LinkParams>();
  for (let b: u32 = 0; b <= mask; b++) {
    let p = load<u32>(at(b), 8);
    if (p != 0) n += linkBytes(changetype<Link>(<usize>p));
  }
  return n;
}

/**
 * The table's invariants, then every link's (linkInvariants): 0, or the negative
 * number of the first broken one. O(links): for tests and debugging.
 * -1 the number of filled entries is `used`
 * -2 every entry is found from its home bucket (no probe chain broken by a removal)
 * -3 every record's key is its entry's key
 */
export function tableCheck(): i32 {
  let filled: u32 = 0;
  for (let b: u32 = 0; b <= mask; b++) {
    let p = load<u32>(at(b), 8);
    if (p == 0) continue;
    filled++;
    let key = load<u64>(at(b));
    let l = changetype<Link>(<usize>p);
    let found = findLink(<u32>(key >> 32), <u32>key);
    if (!found || changetype<usize>(found) != <usize>p) return -2;
    if (l.key != key) return -3;
    let e = linkInvariants(l, defaults);
    if (e != 0) return e;
  }
  return filled == used ? 0 : -1;
}
