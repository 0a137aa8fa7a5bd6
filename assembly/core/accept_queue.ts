// Listener records: the accept queue (a ring of socket slots) and the SYN queue of
// one listening socket, and a FreeBSD accept filter's queue. A LISTEN socket's aux
// field holds its record index+1. The records live in a slot array (storage/slots.ts).

import { Off, getU8 } from "./socket";
import { linkFirst, linkLast, unlink } from "../storage/lists";
import { SlotArray, slotAlloc, slotRelease, slotsBytes, slotsInit, staticSlots } from "../storage/slots";

/** One listener (72 bytes; byte offsets on the left). */
// @ts-ignore: decorator
@unmanaged class Listener {
  /*  0 */ sock: u32;      // the listening socket's slot
  /*  4 */ ring: u32;      // pointer to u32[cap]: queued children's slots, FIFO
  /*  8 */ cap: u32;       // ring capacity, a power of two, grown on demand (never above need)
  /* 12 */ head: u32;      // index of the oldest entry
  /* 16 */ qlen: u32;      // accept queue length (Linux sk_ack_backlog, FreeBSD sol_qlen)
  /* 20 */ limit: u32;     // backlog after clamping (sk_max_ack_backlog, sol_qlimit)
  /* 24 */ synqLen: u32;   // requests in SYN_RECEIVED (Linux inet_csk_reqsk_queue_len)
  /* 28 */ synqHead: u32;  // first request (slot+1), linked through the requests' qnext/qprev
  /* 32 */ next: u32;      // free-list link
  /* 36 */ drops: u32;     // connections this listener turned away (overflow or SYN queue full)
  /* 40 */ incqHead: u32;  // FreeBSD accept filter: first waiting connection (slot+1), linked
  /* 44 */ incqTail: u32;  // through qnext/qprev, oldest first (sol_incomp)
  /* 48 */ incqLen: u32;   // (sol_incqlen)
  /* 52 */ filter: u32;    // accept filter: 0 none, 1 dataready, 2 httpready
  /* 56 */ young: u32;     // requests never retransmitted (Linux reqsk_queue_len_young)
  /* 60 */ reserved1: u32;
  /* 64 */ overflowUs: i64; // when a cookie was last sent (Linux ts_recent_stamp via tcp_synq_overflow), -1 never
}

// @ts-ignore: decorator
@inline const REC: u32 = offsetof<Listener>();
const INITIAL_RING: u32 = 8;
const listeners: SlotArray = staticSlots();

export function listenersInit(): void {
  for (let i: u32 = 0; i < listeners.count; i++) { let r = rec(i); if (r.ring != 0) heap.free(r.ring); }
  slotsInit(listeners, REC, 16, offsetof<Listener>("next"));
}

// @ts-ignore: decorator
@inline function rec(id: u32): Listener { return changetype<Listener>(listeners.base + <usize>id * REC); }
// @ts-ignore: decorator
@inline function field(r: Listener, off: usize): usize { return changetype<usize>(r) + off; }

export function lrAlloc(sock: u32, limit: u32): u32 {
  let id = slotAlloc(listeners);
  let r = rec(id);
  r.sock = sock;
  r.limit = limit;
  r.overflowUs = -1;
  return id;
}

export function lrFree(id: u32): void {
  let r = rec(id);
  assert(r.qlen == 0 && r.synqLen == 0, "listener freed with queued connections");
  if (r.ring != 0) heap.free(r.ring);
  r.ring = 0;
  slotRelease(listeners, id);
}

// @ts-ignore: decorator
@inline export function lrSock(id: u32): u32 { return rec(id).sock; }
// @ts-ignore: decorator
@inline export function lrLimit(id: u32): u32 { return rec(id).limit; }
export function lrSetLimit(id: u32, v: u32): void { rec(id).limit = v; }
/** The listener's syncookie overflow stamp (policy/personality.ts cookieStamp), -1 when it never sent one. */
export function lrOverflowUs(id: u32): i64 { return rec(id).overflowUs; }
export function lrSetOverflowUs(id: u32, t: i64): void { rec(id).overflowUs = t; }
// @ts-ignore: decorator
@inline export function aqLen(id: u32): u32 { return rec(id).qlen; }
// @ts-ignore: decorator
@inline export function synqLen(id: u32): u32 { return rec(id).synqLen; }
export function synqFirst(id: u32): u32 { return rec(id).synqHead; }
export function lrDrops(id: u32): u32 { return rec(id).drops; }
export function lrCountDrop(id: u32): void { let r = rec(id); r.drops = r.drops + 1; }

