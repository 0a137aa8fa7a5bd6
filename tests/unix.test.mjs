// AF_UNIX stream and seqpacket: names, backlog and connect errors (probe fact unix;
// Linux unix_stream_connect, FreeBSD uipc_connect).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { AF_UNIX, SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM, SOCK_NONBLOCK, SHUT_RD } from 'socket-kernel';
import { kernel, code, PERSONALITIES } from './helpers.mjs';

function unixListener(k, path, backlog, type = SOCK_STREAM) {
  const fd = k.socket(AF_UNIX, type);
  k.bind(fd, { path });
  k.listen(fd, backlog);
  return fd;
}
function unixConnect(k, path, type = SOCK_STREAM) {
  const fd = k.socket(AF_UNIX, type | SOCK_NONBLOCK);
  try { k.connect(fd, { path }); return { fd, code: null }; } catch (e) { return { fd, code: e.code }; }
}

const capacity = { linux: (b) => b + 1, freebsd: (b) => Math.floor((3 * b) / 2) + 1, posix: (b) => Math.max(b, 1) };
const fullCode = { linux: 'EAGAIN', freebsd: 'ECONNREFUSED', posix: 'EAGAIN' };

for (const personality of PERSONALITIES) {
  describe(`${personality}: AF_UNIX backlog`, () => {
    for (const type of [SOCK_STREAM, SOCK_SEQPACKET]) {
      for (const backlog of [0, 1, 2, 4]) {
        test(`${type === SOCK_STREAM ? 'stream' : 'seqpacket'} backlog ${backlog}: ${capacity[personality](backlog)} connect at once, then ${fullCode[personality]}`, async () => {
          const k = await kernel({ personality });
          unixListener(k, '/run/app.sock', backlog, type);
          let n = 0, last;
          for (; n < 50; n++) { last = unixConnect(k, '/run/app.sock', type); if (last.code) break; }
          assert.equal(n, capacity[personality](backlog));
          assert.equal(last.code, fullCode[personality]);
          assert.equal(k.stats().UnixRefusedFull, 1);
        });
      }
    }
  });
}

