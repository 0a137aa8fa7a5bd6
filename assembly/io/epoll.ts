// epoll: register interest once, then collect only the sockets that became ready.
//
// An epoll instance is a descriptor whose slot has domain EPOLL_DOMAIN; its aux holds
// the instance index+1. Each (instance, socket) registration is an item:
//
//   0 u32 inst      instance index
//   4 u32 sock      socket slot
//   8 u32 gen       socket generation
//  12 i32 fd        descriptor the user registered
//  16 u32 events    interest mask (EPOLLIN ... | EPOLLET | EPOLLONESHOT)
//  20 u32 flags     1 on the ready list, 2 disabled (EPOLLONESHOT fired), 4 in use
//  24 u64 data      the user's epoll_data
//  32 u32 wnext     next item watching the same socket (item+1); the socket's watch field heads it
//  36 u32 rnext     ready list links (item+1)
//  40 u32 rprev
//  44 u32 inext     all items of the instance (item+1), for closing it
//  48 u32 iprev
//  52 u32 free-list link
//
// wake(socket) puts the socket's items on their instances' ready lists in O(watchers);
// epoll_wait walks only the ready list (syscalls/poll.ts sysEpollWait), so it costs O(ready), not
// O(sockets): Linux ep_poll_callback / ep_send_events.

import { Off, getU32, setU32 } from "../core/socket";

export const EPOLL_DOMAIN: u32 = 0xee;
export const EPOLLET: u32 = 1 << 31;
export const EPOLLONESHOT: u32 = 1 << 30;

const ITEM: u32 = 56;
const F_READY: u32 = 1, F_DISABLED: u32 = 2, F_USED: u32 = 4;
// Instance record: u32 readyHead, u32 readyTail, u32 itemsHead, u32 next free
const INST: u32 = 16;

let items: usize = 0;
let icap: u32 = 0;
let icount: u32 = 0;
let ifree: u32 = 0;
let insts: usize = 0;
let ncap: u32 = 0;
let ncount: u32 = 0;
let nfree: u32 = 0;

export function epollInit(): void {
  if (items != 0) { heap.free(items); heap.free(insts); }
  icap = 64; icount = 0; ifree = 0;
  items = heap.alloc(<usize>icap * ITEM);
  ncap = 8; ncount = 0; nfree = 0;
  insts = heap.alloc(<usize>ncap * INST);
}

// @ts-ignore: decorator
@inline export function ip(i: u32): usize { return items + <usize>i * ITEM; }
// @ts-ignore: decorator
@inline function np(n: u32): usize { return insts + <usize>n * INST; }

export function instAlloc(): u32 {
  let n: u32;
  if (nfree != 0) { n = nfree - 1; nfree = load<u32>(np(n), 12); }
  else {
    if (ncount == ncap) { ncap <<= 1; insts = heap.realloc(insts, <usize>ncap * INST); }
    n = ncount++;
  }
  memory.fill(np(n), 0, INST);
  return n;
}

function itemAlloc(): u32 {
  let i: u32;
  if (ifree != 0) { i = ifree - 1; ifree = load<u32>(ip(i), 52); }
  else {
    if (icount == icap) { icap <<= 1; items = heap.realloc(items, <usize>icap * ITEM); }
    i = icount++;
  }
  memory.fill(ip(i), 0, ITEM);
  return i;
}

function readyRemove(i: u32): void {
  let p = ip(i);
  if ((load<u32>(p, 20) & F_READY) == 0) return;
  let n = np(load<u32>(p));
  let next = load<u32>(p, 36), prev = load<u32>(p, 40);
  if (prev != 0) store<u32>(ip(prev - 1), next, 36); else store<u32>(n, next);
  if (next != 0) store<u32>(ip(next - 1), prev, 40); else store<u32>(n, prev, 4);
  store<u32>(p, load<u32>(p, 20) & ~F_READY, 20);
}

export function readyAppend(i: u32): void {
  let p = ip(i);
  let f = load<u32>(p, 20);
  if ((f & (F_READY | F_DISABLED)) != 0) return;
  let n = np(load<u32>(p));
  let tail = load<u32>(n, 4);
  store<u32>(p, 0, 36);
  store<u32>(p, tail, 40);
  if (tail != 0) store<u32>(ip(tail - 1), i + 1, 36); else store<u32>(n, i + 1);
  store<u32>(n, i + 1, 4);
  store<u32>(p, f | F_READY, 20);
}

