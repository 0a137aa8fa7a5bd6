// The storm simulator: a discrete-event simulation that runs clients and a server on
// the socket kernel and merges the kernel's next timer with its own event heap
// (arrivals, service completions, client timeouts, retries, samples).
//
// Speed: clients are opened with connectBatch, readiness comes from epoll (only
// sockets that changed are visited), per-client state lives in typed arrays, and no
// step scans the clients. Time is integer microseconds, the kernel's own unit.
// Deterministic: no wall clock and no Math.random inside the simulation; the wall
// clock only decides when step() returns to its caller.
//
// Platform-neutral: no node: imports (issue 14 runs it in a Web Worker).

import type { Kernel } from '../kernel.js';
import {
  AF_INET, SOCK_STREAM, SOCK_NONBLOCK, SOL_SOCKET, SO_ERROR, IPPROTO_TCP, TCP_DEFER_ACCEPT, SO_ACCEPTFILTER,
  EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP, EPOLLET, EPOLL_CTL_ADD, EPOLL_CTL_MOD,
} from '../constants.js';
import { Errno } from '../errors.js';
import { EventHeap, Column, Samples } from './heap.js';
import { Network } from './network.js';
import { Random } from './random.js';
import { clientBound, normalizeScenario, type Scenario } from './scenario.js';
import { buildResult, type RawRun, type StormResult } from './report.js';

/** Why a client ended; index into OUTCOMES. */
export const OUTCOMES = ['served', 'refused', 'timedOut', 'abandoned', 'reset', 'unserved', 'pending', 'noPort', 'localError'] as const;
export type OutcomeName = (typeof OUTCOMES)[number];
const enum O { NONE = -1, SERVED = 0, REFUSED, TIMED_OUT, ABANDONED, RESET, UNSERVED, PENDING, NO_PORT, LOCAL_ERROR }

const enum St { WAITING = 0, CONNECTING, CONNECTED, BACKOFF, DONE }
const enum Ev { ARRIVAL = 0, START, TIMEOUT, SERVICE, SAMPLE, RESEND }
const enum Tag { CLIENT = 0, REQUEST = 1, CLOSING = 2, LISTENER = 3 }

const MAX_SAMPLES = 4096;
// A request that send() refused with EAGAIN (a syncookie client whose ACK found the
// accept queue full, docs/network.md R4) is sent again on the client's retransmission
// timer: Linux TCP_RTO_MIN 200 ms (include/net/tcp.h), doubled each time up to
// TCP_RTO_MAX 120 s, at most tcp_retries2 = 15 times (tcp_write_timeout), then the
// connection times out. (The kernel's own RTO for such a client adds its handshake RTT
// to the 200 ms, docs/network.md R5: 2 ms more over the default 1 ms link.)
const RTO_MIN_US = 200_000, RTO_MAX_US = 120_000_000, RETRIES2 = 15;

export interface Progress {
  /** Simulated time reached, ms. */
  simulatedMs: number;
  /** Clients with a final outcome. */
  finished: number;
  /** Clients expected (open models: an estimate until arrivals end). */
  total: number;
  /** 0..1, for a progress bar. */
  fraction: number;
}

export interface StormOptions {
  /** Called at most every progressEveryMs of wall time, and once at the end. */
  onProgress?: (p: Progress) => void;
  progressEveryMs?: number;
}

/** A result before the end (Storm.snapshot): endReason 'running'. */
export type StormSnapshot = Omit<StormResult, 'endReason'> & { endReason: StormResult['endReason'] | 'running' };

/** Thrown by runStorm when its signal aborts. */
export class StormCancelled extends Error {
  readonly code = 'ABORT_ERR';
  constructor() { super('the storm was cancelled'); this.name = 'AbortError'; }
}

/**
 * One simulation. `step(ms)` runs for about ms of wall time and returns true when the
 * run is over; `result()` then gives the report. Stepping in slices changes nothing in
 * the result: a slice ends only between two simulated instants.
 */
export class Storm {
  readonly scenario: Scenario;
  readonly k: Kernel;
  readonly net: Network;
  #s: Scenario;
  #opts: StormOptions;
  #heap = new EventHeap();
  #realEvents = 0;        // heap events other than samples (samples alone keep nothing alive)
  #now = 0;               // µs
  #ended: RawRun['endReason'] | null = null;
  #started = false;
  #lastProgress = -Infinity;

