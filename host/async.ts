// The async layer: blocking semantics on the kernel's readiness interface. One epoll
// instance per kernel watches the descriptors someone is waiting on; after every call
// that can change readiness, one microtask collects the ready ones (O(ready)) and wakes
// their waiters. No polling loop, no timer that spins.
//
// A connect() that found an AF_UNIX listener's queue full waits apart (waitPeer): the
// kernel puts the socket on the listener's peer-wait queue and reports EPOLLPEER once
// an accept (or the listener's close) takes it off (assembly/io/peer_wait.ts), which a
// level-triggered wait could not see (an unconnected socket always polls POLLHUP).
//
// Watchers (watch/unwatch) are the other door, for the `net` facade: a callback per
// descriptor, kept until removed, called from a macrotask as libuv calls its I/O
// callbacks from the poll phase (see IoScheduler). They have their own epoll instance.
//
// Clocks: 'manual' (simulated time moves only when the user advances it), 'auto'
// (simulated; when waiters remain and nothing else is queued, time jumps to the next
// kernel event), 'real' (the kernel's timers are driven by setTimeout).

import type { Kernel } from './kernel.js';
import { EPOLLET, EPOLLPEER } from './constants.js';

export type ClockName = 'manual' | 'auto' | 'real';

/** Rejection for a cancelled wait, shaped like Node's AbortError. */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}

/**
 * Runs the watchers' callbacks. Node runs socket I/O callbacks in the poll phase of its
 * event loop: never in the microtasks of the code that caused them, and, when that
 * code is itself an I/O callback, after the setImmediate callbacks it queued.
 * Libraries count on it: undici reuses a kept-alive socket from a setImmediate
 * (lib/dispatcher/client-h1.js) and opened a connection per request when k.net
 * delivered in microtasks. JS cannot reach the poll phase; the check phase right
 * after it is the nearest: the default queues the callbacks with setImmediate, after
 * one microtask so that an immediate queued in the same breath as a write
 * (`socket.write(x); setImmediate(f)`) runs first, as in Node. Since the callbacks
 * themselves run in the check phase, what they cause runs on the next turn of the
 * loop, as it would in Node. Without setImmediate (browsers, workers): a macrotask.
 * One difference is left: a change made outside any I/O callback (the main script, a
 * timer) is seen after the immediates already queued, where Node's next poll phase
 * would see it before them.
 */
export type IoScheduler = (run: () => void) => void;
const defaultIoScheduler: IoScheduler = typeof globalThis.setImmediate === 'function'
  ? (run) => { queueMicrotask(() => { globalThis.setImmediate(run); }); }
  : (run) => { setTimeout(run, 0); };

/** A watcher's callback: the revents of its descriptor (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP). */
export type IoCallback = (revents: number) => void;
interface Watcher { events: number; cb: IoCallback }

interface Waiter { events: number; resolve: (revents: number) => void; reject: (e: unknown) => void; cleanup: () => void }

const EPOLLIN = 0x1, EPOLLOUT = 0x4, EPOLLERR = 0x8, EPOLLHUP = 0x10, EPOLLRDHUP = 0x2000;
const EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;

/**
 * The waiters of one epoll instance, by descriptor. `extra` is added to every
 * registration; `always` are the revents that wake any waiter (errors and hang-ups for
 * the level-triggered set; nothing for the peer set, whose sockets poll POLLHUP while
 * they wait).
 */
class WaitSet {
  #ep = -1;
  readonly #waiters = new Map<number, Waiter[]>();
  readonly #registered = new Map<number, number>(); // fd -> events registered
  constructor(
    readonly k: Kernel,
    readonly quiet: <T>(fn: () => T) => T,
    readonly extra: number,
    readonly always: number,
  ) {}

