// Running out: descriptors (EMFILE at maxFds), ephemeral ports (EADDRNOTAVAIL),
// receive buffers (EAGAIN, never a trap). Each ends with the resource given back and
// usable again, sk_check on the debug build after each step that ran out. (Addresses:
// tests/issue11_regressions.test.mjs, 70 000 distinct 127/8 addresses.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel, AF_INET, SOCK_STREAM, SOCK_NONBLOCK } from 'socket-kernel';
import { debugWasm, PERSONALITIES } from './model/commands.mjs';

async function debugKernel(options) { return createKernel({ ...options, wasm: await debugWasm() }); }

for (const personality of PERSONALITIES) {
  test(`${personality}: descriptors run out with EMFILE at maxFds; accept leaves the connection queued; closing one frees it`, async () => {
    const k = await debugKernel({ personality, maxFds: 16 });
    const l = k.socket(AF_INET, SOCK_STREAM);
    k.bind(l, { address: '127.0.0.1', port: 7000 });
    k.listen(l, 64);
    const fds = [];
    for (;;) {
      const fd = k.sys.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
      if (fd < 0) { assert.equal(fd, -24, 'EMFILE'); break; }
      fds.push(fd);
    }
    assert.equal(fds.at(-1), 15, 'the last descriptor is maxFds - 1');
    assert.equal(k.sys.connect(fds[0], { address: '127.0.0.1', port: 7000 }), -115);
    assert.equal(k.sys.accept(l), -24, 'EMFILE from accept');
    k.check();
    assert.equal(k.sockets().find((s) => s.fd === l).recvQ, 1, 'the connection is still queued');
    k.close(fds.pop());
    assert.equal(k.sys.accept(l), 15, 'accept takes the freed descriptor');
    for (const fd of fds) k.close(fd);
    k.close(15); k.close(l);
    k.advance(120_000);
    assert.deepEqual([k.memoryUsage().liveSockets, k.memoryUsage().fds], [0, 3]);
  });

  test(`${personality}: ephemeral ports run out with EADDRNOTAVAIL and come back when the connections end`, async () => {
    const k = await debugKernel({ personality, ipLocalPortRange: [40000, 40009], maxFds: 1024 });
    const l = k.socket(AF_INET, SOCK_STREAM);
    k.bind(l, { address: '127.0.0.1', port: 7000 });
    k.listen(l, 100);
    const clients = [];
    let refused = 0;
    for (let i = 0; i < 12; i++) {
      const fd = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
      const r = k.sys.connect(fd, { address: '127.0.0.1', port: 7000 });
      if (r === -99) { refused++; k.close(fd); } else { assert.equal(r, -115); clients.push(fd); }
      k.check();
    }
    assert.deepEqual([clients.length, refused], [10, 2], 'ten ports, then EADDRNOTAVAIL');
    const accepted = k.acceptBatch(l, 100);
    k.closeBatch([...accepted, ...clients], { reset: true });
    const again = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    assert.equal(k.sys.connect(again, { address: '127.0.0.1', port: 7000 }), -115, 'a port is free again');
  });
}

test('a receiver that never reads: the sender gets EAGAIN, memory is bounded and given back on close', async () => {
  const k = await debugKernel({});
  const l = k.socket(AF_INET, SOCK_STREAM);
  k.bind(l, { address: '127.0.0.1', port: 7000 });
  k.listen(l, 4096);
  const chunk = new Uint8Array(64 * 1024);
  const pairs = [];
  for (let i = 0; i < 200; i++) {
    const c = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    k.sys.connect(c, { address: '127.0.0.1', port: 7000 });
    const a = k.accept(l).fd;
    let sent = 0;
    for (;;) {
      try { sent += k.send(c, chunk); } catch (e) { assert.equal(e.code, 'EAGAIN'); break; }
    }
    assert.ok(sent > 0 && sent < 64 * 2 ** 20, `a bounded buffer: ${sent}`);
    pairs.push(c, a);
  }
  k.check();
  assert.ok(k.memoryUsage().queuedBytes > 0);
  k.closeBatch(pairs, { reset: true });
  k.close(l);
  k.advance(120_000);
  assert.deepEqual([k.memoryUsage().liveSockets, k.memoryUsage().queuedBytes], [0, 0]);
});
