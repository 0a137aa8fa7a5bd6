// Simulated time and the event queue.
//
// Time is an i64 count of microseconds that moves only when the host advances it.
// Events (packets in flight, retransmission timers) sit in a binary min-heap ordered
// by (time, seq); seq is a global counter, so events due at the same instant fire in
// the order they were scheduled and a run is reproducible bit for bit.
//
// A socket's timer (scheduleTimer) is cancellable: the queue keeps, per socket slot, where
// the slot's pending timer is (`where`: its heap index + 1, or its lane and ring slot;
// updated whenever the event moves), so rearming or cancelling it removes the old event
// (O(log n) from the heap, O(1) amortised from a lane) and only live timers fire or
// count (a storm's handshakes would otherwise leave two dead ones each). Such an event
// carries TIMER_BIT in its kind word; pop() strips it. The socket still remembers the
// seq of its armed timer (socket.timer), and handlers check it and the generation.
//
// Events are Event records (32 bytes, below) in one array kept as a heap, or in a lane.
//
// Lanes: most events are packets sent with a link's one fixed delay, so events of one
// delay are scheduled in (time, seq) order (the clock never goes back and seq grows).
// Such an event is appended to a FIFO lane for its delay, O(1), instead of sifting
// through a heap of every packet in flight (O(log n): 17 levels for a storm's 100 000):
// a lane is taken by a delay while it is empty and accepts an event only if it is not
// earlier than the lane's last one, so each lane is always sorted. pop() takes the
// earliest of the heap's root and the LANES lane heads, by the same (time, seq) order,
// so events fire exactly as they did from one heap. Events of other delays (jitter, a
// rate's queueing, a fifth delay) go to the heap. A timer cancelled in a lane is marked
// dead (kind DEAD) and skipped: a lane's first and last events are always live, and a
// lane more than half dead is compacted, so dead events cost at most the live ones' room.
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
let where: usize = 0;       // u32 per socket slot: where its timer is (heap index + 1, or IN_LANE | lane | slot), 0 if none
let whereCap: u32 = 0;      // slots covered by `where`

/**
 * A FIFO of events of one delay (32-byte record; buf is a ring of mask + 1 events, a
 * power of two, allocated when the lane is first taken).
 */
@unmanaged class Lane {
  /*  0 */ buf: usize;
  /*  4 */ mask: u32;
  /*  8 */ head: u32;   // index of the earliest event (always live)
  /* 12 */ len: u32;    // events from head on, dead ones included (the last always live)
  /* 16 */ dead: u32;   // cancelled timers among the len
  /* 20 */ pad: u32;
  /* 24 */ delay: i64;  // the delay of the events it holds (meaningful while len > 0)
}
/** A cancelled timer's kind in a lane (no event has kind 0). */
// @ts-ignore: decorator
@inline const DEAD: u32 = 0;
/** A `where` entry of a timer in a lane: IN_LANE | lane << LANE_SHIFT | its ring slot (< 2^29: a ring holds under 2^27 events in 4 GiB). */
// @ts-ignore: decorator
@inline const IN_LANE: u32 = 1 << 31;
// @ts-ignore: decorator
@inline const LANE_SHIFT: u32 = 29;
/** Lanes: a storm's packets use one or two delays; more delays share the heap. */
// @ts-ignore: decorator
@inline const LANES: u32 = 4;
const LANE_MIN: u32 = 256;
const lanes = memory.data(<i32>(offsetof<Lane>() * LANES));
// @ts-ignore: decorator
@inline function lane(i: u32): Lane { return changetype<Lane>(lanes + <usize>i * offsetof<Lane>()); }
// @ts-ignore: decorator
@inline function laneAt(l: Lane, i: u32): usize { return l.buf + <usize>((l.head + i) & l.mask) * EV_SIZE; }

export function timersInit(): void {
  if (heapPtr != 0) heap.free(heapPtr);
  if (where != 0) heap.free(where);
  cap = 256; len = 0; seq = 0; now = 0;
  heapPtr = heap.alloc(cap * EV_SIZE);
  where = 0; whereCap = 0;
  for (let i: u32 = 0; i < LANES; i++) {
    let l = lane(i);
    if (l.buf != 0) heap.free(l.buf);
    l.buf = 0; l.mask = 0; l.head = 0; l.len = 0; l.delay = 0; l.dead = 0;
  }
}

// @ts-ignore: decorator
@inline export function nowUs(): i64 { return now; }
export function setNow(t: i64): void { now = t; }
export function pending(): u32 {
  let n = len;
  for (let i: u32 = 0; i < LANES; i++) n += lane(i).len - lane(i).dead;
  return n;
}

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
  if (!ASC_NO_ASSERT) assert(kind != DEAD, "schedule: kind 0");
  if (++seq == 0) seq = 1;
  let time = now + delay;
  let e = moving;
  let inLane = false;
  let l = laneFor(delay, time);
  if (l != 0) {
    let q = changetype<Lane>(l);
    if (q.buf == 0 || q.len > q.mask) laneGrow(q);
    let slot = (q.head + q.len++) & q.mask;
    e = changetype<Event>(q.buf + <usize>slot * EV_SIZE);
    inLane = true;
    if ((kind & TIMER_BIT) != 0) store<u32>(where + (<usize>a << 2), IN_LANE | laneIndex(q) << LANE_SHIFT | slot);
  }
  e.time = time;
  e.seq = seq; e.kind = kind;
  e.a = a; e.aGen = aGen;
  e.b = b; e.bGen = bGen;
  if (!inLane) {
    if (len == cap) { cap <<= 1; heapPtr = heap.realloc(heapPtr, <usize>cap * EV_SIZE); }
    siftUp(len++);
  }
  return seq;
}

