// Model-based random testing (STYLE.md 18): fast-check's model commands run the same
// random calls against the reference model (kernel_model.mjs) and the kernel built
// from the debug .wasm, and compare after every step: the call's result, every
// descriptor's socket state and accept-queue length and backlog (k.sockets()), the
// descriptors in use (k.memoryUsage().fds), every counter (k.stats()), and
// k.check() (sk_check, the debug build's invariant walk).
//
// Used by tests/model.test.mjs (a bounded number of runs) and scripts/fuzz.mjs (any
// number). A failure reports fast-check's seed, path and shrunk command list, which
// replay it exactly: fc.assert(..., { seed, path }).

import { readFile } from 'node:fs/promises';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createKernel, SocketError, AF_INET, SOCK_STREAM, SOCK_NONBLOCK, SOL_SOCKET, SO_REUSEADDR, SO_LINGER, SO_ERROR, SO_ACCEPTFILTER } from 'socket-kernel';
import { ModelKernel, UNKNOWN, POLLIN, POLLOUT, POLLRDHUP } from './kernel_model.mjs';

/** Every personality; the model knows the rules of each (tests/model/policy.mjs). */
export const PERSONALITIES = ['linux', 'freebsd', 'posix'];
const ADDRESSES = ['127.0.0.1', '127.0.0.2', '0.0.0.0'];
const PEERS = ['127.0.0.1', '127.0.0.2'];
/** Two ports to listen on and one nobody listens on. */
const PORTS = [7000, 7001, 7002];

let debugModule;
/** The kernel module with assertions on (tests/helpers.mjs loads the same file). */
export async function debugWasm() {
  debugModule ??= await WebAssembly.compile(await readFile(new URL('../../build/kernel.debug.wasm', import.meta.url)));
  return debugModule;
}

/** A call on the kernel: its result, or -errno when it throws a SocketError. Anything else is a failure. */
function attempt(fn) {
  try {
    const r = fn();
    return r === undefined ? 0 : r;
  } catch (e) {
    if (e instanceof SocketError) return e.errno;
    throw e;
  }
}

function same(cmd, want, got) {
  if (want === UNKNOWN) {
    // Weaker observable: an answer, and an errno if negative.
    if (typeof got === 'number') assert.ok(Number.isInteger(got) && got > -200, `${cmd}: ${got} is not a result or an errno`);
    return;
  }
  assert.deepEqual(got, want, `${cmd}: kernel answered ${fmt(got)}, the model ${fmt(want)}`);
}

const fmt = (v) => (Array.isArray(v) || v instanceof Uint8Array ? `[${v.length} bytes]` : String(v));

/** The socket behind fd, if the model knows it, becomes opaque with whatever it is connected to. */
function giveUp(m, fd) {
  const s = m.model.socketAt(fd);
  if (s !== null) markOpaque(m, s);
}

/** s becomes opaque with whatever it is connected to or holds (queued, held by a filter). */
function markOpaque(m, s) {
  const mark = (x) => {
    if (x === null || x.opaque) return;
    x.opaque = true;
    mark(x.peer);
    if (x.listener) for (const ch of [...x.listener.queue, ...x.listener.held]) mark(ch);
  };
  mark(s);
  m.model.statsUnknown = true;
}

/**
 * A connect() the model could not answer (an opaque client) may have queued a connection
 * at the listener it targets: that listener becomes opaque too (its queue read back).
 */
function giveUpListener(m, address, port) {
  const l = m.model.listenerAt(address, port);
  if (l !== null) markOpaque(m, l);
}

/**
 * Ephemeral ports: the number is a random draw, adopted from the kernel; what is checked
 * is the rule that draws it. Linux and POSIX (L21, L22): the range, bind/listen odd,
 * connect even. FreeBSD (§7 E1-E3): a random start and step 1 over 10000-65535, so the
 * range, and that the port was free by in_pcb_lport_dest's lookup (the model's
 * ephemeralPortTaken).
 */
function adoptPort(m, r, fd, byConnect) {
  const s = m.model.socketAt(fd);
  if (s === null || s.opaque || s.lport !== UNKNOWN) return;
  const { port } = r.k.getsockname(fd);
  const { ephemeralRange: [lo, hi], ephemeralRandomStepOne } = m.model.rules;
  assert.ok(port >= lo && port <= hi, `fd ${fd}: ephemeral port ${port} outside ${lo}-${hi}`);
  if (!ephemeralRandomStepOne) {
    assert.equal(port % 2, byConnect ? 0 : 1, `fd ${fd}: ephemeral port ${port} has the wrong parity (L21/L22)`);
  } else {
    assert.notEqual(m.model.ephemeralPortTaken(fd, port, byConnect), true, `fd ${fd}: ephemeral port ${port} was taken (§7 E2/E3)`);
  }
  s.lport = port;
  if (s.peer) s.peer.pport = port;
}

