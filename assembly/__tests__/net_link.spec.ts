// assembly/net: one directed link -- latency, jitter without reordering, the drop-tail
// egress queue, partition / heal, hold / release, and its counters.
import { linkInit, linkTransmit, linkSetLatency, linkSetRate, linkSetLoss, linkPartition, linkHeal, linkHold,
  linkRelease, linkReleaseNext, linkReleasedToken, linkHeld, linkCounter, linkCheck, Counter } from "../net/index";
import { LinkResult } from "../net/link";

const A = 1, B = 2, C = 3;
const EINVAL: i64 = -22;

/** Counter `c` of a -> b. */
function n(a: i32, b: i32, c: Counter): i64 { return linkCounter(a, b, c); }

/** A link a -> b with only a latency. */
function delayed(a: i32, b: i32, us: i64): void { expect(linkSetLatency(a, b, us, 0)).toBe(0); }

describe("a link with latency", () => {
  beforeEach(() => { linkInit(1); });

  it("delivers a packet one latency after it was sent", () => {
    delayed(A, B, 20000);
    expect(linkTransmit(A, B, 60, 1000, 0)).toBe(21000);
    expect(linkTransmit(A, B, 60, 5000, 0)).toBe(25000);
  });

  it("is directed: B -> A keeps the default (no delay) when only A -> B is set", () => {
    delayed(A, B, 20000);
    expect(linkTransmit(B, A, 60, 1000, 0)).toBe(1000);
  });

  it("counts sent and delivered packets and bytes", () => {
    delayed(A, B, 100);
    linkTransmit(A, B, 60, 0, 0); linkTransmit(A, B, 1500, 10, 0);
    expect(n(A, B, Counter.SentPackets)).toBe(2);
    expect(n(A, B, Counter.SentBytes)).toBe(1560);
    expect(n(A, B, Counter.DeliveredPackets)).toBe(2);
    expect(n(A, B, Counter.DeliveredBytes)).toBe(1560);
    expect(n(B, A, Counter.SentPackets)).toBe(0);
  });
});

describe("a link with jitter", () => {
  beforeEach(() => { linkInit(7); });

  it("draws each delay from latency +- jitter (packets far apart)", () => {
    expect(linkSetLatency(A, B, 10000, 5000)).toBe(0);
    let minDelay: i64 = i64.MAX_VALUE, maxDelay: i64 = 0;
    for (let i = 0; i < 2000; i++) {
      let now = <i64>i * 20000;                          // wider than the whole jitter range
      let d = linkTransmit(A, B, 100, now, 0) - now;
      minDelay = min(minDelay, d); maxDelay = max(maxDelay, d);
    }
    expect(minDelay).toBeGreaterThanOrEqual(5000);
    expect(maxDelay).toBeLessThanOrEqual(15000);
    expect(minDelay).toBeLessThan(5100);                 // both ends of the range show
    expect(maxDelay).toBeGreaterThan(14900);
  });

  it("never delivers out of order (packets closer than the jitter)", () => {
    expect(linkSetLatency(A, B, 10000, 5000)).toBe(0);
    let last: i64 = 0, reordered = 0, raised = 0, beyond = 0;
    for (let i = 0; i < 10000; i++) {
      let now = <i64>i * 100;
      let t = linkTransmit(A, B, 100, now, 0);
      if (t < last) reordered++;
      if (t == last) raised++;                          // held back behind an earlier packet
      if (t - now > 15000) beyond++;
      last = t;
    }
    expect(reordered).toBe(0);
    expect(beyond).toBe(0);                             // the wait never exceeds latency + jitter
    expect(raised).toBeGreaterThan(0);                  // order was enforced, not luck
  });

  it("never sends a packet into the past when the jitter exceeds the latency", () => {
    expect(linkSetLatency(A, B, 1000, 5000)).toBe(0);
    let early = 0;
    for (let i = 0; i < 1000; i++) if (linkTransmit(A, B, 100, 100000 + <i64>i * 10000, 0) < 100000 + <i64>i * 10000) early++;
    expect(early).toBe(0);
  });
});

