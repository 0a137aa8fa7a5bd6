// The link model's calls: what the packet path, the host API and the kernel's event
// heap will call (docs/network.md, "Wiring plan"). Every call validates all its
// arguments before any effect and returns a negative errno (Linux numbering) for bad
// input; linkTransmit returns a delivery time or a LinkResult (link.ts).
//
// Hosts are named by id, 0 <= id <= 0x7fffffff. A link is directed: (src, dst) with
// src != dst (a packet between sockets of one host is loopback and never comes here).
// The default link, which every unnamed pair follows, is (LINK_DEFAULT, LINK_DEFAULT).

import { Link, LinkParams, LinkFlag, LossModel, Counter, LinkResult, linkSend, releaseNext, heldCount, ownParams,
  useDefaults, counter, total } from "./link";
import { findLink, linkOf, defaultParams, dropLink, tableRecords } from "./link_table";
import { uplinkPass, uplinkRecords } from "./uplink";
import { threshold } from "./random";

/** Linux errno numbers (include/uapi/asm-generic/errno-base.h), as assembly/errno.ts. */
export const EINVAL: i32 = 22;
export const ENOENT: i32 = 2;

/** Host id pair that names the default link. */
export const LINK_DEFAULT: i32 = -1;

/** Latency and jitter bound: one hour, as the kernel's LinkDelayUs tunable. */
export const MAX_DELAY_US: i64 = 3600000000;
/** Largest packet: 1 GiB (a send() may cross as one event). */
export const MAX_PACKET_BYTES: i32 = 1 << 30;
/** Simulated time bound, 2^52 us (142 years): nowUs * 1000 fits an i64 with room for every delay. */
export const MAX_NOW_US: i64 = 1 << 52;
/** Rate bounds in bit/s: 1 kbit/s (so a full queue serialises in under 400 days) to 1 Pbit/s. */
export const MIN_RATE_BPS: i64 = 1000;
export const MAX_RATE_BPS: i64 = 1000000000000000;
/** Queue limit bound: 4 GiB. */
export const MAX_LIMIT_BYTES: i64 = 1 << 32;
/**
 * A full queue drains in at most 2^38 us (about 3.2 days): an uplink's queue, a link's
 * queue, latency and jitter together stay under the event heap's MAX_DELAY_US (2^40),
 * so no rate/limit pair a caller can pass makes a delivery time the heap refuses.
 */
export const MAX_DRAIN_US: i64 = 1 << 38;

// @ts-ignore: decorator
@inline function isHost(id: i32): bool { return id >= 0; }
// @ts-ignore: decorator
@inline export function isPair(src: i32, dst: i32): bool { return isHost(src) && isHost(dst) && src != dst; }
// @ts-ignore: decorator
@inline function isDefault(src: i32, dst: i32): bool { return src == LINK_DEFAULT && dst == LINK_DEFAULT; }
// @ts-ignore: decorator
@inline export function isProbability(p: f64): bool { return p >= 0 && p <= 1; }   // false for NaN

/** The parameters to change for (src, dst): the default's, or the pair's own. */
function paramsFor(src: i32, dst: i32): LinkParams {
  return isDefault(src, dst) ? defaultParams() : ownParams(linkOf(<u32>src, <u32>dst));
}

/**
 * A packet of `bytes` leaves host src for host dst at `nowUs`: through src's uplink
 * (uplink.ts) if it has one, then across the link from the time it leaves the uplink.
 * Returns the time it arrives (>= nowUs), or LinkResult.UPLINK_FULL (counted on the
 * uplink), LOST / QUEUE_FULL / PARTITIONED / HELD (counted on the link), or -EINVAL. A
 * HELD packet keeps `token` (the caller's name for it; any value otherwise) until
 * linkRelease + linkReleaseNext give it a time. No optional arguments: an export with
 * one needs the host to set the argument count first.
 */
export function linkTransmit(src: i32, dst: i32, bytes: i32, nowUs: i64, token: u32): i64 {
  if (!isPair(src, dst) || bytes <= 0 || bytes > MAX_PACKET_BYTES || nowUs < 0 || nowUs > MAX_NOW_US) return -EINVAL;
  let departUs = uplinkPass(<u32>src, <u32>bytes, nowUs);
  if (departUs < 0) return departUs;
  return linkSend(linkOf(<u32>src, <u32>dst), <u32>bytes, departUs, token);
}

