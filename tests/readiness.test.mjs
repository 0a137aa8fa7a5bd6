// poll() and epoll: what Linux reports (tcp_poll, datagram_poll, unix_poll; checked
// against Linux 6.18 by tests/linux/probe.c where it polls), and epoll costing O(ready).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  AF_INET, SOCK_STREAM, SOCK_DGRAM, SHUT_WR, POLLIN, POLLOUT, POLLERR, POLLHUP, POLLRDHUP, POLLRDNORM,
  POLLWRNORM, POLLNVAL, EPOLLIN, EPOLLOUT, EPOLLET, EPOLLONESHOT, EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL,
} from 'socket-kernel';
import { kernel, listening, connecting, fillBacklog, code } from './helpers.mjs';

const ALL = POLLIN | POLLOUT | POLLRDHUP | POLLRDNORM | POLLWRNORM;
const revents = (k, fd) => k.poll([{ fd, events: ALL }])[0];

describe('poll()', () => {
  test('a fresh TCP socket: POLLOUT|POLLHUP (TCP_CLOSE); a fresh UDP socket: POLLOUT', async () => {
    const k = await kernel();
    assert.equal(revents(k, k.socket(AF_INET, SOCK_STREAM)), POLLOUT | POLLWRNORM | POLLHUP);
    assert.equal(revents(k, k.socket(AF_INET, SOCK_DGRAM)) & ~POLLWRNORM, POLLOUT);
  });
  test('a listener is readable exactly when its accept queue is not empty', async () => {
    const k = await kernel();
    const l = listening(k, 4);
    assert.equal(revents(k, l.fd), 0);
    connecting(k, l.port);
    assert.equal(revents(k, l.fd), POLLIN | POLLRDNORM);
    k.accept(l.fd);
    assert.equal(revents(k, l.fd), 0);
  });
  test('connected: writable; readable once bytes arrive; POLLRDHUP after the peer\'s FIN', async () => {
    const k = await kernel();
    const l = listening(k, 4);
    const c = connecting(k, l.port).fd, a = k.accept(l.fd).fd;
    assert.equal(revents(k, c), POLLOUT | POLLWRNORM);
    k.send(a, 'x');
    assert.equal(revents(k, c), POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM);
    k.recv(c);
    k.shutdown(a, SHUT_WR);
    assert.equal(revents(k, c), POLLIN | POLLRDNORM | POLLRDHUP | POLLOUT | POLLWRNORM);
  });
  test('a refused connect: POLLERR|POLLHUP with POLLIN|POLLRDHUP (probe: connect_refused.revents_immediately)', async () => {
    const k = await kernel();
    const c = connecting(k, 9).fd;
    assert.equal(revents(k, c), POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLERR | POLLHUP | POLLRDHUP);
  });
  test('a client in SYN_SENT is neither readable nor writable', async () => {
    const k = await kernel();
    const l = listening(k, 0);
    const { blocked } = fillBacklog(k, l.port);
    assert.equal(revents(k, blocked), 0);
  });
  test('a full send queue clears POLLOUT until the peer reads', async () => {
    const k = await kernel();
    const l = listening(k, 4);
    const c = connecting(k, l.port).fd, a = k.accept(l.fd).fd;
    k.send(c, new Uint8Array(200_000));
    assert.equal(revents(k, c) & POLLOUT, 0);
    k.recv(a, 200_000);
    assert.equal(revents(k, c) & POLLOUT, POLLOUT);
  });
  test('POLLNVAL for a closed descriptor; negative fds are ignored', async () => {
    const k = await kernel();
    assert.deepEqual(k.poll([{ fd: 50, events: POLLIN }, { fd: -1, events: POLLIN }]), [POLLNVAL, 0]);
  });
});

