// Intrusive doubly linked lists of sockets, one implementation for every list: a
// port's bind list, a port's listener list, a listener's SYN queue, a FreeBSD
// accept filter's queue and an AF_UNIX socket's peer-wait queue.
// A socket sits on a list through a pair of link fields: next at offset `link`, prev
// at link + 4 (Off.BNEXT/BPREV for a port's bind list; Off.QNEXT/QPREV for a
// listener list, a SYN queue or an accept filter's queue), each slot+1 with 0 for
// none. The list's first element is kept in a u32 at `head`, and a queue's last in a
// u32 at `tail`.

import { sockPtr } from "../core/socket";

/** Puts s first on the list headed at `head`. */
// @ts-ignore: decorator
@inline export function linkFirst(s: u32, link: u32, head: usize): void {
  let first = load<u32>(head);
  let p = sockPtr(s);
  store<u32>(p + link, first);
  store<u32>(p + link + 4, 0);
  if (first != 0) store<u32>(sockPtr(first - 1) + link + 4, s + 1);
  store<u32>(head, s + 1);
}

/** Puts s last on the queue from `head` to `tail`. */
// @ts-ignore: decorator
@inline export function linkLast(s: u32, link: u32, head: usize, tail: usize): void {
  let last = load<u32>(tail);
  let p = sockPtr(s);
  store<u32>(p + link, 0);
  store<u32>(p + link + 4, last);
  if (last != 0) store<u32>(sockPtr(last - 1) + link, s + 1); else store<u32>(head, s + 1);
  store<u32>(tail, s + 1);
}

/** Takes s off its list and clears its links; `tail` is 0 for a list that keeps none. */
// @ts-ignore: decorator
@inline export function unlink(s: u32, link: u32, head: usize, tail: usize): void {
  let p = sockPtr(s);
  let next = load<u32>(p + link), prev = load<u32>(p + link + 4);
  if (prev != 0) store<u32>(sockPtr(prev - 1) + link, next); else store<u32>(head, next);
  if (next != 0) store<u32>(sockPtr(next - 1) + link + 4, prev); else if (tail != 0) store<u32>(tail, prev);
  store<u32>(p + link, 0);
  store<u32>(p + link + 4, 0);
}


// A queue kept in one head word (an AF_UNIX socket's peer-wait queue, where the record
// has no room for a tail): the first element's prev names the last, as Linux's circular
// list_head does, so appending stays O(1). Walk it from the head through next (0 ends).

/** Puts s last on the queue headed at `head` (the first element's prev names the last). */
export function ringAppend(s: u32, link: u32, head: usize): void {
  let first = load<u32>(head);
  let p = sockPtr(s);
  store<u32>(p + link, 0);
  if (first == 0) {
    store<u32>(p + link + 4, s + 1);
    store<u32>(head, s + 1);
    return;
  }
  let fp = sockPtr(first - 1);
  let last = load<u32>(fp + link + 4);
  store<u32>(p + link + 4, last);
  store<u32>(sockPtr(last - 1) + link, s + 1);
  store<u32>(fp + link + 4, s + 1);
}

/** Takes s off the queue headed at `head` (see ringAppend) and clears its links. */
export function ringUnlink(s: u32, link: u32, head: usize): void {
  let p = sockPtr(s);
  let next = load<u32>(p + link), prev = load<u32>(p + link + 4);
  let first = load<u32>(head);
  if (first == s + 1) {
    // prev is the last: it becomes the new first's prev.
    if (next != 0) store<u32>(sockPtr(next - 1) + link + 4, prev);
    store<u32>(head, next);
  } else {
    store<u32>(sockPtr(prev - 1) + link, next);
    if (next != 0) store<u32>(sockPtr(next - 1) + link + 4, prev);
    else store<u32>(sockPtr(first - 1) + link + 4, prev);  // s was the last
  }
  store<u32>(p + link, 0);
  store<u32>(p + link + 4, 0);
}
