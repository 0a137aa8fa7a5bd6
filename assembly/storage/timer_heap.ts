// Simulated time and the event queue.
//
// Time is an i64 count of microseconds that moves only when the host advances it.
// Events (packets in flight, retransmission timers) sit in a binary min-heap ordered
// by (time, seq); seq is a global counter, so events due at the same instant fire in
// the order they were scheduled and a run is reproducible bit for bit.
//
// A socket's timer (scheduleTimer) is cancellable: the heap keeps, per socket slot, the
// index + 1 of the slot's pending timer (`where`, updated whenever the event moves), so
// rearming or cancelling it removes the old event in O(log n) and the heap holds only
// live timers (a storm's handshakes would otherwise leave two dead ones each). Such an
// event carries TIMER_BIT in its kind word; pop() strips it. The socket still remembers
// the seq of its armed timer (socket.timer), and handlers check it and the generation.
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

/** In an event's kind word: the event is its socket `a`'s timer, tracked in `where`. */
// @ts-ignore: decorator
@inline const TIMER_BIT: u32 = 1 << 31;

let heapPtr: usize = 0;
let cap: u32 = 0;
let len: u32 = 0;
let seq: u32 = 0;
let now: i64 = 0;
let where: usize = 0;       // u32 per socket slot: heap index + 1 of its timer, 0 if none
let whereCap: u32 = 0;      // slots covered by `where`

export function timersInit(): void {
  if (heapPtr != 0) heap.free(heapPtr);
  if (where != 0) heap.free(where);
  cap = 256; len = 0; seq = 0; now = 0;
  heapPtr = heap.alloc(cap * EV_SIZE);
  where = 0; whereCap = 0;
}

// @ts-ignore: decorator
@inline export function nowUs(): i64 { return now; }
export function setNow(t: i64): void { now = t; }
export function pending(): u32 { return len; }

// @ts-ignore: decorator
@inline function ev(i: u32): usize { return heapPtr + <usize>i * EV_SIZE; }

/** Event x fires before event y: by time, then by seq (mod 2^32). */
// @ts-ignore: decorator
@inline function before(x: usize, y: usize): bool {
  let ex = changetype<Event>(x), ey = changetype<Event>(y);
  return ex.time < ey.time || (ex.time == ey.time && ex.seq - ey.seq > 0x7fffffff);
}

// An event being moved up or down the heap waits here, out of the array.
const moving = changetype<Event>(memory.data(offsetof<Event>()));

/** Copies an event record: four word moves (V8 runs memory.copy as a call out of wasm). */
// @ts-ignore: decorator
@inline function copyEvent(dst: usize, src: usize): void {
  store<u64>(dst, load<u64>(src)); store<u64>(dst, load<u64>(src, 8), 8);
  store<u64>(dst, load<u64>(src, 16), 16); store<u64>(dst, load<u64>(src, 24), 24);
}

/** Writes `e` at heap index i, and tells its socket where its timer now is. */
// @ts-ignore: decorator
@inline function put(i: u32, e: usize): void {
  copyEvent(ev(i), e);
  let k = changetype<Event>(e);
  if ((k.kind & TIMER_BIT) != 0) store<u32>(where + (<usize>k.a << 2), i + 1);
}

/** Places `moving` at i or above. */
function siftUp(i: u32): void {
  let e = changetype<usize>(moving);
  while (i > 0) {
    let p = (i - 1) >> 1;
    if (!before(e, ev(p))) break;
    put(i, ev(p)); i = p;
  }
  put(i, e);
}

/** Places `moving` at i or below. */
function siftDown(i: u32): void {
  let e = changetype<usize>(moving);
  while (true) {
    let l: u32 = 2 * i + 1;
    if (l >= len) break;
    let m = ev(l), r = l + 1;
    if (r < len && before(ev(r), m)) { m = ev(r); l = r; }
    if (!before(m, e)) break;
    put(i, m); i = l;
  }
  put(i, e);
}

/** Schedules an event `delay` microseconds from now; returns its seq (never 0). */
export function schedule(delay: i64, kind: u32, a: u32, aGen: u32, b: u32, bGen: u32): u32 {
  // Nothing is scheduled in the past, nor so far ahead that the time could wrap.
  assert(delay >= 0 && delay <= MAX_DELAY_US, "schedule: delay out of range");
  if (len == cap) { cap <<= 1; heapPtr = heap.realloc(heapPtr, <usize>cap * EV_SIZE); }
  if (++seq == 0) seq = 1;
  let e = moving;
  e.time = now + delay;
  e.seq = seq; e.kind = kind;
  e.a = a; e.aGen = aGen;
  e.b = b; e.bGen = bGen;
  siftUp(len++);
  return seq;
}

/**
 * Arms socket slot s's timer (after cancelling the one it had): `kind` fires at
 * now + delay with (s, gen). Returns its seq.
 */
export function scheduleTimer(delay: i64, kind: u32, s: u32, gen: u32): u32 {
  if (s >= whereCap) {
    let n = max(whereCap << 1, max(s + 1, <u32>1024));
    where = where == 0 ? heap.alloc(<usize>n << 2) : heap.realloc(where, <usize>n << 2);
    memory.fill(where + (<usize>whereCap << 2), 0, <usize>(n - whereCap) << 2);
    whereCap = n;
  } else cancelTimer(s);
  return schedule(delay, kind | TIMER_BIT, s, gen, 0, 0);
}

/** Removes socket slot s's pending timer from the heap, if it has one (inline: most have none). */
// @ts-ignore: decorator
@inline export function cancelTimer(s: u32): void {
  if (s < whereCap && load<u32>(where + (<usize>s << 2)) != 0) cancelPending(s);
}

function cancelPending(s: u32): void {
  let w = where + (<usize>s << 2);
  let i = load<u32>(w);
  store<u32>(w, 0);
  removeAt(i - 1);
}

/** Removes the event at heap index i (its `where` entry, if any, is already cleared). */
function removeAt(i: u32): void {
  len--;
  if (i == len) return;
  copyEvent(changetype<usize>(moving), ev(len));
  if (i > 0 && before(changetype<usize>(moving), ev((i - 1) >> 1))) siftUp(i);
  else siftDown(i);
}

/** Time of the earliest event, or NO_EVENT. */
export function nextTime(): i64 { return len == 0 ? NO_EVENT : changetype<Event>(ev(0)).time; }

// The popped event, copied out so handlers may schedule more.
export const popped = changetype<Event>(memory.data(offsetof<Event>()));

/** Removes the earliest event into `popped` (a timer's kind without TIMER_BIT). */
export function pop(): void {
  copyEvent(changetype<usize>(popped), ev(0));
  let k = popped.kind;
  if ((k & TIMER_BIT) != 0) {
    popped.kind = k & ~TIMER_BIT;
    store<u32>(where + (<usize>popped.a << 2), 0);
  }
  len--;
  if (len == 0) return;
  // Floyd's bottom-up deletion: the hole at the root goes down along the earlier child
  // to a leaf (one comparison a level), then the last event, usually a late one, rises
  // from there (few levels), instead of sifting it down from the root (two a level).
  copyEvent(changetype<usize>(moving), ev(len));
  let i: u32 = 0;
  while (true) {
    let l: u32 = 2 * i + 1;
    if (l >= len) break;
    if (l + 1 < len && before(ev(l + 1), ev(l))) l++;
    put(i, ev(l)); i = l;
  }
  siftUp(i);
}

export function timersBytes(): usize { return <usize>cap * EV_SIZE + (<usize>whereCap << 2); }