describe('epoll', () => {
  test('epoll_wait visits only the ready sockets: 3 ready among 1000', async () => {
    const k = await kernel({ maxFds: 4096 });
    const l = listening(k, 2048);
    const ep = k.epollCreate();
    const pairs = [];
    for (let i = 0; i < 1000; i++) {
      const c = connecting(k, l.port).fd;
      const a = k.accept(l.fd).fd;
      pairs.push([c, a]);
      k.epollCtl(ep, EPOLL_CTL_ADD, a, EPOLLIN);
    }
    assert.deepEqual(k.epollWait(ep, 64), [], 'nothing to read yet');
    for (const i of [10, 500, 999]) k.send(pairs[i][0], 'x');
    const ready = k.epollWait(ep, 64).map((e) => e.data).sort((x, y) => x - y);
    assert.deepEqual(ready, [10, 500, 999].map((i) => pairs[i][1]).sort((x, y) => x - y));
  });
  test('level-triggered reports again until read; edge-triggered once per change; one-shot until EPOLL_CTL_MOD', async () => {
    const k = await kernel();
    const l = listening(k, 8);
    const mk = () => { const c = connecting(k, l.port).fd; return [c, k.accept(l.fd).fd]; };
    const [c1, lt] = mk(), [c2, et] = mk(), [c3, os] = mk();
    const ep = k.epollCreate();
    k.epollCtl(ep, EPOLL_CTL_ADD, lt, EPOLLIN, 1);
    k.epollCtl(ep, EPOLL_CTL_ADD, et, EPOLLIN | EPOLLET, 2);
    k.epollCtl(ep, EPOLL_CTL_ADD, os, EPOLLIN | EPOLLONESHOT, 3);
    k.send(c1, 'a'); k.send(c2, 'b'); k.send(c3, 'c');
    const ids = () => k.epollWait(ep).map((e) => e.data).sort();
    assert.deepEqual(ids(), [1, 2, 3]);
    assert.deepEqual(ids(), [1], 'only the level-triggered one is still reported');
    k.send(c2, 'more'); k.send(c3, 'more');
    assert.deepEqual(ids(), [1, 2], 'new data re-arms the edge; one-shot stays disabled');
    k.epollCtl(ep, EPOLL_CTL_MOD, os, EPOLLIN | EPOLLONESHOT, 3);
    assert.deepEqual(ids(), [1, 3]);
    k.recv(lt);
    assert.deepEqual(ids(), []);
  });
  test('errors: EEXIST, ENOENT, EINVAL on a non-epoll fd, ENOTSOCK for socket calls on an epoll fd', async () => {
    const k = await kernel();
    const ep = k.epollCreate();
    const s = k.socket(AF_INET, SOCK_STREAM);
    k.epollCtl(ep, EPOLL_CTL_ADD, s, EPOLLOUT);
    assert.equal(code(() => k.epollCtl(ep, EPOLL_CTL_ADD, s, EPOLLOUT)), 'EEXIST');
    k.epollCtl(ep, EPOLL_CTL_DEL, s);
    assert.equal(code(() => k.epollCtl(ep, EPOLL_CTL_DEL, s)), 'ENOENT');
    assert.equal(code(() => k.epollWait(s)), 'EINVAL');
    assert.equal(code(() => k.listen(ep, 1)), 'ENOTSOCK');
  });
  test('closing a socket removes it from every epoll set; closing the epoll fd frees its items', async () => {
    const k = await kernel();
    const ep = k.epollCreate();
    const s = k.socket(AF_INET, SOCK_STREAM);
    k.epollCtl(ep, EPOLL_CTL_ADD, s, EPOLLOUT);
    k.close(s);
    assert.deepEqual(k.epollWait(ep), []);
    const t = k.socket(AF_INET, SOCK_STREAM);
    k.epollCtl(ep, EPOLL_CTL_ADD, t, EPOLLOUT);
    k.close(ep);
    const ep2 = k.epollCreate();
    k.epollCtl(ep2, EPOLL_CTL_ADD, t, EPOLLOUT, 7);
    assert.deepEqual(k.epollWait(ep2).map((e) => e.data), [7]);
  });
  test('a listener becomes ready when a connection is queued', async () => {
    const k = await kernel();
    const l = listening(k, 4);
    const ep = k.epollCreate();
    k.epollCtl(ep, EPOLL_CTL_ADD, l.fd, EPOLLIN, 42);
    assert.deepEqual(k.epollWait(ep), []);
    connecting(k, l.port);
    assert.deepEqual(k.epollWait(ep), [{ events: EPOLLIN, data: 42 }]);
  });
});
