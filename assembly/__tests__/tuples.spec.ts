// tables/tuples.ts: the set of connected 4-tuples (open addressing, linear probing,
// backward-shift deletion), so that connect() never reuses (src, sport, dst, dport).
import { connBytes, connContains, connCount, connInit, connInsert, connRemove, tupleKey } from "../tables/tuples";

const LOOP4: u32 = 2;

/** A tuple from 127.0.0.1:sport to 127.0.0.1:dport. */
function loopTuple(sport: u32, dport: u32): u64 { return tupleKey(LOOP4, sport, LOOP4, dport); }

/** The i-th of many distinct tuples, spread over addresses and ports like real ones. */
function nthTuple(i: u32): u64 { return tupleKey(2 + (i >> 16), 32768 + (i & 0x7fff), 2 + (i & 7), 80 + ((i >> 15) & 1)); }

let lcg: u32 = 1;
function random(): u32 { lcg = lcg * 1664525 + 1013904223; return lcg >> 8; }

describe("4-tuple table", () => {
  beforeEach(() => { connInit(); lcg = 1; });

  it("contains a tuple after insert and not after remove", () => {
    let k = loopTuple(40000, 80);
    expect(connContains(k)).toBe(false);
    expect(connInsert(k)).toBe(true);
    expect(connContains(k)).toBe(true);
    expect(connCount()).toBe(1);
    connRemove(k);
    expect(connContains(k)).toBe(false);
    expect(connCount()).toBe(0);
  });

  it("refuses a duplicate tuple (false) and keeps a single copy", () => {
    let k = loopTuple(40000, 80);
    connInsert(k);
    expect(connInsert(k)).toBe(false);
    expect(connCount()).toBe(1);
    connRemove(k);
    expect(connContains(k)).toBe(false);
  });

  it("tells apart tuples that differ in one field only", () => {
    connInsert(tupleKey(2, 40000, 2, 80));
    expect(connContains(tupleKey(3, 40000, 2, 80))).toBe(false);
    expect(connContains(tupleKey(2, 40001, 2, 80))).toBe(false);
    expect(connContains(tupleKey(2, 40000, 3, 80))).toBe(false);
    expect(connContains(tupleKey(2, 40000, 2, 81))).toBe(false);
    expect(connInsert(tupleKey(2, 40000, 2, 81))).toBe(true);
  });

  it("holds tuples whose other fields are all zero (only the local port is never 0)", () => {
    let k = tupleKey(0, 1, 0, 0);
    expect(connInsert(k)).toBe(true);
    expect(connContains(k)).toBe(true);
    expect(connContains(0)).toBe(false);
    connRemove(k);
    expect(connContains(k)).toBe(false);
    expect(connCount()).toBe(0);
  });

  it("stays at most half full: 8 bytes per entry, at most 16 per tuple", () => {
    for (let i: u32 = 0; i < 3000; i++) connInsert(nthTuple(i));
    expect(connCount()).toBe(3000);
    expect(connBytes()).toBe(8192 << 3);
  });

  it("changes nothing when removing a tuple it does not hold", () => {
    connInsert(loopTuple(1, 2));
    connRemove(loopTuple(2, 1));
    expect(connCount()).toBe(1);
    expect(connContains(loopTuple(1, 2))).toBe(true);
  });

  it("grows past its initial 1024 buckets at 3/4 load and keeps every tuple", () => {
    let before = connBytes();
    let refused = 0, missing = 0;
    for (let i: u32 = 0; i < 5000; i++) if (!connInsert(nthTuple(i))) refused++;
    for (let i: u32 = 0; i < 5000; i++) if (!connContains(nthTuple(i))) missing++;
    expect(refused).toBe(0);
    expect(missing).toBe(0);
    expect(connCount()).toBe(5000);
    expect(connBytes()).toBeGreaterThan(before);
    expect(connContains(nthTuple(5000))).toBe(false);
  });

  it("keeps every other tuple findable through 100k inserts and random removals (backward-shift deletion)", () => {
    const N: u32 = 100000;
    let removed = new StaticArray<bool>(N);
    for (let i: u32 = 0; i < N; i++) connInsert(nthTuple(i));
    // Remove about half, in random order, re-checking everything afterwards.
    let nremoved: u32 = 0;
    for (let j: u32 = 0; j < N; j++) {
      let i = random() % N;
      if (removed[i]) continue;
      connRemove(nthTuple(i));
      removed[i] = true;
      nremoved++;
    }
    expect(connCount()).toBe(N - nremoved);
    let wrong = 0;
    for (let i: u32 = 0; i < N; i++) if (connContains(nthTuple(i)) == removed[i]) wrong++;
    expect(wrong).toBe(0);
    // Every removed tuple can be inserted again; every kept one is still a duplicate.
    let badInsert = 0;
    for (let i: u32 = 0; i < N; i++) if (connInsert(nthTuple(i)) != removed[i]) badInsert++;
    expect(badInsert).toBe(0);
    expect(connCount()).toBe(N);
  });

  it("keeps probe chains intact when deleting inside clusters of a nearly full table", () => {
    // 760 tuples in 1024 buckets (just under the 3/4 growth point): long clusters.
    const N: u32 = 760;
    for (let i: u32 = 0; i < N; i++) connInsert(loopTuple(i, 80));
    expect(connBytes()).toBe(1024 * 16);
    for (let i: u32 = 0; i < N; i += 3) connRemove(loopTuple(i, 80));
    let wrong = 0;
    for (let i: u32 = 0; i < N; i++) if (connContains(loopTuple(i, 80)) != (i % 3 != 0)) wrong++;
    expect(wrong).toBe(0);
    // Empty it completely, then refill: no leftovers block or shadow anything.
    for (let i: u32 = 0; i < N; i++) connRemove(loopTuple(i, 80));
    expect(connCount()).toBe(0);
    let leftovers = 0;
    for (let i: u32 = 0; i < N; i++) if (connContains(loopTuple(i, 80))) leftovers++;
    expect(leftovers).toBe(0);
  });
});
