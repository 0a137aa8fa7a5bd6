// A FIFO ring buffer (the accept queue): a read index and a length over an array
// whose capacity is a power of two, doubled when full. push/shift at the ends,
// unshift to put back an entry that accept() could not give a descriptor.

export class Deque {
  /** @type {unknown[]} */
  #buf = new Array(8);
  #mask = 7;
  #head = 0;
  #len = 0;

  get length() { return this.#len; }

  /** @param {unknown} x */
  push(x) {
    if (this.#len > this.#mask) this.#grow();
    this.#buf[(this.#head + this.#len) & this.#mask] = x;
    this.#len++;
  }

  /** The oldest entry, or undefined when empty. */
  shift() {
    if (this.#len === 0) return undefined;
    const x = this.#buf[this.#head];
    this.#buf[this.#head] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.#len--;
    return x;
  }

  /** @param {unknown} x */
  unshift(x) {
    if (this.#len > this.#mask) this.#grow();
    this.#head = (this.#head - 1) & this.#mask;
    this.#buf[this.#head] = x;
    this.#len++;
  }

  #grow() {
    const old = this.#buf, cap = this.#mask + 1;
    const buf = new Array(cap * 2);
    for (let i = 0; i < this.#len; i++) buf[i] = old[(this.#head + i) & this.#mask];
    this.#buf = buf;
    this.#mask = cap * 2 - 1;
    this.#head = 0;
  }
}
