// Simulated time and the event queue.
//
// Time is an i64 count of microseconds that moves only when the host advances it.
// Events (packets in flight, retransmission timers) sit in a binary min-heap ordered
// by (time, seq); seq is a global counter, so events due at the same instant fire in
// the order they were scheduled and a run is reproducible bit for bit.
//
// Cancelling is lazy: a socket remembers the seq of its armed timer (socket.timer);
// an event whose seq no longer matches, or whose socket generation changed, is
// dropped when it reaches the top.
//
// Events are Event records (32 bytes, below) in one array kept as a heap.
//
// The clock ends at CLOCK_END (2^62 us, about 146,000 years): sk_advance refuses to go
// past it (EINVAL), so now + any delay (at most MAX_DELAY_US) never wraps i64, and
// NO_EVENT, the "nothing scheduled" answer, is a time no event can have.

/** The last instant the clock can show. */
export const CLOCK_END_US: i64 = 1 << 62;
/** The longest delay anything schedules: tunables stop at 3600 s, RTOs at 120 s. */
export const MAX_DELAY_US: i64 = 1 << 40;
/** nextTime() when the heap is empty: later than any event can be scheduled. */
export const NO_EVENT: i64 = i64.MAX_VALUE;

/** One scheduled event (32 bytes; byte offsets on the left). */
// @ts-ignore: decorator
@unmanaged export class Event {
  /*  0 */ time: i64;   // when it fires, in simulated microseconds
  /*  8 */ seq: u32;    // global schedule order: ties on time fire in this order
  /* 12 */ kind: u32;   // EV_* (tcp/events.ts)
  /* 16 */ a: u32;      // a socket slot and its generation
  /* 20 */ aGen: u32;
  /* 24 */ b: u32;      // a second socket and generation, or event data
  /* 28 */ bGen: u32;
}
// @ts-ignore: decorator
@inline export const EV_SIZE: u32 = offsetof<Event>();

let heapPtr: usize = 0;
let cap: u32 = 0;
let len: u32 = 0;
let seq: u32 = 0;
let now: i64 = 0;

export function timersInit(): void {
  if (heapPtr != 0) heap.free(heapPtr);
  cap = 256; len = 0; seq = 0; now = 0;
  heapPtr = heap.alloc(cap * EV_SIZE);
}

// @ts-ignore: decorator
@inline export function nowUs(): i64 { return now; }
export function setNow(t: i64): void { now = t; }
export function pending(): u32 { return len; }

// @ts-ignore: decorator
@inline function ev(i: u32): usize { return heapPtr + <usize>i * EV_SIZE; }

// @ts-ignore: decorator
@inline function less(i: u32, j: u32): bool {
  let ei = changetype<Event>(ev(i)), ej = changetype<Event>(ev(j));
  return ei.time < ej.time || (ei.time == ej.time && ei.seq - ej.seq > 0x7fffffff);
}

function swap(i: u32, j: u32): void {
  let a = ev(i), b = ev(j);
  for (let k: usize = 0; k < EV_SIZE; k += 8) {
    let x = load<u64>(a + k);
    store<u64>(a + k, load<u64>(b + k));
    store<u64>(b + k, x);
  }
}

/** Schedules an event `delay` microseconds from now; returns its seq (never 0). */
export function schedule(delay: i64, kind: u32, a: u32, aGen: u32, b: u32, bGen: u32): u32 {
  // Nothing is scheduled in the past, nor so far ahead that the time could wrap.
  assert(delay >= 0 && delay <= MAX_DELAY_US, "schedule: delay out of range");
  if (len == cap) { cap <<= 1; heapPtr = heap.realloc(heapPtr, <usize>cap * EV_SIZE); }
  if (++seq == 0) seq = 1;
  let i = len++;
  let e = changetype<Event>(ev(i));
  e.time = now + delay;
  e.seq = seq; e.kind = kind;
  e.a = a; e.aGen = aGen;
  e.b = b; e.bGen = bGen;
  while (i > 0) {
    let p = (i - 1) >> 1;
    if (!less(i, p)) break;
    swap(i, p); i = p;
  }
  return seq;
}

/** Time of the earliest event, or NO_EVENT. */
export function nextTime(): i64 { return len == 0 ? NO_EVENT : changetype<Event>(ev(0)).time; }

// The popped event, copied out so handlers may schedule more.
export const popped = changetype<Event>(memory.data(offsetof<Event>()));

/** Removes the earliest event into `popped`. */
export function pop(): void {
  memory.copy(changetype<usize>(popped), ev(0), EV_SIZE);
  len--;
  if (len == 0) return;
  memory.copy(ev(0), ev(len), EV_SIZE);
  let i: u32 = 0;
  while (true) {
    let l: u32 = 2 * i + 1, r: u32 = l + 1, m: u32 = i;
    if (l < len && less(l, m)) m = l;
    if (r < len && less(r, m)) m = r;
    if (m == i) break;
    swap(i, m); i = m;
  }
}

export function timersBytes(): usize { return <usize>cap * EV_SIZE; }
