// io/rx_holes.ts: the holes of a stream (head-of-line blocking, docs/network.md R5).
import { holesBlocking, holesDue, holesEmpty, holesFill, holesHold, holesHoldFin, holesNextId, holesPush, holesReveal, revealedFin } from "../io/rx_holes";

describe("holes", () => {
  it("hold later bytes only once due, and release each stretch as the hole before it fills", () => {
    let p = holesPush(0, 10);                 // id 0
    expect(holesBlocking(p)).toBe(false, "not due yet: bytes sent before it are readable");
    holesDue(p);
    holesHold(p, 5);
    expect(holesNextId(p)).toBe(1);
    p = holesPush(p, 20);                     // id 1
    holesDue(p);
    holesHold(p, 7);
    holesFill(p, 1);                          // the second hole first: nothing readable
    expect(holesReveal(p)).toBe(0);
    holesFill(p, 0);
    expect(holesReveal(p)).toBe(10 + 5 + 20 + 7);
    expect(holesEmpty(p)).toBe(true);
    heap.free(p);
  });

  it("grows past its first block with the FIFO wrapped, keeping order and ids", () => {
    let p = holesPush(0, 1);
    p = holesPush(p, 2);
    p = holesPush(p, 3);
    holesDue(p); holesDue(p);
    holesFill(p, 0); holesFill(p, 1);
    expect(holesReveal(p)).toBe(3);           // ids 0 and 1 out; 2 stays, not due
    for (let i = 0; i < 6; i++) p = holesPush(p, 100);   // ids 3..8: wraps, then grows
    expect(holesNextId(p)).toBe(9);
    for (let i = 0; i < 7; i++) holesDue(p);
    holesHoldFin(p);
    for (let id: u32 = 2; id <= 8; id++) holesFill(p, id);
    expect(holesReveal(p)).toBe(3 + 600);
    expect(revealedFin).toBe(true);
    expect(holesEmpty(p)).toBe(true);
    heap.free(p);
  });

  it("ignores a fill for an id it does not hold", () => {
    let p = holesPush(0, 4);
    holesDue(p);
    holesFill(p, 7);
    expect(holesReveal(p)).toBe(0);
    expect(holesBlocking(p)).toBe(true);
    heap.free(p);
  });
});
