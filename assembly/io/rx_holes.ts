// The holes of a stream's receive queue (head-of-line blocking, docs/network.md R5): the
// segments lost on the link and not yet arrived again, in stream order, as the receiver's
// out-of-order queue (Linux tcp_data_queue_ofo) sees them. A FIFO of Hole records in a
// block of its own, allocated at a stream's first loss and freed when its last hole is
// gone (io/rx_queue.ts keeps the pointer in RxQueue.holes).
//
// A hole gets its id (consecutive per stream) when its segment is lost; it becomes due
// when that segment would have arrived (EV_GAP, in loss order: tcp/wire.ts), so the
// due holes are a prefix of the FIFO. Bytes of later segments that arrive while a hole
// is due wait in the last due hole's `held`; a retransmission marks its hole filled; the
// filled due holes at the head are the readable stretch (rxHolesReveal).

/** The FIFO's header (24 bytes), then `cap` Hole records. */
// @ts-ignore: decorator
@unmanaged class Holes {
  /*  0 */ cap: u32;      // records allocated (a power of two)
  /*  4 */ first: u32;    // index of the oldest hole
  /*  8 */ count: u32;    // holes
  /* 12 */ due: u32;      // holes whose segment would have arrived by now (a prefix)
  /* 16 */ headId: u32;   // id of the oldest hole
  /* 20 */ pad: u32;
}
/** One lost segment (12 bytes). */
// @ts-ignore: decorator
@unmanaged class Hole {
  /* 0 */ len: u32;       // its bytes
  /* 4 */ held: u32;      // bytes of later segments that arrived behind it
  /* 8 */ flags: u32;     // FILLED, FIN
}
// @ts-ignore: decorator
@inline const HDR: usize = offsetof<Holes>();
// @ts-ignore: decorator
@inline const REC: usize = offsetof<Hole>();
const FILLED: u32 = 1;    // its retransmission arrived
const FIN: u32 = 2;       // a FIN arrived behind it
const MIN_CAP: u32 = 4;

// @ts-ignore: decorator
@inline function h(p: usize): Holes { return changetype<Holes>(p); }
// @ts-ignore: decorator
@inline function at(p: usize, i: u32): Hole {
  return changetype<Hole>(p + HDR + <usize>((h(p).first + i) & (h(p).cap - 1)) * REC);
}

/** Bytes a holes block of p takes (for memory accounting). */
export function holesBytes(p: usize): usize { return p == 0 ? 0 : HDR + <usize>h(p).cap * REC; }

/**
 * A segment of `len` bytes is lost: a new hole at the tail of p's FIFO (p 0: a new
 * block). Returns the block, which may have moved; its id is holesNextId before the call.
 */
export function holesPush(p: usize, len: u32): usize {
  if (p == 0) {
    p = heap.alloc(HDR + <usize>MIN_CAP * REC);
    memory.fill(p, 0, HDR);
    h(p).cap = MIN_CAP;
  } else if (h(p).count == h(p).cap) {
    // Unroll into a block twice the size: the oldest hole goes to index 0.
    let cap = h(p).cap, np = heap.alloc(HDR + <usize>(cap << 1) * REC);
    memory.copy(np, p, HDR);
    for (let i: u32 = 0; i < cap; i++) memory.copy(np + HDR + <usize>i * REC, changetype<usize>(at(p, i)), REC);
    h(np).cap = cap << 1;
    h(np).first = 0;
    heap.free(p);
    p = np;
  }
  let r = at(p, h(p).count);
  r.len = len; r.held = 0; r.flags = 0;
  h(p).count = h(p).count + 1;
  return p;
}

/** The id the next lost segment of p's stream gets. */
export function holesNextId(p: usize): u32 { return p == 0 ? 0 : h(p).headId + h(p).count; }

/** Whether any hole of p is due (later bytes and a FIN must wait). */
export function holesBlocking(p: usize): bool { return p != 0 && h(p).due != 0; }

/** The next hole's segment would have arrived by now. */
export function holesDue(p: usize): void {
  if (h(p).due < h(p).count) h(p).due = h(p).due + 1;
}

/** The retransmission of hole `id` arrived (an id no longer in the FIFO is a stale one: ignored). */
export function holesFill(p: usize, id: u32): void {
  let i = id - h(p).headId;
  if (i < h(p).count) at(p, i).flags |= FILLED;
}

/** Bytes of an original segment arrive behind the last due hole. */
export function holesHold(p: usize, bytes: u32): void { at(p, h(p).due - 1).held += bytes; }

/** A FIN arrives behind the last due hole. */
export function holesHoldFin(p: usize): void { at(p, h(p).due - 1).flags |= FIN; }

/** Set by holesReveal: a FIN waited behind the holes it took out. */
export let revealedFin: bool = false;

/**
 * Takes the filled due holes off the head: returns the bytes that became readable (their
 * own and what waited behind them); revealedFin says whether a FIN was among them.
 */
export function holesReveal(p: usize): u32 {
  let n: u32 = 0;
  revealedFin = false;
  while (h(p).due != 0) {
    let r = at(p, 0);
    if ((r.flags & FILLED) == 0) break;
    n += r.len + r.held;
    if ((r.flags & FIN) != 0) revealedFin = true;
    h(p).first = (h(p).first + 1) & (h(p).cap - 1);
    h(p).count = h(p).count - 1;
    h(p).due = h(p).due - 1;
    h(p).headId = h(p).headId + 1;
  }
  return n;
}

/** Whether p has no hole left (the caller frees it). */
export function holesEmpty(p: usize): bool { return h(p).count == 0; }
