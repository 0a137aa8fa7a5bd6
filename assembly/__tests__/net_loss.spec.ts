// assembly/net: loss on a link -- Bernoulli (netem `loss random`) and Gilbert-Elliott
// (netem `loss gemodel p r 1-h 1-k`), seeded per link, repeatable bit for bit.
import { linkInit, linkTransmit, linkSetLoss, linkSetLossGE, linkCounter, Counter } from "../net/index";
import { LinkResult } from "../net/link";

const A = 1, B = 2, C = 3;
const PACKETS = 100000;

/** Sends `count` packets a -> b, 100 us apart; returns a hash of which were lost (FNV-1a over the outcomes). */
function run(a: i32, b: i32, count: i32): u32 {
  let h: u32 = 2166136261;
  for (let i = 0; i < count; i++) {
    let lost: u32 = linkTransmit(a, b, 100, <i64>i * 100, 0) == LinkResult.LOST ? 1 : 0;
    h = (h ^ lost) * 16777619;
  }
  return h;
}

/** Mean length of the runs of consecutive losses over `count` packets a -> b. */
function meanBurst(a: i32, b: i32, count: i32): f64 {
  let bursts = 0, lost = 0, inBurst = false;
  for (let i = 0; i < count; i++) {
    let isLost = linkTransmit(a, b, 100, <i64>i * 100, 0) == LinkResult.LOST;
    if (isLost) { lost++; if (!inBurst) bursts++; }
    inBurst = isLost;
  }
  return bursts == 0 ? 0 : <f64>lost / <f64>bursts;
}

describe("Bernoulli loss", () => {
  it("loses 1 % of 100 000 packets within 5 standard deviations, for several seeds", () => {
    // n p = 1000, sigma = sqrt(n p (1 - p)) = 31.5: 5 sigma is 157.
    for (let seed: u64 = 1; seed <= 5; seed++) {
      linkInit(seed);
      expect(linkSetLoss(A, B, 0.01)).toBe(0);
      run(A, B, PACKETS);
      let lost = linkCounter(A, B, Counter.LostPackets);
      expect(lost).toBeGreaterThan(1000 - 157);
      expect(lost).toBeLessThan(1000 + 157);
      expect(linkCounter(A, B, Counter.DeliveredPackets) + lost).toBe(PACKETS);
    }
  });

  it("loses the same packets for the same seed and calls, and others for another seed", () => {
    linkInit(42); linkSetLoss(A, B, 0.01);
    let first = run(A, B, PACKETS);
    linkInit(42); linkSetLoss(A, B, 0.01);
    expect(run(A, B, PACKETS)).toBe(first);
    linkInit(43); linkSetLoss(A, B, 0.01);
    expect(run(A, B, PACKETS)).not.toBe(first);
  });

  it("draws each link from its own stream: traffic on another link changes nothing", () => {
    linkInit(9); linkSetLoss(A, B, 0.05);
    let alone = run(A, B, 10000);
    linkInit(9); linkSetLoss(A, B, 0.05); linkSetLoss(C, B, 0.05);
    let h: u32 = 2166136261;
    for (let i = 0; i < 10000; i++) {
      linkTransmit(C, B, 100, <i64>i * 100, 0);             // interleaved traffic C -> B
      let lost: u32 = linkTransmit(A, B, 100, <i64>i * 100, 0) == LinkResult.LOST ? 1 : 0;
      h = (h ^ lost) * 16777619;
    }
    expect(h).toBe(alone);
  });

  it("loses nothing at p = 0 and everything at p = 1", () => {
    linkInit(1);
    linkSetLoss(A, B, 0); run(A, B, 1000);
    expect(linkCounter(A, B, Counter.LostPackets)).toBe(0);
    linkSetLoss(A, B, 1); run(A, B, 1000);
    expect(linkCounter(A, B, Counter.LostPackets)).toBe(1000);
    expect(linkCounter(A, B, Counter.LostBytes)).toBe(100000);
  });
});

describe("Gilbert-Elliott loss", () => {
  it("loses in bursts whose mean length is 1/r (p 1 %, r 25 %, 1-h 100 %, 1-k 0 %)", () => {
    linkInit(5);
    expect(linkSetLossGE(A, B, 0.01, 0.25, 1, 0)).toBe(0);
    let mean = meanBurst(A, B, 200000);
    expect(mean).toBeGreaterThan(3.6);                  // 1/r = 4, within 10 %
    expect(mean).toBeLessThan(4.4);
    // Stationary share of the bad state: p / (p + r) = 3.85 %.
    let share = <f64>linkCounter(A, B, Counter.LostPackets) / 200000.0;
    expect(share).toBeGreaterThan(0.033);
    expect(share).toBeLessThan(0.044);
  });

  it("is burstier than Bernoulli loss at the same rate", () => {
    linkInit(5);
    linkSetLoss(A, B, 0.0385);
    let bernoulli = meanBurst(A, B, 200000);
    expect(bernoulli).toBeLessThan(1.1);                // 1 / (1 - p) = 1.04
    linkSetLossGE(A, C, 0.01, 0.25, 1, 0);
    expect(meanBurst(A, C, 200000)).toBeGreaterThan(bernoulli * 3);
  });

  it("loses with 1-k in the good state when the chain never leaves it (p = 0)", () => {
    linkInit(2);
    linkSetLossGE(A, B, 0, 1, 1, 0.02);
    run(A, B, PACKETS);
    let lost = linkCounter(A, B, Counter.LostPackets);
    expect(lost).toBeGreaterThan(2000 - 221);           // n (1-k) = 2000, 5 sigma = 221
    expect(lost).toBeLessThan(2000 + 221);
  });

  it("repeats exactly for the same seed", () => {
    linkInit(77); linkSetLossGE(A, B, 0.02, 0.3, 0.9, 0.001);
    let first = run(A, B, PACKETS);
    linkInit(77); linkSetLossGE(A, B, 0.02, 0.3, 0.9, 0.001);
    expect(run(A, B, PACKETS)).toBe(first);
  });

  it("refuses a probability outside [0, 1]", () => {
    linkInit(1);
    expect(linkSetLossGE(A, B, 0.1, -0.1, 1, 0)).toBe(-22);
    expect(linkSetLossGE(A, B, 0.1, 0.1, 1, NaN)).toBe(-22);
  });
});

describe("Gilbert-Elliott state", () => {
  it("restarts in the good state when the model is set again", () => {
    linkInit(1);
    linkSetLossGE(A, B, 1, 0, 1, 0);                      // enter bad after the first packet, never leave
    expect(linkTransmit(A, B, 60, 0, 0)).toBe(0);          // found the good state: kept
    expect(linkTransmit(A, B, 60, 0, 0)).toBe(LinkResult.LOST);
    linkSetLossGE(A, B, 1, 0, 1, 0);
    expect(linkTransmit(A, B, 60, 0, 0)).toBe(0);          // good again
    expect(linkTransmit(A, B, 60, 0, 0)).toBe(LinkResult.LOST);
  });
});
