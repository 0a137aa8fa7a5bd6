// AF_UNIX peer waits: a socket that found another's queue full waits for room in it
// (net/unix/af_unix.c: the full socket's peer_wait queue; unix_wait_for_peer, where a
// blocking connect() or datagram send() sleeps; the peer_wake entry through which a
// datagram sender's poll is woken, unix_dgram_peer_wake_me / _relay).
//
// A socket waits on at most one other, as each Linux unix_sock has one peer_wake
// entry: Off.WAIT_ON names the socket it waits on, Off.WAIT_LINK links it on that
// socket's queue, whose head is Off.PEER_WAIT (FIFO in one word: storage/lists.ts
// ringAppend). A relay takes the waiter off the queue and wakes its epoll items
// (io/epoll.ts wake): what one read or accept costs is the waiters it wakes, each once
// per wait; nothing scans the sockets.
//
// Who waits, and who wakes them:
// - a datagram sender connected to a full receiver, from its poll (io/readiness.ts) or
//   its send's EAGAIN (syscalls/data.ts): every read of the receiver relays them all
//   (__unix_dgram_recvmsg: wake_up_interruptible_sync_poll(&u->peer_wait, EPOLLOUT ...),
//   every peer_wake entry is non-exclusive);
// - a stream or seqpacket socket whose connect() found the listener's queue full and
//   was told EAGAIN (syscalls/connect.ts): what a blocking unix_stream_connect sleeps
//   on. The async layer waits for EPOLLPEER (io/readiness.ts) on it; an accept relays
//   the first waiter that waits so (unix_accept: wake_up_interruptible wakes one
//   exclusive waiter), and takes off the queue the ones in front of it that no one
//   waits on (their connect() returned EAGAIN and their caller went on);
// - all of them when the socket they wait on is freed (unix_release_sock:
//   wake_up_interruptible_all) or a listener's backlog grows (unix_listen: "if
//   (backlog > sk->sk_max_ack_backlog) wake_up_interruptible_all(&u->peer_wait);").
// shutdown() wakes no one (unix_shutdown does not touch peer_wait): a connect waiting
// on a listener that was shut down waits on until it accepts or closes.

import { Off, getU32, setU32, sockPtr } from "../core/socket";
import { ringAppend, ringUnlink } from "../storage/lists";
import { wake, watchedFor } from "./epoll";
import { rxQueuedRecords } from "./rx_queue";

/**
 * socket-kernel's own epoll bit (no Linux poll bit has it): reported while the socket
 * waits for no one's queue. poll() cannot ask for it (its events are 16 bits). The
 * async layer's connectAsync waits for it where a blocking unix_stream_connect sleeps.
 */
export const EPOLLPEER: u32 = 1 << 24;

/** net.unix.max_dgram_qlen: datagrams a receiver holds before its senders wait. */
export const MAX_DGRAM_QLEN: u32 = 10;

/** unix_recvq_full_lockless for a datagram receiver: "skb_queue_len(&sk->sk_receive_queue) > sk->sk_max_ack_backlog". */
export function unixRecvqFull(r: u32): bool { return rxQueuedRecords(r) > MAX_DGRAM_QLEN; }

/** Whether AF_UNIX socket w waits for room in another's queue. */
// @ts-ignore: decorator
@inline export function peerWaiting(w: u32): bool { return getU32(w, Off.WAIT_ON) != 0; }

/** AF_UNIX socket w waits for room in t's queue (unix_dgram_peer_wake_connect; prepare_to_wait_exclusive). */
export function peerWaitOn(w: u32, t: u32): void {
  let on = getU32(w, Off.WAIT_ON);
  if (on == t + 1) return;                    // already there: it keeps its place
  if (on != 0) peerWaitLeave(w);
  ringAppend(w, Off.WAIT_LINK, sockPtr(t) + Off.PEER_WAIT);
  setU32(w, Off.WAIT_ON, t + 1);
}

/** w stops waiting, without a wake-up (unix_dgram_peer_wake_disconnect; finish_wait). */
export function peerWaitLeave(w: u32): void {
  let on = getU32(w, Off.WAIT_ON);
  if (on == 0) return;
  ringUnlink(w, Off.WAIT_LINK, sockPtr(on - 1) + Off.PEER_WAIT);
  setU32(w, Off.WAIT_ON, 0);
}

/** unix_dgram_peer_wake_relay: w leaves the queue and its watchers are woken. */
function relay(w: u32): void {
  peerWaitLeave(w);
  wake(w);
}

/** Every waiter on t's queue (wake_up_interruptible_all, and a read's relay of every peer_wake entry). */
export function peerWakeAll(t: u32): void {
  let head = getU32(t, Off.PEER_WAIT);
  while (head != 0) {
    relay(head - 1);
    head = getU32(t, Off.PEER_WAIT);
  }
}

/**
 * One exclusive waiter on t's queue (wake_up_interruptible after an accept): the first
 * that someone waits for with EPOLLPEER; the ones before it wait for no one and leave.
 */
export function peerWakeOne(t: u32): void {
  let head = getU32(t, Off.PEER_WAIT);
  while (head != 0) {
    let w = head - 1;
    let asleep = watchedFor(w, EPOLLPEER);
    relay(w);
    if (asleep) return;
    head = getU32(t, Off.PEER_WAIT);
  }
}

/** A socket is freed (core/release.ts): it waits no more, and its waiters wake (unix_release_sock). */
export function peerWaitRelease(s: u32): void {
  peerWaitLeave(s);
  peerWakeAll(s);
}
