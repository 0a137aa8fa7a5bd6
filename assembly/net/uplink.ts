// A host's uplink: the egress queue of its network interface, shared by every packet
// the host sends to any other host (Shadow puts bandwidth on hosts: a server's NIC of
// 1 Gbit/s is shared by all its clients). docs/network.md, "Uplinks".
//
// A packet from host A to host B first joins A's uplink: drop-tail on bytes (as a
// pfifo/bfifo qdisc, and netem's own `limit`), serialised in bytes * 8 / rate (netem
// `rate`), dropped and counted when the queue is full. It then crosses the link A -> B
// (partition, hold, loss, the link's own rate, delay) as if sent when its serialisation
// ended. Loss is the link's, after the uplink: the NIC sends a packet the wire then
// loses, so a lost packet still took its turn on the uplink.
//
// An uplink is a Link record (link.ts) in the link table, keyed (host, UPLINK_DST): the
// same queue code (link.ts enqueue, fifo.ts), the same counters (sent, delivered = left
// the uplink, queueDrop), no second table. A host without an uplink has no record, and
// while no host has one a packet pays one compare here.

import { Link, LinkParams, LinkResult, Counter, countIn, counter, enqueue, ownParams, uplinkTotals } from "./link";
import { findLink, linkOf } from "./link_table";
import { EINVAL, rateOk } from "./links";

/** The table key's destination half for a host's uplink: no host has this id (ids are <= 0x7fffffff). */
export const UPLINK_DST: u32 = 0xffffffff;

/** Uplink records made so far (they stay, with their counters, when the rate goes back to 0). */
let records: u32 = 0;

export function uplinksInit(): void { records = 0; }
export function uplinkRecords(): u32 { return records; }

/** Host `host`'s uplink: rateBps bit/s behind a drop-tail queue of limitBytes (rate 0: packets pass at once). 0 / -EINVAL. */
export function uplinkSet(host: i32, rateBps: i64, limitBytes: i64): i32 {
  if (host < 0 || !rateOk(rateBps, limitBytes)) return -EINVAL;
  if (!findLink(<u32>host, UPLINK_DST)) records++;
  let q = ownParams(linkOf(<u32>host, UPLINK_DST));
  q.rateBps = <u64>rateBps;
  q.limitBytes = <u64>limitBytes;
  return 0;
}

/**
 * A packet of `bytes` leaves host `src` at `nowUs`: the µs it leaves the uplink (nowUs
 * when the host has none), or UPLINK_FULL (counted as the uplink's queueDrop).
 */
export function uplinkPass(src: u32, bytes: u32, nowUs: i64): i64 {
  if (records == 0) return nowUs;
  let u = findLink(src, UPLINK_DST);
  if (!u) return nowUs;
  countIn(u, Counter.SentPackets, bytes, uplinkTotals);
  let q = changetype<LinkParams>(u.params);
  let t = nowUs;
  if (q.rateBps != 0) {
    t = enqueue(u, q, bytes, nowUs);
    if (t < 0) { countIn(u, Counter.QueueDropPackets, bytes, uplinkTotals); return LinkResult.UPLINK_FULL; }
  }
  countIn(u, Counter.DeliveredPackets, bytes, uplinkTotals);
  return t;
}

/** Counter `which` (Counter order: sent, delivered = left the uplink, queueDrop) of host's uplink; -1: every uplink's. */
export function uplinkCounter(host: i32, which: i32): i64 {
  if (<u32>which >= <u32>Counter.Count || host < -1) return -EINVAL;
  if (host == -1) return <i64>unchecked(uplinkTotals[which]);
  let u = findLink(<u32>host, UPLINK_DST);
  return u ? <i64>counter(changetype<Link>(u), <Counter>which) : 0;
}
