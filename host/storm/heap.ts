// The storm's own event queue: a binary min-heap over typed arrays (no object per
// event), ordered by time, then by insertion order so that events at the same instant
// run first-in first-out and every run is the same.

export class EventHeap {
  #time = new Float64Array(1024);
  #seq = new Float64Array(1024);
  #kind = new Uint8Array(1024);
  #arg = new Int32Array(1024);
  #n = 0;
  #next = 0;

  get size(): number { return this.#n; }
  /** Time of the earliest event (Infinity when empty). */
  peekTime(): number { return this.#n > 0 ? this.#time[0] : Infinity; }
  peekKind(): number { return this.#kind[0]; }
  peekArg(): number { return this.#arg[0]; }

  push(time: number, kind: number, arg: number): void {
    if (this.#n === this.#time.length) this.#grow();
    let i = this.#n++;
    const seq = this.#next++;
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
