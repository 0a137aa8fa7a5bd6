// One directed link between two hosts, and what it does to a packet: netem's knobs
// (tc-netem(8): delay, jitter, loss, loss gemodel, rate, limit) plus turmoil's
// partition / hold / release. docs/network.md states the model and its sources.
//
// A packet's way across a link (linkCross):
//   1. partitioned?  dropped, counted (partitionDrop)
//   2. held?         kept in the link's held FIFO until release (held)
//   3. loss          Bernoulli or Gilbert-Elliott, decided before the queue as netem's
//                    netem_enqueue does (a lost packet never occupies the queue)   (lost)
//   4. rate/limit    drop-tail: dropped when the queue's bytes would exceed `limit`
//                    (queueDrop); else it waits for the packets before it and is
//                    serialised in bytes * 8 / rate
//   5. delay         latency + jitter (uniform, netem's default without a table), but
//                    never before the last delivery scheduled on this link: a link does
//                    not reorder (delivered)
//
// A packet from a host with an uplink (uplink.ts) has waited there first, in the same
// queue code (enqueue); the link takes it at the time it left the uplink.

import { Fifo, FIFO_ENTRY, fifoNew, fifoFree, fifoPush, fifoFrontA, fifoFrontB, fifoShift, fifoBytes } from "./fifo";
import { GOLDEN, splitmixMix, streamSeed } from "./random";

/** What linkTransmit returns instead of a delivery time. */
export namespace LinkResult {
  // @ts-ignore: decorator
  @inline export const LOST: i64 = -1;          // the loss model dropped it
  // @ts-ignore: decorator
  @inline export const QUEUE_FULL: i64 = -2;    // the egress queue's bytes would exceed its limit
  // @ts-ignore: decorator
  @inline export const PARTITIONED: i64 = -3;   // the link is cut
  // @ts-ignore: decorator
  @inline export const HELD: i64 = -4;          // kept until linkRelease
  // @ts-ignore: decorator
  @inline export const NONE_HELD: i64 = -5;     // linkReleaseNext: nothing left to release
  // @ts-ignore: decorator
  @inline export const UPLINK_FULL: i64 = -6;   // the sending host's uplink queue is full (uplink.ts)
}

export enum LossModel { NONE = 0, BERNOULLI = 1, GILBERT_ELLIOTT = 2 }

/**
 * A link's parameters. Probabilities are thresholds out of 2^32 (random.ts).
 * Bernoulli uses `p` alone. Gilbert-Elliott follows netem's `loss gemodel p r 1-h 1-k`:
 * p = P(good -> bad), r = P(bad -> good), h = 1-h = P(loss | bad), k = 1-k = P(loss | good).
 */
@unmanaged export class LinkParams {
  latencyUs: i64;
  jitterUs: i64;
  rateBps: u64;      // 0: no rate, so no serialisation delay and no queue
  limitBytes: u64;   // egress queue bound in bytes (used when rateBps > 0)
  p: u64;
  r: u64;
  h: u64;
  k: u64;
  lossModel: u32;
}

/** netem's default queue limit is 1000 packets (tc-netem(8) "limit"); here 1000 full 1500-byte frames. */
export const DEFAULT_LIMIT_BYTES: u64 = 1500000;

export function paramsNew(): LinkParams {
  let q = changetype<LinkParams>(heap.alloc(offsetof<LinkParams>()));
  memory.fill(changetype<usize>(q), 0, offsetof<LinkParams>());
  q.limitBytes = DEFAULT_LIMIT_BYTES;
  return q;
}

export function paramsCopy(to: LinkParams, from: LinkParams): void {
  memory.copy(changetype<usize>(to), changetype<usize>(from), offsetof<LinkParams>());
}

export namespace LinkFlag {
  // @ts-ignore: decorator
  @inline export const PARTITIONED: u32 = 1;
  // @ts-ignore: decorator
  @inline export const HELD: u32 = 2;
  // @ts-ignore: decorator
  @inline export const GE_BAD: u32 = 4;       // Gilbert-Elliott chain in its bad state
  // @ts-ignore: decorator
  @inline export const OWN_PARAMS: u32 = 8;   // a named link: `params` is its own block
}

