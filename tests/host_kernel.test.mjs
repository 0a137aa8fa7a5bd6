// The host's own rules: one table of tunables for options and sysctl, the ABI check at
// load, and closeBatch ending a descriptor's waits as close() does.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  createKernel, TUNABLES, TUNABLE_TABLE, AF_INET, SOCK_STREAM, SOCK_NONBLOCK,
} from 'socket-kernel';

/** A hand-assembled module: (global (export "SK_ABI_VERSION") i32 (i32.const version)), nothing else. */
function versionOnly(version) {
  const leb = [];
  for (let v = version; ; ) { const b = v & 0x7f; v >>= 7; if (v === 0) { leb.push(b); break; } leb.push(b | 0x80); }
  const name = [...new TextEncoder().encode('SK_ABI_VERSION')];
  const global = [1, 0x7f, 0, 0x41, ...leb, 0x0b];
  const exp = [1, name.length, ...name, 3, 0];
  return new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 6, global.length, ...global, 7, exp.length, ...exp]);
}

describe('tunables: one table for createKernel options and sysctl', () => {
  test('setSysctl takes back every value sysctl reads, after options at the top of their range', async () => {
    const k = await createKernel({ tcpFinTimeout: 3600, linkDelay: 3_600_000, maxFds: 1 << 24, tcpSyncookies: 2 });
    assert.equal(k.sysctl('tcpFinTimeoutUs'), 3_600_000_000);
    for (const name of TUNABLES) k.setSysctl(name, k.sysctl(name));
    assert.equal(k.sysctl('tcpFinTimeoutUs'), 3_600_000_000);
    assert.equal(k.sysctl('linkDelayUs'), 3_600_000_000);
  });

  test('setSysctl refuses a value outside the range the table gives, with ERR_OUT_OF_RANGE', async () => {
    const k = await createKernel();
    for (const t of TUNABLE_TABLE) {
      assert.throws(() => k.setSysctl(t.sysctl, t.max + 1), { code: 'ERR_OUT_OF_RANGE' }, t.sysctl);
      assert.throws(() => k.setSysctl(t.sysctl, t.min - 1), { code: 'ERR_OUT_OF_RANGE' }, t.sysctl);
    }
    assert.throws(() => k.setSysctl('noSuchTunable', 1), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => k.setSysctl('somaxconn', 1.5), { code: 'ERR_INVALID_ARG_TYPE' });
  });

  test('scaled options are checked in their own unit: tcpFinTimeout in seconds, linkDelay in milliseconds', async () => {
    await assert.rejects(createKernel({ tcpFinTimeout: 3601 }), { code: 'ERR_OUT_OF_RANGE', message: /"tcpFinTimeout" must be a number of seconds from 0 to 3600/ });
    await assert.rejects(createKernel({ linkDelay: '5' }), { code: 'ERR_INVALID_ARG_TYPE' });
    const k = await createKernel({ tcpFinTimeout: 1.5, linkDelay: 0.25 });
    assert.equal(k.sysctl('tcpFinTimeoutUs'), 1_500_000);
    assert.equal(k.sysctl('linkDelayUs'), 250);
  });
});

describe('ABI check at load', () => {
  test('a module with an ABI version this host does not know is refused: ERR_SOCKET_KERNEL_ABI', async () => {
    await assert.rejects(createKernel({ wasm: versionOnly(999) }),
      { name: 'AbiError', code: 'ERR_SOCKET_KERNEL_ABI', message: /ABI version 999; this host knows version 1/ });
  });

  test('a module of a known version that lacks the exports is refused, naming what is missing', async () => {
    await assert.rejects(createKernel({ wasm: versionOnly(1) }), { code: 'ERR_SOCKET_KERNEL_ABI', message: /no memory/ });
  });

  test('a module without SK_ABI_VERSION is refused', async () => {
    await assert.rejects(createKernel({ wasm: new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]) }),
      { code: 'ERR_SOCKET_KERNEL_ABI', message: /no SK_ABI_VERSION/ });
  });
});

describe('closeBatch ends the waits of the descriptors it closes, as close() does', () => {
  /** An established pair on a fresh kernel: { k, c, a }. */
  async function pair() {
    const k = await createKernel();
    const l = k.socket(AF_INET, SOCK_STREAM);
    k.bind(l, { address: '127.0.0.1', port: 8080 });
    k.listen(l, 8);
    const c = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    await k.connectAsync(c, { address: '127.0.0.1', port: 8080 });
    const { fd: a } = k.accept(l);
    return { k, l, c, a };
  }

  /** The outcome of p, taken at once (so a rejection is handled): { value } or { error }. */
  const outcome = (p) => p.then((value) => ({ value }), (error) => ({ error }));
  /** The outcome, or 'pending' when it has not settled within a few turns of the event loop. */
  const settled = (o) => Promise.race([o, new Promise((r) => setTimeout(() => r('pending'), 50))]);

  test('a recvAsync waiting on a descriptor closed by closeBatch rejects with EBADF, and does not read from the socket that reuses the number', async () => {
    const { k, l, c, a } = await pair();
    const waiting = outcome(k.recvAsync(a));
    assert.equal(k.closeBatch([a], { reset: true }), 1);
    await new Promise((r) => setImmediate(r));
    // The number comes back as a new client, with data waiting on it.
    const reused = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    assert.equal(reused, a, 'the descriptor number is reused');
    await k.connectAsync(reused, { address: '127.0.0.1', port: 8080 });
    const a2 = k.accept(l).fd;
    k.send(a2, 'for the new socket');
    const r = await settled(waiting);
    assert.notEqual(r, 'pending', 'the wait ended with the descriptor');
    assert.equal(r.error?.code, 'EBADF', `the old wait failed instead of reading: ${JSON.stringify(r.value && new TextDecoder().decode(r.value))}`);
    assert.equal(new TextDecoder().decode(k.recv(reused)), 'for the new socket', "the new socket's data is still there");
    assert.equal(k.reactor.pending, 0);
    k.close(c); k.close(a2); k.close(reused);
  });

  test('acceptAsync on a listener closed by closeBatch rejects; a later timer still fires (no microtask loop)', async () => {
    const { k, l } = await pair();
    const waiting = outcome(k.acceptAsync(l));
    k.closeBatch([l]);
    const r = await settled(waiting);
    assert.equal(r.error?.code, 'EBADF');
    // A new listener on the same number: nothing spins, timers run.
    const l2 = k.socket(AF_INET, SOCK_STREAM);
    assert.equal(l2, l);
    k.bind(l2, { address: '127.0.0.1', port: 8081 });
    k.listen(l2, 8);
    const w2 = k.acceptAsync(l2);
    await new Promise((r) => setTimeout(r, 5));
    const c = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    await k.connectAsync(c, { address: '127.0.0.1', port: 8081 });
    assert.equal(typeof (await w2).fd, 'number');
  });
});
