// Receive queues: a byte ring per socket, in linear memory, allocated when the first
// byte arrives and freed when the queue drains (a million idle connections pay
// nothing), like smoltcp's storage/ring_buffer.rs with power-of-two capacity.
//
// One allocation: a 32-byte header, then the ring.
//   0 u32 cap        ring capacity in bytes (a power of two)
//   4 u32 head       offset of the oldest byte
//   8 u32 len        bytes queued: data for streams, records for messages
//  12 u32 visible    bytes the receiver may read; the rest is still "on the wire"
//                    (link delay > 0) and becomes visible when its event fires
//  16 u32 records    messages queued (datagram and seqpacket sockets)
//  20 u32 visRecords messages the receiver may read
//  24 u32 reserved
//  28 u32 reserved
//  32 ...            ring bytes
//
// Stream sockets queue plain bytes. Message sockets queue records: an 8-byte header
// (u32 payload length, u32 source: inet address index << 16 | port, or AF_UNIX name
// id + 1) followed by the payload, so boundaries survive.

import { Off, getU32, setU32 } from "../core/socket";

const HDR: u32 = 32;
const MIN_CAP: u32 = 256;   // small first: a 100-byte message costs ~300 bytes, not a page
export const REC_HDR: u32 = 8;
const hdrBuf = memory.data(8);

/** Bytes held by receive queues right now (headers and rings), for memory accounting. */
let heldBytes: usize = 0;
export function rxHeldBytes(): usize { return heldBytes; }
export function rxResetAccounting(): void { heldBytes = 0; }

// @ts-ignore: decorator
@inline function cap(b: usize): u32 { return load<u32>(b); }
// @ts-ignore: decorator
@inline export function rxLen(s: u32): u32 { let b = getU32(s, Off.RX); return b == 0 ? 0 : load<u32>(b, 8); }
// @ts-ignore: decorator
@inline export function rxVisible(s: u32): u32 { let b = getU32(s, Off.RX); return b == 0 ? 0 : load<u32>(b, 12); }
// @ts-ignore: decorator
@inline export function rxRecords(s: u32): u32 { let b = getU32(s, Off.RX); return b == 0 ? 0 : load<u32>(b, 20); }
export function rxQueuedRecords(s: u32): u32 { let b = getU32(s, Off.RX); return b == 0 ? 0 : load<u32>(b, 16); }

/** Makes room for `need` more bytes in s's ring; false when memory is exhausted. */
function reserve(s: u32, need: u32): bool {
  let b = <usize>getU32(s, Off.RX);
  let len: u32 = b == 0 ? 0 : load<u32>(b, 8);
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
    let head = load<u32>(b, 4);
    let first = min(len, c - head);
    memory.copy(nb + HDR, b + HDR + head, first);
    memory.copy(nb + HDR + first, b + HDR, len - first);
    store<u32>(nb, 0, 4);
    heap.free(b);
  }
  store<u32>(nb, ncap);
  setU32(s, Off.RX, <u32>nb);
  return true;
}

/** Appends n bytes from src (not yet visible). */
function put(b: usize, src: usize, n: u32): void {
  let c = cap(b), head = load<u32>(b, 4), len = load<u32>(b, 8);
  let tail = (head + len) & (c - 1);
  let first = min(n, c - tail);
  memory.copy(b + HDR + tail, src, first);
  memory.copy(b + HDR, src + first, n - first);
  store<u32>(b, len + n, 8);
}

/** Copies n bytes starting `skip` bytes after the head into dst. */
function peek(b: usize, skip: u32, dst: usize, n: u32): void {
  let c = cap(b);
  let at = (load<u32>(b, 4) + skip) & (c - 1);
  let first = min(n, c - at);
  memory.copy(dst, b + HDR + at, first);
  memory.copy(dst + first, b + HDR, n - first);
}

