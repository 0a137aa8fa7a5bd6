// Self-check of TsKernel: the behaviour the benchmark relies on, asserted the way
// tests/listen_backlog.test.mjs asserts it for the WebAssembly kernel, then a
// differential run of random calls against the WebAssembly kernel itself.
//   node bench/ts_model/check.mjs        (prints "ok" and the checks, exits 1 on failure)

import assert from 'node:assert/strict';
import { TsKernel, AF_INET, SOCK_STREAM, SOCK_NONBLOCK } from './kernel.mjs';
import { tsModelCycles } from './cycles.mjs';
import { differential } from './differential.mjs';

const checks = [];
function check(name, fn) {
  fn();
  checks.push(name);
}

/** A kernel (state transitions checked) with a listener on 127.0.0.1. */
function listening(backlog, port = 8080) {
  const k = new TsKernel({ debug: true });
  const fd = k.socket(AF_INET, SOCK_STREAM);
  k.bind(fd, { address: '127.0.0.1', port });
  k.listen(fd, backlog);
  return { k, fd, addr: { address: '127.0.0.1', port } };
}

/** A nonblocking client after connect(); returns { fd, code } (code: the errno name thrown, or null). */
function connecting(k, addr) {
  const fd = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
  try { k.connect(fd, addr); return { fd, code: null }; } catch (e) { return { fd, code: e.code }; }
}

check('socket() returns the lowest free descriptor, from 3', () => {
  const k = new TsKernel({ debug: true });
  const a = k.socket(AF_INET, SOCK_STREAM), b = k.socket(AF_INET, SOCK_STREAM), c = k.socket(AF_INET, SOCK_STREAM);
  assert.deepEqual([a, b, c], [3, 4, 5]);
  k.close(b);
  k.close(a);
  assert.equal(k.socket(AF_INET, SOCK_STREAM), 3);
  assert.equal(k.socket(AF_INET, SOCK_STREAM), 4);
  assert.equal(k.socket(AF_INET, SOCK_STREAM), 6);
  assert.throws(() => k.close(-1), { name: 'SocketError', code: 'EBADF', errno: -9 });
  assert.throws(() => k.connect(1, { address: '127.0.0.1', port: 80 }), { code: 'ENOTSOCK' });
  k.checkInvariants();
});

check('socket() says EMFILE at maxFds, and accept() leaves the connection queued', () => {
  const k = new TsKernel({ maxFds: 6, debug: true });
  const l = k.socket(AF_INET, SOCK_STREAM);              // 3
  k.bind(l, { address: '127.0.0.1', port: 8080 });
  k.listen(l, 4);
  const c = connecting(k, { address: '127.0.0.1', port: 8080 });   // 4
  k.socket(AF_INET, SOCK_STREAM);                        // 5
  assert.throws(() => k.socket(AF_INET, SOCK_STREAM), { code: 'EMFILE' });
  assert.throws(() => k.accept(l), { code: 'EMFILE' });
  assert.equal(k.listenerInfo(l).recvQ, 1);
  k.close(5);
  assert.equal(k.accept(l).fd, 5);
  assert.equal(c.code, 'EINPROGRESS');
  k.checkInvariants();
});

check('nonblocking connect() says EINPROGRESS, then 0; blocking connect() returns', () => {
  const { k, fd: l, addr } = listening(8);
  const c = connecting(k, addr);
  assert.equal(c.code, 'EINPROGRESS');
  assert.equal(k.stateOf(c.fd), 'ESTABLISHED');
  k.connect(c.fd, addr);                                  // completed: 0
  assert.throws(() => k.connect(c.fd, addr), { code: 'EISCONN' });
  const b = k.socket(AF_INET, SOCK_STREAM);
  k.connect(b, addr);                                     // loopback: done inside the call
  assert.equal(k.stateOf(b), 'ESTABLISHED');
  assert.equal(k.listenerInfo(l).recvQ, 2);
  k.checkInvariants();
});

