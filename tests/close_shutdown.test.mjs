// Closing and shutting down listeners with connections in their queues
// (probe facts listener_close, listener_shutdown_rd; FreeBSD soshutdown).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { AF_INET, SOCK_STREAM, SOL_SOCKET, SO_ACCEPTCONN, SHUT_RD, SHUT_WR, SHUT_RDWR } from 'socket-kernel';
import { kernel, listening, connecting, fillBacklog, isConnected, soError, code } from './helpers.mjs';

describe('LISTEN -> closed with queued clients', () => {
  for (const personality of ['linux', 'posix', 'freebsd']) {
    test(`${personality}: queued clients read ECONNRESET, then EOF`, async () => {
      const k = await kernel({ personality });
      const l = listening(k, 2);
      const a = connecting(k, l.port).fd, b = connecting(k, l.port).fd;
      k.close(l.fd);
      assert.equal(code(() => k.recv(a)), 'ECONNRESET');
      assert.equal(k.recv(a).length, 0, 'then end of file');
      assert.equal(soError(k, b), 104, 'SO_ERROR says ECONNRESET too');
      assert.equal(k.stats().AcceptQueueResets, 2);
      assert.equal(k.stats().EstabResets, 2);
    });
  }
  test('linux: a client still in SYN_SENT ends refused at its retransmit', async () => {
    const k = await kernel();
    const l = listening(k, 0);
    const { blocked } = fillBacklog(k, l.port);
    k.close(l.fd);
    assert.equal(soError(k, blocked), 0);
    k.advance(1000);
    assert.equal(soError(k, blocked), 111, 'ECONNREFUSED');
  });
  test('linux, link delay: requests in the SYN queue vanish; their clients are reset by the stray ACK', async () => {
    const k = await kernel({ linkDelay: 10 });
    const l = listening(k, 4);
    const c = connecting(k, l.port).fd;
    k.advance(10); // the SYN is in the SYN queue; the SYN-ACK is on the way
    assert.equal(k.sockets().find((s) => s.fd === l.fd).synRecv, 1);
    k.close(l.fd);
    k.advance(30);
    assert.equal(soError(k, c), 104);
  });
  test('the listener\'s port is free again once nothing holds it', async () => {
    const k = await kernel();
    const l = listening(k, 1, { port: 8080 });
    k.close(l.fd);
    listening(k, 1, { port: 8080 });
  });
  test('accepted connections keep the port: a new listener needs SO_REUSEADDR (EADDRINUSE without)', async () => {
    const k = await kernel();
    const l = listening(k, 1, { port: 8080 });
    connecting(k, 8080);
    k.accept(l.fd);
    k.close(l.fd);
    const fresh = k.socket(AF_INET, SOCK_STREAM);
    assert.equal(code(() => k.bind(fresh, { address: '127.0.0.1', port: 8080 })), 'EADDRINUSE');
  });
});

describe('LISTEN + shutdown()', () => {
  test('linux: SHUT_RD stops listening, resets the queue, and listen() revives it on the same bound port', async () => {
    const k = await kernel();
    const l = listening(k, 4, { port: 8080 });
    const q = connecting(k, 8080).fd;
    k.shutdown(l.fd, SHUT_RD);
    assert.equal(code(() => k.accept(l.fd)), 'EINVAL');
    assert.equal(k.getsockopt(l.fd, SOL_SOCKET, SO_ACCEPTCONN), 0);
    assert.equal(code(() => k.recv(q)), 'ECONNRESET');
    assert.equal(connecting(k, 8080).code, 'EINPROGRESS');
    k.listen(l.fd, 4);
    assert.equal(k.getsockopt(l.fd, SOL_SOCKET, SO_ACCEPTCONN), 1);
    assert.equal(k.getsockname(l.fd).port, 8080);
    connecting(k, 8080);
    k.accept(l.fd);
  });
  test('linux: an autobound listener loses its port on SHUT_RD; listen() picks a new one', async () => {
    const k = await kernel();
    const fd = k.socket(AF_INET, SOCK_STREAM);
    k.listen(fd, 1);
    const before = k.getsockname(fd).port;
    k.shutdown(fd, SHUT_RDWR);
    assert.equal(k.getsockname(fd).port, before, 'getsockname still shows it (Linux keeps inet_sport)');
    const other = k.socket(AF_INET, SOCK_STREAM);
    k.bind(other, { address: '127.0.0.1', port: before }); // but the port is free
    k.listen(fd, 1);
    assert.notEqual(k.getsockname(fd).port, before);
  });
  test('linux: SHUT_WR on a listener changes nothing', async () => {
    const k = await kernel();
    const l = listening(k, 1);
    k.shutdown(l.fd, SHUT_WR);
    assert.equal(k.getsockopt(l.fd, SOL_SOCKET, SO_ACCEPTCONN), 1);
  });
  test('freebsd: SHUT_RD says ENOTCONN, the next accept() ECONNABORTED once, and it keeps listening', async () => {
    const k = await kernel({ personality: 'freebsd' });
    const l = listening(k, 4);
    connecting(k, l.port);
    assert.equal(code(() => k.shutdown(l.fd, SHUT_RD)), 'ENOTCONN');
    assert.equal(code(() => k.accept(l.fd)), 'ECONNABORTED');
    assert.equal(k.getsockopt(l.fd, SOL_SOCKET, SO_ACCEPTCONN), 1);
    k.accept(l.fd);
  });
  test('shutdown of an unconnected socket: ENOTCONN; a bad how: EINVAL', async () => {
    const k = await kernel();
    const fd = k.socket(AF_INET, SOCK_STREAM);
    assert.equal(code(() => k.shutdown(fd, SHUT_RDWR)), 'ENOTCONN');
    assert.equal(code(() => k.shutdown(fd, 3)), 'EINVAL');
  });
  test('shutdown while SYN_SENT abandons the attempt', async () => {
    const k = await kernel();
    const l = listening(k, 0);
    const { blocked } = fillBacklog(k, l.port);
    k.shutdown(blocked, SHUT_RDWR);
    k.accept(l.fd);
    k.advance(5000);
    assert.equal(isConnected(k, blocked), false);
    assert.equal(k.sockets().find((s) => s.fd === blocked).state, 'UNBOUND');
  });
});

describe('ESTABLISHED -> peer closes', () => {
  test('the other end reads EOF (CLOSE_WAIT)', async () => {
    const k = await kernel();
    const l = listening(k, 1);
    const c = connecting(k, l.port).fd;
    const a = k.accept(l.fd).fd;
    k.close(c);
    assert.equal(k.recv(a).length, 0);
    assert.equal(k.sockets().find((s) => s.fd === a).state, 'CLOSE_WAIT');
  });
  test('recv on a connected socket with nothing queued is EAGAIN; on a fresh one ENOTCONN', async () => {
    const k = await kernel();
    const l = listening(k, 1);
    const c = connecting(k, l.port).fd;
    assert.equal(code(() => k.recv(c)), 'EAGAIN');
    assert.equal(code(() => k.recv(k.socket(AF_INET, SOCK_STREAM))), 'ENOTCONN');
  });
});
