// The async calls against the blocking system calls they stand for (docs/personalities.md
// §9 "Blocking calls"): each test says what the blocking call does on the kernel the
// personality imitates, with its source, or names the async layer's own choice.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  AF_INET, AF_UNIX, SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_NONBLOCK, SHUT_RD, SHUT_WR,
  EPOLLIN, EPOLLOUT, EPOLLPEER, EPOLL_CTL_ADD, POLLIN, POLLOUT,
} from 'socket-kernel';
import { kernel, listening } from './helpers.mjs';

/** How long (real ms) a promise may take before it counts as still waiting. */
const SETTLE_MS = 50;

/** 'waiting', { value } or { code } (the error code or name) after SETTLE_MS. */
function outcome(promise) {
  return Promise.race([
    promise.then((value) => ({ value }), (e) => ({ code: e.code ?? e.name })),
    new Promise((resolve) => { setTimeout(() => resolve('waiting'), SETTLE_MS); }),
  ]);
}

/** An AF_UNIX stream listener on `path` whose queue is full (backlog 0 admits one). */
function fullUnixListener(k, path) {
  const l = k.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
  k.bind(l, { path });
  k.listen(l, 0);
  const first = k.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
  k.connect(first, { path });
  return l;
}

/** A bound AF_UNIX datagram receiver on `path` and a sender connected to it that filled its queue. */
function fullDgramReceiver(k, path) {
  const r = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK);
  k.bind(r, { path });
  const s = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK);
  k.connect(s, { path });
  assert.throws(() => { for (;;) k.send(s, 'x'); }, { code: 'EAGAIN' });
  return { r, s };
}

/** An accepted AF_UNIX connection of `type`: { c, a } (client, accepted). */
function unixPair(k, type, path) {
  const l = k.socket(AF_UNIX, type | SOCK_NONBLOCK);
  k.bind(l, { path });
  k.listen(l, 5);
  const c = k.socket(AF_UNIX, type);
  k.connect(c, { path });
  const { fd: a } = k.accept(l);
  k.close(l);
  return { c, a };
}

const tick = () => new Promise((resolve) => { setTimeout(resolve, 0); });

describe('connectAsync', () => {
  test('Linux AF_UNIX: waits for room in a full listener queue, then connects (unix_wait_for_peer)', async () => {
    const k = await kernel({ clock: 'auto' });
    const l = fullUnixListener(k, '/tmp/blocking-full');
    const c = k.socket(AF_UNIX, SOCK_STREAM);
    const connecting = k.connectAsync(c, { path: '/tmp/blocking-full' });
    assert.equal(await outcome(connecting), 'waiting');
    k.accept(l);
    assert.deepEqual(await outcome(connecting), { value: undefined });
  });

  test('FreeBSD AF_UNIX: a full listener refuses at once, it never blocks (unp_connectat)', async () => {
    const k = await kernel({ clock: 'auto', personality: 'freebsd' });
    fullUnixListener(k, '/tmp/blocking-full');
    const c = k.socket(AF_UNIX, SOCK_STREAM);
    assert.deepEqual(await outcome(k.connectAsync(c, { path: '/tmp/blocking-full' })), { code: 'ECONNREFUSED' });
  });

  test('Linux TCP: a full accept queue drops the SYN; the connect completes once accept makes room (tcp_conn_request, SYN retransmit)', async () => {
    const k = await kernel({ clock: 'auto' });
    const l = listening(k, 0);
    const first = k.socket(AF_INET, SOCK_STREAM);
    await k.connectAsync(first, { address: '127.0.0.1', port: l.port });
    const c = k.socket(AF_INET, SOCK_STREAM);
    const connecting = k.connectAsync(c, { address: '127.0.0.1', port: l.port });
    k.accept(l.fd);
    await connecting;
    assert.equal(k.getpeername(c).port, l.port);
  });
});

describe('acceptAsync', () => {
  test('Linux: shutdown(SHUT_RD) of the listener wakes a waiting accept with EINVAL (inet_csk_wait_for_connect)', async () => {
    const k = await kernel({ clock: 'auto' });
    const l = listening(k, 5);
    const accepting = k.acceptAsync(l.fd);
    assert.equal(await outcome(accepting), 'waiting');
    k.shutdown(l.fd, SHUT_RD);
    assert.deepEqual(await outcome(accepting), { code: 'EINVAL' });
  });

  test('FreeBSD: shutdown(SHUT_RD) of the listener wakes a waiting accept with ECONNABORTED (solisten_wakeup, solisten_dequeue)', async () => {
    const k = await kernel({ clock: 'auto', personality: 'freebsd' });
    const l = listening(k, 5);
    const accepting = k.acceptAsync(l.fd);
    assert.equal(await outcome(accepting), 'waiting');
    assert.throws(() => k.shutdown(l.fd, SHUT_RD), { code: 'ENOTCONN' });
    assert.deepEqual(await outcome(accepting), { code: 'ECONNABORTED' });
  });

  test('closing the listener under a waiting accept rejects it with EBADF (the async layer\'s choice: Linux keeps the file open until the call returns)', async () => {
    const k = await kernel({ clock: 'auto' });
    const l = listening(k, 5);
    const accepting = k.acceptAsync(l.fd);
    k.close(l.fd);
    assert.deepEqual(await outcome(accepting), { code: 'EBADF' });
  });
});

describe('recvAsync and sendAsync', () => {
  test('a recv on a connecting TCP socket waits for the connection and its data (tcp_recvmsg: SYN_SENT is not CLOSE, sk_wait_data)', async () => {
    const k = await kernel({ clock: 'auto', linkDelay: 5 });
    const l = listening(k, 5);
    const c = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    assert.throws(() => k.connect(c, { address: '127.0.0.1', port: l.port }), { code: 'EINPROGRESS' });
    const receiving = k.recvAsync(c);
    assert.equal(await outcome(receiving), 'waiting');
    const { fd: a } = await k.acceptAsync(l.fd);
    await k.sendAsync(a, 'late');
    assert.equal(new TextDecoder().decode(await receiving), 'late');
  });

  test('on a socket that never connected: recv ENOTCONN, send EPIPE, at once (tcp_recvmsg, sk_stream_wait_connect)', async () => {
    const k = await kernel({ clock: 'auto' });
    const x = k.socket(AF_INET, SOCK_STREAM);
    assert.deepEqual(await outcome(k.recvAsync(x)), { code: 'ENOTCONN' });
    assert.deepEqual(await outcome(k.sendAsync(x, 'a')), { code: 'EPIPE' });
  });

  test('Linux AF_UNIX datagrams: a send to a full receiver waits until it reads (unix_wait_for_peer, unix_dgram_peer_wake_relay)', async () => {
    const k = await kernel({ clock: 'auto' });
    const r = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK);
    k.bind(r, { path: '/tmp/blocking-dgram' });
    const s = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK);
    k.connect(s, { path: '/tmp/blocking-dgram' });
    assert.throws(() => { for (;;) k.send(s, 'x'); }, { code: 'EAGAIN' });
    const sending = k.sendAsync(s, 'y');
    assert.equal(await outcome(sending), 'waiting');
    k.recv(r);
    assert.deepEqual(await outcome(sending), { value: 1 });
  });
});