/** Everything observable, compared after every step. */
function compareState(m, r, cmd) {
  const { k } = r;
  k.check();
  const rows = new Map(k.sockets().filter((x) => x.fd !== null).map((x) => [x.fd, x]));
  // What the model gave up on, it reads back: an opaque socket's state and local port.
  for (const [fd, row] of rows) {
    const s = m.model.socketAt(fd);
    if (s === null || !s.opaque) continue;
    s.state = row.state;
    s.lport = row.local.port;
    s.laddr = row.local.address;
  }
  const want = m.model.rows();
  assert.deepEqual([...rows.keys()].sort((a, b) => a - b), [...want.keys()].sort((a, b) => a - b), `${cmd}: descriptors with a socket`);
  for (const [fd, w] of want) {
    const g = rows.get(fd);
    if (w.state !== null) assert.equal(g.state, w.state, `${cmd}: state of fd ${fd}`);
    if (w.recvQ !== null) assert.equal(g.recvQ, w.recvQ, `${cmd}: accept queue of fd ${fd}`);
    if (w.sendQ !== null && w.state !== null) assert.equal(g.sendQ, w.sendQ, `${cmd}: backlog of fd ${fd}`);
  }
  assert.equal(k.memoryUsage().fds, m.model.fdCount, `${cmd}: descriptors in use`);
  const stats = k.stats();
  if (m.model.statsUnknown) {
    Object.assign(m.model.stats, stats);
    m.model.statsUnknown = false;
  } else {
    for (const name of Object.keys(stats)) assert.equal(stats[name], m.model.stats[name] ?? 0, `${cmd}: counter ${name}`);
  }
}

/** One command: `call(model)` and `real(kernel)` give the two answers; `after` adopts what the model cannot know. */
class Step {
  constructor(name, args, model, real, after) {
    this.name = name;
    this.args = args;
    this.model = model;
    this.real = real;
    this.after = after;
  }
  check() { return true; }
  run(m, r) {
    // Descriptor references become numbers against the model's table of this moment.
    const resolve = (a) => (a instanceof FdRef || a instanceof PortRef ? a.resolve(m.model) : a);
    this.resolved = this.args.map((a) => (Array.isArray(a) ? a.map(resolve) : resolve(a)));
    const cmd = this.toString();
    const want = this.model(m.model, ...this.resolved);
    const got = attempt(() => this.real(r.k, ...this.resolved));
    r.onStep?.(want !== UNKNOWN);
    if (want === UNKNOWN && this.name !== 'advance' && typeof this.resolved[0] === 'number') giveUp(m, this.resolved[0]);
    same(cmd, want, got);
    this.after?.(m, r, got, want, ...this.resolved);
    compareState(m, r, cmd);
  }
  toString() { return `${this.name}(${(this.resolved ?? this.args).map((a) => JSON.stringify(a)).join(', ')})`; }
}

/**
 * A descriptor argument: mostly "the n-th open descriptor" (resolved against the model
 * when the step runs, so sequences reach connected sockets), sometimes a raw number
 * (EBADF, stdio, a descriptor about to be reused).
 */
class FdRef {
  /** `kind`: 'open' (any open descriptor, stdio and epoll included), 'socket', 'listener'. */
  constructor(slot, kind) { this.slot = slot; this.kind = kind; }
  resolve(md) {
    const open = md.openFds();
    // A socket or a listener when there is one, else any open descriptor.
    const want = this.kind === 'open' ? [] : open.filter((fd) => {
      const s = md.socketAt(fd);
      return s !== null && (this.kind === 'socket' || s.state === 'LISTEN');
    });
    const from = want.length > 0 ? want : open;
    return from.length === 0 ? -1 : from[this.slot % from.length];
  }
  toJSON() { return `${this.kind}[${this.slot}]`; }
}
const ref = (kind) => fc.nat(15).map((n) => new FdRef(n, kind));
const fdArb = fc.oneof({ weight: 4, arbitrary: ref('socket') }, { weight: 2, arbitrary: ref('open') }, { weight: 1, arbitrary: fc.integer({ min: -1, max: 9 }) });
/**
 * A port to connect to: mostly one of PORTS, sometimes the port of the n-th listener
 * (resolved when the step runs), so that listeners that bound an ephemeral port
 * (autobind) get connections too.
 */
