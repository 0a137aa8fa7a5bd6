// core/accept_queue.ts: a listener's accept queue (a growable FIFO ring of socket slots)
// and its SYN queue (requests linked through their qnext/qprev fields).
import { aqLen, aqPop, aqPush, aqPushFront, listenersInit, lrAlloc, lrCountDrop, lrDrops, lrFree, lrLimit, lrSetLimit, lrSock, synqAdd, synqFirst, synqLen, synqRemove } from "../core/accept_queue";
import { Off, getU32, sockAlloc, socketsInit } from "../core/socket";

const EMPTY: u32 = 0xffffffff;
const LISTENER_SLOT: u32 = 7;

/** A listener record with an empty accept queue and SYN queue. */
function listener(): u32 { return lrAlloc(LISTENER_SLOT, 128); }

/** Pushes children first, first+1, ..., first+n-1. */
function pushRange(id: u32, first: u32, n: u32): void {
  for (let i: u32 = 0; i < n; i++) aqPush(id, first + i);
}

/** Pops n children and counts those that are not first, first+1, ... in order. */
function popMismatches(id: u32, first: u32, n: u32): i32 {
  let wrong = 0;
  for (let i: u32 = 0; i < n; i++) if (aqPop(id) != first + i) wrong++;
  return wrong;
}

/** n socket slots to use as SYN_RECEIVED requests. */
function requests(n: i32): StaticArray<u32> {
  let r = new StaticArray<u32>(n);
  for (let i = 0; i < n; i++) r[i] = sockAlloc();
  return r;
}

/** The SYN queue from its head, as slots. */
function synqSlots(id: u32): Array<u32> {
  let out = new Array<u32>();
  let r = synqFirst(id);
  while (r != 0) { out.push(r - 1); r = getU32(r - 1, Off.QNEXT); }
  return out;
}

/** The SYN queue walked backwards from its last element through qprev, as slots. */
function synqSlotsBackwards(id: u32): Array<u32> {
  let fwd = synqSlots(id);
  let out = new Array<u32>();
  if (fwd.length == 0) return out;
  let r = fwd[fwd.length - 1] + 1;
  while (r != 0) { out.push(r - 1); r = getU32(r - 1, Off.QPREV); }
  return out;
}

describe("accept queue", () => {
  beforeEach(() => { socketsInit(); listenersInit(); });

  it("hands connections to accept() in the order they completed (FIFO)", () => {
    let id = listener();
    aqPush(id, 30); aqPush(id, 10); aqPush(id, 20);
    expect(aqLen(id)).toBe(3);
    expect(aqPop(id)).toBe(30);
    expect(aqPop(id)).toBe(10);
    expect(aqPop(id)).toBe(20);
    expect(aqLen(id)).toBe(0);
  });

  it("reports empty (0xffffffff) when nothing is queued", () => {
    let id = listener();
    expect(aqPop(id)).toBe(EMPTY);
    aqPush(id, 5);
    aqPop(id);
    expect(aqPop(id)).toBe(EMPTY);
  });

  it("keeps FIFO order when it grows while the ring is wrapped", () => {
    let id = listener();
    pushRange(id, 0, 8);                       // fills the initial 8-entry ring
    expect(popMismatches(id, 0, 5)).toBe(0);   // head moves to 5
    pushRange(id, 8, 5);                       // 8..12 wrap to ring[5..7, 0..1]: full again
    pushRange(id, 13, 20);                     // grows twice with head != 0
    expect(aqLen(id)).toBe(28);
    expect(popMismatches(id, 5, 28)).toBe(0);
    expect(aqPop(id)).toBe(EMPTY);
  });

  it("keeps FIFO order over many interleaved pushes and pops across several growths", () => {
    let id = listener();
    let next: u32 = 0, expected: u32 = 0, wrong = 0;
    for (let round = 0; round < 2000; round++) {
      aqPush(id, next++); aqPush(id, next++); aqPush(id, next++);  // three in,
      if (aqPop(id) != expected++) wrong++;                         // two out
      if (aqPop(id) != expected++) wrong++;
    }
    expect(aqLen(id)).toBe(2000);
    expect(wrong).toBe(0);
    expect(popMismatches(id, expected, 2000)).toBe(0);
  });

  it("puts a connection back at the head with aqPushFront (accept() got EMFILE)", () => {
    let id = listener();
    pushRange(id, 1, 3);
    let first = aqPop(id);
    aqPushFront(id, first);
    expect(aqLen(id)).toBe(3);
    expect(popMismatches(id, 1, 3)).toBe(0);
  });

  it("puts a connection back at the head when the head must wrap to the ring's end", () => {
    let id = listener();
    pushRange(id, 0, 8);
    expect(popMismatches(id, 0, 8)).toBe(0);   // head back at 0, queue empty
    pushRange(id, 100, 3);                     // ring[0..2]
    let first = aqPop(id);                     // head 1
    aqPushFront(id, first);                    // head 0
    aqPushFront(id, 99);                       // head wraps to 7
    expect(aqLen(id)).toBe(4);
    expect(popMismatches(id, 99, 4)).toBe(0);
  });

  it("keeps one queue per listener", () => {
    let a = listener(), b = listener();
    pushRange(a, 10, 3);
    pushRange(b, 20, 2);
    expect(aqLen(a)).toBe(3);
    expect(aqLen(b)).toBe(2);
    expect(popMismatches(b, 20, 2)).toBe(0);
    expect(popMismatches(a, 10, 3)).toBe(0);
  });
});

