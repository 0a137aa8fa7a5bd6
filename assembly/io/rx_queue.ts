// Receive queues: a byte ring per socket, in linear memory, allocated when the first
// byte arrives and freed when the queue drains (a million idle connections pay
// nothing), like smoltcp's storage/ring_buffer.rs with power-of-two capacity.
//
// One allocation: a 32-byte header (RxQueue below), then the ring; a stream that lost
// segments on a link also has the FIFO of its holes (io/rx_holes.ts), freed with it.
//
// Stream sockets queue plain bytes. Message sockets queue records: an 8-byte header
// (u32 payload length, u32 source: inet address index << 16 | port, or AF_UNIX name
// id + 1) followed by the payload, so boundaries survive.

import { Off, getU32, setU32 } from "../core/socket";
import { holesBlocking, holesBytes, holesDue, holesEmpty, holesFill, holesHold, holesHoldFin, holesNextId, holesPush, holesReveal, revealedFin } from "./rx_holes";

/** The header of a receive queue block (32 bytes; byte offsets on the left), then the ring bytes. */
// @ts-ignore: decorator
@unmanaged class RxQueue {
  /*  0 */ cap: u32;        // ring capacity in bytes (a power of two)
  /*  4 */ head: u32;       // offset of the oldest byte
  /*  8 */ len: u32;        // bytes queued: data for streams, records for messages
  /* 12 */ visible: u32;    // bytes the receiver may read; the rest is still "on the wire"
                            // (link delay > 0) and becomes visible when its event fires
  /* 16 */ records: u32;    // messages queued (datagram and seqpacket sockets)
  /* 20 */ visRecords: u32; // messages the receiver may read
  /* 24 */ holes: u32;      // streams: the lost segments' FIFO (io/rx_holes.ts), 0 when none
  /* 28 */ reserved: u32;
}
// @ts-ignore: decorator
@inline function q(b: usize): RxQueue { return changetype<RxQueue>(b); }

// @ts-ignore: decorator
@inline const HDR: u32 = offsetof<RxQueue>();
const MIN_CAP: u32 = 256;   // small first: a 100-byte message costs ~300 bytes, not a page
/** The header of one message in a message socket's ring, followed by its payload. */
// @ts-ignore: decorator
@unmanaged class MessageHeader {
  /* 0 */ length: u32;   // payload bytes
  /* 4 */ from: u32;     // inet: address index << 16 | port; AF_UNIX: name id + 1 (0: unnamed)
}
// @ts-ignore: decorator
@inline export const REC_HDR: u32 = offsetof<MessageHeader>();
/** A header copied out of (or into) a ring, which may split it at its end. */
const hdr = changetype<MessageHeader>(memory.data(offsetof<MessageHeader>()));
const hdrBuf = changetype<usize>(hdr);

/** Bytes held by receive queues right now (headers and rings), for memory accounting. */
let heldBytes: usize = 0;
export function rxHeldBytes(): usize { return heldBytes; }
export function rxResetAccounting(): void { heldBytes = 0; }

// @ts-ignore: decorator
@inline function cap(b: usize): u32 { return q(b).cap; }
// @ts-ignore: decorator
@inline export function rxLen(s: u32): u32 { let b = getU32(s, Off.RX); return b == 0 ? 0 : q(b).len; }
// @ts-ignore: decorator
@inline export function rxVisible(s: u32): u32 { let b = getU32(s, Off.RX); return b == 0 ? 0 : q(b).visible; }
// @ts-ignore: decorator
@inline export function rxRecords(s: u32): u32 { let b = getU32(s, Off.RX); return b == 0 ? 0 : q(b).visRecords; }
export function rxQueuedRecords(s: u32): u32 { let b = getU32(s, Off.RX); return b == 0 ? 0 : q(b).records; }

/** Makes room for `need` more bytes in s's ring; false when memory is exhausted. */
function reserve(s: u32, need: u32): bool {
  let b = <usize>getU32(s, Off.RX);
  let len: u32 = b == 0 ? 0 : q(b).len;
  let c: u32 = b == 0 ? 0 : cap(b);
  if (len + need <= c) return true;
  let ncap: u32 = c == 0 ? MIN_CAP : c;
  while (ncap < len + need) ncap <<= 1;
  let nb = heap.alloc(<usize>HDR + <usize>ncap);
  heldBytes += <usize>HDR + <usize>ncap - (b == 0 ? 0 : <usize>HDR + <usize>c);
  if (b == 0) {
    memory.fill(nb, 0, HDR);
  } else {
    // Unroll into the new ring: the oldest byte goes to offset 0.
    memory.copy(nb, b, HDR);
    let head = q(b).head;
    let first = min(len, c - head);
    memory.copy(nb + HDR, b + HDR + head, first);
    memory.copy(nb + HDR + first, b + HDR, len - first);
    q(nb).head = 0;
    heap.free(b);
  }
  q(nb).cap = ncap;
  setU32(s, Off.RX, <u32>nb);
  return true;
}

