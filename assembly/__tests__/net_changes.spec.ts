// assembly/net: changes on the simulated clock, staged now and applied when the
// kernel's event heap reaches their time.
import { linkInit, linkTransmit, linkSetLatency, linkStage, linkApply, linkStaged, linkReleaseNext, linkReleasedToken,
  linkCheck, LinkOp } from "../net/index";
import { LinkResult } from "../net/link";

const A = 1, B = 2;

describe("staged changes", () => {
  beforeEach(() => { linkInit(1); linkSetLatency(A, B, 1000, 0); linkSetLatency(B, A, 1000, 0); });

  it("take effect only when applied", () => {
    let id = linkStage(LinkOp.LATENCY, A, B, 40000, 0, 0, 0);
    expect(id).toBeGreaterThan(0);
    expect(linkTransmit(A, B, 60, 0, 0)).toBe(1000);
    expect(linkApply(id)).toBe(0);
    expect(linkTransmit(A, B, 60, 10000, 0)).toBe(50000);
  });

  it("partition at t, heal at 2.5 s: a SYN sent at 3 s crosses", () => {
    let cut = linkStage(LinkOp.PARTITION, A, B, 1, 0, 0, 0);
    let heal = linkStage(LinkOp.HEAL, A, B, 1, 0, 0, 0);
    linkApply(cut);
    expect(linkTransmit(A, B, 60, 0, 0)).toBe(LinkResult.PARTITIONED);
    expect(linkTransmit(B, A, 60, 1000000, 0)).toBe(LinkResult.PARTITIONED);
    linkApply(heal);                                     // at 2.5 s
    expect(linkTransmit(A, B, 60, 3000000, 0)).toBe(3001000);
  });

  it("hold then release: the apply returns the count to drain", () => {
    linkApply(linkStage(LinkOp.HOLD, A, B, 0, 0, 0, 0));
    linkTransmit(A, B, 60, 0, 11); linkTransmit(A, B, 60, 5, 12);
    expect(linkApply(linkStage(LinkOp.RELEASE, A, B, 0, 0, 0, 0))).toBe(2);
    expect(linkReleaseNext(A, B, 9000)).toBe(10000); expect(linkReleasedToken()).toBe(11);
    expect(linkReleaseNext(A, B, 9000)).toBe(10000); expect(linkReleasedToken()).toBe(12);
  });

  it("a Gilbert-Elliott change keeps its four probabilities until applied", () => {
    let id = linkStage(LinkOp.LOSS_GE, A, B, 1, 0, 1, 0); // enters bad at once, never leaves, loses all there
    linkApply(id);
    expect(linkTransmit(A, B, 60, 0, 0)).not.toBe(LinkResult.LOST);   // the first packet found the good state
    expect(linkTransmit(A, B, 60, 0, 0)).toBe(LinkResult.LOST);
  });

  it("refuses a bad change when staged, not at its time", () => {
    expect(linkStage(LinkOp.LATENCY, A, B, -1, 0, 0, 0)).toBe(-22);
    expect(linkStage(LinkOp.LATENCY, A, B, 0.5, 0, 0, 0)).toBe(-22);
    expect(linkStage(LinkOp.LOSS, A, B, 2, 0, 0, 0)).toBe(-22);
    expect(linkStage(LinkOp.RATE, A, B, 100, 1000, 0, 0)).toBe(-22);
    expect(linkStage(LinkOp.PARTITION, A, A, 0, 0, 0, 0)).toBe(-22);
    expect(linkStage(LinkOp.PARTITION, A, B, 2, 0, 0, 0)).toBe(-22);
    expect(linkStage(0, A, B, 0, 0, 0, 0)).toBe(-22);
    expect(linkStage(LinkOp.Count, A, B, 0, 0, 0, 0)).toBe(-22);
    expect(linkStaged()).toBe(0);
  });

  it("applies an id once: -ENOENT after, and for ids never staged", () => {
    let id = linkStage(LinkOp.HOLD, A, B, 0, 0, 0, 0);
    expect(linkApply(id)).toBe(0);
    expect(linkApply(id)).toBe(-2);
    expect(linkApply(0)).toBe(-2);
    expect(linkApply(id + 1)).toBe(-2);                  // in the free chain, never staged
    expect(linkApply(1 << 30)).toBe(-2);
  });

  it("reuses the ids of applied changes", () => {
    let ids = new StaticArray<i32>(100);
    for (let i = 0; i < 100; i++) ids[i] = linkStage(LinkOp.HOLD, A, B, 0, 0, 0, 0);
    expect(linkStaged()).toBe(100);
    for (let i = 0; i < 100; i++) linkApply(ids[i]);
    expect(linkStaged()).toBe(0);
    let again = linkStage(LinkOp.HEAL, A, B, 0, 0, 0, 0);
    expect(again).toBeLessThanOrEqual(100);
    expect(linkCheck()).toBe(0);                         // staged + free chain = every record
  });
});