check('connect() takes even ephemeral ports; bind(0) odd ones; accept() gives the peer address', () => {
  const k = new TsKernel({ debug: true });
  const l = k.socket(AF_INET, SOCK_STREAM);
  k.bind(l, { address: '127.0.0.1', port: 0 });
  const lport = k.getsockname(l).port;
  assert.equal(lport % 2, 1);
  assert.ok(lport >= 32768 && lport <= 60999);
  k.listen(l, 16);
  const ports = new Set();
  for (let i = 0; i < 10; i++) {
    const c = k.socket(AF_INET, SOCK_STREAM);
    k.connect(c, { address: '127.0.0.1', port: lport });
    const { port } = k.getsockname(c);
    assert.equal(port % 2, 0);
    ports.add(port);
    const { fd, address } = k.accept(l);
    assert.deepEqual(address, { family: 'IPv4', address: '127.0.0.1', port });
    assert.deepEqual(k.getpeername(fd), address);
  }
  assert.equal(ports.size, 10);
  k.checkInvariants();
});

for (const backlog of [0, 1, 5]) {
  check(`LISTEN backlog ${backlog} admits ${backlog + 1}; the next SYN is dropped and retransmitted`, () => {
    const { k, fd: l, addr } = listening(backlog);
    const clients = [];
    for (let i = 0; i < backlog + 1; i++) {
      const c = connecting(k, addr);
      assert.equal(k.stateOf(c.fd), 'ESTABLISHED', `client ${i} completes`);
      clients.push(c.fd);
    }
    const late = connecting(k, addr);
    assert.equal(late.code, 'EINPROGRESS');
    assert.equal(k.stateOf(late.fd), 'SYN_SENT');
    assert.throws(() => k.connect(late.fd, addr), { code: 'EALREADY' });
    assert.deepEqual(k.listenerInfo(l), { recvQ: backlog + 1, sendQ: backlog, synRecv: 0, drops: 1 });
    assert.equal(k.stats().ListenOverflows, 1);
    // Room again: the SYN retransmitted after 1 s gets in.
    const first = k.accept(l);
    k.advance(999);
    assert.equal(k.stateOf(late.fd), 'SYN_SENT');
    k.advance(1);
    assert.equal(k.stateOf(late.fd), 'ESTABLISHED');
    assert.equal(k.stats().TCPSynRetrans, 1);
    k.close(first.fd);
    k.checkInvariants();
  });
}

check('a SYN that never finds room ends in ETIMEDOUT at 131 s (6 retries + 4 linear)', () => {
  const { k, addr } = listening(0);
  connecting(k, addr);
  const late = connecting(k, addr);
  k.advance(130_999);
  assert.equal(k.stateOf(late.fd), 'SYN_SENT');
  k.advance(1);
  assert.equal(k.stateOf(late.fd), 'CLOSED');
  assert.equal(k.stats().TCPSynRetrans, 10);
  assert.throws(() => k.connect(late.fd, addr), { code: 'ETIMEDOUT' });
  k.checkInvariants();
});

check('connect() with no listener says ECONNREFUSED', () => {
  const k = new TsKernel({ debug: true });
  const c = k.socket(AF_INET, SOCK_STREAM);
  assert.throws(() => k.connect(c, { address: '127.0.0.1', port: 9 }), { code: 'ECONNREFUSED', syscall: 'connect', port: 9 });
  const d = k.socket(AF_INET, SOCK_STREAM);
  assert.throws(() => k.connect(d, { address: '10.0.0.1', port: 9 }), { code: 'ENETUNREACH' });
  k.checkInvariants();
});

check('bind() conflicts: EADDRINUSE on a taken port, EACCES below 1024', () => {
  const { k } = listening(4);
  const s = k.socket(AF_INET, SOCK_STREAM);
  assert.throws(() => k.bind(s, { address: '0.0.0.0', port: 8080 }), { code: 'EADDRINUSE', message: 'bind EADDRINUSE: address already in use 0.0.0.0:8080' });
  assert.throws(() => k.bind(s, { address: '127.0.0.1', port: 80 }), { code: 'EACCES' });
  k.bind(s, { address: '127.0.0.2', port: 8080 });
  assert.throws(() => k.bind(s, { address: '127.0.0.1', port: 8081 }), { code: 'EINVAL' });
  k.checkInvariants();
});