  // The server's host and the client hosts (network.ts; over loopback all one kernel).
  // Each host keeps its own epoll, as processes on separate machines would.
  #srv: Kernel;
  #cli: Kernel[];     // by client group
  #lfd = -1;
  #ep = -1;           // the server's epoll: listener and accepted connections
  #cep: Int32Array;   // each client host's epoll (loopback: one, index 0)
  #epOf: number;      // 0 over loopback (one epoll for every group), else 0xffff: the group's own
  #hostGroup: Int32Array;   // host id -> client group (-1: not a client host)
  #readyHosts = new Uint32Array(4096);
  #openFds = new Int32Array(65536);
  #openGroups = new Uint16Array(65536);

  // per client (index = client number)
  #created = 0;
  #finished = 0;
  #connecting = 0;
  #intended = new Column(new Float64Array(1024));
  #connectedAt = new Column(new Float64Array(1024));
  #joinedAt = new Column(new Float64Array(1024));   // when the connection joined the accept queue
  #deadline = new Column(new Float64Array(1024));
  #fd = new Column(new Int32Array(1024));
  #group = new Column(new Uint16Array(1024));
  #got = new Column(new Int32Array(1024));
  #user = new Column(new Int32Array(1024));
  #attempts = new Column(new Uint8Array(1024));
  #resends = new Column(new Uint8Array(1024));
  #state = new Column(new Uint8Array(1024));
  #outcome = new Column(new Uint8Array(1024));
  #arrivalsDone = false;
  #arrivalRng: Random;
  #serviceRng: Random;
  #thinkRng: Random;

  // per server-side descriptor
  #sAcceptAt: Float64Array;
  #sGot: Int32Array;
  #sClient: Int32Array;
  #sWorker: Int32Array;
  #sReg: Uint8Array;
  #sNext: Int32Array;

  // workers
  #wFd: Int32Array;
  #idle: Int32Array;
  #idleTop = 0;
  #wHead: Int32Array;
  #wTail: Int32Array;
  #appQueued = 0;

  // measurements (µs)
  #connectLat = new Samples();
  #requestLat = new Samples();
  #acceptQ = new Samples();
  #wait = new Samples();
  #attemptsTotal = 0;
  #resendsTotal = 0;
  #retries = 0;
  #sampleUs: number;
  #series = { t: new Samples(), acceptQueue: new Samples(), synQueue: new Samples(), busy: new Samples(), connecting: new Samples(), appQueue: new Samples() };
  #req: Uint8Array;
  #resp: Uint8Array;
  #rbuf = new Uint8Array(65536);
  #evEvents = new Uint32Array(65536);
  #evData = new Float64Array(65536);

  constructor(module: WebAssembly.Module, scenario: unknown, options: StormOptions = {}) {
    const s = normalizeScenario(scenario);
    this.scenario = s;
    this.#s = s;
    this.#opts = options;
    const bound = clientBound(s);
    const maxFds = Math.min(1 << 24, 2 * bound + 1024);
    this.net = new Network(module, s, bound, maxFds);
    this.k = this.net.root;
    this.#srv = this.net.server;
    this.#cli = this.net.clients;
    const epolls = this.net.mode === 'loopback' ? 1 : this.net.groups;
    this.#epOf = this.net.mode === 'loopback' ? 0 : 0xffff;
    this.#cep = new Int32Array(epolls).fill(-1);
    this.#hostGroup = new Int32Array(this.k.hostCount()).fill(-1);
    if (this.net.mode === 'hosts') this.#cli.forEach((h, g) => { this.#hostGroup[h.hostId] = g; });
    this.#arrivalRng = new Random(s.seed, 1);
    this.#serviceRng = new Random(s.seed, 2);
    this.#thinkRng = new Random(s.seed, 3);
    this.#sAcceptAt = new Float64Array(maxFds);
    this.#sGot = new Int32Array(maxFds);
    this.#sClient = new Int32Array(maxFds);
    this.#sWorker = new Int32Array(maxFds);
    this.#sReg = new Uint8Array(maxFds);
    this.#sNext = new Int32Array(maxFds);
    const W = s.server.workers;
    this.#wFd = new Int32Array(W).fill(-1);
    this.#idle = new Int32Array(W);
    for (let w = W - 1; w >= 0; w--) this.#idle[this.#idleTop++] = w;   // worker 0 on top
    this.#wHead = new Int32Array(W).fill(-1);
    this.#wTail = new Int32Array(W).fill(-1);
    this.#sampleUs = Math.max(1, Math.round(s.run.sampleMs * 1000));
    this.#req = new Uint8Array(s.clients.requestBytes);
    this.#resp = new Uint8Array(s.server.responseBytes);
  }