/** Appends n bytes from src (not yet visible). */
function put(b: usize, src: usize, n: u32): void {
  let c = cap(b), head = q(b).head, len = q(b).len;
  let tail = (head + len) & (c - 1);
  let first = min(n, c - tail);
  memory.copy(b + HDR + tail, src, first);
  memory.copy(b + HDR, src + first, n - first);
  q(b).len = len + n;
}

/** Copies n bytes starting `skip` bytes after the head into dst. */
function peek(b: usize, skip: u32, dst: usize, n: u32): void {
  let c = cap(b);
  let at = (q(b).head + skip) & (c - 1);
  let first = min(n, c - at);
  memory.copy(dst, b + HDR + at, first);
  memory.copy(dst + first, b + HDR, n - first);
}

/** Drops n bytes from the head; frees the block when it is empty. */
function drop(s: u32, b: usize, n: u32): void {
  let len = q(b).len - n;
  if (len == 0) { freeQueue(s, b); return; }
  q(b).head = (q(b).head + n) & (cap(b) - 1);
  q(b).len = len;
  q(b).visible = q(b).visible - n;
}

/** Copies every queued stream byte of s, readable or still on the wire, into dst (room for rxLen(s)); returns the count. */
export function rxCopyAll(s: u32, dst: usize): u32 {
  let b = <usize>getU32(s, Off.RX);
  if (b == 0) return 0;
  let n = q(b).len;
  peek(b, 0, dst, n);
  return n;
}

/** Queues stream bytes for s; `visibleNow` when there is no link delay. */
export function rxAppend(s: u32, src: usize, n: u32, visibleNow: bool): bool {
  if (!reserve(s, n)) return false;
  let b = <usize>getU32(s, Off.RX);
  put(b, src, n);
  if (visibleNow) q(b).visible = q(b).visible + n;
  return true;
}

/** Queues one message (header + payload). */
export function rxAppendRecord(s: u32, src: usize, n: u32, from: u32, visibleNow: bool): bool {
  if (!reserve(s, n + REC_HDR)) return false;
  let b = <usize>getU32(s, Off.RX);
  hdr.length = n; hdr.from = from;
  put(b, hdrBuf, REC_HDR);
  put(b, src, n);
  q(b).records = q(b).records + 1;
  if (visibleNow) {
    q(b).visible = q(b).visible + n + REC_HDR;
    q(b).visRecords = q(b).visRecords + 1;
  }
  return true;
}

// Head-of-line blocking (docs/network.md R5): stream bytes are queued in send order when
// they are sent and made readable when their segment arrives. A segment lost on a link
// leaves a hole (io/rx_holes.ts); once it is due, the bytes of later segments wait, as
// in the receiver's out-of-order queue (Linux tcp_data_queue_ofo), and so does a FIN;
// the retransmission that fills the first hole makes everything up to the next one
// readable at once.

/** A segment of `bytes` of s's stream is lost on its way: returns its hole's id (its retransmission names it). */
export function rxLost(s: u32, bytes: u32): u32 {
  let b = <usize>getU32(s, Off.RX);
  if (b == 0) return 0;             // not queued: the receiver is gone
  let p = <usize>q(b).holes;
  let id = holesNextId(p);
  heldBytes -= holesBytes(p);
  p = holesPush(p, bytes);
  heldBytes += holesBytes(p);
  q(b).holes = <u32>p;
  return id;
}

/** The next lost segment of s would have arrived by now (EV_GAP): later bytes wait for it. */
export function rxGapDue(s: u32): i32 {
  let b = <usize>getU32(s, Off.RX);
  if (b == 0 || q(b).holes == 0) return Arrival.HELD;
  holesDue(q(b).holes);
  return reveal(b);       // its retransmission may have come first (a link's record was removed)
}

/** Results of rxArrive and rxGapDue. */
export namespace Arrival {
  // @ts-ignore: decorator
  @inline export const HELD: i32 = 0;      // nothing new to read
  // @ts-ignore: decorator
  @inline export const READABLE: i32 = 1;
  // @ts-ignore: decorator
  @inline export const FIN_TOO: i32 = 2;   // readable, and a FIN that waited behind a hole is due now
}

/**
 * A stream segment of `bytes` arrives at s; `fills`: the id of the hole it fills (a
 * retransmission), or -1 for a segment's first crossing. Returns an Arrival code.
 */
export function rxArrive(s: u32, bytes: u32, fills: i64): i32 {
  let b = <usize>getU32(s, Off.RX);
  if (b == 0) return Arrival.HELD;
  let p = <usize>q(b).holes;
  if (fills >= 0) {
    if (p == 0) return Arrival.HELD;
    holesFill(p, <u32>fills);
    return reveal(b);
  }
  if (holesBlocking(p)) { holesHold(p, bytes); return Arrival.HELD; }
  q(b).visible = min(q(b).len, q(b).visible + bytes);
  return Arrival.READABLE;
}

