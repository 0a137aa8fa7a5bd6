// Listener records: the accept queue (a ring of socket slots) and the SYN queue of
// one listening socket. A LISTEN socket's aux field holds its record index+1.
//
// Record layout (64 bytes):
//   0 u32 sock      the listening socket's slot
//   4 u32 ring      pointer to u32[cap]: queued children's slots, FIFO
//   8 u32 cap       ring capacity, a power of two, grown on demand (never above need)
//  12 u32 head      index of the oldest entry
//  16 u32 qlen      accept queue length (Linux sk_ack_backlog, FreeBSD sol_qlen)
//  20 u32 limit     backlog after clamping (sk_max_ack_backlog, sol_qlimit)
//  24 u32 synqLen   requests in SYN_RECEIVED (Linux inet_csk_reqsk_queue_len)
//  28 u32 synqHead  first request (slot+1), linked through the requests' qnext/qprev
//  32 u32 next      free-list link
//  36 u32 drops     connections this listener turned away (overflow or SYN queue full)
//  40 u32 incqHead  FreeBSD accept filter: first waiting connection (slot+1), linked
//  44 u32 incqTail  through qnext/qprev, oldest first (sol_incomp)
//  48 u32 incqLen   (sol_incqlen)
//  52 u32 filter    accept filter: 0 none, 1 dataready, 2 httpready
//  56 u32 reserved
//  60 u32 reserved

import { Off } from "./socket";
import { linkFirst, linkLast, unlink } from "../storage/lists";

const REC: u32 = 64;
const INITIAL_RING: u32 = 8;

let recs: usize = 0;
let rcap: u32 = 0;
let rcount: u32 = 0;
let freeHead: u32 = 0;

export function listenersInit(): void {
  if (recs != 0) {
    for (let i: u32 = 0; i < rcount; i++) { let r = rp(i); if (load<u32>(r, 4) != 0) heap.free(load<u32>(r, 4)); }
    heap.free(recs);
  }
  rcap = 16; rcount = 0; freeHead = 0;
  recs = heap.alloc(rcap * REC);
}

// @ts-ignore: decorator
@inline function rp(id: u32): usize { return recs + <usize>id * REC; }

export function lrAlloc(sock: u32, limit: u32): u32 {
  let id: u32;
  if (freeHead != 0) { id = freeHead - 1; freeHead = load<u32>(rp(id), 32); }
  else {
    if (rcount == rcap) { rcap <<= 1; recs = heap.realloc(recs, rcap * REC); }
    id = rcount++;
  }
  let r = rp(id);
  memory.fill(r, 0, REC);
  store<u32>(r, sock);
  store<u32>(r, limit, 20);
  return id;
}

export function lrFree(id: u32): void {
  let r = rp(id);
  assert(load<u32>(r, 16) == 0 && load<u32>(r, 24) == 0, "listener freed with queued connections");
  if (load<u32>(r, 4) != 0) heap.free(load<u32>(r, 4));
  store<u32>(r, 0, 4);
  store<u32>(r, freeHead, 32);
  freeHead = id + 1;
}

// @ts-ignore: decorator
@inline export function lrSock(id: u32): u32 { return load<u32>(rp(id)); }
// @ts-ignore: decorator
@inline export function lrLimit(id: u32): u32 { return load<u32>(rp(id), 20); }
export function lrSetLimit(id: u32, v: u32): void { store<u32>(rp(id), v, 20); }
// @ts-ignore: decorator
@inline export function aqLen(id: u32): u32 { return load<u32>(rp(id), 16); }
// @ts-ignore: decorator
@inline export function synqLen(id: u32): u32 { return load<u32>(rp(id), 24); }
export function synqFirst(id: u32): u32 { return load<u32>(rp(id), 28); }
export function lrDrops(id: u32): u32 { return load<u32>(rp(id), 36); }
export function lrCountDrop(id: u32): void { let r = rp(id); store<u32>(r, load<u32>(r, 36) + 1, 36); }