  /** Simulated time, ms. */
  get nowMs(): number { return this.#now / 1000; }
  get done(): boolean { return this.#ended !== null; }

  progress(): Progress {
    const c = this.#s.clients;
    const total = this.#arrivalsDone ? this.#created : Math.max(this.#created, Math.round(c.arrival === 'burst' ? c.count : clientBound(this.#s) / 1.2));
    let fraction = total > 0 ? this.#finished / total : 0;
    if (c.arrival === 'closed') fraction = Math.min(1, this.#now / 1000 / c.durationMs);
    if (this.#ended) fraction = 1;
    return { simulatedMs: this.#now / 1000, finished: this.#finished, total, fraction };
  }

  /** Runs for about `budgetMs` of wall time; true once the simulation has ended. */
  step(budgetMs = Infinity): boolean {
    if (this.#ended) return true;
    const t0 = performance.now();
    if (!this.#started) this.#start();
    const k = this.k, horizon = Math.round(this.#s.run.horizonMs * 1000);
    for (let iter = 1; ; iter++) {
      this.#settle();
      if (this.#arrivalsDone && this.#finished === this.#created) { this.#end('done'); break; }
      const kt = k.nextTimer();
      if (kt === null && this.#realEvents === 0) { this.#end('idle'); break; }
      const target = Math.min(kt === null ? Infinity : this.#now + Math.round(kt * 1000), this.#heap.peekTime());
      if (target > horizon) { k.advance((horizon - this.#now) / 1000); this.#now = horizon; this.#settle(); this.#end('horizon'); break; }
      if (target > this.#now) { k.advance((target - this.#now) / 1000); this.#now = target; }
      else k.advance(0);
      if ((iter & 63) === 0) {
        const t = performance.now();
        if (this.#opts.onProgress && t - this.#lastProgress >= (this.#opts.progressEveryMs ?? 100)) {
          this.#lastProgress = t;
          this.#opts.onProgress(this.progress());
        }
        if (t - t0 >= budgetMs) return false;
      }
    }
    this.#opts.onProgress?.(this.progress());
    return true;
  }

  /** Runs to the end synchronously and returns the result. */
  run(): StormResult {
    while (!this.step()) { /* one slice is the whole run */ }
    return this.result();
  }

  result(): StormResult {
    if (!this.#ended) throw new Error('result() before the storm has ended: call step() until it returns true');
    return buildResult(this.#raw(this.#ended));
  }

  /**
   * The result so far, while the run goes on (the browser page's live charts): the same
   * schema, endReason 'running', clients in flight counted as pending or unserved. O(n).
   */
  snapshot(): StormSnapshot {
    if (this.#ended) return this.result();
    return { ...buildResult(this.#raw('horizon')), endReason: 'running' };
  }

  #raw(endReason: RawRun['endReason']): RawRun {
    const outcomes = {} as Record<OutcomeName, number>;
    for (const o of OUTCOMES) outcomes[o] = 0;
    const out = this.#outcome.a, st = this.#state.a, ended = this.#ended !== null;
    for (let i = 0; i < this.#created; i++) {
      const o = ended || st[i] === St.DONE ? out[i] : st[i] === St.CONNECTED ? O.UNSERVED : O.PENDING;
      outcomes[OUTCOMES[o]]++;
    }
    const q = this.#lfd < 0 ? { sendQ: 0 } : this.#srv.listenQueues(this.#lfd);
    return {
      scenario: this.#s,
      endReason,
      simulatedUs: this.#now,
      clients: this.#created,
      outcomes,
      attempts: this.#attemptsTotal,
      retries: this.#retries,
      requestResends: this.#resendsTotal,
      groups: this.net.groups,
      portsPerGroup: this.net.portsPerGroup,
      portsExhausted: this.net.exhausted,
      connectUs: this.#connectLat.sorted(),
      requestUs: this.#requestLat.sorted(),
      acceptQueueUs: this.#acceptQ.sorted(),
      waitUs: this.#wait.sorted(),
      sampleUs: this.#sampleUs,
      series: {
        t: this.#series.t.view(), acceptQueue: this.#series.acceptQueue.view(), synQueue: this.#series.synQueue.view(),
        busy: this.#series.busy.view(), connecting: this.#series.connecting.view(), appQueue: this.#series.appQueue.view(),
      },
      counters: this.#srv.stats(),
      network: this.net.counters(),
      backlogInForce: q.sendQ,
    };
  }

  // ---- the loop ---------------------------------------------------------------

  /** Handles everything due at the current instant, until nothing more happens now. */
  #settle(): void {
    for (;;) {
      let n = this.#drainEpoll();
      while (this.#heap.size > 0 && this.#heap.peekTime() <= this.#now) {
        const kind = this.#heap.peekKind(), arg = this.#heap.peekArg();
        this.#heap.pop();
        if (kind !== Ev.SAMPLE) this.#realEvents--;
        this.#event(kind, arg);
        n++;
      }
      if (n === 0) return;
    }
  }

  #schedule(at: number, kind: Ev, arg: number): void {
    if (kind !== Ev.SAMPLE) this.#realEvents++;
    this.#heap.push(at, kind, arg);
  }

  #end(reason: RawRun['endReason']): void {
    this.#ended = reason;
    this.#sample();
    const st = this.#state.a, out = this.#outcome.a;
    // Clients still in flight when the clock stopped (O(n) once, at the end).
    for (let i = 0; i < this.#created; i++) {
      if (st[i] === St.DONE) continue;
      out[i] = st[i] === St.CONNECTED ? O.UNSERVED : O.PENDING;
    }
  }

  #start(): void {
    this.#started = true;
    const k = this.#srv, s = this.#s;
    const lfd = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    k.bind(lfd, this.net.listenAddress(s.server.port));
    k.listen(lfd, s.server.backlog);
    if (s.server.deferAccept > 0) {
      // Linux TCP_DEFER_ACCEPT (tcp(7)); FreeBSD accept_filter(9) "dataready" (accf_data).
      if (s.server.personality === 'linux') k.setsockopt(lfd, IPPROTO_TCP, TCP_DEFER_ACCEPT, s.server.deferAccept);
      else k.setsockopt(lfd, SOL_SOCKET, SO_ACCEPTFILTER, { name: 'dataready' });
    }
    this.#lfd = lfd;
    this.#ep = k.epollCreate();
    // Edge-triggered: a worker that falls idle looks at the queue itself (#nextConn), so the
    // listener only needs to say when a connection arrives while some worker is idle.
    k.epollCtl(this.#ep, EPOLL_CTL_ADD, lfd, EPOLLIN | EPOLLET, Tag.LISTENER);
    for (let e = 0; e < this.#cep.length; e++) this.#cep[e] = this.#cli[e].epollCreate();
    this.#schedule(0, Ev.SAMPLE, 0);
    const c = s.clients;
    if (c.arrival === 'burst') {
      const n = c.count;
      this.#grow(n);
      this.#created = n;
      this.#arrivalsDone = true;
      for (let i = 0; i < n; i++) this.#user.a[i] = -1;
      // Open them in slices, so the kernel's batch buffer stays small.
      for (let first = 0; first < n; first += 65536) {
        const m = Math.min(65536, n - first);
        this.net.open(m, this.#openFds, this.#openGroups);
        for (let j = 0; j < m; j++) this.#opened(first + j, this.#openFds[j], this.#openGroups[j]);
      }
    } else if (c.arrival === 'closed') {
      this.#arrivalsDone = false;
      for (let u = 0; u < c.users; u++) {
        // Users start spread over one think time, not all at once.
        this.#newClient(this.#thinkRng.open01() * c.thinkMs * 1000, u);
      }
    } else {
      this.#nextArrival(0);
    }
  }

  /** The next open-model arrival after time t (µs), or the end of arrivals. */
  #nextArrival(t: number): void {
    const c = this.#s.clients, end = c.durationMs * 1000;
    if (c.arrival === 'poisson') {
      t += this.#arrivalRng.exponential(1e6 / c.rate);
    } else {
      // A linear ramp from rampFrom to rate: a nonhomogeneous Poisson process drawn by
      // thinning (Lewis & Shedler 1979) against the larger of the two rates.
      const max = Math.max(c.rampFrom, c.rate);
      for (;;) {
        t += this.#arrivalRng.exponential(1e6 / max);
        if (t >= end) break;
        const rate = c.rampFrom + (c.rate - c.rampFrom) * (t / end);
        if (this.#arrivalRng.open01() * max < rate) break;
      }
    }
    t = Math.round(t);
    if (t >= end) { this.#arrivalsDone = true; return; }
    this.#schedule(t, Ev.ARRIVAL, 0);
  }

  #grow(n: number): void {
    for (const col of [this.#intended, this.#connectedAt, this.#joinedAt, this.#deadline, this.#fd, this.#group, this.#got, this.#user, this.#attempts, this.#resends, this.#state, this.#outcome] as Column<Float64Array | Int32Array | Uint16Array | Uint8Array>[]) col.ensure(n);
  }

  /** A new client (request) whose intended start is `at`; user -1 for open models. */
  #newClient(at: number, user: number): number {
    const id = this.#created++;
    if (id >= 0x1fffffff) throw new RangeError('storm: more than 536870911 clients in one run');
    this.#grow(id + 1);
    this.#intended.a[id] = Math.round(at);
    this.#user.a[id] = user;
    this.#state.a[id] = St.WAITING;
    this.#attempts.a[id] = 0;
    this.#schedule(Math.round(at), Ev.START, id);
    return id;
  }

  #event(kind: number, arg: number): void {
    switch (kind) {
      case Ev.ARRIVAL: {
        this.#newClient(this.#now, -1);        // its START runs in this same instant
        this.#nextArrival(this.#now);
        break;
      }
      case Ev.START: {
        if (this.#state.a[arg] === St.WAITING || this.#state.a[arg] === St.BACKOFF) {
          this.net.open(1, this.#openFds, this.#openGroups);
          this.#opened(arg, this.#openFds[0], this.#openGroups[0]);
        }
        break;
      }
      case Ev.TIMEOUT: {
        // The client's own connect timeout: it gives up (closes while SYN_SENT).
        if (this.#state.a[arg] !== St.CONNECTING || this.#deadline.a[arg] !== this.#now) break;
        this.#closeClient(arg);
        this.#connecting--;
        this.#fail(arg, O.ABANDONED);
        break;
      }
      case Ev.SERVICE: this.#serviceDone(arg); break;
      case Ev.RESEND: if (this.#state.a[arg] === St.CONNECTED && this.#got.a[arg] < 0 && this.#deadline.a[arg] === this.#now) this.#sendRequest(arg); break;
      case Ev.SAMPLE: {
        this.#sample();
        if (this.#series.t.length >= MAX_SAMPLES) this.#decimate();
        this.#schedule(this.#now + this.#sampleUs, Ev.SAMPLE, 0);
        break;
      }
    }
  }

  #sample(): void {
    const q = this.#srv.listenQueues(this.#lfd), S = this.#series;
    S.t.push(this.#now); S.acceptQueue.push(q.recvQ); S.synQueue.push(q.synRecv);
    S.busy.push(this.#wFd.length - this.#idleTop); S.connecting.push(this.#connecting); S.appQueue.push(this.#appQueued);
  }

  /** Keeps every other sample and doubles the period: the series stays bounded. */
  #decimate(): void {
    for (const col of Object.values(this.#series)) {
      const v = col.view();
      let j = 0;
      for (let i = 0; i < v.length; i += 2) v[j++] = v[i];
      col.length = j;
    }
    this.#sampleUs *= 2;
  }

  // ---- clients ------------------------------------------------------------------

  /** Client `id` got descriptor `fd` of client group `g` (or -errno) for its next attempt. */
  #opened(id: number, fd: number, g: number): void {
    this.#attempts.a[id]++;
    this.#attemptsTotal++;
    if (fd < 0) {
      this.#fail(id, fd === -Errno.EADDRNOTAVAIL ? O.NO_PORT : O.LOCAL_ERROR);
      return;
    }
    this.#fd.a[id] = fd;
    this.#group.a[id] = g;
    this.#got.a[id] = 0;
    this.#state.a[id] = St.CONNECTING;
    this.#connecting++;
    this.#cli[g].epollCtl(this.#cep[g & this.#epOf], EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, id * 4 + Tag.CLIENT);
    const t = this.#s.clients.connectTimeoutMs;
    if (t > 0) {
      const at = this.#now + Math.round(t * 1000);
      this.#deadline.a[id] = at;
      this.#schedule(at, Ev.TIMEOUT, id);
    }
  }

  #clientEvent(id: number, ev: number): void {
    const st = this.#state.a[id];
    if (st !== St.CONNECTING && st !== St.CONNECTED) return;
    const k = this.#cli[this.#group.a[id]], fd = this.#fd.a[id];
    if ((ev & EPOLLERR) !== 0 || (st === St.CONNECTING && (ev & EPOLLHUP) !== 0)) {
      const err = k.getsockopt(fd, SOL_SOCKET, SO_ERROR);
      this.#closeClient(id);
      if (st === St.CONNECTING) this.#connecting--;
      this.#fail(id, err === Errno.ECONNREFUSED ? O.REFUSED : err === Errno.ETIMEDOUT ? O.TIMED_OUT : O.RESET);
      return;
    }
    if (st === St.CONNECTED && this.#got.a[id] < 0 && (ev & EPOLLOUT) !== 0) {
      // A cookie connection the server now has a socket for (the kernel wakes the client):
      // the request waiting for its resend goes now; the pending RESEND is void.
      this.#deadline.a[id] = -1;
      this.#joinedAt.a[id] = this.#now;   // the wake comes as the ACK joins the queue
      if (!this.#sendRequest(id)) return;
    }
    if (st === St.CONNECTING && (ev & EPOLLOUT) !== 0) {
      this.#connecting--;
      this.#state.a[id] = St.CONNECTED;
      this.#connectedAt.a[id] = this.#now;
      // The final ACK joins the accept queue one one-way latency later (or, if it finds
      // the queue full on the cookie path, when a resend's ACK finds room: above).
      this.#joinedAt.a[id] = this.#now + this.net.oneWayUs;
      this.#connectLat.push(this.#now - this.#intended.a[id]);
      this.#resends.a[id] = 0;
      if (!this.#sendRequest(id)) return;
    }
    if (this.#state.a[id] === St.CONNECTED && this.#got.a[id] >= 0 && (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) !== 0) {
      const n = k.sys.recv(fd, this.#rbuf);
      if (n === -Errno.EAGAIN) return;
      if (n < 0) { this.#closeClient(id); this.#fail(id, O.RESET); return; }
      const got = (this.#got.a[id] += n);
      if (got >= this.#s.server.responseBytes) {
        this.#requestLat.push(this.#now - this.#intended.a[id]);
        this.#closeClient(id);             // the client closes first: TIME_WAIT is the client's
        this.#finish(id, O.SERVED);
      } else if (n === 0) {
        this.#closeClient(id);             // end of file before the whole response
        this.#fail(id, O.RESET);
      }
    }
  }

  /**
   * Client id sends its request; false if the connection ended. #got is -1 while the
   * request waits for its resend (EAGAIN: the server has no socket for it yet).
   */
  #sendRequest(id: number): boolean {
    // The request names its client in its first 4 bytes, so the server side can
    // tell how long this connection waited.
    const r = this.#req;
    r[0] = id & 255; r[1] = (id >>> 8) & 255; r[2] = (id >>> 16) & 255; r[3] = id >>> 24;
    // (the errno API: a reset here is common, and a thrown error costs more than the call)
    const n = this.#cli[this.#group.a[id]].sys.send(this.#fd.a[id], r);
    if (n === -Errno.EAGAIN) {
      const tries = this.#resends.a[id]++;
      if (tries >= RETRIES2) { this.#closeClient(id); this.#fail(id, O.TIMED_OUT); return false; }
      this.#got.a[id] = -1;
      this.#resendsTotal++;
      const at = this.#now + Math.min(RTO_MAX_US, RTO_MIN_US * 2 ** tries);
      this.#deadline.a[id] = at;     // (the connect deadline is spent once connected)
      this.#schedule(at, Ev.RESEND, id);
      return false;
    }
    if (n < 0) { this.#closeClient(id); this.#fail(id, O.RESET); return false; }
    this.#got.a[id] = 0;
    return true;
  }

  /** Closes client id's descriptor on its host. */
  #closeClient(id: number): void {
    const g = this.#group.a[id];
    this.#cli[g].sys.close(this.#fd.a[id]);
  }

  /** A failed attempt: retry after backoff while retries remain, else the final outcome. */
  #fail(id: number, o: O): void {
    const c = this.#s.clients, n = this.#attempts.a[id];
    if (n <= c.retries && o !== O.LOCAL_ERROR) {
      this.#retries++;
      this.#state.a[id] = St.BACKOFF;
      this.#schedule(this.#now + Math.round(c.backoffMs * 1000 * 2 ** (n - 1)), Ev.START, id);
      return;
    }
    this.#finish(id, o);
  }

  #finish(id: number, o: O): void {
    this.#state.a[id] = St.DONE;
    this.#outcome.a[id] = o;
    this.#finished++;
    const u = this.#user.a[id], c = this.#s.clients;
    if (u >= 0) {
      // Closed model: the user thinks, then asks again, until the duration is over.
      const next = this.#now + this.#thinkRng.exponential(c.thinkMs * 1000);
      if (next < c.durationMs * 1000) this.#newClient(next, u);
      else if (this.#finished === this.#created) this.#arrivalsDone = true;
    }
  }

  // ---- readiness ----------------------------------------------------------------

  /** Handles what both epolls report; returns how many events there were. */
  #drainEpoll(): number {
    if (this.net.mode === 'loopback') return this.#drain(this.#cli[0], this.#cep[0]) + this.#drain(this.#srv, this.#ep);
    // Only the client hosts whose epolls gained a ready item (the kernel keeps the list):
    // O(hosts with events), not O(client hosts), per instant.
    let n = 0;
    const R = this.#readyHosts;
    for (;;) {
      const m = this.k.epollReadyHosts(R);
      for (let i = 0; i < m; i++) {
        const g = this.#hostGroup[R[i]];
        if (g >= 0) n += this.#drain(this.#cli[g], this.#cep[g]);
      }
      if (m < R.length) break;
    }
    return n + this.#drain(this.#srv, this.#ep);
  }

  #drain(k: Kernel, ep: number): number {
    let n = 0;
    const E = this.#evEvents, D = this.#evData;
    for (;;) {
      const m = k.epollWaitInto(ep, E, D);
      for (let i = 0; i < m; i++) {
        const events = E[i], data = D[i];
        const tag = data & 3, x = data >> 2;
        if (tag === Tag.CLIENT) this.#clientEvent(x, events);
        else if (tag === Tag.LISTENER) this.#acceptReady();
        else if (tag === Tag.REQUEST) { if (this.#sReg[x] === Tag.REQUEST + 1 && this.#wFd[this.#sWorker[x]] === x) this.#readRequest(this.#sWorker[x], x); }
        else this.#closeServerSide(x);
      }
      n += m;
      if (m < E.length) return n;
    }
  }

  // ---- server -------------------------------------------------------------------

  #acceptReady(): void {
    if (this.#idleTop === 0) return;
    if (this.#s.server.accept === 'blocking') {
      // Each idle worker blocked in accept() takes one connection, in FIFO order.
      while (this.#idleTop > 0) {
        const want = this.#idleTop;
        const fds = this.#srv.acceptBatch(this.#lfd, want);
        for (let i = 0; i < fds.length; i++) {
          this.#accepted(fds[i]);
          this.#startConn(this.#idle[--this.#idleTop], fds[i]);
        }
        if (fds.length < want) break;
      }
    } else {
      const w = this.#idle[--this.#idleTop];
      this.#wFd[w] = -2; // busy while it drains
      if (!this.#drainInto(w)) { this.#wFd[w] = -1; this.#idle[this.#idleTop++] = w; return; }
      this.#nextConn(w);
    }
  }

  /** epoll mode: worker w accepts everything queued into its own list. False if nothing was. */
  #drainInto(w: number): boolean {
    let any = false;
    for (;;) {
      const fds = this.#srv.acceptBatch(this.#lfd, 4096);
      for (let i = 0; i < fds.length; i++) {
        const fd = fds[i];
        this.#accepted(fd);
        this.#sNext[fd] = -1;
        if (this.#wTail[w] < 0) this.#wHead[w] = fd; else this.#sNext[this.#wTail[w]] = fd;
        this.#wTail[w] = fd;
        this.#appQueued++;
        any = true;
      }
      if (fds.length < 4096) return any;
    }
  }

  #accepted(fd: number): void {
    this.#sAcceptAt[fd] = this.#now;
    this.#sGot[fd] = 0;
    this.#sClient[fd] = -1;
    this.#sReg[fd] = 0;
  }

  #startConn(w: number, fd: number): void {
    this.#wFd[w] = fd;
    this.#sWorker[fd] = w;
    this.#readRequest(w, fd);
  }

  /** The worker reads its connection's request; service starts once all of it is in. */
  #readRequest(w: number, fd: number): void {
    const k = this.#srv, data = this.#rbuf;
    const n = k.sys.recv(fd, data);
    if (n === -Errno.EAGAIN) { this.#watch(fd, EPOLLIN | EPOLLRDHUP, Tag.REQUEST); return; }
    if (n <= 0) { k.sys.close(fd); this.#sReg[fd] = 0; this.#nextConn(w); return; }  // reset or gone
    const prev = this.#sGot[fd];
    if (prev < 4) {
      // The client's number is in the request's first 4 bytes (little-endian).
      let id = prev === 0 ? 0 : this.#sClient[fd];
      for (let i = 0; i < Math.min(4 - prev, n); i++) id |= data[i] << (8 * (prev + i));
      this.#sClient[fd] = id;
    }
    this.#sGot[fd] = prev + n;
    if (this.#sGot[fd] < this.#s.clients.requestBytes) { this.#watch(fd, EPOLLIN | EPOLLRDHUP, Tag.REQUEST); return; }
    this.#beginService(w, fd);
  }

  /** Watches a server-side descriptor; #sReg[fd] remembers for what (0 nothing, else the tag + 1). */
  #watch(fd: number, events: number, tag: Tag): void {
    this.#srv.epollCtl(this.#ep, this.#sReg[fd] ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, events | EPOLLET, fd * 4 + tag);
    this.#sReg[fd] = tag + 1;
  }

  #beginService(w: number, fd: number): void {
    const id = this.#sClient[fd];
    if (id >= 0 && id < this.#created) {
      const queued = this.#joinedAt.a[id];
      this.#acceptQ.push(Math.max(0, this.#sAcceptAt[fd] - queued));
      this.#wait.push(Math.max(0, this.#now - queued));
    }
    const sv = this.#s.server, mean = sv.serviceMs * 1000;
    let t: number;
    if (sv.service === 'fixed') t = mean;
    else if (sv.service === 'exponential') t = this.#serviceRng.exponential(mean);
    else {
      // lognormal with the given mean: mu = ln(mean) - sigma^2 / 2
      const sig = sv.serviceSigma;
      t = Math.exp(Math.log(mean) - (sig * sig) / 2 + sig * this.#serviceRng.normal());
    }
    this.#schedule(this.#now + Math.round(t), Ev.SERVICE, w);
  }

  #serviceDone(w: number): void {
    const fd = this.#wFd[w];
    const n = this.#srv.sys.send(fd, this.#resp);
    if (n === this.#resp.length) this.#watch(fd, EPOLLIN | EPOLLRDHUP, Tag.CLOSING);   // close once the client has
    else {
      // The client reset (n < 0); a partial send cannot happen: responseBytes <= 65536
      // fits in the socket buffers (scenario.ts).
      this.#srv.sys.close(fd); this.#sReg[fd] = 0;
    }
    this.#nextConn(w);
  }

  #closeServerSide(fd: number): void {
    if (this.#sReg[fd] !== Tag.CLOSING + 1) return;   // already closed in this batch
    if (this.#srv.sys.recv(fd, this.#rbuf) === -Errno.EAGAIN) return;
    this.#srv.sys.close(fd);
    this.#sReg[fd] = 0;
  }

  /** Worker w is free: its own list first (epoll mode), then the accept queue. */
  #nextConn(w: number): void {
    this.#wFd[w] = -1;
    const epoll = this.#s.server.accept === 'epoll';
    if (epoll && this.#wHead[w] < 0) this.#drainInto(w);
    if (epoll && this.#wHead[w] >= 0) {
      const fd = this.#wHead[w];
      this.#wHead[w] = this.#sNext[fd];
      if (this.#wHead[w] < 0) this.#wTail[w] = -1;
      this.#appQueued--;
      this.#startConn(w, fd);
      return;
    }
    if (!epoll) {
      const fds = this.#srv.acceptBatch(this.#lfd, 1);
      if (fds.length === 1) { this.#accepted(fds[0]); this.#startConn(w, fds[0]); return; }
    }
    this.#idle[this.#idleTop++] = w;
  }
}

/**
 * Runs a scenario to the end, yielding to the event loop between slices of about
 * `sliceMs` of wall time, so that `signal` can cancel it (rejects with an AbortError);
 * `onSlice` sees the storm after each unfinished slice.
 */
export async function runStorm(
  module: WebAssembly.Module, scenario: unknown,
  options: StormOptions & { signal?: AbortSignal; sliceMs?: number; onSlice?: (storm: Storm) => void } = {},
): Promise<StormResult> {
  const storm = new Storm(module, scenario, options);
  for (;;) {
    if (options.signal?.aborted) throw new StormCancelled();
    if (storm.step(options.sliceMs ?? 50)) return storm.result();
    options.onSlice?.(storm);   // between slices: the page takes storm.snapshot() here
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  }
}