/** Drops n bytes from the head; frees the block when it is empty. */
function drop(s: u32, b: usize, n: u32): void {
  let len = load<u32>(b, 8) - n;
  if (len == 0) { heldBytes -= <usize>HDR + <usize>cap(b); heap.free(b); setU32(s, Off.RX, 0); return; }
  store<u32>(b, (load<u32>(b, 4) + n) & (cap(b) - 1), 4);
  store<u32>(b, len, 8);
  store<u32>(b, load<u32>(b, 12) - n, 12);
}

/** Queues stream bytes for s; `visibleNow` when there is no link delay. */
export function rxAppend(s: u32, src: usize, n: u32, visibleNow: bool): bool {
  if (!reserve(s, n)) return false;
  let b = <usize>getU32(s, Off.RX);
  put(b, src, n);
  if (visibleNow) store<u32>(b, load<u32>(b, 12) + n, 12);
  return true;
}

/** Queues one message (header + payload). */
export function rxAppendRecord(s: u32, src: usize, n: u32, from: u32, visibleNow: bool): bool {
  if (!reserve(s, n + REC_HDR)) return false;
  let b = <usize>getU32(s, Off.RX);
  store<u32>(hdrBuf, n); store<u32>(hdrBuf, from, 4);
  put(b, hdrBuf, REC_HDR);
  put(b, src, n);
  store<u32>(b, load<u32>(b, 16) + 1, 16);
  if (visibleNow) {
    store<u32>(b, load<u32>(b, 12) + n + REC_HDR, 12);
    store<u32>(b, load<u32>(b, 20) + 1, 20);
  }
  return true;
}

/** Bytes (and records) that were on the wire arrive. */
export function rxDeliver(s: u32, bytes: u32, records: u32): void {
  let b = <usize>getU32(s, Off.RX);
  if (b == 0) return;
  store<u32>(b, min(load<u32>(b, 8), load<u32>(b, 12) + bytes), 12);
  store<u32>(b, min(load<u32>(b, 16), load<u32>(b, 20) + records), 20);
}

/** Reads up to n visible stream bytes into dst; peek leaves them queued. Returns the count. */
export function rxRead(s: u32, dst: usize, n: u32, peekOnly: bool): u32 {
  let b = <usize>getU32(s, Off.RX);
  if (b == 0) return 0;
  let m = min(n, load<u32>(b, 12));
  if (m == 0) return 0;
  peek(b, 0, dst, m);
  if (!peekOnly) drop(s, b, m);
  return m;
}

/** Length and source of the next visible message, as (from << 32 | length); -1 if none. */
export function rxNextRecord(s: u32): i64 {
  let b = <usize>getU32(s, Off.RX);
  if (b == 0 || load<u32>(b, 20) == 0) return -1;
  peek(b, 0, hdrBuf, REC_HDR);
  return (<i64>load<u32>(hdrBuf, 4) << 32) | <i64>load<u32>(hdrBuf);
}

/** Copies up to n bytes of the next message into dst and (unless peek) drops the whole message. */
export function rxReadRecord(s: u32, dst: usize, n: u32, peekOnly: bool): void {
  let b = <usize>getU32(s, Off.RX);
  peek(b, 0, hdrBuf, REC_HDR);
  let len = load<u32>(hdrBuf);
  peek(b, REC_HDR, dst, min(n, len));
  if (peekOnly) return;
  store<u32>(b, load<u32>(b, 16) - 1, 16);
  store<u32>(b, load<u32>(b, 20) - 1, 20);
  drop(s, b, REC_HDR + len);
}

/** Frees s's queue (close). Returns the bytes that were still unread. */
export function rxFree(s: u32): u32 {
  let b = <usize>getU32(s, Off.RX);
  if (b == 0) return 0;
  let unread = load<u32>(b, 8);
  heldBytes -= <usize>HDR + <usize>cap(b);
  heap.free(b);
  setU32(s, Off.RX, 0);
  return unread;
}

export function rxBytes(s: u32): u32 { let b = getU32(s, Off.RX); return b == 0 ? 0 : HDR + cap(b); }