describe('AF_UNIX names and connect errors (Linux)', () => {
  test('connect completes without accept: 0 at once, the peer is the listener\'s name', async () => {
    const k = await kernel();
    const l = unixListener(k, '/run/app.sock', 4);
    const c = unixConnect(k, '/run/app.sock');
    assert.equal(c.code, null);
    assert.deepEqual(k.getpeername(c.fd), { family: 'unix', path: '/run/app.sock' });
    assert.deepEqual(k.getsockname(c.fd), { family: 'unix', path: '' }, 'an unnamed client');
    const a = k.accept(l);
    assert.deepEqual(a.address, { family: 'unix', path: '' });
    assert.deepEqual(k.getsockname(a.fd), { family: 'unix', path: '/run/app.sock' });
    assert.equal(code(() => k.connect(c.fd, { path: '/run/app.sock' })), 'EISCONN');
  });
  test('ENOENT for a missing path, ECONNREFUSED for a missing abstract name', async () => {
    const k = await kernel();
    assert.equal(unixConnect(k, '/nope').code, 'ENOENT');
    assert.equal(unixConnect(k, '\0nope').code, 'ECONNREFUSED');
  });
  test('a bound socket that does not listen refuses', async () => {
    const k = await kernel();
    k.bind(k.socket(AF_UNIX, SOCK_STREAM), { path: '/run/idle.sock' });
    assert.equal(unixConnect(k, '/run/idle.sock').code, 'ECONNREFUSED');
  });
  test('a path outlives its socket: bind EADDRINUSE and connect ECONNREFUSED until unlink', async () => {
    const k = await kernel();
    const l = unixListener(k, '/run/app.sock', 1);
    k.close(l);
    assert.equal(unixConnect(k, '/run/app.sock').code, 'ECONNREFUSED');
    assert.equal(code(() => k.bind(k.socket(AF_UNIX, SOCK_STREAM), { path: '/run/app.sock' })), 'EADDRINUSE');
    k.unlink('/run/app.sock');
    unixListener(k, '/run/app.sock', 1);
    assert.equal(code(() => k.unlink('/run/none')), 'ENOENT');
  });
  test('an abstract name disappears with its socket', async () => {
    const k = await kernel();
    const l = unixListener(k, '\0svc', 1);
    k.close(l);
    unixListener(k, '\0svc', 1);
  });
  test('type mismatch: EPROTOTYPE for a path, ECONNREFUSED for an abstract name', async () => {
    const k = await kernel();
    unixListener(k, '/run/seq.sock', 1, SOCK_SEQPACKET);
    unixListener(k, '\0seq', 1, SOCK_SEQPACKET);
    assert.equal(unixConnect(k, '/run/seq.sock').code, 'EPROTOTYPE');
    assert.equal(unixConnect(k, '\0seq').code, 'ECONNREFUSED');
  });
  test('listen: unbound EINVAL on Linux, EDESTADDRREQ on FreeBSD and POSIX; datagram EOPNOTSUPP', async () => {
    for (const [personality, want] of [['linux', 'EINVAL'], ['freebsd', 'EDESTADDRREQ'], ['posix', 'EDESTADDRREQ']]) {
      const k = await kernel({ personality });
      assert.equal(code(() => k.listen(k.socket(AF_UNIX, SOCK_STREAM), 1)), want, personality);
      const d = k.socket(AF_UNIX, SOCK_DGRAM);
      k.bind(d, { path: '/d' });
      assert.equal(code(() => k.listen(d, 1)), 'EOPNOTSUPP');
    }
  });
  test('bind with only the family autobinds an abstract five-hex-digit name', async () => {
    const k = await kernel();
    const fd = k.socket(AF_UNIX, SOCK_STREAM);
    k.bind(fd, { path: '' });
    assert.match(k.getsockname(fd).path, /^\0[0-9a-f]{5}$/);
  });
  test('freebsd: no abstract names (a leading NUL is the empty path: ENOENT) and no autobind (EINVAL)', async () => {
    const k = await kernel({ personality: 'freebsd' });
    assert.equal(code(() => k.bind(k.socket(AF_UNIX, SOCK_STREAM), { path: '\0svc' })), 'ENOENT');
    assert.equal(unixConnect(k, '\0svc').code, 'ENOENT');
    assert.equal(code(() => k.bind(k.socket(AF_UNIX, SOCK_STREAM), { path: '' })), 'EINVAL');
  });
  test('closing a listener resets its unaccepted clients: ECONNRESET, then EOF', async () => {
    const k = await kernel();
    const l = unixListener(k, '/run/app.sock', 4);
    const c = unixConnect(k, '/run/app.sock');
    k.close(l);
    assert.equal(code(() => k.recv(c.fd)), 'ECONNRESET');
    assert.equal(k.recv(c.fd).length, 0);
  });
  test('shutdown(SHUT_RD) on a listener: still listening, queued ones accepted, new ones refused', async () => {
    const k = await kernel();
    const l = unixListener(k, '/run/app.sock', 4);
    unixConnect(k, '/run/app.sock');
    k.shutdown(l, SHUT_RD);
    assert.equal(unixConnect(k, '/run/app.sock').code, 'ECONNREFUSED');
    k.accept(l);
  });
});

describe('AF_UNIX datagrams to a receiver connected elsewhere', () => {
  for (const personality of PERSONALITIES) {
    const refuses = personality !== 'freebsd';
    test(`${personality}: ${refuses ? 'EPERM (unix_dgram_sendmsg: unix_may_send)' : 'delivered (uipc_sosend_dgram: unp_connect2 ignores the receiver\'s peer)'}; its own peer may send`, async () => {
      const k = await kernel({ personality });
      const r = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK), peer = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK), third = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK);
      k.bind(r, { path: '/run/r.sock' });
      k.bind(peer, { path: '/run/peer.sock' });
      k.connect(r, { path: '/run/peer.sock' });
      const sent = () => { try { return k.sendto(third, 'x', { path: '/run/r.sock' }); } catch (e) { return e.code; } };
      assert.equal(sent(), refuses ? 'EPERM' : 1);
      assert.equal(k.sendto(peer, 'ok', { path: '/run/r.sock' }), 2);
      assert.equal(new TextDecoder().decode(k.recv(r)), refuses ? 'ok' : 'x');
    });
  }
});