describe("listener record", () => {
  beforeEach(() => { socketsInit(); listenersInit(); });

  it("remembers its socket and backlog limit, and takes a new limit from a second listen()", () => {
    let id = lrAlloc(42, 5);
    expect(lrSock(id)).toBe(42);
    expect(lrLimit(id)).toBe(5);
    lrSetLimit(id, 9);
    expect(lrLimit(id)).toBe(9);
  });

  it("counts the connections it turned away", () => {
    let id = listener();
    expect(lrDrops(id)).toBe(0);
    lrCountDrop(id); lrCountDrop(id);
    expect(lrDrops(id)).toBe(2);
  });

  it("comes back empty, with a zero drop count, when a freed record is reused", () => {
    let id = listener();
    pushRange(id, 0, 3);
    lrCountDrop(id);
    popMismatches(id, 0, 3);
    lrFree(id);
    let again = lrAlloc(8, 1);
    expect(again).toBe(id);
    expect(aqLen(again)).toBe(0);
    expect(synqLen(again)).toBe(0);
    expect(lrDrops(again)).toBe(0);
    expect(lrLimit(again)).toBe(1);
    expect(aqPop(again)).toBe(EMPTY);
    pushRange(again, 50, 10);
    expect(popMismatches(again, 50, 10)).toBe(0);
  });

  it("stays correct past its initial 16 records", () => {
    let ids = new StaticArray<u32>(40);
    for (let i = 0; i < 40; i++) { ids[i] = lrAlloc(<u32>i, <u32>i); aqPush(ids[i], 1000 + <u32>i); }
    let wrong = 0;
    for (let i = 0; i < 40; i++) {
      if (lrSock(ids[i]) != <u32>i || lrLimit(ids[i]) != <u32>i || aqPop(ids[i]) != 1000 + <u32>i) wrong++;
    }
    expect(wrong).toBe(0);
  });
});

describe("SYN queue", () => {
  beforeEach(() => { socketsInit(); listenersInit(); });

  it("counts requests as they are added and removed", () => {
    let id = listener();
    let r = requests(3);
    synqAdd(id, r[0]); synqAdd(id, r[1]); synqAdd(id, r[2]);
    expect(synqLen(id)).toBe(3);
    synqRemove(id, r[1]);
    expect(synqLen(id)).toBe(2);
    synqRemove(id, r[0]); synqRemove(id, r[2]);
    expect(synqLen(id)).toBe(0);
    expect(synqFirst(id)).toBe(0);
  });

  it("links a new request at the head", () => {
    let id = listener();
    let r = requests(3);
    synqAdd(id, r[0]); synqAdd(id, r[1]); synqAdd(id, r[2]);
    expect(synqSlots(id)).toStrictEqual([r[2], r[1], r[0]]);
    expect(synqSlotsBackwards(id)).toStrictEqual([r[0], r[1], r[2]]);
  });

  it("unlinks a request from the middle", () => {
    let id = listener();
    let r = requests(3);
    synqAdd(id, r[0]); synqAdd(id, r[1]); synqAdd(id, r[2]);
    synqRemove(id, r[1]);
    expect(synqSlots(id)).toStrictEqual([r[2], r[0]]);
    expect(synqSlotsBackwards(id)).toStrictEqual([r[0], r[2]]);
  });

  it("unlinks the head (the newest request)", () => {
    let id = listener();
    let r = requests(3);
    synqAdd(id, r[0]); synqAdd(id, r[1]); synqAdd(id, r[2]);
    synqRemove(id, r[2]);
    expect(synqFirst(id)).toBe(r[1] + 1);
    expect(synqSlots(id)).toStrictEqual([r[1], r[0]]);
    expect(getU32(r[1], Off.QPREV)).toBe(0);
  });

  it("unlinks the tail (the oldest request)", () => {
    let id = listener();
    let r = requests(3);
    synqAdd(id, r[0]); synqAdd(id, r[1]); synqAdd(id, r[2]);
    synqRemove(id, r[0]);
    expect(synqSlots(id)).toStrictEqual([r[2], r[1]]);
    expect(getU32(r[1], Off.QNEXT)).toBe(0);
  });

  it("clears the removed request's links", () => {
    let id = listener();
    let r = requests(3);
    synqAdd(id, r[0]); synqAdd(id, r[1]); synqAdd(id, r[2]);
    synqRemove(id, r[1]);
    expect(getU32(r[1], Off.QNEXT)).toBe(0);
    expect(getU32(r[1], Off.QPREV)).toBe(0);
  });

  it("unlinks the only request, leaving the queue empty", () => {
    let id = listener();
    let r = requests(1);
    synqAdd(id, r[0]);
    synqRemove(id, r[0]);
    expect(synqLen(id)).toBe(0);
    expect(synqFirst(id)).toBe(0);
    synqAdd(id, r[0]);
    expect(synqSlots(id)).toStrictEqual([r[0]]);
  });

  it("keeps one SYN queue per listener", () => {
    let a = listener(), b = listener();
    let r = requests(4);
    synqAdd(a, r[0]); synqAdd(b, r[1]); synqAdd(a, r[2]); synqAdd(b, r[3]);
    synqRemove(a, r[2]);
    expect(synqSlots(a)).toStrictEqual([r[0]]);
    expect(synqSlots(b)).toStrictEqual([r[3], r[1]]);
  });
});
