// assembly/net/uplink.ts: a host's uplink, the drop-tail queue every packet the host
// sends to another host crosses before its link.
import { linkInit, linkTransmit, linkSetLatency, linkSetRate, linkSetLoss, linkPartition, linkCounter, linkCheck,
  linkRecords, linkStage, linkApply, uplinkSet, uplinkCounter, Counter, LinkOp } from "../net/index";
import { LinkResult } from "../net/link";

const SERVER = 1, A = 2, B = 3;
const EINVAL: i64 = -22;
const GBIT: i64 = 1000000000;

/** 1500 bytes at 1 Gbit/s: 12 µs. */
const SER: i64 = 12;

describe("a host's uplink", () => {
  beforeEach(() => { linkInit(1); });

  it("serialises the packets to two clients one after the other", () => {
    expect(uplinkSet(SERVER, GBIT, 1500000)).toBe(0);
    expect(linkTransmit(SERVER, A, 1500, 0, 0)).toBe(SER);
    expect(linkTransmit(SERVER, B, 1500, 0, 0)).toBe(2 * SER);
    expect(linkTransmit(SERVER, A, 1500, 100, 0)).toBe(100 + SER);   // the queue had drained
    expect(linkCheck()).toBe(0);
  });

  it("adds the link's latency from the time the packet leaves the uplink", () => {
    uplinkSet(SERVER, GBIT, 1500000);
    linkSetLatency(SERVER, A, 1000, 0);
    linkSetLatency(SERVER, B, 1000, 0);
    expect(linkTransmit(SERVER, A, 1500, 0, 0)).toBe(1000 + SER);
    expect(linkTransmit(SERVER, B, 1500, 0, 0)).toBe(1000 + 2 * SER);
  });

  it("drops and counts a packet that would take the queue past its limit, and the link never sees it", () => {
    uplinkSet(SERVER, GBIT, 3000);
    expect(linkTransmit(SERVER, A, 1500, 0, 0)).toBe(SER);
    expect(linkTransmit(SERVER, B, 1500, 0, 0)).toBe(2 * SER);
    expect(linkTransmit(SERVER, A, 1, 0, 0)).toBe(LinkResult.UPLINK_FULL);
    expect(uplinkCounter(SERVER, Counter.SentPackets)).toBe(3);
    expect(uplinkCounter(SERVER, Counter.DeliveredPackets)).toBe(2);
    expect(uplinkCounter(SERVER, Counter.QueueDropPackets)).toBe(1);
    expect(uplinkCounter(SERVER, Counter.QueueDropBytes)).toBe(1);
    expect(uplinkCounter(-1, Counter.QueueDropPackets)).toBe(1);
    expect(linkCounter(SERVER, A, Counter.SentPackets)).toBe(1);
    expect(linkCounter(-1, -1, Counter.SentPackets)).toBe(2);
    expect(linkTransmit(SERVER, A, 1500, SER, 0)).toBe(3 * SER);      // the first left: room again
  });

  it("is the sender's: packets to the server and between other hosts do not wait in it", () => {
    uplinkSet(SERVER, 1000, 1500000);
    expect(linkTransmit(A, SERVER, 1500, 0, 0)).toBe(0);
    expect(linkTransmit(A, B, 1500, 0, 0)).toBe(0);
    expect(uplinkCounter(A, Counter.SentPackets)).toBe(0);
  });

  it("comes before the link's own rate, which still applies", () => {
    uplinkSet(SERVER, GBIT, 1500000);
    linkSetRate(SERVER, A, GBIT / 10, 1500000);                       // 120 µs per 1500 bytes
    expect(linkTransmit(SERVER, A, 1500, 0, 0)).toBe(SER + 120);
    expect(linkTransmit(SERVER, A, 1500, 0, 0)).toBe(SER + 240);       // waits for the link, not the uplink
  });

  it("takes a packet the link then loses or cuts (the NIC sends it; the wire loses it)", () => {
    uplinkSet(SERVER, GBIT, 1500000);
    linkSetLoss(SERVER, A, 1);
    linkPartition(SERVER, B, false);
    expect(linkTransmit(SERVER, A, 1500, 0, 0)).toBe(LinkResult.LOST);
    expect(linkTransmit(SERVER, B, 1500, 0, 0)).toBe(LinkResult.PARTITIONED);
    linkSetLoss(SERVER, A, 0);
    expect(linkTransmit(SERVER, A, 1500, 0, 0)).toBe(3 * SER);
    expect(uplinkCounter(SERVER, Counter.DeliveredPackets)).toBe(3);
  });

  it("lets packets pass at once with rate 0, keeping its counters", () => {
    uplinkSet(SERVER, GBIT, 1500);
    linkTransmit(SERVER, A, 1500, 0, 0);
    expect(uplinkSet(SERVER, 0, 1500)).toBe(0);
    expect(linkTransmit(SERVER, B, 1500, 0, 0)).toBe(0);                // (A's link keeps its order: not before 12)
    expect(uplinkCounter(SERVER, Counter.SentPackets)).toBe(2);
  });

  it("is not a link record", () => {
    uplinkSet(SERVER, GBIT, 1500);
    expect(linkRecords()).toBe(0);
    linkTransmit(SERVER, A, 100, 0, 0);
    expect(linkRecords()).toBe(1);
  });

  it("changes on the clock through a staged UPLINK change (dst -1)", () => {
    let id = linkStage(LinkOp.UPLINK, SERVER, -1, <f64>GBIT, 3000, 0, 0);
    expect(id).toBeGreaterThan(0);
    expect(linkTransmit(SERVER, A, 1500, 0, 0)).toBe(0);
    expect(linkApply(id)).toBe(0);
    expect(linkTransmit(SERVER, A, 1500, 10, 0)).toBe(10 + SER);
  });

  it("refuses bad input before any effect", () => {
    expect(uplinkSet(-1, GBIT, 1500)).toBe(-22);
    expect(uplinkSet(SERVER, 999, 1500)).toBe(-22);
    expect(uplinkSet(SERVER, GBIT, 0)).toBe(-22);
    expect(uplinkSet(SERVER, GBIT, (<i64>1 << 32) + 1)).toBe(-22);
    expect(uplinkSet(SERVER, 1000, 34359739)).toBe(-22);  // drains in more than 2^38 us
    expect(linkStage(LinkOp.UPLINK, SERVER, A, <f64>GBIT, 1500, 0, 0)).toBe(-22);
    expect(linkStage(LinkOp.UPLINK, -1, -1, <f64>GBIT, 1500, 0, 0)).toBe(-22);
    expect(linkStage(LinkOp.UPLINK, SERVER, -1, 1.5e9 + 0.5, 1500, 0, 0)).toBe(-22);
    expect(uplinkCounter(SERVER, Counter.Count)).toBe(EINVAL);
    expect(uplinkCounter(-2, 0)).toBe(EINVAL);
    expect(linkTransmit(SERVER, A, 1500, 0, 0)).toBe(0);              // nothing was set
  });
});
