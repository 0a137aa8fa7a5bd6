// The async calls against the blocking system calls they stand for (docs/personalities.md
// §9 "Blocking calls"): each test says what the blocking call does on the kernel the
// personality imitates, with its source, or names the async layer's own choice.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  AF_INET, AF_UNIX, SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_NONBLOCK, SHUT_RD, SHUT_WR,
  EPOLLIN, EPOLLOUT, EPOLLPEER, EPOLL_CTL_ADD, POLLOUT,
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

/**
 * connectAsync of a new blocking AF_UNIX stream socket to `path`, checked to be waiting:
 * { connecting } (in an object: an async function returning the promise would wait for it).
 */
async function waitingConnect(k, path, options) {
  const connecting = k.connectAsync(k.socket(AF_UNIX, SOCK_STREAM), { path }, options);
  assert.equal(await outcome(connecting), 'waiting');
  return { connecting };
}

/** An accept on listener l lets `connecting` in; the tables stay consistent (debug kernels). */
async function acceptLetsIn(k, l, { connecting }) {
  k.accept(l);
  assert.deepEqual(await outcome(connecting), { value: undefined });
  k.check();
}

describe('connectAsync', () => {
  test('Linux AF_UNIX: waits for room in a full listener queue, then connects (unix_wait_for_peer)', async () => {
    const k = await kernel({ clock: 'auto' });
    const l = fullUnixListener(k, '/tmp/blocking-full');
    await acceptLetsIn(k, l, await waitingConnect(k, '/tmp/blocking-full'));
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

describe('connectAsync, AF_UNIX listener queue full (io/peer_wait.ts)', () => {
  const path = '/tmp/blocking-wait';

  test('POSIX: waits for room as on Linux (connect() says EAGAIN: policy/personality.ts unixFullErrno)', async () => {
    const k = await kernel({ clock: 'auto', personality: 'posix' }, { debug: true });
    const l = fullUnixListener(k, path);
    await acceptLetsIn(k, l, await waitingConnect(k, path));
  });

  test('an accept lets one waiting connect in, the oldest first (unix_accept: wake_up_interruptible wakes one exclusive waiter)', async () => {
    const k = await kernel({ clock: 'auto' }, { debug: true });
    const l = fullUnixListener(k, path);
    const first = await waitingConnect(k, path);
    const second = await waitingConnect(k, path);
    await acceptLetsIn(k, l, first);
    assert.equal(await outcome(second.connecting), 'waiting');
    await acceptLetsIn(k, l, second);
  });

  test('a connect() told EAGAIN that no one waits on does not take the wake-up of the accept', async () => {
    const k = await kernel({ clock: 'auto' }, { debug: true });
    const l = fullUnixListener(k, path);
    const gaveUp = k.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
    assert.throws(() => k.connect(gaveUp, { path }), { code: 'EAGAIN' });
    await acceptLetsIn(k, l, await waitingConnect(k, path));
  });

  test('an aborted connectAsync leaves the queue: the next waiter gets the room (a signal: finish_wait)', async () => {
    const k = await kernel({ clock: 'auto' }, { debug: true });
    const l = fullUnixListener(k, path);
    const ac = new AbortController();
    const aborted = await waitingConnect(k, path, { signal: ac.signal });
    const other = await waitingConnect(k, path);
    ac.abort();
    assert.deepEqual(await outcome(aborted.connecting), { code: 'ABORT_ERR' });
    await acceptLetsIn(k, l, other);
  });

  test('no SO_SNDTIMEO in the kernel: AbortSignal.timeout ends the wait with an AbortError (Linux: EAGAIN when SO_SNDTIMEO passes)', async () => {
    const k = await kernel({ clock: 'auto' });
    fullUnixListener(k, path);
    const connecting = k.connectAsync(k.socket(AF_UNIX, SOCK_STREAM), { path }, { signal: AbortSignal.timeout(10) });
    assert.deepEqual(await outcome(connecting), { code: 'ABORT_ERR' });
  });

  test('the listener closes: the waiting connect is refused, ECONNREFUSED (unix_release_sock wakes peer_wait; the restart finds no listener)', async () => {
    const k = await kernel({ clock: 'auto' }, { debug: true });
    const l = fullUnixListener(k, path);
    const { connecting } = await waitingConnect(k, path);
    k.close(l);
    assert.deepEqual(await outcome(connecting), { code: 'ECONNREFUSED' });
    k.check();
  });

  test('listen() with a larger backlog lets the waiting connects in (unix_listen: wake_up_interruptible_all)', async () => {
    const k = await kernel({ clock: 'auto' });
    const l = fullUnixListener(k, path);
    const both = [0, 1].map(() => k.connectAsync(k.socket(AF_UNIX, SOCK_STREAM), { path }));
    assert.equal(await outcome(both[1]), 'waiting');
    k.listen(l, 4);
    assert.deepEqual(await Promise.all(both.map(outcome)), [{ value: undefined }, { value: undefined }]);
  });

  test('shutdown(SHUT_RD) of the listener does not wake the waiting connect; the close does (unix_shutdown leaves peer_wait alone)', async () => {
    const k = await kernel({ clock: 'auto' });
    const l = fullUnixListener(k, path);
    const { connecting } = await waitingConnect(k, path);
    k.shutdown(l, SHUT_RD);
    assert.equal(await outcome(connecting), 'waiting');
    k.close(l);
    assert.deepEqual(await outcome(connecting), { code: 'ECONNREFUSED' });
  });

  test('closing the waiting socket rejects connectAsync with EBADF and takes it off the queue (the layer\'s choice, as for acceptAsync)', async () => {
    const k = await kernel({ clock: 'auto' }, { debug: true });
    const l = fullUnixListener(k, path);
    const c = k.socket(AF_UNIX, SOCK_STREAM);
    const connecting = k.connectAsync(c, { path });
    assert.equal(await outcome(connecting), 'waiting');
    k.close(c);
    assert.deepEqual(await outcome(connecting), { code: 'EBADF' });
    k.check();
    k.accept(l);
    k.check();
  });

  test('EPOLLPEER: reported while a socket waits for no listener; a connect() refused EAGAIN clears it until the accept', async () => {
    const k = await kernel({}, { debug: true });
    const l = fullUnixListener(k, path);
    const c = k.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
    const ep = k.epollCreate();
    k.epollCtl(ep, EPOLL_CTL_ADD, c, EPOLLPEER, c);
    const peerBit = () => k.epollWait(ep, 4).map((e) => e.events & EPOLLPEER);
    assert.deepEqual(peerBit(), [EPOLLPEER]);
    assert.throws(() => k.connect(c, { path }), { code: 'EAGAIN' });
    assert.deepEqual(peerBit(), [0]); // ready all the same: an unconnected socket polls POLLHUP
    k.accept(l);
    assert.deepEqual(peerBit(), [EPOLLPEER]);
    k.connect(c, { path });
    k.check();
  });
});

describe('acceptAsync', () => {
  for (const [name, listener] of [
    ['TCP', (k) => listening(k, 5).fd],
    ['AF_UNIX', (k) => {
      const l = k.socket(AF_UNIX, SOCK_STREAM);
      k.bind(l, { path: '/tmp/blocking-accept' });
      k.listen(l, 5);
      return l;
    }],
  ]) {
    test(`Linux ${name}: shutdown(SHUT_RD) of the listener wakes a waiting accept with EINVAL (inet_csk_wait_for_connect; unix_accept: skb_recv_datagram wakes on RCV_SHUTDOWN without an error)`, async () => {
      const k = await kernel({ clock: 'auto' });
      const l = listener(k);
      const accepting = k.acceptAsync(l);
      assert.equal(await outcome(accepting), 'waiting');
      k.shutdown(l, SHUT_RD);
      assert.deepEqual(await outcome(accepting), { code: 'EINVAL' });
      assert.deepEqual(await outcome(k.acceptAsync(l)), { code: 'EINVAL' });
    });
  }

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
    const k = await kernel({ clock: 'auto' }, { debug: true });
    const { r, s } = fullDgramReceiver(k, '/tmp/blocking-dgram');
    const sending = k.sendAsync(s, 'y');
    assert.equal(await outcome(sending), 'waiting');
    k.recv(r);
    assert.deepEqual(await outcome(sending), { value: 1 });
    k.check();
  });

  test('AF_UNIX datagrams connected both ways: a send refused EAGAIN waits for the read (poll agrees with send; Linux limits such a pair by SO_SNDBUF, docs/personalities.md §9)', async () => {
    const k = await kernel({ clock: 'auto' }, { debug: true });
    const a = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK), b = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK);
    k.bind(a, { path: '/tmp/blocking-a' });
    k.bind(b, { path: '/tmp/blocking-b' });
    k.connect(a, { path: '/tmp/blocking-b' });
    k.connect(b, { path: '/tmp/blocking-a' });
    assert.throws(() => { for (;;) k.send(a, 'x'); }, { code: 'EAGAIN' });
    assert.deepEqual(k.poll([{ fd: a, events: POLLOUT }]), [0]);
    const sending = k.sendAsync(a, 'y');
    assert.equal(await outcome(sending), 'waiting');
    k.recv(b);
    assert.deepEqual(await outcome(sending), { value: 1 });
    k.check();
  });

  test('AF_UNIX datagrams: a sender that only polled, never sent, is woken by the read too (unix_dgram_poll -> unix_dgram_peer_wake_me)', async () => {
    const k = await kernel({}, { debug: true });
    const { r } = fullDgramReceiver(k, '/tmp/blocking-dgram');
    const quiet = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK);
    k.connect(quiet, { path: '/tmp/blocking-dgram' });
    const ep = k.epollCreate();
    k.epollCtl(ep, EPOLL_CTL_ADD, quiet, EPOLLIN | EPOLLOUT, quiet);
    assert.deepEqual(k.epollWait(ep, 4), []);
    k.recv(r);
    assert.deepEqual(k.epollWait(ep, 4).map((e) => e.events), [EPOLLOUT]);
    k.check();
  });

  test('AF_UNIX datagrams: the receiver\'s close wakes a waiting send, which is refused, ECONNREFUSED (unix_release_sock; unix_dgram_sendmsg on a dead peer)', async () => {
    const k = await kernel({ clock: 'auto' }, { debug: true });
    const { r, s } = fullDgramReceiver(k, '/tmp/blocking-dgram');
    const sending = k.sendAsync(s, 'y');
    assert.equal(await outcome(sending), 'waiting');
    k.close(r);
    assert.deepEqual(await outcome(sending), { code: 'ECONNREFUSED' });
    k.check();
  });

  test('datagrams: a sender that is not connected has no async sendto; sendAsync says ENOTCONN (AF_UNIX) or EDESTADDRREQ (UDP) at once (unix_dgram_sendmsg, udp_sendmsg)', async () => {
    const k = await kernel({ clock: 'auto' });
    assert.deepEqual(await outcome(k.sendAsync(k.socket(AF_UNIX, SOCK_DGRAM), 'x')), { code: 'ENOTCONN' });
    assert.deepEqual(await outcome(k.sendAsync(k.socket(AF_INET, SOCK_DGRAM), 'x')), { code: 'EDESTADDRREQ' });
  });

  test('UDP: a send to a full receiver never waits: the datagram is dropped and counted (udp_sendmsg; __udp_queue_rcv_skb, UdpRcvbufErrors)', async () => {
    const k = await kernel({ clock: 'auto' });
    const r = k.socket(AF_INET, SOCK_DGRAM);
    k.bind(r, { address: '127.0.0.1', port: 0 });
    const s = k.socket(AF_INET, SOCK_DGRAM);
    k.connect(s, { address: '127.0.0.1', port: k.getsockname(r).port });
    const big = new Uint8Array(60000);
    for (let i = 0; i < 8; i++) assert.deepEqual(await outcome(k.sendAsync(s, big)), { value: big.length });
    assert.ok(k.stats().UdpRcvbufErrors > 0);
  });

  for (const [name, pair] of [
    ['TCP', async (k) => {
      const l = listening(k, 5);
      const c = k.socket(AF_INET, SOCK_STREAM);
      await k.connectAsync(c, { address: '127.0.0.1', port: l.port });
      return { c, a: k.accept(l.fd).fd };
    }],
    ['AF_UNIX stream', async (k) => unixPair(k, SOCK_STREAM, '/tmp/blocking-big')],
  ]) {
    test(`${name}: a send larger than the buffers waits for the reader and sends all of it (sk_stream_wait_memory; sock_alloc_send_pskb)`, async () => {
      const k = await kernel({ clock: 'auto' });
      const { c, a } = await pair(k);
      const big = new Uint8Array(1 << 20);
      const sending = k.sendAsync(c, big);
      assert.equal(await outcome(sending), 'waiting');
      let got = 0;
      while (got < big.length) got += (await k.recvAsync(a)).length;
      assert.deepEqual(await outcome(sending), { value: big.length });
    });
  }

  for (const [name, type] of [['stream', SOCK_STREAM], ['seqpacket', SOCK_SEQPACKET]]) {
    test(`AF_UNIX ${name}: the peer's shutdown(SHUT_WR) and the socket's own shutdown(SHUT_RD) wake a waiting recv with end of file (unix_shutdown: sk_state_change on both ends)`, async () => {
      const k = await kernel({ clock: 'auto' });
      const { c, a } = unixPair(k, type, `/tmp/blocking-${name}`);
      const atClient = k.recvAsync(c), atAccepted = k.recvAsync(a);
      assert.equal(await outcome(atClient), 'waiting');
      k.shutdown(a, SHUT_WR);
      assert.deepEqual(await outcome(atClient), { value: new Uint8Array(0) });
      k.shutdown(a, SHUT_RD);
      assert.deepEqual(await outcome(atAccepted), { value: new Uint8Array(0) });
    });

    test(`AF_UNIX ${name}: the peer's close wakes a waiting recv with end of file (unix_release_sock: skpair->sk_state_change)`, async () => {
      const k = await kernel({ clock: 'auto' });
      const { c, a } = unixPair(k, type, `/tmp/blocking-${name}`);
      const receiving = k.recvAsync(c);
      assert.equal(await outcome(receiving), 'waiting');
      k.close(a);
      assert.deepEqual(await outcome(receiving), { value: new Uint8Array(0) });
    });
  }

  test('AF_UNIX datagrams: a sender that closes leaves its receiver reading on: a waiting recv keeps waiting (unix_release_sock shuts down stream and seqpacket peers only)', async () => {
    const k = await kernel({ clock: 'auto' });
    const r = k.socket(AF_UNIX, SOCK_DGRAM);
    k.bind(r, { path: '/tmp/blocking-dgram' });
    const s = k.socket(AF_UNIX, SOCK_DGRAM);
    k.connect(s, { path: '/tmp/blocking-dgram' });
    const receiving = k.recvAsync(r);
    k.close(s);
    assert.equal(await outcome(receiving), 'waiting');
    const t = k.socket(AF_UNIX, SOCK_DGRAM);
    k.sendto(t, 'late', { path: '/tmp/blocking-dgram' });
    assert.equal(new TextDecoder().decode(await receiving), 'late');
  });

  test('closing the descriptor under a waiting recv rejects it with EBADF (the layer\'s choice: Linux holds the file until the call returns)', async () => {
    const k = await kernel({ clock: 'auto' });
    const { c } = unixPair(k, SOCK_STREAM, '/tmp/blocking-close');
    const receiving = k.recvAsync(c);
    assert.equal(await outcome(receiving), 'waiting');
    k.close(c);
    assert.deepEqual(await outcome(receiving), { code: 'EBADF' });
  });
});

