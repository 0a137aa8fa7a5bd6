// assembly/net: the link table -- named pairs, the default link for every other pair,
// set / unset / remove, and 100 000 hosts without an N x N matrix.
import { linkInit, linkTransmit, linkSetLatency, linkSetLoss, linkUnset, linkRemove, linkCounter, linkRecords,
  networkBytes, linkPartition, linkCheck, Counter, LINK_DEFAULT } from "../net/index";
import { LinkResult } from "../net/link";

const A = 1, B = 2, C = 3;

describe("the default link", () => {
  beforeEach(() => { linkInit(1); });

  it("delivers at once until it is given a latency", () => {
    expect(linkTransmit(A, B, 60, 500, 0)).toBe(500);
  });

  it("carries every pair not named, and a change to it reaches them at once", () => {
    expect(linkSetLatency(LINK_DEFAULT, LINK_DEFAULT, 1000, 0)).toBe(0);
    expect(linkTransmit(A, B, 60, 0, 0)).toBe(1000);
    expect(linkSetLatency(LINK_DEFAULT, LINK_DEFAULT, 40000, 0)).toBe(0);
    expect(linkTransmit(A, B, 60, 10000, 0)).toBe(50000);     // A -> B already had a record
    expect(linkTransmit(C, B, 60, 10000, 0)).toBe(50000);
  });

  it("does not move a named link, and a named link copies the default when first named", () => {
    linkSetLatency(LINK_DEFAULT, LINK_DEFAULT, 1000, 0);
    linkSetLoss(LINK_DEFAULT, LINK_DEFAULT, 0);
    expect(linkSetLoss(A, B, 1)).toBe(0);                 // named: copies latency 1000
    expect(linkTransmit(A, B, 60, 0, 0)).toBe(LinkResult.LOST);
    linkSetLatency(LINK_DEFAULT, LINK_DEFAULT, 9000, 0);
    linkSetLoss(A, B, 0);
    expect(linkTransmit(A, B, 60, 0, 0)).toBe(1000);         // still its own latency
  });
});

describe("set, unset, remove", () => {
  beforeEach(() => { linkInit(1); linkSetLatency(LINK_DEFAULT, LINK_DEFAULT, 100, 0); });

  it("replaces a link's latency", () => {
    linkSetLatency(A, B, 5000, 0);
    linkSetLatency(A, B, 7000, 0);
    expect(linkTransmit(A, B, 60, 0, 0)).toBe(7000);
  });

  it("unset: the pair follows the default again and keeps its counters", () => {
    linkSetLatency(A, B, 5000, 0);
    linkTransmit(A, B, 60, 0, 0);
    expect(linkUnset(A, B)).toBe(0);
    expect(linkTransmit(A, B, 60, 10000, 0)).toBe(10100);
    expect(linkCounter(A, B, Counter.SentPackets)).toBe(2);
  });

  it("remove: the pair's record and counters go; -ENOENT for a pair with none", () => {
    linkSetLatency(A, B, 5000, 0);
    linkPartition(A, B, false);
    expect(linkRecords()).toBe(1);
    expect(linkRemove(A, B)).toBe(0);
    expect(linkRecords()).toBe(0);
    expect(linkCounter(A, B, Counter.SentPackets)).toBe(0);
    expect(linkTransmit(A, B, 60, 0, 0)).toBe(100);          // the default, not partitioned
    expect(linkRemove(B, C)).toBe(-2);
  });
});

describe("many hosts", () => {
  it("keeps 100 000 pairs in a table with one record each, every lookup finding its own", () => {
    linkInit(1);
    const HOSTS = 100000;
    let wrong = 0;
    for (let i = 1; i <= HOSTS; i++) if (linkSetLatency(i, 0, <i64>i, 0) != 0) wrong++;
    expect(wrong).toBe(0);
    expect(linkRecords()).toBe(HOSTS);
    for (let i = 1; i <= HOSTS; i++) if (linkTransmit(i, 0, 60, 0, 0) != <i64>i) wrong++;
    expect(wrong).toBe(0);
    // A record with its own parameters costs a few hundred bytes, not a row of N.
    let perLink = networkBytes() / HOSTS;
    expect(perLink).toBeLessThan(300);
    // Removing every other pair keeps the rest findable (backward-shift deletion).
    for (let i = 2; i <= HOSTS; i += 2) if (linkRemove(i, 0) != 0) wrong++;
    for (let i = 1; i <= HOSTS; i += 2) if (linkTransmit(i, 0, 60, 0, 0) != <i64>i) wrong++;
    expect(wrong).toBe(0);
    expect(linkRecords()).toBe(HOSTS / 2);
    expect(linkCheck()).toBe(0);                          // every entry reachable from its home
  });

  it("frees every record on linkInit", () => {
    linkInit(1);
    for (let i = 1; i <= 1000; i++) linkTransmit(i, 0, 60, 0, 0);
    let before = memory.size();
    for (let round = 0; round < 20; round++) {
      linkInit(1);
      for (let i = 1; i <= 1000; i++) { linkSetLatency(i, 0, 5, 0); linkTransmit(i, 0, 60, 0, 0); }
    }
    expect(memory.size()).toBe(before);                   // no growth: nothing leaks
  });
});