/** Readiness may have changed: queue every item watching s. */
export function wake(s: u32): void {
  let it = getU32(s, Off.WATCH);
  while (it != 0) {
    readyAppend(it - 1);
    it = load<u32>(ip(it - 1), 32);
  }
}

/** The item of instance n watching socket s, or -1. */
export function findItem(n: u32, s: u32): i32 {
  let it = getU32(s, Off.WATCH);
  while (it != 0) {
    if (load<u32>(ip(it - 1)) == n) return <i32>(it - 1);
    it = load<u32>(ip(it - 1), 32);
  }
  return -1;
}

export function itemAdd(n: u32, s: u32, gen: u32, fd: i32, events: u32, data: u64): u32 {
  let i = itemAlloc();
  let p = ip(i);
  store<u32>(p, n); store<u32>(p, s, 4); store<u32>(p, gen, 8); store<i32>(p, fd, 12);
  store<u32>(p, events, 16); store<u32>(p, F_USED, 20); store<u64>(p, data, 24);
  store<u32>(p, getU32(s, Off.WATCH), 32);
  setU32(s, Off.WATCH, i + 1);
  let inst = np(n);
  let head = load<u32>(inst, 8);
  store<u32>(p, head, 44); store<u32>(p, 0, 48);
  if (head != 0) store<u32>(ip(head - 1), i + 1, 48);
  store<u32>(inst, i + 1, 8);
  readyAppend(i); // Linux ep_insert checks readiness at once
  return i;
}

export function itemModify(i: u32, events: u32, data: u64): void {
  let p = ip(i);
  store<u32>(p, events, 16); store<u64>(p, data, 24);
  store<u32>(p, load<u32>(p, 20) & ~F_DISABLED, 20);
  readyAppend(i);
}

/** Unlinks an item from its socket, its instance and the ready list, and frees it. */
export function itemRemove(i: u32): void {
  let p = ip(i);
  readyRemove(i);
  let s = load<u32>(p, 4);
  // socket's watch list (singly linked: walk from the head, usually one item)
  let it = getU32(s, Off.WATCH), prev: u32 = 0;
  while (it != 0 && it != i + 1) { prev = it; it = load<u32>(ip(it - 1), 32); }
  if (it != 0) {
    if (prev == 0) setU32(s, Off.WATCH, load<u32>(p, 32)); else store<u32>(ip(prev - 1), load<u32>(p, 32), 32);
  }
  let inst = np(load<u32>(p));
  let inext = load<u32>(p, 44), iprev = load<u32>(p, 48);
  if (iprev != 0) store<u32>(ip(iprev - 1), inext, 44); else store<u32>(inst, inext, 8);
  if (inext != 0) store<u32>(ip(inext - 1), iprev, 48);
  store<u32>(p, 0, 20);
  store<u32>(p, ifree, 52);
  ifree = i + 1;
}

/** A socket is freed: drop every registration of it (Linux eventpoll_release). */
export function unwatchAll(s: u32): void {
  while (getU32(s, Off.WATCH) != 0) itemRemove(getU32(s, Off.WATCH) - 1);
}

/** An epoll instance is closed. */
export function instFree(n: u32): void {
  let inst = np(n);
  while (load<u32>(inst, 8) != 0) itemRemove(load<u32>(inst, 8) - 1);
  store<u32>(inst, nfree, 12);
  nfree = n + 1;
}

export function readyFirst(n: u32): u32 { return load<u32>(np(n)); }
export function readyLast(n: u32): u32 { return load<u32>(np(n), 4); }
export function itemNextReady(i: u32): u32 { return load<u32>(ip(i), 36); }
export function itemDisable(i: u32): void { readyRemove(i); store<u32>(ip(i), load<u32>(ip(i), 20) | F_DISABLED, 20); }
export function itemUnready(i: u32): void { readyRemove(i); }
/** Moves a level-triggered item that was reported to the tail, for fairness (ep_send_events). */
export function itemRequeue(i: u32): void { readyRemove(i); readyAppend(i); }