check('close(): FIN moves the peer to CLOSE_WAIT; closing a listener resets its queue', () => {
  const { k, fd: l, addr } = listening(8);
  const a = connecting(k, addr).fd, b = connecting(k, addr).fd;
  const { fd: sa } = k.accept(l);
  k.close(a);
  assert.equal(k.stateOf(sa), 'CLOSE_WAIT');
  k.close(l);                                            // b's server side was still queued
  assert.equal(k.stateOf(b), 'CLOSED');
  assert.equal(k.soError(b), 104);                       // ECONNRESET
  assert.equal(k.stats().AcceptQueueResets, 1);
  k.close(sa);
  k.close(b);
  k.checkInvariants();
});

check('accept() on an empty queue says EAGAIN; on a non-listener EINVAL', () => {
  const { k, fd: l } = listening(1);
  assert.throws(() => k.accept(l), { code: 'EAGAIN' });
  const s = k.socket(AF_INET, SOCK_STREAM);
  assert.throws(() => k.accept(s), { code: 'EINVAL' });
});

check('arguments are checked at the door; what the model leaves out says so', () => {
  const k = new TsKernel();
  assert.throws(() => k.socket('2', SOCK_STREAM), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => k.socket(10, SOCK_STREAM), { code: 'ERR_TS_MODEL_UNSUPPORTED' });
  assert.throws(() => new TsKernel({ backlog: 1 }), { code: 'ERR_INVALID_ARG_VALUE' });
  const s = k.socket(AF_INET, SOCK_STREAM);
  assert.throws(() => k.connect(s, { address: '127.0.0.1', port: 70000 }), { code: 'ERR_OUT_OF_RANGE' });
});

check('10 000 cycles leave no socket, port or tuple behind', () => {
  const k = new TsKernel({ debug: true });
  const l = k.socket(AF_INET, SOCK_STREAM);
  k.bind(l, { address: '127.0.0.1', port: 8080 });
  k.listen(l, 4096);
  for (let i = 0; i < 10_000; i++) {
    const c = k.socket(AF_INET, SOCK_STREAM | (i & 1 ? SOCK_NONBLOCK : 0));
    try { k.connect(c, { address: '127.0.0.1', port: 8080 }); } catch (e) { if (e.code !== 'EINPROGRESS') throw e; }
    const { fd } = k.accept(l);
    assert.deepEqual([c, fd], [4, 5]);                   // lowest-free, every cycle
    if (i & 2) { k.close(fd); k.close(c); } else { k.close(c); k.close(fd); }
  }
  assert.equal(k.stats().ActiveOpens, 10_000);
  assert.equal(k.stats().PassiveOpens, 10_000);
  assert.equal(k.stats().ListenOverflows, 0);
  k.checkInvariants();
  assert.equal(k.socket(AF_INET, SOCK_STREAM), 4);
});

check('tsModelCycles runs', () => {
  const r = tsModelCycles({ cycles: 1000 });
  assert.equal(r.cycles, 1000);
  assert.ok(r.cyclesPerSec > 0);
});

for (const name of checks) console.log(`ok - ${name}`);

// The same random calls on the WebAssembly kernel (needs `npm run build`).
let kernelModule = null, why = '';
try {
  const { readFile } = await import('node:fs/promises');
  const { Kernel } = await import('socket-kernel');
  const bytes = await readFile(new URL('../../build/kernel.wasm', import.meta.url));
  kernelModule = { Kernel, module: new WebAssembly.Module(bytes) };
} catch (e) {
  why = e.message;
}
if (kernelModule === null) {
  console.log(`SKIPPED - differential check against the WebAssembly kernel: ${why} (run npm run build)`);
} else {
  for (const seed of [1, 2, 3]) {
    const { calls } = differential(() => new kernelModule.Kernel(kernelModule.module), { ops: 3000, seed });
    checks.push(`the WebAssembly kernel agrees on ${calls} random calls (seed ${seed})`);
    console.log(`ok - ${checks.at(-1)}`);
  }
}
console.log(`ok ${checks.length} checks`);