describe('any call', () => {
  test('O_NONBLOCK on the descriptor: the async calls wait all the same (the layer\'s choice; the synchronous calls follow the flag)', async () => {
    const k = await kernel({ clock: 'auto' });
    const l = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    k.bind(l, { address: '127.0.0.1', port: 0 });
    k.listen(l, 5);
    assert.throws(() => k.accept(l), { code: 'EAGAIN' });
    const accepting = k.acceptAsync(l);
    assert.equal(await outcome(accepting), 'waiting');
    await k.connectAsync(k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK), { address: '127.0.0.1', port: k.getsockname(l).port });
    assert.equal(typeof (await accepting).fd, 'number');
  });

  test('a signal: the promise rejects with AbortError; an aborted TCP connectAsync goes on in the background (EINTR, then EALREADY)', async () => {
    const k = await kernel({ clock: 'auto', linkDelay: 5 });
    const l = listening(k, 5);
    const c = k.socket(AF_INET, SOCK_STREAM);
    const ac = new AbortController();
    const addr = { address: '127.0.0.1', port: l.port };
    const connecting = k.connectAsync(c, addr, { signal: ac.signal });
    ac.abort();
    assert.deepEqual(await outcome(connecting), { code: 'ABORT_ERR' });
    assert.throws(() => k.connect(c, addr), { code: 'EALREADY' });
    await k.connectAsync(c, addr);
    assert.equal(k.getpeername(c).port, l.port);
  });
});