  get size(): number { return this.#waiters.size; }
  get pending(): number { let n = 0; for (const w of this.#waiters.values()) n += w.length; return n; }

  #epfd(): number {
    if (this.#ep < 0) this.quiet(() => { this.#ep = this.k.epollCreate(); });
    return this.#ep;
  }

  add(fd: number, w: Waiter): void {
    const list = this.#waiters.get(fd);
    if (list) list.push(w); else this.#waiters.set(fd, [w]);
    let want = this.extra;
    for (const x of this.#waiters.get(fd) ?? []) want |= x.events;
    const had = this.#registered.get(fd);
    if (had === want) return;
    try {
      const ep = this.#epfd();
      this.quiet(() => this.k.epollCtl(ep, had === undefined ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, want, fd));
      this.#registered.set(fd, want);
    } catch (e) {
      // Not a socket (closed meanwhile): wake the waiters with the error.
      const all = this.#waiters.get(fd) ?? [];
      this.#waiters.delete(fd);
      for (const x of all) { x.cleanup(); x.reject(e); }
    }
  }

  remove(fd: number, w: Waiter): void {
    const list = this.#waiters.get(fd);
    if (!list) return;
    const i = list.indexOf(w);
    if (i >= 0) list.splice(i, 1);
    w.cleanup();
    if (list.length === 0) this.#unregister(fd);
  }

  #unregister(fd: number): void {
    this.#waiters.delete(fd);
    if (this.#registered.delete(fd)) {
      const ep = this.#epfd();
      try { this.quiet(() => this.k.epollCtl(ep, EPOLL_CTL_DEL, fd)); } catch { /* already closed */ }
    }
  }

  /** The descriptor was closed under its waiters: they wake with EPOLLERR | EPOLLHUP. */
  closed(fd: number): void {
    const list = this.#waiters.get(fd);
    if (!list) return;
    this.#waiters.delete(fd);
    this.#registered.delete(fd);
    for (const w of list) { w.cleanup(); w.resolve(EPOLLERR | EPOLLHUP); }
  }

  /** Collects the ready descriptors (O(ready)) and wakes their waiters. */
  pump(): void {
    for (let round = 0; round < 64; round++) {
      const ep = this.#epfd();
      const ready = this.quiet(() => this.k.epollWait(ep, 1024));
      let woke = 0;
      for (const { events, data: fd } of ready) {
        const list = this.#waiters.get(fd);
        if (!list) { this.#unregister(fd); continue; }
        const keep: Waiter[] = [];
        for (const w of list) {
          if ((events & (w.events | this.always)) !== 0) { w.cleanup(); w.resolve(events); woke++; }
          else keep.push(w);
        }
        if (keep.length) this.#waiters.set(fd, keep); else this.#unregister(fd);
      }
      if (ready.length < 1024) break;
      if (woke === 0) break;
    }
  }
}

export class Reactor {
  readonly clock: ClockName;
  #k: Kernel;
  /** wait(): level-triggered, errors and hang-ups always count. */
  #level: WaitSet;
  /** waitPeer(): edge-triggered on EPOLLPEER (an unconnected AF_UNIX socket always polls POLLHUP). */
  #peer: WaitSet;
  #scheduled = false;
  #inside = false; // the reactor's own epoll calls change nothing worth a pump
  #timer: ReturnType<typeof setTimeout> | undefined;
  #realStart = 0;
  #simStart = 0;
  #ioEp = -1;
  #watchers = new Map<number, Watcher>();
  #ioScheduled = false;
  /** How watchers' callbacks reach JS (see IoScheduler). */
  ioScheduler: IoScheduler = defaultIoScheduler;

  constructor(k: Kernel, clock: ClockName) {
    this.#k = k;
    this.clock = clock;
    const quiet = <T>(fn: () => T): T => this.#quiet(fn);
    this.#level = new WaitSet(k, quiet, EPOLLRDHUP, EPOLLERR | EPOLLHUP);
    this.#peer = new WaitSet(k, quiet, EPOLLET, 0);
  }

  get pending(): number { return this.#level.pending + this.#peer.pending; }

  /** Whether any promise waits. */
  #waiting(): boolean { return this.#level.size !== 0 || this.#peer.size !== 0; }

  /** Readiness may have changed: collect it in a microtask (coalesced), and for watchers in the I/O phase. */
  changed(): void {
    if (this.#inside) return;
    if (!this.#scheduled && this.#waiting()) {
      this.#scheduled = true;
      queueMicrotask(() => this.#pump());
    }
    if (!this.#ioScheduled && this.#watchers.size !== 0) {
      this.#ioScheduled = true;
      this.ioScheduler(() => this.#ioPump());
    }
  }

  /**
   * Calls `cb(revents)` from the I/O phase whenever fd is ready for any of `events`
   * (errors and hang-ups always count), until unwatch(fd) or close. Level-triggered: a
   * callback that leaves the condition in place is called again on the next turn.
   * Watching again replaces the events and callback.
   */
  watch(fd: number, events: number, cb: IoCallback): void {
    const had = this.#watchers.get(fd);
    if (had && had.events === events) { had.cb = cb; return; }
    const ep = this.#ioEpfd();
    this.#quiet(() => this.#k.epollCtl(ep, had ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, events, fd));
    this.#watchers.set(fd, { events, cb });
    this.changed();
  }

  /** Stops watching fd (a no-op when it is not watched). */
  unwatch(fd: number): void {
    if (!this.#watchers.delete(fd)) return;
    const ep = this.#ioEpfd();
    try { this.#quiet(() => this.#k.epollCtl(ep, EPOLL_CTL_DEL, fd)); } catch { /* already closed */ }
  }

  #ioEpfd(): number {
    if (this.#ioEp < 0) this.#quiet(() => { this.#ioEp = this.#k.epollCreate(); });
    return this.#ioEp;
  }

  #ioPump(): void {
    this.#ioScheduled = false;
    if (this.#watchers.size === 0) return;
    const ready = this.#quiet(() => this.#k.epollWait(this.#ioEp, 1024));
    let done = false;
    try {
      for (const { events, data: fd } of ready) {
        const w = this.#watchers.get(fd);
        if (w && (events & (w.events | EPOLLERR | EPOLLHUP)) !== 0) w.cb(events);
      }
      done = true;
    } finally {
      // More than one batch was ready, or a callback threw (Node reports it as uncaught):
      // the rest go on the next turn.
      if ((!done || ready.length === 1024) && !this.#ioScheduled) { this.#ioScheduled = true; this.ioScheduler(() => this.#ioPump()); }
      this.#arm();
    }
  }

  /** Resolves with the revents once fd is ready for any of `events` (errors and hang-ups always count). */
  wait(fd: number, events: number, signal?: AbortSignal): Promise<number> {
    return this.#enter(this.#level, fd, events, signal);
  }

  /**
   * Resolves once fd, an AF_UNIX socket whose connect() was refused with EAGAIN for a
   * full listener, waits for that listener no more: an accept made room, the listener
   * closed or its backlog grew (Linux unix_wait_for_peer). The caller asks connect() again.
   */
  waitPeer(fd: number, signal?: AbortSignal): Promise<number> {
    return this.#enter(this.#peer, fd, EPOLLPEER, signal);
  }

  #enter(set: WaitSet, fd: number, events: number, signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
    return new Promise<number>((resolve, reject) => {
      const onAbort = () => { set.remove(fd, w); reject(new AbortError(undefined, { cause: signal?.reason })); };
      const w: Waiter = { events, resolve, reject, cleanup: () => signal?.removeEventListener('abort', onAbort) };
      signal?.addEventListener('abort', onAbort, { once: true });
      set.add(fd, w);
      this.changed();
    });
  }

  /** Wakes every waiter of fd with an error (the descriptor was closed under them). */
  closed(fd: number): void {
    this.#watchers.delete(fd); // the kernel drops a closed descriptor from every epoll set, as Linux does
    this.#level.closed(fd);
    this.#peer.closed(fd);
  }

  #quiet<T>(fn: () => T): T {
    const was = this.#inside;
    this.#inside = true;
    try { return fn(); } finally { this.#inside = was; }
  }

  #pump(): void {
    this.#scheduled = false;
    if (this.#level.size !== 0) this.#level.pump();
    if (this.#peer.size !== 0) this.#peer.pump();
    this.#arm();
  }

  /** Moves time for the 'auto' and 'real' clocks when waiters remain. */
  #arm(): void {
    if ((!this.#waiting() && this.#watchers.size === 0) || this.clock === 'manual') return;
    const next = this.#k.nextTimer();
    if (next === null) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.clock === 'auto') {
      // After everything already queued has run, jump to the next kernel event.
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        if (this.#waiting() || this.#watchers.size) this.#k.advance(this.#k.nextTimer() ?? 0);
      }, 0);
      this.#unrefUnlessAwaited();
      return;
    }
    if (this.#realStart === 0) { this.#realStart = performance.now(); this.#simStart = this.#k.now(); }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const target = this.#simStart + (performance.now() - this.#realStart);
      if (target > this.#k.now()) this.#k.advance(target - this.#k.now());
      this.changed();
      this.#arm();
    }, Math.max(0, next));
    this.#unrefUnlessAwaited();
  }

  // A promise someone awaits keeps the process alive while kernel time must move for it;
  // watchers do not: the `net` facade holds its own references, as libuv handles do
  // (a socket in TIME_WAIT does not keep a Node process alive).
  #unrefUnlessAwaited(): void {
    if (!this.#waiting()) (this.#timer as { unref?: () => void } | undefined)?.unref?.();
  }
}