describe("a link with a rate and a drop-tail queue", () => {
  beforeEach(() => { linkInit(1); });

  it("serialises packets back to back at bytes * 8 / rate", () => {
    expect(linkSetRate(A, B, 8000000, 1000000)).toBe(0);   // 1 byte per us
    delayed(A, B, 500);
    expect(linkTransmit(A, B, 1000, 0, 0)).toBe(1500);
    expect(linkTransmit(A, B, 1000, 0, 0)).toBe(2500);         // waits for the first
    expect(linkTransmit(A, B, 1000, 10000, 0)).toBe(11500);    // the queue had drained
  });

  it("drops and counts a packet whose bytes would overflow the limit", () => {
    expect(linkSetRate(A, B, 8000000, 3000)).toBe(0);
    expect(linkTransmit(A, B, 1000, 0, 0)).toBe(1000);
    expect(linkTransmit(A, B, 1000, 0, 0)).toBe(2000);
    expect(linkTransmit(A, B, 1000, 0, 0)).toBe(3000);         // 3000 bytes: exactly the limit
    expect(linkTransmit(A, B, 1, 0, 0)).toBe(LinkResult.QUEUE_FULL);
    expect(n(A, B, Counter.QueueDropPackets)).toBe(1);
    expect(n(A, B, Counter.QueueDropBytes)).toBe(1);
    // At 1000 us the first packet has left the interface: room for 1000 bytes again.
    expect(linkTransmit(A, B, 1000, 1000, 0)).toBe(4000);
    expect(linkTransmit(A, B, 1000, 1000, 0)).toBe(LinkResult.QUEUE_FULL);
    expect(n(A, B, Counter.SentPackets)).toBe(6);
    expect(n(A, B, Counter.DeliveredPackets)).toBe(4);
    expect(linkCheck()).toBe(0);                            // queued bytes match the queue
  });

  it("rounds a sub-microsecond serialisation up, keeping nanoseconds between packets", () => {
    expect(linkSetRate(A, B, 10000000000, 1000000)).toBe(0);  // 10 Gbit/s: 1500 bytes in 1.2 us
    expect(linkTransmit(A, B, 1500, 0, 0)).toBe(2);               // ends at 1200 ns
    expect(linkTransmit(A, B, 1500, 0, 0)).toBe(3);               // ends at 2400 ns, not 4 us
    expect(linkTransmit(A, B, 1500, 0, 0)).toBe(4);               // 3600 ns
  });
});

describe("a partitioned link", () => {
  beforeEach(() => { linkInit(1); delayed(A, B, 100); delayed(B, A, 100); });

  it("drops and counts every packet one way only", () => {
    expect(linkPartition(A, B, false)).toBe(0);
    expect(linkTransmit(A, B, 60, 0, 0)).toBe(LinkResult.PARTITIONED);
    expect(linkTransmit(B, A, 60, 0, 0)).toBe(100);
    expect(n(A, B, Counter.PartitionDropPackets)).toBe(1);
    expect(n(A, B, Counter.PartitionDropBytes)).toBe(60);
    expect(n(A, B, Counter.DeliveredPackets)).toBe(0);
  });

  it("drops both ways when asked, until healed", () => {
    expect(linkPartition(A, B, true)).toBe(0);
    expect(linkTransmit(A, B, 60, 0, 0)).toBe(LinkResult.PARTITIONED);
    expect(linkTransmit(B, A, 60, 0, 0)).toBe(LinkResult.PARTITIONED);
    expect(linkHeal(A, B, true)).toBe(0);
    expect(linkTransmit(A, B, 60, 2500000, 0)).toBe(2500100);
    expect(linkTransmit(B, A, 60, 2500000, 0)).toBe(2500100);
  });

  it("leaves other pairs alone", () => {
    expect(linkPartition(A, B, true)).toBe(0);
    expect(linkTransmit(A, C, 60, 0, 0)).toBe(0);
    expect(linkTransmit(C, B, 60, 0, 0)).toBe(0);
  });
});

describe("a held link", () => {
  beforeEach(() => { linkInit(1); delayed(A, B, 100); });

  it("keeps packets until release, then sends them all in order from the release time", () => {
    expect(linkHold(A, B)).toBe(0);
    expect(linkTransmit(A, B, 60, 0, 7)).toBe(LinkResult.HELD);
    expect(linkTransmit(A, B, 61, 10, 8)).toBe(LinkResult.HELD);
    expect(linkTransmit(A, B, 62, 20, 9)).toBe(LinkResult.HELD);
    expect(linkHeld(A, B)).toBe(3);
    expect(n(A, B, Counter.HeldPackets)).toBe(3);
    expect(n(A, B, Counter.HeldBytes)).toBe(183);
    expect(linkRelease(A, B)).toBe(3);
    expect(linkReleaseNext(A, B, 5000)).toBe(5100); expect(linkReleasedToken()).toBe(7);
    expect(linkReleaseNext(A, B, 5000)).toBe(5100); expect(linkReleasedToken()).toBe(8);
    expect(linkReleaseNext(A, B, 5000)).toBe(5100); expect(linkReleasedToken()).toBe(9);
    expect(linkReleaseNext(A, B, 5000)).toBe(LinkResult.NONE_HELD);
    expect(n(A, B, Counter.DeliveredPackets)).toBe(3);
    expect(n(A, B, Counter.DeliveredBytes)).toBe(183);
    // Released: the next packet crosses at once.
    expect(linkTransmit(A, B, 60, 6000, 0)).toBe(6100);
  });

  it("drops held packets released into a partition, counted", () => {
    linkHold(A, B);
    linkTransmit(A, B, 60, 0, 1);
    linkPartition(A, B, false);
    expect(linkRelease(A, B)).toBe(1);
    expect(linkReleaseNext(A, B, 10)).toBe(LinkResult.PARTITIONED);
    expect(n(A, B, Counter.PartitionDropPackets)).toBe(1);
  });

  it("puts released packets through the queue like any other", () => {
    expect(linkSetRate(A, B, 8000000, 1500)).toBe(0);
    linkHold(A, B);
    linkTransmit(A, B, 1000, 0, 1);
    linkTransmit(A, B, 1000, 0, 2);
    linkRelease(A, B);
    expect(linkReleaseNext(A, B, 0)).toBe(1100);
    expect(linkReleaseNext(A, B, 0)).toBe(LinkResult.QUEUE_FULL);
    expect(linkReleasedToken()).toBe(2);
  });

  it("releases nothing on a pair never held", () => {
    expect(linkRelease(B, C)).toBe(0);
    expect(linkReleaseNext(B, C, 0)).toBe(LinkResult.NONE_HELD);
  });
});

