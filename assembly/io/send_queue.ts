// A cookie client's send queue: the bytes it sent while no server socket had taken its
// ACK (docs/network.md R4). Linux tcp_sendmsg_locked puts them on the write queue, the
// retransmission timer sends them again with the ACK, and the segment whose cookie
// finds room hands them to the new child (cookie_v4_check -> tcp_get_cookie_sock, then
// tcp_child_process). Every other connection's bytes go straight to the peer's receive
// queue (io/rx_queue.ts), so only these need a queue of their own.
//
// One block per socket, allocated at the first byte and freed when the bytes are handed
// over or the connection ends: an 8-byte header (SendQueue below), then the bytes, oldest
// first. Bytes only join at the end and leave all at once, so no ring is needed.

import { Off, getU32, setU32 } from "../core/socket";
import { rxAppend } from "./rx_queue";

/** The header of a send queue block (8 bytes; byte offsets on the left), then the bytes. */
// @ts-ignore: decorator
@unmanaged class SendQueue {
  /* 0 */ cap: u32;   // bytes the block holds
  /* 4 */ len: u32;   // bytes queued
}
// @ts-ignore: decorator
@inline function q(b: usize): SendQueue { return changetype<SendQueue>(b); }
// @ts-ignore: decorator
@inline const HDR: u32 = offsetof<SendQueue>();

let heldBytes: usize = 0;
/** Bytes held by send queues right now (headers and bytes), for memory accounting. */
export function sqHeldBytes(): usize { return heldBytes; }
export function sqResetAccounting(): void { heldBytes = 0; }

/** Bytes in s's send queue. */
export function sqLen(s: u32): u32 { let b = getU32(s, Off.SENDQ); return b == 0 ? 0 : q(b).len; }

/** Appends n bytes from src (the caller keeps the total within SO_SNDBUF). */
export function sqAppend(s: u32, src: usize, n: u32): void {
  if (n == 0) return;
  let b = <usize>getU32(s, Off.SENDQ);
  let len: u32 = b == 0 ? 0 : q(b).len, cap: u32 = b == 0 ? 0 : q(b).cap;
  if (len + n > cap) {
    let ncap: u32 = cap == 0 ? 256 : cap;
    while (ncap < len + n) ncap <<= 1;
    let nb = b == 0 ? heap.alloc(<usize>HDR + <usize>ncap) : heap.realloc(b, <usize>HDR + <usize>ncap);
    heldBytes += <usize>ncap - <usize>cap + (b == 0 ? <usize>HDR : 0);
    b = nb;
    q(b).cap = ncap; q(b).len = len;
    setU32(s, Off.SENDQ, <u32>b);
  }
  memory.copy(b + HDR + len, src, n);
  q(b).len = len + n;
}

/** Hands every queued byte to `to`'s receive queue, readable now (they came with the segment being handled). */
export function sqDeliver(s: u32, to: u32): void {
  let b = <usize>getU32(s, Off.SENDQ);
  if (b == 0) return;
  rxAppend(to, b + HDR, q(b).len, true);
  sqFree(s);
}

/** Drops s's send queue (tcp_write_queue_purge when the connection ends; core/release.ts). */
export function sqFree(s: u32): void {
  let b = <usize>getU32(s, Off.SENDQ);
  if (b == 0) return;
  heldBytes -= <usize>HDR + <usize>q(b).cap;
  heap.free(b);
  setU32(s, Off.SENDQ, 0);
}