/**
 * The latest delivery time scheduled on src -> dst (µs), 0 when the pair has no record
 * yet, or -EINVAL. A packet lost now would not have arrived before it: a link never
 * reorders (docs/network.md, "Jitter without reordering").
 */
export function linkLastDelivery(src: i32, dst: i32): i64 {
  if (!isPair(src, dst)) return -EINVAL;
  let l = findLink(<u32>src, <u32>dst);
  return l == null ? 0 : l.lastDeliveryUs;
}

// The checks each change makes before any effect; changes.ts makes them when a change
// is staged, so a bad change fails at the call and not at its time.
export function namesLink(src: i32, dst: i32): bool { return isPair(src, dst) || isDefault(src, dst); }
export function latencyOk(latencyUs: i64, jitterUs: i64): bool {
  return latencyUs >= 0 && latencyUs <= MAX_DELAY_US && jitterUs >= 0 && jitterUs <= MAX_DELAY_US;
}
export function geOk(p: f64, r: f64, oneMinusH: f64, oneMinusK: f64): bool {
  return isProbability(p) && isProbability(r) && isProbability(oneMinusH) && isProbability(oneMinusK);
}
export function rateOk(rateBps: i64, limitBytes: i64): bool {
  if (limitBytes <= 0 || limitBytes > MAX_LIMIT_BYTES) return false;
  if (rateBps == 0) return true;
  // limitBytes * 8e6 < 2^32 * 2^23 = 2^55: no wrap.
  return rateBps >= MIN_RATE_BPS && rateBps <= MAX_RATE_BPS && limitBytes * 8000000 / rateBps <= MAX_DRAIN_US;
}

/** netem `delay latency jitter` (uniform jitter in [-jitter, +jitter]). */
export function linkSetLatency(src: i32, dst: i32, latencyUs: i64, jitterUs: i64): i32 {
  if (!namesLink(src, dst) || !latencyOk(latencyUs, jitterUs)) return -EINVAL;
  let q = paramsFor(src, dst);
  q.latencyUs = latencyUs;
  q.jitterUs = jitterUs;
  return 0;
}

/** netem `loss random p`: each packet lost with probability p (0 turns loss off). */
export function linkSetLoss(src: i32, dst: i32, p: f64): i32 {
  if (!namesLink(src, dst) || !isProbability(p)) return -EINVAL;
  let q = paramsFor(src, dst);
  q.lossModel = p == 0 ? LossModel.NONE : LossModel.BERNOULLI;
  q.p = threshold(p); q.r = 0; q.h = 0; q.k = 0;
  return 0;
}

/**
 * netem `loss gemodel p r 1-h 1-k` (tc-netem(8)): good -> bad with p, bad -> good with
 * r, a packet lost with 1-h in the bad state and 1-k in the good state. Each link's
 * chain starts (or restarts) in the good state.
 */
export function linkSetLossGE(src: i32, dst: i32, p: f64, r: f64, oneMinusH: f64, oneMinusK: f64): i32 {
  if (!namesLink(src, dst) || !geOk(p, r, oneMinusH, oneMinusK)) return -EINVAL;
  let q = paramsFor(src, dst);
  q.lossModel = LossModel.GILBERT_ELLIOTT;
  q.p = threshold(p); q.r = threshold(r); q.h = threshold(oneMinusH); q.k = threshold(oneMinusK);
  if (!isDefault(src, dst)) linkOf(<u32>src, <u32>dst).flags &= ~LinkFlag.GE_BAD;
  return 0;
}

/** netem `rate` and `limit` (limit in bytes here): rateBps 0 removes the rate and its queue bound. */
export function linkSetRate(src: i32, dst: i32, rateBps: i64, limitBytes: i64): i32 {
  if (!namesLink(src, dst) || !rateOk(rateBps, limitBytes)) return -EINVAL;
  let q = paramsFor(src, dst);
  q.rateBps = <u64>rateBps;
  q.limitBytes = <u64>limitBytes;
  return 0;
}