// @ts-ignore: decorator
@inline function ringAt(r: Listener, i: u32): usize { return <usize>r.ring + (<usize>(i & (r.cap - 1)) << 2); }

/** Appends a connection to the accept queue. The caller has checked it is not full. */
export function aqPush(id: u32, child: u32): void {
  let r = rec(id);
  let qlen = r.qlen;
  if (qlen == r.cap) {
    // Grow: unroll the ring into a buffer twice the size (smoltcp RingBuffer, resized).
    let ncap = r.cap == 0 ? INITIAL_RING : r.cap << 1;
    let nring = heap.alloc(<usize>ncap << 2);
    for (let i: u32 = 0; i < qlen; i++) store<u32>(nring + (<usize>i << 2), load<u32>(ringAt(r, r.head + i)));
    if (r.ring != 0) heap.free(r.ring);
    r.ring = <u32>nring; r.cap = ncap; r.head = 0;
  }
  store<u32>(ringAt(r, r.head + qlen), child);
  r.qlen = qlen + 1;
}

/** Takes the oldest connection from the accept queue; 0xffffffff when empty. */
export function aqPop(id: u32): u32 {
  let r = rec(id);
  let qlen = r.qlen;
  if (qlen == 0) return 0xffffffff;
  let child = load<u32>(ringAt(r, r.head));
  r.head = (r.head + 1) & (r.cap - 1);
  r.qlen = qlen - 1;
  return child;
}

/** Puts a connection back at the head of the queue (accept() failed to give it an fd). */
export function aqPushFront(id: u32, child: u32): void {
  let r = rec(id);
  assert(r.qlen < r.cap);
  r.head = (r.head - 1) & (r.cap - 1);
  store<u32>(ringAt(r, r.head), child);
  r.qlen = r.qlen + 1;
}

/** For the consistency check: the i-th queued connection (0 = oldest). */
export function aqAt(id: u32, i: u32): u32 {
  let r = rec(id);
  return load<u32>(ringAt(r, r.head + i));
}

/** Links a request into the SYN queue. */
export function synqAdd(id: u32, req: u32): void {
  let r = rec(id);
  linkFirst(req, Off.QNEXT, field(r, offsetof<Listener>("synqHead")));
  r.synqLen = r.synqLen + 1;
  r.young = r.young + 1;              // a new request has not timed out yet
}

export function synqRemove(id: u32, req: u32): void {
  let r = rec(id);
  unlink(req, Off.QNEXT, field(r, offsetof<Listener>("synqHead")), 0);
  r.synqLen = r.synqLen - 1;
  if (getU8(req, Off.RETRIES) == 0) r.young = r.young - 1;
}

/** Requests in the SYN queue never retransmitted (Linux reqsk_queue_len_young). */
export function synqYoung(id: u32): u32 { return rec(id).young; }
/** A request's first SYN-ACK timeout: it is young no longer ("if (req->num_timeout++ == 0) atomic_dec(&queue->young);"). */
export function synqAged(id: u32): void { let r = rec(id); r.young = r.young - 1; }
/** A request's schedule starts over (FreeBSD: a duplicate SYN, "sc->sc_rxmits = 0"): young again. */
export function synqRenewed(id: u32): void { let r = rec(id); r.young = r.young + 1; }

export function listenersBytes(): usize { return slotsBytes(listeners); }

// ---- FreeBSD accept filters: the incomplete queue (sol_incomp) --------------------

export function lrFilter(id: u32): u32 { return rec(id).filter; }
export function lrSetFilter(id: u32, f: u32): void { rec(id).filter = f; }
export function incqLen(id: u32): u32 { return rec(id).incqLen; }
export function incqFirst(id: u32): u32 { return rec(id).incqHead; }

/** Appends a connection to the incomplete queue (newest last). */
export function incqAppend(id: u32, s: u32): void {
  let r = rec(id);
  linkLast(s, Off.QNEXT, field(r, offsetof<Listener>("incqHead")), field(r, offsetof<Listener>("incqTail")));
  r.incqLen = r.incqLen + 1;
}

export function incqRemove(id: u32, s: u32): void {
  let r = rec(id);
  unlink(s, Off.QNEXT, field(r, offsetof<Listener>("incqHead")), field(r, offsetof<Listener>("incqTail")));
  r.incqLen = r.incqLen - 1;
}
