// The descriptor table of the TypeScript model: fd -> socket, with POSIX lowest-free
// allocation. Freed descriptors go into a binary min-heap; every descriptor at or
// above `next` has never been handed out (or was handed back in order), so the
// lowest free one is the heap's minimum, or `next` when the heap is empty.
// Descriptors 0, 1 and 2 are stdio: taken, and not sockets (ENOTSOCK).

/** Marks stdio entries: a descriptor that is open but is not a socket. */
export const STDIO = Symbol('stdio');

export class FdTable {
  /** @type {Array<object | typeof STDIO | undefined>} */
  #entries = [STDIO, STDIO, STDIO];
  /** @type {number[]} min-heap of freed descriptors below #next */
  #free = [];
  #next = 3;
  #used = 3;

  /**
   * Gives the lowest free descriptor to `entry`. Returns it, or -1 when it would
   * reach `limit` (RLIMIT_NOFILE: the highest descriptor number plus one).
   * @param {object} entry
   * @param {number} limit
   */
  alloc(entry, limit) {
    const heap = this.#free;
    const fd = heap.length > 0 ? heap[0] : this.#next;
    if (fd >= limit) return -1;
    if (heap.length > 0) this.#popMin(); else this.#next++;
    this.#entries[fd] = entry;
    this.#used++;
    return fd;
  }

  /** @param {number} fd an open descriptor */
  release(fd) {
    this.#entries[fd] = undefined;
    this.#used--;
    const heap = this.#free;
    // Sift up.
    let i = heap.length;
    heap.push(fd);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p] <= fd) break;
      heap[i] = heap[p];
      i = p;
    }
    heap[i] = fd;
  }

  /** @param {number} fd @returns {object | typeof STDIO | undefined} */
  get(fd) { return this.#entries[fd]; }

  get used() { return this.#used; }

  #popMin() {
    const heap = this.#free;
    const last = heap.pop();
    const n = heap.length;
    if (n === 0) return;
    // Sift `last` down from the root.
    let i = 0;
    while (true) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && heap[r] < heap[l] ? r : l;
      if (heap[m] >= last) break;
      heap[i] = heap[m];
      i = m;
    }
    heap[i] = last;
  }

  /** Debug: every free descriptor is below #next and unused, and the heap is ordered. */
  check() {
    const heap = this.#free;
    for (let i = 0; i < heap.length; i++) {
      if (heap[i] >= this.#next || this.#entries[heap[i]] !== undefined) throw new Error(`fd table: free fd ${heap[i]} is in use or out of range`);
      if (i > 0 && heap[(i - 1) >> 1] > heap[i]) throw new Error('fd table: heap order broken');
    }
    let used = 0;
    for (let fd = 0; fd < this.#next; fd++) if (this.#entries[fd] !== undefined) used++;
    if (used !== this.#used || used + heap.length !== this.#next) throw new Error('fd table: counts disagree');
  }
}