/** The pair follows the default link again; its queue, order, hold, partition and counters stay. */
export function linkUnset(src: i32, dst: i32): i32 {
  if (!isPair(src, dst)) return -EINVAL;
  let l = findLink(<u32>src, <u32>dst);
  if (l) useDefaults(l, defaultParams());
  return 0;
}

/**
 * Forgets the pair's record: parameters, state and counters (held packets are dropped
 * without a time; release them first). -ENOENT when the pair has none.
 */
export function linkRemove(src: i32, dst: i32): i32 {
  if (!isPair(src, dst)) return -EINVAL;
  return dropLink(<u32>src, <u32>dst) ? 0 : -ENOENT;
}

function setFlagOn(src: i32, dst: i32, flag: u32, on: bool): void {
  let l = linkOf(<u32>src, <u32>dst);
  if (on) l.flags |= flag; else l.flags &= ~flag;
}

/** turmoil `partition`: src -> dst (and dst -> src when bothWays) drops and counts every packet. */
export function linkPartition(src: i32, dst: i32, bothWays: bool): i32 {
  if (!isPair(src, dst)) return -EINVAL;
  setFlagOn(src, dst, LinkFlag.PARTITIONED, true);
  if (bothWays) setFlagOn(dst, src, LinkFlag.PARTITIONED, true);
  return 0;
}

/** turmoil `repair`: the partition ends; packets sent from now on cross. */
export function linkHeal(src: i32, dst: i32, bothWays: bool): i32 {
  if (!isPair(src, dst)) return -EINVAL;
  setFlagOn(src, dst, LinkFlag.PARTITIONED, false);
  if (bothWays) setFlagOn(dst, src, LinkFlag.PARTITIONED, false);
  return 0;
}

/** turmoil `hold`: packets src -> dst wait (HELD) until linkRelease. */
export function linkHold(src: i32, dst: i32): i32 {
  if (!isPair(src, dst)) return -EINVAL;
  setFlagOn(src, dst, LinkFlag.HELD, true);
  return 0;
}

/**
 * turmoil `release`: the link stops holding. Returns how many held packets wait; the
 * caller takes each out, oldest first, with linkReleaseNext in the same step.
 */
export function linkRelease(src: i32, dst: i32): i32 {
  if (!isPair(src, dst)) return -EINVAL;
  let l = findLink(<u32>src, <u32>dst);
  if (!l) return 0;
  l.flags &= ~LinkFlag.HELD;
  return <i32>heldCount(l);
}

/**
 * The oldest held packet crosses the link as if sent at `nowUs` (partition, loss,
 * queue, delay): its delivery time or a LinkResult; NONE_HELD when none is left.
 * linkReleasedToken() then names it.
 */
export function linkReleaseNext(src: i32, dst: i32, nowUs: i64): i64 {
  if (!isPair(src, dst) || nowUs < 0 || nowUs > MAX_NOW_US) return -EINVAL;
  let l = findLink(<u32>src, <u32>dst);
  if (!l) return LinkResult.NONE_HELD;
  return releaseNext(l, nowUs);
}

export { lastReleasedToken as linkReleasedToken } from "./link";

/** Packets held on src -> dst now. */
export function linkHeld(src: i32, dst: i32): i32 {
  if (!isPair(src, dst)) return -EINVAL;
  let l = findLink(<u32>src, <u32>dst);
  return l ? <i32>heldCount(l) : 0;
}

/** Counter `which` (Counter order) of src -> dst, 0 for a pair that never carried a packet; (-1, -1): network totals. */
export function linkCounter(src: i32, dst: i32, which: i32): i64 {
  if (<u32>which >= <u32>Counter.Count) return -EINVAL;
  if (isDefault(src, dst)) return <i64>total(<Counter>which);
  if (!isPair(src, dst)) return -EINVAL;
  let l = findLink(<u32>src, <u32>dst);
  return l ? <i64>counter(changetype<Link>(l), <Counter>which) : 0;
}

/** Link records (pairs that were named or carried a packet; uplinks are not links). */
export function linkRecords(): u32 { return tableRecords() - uplinkRecords(); }

export { networkBytes } from "./link_table";
export { uplinkSet, uplinkCounter } from "./uplink";