/** Makes the stretch before the first unfilled due hole readable; frees the FIFO when empty. */
function reveal(b: usize): i32 {
  let p = <usize>q(b).holes;
  let n = holesReveal(p);
  let fin = revealedFin;
  if (holesEmpty(p)) { heldBytes -= holesBytes(p); heap.free(p); q(b).holes = 0; }
  if (n == 0 && !fin) return Arrival.HELD;
  q(b).visible = min(q(b).len, q(b).visible + n);
  return fin ? Arrival.FIN_TOO : Arrival.READABLE;
}

/** A FIN arrives at s: true when it must wait behind a hole (rxArrive hands it back). */
export function rxFinWaits(s: u32): bool {
  let b = <usize>getU32(s, Off.RX);
  if (b == 0 || !holesBlocking(q(b).holes)) return false;
  holesHoldFin(q(b).holes);
  return true;
}

/** Reads up to n visible stream bytes into dst; peek leaves them queued. Returns the count. */
export function rxRead(s: u32, dst: usize, n: u32, peekOnly: bool): u32 {
  let b = <usize>getU32(s, Off.RX);
  if (b == 0) return 0;
  let m = min(n, q(b).visible);
  if (m == 0) return 0;
  peek(b, 0, dst, m);
  if (!peekOnly) drop(s, b, m);
  return m;
}

/** Copies up to n visible bytes starting `off` bytes in, leaving them queued; returns the count. */
export function rxPeekAt(s: u32, off: u32, dst: usize, n: u32): u32 {
  let b = <usize>getU32(s, Off.RX);
  if (b == 0 || off >= q(b).visible) return 0;
  let m = min(n, q(b).visible - off);
  peek(b, off, dst, m);
  return m;
}

/** Length and source of the next visible message, as (from << 32 | length); -1 if none. */
export function rxNextRecord(s: u32): i64 {
  let b = <usize>getU32(s, Off.RX);
  if (b == 0 || q(b).visRecords == 0) return -1;
  peek(b, 0, hdrBuf, REC_HDR);
  return (<i64>hdr.from << 32) | <i64>hdr.length;
}

/** Copies up to n bytes of the next message into dst and (unless peek) drops the whole message. */
export function rxReadRecord(s: u32, dst: usize, n: u32, peekOnly: bool): void {
  let b = <usize>getU32(s, Off.RX);
  peek(b, 0, hdrBuf, REC_HDR);
  let len = hdr.length;
  peek(b, REC_HDR, dst, min(n, len));
  if (peekOnly) return;
  q(b).records = q(b).records - 1;
  q(b).visRecords = q(b).visRecords - 1;
  drop(s, b, REC_HDR + len);
}

/** Adds 1 to the u32 at counts + 4 * (from >> 16) for every queued message (sk_check's address references). */
export function rxCountSources(s: u32, counts: usize): void {
  let b = <usize>getU32(s, Off.RX);
  if (b == 0) return;
  let at: u32 = 0;
  for (let r: u32 = 0; r < q(b).records; r++) {
    peek(b, at, hdrBuf, REC_HDR);
    let p = counts + (<usize>(hdr.from >> 16) << 2);
    store<u32>(p, load<u32>(p) + 1);
    at += REC_HDR + hdr.length;
  }
}

/** Drops the first message, visible or not; returns its source (MessageHeader.from), or -1 when none is queued. */
export function rxDropRecord(s: u32): i64 {
  let b = <usize>getU32(s, Off.RX);
  if (b == 0 || q(b).records == 0) return -1;
  peek(b, 0, hdrBuf, REC_HDR);
  let from = hdr.from, len = hdr.length, visible = q(b).visRecords != 0;
  q(b).records = q(b).records - 1;
  if (visible) q(b).visRecords = q(b).visRecords - 1;
  // drop() takes visible bytes: a record still on the wire is made visible to be dropped.
  if (!visible) q(b).visible = q(b).visible + REC_HDR + len;
  drop(s, b, REC_HDR + len);
  return <i64>from;
}

/** Frees s's queue (close). Returns the bytes that were still unread. */
export function rxFree(s: u32): u32 {
  let b = <usize>getU32(s, Off.RX);
  if (b == 0) return 0;
  let unread = q(b).len;
  freeQueue(s, b);
  return unread;
}

/** Frees s's queue block b and its holes. */
function freeQueue(s: u32, b: usize): void {
  let p = <usize>q(b).holes;
  if (p != 0) { heldBytes -= holesBytes(p); heap.free(p); }
  heldBytes -= <usize>HDR + <usize>cap(b);
  heap.free(b);
  setU32(s, Off.RX, 0);
}