class PortRef {
  constructor(slot) { this.slot = slot; }
  resolve(md) {
    const ports = md.openFds().map((fd) => md.socketAt(fd)).filter((s) => s?.state === 'LISTEN' && typeof s.lport === 'number').map((s) => s.lport);
    return ports.length === 0 ? PORTS[2] : ports[this.slot % ports.length];
  }
  toJSON() { return `listenerPort[${this.slot}]`; }
}
const portArb = fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...PORTS) }, { weight: 1, arbitrary: fc.nat(15).map((n) => new PortRef(n)) });

/** Mostly a listener: setsockopt(SO_ACCEPTFILTER) (§7 F1-F4). */
const listenerArb = fc.oneof({ weight: 3, arbitrary: ref('listener') }, { weight: 1, arbitrary: fdArb });

/** An accepted or opened descriptor the model could not predict: it takes the same number. */
function adoptFd(m, got, want) {
  if (want === UNKNOWN && got >= 0) {
    const fd = m.model.socket(false);
    assert.equal(fd, got, 'lowest free descriptor');
    m.model.socketAt(fd).opaque = true;
  }
}

export function commandArbitraries() {
  const bytesFor = (fd, n) => Array.from({ length: n }, (_, i) => (fd * 31 + n * 7 + i) & 0xff);
  const step = (name, args, model, real, after) => new Step(name, args, model, real, after);
  const calls = [
    fc.boolean().map((nb) => step('socket', [nb ? 'nonblock' : 'block'],
      (md) => md.socket(nb), (k) => k.sys.socket(AF_INET, SOCK_STREAM | (nb ? SOCK_NONBLOCK : 0)))),
    fc.tuple(fdArb, fc.constantFrom(...ADDRESSES), fc.constantFrom(0, PORTS[0], PORTS[1])).map((args) => step('bind', args,
      (md, fd, address, port) => md.bind(fd, address, port), (k, fd, address, port) => k.sys.bind(fd, { address, port }),
      (m, r, got, want, fd) => { if (got === 0) adoptPort(m, r, fd, false); })),
    fc.tuple(fdArb, fc.constantFrom(-1, 0, 1, 2, 5)).map((args) => step('listen', args,
      (md, fd, backlog) => md.listen(fd, backlog), (k, fd, backlog) => k.sys.listen(fd, backlog),
      (m, r, got, want, fd) => { if (got === 0) adoptPort(m, r, fd, false); })),
    fc.tuple(fdArb, fc.constantFrom(...PEERS), portArb).map((args) => step('connect', args,
      (md, fd, address, port) => md.connect(fd, address, port), (k, fd, address, port) => k.sys.connect(fd, { address, port }),
      (m, r, got, want, fd, address, port) => {
        if (got === 0 || got === -115) adoptPort(m, r, fd, true);
        if (want === UNKNOWN) giveUpListener(m, address, port);
      })),
    fdArb.map((fd) => step('disconnect', [fd], (md, fd) => md.disconnect(fd), (k, fd) => k.disconnect(fd))),
    fc.tuple(fdArb, fc.boolean()).map(([fd, nb]) => step('accept', [fd, nb ? 'SOCK_NONBLOCK' : 0],
      (md, fd) => md.accept(fd, nb, nb),
      (k, fd) => (nb ? k.sys.accept4(fd, SOCK_NONBLOCK) : k.sys.accept(fd)),
      (m, r, got, want) => adoptFd(m, got, want))),
    fdArb.map((fd) => step('close', [fd], (md, fd) => md.close(fd), (k, fd) => k.sys.close(fd))),
    fc.tuple(fdArb, fc.integer({ min: 0, max: 3 })).map((args) => step('shutdown', args, (md, fd, how) => md.shutdown(fd, how), (k, fd, how) => k.sys.shutdown(fd, how))),
    fc.tuple(fdArb, fc.constantFrom(0, 1)).map((args) => step('setsockopt SO_REUSEADDR', args,
      (md, fd, v) => md.setsockopt(fd, 'reuseaddr', v), (k, fd, v) => k.sys.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, v))),
    // FreeBSD accept filters (§7 F1-F4, F11-F13; ENOPROTOOPT elsewhere): mostly dataready, an unknown name, removal.
    fc.tuple(listenerArb, fc.constantFrom('dataready', 'dataready', 'nosuch', null)).map((args) => step('setsockopt SO_ACCEPTFILTER', args,
      (md, fd, name) => md.setsockopt(fd, 'acceptfilter', name),
      (k, fd, name) => k.sys.setsockopt(fd, SOL_SOCKET, SO_ACCEPTFILTER, name === null ? null : { name }))),
    fdArb.map((fd) => step('getsockopt SO_ERROR', [fd], (md, fd) => md.soErrorRead(fd), (k, fd) => k.getsockopt(fd, SOL_SOCKET, SO_ERROR))),
    fdArb.map((fd) => step('setsockopt SO_LINGER {1,0}', [fd],
      (md, fd) => md.setsockopt(fd, 'linger0', 1), (k, fd) => k.sys.setsockopt(fd, SOL_SOCKET, SO_LINGER, { onoff: 1, linger: 0 }))),
    fc.tuple(fdArb, fc.integer({ min: 0, max: 16 })).map((args) => step('send', args,
      (md, fd, n) => md.send(fd, bytesFor(fd, n)), (k, fd, n) => k.send(fd, Uint8Array.from(bytesFor(fd, n))))),
    fc.tuple(fdArb, fc.integer({ min: 0, max: 24 })).map((args) => step('recv', args,
      (md, fd, size) => md.recv(fd, size), (k, fd, size) => [...k.recv(fd, size)])),
    fc.array(fdArb, { maxLength: 4 }).map((fds) => step('poll', [fds],
      (md, list) => {
        if (new Set(list).size !== list.length) return UNKNOWN;   // a descriptor twice: answered twice, not modelled
        const ms = list.map((fd) => md.pollMask(fd));
        return ms.includes(UNKNOWN) ? UNKNOWN : ms;
      },
      (k, list) => k.poll(list.map((fd) => ({ fd, events: POLLIN | POLLOUT | POLLRDHUP }))))),
    fc.constant(null).map(() => step('epollCreate', [], (md) => md.epollCreate(), (k) => k.epollCreate(),
      (m, r, got, want) => adoptFd(m, got, want))),
    fc.tuple(fdArb, fc.constantFrom(1, 2, 3), fdArb, fc.constantFrom(POLLIN, POLLOUT, POLLIN | POLLOUT | POLLRDHUP)).map((args) => step('epollCtl', args,
      (md, ep, op, fd, ev) => md.epollCtl(ep, op, fd, ev), (k, ep, op, fd, ev) => k.epollCtl(ep, op, fd, ev))),
    fdArb.map((ep) => step('epollWait', [ep],
      (md, ep) => {
        if (!md.isEpoll(ep)) return md.fdKnown(ep) ? -22 : -9;
        const ready = md.epollReady(ep);
        return ready === UNKNOWN ? UNKNOWN : [...ready].sort((a, b) => a[0] - b[0]);
      },
      // The order of the ready list is not modelled: compared sorted by descriptor.
      (k, ep) => k.epollWait(ep, 64).map((e) => [e.data, e.events]).sort((a, b) => a[0] - b[0]))),
    fc.constantFrom(1, 1000, 3000, 61_000).map((ms) => step('advance', [ms], (md) => { md.advance(ms); return UNKNOWN; }, (k) => k.advance(ms))),
  ];
  // fc.commands picks uniformly: the calls that make sockets, listeners and connections
  // (socket, bind, listen, connect: the first four) count three times, so that runs reach
  // connected states (and accept filters, accept, data) rather than mostly EBADF/ENOTSOCK.
  return [...calls, ...calls.slice(0, 4), ...calls.slice(0, 4)];
}

/** The property: one kernel per personality and run, the commands against both. */
export function modelProperty({ maxCommands = 40, onStep, personalities = PERSONALITIES } = {}) {
  // Tunables the rules depend on: a small somaxconn (the clamp of L1/F1/P2) and
  // tcpAbortOnOverflow (what a full queue does, L13/F6).
  const tunables = fc.record({ somaxconn: fc.constantFrom(undefined, 3), tcpAbortOnOverflow: fc.constantFrom(0, 1) });
  return fc.asyncProperty(fc.constantFrom(...personalities), fc.integer({ min: 1, max: 0xffff }), tunables, fc.commands(commandArbitraries(), { maxCommands, size: 'max' }),
    async (personality, seed, { somaxconn, tcpAbortOnOverflow }, cmds) => {
      const k = await createKernel({ personality, seed, tcpAbortOnOverflow, ...(somaxconn === undefined ? {} : { somaxconn }), wasm: await debugWasm() });
      fc.modelRun(() => ({ model: { model: new ModelKernel({ personality, somaxconn }) }, real: { k, onStep } }), cmds);
    });
}