describe("counters", () => {
  it("account for every packet sent: delivered + lost + queue drops + held + partition drops", () => {
    linkInit(3);
    expect(linkSetLoss(A, B, 0.2)).toBe(0);
    expect(linkSetRate(A, B, 8000000, 4000)).toBe(0);
    for (let i = 0; i < 3000; i++) {
      let now = <i64>i * 300;
      if (i == 1000) linkPartition(A, B, false);
      if (i == 1500) linkHeal(A, B, false);
      if (i == 2000) linkHold(A, B);
      linkTransmit(A, B, 500 + (i % 7) * 100, now, <u32>i);
    }
    let sum = n(A, B, Counter.DeliveredPackets) + n(A, B, Counter.LostPackets) + n(A, B, Counter.QueueDropPackets) +
      n(A, B, Counter.HeldPackets) + n(A, B, Counter.PartitionDropPackets);
    expect(sum).toBe(3000);
    expect(n(A, B, Counter.SentPackets)).toBe(3000);
    let bytes = n(A, B, Counter.DeliveredBytes) + n(A, B, Counter.LostBytes) + n(A, B, Counter.QueueDropBytes) +
      n(A, B, Counter.HeldBytes) + n(A, B, Counter.PartitionDropBytes);
    expect(bytes).toBe(n(A, B, Counter.SentBytes));
    expect(n(A, B, Counter.QueueDropPackets)).toBeGreaterThan(0);
    expect(n(A, B, Counter.PartitionDropPackets)).toBe(500);
    expect(n(A, B, Counter.HeldPackets)).toBe(1000);
    // (-1, -1) reads the network's totals.
    expect(linkCounter(-1, -1, Counter.SentPackets)).toBe(3000);
    expect(linkCheck()).toBe(0);
  });
});

describe("bad input", () => {
  beforeEach(() => { linkInit(1); });

  it("is refused with EINVAL before any effect", () => {
    expect(linkTransmit(A, A, 60, 0, 0)).toBe(EINVAL);          // one host: loopback, not a link
    expect(linkTransmit(-2, B, 60, 0, 0)).toBe(EINVAL);
    expect(linkTransmit(A, B, 0, 0, 0)).toBe(EINVAL);
    expect(linkTransmit(A, B, 60, -1, 0)).toBe(EINVAL);
    expect(linkTransmit(-1, -1, 60, 0, 0)).toBe(EINVAL);        // the default is not a pair
    expect(linkSetLatency(A, B, -1, 0)).toBe(-22);
    expect(linkSetLatency(A, B, 0, 3600000001)).toBe(-22);
    expect(linkSetLoss(A, B, NaN)).toBe(-22);
    expect(linkSetLoss(A, B, 1.5)).toBe(-22);
    expect(linkSetRate(A, B, 999, 1000)).toBe(-22);
    expect(linkSetRate(A, B, 8000000, 0)).toBe(-22);
    expect(linkPartition(A, -1, true)).toBe(-22);
    expect(linkHold(-1, -1)).toBe(-22);
    expect(linkTransmit(A, B, (1 << 30) + 1, 0, 0)).toBe(EINVAL);        // over 1 GiB
    expect(linkTransmit(A, B, 60, (<i64>1 << 52) + 1, 0)).toBe(EINVAL);  // past 2^52 us
    expect(linkSetRate(A, B, 1000000000000001, 1000)).toBe(-22);         // over 1 Pbit/s
    expect(linkSetRate(A, B, 8000000, (<i64>1 << 32) + 1)).toBe(-22);   // limit over 4 GiB
    expect(linkSetRate(A, B, 1000, 34359739)).toBe(-22);  // drains in more than 2^38 us at 1 kbit/s
    expect(linkCounter(A, B, Counter.Count)).toBe(EINVAL);
    expect(linkCounter(-1, -1, Counter.SentPackets)).toBe(0);
    expect(linkTransmit(A, B, 60, 0, 0)).toBe(0);               // nothing changed the link
  });

  it("accepts the largest values at the bounds", () => {
    expect(linkSetRate(A, B, 1000, 34359738)).toBe(0);    // the largest queue at 1 kbit/s: 2^38 us
    expect(linkSetRate(A, B, 8000000, <i64>1 << 32)).toBe(0);
    expect(linkTransmit(A, B, 1 << 30, 0, 0)).toBe(1073741824);     // 2^30 bytes at 8 Mbit/s: 1074 s
    expect(linkTransmit(C, B, 60, <i64>1 << 52, 0)).toBe(<i64>1 << 52);
  });
});
