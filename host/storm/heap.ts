// The storm's own event queue: a binary min-heap over typed arrays (no object per
// event), ordered by time, then by insertion order so that events at the same instant
// run first-in first-out and every run is the same.
//
// Lanes (as the kernel's storage/timer_heap.ts): most events are scheduled a fixed
// delay after "now" (a resend after its RTO, a connect timeout), and the clock never goes
// back, so events of one delay arrive in order. Such an event joins a FIFO lane for its
// delay in O(1) instead of sifting through a heap of a million (20 levels); a lane is
// taken by a delay while empty and takes an event only if it is not earlier than its
// last. The earliest event is the earliest of the heap's root and the lane heads, by the
// same (time, insertion) order, so events come out exactly as from one heap.

const LANES = 4;

/** A FIFO of events of one delay: a ring of typed arrays (power-of-two capacity, mask). */
class Lane {
  time = new Float64Array(0);
  seq = new Float64Array(0);
  kind = new Uint8Array(0);
  arg = new Int32Array(0);
  mask = -1;
  head = 0;
  len = 0;
  delay = 0;

  /** Appends (the caller checked order); grows the ring when full. */
  push(time: number, seq: number, kind: number, arg: number): void {
    if (this.len > this.mask) this.#grow();
    const i = (this.head + this.len++) & this.mask;
    this.time[i] = time; this.seq[i] = seq; this.kind[i] = kind; this.arg[i] = arg;
  }

  last(): number { return this.time[(this.head + this.len - 1) & this.mask]; }

  #grow(): void {
    const cap = Math.max(1024, 2 * (this.mask + 1));
    const first = Math.min(this.len, this.mask + 1 - this.head);   // from head to the ring's end
    const unroll = <T extends Float64Array | Uint8Array | Int32Array>(a: T, b: T): T => {
      // the earliest event at index 0
      b.set(a.subarray(this.head, this.head + first) as never);
      b.set(a.subarray(0, this.len - first) as never, first);
      return b;
    };
    this.time = unroll(this.time, new Float64Array(cap));
    this.seq = unroll(this.seq, new Float64Array(cap));
    this.kind = unroll(this.kind, new Uint8Array(cap));
    this.arg = unroll(this.arg, new Int32Array(cap));
    this.mask = cap - 1;
    this.head = 0;
  }
}

export class EventHeap {
  #time = new Float64Array(1024);
  #seq = new Float64Array(1024);
  #kind = new Uint8Array(1024);
  #arg = new Int32Array(1024);
  #n = 0;
  #next = 0;
  #lanes: Lane[] = Array.from({ length: LANES }, () => new Lane());
  #queued = 0;        // heap and lanes
  #from = -2;         // where the earliest event is: -1 the heap, >= 0 a lane, -2 not known

  get size(): number { return this.#queued; }

  /** Time of the earliest event (Infinity when empty). */
  peekTime(): number {
    const from = this.#earliest();
    return from === -1 ? (this.#n > 0 ? this.#time[0] : Infinity) : this.#lanes[from].time[this.#lanes[from].head];
  }
  peekKind(): number { const f = this.#earliest(); return f === -1 ? this.#kind[0] : this.#lanes[f].kind[this.#lanes[f].head]; }
  peekArg(): number { const f = this.#earliest(); return f === -1 ? this.#arg[0] : this.#lanes[f].arg[this.#lanes[f].head]; }

  #earliest(): number {
    if (this.#from !== -2) return this.#from;
    let from = -1, t = this.#n > 0 ? this.#time[0] : Infinity, q = this.#n > 0 ? this.#seq[0] : Infinity;
    for (let i = 0; i < LANES; i++) {
      const l = this.#lanes[i];
      if (l.len === 0) continue;
      const lt = l.time[l.head], lq = l.seq[l.head];
      if (lt < t || (lt === t && lq < q)) { from = i; t = lt; q = lq; }
    }
    return (this.#from = from);
  }

  /** Schedules an event at `time`, `delay` after the caller's now (the lane it may join). */
  push(time: number, kind: number, arg: number, delay: number): void {
    const seq = this.#next++;
    this.#queued++;
    this.#from = -2;
    let free: Lane | null = null;
    for (let i = 0; i < LANES; i++) {
      const l = this.#lanes[i];
      if (l.len === 0) { free ??= l; continue; }
      if (l.delay === delay) {
        if (l.last() <= time) { l.push(time, seq, kind, arg); return; }
        free = null;
        break;
      }
    }
    if (free !== null) { free.delay = delay; free.push(time, seq, kind, arg); return; }
    this.#heapPush(time, seq, kind, arg);
  }

  #heapPush(time: number, seq: number, kind: number, arg: number): void {
    if (this.#n === this.#time.length) this.#grow();
    let i = this.#n++;
    const T = this.#time, S = this.#seq, K = this.#kind, A = this.#arg;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (T[p] < time || (T[p] === time && S[p] < seq)) break;
      T[i] = T[p]; S[i] = S[p]; K[i] = K[p]; A[i] = A[p];
      i = p;
    }
    T[i] = time; S[i] = seq; K[i] = kind; A[i] = arg;
  }

  /** Removes the earliest event (read it with peek* first). */
  pop(): void {
    const from = this.#earliest();
    this.#from = -2;
    this.#queued--;
    if (from >= 0) {
      const l = this.#lanes[from];
      l.head = (l.head + 1) & l.mask;
      l.len--;
      return;
    }
    const n = --this.#n;
    if (n === 0) return;
    const T = this.#time, S = this.#seq, K = this.#kind, A = this.#arg;
    const time = T[n], seq = S[n], kind = K[n], arg = A[n];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && (T[c + 1] < T[c] || (T[c + 1] === T[c] && S[c + 1] < S[c]))) c++;
      if (time < T[c] || (time === T[c] && seq < S[c])) break;
      T[i] = T[c]; S[i] = S[c]; K[i] = K[c]; A[i] = A[c];
      i = c;
    }
    T[i] = time; S[i] = seq; K[i] = kind; A[i] = arg;
  }

  #grow(): void {
    const n = this.#time.length * 2;
    const t = new Float64Array(n); t.set(this.#time); this.#time = t;
    const s = new Float64Array(n); s.set(this.#seq); this.#seq = s;
    const k = new Uint8Array(n); k.set(this.#kind); this.#kind = k;
    const a = new Int32Array(n); a.set(this.#arg); this.#arg = a;
  }
}

/** A growable column of numbers (per-client state, latency samples). */
export class Column<T extends Float64Array | Int32Array | Uint16Array | Uint8Array> {
  constructor(public a: T) {}
  ensure(n: number): void {
    if (n <= this.a.length) return;
    let cap = this.a.length;
    while (cap < n) cap *= 2;
    const b = new (this.a.constructor as new (n: number) => T)(cap);
    b.set(this.a as never);
    this.a = b;
  }
}

/** An append-only list of float64 samples. */
export class Samples {
  #a = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.#a.length) { const b = new Float64Array(this.#a.length * 2); b.set(this.#a); this.#a = b; }
    this.#a[this.length++] = v;
  }
  /** The samples, sorted ascending (a copy). */
  sorted(): Float64Array { return this.#a.slice(0, this.length).sort(); }
  view(): Float64Array { return this.#a.subarray(0, this.length); }
}