/** Counters, in the order linkCounter(which) reads them: packets then bytes of each event. */
export enum Counter {
  SentPackets = 0, SentBytes,
  DeliveredPackets, DeliveredBytes,
  LostPackets, LostBytes,
  QueueDropPackets, QueueDropBytes,
  HeldPackets, HeldBytes,
  PartitionDropPackets, PartitionDropBytes,
  Count
}

/**
 * A directed link's record (heap.alloc'd, never moved; the table keeps its address).
 * `params` points at the link's own LinkParams (OWN_PARAMS) or at the default link's,
 * so a change to the default reaches every pair that was never named, in O(1).
 */
@unmanaged export class Link {
  key: u64;              // src << 32 | dst
  rng: u64;              // SplitMix64 state of this link's stream
  lastDeliveryUs: i64;   // the latest delivery time scheduled on this link
  busyUntilNs: i64;      // when the last queued packet's serialisation ends
  queuedBytes: u64;      // bytes in the egress queue (serialising or waiting)
  params: usize;         // LinkParams in effect
  egress: usize;         // Fifo of (end ns, bytes), 0 until the link has a rate
  held: usize;           // Fifo of (token, bytes), 0 until the link is first held
  flags: u32;            // LinkFlag.*
  // Counter.Count u64 counters follow the record (counterAt).
}

const LINK_BYTES: usize = offsetof<Link>() + <usize>Counter.Count * 8;

// @ts-ignore: decorator
@inline function counterAt(l: Link, c: Counter): usize { return changetype<usize>(l) + offsetof<Link>() + (<usize>c << 3); }

/** Network-wide totals of the same counters, over every link. */
const totals = new StaticArray<u64>(Counter.Count);
/** The same over every host's uplink (uplink.ts): kept apart, so a packet is counted once in each. */
export const uplinkTotals = new StaticArray<u64>(Counter.Count);

/** Counts one packet of `bytes` as event c on l and in `into` (a totals array). */
// @ts-ignore: decorator
@inline export function countIn(l: Link, c: Counter, bytes: u32, into: StaticArray<u64>): void {
  let a = counterAt(l, c);
  store<u64>(a, load<u64>(a) + 1);
  store<u64>(a, load<u64>(a, 8) + <u64>bytes, 8);
  unchecked(into[c] = unchecked(into[c]) + 1);
  unchecked(into[c + 1] = unchecked(into[c + 1]) + <u64>bytes);
}

// @ts-ignore: decorator
@inline function count(l: Link, c: Counter, bytes: u32): void { countIn(l, c, bytes, totals); }

export function counter(l: Link, c: Counter): u64 { return load<u64>(counterAt(l, c)); }
export function total(c: Counter): u64 { return unchecked(totals[c]); }
export function resetTotals(): void {
  for (let i = 0; i < Counter.Count; i++) { unchecked(totals[i] = 0); unchecked(uplinkTotals[i] = 0); }
}

export function linkNew(key: u64, seed: u64, defaults: LinkParams): Link {
  let l = changetype<Link>(heap.alloc(LINK_BYTES));
  memory.fill(changetype<usize>(l), 0, LINK_BYTES);
  l.key = key;
  l.rng = streamSeed(seed, key);
  l.params = changetype<usize>(defaults);
  return l;
}

/** Frees a link and whatever it still holds (own parameters, queues). */
export function linkFree(l: Link): void {
  if (l.flags & LinkFlag.OWN_PARAMS) heap.free(l.params);
  if (l.egress != 0) fifoFree(changetype<Fifo>(l.egress));
  if (l.held != 0) fifoFree(changetype<Fifo>(l.held));
  heap.free(changetype<usize>(l));
}

/** Bytes this link holds in linear memory. */
export function linkBytes(l: Link): usize {
  let n = LINK_BYTES;
  if (l.flags & LinkFlag.OWN_PARAMS) n += offsetof<LinkParams>();
  if (l.egress != 0) n += fifoBytes(changetype<Fifo>(l.egress));
  if (l.held != 0) n += fifoBytes(changetype<Fifo>(l.held));
  return n;
}