/** Appends a connection to the accept queue. The caller has checked it is not full. */
export function aqPush(id: u32, child: u32): void {
  let r = rp(id);
  let cap = load<u32>(r, 8), qlen = load<u32>(r, 16), head = load<u32>(r, 12);
  let ring = <usize>load<u32>(r, 4);
  if (qlen == cap) {
    // Grow: unroll the ring into a buffer twice the size (smoltcp RingBuffer, resized).
    let ncap = cap == 0 ? INITIAL_RING : cap << 1;
    let nring = heap.alloc(<usize>ncap << 2);
    for (let i: u32 = 0; i < qlen; i++) store<u32>(nring + (<usize>i << 2), load<u32>(ring + (<usize>((head + i) & (cap - 1)) << 2)));
    if (ring != 0) heap.free(ring);
    ring = nring; cap = ncap; head = 0;
    store<u32>(r, <u32>ring, 4); store<u32>(r, cap, 8); store<u32>(r, 0, 12);
  }
  store<u32>(ring + (<usize>((head + qlen) & (cap - 1)) << 2), child);
  store<u32>(r, qlen + 1, 16);
}

/** Takes the oldest connection from the accept queue; 0xffffffff when empty. */
export function aqPop(id: u32): u32 {
  let r = rp(id);
  let qlen = load<u32>(r, 16);
  if (qlen == 0) return 0xffffffff;
  let cap = load<u32>(r, 8), head = load<u32>(r, 12);
  let child = load<u32>(<usize>load<u32>(r, 4) + (<usize>head << 2));
  store<u32>(r, (head + 1) & (cap - 1), 12);
  store<u32>(r, qlen - 1, 16);
  return child;
}

/** Links a request into the SYN queue. */
export function synqAdd(id: u32, req: u32): void {
  let r = rp(id);
  linkFirst(req, Off.QNEXT, r + 28);
  store<u32>(r, load<u32>(r, 24) + 1, 24);
}

export function synqRemove(id: u32, req: u32): void {
  let r = rp(id);
  unlink(req, Off.QNEXT, r + 28, 0);
  store<u32>(r, load<u32>(r, 24) - 1, 24);
}

export function listenersBytes(): usize { return <usize>rcap * REC; }

/** Puts a connection back at the head of the queue (accept() failed to give it an fd). */
export function aqPushFront(id: u32, child: u32): void {
  let r = rp(id);
  let cap = load<u32>(r, 8), head = load<u32>(r, 12), qlen = load<u32>(r, 16);
  assert(qlen < cap);
  head = (head - 1) & (cap - 1);
  store<u32>(<usize>load<u32>(r, 4) + (<usize>head << 2), child);
  store<u32>(r, head, 12);
  store<u32>(r, qlen + 1, 16);
}

// ---- FreeBSD accept filters: the incomplete queue (sol_incomp) --------------------

export function lrFilter(id: u32): u32 { return load<u32>(rp(id), 52); }
export function lrSetFilter(id: u32, f: u32): void { store<u32>(rp(id), f, 52); }
export function incqLen(id: u32): u32 { return load<u32>(rp(id), 48); }
export function incqFirst(id: u32): u32 { return load<u32>(rp(id), 40); }

/** Appends a connection to the incomplete queue (newest last). */
export function incqAppend(id: u32, s: u32): void {
  let r = rp(id);
  linkLast(s, Off.QNEXT, r + 40, r + 44);
  store<u32>(r, load<u32>(r, 48) + 1, 48);
}

export function incqRemove(id: u32, s: u32): void {
  let r = rp(id);
  unlink(s, Off.QNEXT, r + 40, r + 44);
  store<u32>(r, load<u32>(r, 48) - 1, 48);
}

/** For the consistency check: the i-th queued connection (0 = oldest). */
export function aqAt(id: u32, i: u32): u32 {
  let r = rp(id);
  let cap = load<u32>(r, 8);
  return load<u32>(<usize>load<u32>(r, 4) + (<usize>((load<u32>(r, 12) + i) & (cap - 1)) << 2));
}