/**
 * The lane an event of `delay` due at `time` may join (its lane, if the event is not
 * earlier than the lane's last; else an empty lane, which it takes), or 0: the heap.
 */
function laneFor(delay: i64, time: i64): usize {
  let free: usize = 0;
  for (let i: u32 = 0; i < LANES; i++) {
    let l = lane(i);
    if (l.len == 0) { if (free == 0) free = changetype<usize>(l); }
    else if (l.delay == delay) return changetype<Event>(laneAt(l, l.len - 1)).time <= time ? changetype<usize>(l) : 0;
  }
  if (free != 0) changetype<Lane>(free).delay = delay;
  return free;
}

// @ts-ignore: decorator
@inline function laneIndex(l: Lane): u32 { return <u32>((changetype<usize>(l) - lanes) / offsetof<Lane>()); }

/** Doubles a full lane's ring (or gives a new lane its first), the earliest event at index 0. */
function laneGrow(l: Lane): void {
  let n = l.buf == 0 ? LANE_MIN : (l.mask + 1) << 1;
  let nb = heap.alloc(<usize>n * EV_SIZE);
  if (l.buf != 0) {
    let first = l.mask + 1 - l.head;           // events from head to the ring's end
    memory.copy(nb, l.buf + <usize>l.head * EV_SIZE, <usize>first * EV_SIZE);
    memory.copy(nb + <usize>first * EV_SIZE, l.buf, <usize>l.head * EV_SIZE);
    heap.free(l.buf);
  }
  l.buf = nb; l.mask = n - 1; l.head = 0;
  relocateTimers(l);
}

/** Tells each live timer in lane l its ring slot (after the lane's events moved). */
function relocateTimers(l: Lane): void {
  let code = IN_LANE | laneIndex(l) << LANE_SHIFT;
  for (let i: u32 = 0; i < l.len; i++) {
    let slot = (l.head + i) & l.mask;
    let e = changetype<Event>(l.buf + <usize>slot * EV_SIZE);
    if ((e.kind & TIMER_BIT) != 0) store<u32>(where + (<usize>e.a << 2), code | slot);
  }
}

/** Drops the dead events at either end of lane l, and compacts it once more than half dead. */
function laneTrim(l: Lane): void {
  while (l.len > 0 && changetype<Event>(laneAt(l, 0)).kind == DEAD) { l.head = (l.head + 1) & l.mask; l.len--; l.dead--; }
  while (l.len > 0 && changetype<Event>(laneAt(l, l.len - 1)).kind == DEAD) { l.len--; l.dead--; }
  if (l.dead <= (l.len >> 1)) return;
  // Live events slide towards the head, in order (j <= i: nothing is overwritten unread).
  let j: u32 = 0;
  for (let i: u32 = 0; i < l.len; i++) {
    let e = laneAt(l, i);
    if (changetype<Event>(e).kind == DEAD) continue;
    if (j != i) copyEvent(laneAt(l, j), e);
    j++;
  }
  l.len = j; l.dead = 0;
  relocateTimers(l);
}

/** The earliest event: the heap's root or a lane's head (0 when none). */
let earliestLane: i32 = -1;   // which lane earliest() found it in, -1 for the heap
function earliest(): usize {
  let best: usize = len > 0 ? ev(0) : 0;
  let from: i32 = -1;
  for (let i: u32 = 0; i < LANES; i++) {
    let l = lane(i);
    if (l.len == 0) continue;
    let h = laneAt(l, 0);
    if (best == 0 || before(h, best)) { best = h; from = <i32>i; }
  }
  earliestLane = from;
  return best;
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
  if ((i & IN_LANE) == 0) { removeAt(i - 1); return; }
  let l = lane((i & ~IN_LANE) >> LANE_SHIFT);
  changetype<Event>(l.buf + <usize>(i & ((1 << LANE_SHIFT) - 1)) * EV_SIZE).kind = DEAD;
  l.dead++;
  laneTrim(l);
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
export function nextTime(): i64 {
  let e = earliest();
  return e == 0 ? NO_EVENT : changetype<Event>(e).time;
}

// The popped event, copied out so handlers may schedule more.
export const popped = changetype<Event>(memory.data(offsetof<Event>()));

/** A popped timer: its kind without TIMER_BIT, and its socket has no timer pending. */
// @ts-ignore: decorator
@inline function untimer(): void {
  let k = popped.kind;
  if ((k & TIMER_BIT) != 0) {
    popped.kind = k & ~TIMER_BIT;
    store<u32>(where + (<usize>popped.a << 2), 0);
  }
}

/** Removes the earliest event into `popped` (a timer's kind without TIMER_BIT). */
export function pop(): void {
  earliest();
  if (earliestLane >= 0) {
    let l = lane(<u32>earliestLane);
    copyEvent(changetype<usize>(popped), laneAt(l, 0));
    l.head = (l.head + 1) & l.mask;
    l.len--;
    if (l.dead != 0) laneTrim(l);
    untimer();
    return;
  }
  copyEvent(changetype<usize>(popped), ev(0));
  untimer();
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

export function timersBytes(): usize {
  let n = <usize>cap * EV_SIZE + (<usize>whereCap << 2);
  for (let i: u32 = 0; i < LANES; i++) if (lane(i).buf != 0) n += <usize>(lane(i).mask + 1) * EV_SIZE;
  return n;
}