/** The link's own parameters, copied from the ones in effect the first time it is named. */
export function ownParams(l: Link): LinkParams {
  if ((l.flags & LinkFlag.OWN_PARAMS) == 0) {
    let q = paramsNew();
    paramsCopy(q, changetype<LinkParams>(l.params));
    l.params = changetype<usize>(q);
    l.flags |= LinkFlag.OWN_PARAMS;
  }
  return changetype<LinkParams>(l.params);
}

/** Back to the default link's parameters; the link's state and counters stay. */
export function useDefaults(l: Link, defaults: LinkParams): void {
  if (l.flags & LinkFlag.OWN_PARAMS) heap.free(l.params);
  l.flags &= ~LinkFlag.OWN_PARAMS;
  l.params = changetype<usize>(defaults);
}

// ---- randomness ---------------------------------------------------------------

// @ts-ignore: decorator
@inline function draw64(l: Link): u64 { l.rng += GOLDEN; return splitmixMix(l.rng); }
// @ts-ignore: decorator
@inline function draw32(l: Link): u64 { return draw64(l) >> 32; }

/**
 * Is this packet lost? Bernoulli: one draw, only when p > 0 (netem skips the draw for
 * loss 0). Gilbert-Elliott, as net/sched/sch_netem.c loss_gilb_ell(): one draw for the
 * transition, one for the loss, and the loss uses the state the packet found.
 */
function lose(l: Link, q: LinkParams): bool {
  if (q.lossModel == LossModel.BERNOULLI) return q.p != 0 && draw32(l) < q.p;
  if (q.lossModel != LossModel.GILBERT_ELLIOTT) return false;
  if ((l.flags & LinkFlag.GE_BAD) == 0) {
    if (draw32(l) < q.p) l.flags |= LinkFlag.GE_BAD;
    return draw32(l) < q.k;
  }
  if (draw32(l) < q.r) l.flags &= ~LinkFlag.GE_BAD;
  return draw32(l) < q.h;
}

/** Uniform jitter in [-j, +j] (netem tabledist without a distribution table). */
function jitter(l: Link, j: i64): i64 {
  if (j == 0) return 0;
  return <i64>(draw64(l) % <u64>(2 * j + 1)) - j;
}

// ---- the egress queue -----------------------------------------------------------

/** ceil(bytes * 8 / rate) seconds, in ns. bytes <= 2^30 and rate >= 1000 (checked at the door): no wrap. */
export function serialisationNs(bytes: u32, rateBps: u64): i64 {
  let bits = <u64>bytes * 8000000000;
  return <i64>((bits + rateBps - 1) / rateBps);
}

/** Forgets the packets whose serialisation ended by `nowNs`. */
function drain(l: Link, nowNs: i64): void {
  if (l.egress == 0) return;
  let f = changetype<Fifo>(l.egress);
  while (f.len > 0 && <i64>fifoFrontA(f) <= nowNs) {
    l.queuedBytes -= fifoFrontB(f);
    fifoShift(f);
  }
}

/**
 * A packet of `bytes` joins the drop-tail queue behind q's rate at `nowUs`: the µs its
 * serialisation ends (rounded up), or QUEUE_FULL when the queue's bytes would exceed
 * q's limit (not counted here: the caller counts it where it belongs). A link's queue
 * (step 4) and a host's uplink (uplink.ts) are both this queue.
 */
export function enqueue(l: Link, q: LinkParams, bytes: u32, nowUs: i64): i64 {
  let nowNs = nowUs * 1000;
  drain(l, nowNs);
  if (l.queuedBytes + <u64>bytes > q.limitBytes) return LinkResult.QUEUE_FULL;
  if (l.egress == 0) l.egress = changetype<usize>(fifoNew());
  let start = max(nowNs, l.busyUntilNs);
  let end = start + serialisationNs(bytes, q.rateBps);
  l.busyUntilNs = end;
  l.queuedBytes += <u64>bytes;
  fifoPush(changetype<Fifo>(l.egress), <u64>end, <u64>bytes);
  return (end + 999) / 1000;
}

