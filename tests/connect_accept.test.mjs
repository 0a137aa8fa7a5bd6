// connect() state machine and accept()/accept4() semantics, checked against Linux 6.18
// on loopback by tests/linux/probe.c (facts nonblocking_connect, connect_refused,
// connect_ealready, accept_errors) and against the FreeBSD and POSIX manuals.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  AF_INET, AF_INET6, SOCK_STREAM, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_CLOEXEC, F_GETFL, F_GETFD,
  O_NONBLOCK, FD_CLOEXEC, SOL_SOCKET, SO_ERROR, SO_ACCEPTCONN, SO_TYPE, SO_DOMAIN, SO_PROTOCOL,
} from 'socket-kernel';
import { kernel, listening, connecting, fillBacklog, isConnected, soError, code, PERSONALITIES } from './helpers.mjs';

describe('SYN_SENT -> ESTABLISHED on loopback', () => {
  test('nonblocking connect says EINPROGRESS, yet accept() succeeds at once', async () => {
    const k = await kernel();
    const l = listening(k, 8);
    const c = connecting(k, l.port);
    assert.equal(c.code, 'EINPROGRESS');
    const a = k.accept(l.fd);
    assert.deepEqual(a.address, k.getsockname(c.fd), 'accept returns the client address');
    assert.equal(soError(k, c.fd), 0);
  });
  test('then connect() returns 0 once, and EISCONN after that', async () => {
    const k = await kernel();
    const l = listening(k, 8);
    const c = connecting(k, l.port);
    assert.equal(code(() => k.connect(c.fd, { address: '127.0.0.1', port: l.port })), 'ok');
    assert.equal(code(() => k.connect(c.fd, { address: '127.0.0.1', port: l.port })), 'EISCONN');
    assert.deepEqual(k.getpeername(c.fd), { family: 'IPv4', address: '127.0.0.1', port: l.port });
  });
  test('a blocking connect that completes returns 0', async () => {
    const k = await kernel();
    const l = listening(k, 8);
    assert.equal(connecting(k, l.port, { flags: 0 }).code, null);
  });
  test('a blocking connect that would wait says EINPROGRESS (the sync API never blocks)', async () => {
    const k = await kernel();
    const l = listening(k, 0);
    fillBacklog(k, l.port);
    assert.equal(connecting(k, l.port, { flags: 0 }).code, 'EINPROGRESS');
  });
  test('connect() while SYN_SENT is EALREADY; getpeername is ENOTCONN', async () => {
    const k = await kernel();
    const l = listening(k, 0);
    const { blocked } = fillBacklog(k, l.port);
    assert.equal(code(() => k.connect(blocked, { address: '127.0.0.1', port: l.port })), 'EALREADY');
    assert.equal(code(() => k.getpeername(blocked)), 'ENOTCONN');
    assert.equal(soError(k, blocked), 0);
  });
  test('connect() on a listener is EISCONN', async () => {
    const k = await kernel();
    const l = listening(k, 1);
    assert.equal(code(() => k.connect(l.fd, { address: '127.0.0.1', port: l.port })), 'EISCONN');
  });
});

describe('SYN_SENT -> CLOSED: refused', () => {
  test('no listener: EINPROGRESS, then SO_ERROR ECONNREFUSED once, then connect() ECONNABORTED', async () => {
    const k = await kernel();
    const c = connecting(k, 9);
    assert.equal(c.code, 'EINPROGRESS');
    assert.equal(soError(k, c.fd), 111);
    assert.equal(soError(k, c.fd), 0, 'SO_ERROR is cleared by reading it');
    assert.equal(code(() => k.connect(c.fd, { address: '127.0.0.1', port: 9 })), 'ECONNABORTED');
    assert.equal(code(() => k.connect(c.fd, { address: '127.0.0.1', port: 9 })), 'EINPROGRESS', 'a fresh attempt');
    assert.equal(k.stats().ConnectRefused, 2);
  });
  test('without reading SO_ERROR the next connect() reports ECONNREFUSED itself', async () => {
    const k = await kernel();
    const c = connecting(k, 9);
    assert.equal(code(() => k.connect(c.fd, { address: '127.0.0.1', port: 9 })), 'ECONNREFUSED');
    assert.equal(soError(k, c.fd), 0);
  });
  test('recv() on a refused socket: ECONNREFUSED, then EOF', async () => {
    const k = await kernel();
    const c = connecting(k, 9);
    assert.equal(code(() => k.recv(c.fd)), 'ECONNREFUSED');
    assert.equal(k.recv(c.fd).length, 0);
  });
  test('a blocking connect to a closed port throws ECONNREFUSED', async () => {
    const k = await kernel();
    assert.equal(connecting(k, 9, { flags: 0 }).code, 'ECONNREFUSED');
  });
  test('connect to a non-local address: ENETUNREACH (one network namespace)', async () => {
    const k = await kernel();
    assert.equal(connecting(k, 80, { address: '192.0.2.1' }).code, 'ENETUNREACH');
  });
  test('connect to 0.0.0.0 reaches loopback, as ip_route_connect does', async () => {
    const k = await kernel();
    const l = listening(k, 1);
    connecting(k, l.port, { address: '0.0.0.0' });
    assert.equal(k.accept(l.fd).address.address, '127.0.0.1');
  });
});

