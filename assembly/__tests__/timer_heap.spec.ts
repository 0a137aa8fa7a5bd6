// storage/timer_heap.ts: simulated time and the event queue, a binary min-heap ordered by (time, seq).
import { NO_EVENT, cancelTimer, nextTime, nowUs, pending, pop, popped, schedule, scheduleTimer, setNow, timersBytes, timersInit } from "../storage/timer_heap";

// Fields of the popped event (storage/timer_heap.ts Event).
function poppedTime(): i64 { return popped.time; }
function poppedSeq(): u32 { return popped.seq; }
function poppedKind(): u32 { return popped.kind; }
function poppedA(): u32 { return popped.a; }
function poppedB(): u32 { return popped.b; }

/** Schedules an event `delay` us from now that carries `tag` in its `a` field. */
function event(delay: i64, tag: u32): u32 { return schedule(delay, 1, tag, 0, 0, 0); }

/** Pops the next event and returns its tag. */
function nextTag(): u32 { pop(); return poppedA(); }

/** A deterministic LCG (Numerical Recipes constants), so runs are reproducible. */
let lcg: u32 = 12345;
function random(): u32 { lcg = lcg * 1664525 + 1013904223; return lcg >> 8; }

describe("event queue", () => {
  beforeEach(() => { timersInit(); lcg = 12345; });

  it("has no next time (-1) when nothing is scheduled", () => {
    expect(nextTime()).toBe(NO_EVENT);
    expect(pending()).toBe(0);
  });

  it("schedules relative to the current time", () => {
    setNow(1000);
    event(5, 0);
    expect(nextTime()).toBe(1005);
    expect(nowUs()).toBe(1000);
  });

  it("gives the earliest due time as nextTime, whatever the scheduling order", () => {
    event(300, 0); event(100, 1); event(200, 2);
    expect(nextTime()).toBe(100);
    pop();
    expect(nextTime()).toBe(200);
    pop(); pop();
    expect(nextTime()).toBe(NO_EVENT);
  });

  it("fires events in time order", () => {
    event(30, 3); event(10, 1); event(40, 4); event(20, 2);
    expect(nextTag()).toBe(1);
    expect(nextTag()).toBe(2);
    expect(nextTag()).toBe(3);
    expect(nextTag()).toBe(4);
    expect(pending()).toBe(0);
  });

  it("fires events due at the same time in the order they were scheduled", () => {
    for (let i: u32 = 0; i < 10; i++) event(50, i);
    event(10, 100);
    let wrong = 0;
    expect(nextTag()).toBe(100);
    for (let i: u32 = 0; i < 10; i++) if (nextTag() != i) wrong++;
    expect(wrong).toBe(0);
  });

  it("fires an event scheduled by a handler after the ones already due at that time", () => {
    event(0, 1); event(0, 2);
    expect(nextTag()).toBe(1);
    event(0, 3);                     // a handler sends a packet at the same instant
    expect(nextTag()).toBe(2);
    expect(nextTag()).toBe(3);
  });

  it("returns increasing, nonzero seqs and copies every field into popped", () => {
    let s1 = schedule(7, 9, 11, 12, 13, 14);
    let s2 = event(8, 0);
    expect(s1).toBeGreaterThan(0);
    expect(s2).toBeGreaterThan(s1);
    pop();
    expect(poppedTime()).toBe(7);
    expect(poppedSeq()).toBe(s1);
    expect(poppedKind()).toBe(9);
    expect(poppedA()).toBe(11);
    expect(popped.aGen).toBe(12);
    expect(poppedB()).toBe(13);
    expect(popped.bGen).toBe(14);
  });

  it("restarts seq and time from zero on timersInit", () => {
    setNow(99);
    let first = event(1, 0);
    timersInit();
    expect(nowUs()).toBe(0);
    expect(pending()).toBe(0);
    expect(event(1, 0)).toBe(first);
  });

  it("pops 5000 random events (time, seq) sorted, growing past 256 entries", () => {
    const N = 5000;
    // Keys sort as (time, scheduling order); tags are the scheduling order.
    let keys = new Array<i64>(N);
    for (let i = 0; i < N; i++) {
      let t = <i64>(random() % 700);   // many equal times
      event(t, <u32>i);
      keys[i] = (t << 20) | <i64>i;
    }
    expect(pending()).toBe(N);
    keys.sort((x: i64, y: i64): i32 => x < y ? -1 : x > y ? 1 : 0);
    let wrong = 0;
    for (let i = 0; i < N; i++) {
      pop();
      if (poppedTime() != keys[i] >> 20 || <i64>poppedA() != (keys[i] & 0xfffff)) wrong++;
    }
    expect(wrong).toBe(0);
    expect(nextTime()).toBe(NO_EVENT);
  });

  it("stays sorted when random pushes and pops interleave", () => {
    let wrong = 0;
    let lastTime: i64 = -1, lastSeq: u32 = 0;
    for (let round = 0; round < 3000; round++) {
      event(<i64>(random() % 50), 0);
      event(<i64>(random() % 50), 0);
      pop();
      // Time never goes back for a queue drained at "now" = the popped time.
      if (poppedTime() < lastTime || (poppedTime() == lastTime && poppedSeq() <= lastSeq)) wrong++;
      lastTime = poppedTime(); lastSeq = poppedSeq();
      setNow(lastTime);
    }
    expect(wrong).toBe(0);
    expect(pending()).toBe(3000);
  });

  it("removes a cancelled timer from the heap at once, and the rest still fire in order", () => {
    for (let s: u32 = 0; s < 100; s++) scheduleTimer(<i64>(1000 + s), 9, s, 0);
    for (let s: u32 = 0; s < 100; s += 2) cancelTimer(s);
    expect(pending()).toBe(50);
    cancelTimer(0);                       // nothing pending for slot 0 any more
    cancelTimer(5000);                    // a slot that never had a timer
    expect(pending()).toBe(50);
    let wrong = 0;
    for (let s: u32 = 1; s < 100; s += 2) {
      pop();
      if (poppedA() != s || poppedKind() != 9 || poppedTime() != <i64>(1000 + s)) wrong++;
    }
    expect(wrong).toBe(0);
    expect(pending()).toBe(0);
  });

  it("keeps one timer per slot: rearming replaces the pending one", () => {
    scheduleTimer(500, 9, 7, 0);
    let second = scheduleTimer(300, 10, 7, 0);
    expect(pending()).toBe(1);
    pop();
    expect(poppedSeq()).toBe(second);
    expect(poppedKind()).toBe(10);
    cancelTimer(7);                       // fired: nothing left to cancel
    expect(pending()).toBe(0);
  });

  it("stays sorted when timers are armed, cancelled and popped among packets at random", () => {
    let wrong = 0;
    let lastTime: i64 = -1, lastSeq: u32 = 0;
    let armed = new StaticArray<u32>(64);     // seq of each slot's pending timer, 0 if none
    let packets: u32 = 0;                     // packets popped
    for (let round = 0; round < 5000; round++) {
      let s = random() % 64;
      armed[s] = scheduleTimer(<i64>(random() % 100), 9, s, 0);
      event(<i64>(random() % 50), 1000);
      let c = random() % 64;
      cancelTimer(c); armed[c] = 0;
      pop();
      if (poppedTime() < lastTime || (poppedTime() == lastTime && poppedSeq() <= lastSeq)) wrong++;
      if (poppedA() < 64) {
        if (armed[poppedA()] != poppedSeq()) wrong++;   // only a live timer fires
        armed[poppedA()] = 0;
      } else packets++;
      lastTime = poppedTime(); lastSeq = poppedSeq();
      setNow(lastTime);
    }
    let live: u32 = 0;
    for (let s = 0; s < 64; s++) if (armed[s] != 0) live++;
    expect(wrong).toBe(0);
    expect(pending()).toBe(live + 5000 - packets);   // live timers and packets not yet popped
  });

  it("fires events of a few fixed delays (lanes) among timers and odd delays in (time, seq) order", () => {
    // Packets of 6 fixed delays (more than the 4 lanes), timers of 2 fixed delays and odd
    // ones, cancelled at random: only live events fire, each in (time, seq) order.
    const delays: i64[] = [1000, 7, 1000000, 3000, 13, 250];
    let wrong = 0;
    let lastTime: i64 = -1, lastSeq: u32 = 0;
    let armed = new StaticArray<u32>(256);
    let scheduled: u32 = 0, popped_: u32 = 0;
    for (let round = 0; round < 20000; round++) {
      event(delays[random() % 6], 1000); scheduled++;
      let s = random() % 256;
      let r = random() % 4;
      armed[s] = scheduleTimer(r == 0 ? <i64>(random() % 5000) : r == 1 ? 1000000 : 3000, 9, s, 0);
      if (random() % 3 == 0) { let c = random() % 256; cancelTimer(c); armed[c] = 0; }
      if (random() % 2 == 0) continue;
      pop();
      if (poppedTime() < lastTime || (poppedTime() == lastTime && poppedSeq() <= lastSeq)) wrong++;
      if (poppedA() < 256) {
        if (armed[poppedA()] != poppedSeq()) wrong++;
        armed[poppedA()] = 0;
      } else popped_++;
      lastTime = poppedTime(); lastSeq = poppedSeq();
      setNow(lastTime);
    }
    let live: u32 = 0;
    for (let s = 0; s < 256; s++) if (armed[s] != 0) live++;
    expect(pending()).toBe(live + scheduled - popped_);
    // Drain: the rest still in order, and every live timer fires once.
    while (nextTime() != NO_EVENT) {
      pop();
      if (poppedTime() < lastTime || (poppedTime() == lastTime && poppedSeq() <= lastSeq)) wrong++;
      if (poppedA() < 256) { if (armed[poppedA()] != poppedSeq()) wrong++; armed[poppedA()] = 0; live--; }
      lastTime = poppedTime(); lastSeq = poppedSeq();
    }
    expect(wrong).toBe(0);
    expect(live).toBe(0);
  });

  it("keeps a lane compact when its timers are cancelled out of order", () => {
    // 10 000 timers of one delay (one lane); all but the first and the last cancelled,
    // from the middle outwards: the lane compacts, and the two left fire in order.
    const N: u32 = 10000;
    for (let s: u32 = 0; s < N; s++) scheduleTimer(1000000, 9, s, 0);
    let bytesFull = timersBytes();
    for (let d: u32 = 0; d < N / 2 - 1; d++) { cancelTimer(N / 2 + d); cancelTimer(N / 2 - 1 - d); }
    expect(pending()).toBe(2);
    // The lane grows no further for as many new timers as were cancelled.
    for (let s: u32 = 1; s < N - 1; s++) scheduleTimer(1000000, 9, s, 0);
    expect(timersBytes()).toBe(bytesFull);
    expect(nextTag()).toBe(0);
    expect(nextTag()).toBe(N - 1);
    expect(nextTag()).toBe(1);
  });

  it("sends an event earlier than its delay's lane (the clock set back) to the heap, still in order", () => {
    setNow(5000);
    event(100, 1);                   // 5100, takes a lane for delay 100
    setNow(1000);
    event(100, 2);                   // 1100: earlier than the lane's last
    event(100, 3);                   // 1100 again: the lane still ends at 5100
    expect(nextTag()).toBe(2);
    expect(nextTag()).toBe(3);
    expect(nextTag()).toBe(1);
    expect(pending()).toBe(0);
  });
});