// ---- a packet crosses --------------------------------------------------------------

/** Steps 3 to 5 above: loss, queue, delay. Returns the delivery time or a LinkResult. */
export function linkCross(l: Link, bytes: u32, nowUs: i64): i64 {
  let q = changetype<LinkParams>(l.params);
  if (lose(l, q)) { count(l, Counter.LostPackets, bytes); return LinkResult.LOST; }
  let departUs = nowUs;
  if (q.rateBps != 0) {
    departUs = enqueue(l, q, bytes, nowUs);
    if (departUs < 0) { count(l, Counter.QueueDropPackets, bytes); return departUs; }
  }
  let delay = q.latencyUs + jitter(l, q.jitterUs);
  // A jitter below -latency does not send a packet into the past.
  let t = departUs + (delay > 0 ? delay : 0);
  // No reordering: a packet is never delivered before one sent earlier on this link.
  if (t < l.lastDeliveryUs) t = l.lastDeliveryUs;
  l.lastDeliveryUs = t;
  count(l, Counter.DeliveredPackets, bytes);
  return t;
}

/** Steps 1 to 5: what the packet path calls for each packet between two hosts. */
export function linkSend(l: Link, bytes: u32, nowUs: i64, token: u32): i64 {
  count(l, Counter.SentPackets, bytes);
  if (l.flags & LinkFlag.PARTITIONED) { count(l, Counter.PartitionDropPackets, bytes); return LinkResult.PARTITIONED; }
  if (l.flags & LinkFlag.HELD) {
    if (l.held == 0) l.held = changetype<usize>(fifoNew());
    fifoPush(changetype<Fifo>(l.held), <u64>token, <u64>bytes);
    count(l, Counter.HeldPackets, bytes);
    return LinkResult.HELD;
  }
  return linkCross(l, bytes, nowUs);
}

/** Packets waiting on a held link. */
export function heldCount(l: Link): u32 { return l.held == 0 ? 0 : changetype<Fifo>(l.held).len; }

let releasedToken: u32 = 0;
/** The token of the packet the last releaseNext took out. */
export function lastReleasedToken(): u32 { return releasedToken; }

/**
 * Takes the oldest held packet out and sends it across the link as of `nowUs`: a
 * partition still drops it (partitionDrop), then loss, queue and delay as for any packet.
 */
export function releaseNext(l: Link, nowUs: i64): i64 {
  if (heldCount(l) == 0) return LinkResult.NONE_HELD;
  let f = changetype<Fifo>(l.held);
  releasedToken = <u32>fifoFrontA(f);
  let bytes = <u32>fifoFrontB(f);
  fifoShift(f);
  if (l.flags & LinkFlag.PARTITIONED) { count(l, Counter.PartitionDropPackets, bytes); return LinkResult.PARTITIONED; }
  return linkCross(l, bytes, nowUs);
}

/**
 * A link's own invariants (linkCheck): 0, or the negative number of the first broken one.
 * -4 parameters: OWN_PARAMS <=> params is not the default's block
 * -5 queue: queuedBytes is the sum of the egress FIFO's bytes
 * -6 queue: serialisation ends are in order and none after busyUntilNs
 */
export function linkInvariants(l: Link, defaults: LinkParams): i32 {
  let own = (l.flags & LinkFlag.OWN_PARAMS) != 0;
  if (own == (l.params == changetype<usize>(defaults))) return -4;
  let sum: u64 = 0, last: i64 = i64.MIN_VALUE;
  if (l.egress != 0) {
    let f = changetype<Fifo>(l.egress);
    for (let i: u32 = 0; i < f.len; i++) {
      let e = f.buf + <usize>((f.head + i) & f.mask) * FIFO_ENTRY;
      let end = load<i64>(e);
      if (end < last || end > l.busyUntilNs) return -6;
      last = end;
      sum += load<u64>(e, 8);
    }
  }
  if (sum != l.queuedBytes) return -5;
  return 0;
}
