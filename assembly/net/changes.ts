// Changes on the simulated clock. A change (partition at 2.5 s, loss 5 % from 10 s,
// release at t, a host's uplink ...) is staged now -- checked now, so a bad one fails
// at the call -- and the kernel's event heap carries its id to time t, where linkApply
// makes it.
// The heap's events carry four u32 words, too few for a Gilbert-Elliott change's four
// probabilities: the staged record keeps them.
//
// Staged records sit in one growable array, indexed by id - 1, with a free list.
// Record layout (an @unmanaged Change, 48 bytes): op, src, dst, next free id, then the
// op's four arguments as f64 (integers up to 2^53 are exact, and every integer
// argument here is below 2^53).

import { EINVAL, ENOENT, namesLink, isPair, isProbability, latencyOk, geOk, rateOk, MAX_DELAY_US, MAX_RATE_BPS,
  MAX_LIMIT_BYTES, linkSetLatency, linkSetLoss, linkSetLossGE, linkSetRate, linkUnset, linkPartition, linkHeal,
  linkHold, linkRelease, uplinkSet, LINK_DEFAULT } from "./links";

export enum LinkOp {
  LATENCY = 1,     // a = latency us, b = jitter us
  LOSS,            // a = p
  LOSS_GE,         // a = p, b = r, c = 1-h, d = 1-k
  RATE,            // a = rate bit/s (0: none), b = limit bytes
  UNSET,           // the pair follows the default again
  PARTITION,       // a = 1: both ways
  HEAL,            // a = 1: both ways
  HOLD,
  RELEASE,         // linkApply returns the held count; the caller drains with linkReleaseNext
  UPLINK,          // src = the host, dst = -1: a = rate bit/s (0: none), b = limit bytes (uplink.ts)
  Count
}

@unmanaged class Change {
  op: u32;
  src: i32;
  dst: i32;
  nextFree: u32;   // free list link (id), 0 at the end; a staged record has op != 0
  a: f64;
  b: f64;
  c: f64;
  d: f64;
}

let records: usize = 0;
let capacity: u32 = 0;
let freeHead: u32 = 0;     // first free id, 0 when none
let staged: u32 = 0;

// @ts-ignore: decorator
@inline function rec(id: u32): Change { return changetype<Change>(records + <usize>(id - 1) * offsetof<Change>()); }

export function changesInit(): void {
  if (records != 0) heap.free(records);
  records = 0; capacity = 0; freeHead = 0; staged = 0;
}

/** An f64 that is a whole number in [0, max], so its i64 conversion is exact. */
function isWhole(x: f64, max: i64): bool { return x >= 0 && x <= <f64>max && Math.floor(x) == x; }

function valid(op: u32, src: i32, dst: i32, a: f64, b: f64, c: f64, d: f64): bool {
  switch (op) {
    case LinkOp.LATENCY:
      return namesLink(src, dst) && isWhole(a, MAX_DELAY_US) && isWhole(b, MAX_DELAY_US) && latencyOk(<i64>a, <i64>b);
    case LinkOp.LOSS: return namesLink(src, dst) && isProbability(a);
    case LinkOp.LOSS_GE: return namesLink(src, dst) && geOk(a, b, c, d);
    case LinkOp.RATE:
      return namesLink(src, dst) && isWhole(a, MAX_RATE_BPS) && isWhole(b, MAX_LIMIT_BYTES) && rateOk(<i64>a, <i64>b);
    case LinkOp.UNSET: case LinkOp.HOLD: case LinkOp.RELEASE: return isPair(src, dst);
    case LinkOp.PARTITION: case LinkOp.HEAL: return isPair(src, dst) && (a == 0 || a == 1);
    case LinkOp.UPLINK:
      return src >= 0 && dst == LINK_DEFAULT && isWhole(a, MAX_RATE_BPS) && isWhole(b, MAX_LIMIT_BYTES) && rateOk(<i64>a, <i64>b);
  }
  return false;
}

/** Stages a change; returns its id (> 0) for the event heap, or -EINVAL (nothing staged). */
export function linkStage(op: u32, src: i32, dst: i32, a: f64, b: f64, c: f64, d: f64): i32 {
  if (!valid(op, src, dst, a, b, c, d)) return -EINVAL;
  let id = freeHead;
  if (id != 0) {
    freeHead = rec(id).nextFree;
  } else {
    if (capacity == 0x7fffffff) return -EINVAL;
    if (staged == capacity) {
      let n: u32 = capacity == 0 ? 16 : capacity * 2;
      if (n > 0x7fffffff) n = 0x7fffffff;
      records = records == 0 ? heap.alloc(<usize>n * offsetof<Change>()) : heap.realloc(records, <usize>n * offsetof<Change>());
      // The new tail is a chain of free ids.
      for (let i = capacity + 1; i <= n; i++) { rec(i).op = 0; rec(i).nextFree = i < n ? i + 1 : 0; }
      freeHead = capacity + 1;
      capacity = n;
    }
    id = freeHead;
    freeHead = rec(id).nextFree;
  }
  let r = rec(id);
  r.op = op; r.src = src; r.dst = dst; r.nextFree = 0;
  r.a = a; r.b = b; r.c = c; r.d = d;
  staged++;
  return <i32>id;
}

/** Makes staged change `id` now and forgets it: the op's result (RELEASE: held packets to drain), -ENOENT for an id not staged. */
export function linkApply(id: i32): i32 {
  if (id <= 0 || <u32>id > capacity || rec(<u32>id).op == 0) return -ENOENT;
  let r = rec(<u32>id);
  let op = r.op, src = r.src, dst = r.dst, a = r.a, b = r.b, c = r.c, d = r.d;
  r.op = 0; r.nextFree = freeHead; freeHead = <u32>id; staged--;
  switch (op) {
    case LinkOp.LATENCY: return linkSetLatency(src, dst, <i64>a, <i64>b);
    case LinkOp.LOSS: return linkSetLoss(src, dst, a);
    case LinkOp.LOSS_GE: return linkSetLossGE(src, dst, a, b, c, d);
    case LinkOp.RATE: return linkSetRate(src, dst, <i64>a, <i64>b);
    case LinkOp.UNSET: return linkUnset(src, dst);
    case LinkOp.PARTITION: return linkPartition(src, dst, a == 1);
    case LinkOp.HEAL: return linkHeal(src, dst, a == 1);
    case LinkOp.HOLD: return linkHold(src, dst);
    case LinkOp.RELEASE: return linkRelease(src, dst);
    case LinkOp.UPLINK: return uplinkSet(src, <i64>a, <i64>b);
  }
  return -EINVAL;
}

/** Changes staged and not yet applied. */
export function linkStaged(): i32 { return <i32>staged; }

/** -7: the staged records and the free chain together are every record. O(records). */
export function changesCheck(): i32 {
  let live: u32 = 0, free: u32 = 0;
  for (let id: u32 = 1; id <= capacity; id++) if (rec(id).op != 0) live++;
  for (let id = freeHead; id != 0 && free <= capacity; id = rec(id).nextFree) free++;
  return live == staged && live + free == capacity ? 0 : -7;
}
