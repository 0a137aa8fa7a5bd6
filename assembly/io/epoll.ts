// epoll: register interest once, then collect only the sockets that became ready.
//
// An epoll instance is a descriptor whose slot has domain EPOLL_DOMAIN; its aux holds
// the instance index+1. Each (instance, socket) registration is an Item; items and
// instances live in slot arrays (storage/slots.ts), named by index (links: index+1).
//
// wake(socket) puts the socket's items on their instances' ready lists in O(watchers);
// epoll_wait walks only the ready list (syscalls/poll.ts sysEpollWait), so it costs
// O(ready), not O(sockets): Linux ep_poll_callback / ep_send_events.

import { Off, getU32, setU32 } from "../core/socket";
import { SlotArray, slotAlloc, slotRelease, slotsInit, staticSlots } from "../storage/slots";

export const EPOLL_DOMAIN: u32 = 0xee;
export const EPOLLET: u32 = 1 << 31;
export const EPOLLONESHOT: u32 = 1 << 30;

/** One registration (56 bytes; byte offsets on the left). */
// @ts-ignore: decorator
@unmanaged export class Item {
  /*  0 */ inst: u32;     // instance index
  /*  4 */ sock: u32;     // socket slot
  /*  8 */ gen: u32;      // socket generation
  /* 12 */ fd: i32;       // descriptor the user registered
  /* 16 */ events: u32;   // interest mask (EPOLLIN ... | EPOLLET | EPOLLONESHOT)
  /* 20 */ flags: u32;    // F_READY, F_DISABLED (EPOLLONESHOT fired), F_USED
  /* 24 */ data: u64;     // the user's epoll_data
  /* 32 */ wnext: u32;    // next item watching the same socket (item+1); the socket's watch field heads it
  /* 36 */ rnext: u32;    // ready list links (item+1)
  /* 40 */ rprev: u32;
  /* 44 */ inext: u32;    // all items of the instance (item+1), for closing it
  /* 48 */ iprev: u32;
  /* 52 */ next: u32;     // free-list link
}

/** One epoll instance (28 bytes). */
// @ts-ignore: decorator
@unmanaged class Instance {
  /*  0 */ readyHead: u32;
  /*  4 */ readyTail: u32;
  /*  8 */ itemsHead: u32;
  /* 12 */ next: u32;     // free-list link
  /* 16 */ host: u32;     // the host whose descriptor it is
  /* 20 */ pnext: u32;    // the "became ready" list (instance+1), sk_epoll_ready_hosts
  /* 24 */ pprev: u32;    // (instance+1); 0 in both and not the head: not on the list
}

const F_READY: u32 = 1, F_DISABLED: u32 = 2, F_USED: u32 = 4;
// @ts-ignore: decorator
@inline const ITEM: u32 = offsetof<Item>();
// @ts-ignore: decorator
@inline const INST: u32 = offsetof<Instance>();
const items: SlotArray = staticSlots();
const insts: SlotArray = staticSlots();
// Instances whose readiness may have changed (an item woken) since epollTakeReady last took them, oldest
// first (instance+1 links): a caller with many hosts asks which to epoll_wait on instead
// of asking every host (a simulator's view; no system call of a real kernel does this).
let pendHead: u32 = 0, pendTail: u32 = 0;

export function epollInit(): void {
  slotsInit(items, ITEM, 64, offsetof<Item>("next"));
  slotsInit(insts, INST, 8, offsetof<Instance>("next"));
}

/** Item i. */
// @ts-ignore: decorator
@inline export function item(i: u32): Item { return changetype<Item>(items.base + <usize>i * ITEM); }
// @ts-ignore: decorator
@inline function inst(n: u32): Instance { return changetype<Instance>(insts.base + <usize>n * INST); }

export function instAlloc(host: u32): u32 {
  let n = slotAlloc(insts);
  let ni = inst(n);
  ni.host = host; ni.pnext = 0; ni.pprev = 0;
  return n;
}

function readyRemove(i: u32): void {
  let p = item(i);
  if ((p.flags & F_READY) == 0) return;
  let n = inst(p.inst);
  let next = p.rnext, prev = p.rprev;
  if (prev != 0) item(prev - 1).rnext = next; else n.readyHead = next;
  if (next != 0) item(next - 1).rprev = prev; else n.readyTail = prev;
  p.flags = p.flags & ~F_READY;
}

export function readyAppend(i: u32): void {
  let p = item(i);
  if ((p.flags & F_DISABLED) != 0) return;
  pendPush(p.inst);   // readiness may have changed, even for an item already queued
  if ((p.flags & F_READY) != 0) return;
  let n = inst(p.inst);
  let tail = n.readyTail;
  p.rnext = 0;
  p.rprev = tail;
  if (tail != 0) item(tail - 1).rnext = i + 1; else n.readyHead = i + 1;
  n.readyTail = i + 1;
  p.flags = p.flags | F_READY;
}

function isPending(n: u32): bool { let ni = inst(n); return ni.pprev != 0 || pendHead == n + 1; }