describe('accept / accept4', () => {
  test('FIFO order, and the peer address is the client\'s own name', async () => {
    const k = await kernel();
    const l = listening(k, 16);
    const clients = Array.from({ length: 5 }, () => connecting(k, l.port).fd);
    for (const c of clients) assert.deepEqual(k.accept(l.fd).address, k.getsockname(c));
  });
  test('new descriptors are the lowest free ones', async () => {
    const k = await kernel();
    const l = listening(k, 16);             // fd 3
    const c1 = connecting(k, l.port).fd;    // 4
    const c2 = connecting(k, l.port).fd;    // 5
    assert.deepEqual([l.fd, c1, c2], [3, 4, 5]);
    k.close(c1);
    assert.equal(k.accept(l.fd).fd, 4, 'reuses 4');
    assert.equal(k.accept(l.fd).fd, 6);
  });
  test('EAGAIN on an empty queue; EINVAL when not listening; EOPNOTSUPP on UDP (Linux)', async () => {
    const k = await kernel();
    const l = listening(k, 1);
    assert.equal(code(() => k.accept(l.fd)), 'EAGAIN');
    const bound = k.socket(AF_INET, SOCK_STREAM);
    assert.equal(code(() => k.accept(bound)), 'EINVAL');
    assert.equal(code(() => k.accept(k.socket(AF_INET, SOCK_DGRAM))), 'EOPNOTSUPP');
    assert.equal(code(() => k.accept(0)), 'ENOTSOCK', 'stdio is not a socket');
    assert.equal(code(() => k.accept(99)), 'EBADF');
    assert.equal(code(() => k.accept(-1)), 'EBADF');
  });
  test('freebsd: accept on a socket that does not listen (UDP too) is EINVAL', async () => {
    const k = await kernel({ personality: 'freebsd' });
    assert.equal(code(() => k.accept(k.socket(AF_INET, SOCK_DGRAM))), 'EINVAL');
  });
  test('accept4 rejects unknown flags with EINVAL and keeps the connection queued', async () => {
    const k = await kernel();
    const l = listening(k, 4);
    connecting(k, l.port);
    assert.equal(code(() => k.accept4(l.fd, 0x1234)), 'EINVAL');
    assert.equal(k.sockets().find((s) => s.fd === l.fd).recvQ, 1);
  });
  test('accept4 applies exactly the flags given', async () => {
    const k = await kernel();
    const l = listening(k, 4);
    connecting(k, l.port); connecting(k, l.port);
    const a = k.accept4(l.fd, SOCK_NONBLOCK | SOCK_CLOEXEC);
    assert.equal(k.fcntl(a.fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    assert.equal(k.fcntl(a.fd, F_GETFD), FD_CLOEXEC);
    const b = k.accept4(l.fd, 0);
    assert.equal(k.fcntl(b.fd, F_GETFL) & O_NONBLOCK, 0);
    assert.equal(k.fcntl(b.fd, F_GETFD), 0);
  });
  for (const [personality, inherits] of [['linux', false], ['freebsd', true], ['posix', false]]) {
    test(`${personality}: accept() ${inherits ? 'inherits' : 'does not inherit'} O_NONBLOCK from the listener`, async () => {
      const k = await kernel({ personality });
      const fd = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
      k.bind(fd, { address: '127.0.0.1', port: 0 });
      k.listen(fd, 4);
      connecting(k, k.getsockname(fd).port); connecting(k, k.getsockname(fd).port);
      const a = k.accept(fd);
      assert.equal((k.fcntl(a.fd, F_GETFL) & O_NONBLOCK) !== 0, inherits);
      const b = k.accept4(fd, 0);
      assert.equal(k.fcntl(b.fd, F_GETFL) & O_NONBLOCK, 0, 'accept4 takes only the flags given');
    });
  }
  test('EMFILE at maxFds leaves the connection queued', async () => {
    const k = await kernel({ maxFds: 6 });
    const l = listening(k, 4);              // 3
    connecting(k, l.port); connecting(k, l.port); // 4, 5 (the queue holds their peers)
    assert.equal(code(() => k.socket(AF_INET, SOCK_STREAM)), 'EMFILE');
    assert.equal(code(() => k.accept(l.fd)), 'EMFILE');
    assert.equal(k.sockets().find((s) => s.fd === l.fd).recvQ, 2);
    k.close(4);
    assert.equal(k.accept(l.fd).fd, 4);
  });
});

describe('options', () => {
  test('SO_ACCEPTCONN, SO_TYPE, SO_DOMAIN, SO_PROTOCOL', async () => {
    const k = await kernel();
    const t = k.socket(AF_INET6, SOCK_STREAM);
    assert.equal(k.getsockopt(t, SOL_SOCKET, SO_ACCEPTCONN), 0);
    assert.deepEqual([SO_TYPE, SO_DOMAIN, SO_PROTOCOL].map((o) => k.getsockopt(t, SOL_SOCKET, o)), [1, 10, 6]);
    const u = k.socket(AF_INET, SOCK_DGRAM);
    assert.deepEqual([SO_TYPE, SO_DOMAIN, SO_PROTOCOL].map((o) => k.getsockopt(u, SOL_SOCKET, o)), [2, 2, 17]);
    k.listen(t, 1);
    assert.equal(k.getsockopt(t, SOL_SOCKET, SO_ACCEPTCONN), 1);
    assert.equal(code(() => k.getsockopt(t, SOL_SOCKET, 12345)), 'ENOPROTOOPT');
  });
  test('getsockname of an unbound socket is the wildcard with port 0', async () => {
    const k = await kernel();
    assert.deepEqual(k.getsockname(k.socket(AF_INET, SOCK_STREAM)), { family: 'IPv4', address: '0.0.0.0', port: 0 });
    assert.deepEqual(k.getsockname(k.socket(AF_INET6, SOCK_STREAM)), { family: 'IPv6', address: '::', port: 0 });
  });
});

describe('socket()', () => {
  test('errors for unsupported combinations, as Linux 6.18 gives them', async () => {
    const k = await kernel();
    const cases = [
      [[AF_INET, SOCK_STREAM, 17], 'EPROTONOSUPPORT'],
      [[AF_INET, SOCK_DGRAM, 6], 'EPROTONOSUPPORT'],
      [[AF_INET, 5, 0], 'ESOCKTNOSUPPORT'],
      [[AF_INET6, 5, 0], 'ESOCKTNOSUPPORT'],
      [[1, SOCK_STREAM, 6], 'EPROTONOSUPPORT'],
      [[12345, SOCK_STREAM, 0], 'EAFNOSUPPORT'],
      [[0, SOCK_STREAM, 0], 'EAFNOSUPPORT'],
      [[AF_INET, 99, 0], 'EINVAL'],
      [[AF_INET, SOCK_STREAM | 0x40000000, 0], 'EINVAL'],
      [[AF_INET, 3, 0], 'EPROTONOSUPPORT'],
      [[AF_INET, 0, 0], 'ESOCKTNOSUPPORT'],
      [[AF_INET, SOCK_STREAM, 9999], 'EINVAL'],
      [[AF_INET, SOCK_STREAM, -1], 'EINVAL'],
    ];
    for (const [args, want] of cases) assert.equal(code(() => k.socket(...args)), want, `socket(${args.join(', ')})`);
    assert.equal(k.getsockopt(k.socket(1, 3, 0), SOL_SOCKET, SO_TYPE), SOCK_DGRAM, 'AF_UNIX SOCK_RAW is a datagram socket');
  });
  test('the first socket is fd 3', async () => {
    const k = await kernel();
    assert.equal(k.socket(AF_INET, SOCK_STREAM), 3);
    assert.equal(code(() => k.listen(1, 1)), 'ENOTSOCK');
  });
});