function pendPush(n: u32): void {
  if (isPending(n)) return;
  let ni = inst(n);
  ni.pnext = 0; ni.pprev = pendTail;
  if (pendTail != 0) inst(pendTail - 1).pnext = n + 1; else pendHead = n + 1;
  pendTail = n + 1;
}

function pendRemove(n: u32): void {
  if (!isPending(n)) return;
  let ni = inst(n), next = ni.pnext, prev = ni.pprev;
  if (prev != 0) inst(prev - 1).pnext = next; else pendHead = next;
  if (next != 0) inst(next - 1).pprev = prev; else pendTail = prev;
  ni.pnext = 0; ni.pprev = 0;
}

/**
 * Takes up to `max` instances off the "became ready" list, oldest first, writing the
 * host of each (u32) at out; returns how many. A host with two instances may appear twice.
 */
export function epollTakeReady(out: usize, max: u32): u32 {
  let k: u32 = 0;
  while (k < max && pendHead != 0) {
    let n = pendHead - 1;
    store<u32>(out + (<usize>k << 2), inst(n).host);
    pendRemove(n);
    k++;
  }
  return k;
}

/** Readiness may have changed: queue every item watching s. */
export function wake(s: u32): void {
  let it = getU32(s, Off.WATCH);
  while (it != 0) {
    readyAppend(it - 1);
    it = item(it - 1).wnext;
  }
}

/** Whether an item watching s asks for any of `events` (usually one item to look at). */
export function watchedFor(s: u32, events: u32): bool {
  let it = getU32(s, Off.WATCH);
  while (it != 0) {
    let p = item(it - 1);
    if ((p.events & events) != 0 && (p.flags & F_DISABLED) == 0) return true;
    it = p.wnext;
  }
  return false;
}

/** The item of instance n watching socket s, or -1. */
export function findItem(n: u32, s: u32): i32 {
  let it = getU32(s, Off.WATCH);
  while (it != 0) {
    if (item(it - 1).inst == n) return <i32>(it - 1);
    it = item(it - 1).wnext;
  }
  return -1;
}

export function itemAdd(n: u32, s: u32, gen: u32, fd: i32, events: u32, data: u64): u32 {
  let i = slotAlloc(items);
  let p = item(i);
  p.inst = n; p.sock = s; p.gen = gen; p.fd = fd;
  p.events = events; p.flags = F_USED; p.data = data;
  p.wnext = getU32(s, Off.WATCH);
  setU32(s, Off.WATCH, i + 1);
  let ni = inst(n);
  let head = ni.itemsHead;
  p.inext = head; p.iprev = 0;
  if (head != 0) item(head - 1).iprev = i + 1;
  ni.itemsHead = i + 1;
  readyAppend(i); // Linux ep_insert checks readiness at once
  return i;
}

export function itemModify(i: u32, events: u32, data: u64): void {
  let p = item(i);
  p.events = events; p.data = data;
  p.flags = p.flags & ~F_DISABLED;
  readyAppend(i);
}

/** Unlinks an item from its socket, its instance and the ready list, and frees it. */
export function itemRemove(i: u32): void {
  let p = item(i);
  readyRemove(i);
  let s = p.sock;
  // socket's watch list (singly linked: walk from the head, usually one item)
  let it = getU32(s, Off.WATCH), prev: u32 = 0;
  while (it != 0 && it != i + 1) { prev = it; it = item(it - 1).wnext; }
  if (it != 0) {
    if (prev == 0) setU32(s, Off.WATCH, p.wnext); else item(prev - 1).wnext = p.wnext;
  }
  let ni = inst(p.inst);
  let inext = p.inext, iprev = p.iprev;
  if (iprev != 0) item(iprev - 1).inext = inext; else ni.itemsHead = inext;
  if (inext != 0) item(inext - 1).iprev = iprev;
  p.flags = 0;
  slotRelease(items, i);
}

/** A socket or its descriptor goes: drop every registration of it (Linux eventpoll_release). */
export function unwatchAll(s: u32): void {
  while (getU32(s, Off.WATCH) != 0) itemRemove(getU32(s, Off.WATCH) - 1);
}

/** An epoll instance is closed. */
export function instFree(n: u32): void {
  let ni = inst(n);
  while (ni.itemsHead != 0) itemRemove(ni.itemsHead - 1);
  pendRemove(n);
  slotRelease(insts, n);
}

export function readyFirst(n: u32): u32 { return inst(n).readyHead; }
export function readyLast(n: u32): u32 { return inst(n).readyTail; }
export function itemNextReady(i: u32): u32 { return item(i).rnext; }
export function itemDisable(i: u32): void { readyRemove(i); let p = item(i); p.flags = p.flags | F_DISABLED; }
export function itemUnready(i: u32): void { readyRemove(i); }
/** Moves a level-triggered item that was reported to the tail, for fairness (ep_send_events). */
export function itemRequeue(i: u32): void { readyRemove(i); readyAppend(i); }
