// The data path: bytes and messages through receive queues, the end of a connection
// (FIN states, TIME_WAIT, resets), and datagrams. Sources: tcp_sendmsg_locked,
// tcp_recvmsg_locked, tcp_close, tcp_reset, udp_sendmsg, unix_dgram_sendmsg.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  AF_INET, AF_UNIX, SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_NONBLOCK, SOL_SOCKET,
  SO_REUSEADDR, SO_SNDBUF, SO_RCVBUF, SO_LINGER, SHUT_WR, MSG_PEEK, MSG_TRUNC,
} from 'socket-kernel';
import { kernel, listening, connecting, code } from './helpers.mjs';

const text = (u8) => new TextDecoder().decode(u8);

/** A connected TCP pair: { k, c (client fd), a (accepted fd), l }. */
async function pair(options = {}) {
  const k = await kernel(options);
  const l = listening(k, 8);
  const c = connecting(k, l.port).fd;
  if (options.linkDelay) k.advance(3 * options.linkDelay); // SYN, SYN-ACK, ACK
  const a = k.accept(l.fd).fd;
  return { k, c, a, l };
}
const state = (k, fd) => k.sockets().find((s) => s.fd === fd)?.state;

describe('ESTABLISHED: bytes', () => {
  test('what one side sends the other receives, in order', async () => {
    const { k, c, a } = await pair();
    assert.equal(k.send(c, 'hello '), 6);
    assert.equal(k.send(c, 'world'), 5);
    assert.equal(text(k.recv(a, 4)), 'hell');
    assert.equal(text(k.recv(a)), 'o world');
    assert.equal(code(() => k.recv(a)), 'EAGAIN', 'nothing queued');
    k.send(a, new Uint8Array([1, 2, 3]));
    assert.deepEqual([...k.recv(c)], [1, 2, 3]);
  });
  test('MSG_PEEK leaves the bytes queued', async () => {
    const { k, c, a } = await pair();
    k.send(c, 'abc');
    assert.equal(text(k.recv(a, 10, MSG_PEEK)), 'abc');
    assert.equal(text(k.recv(a)), 'abc');
  });
  test('a full queue takes part of a write, then says EAGAIN; reading makes room', async () => {
    const { k, c, a } = await pair();
    // rcvbuf(peer) 131072 (tcp_rmem[1]) + sndbuf(self) 16384 (tcp_wmem[1])
    const big = new Uint8Array(200_000).fill(7);
    assert.equal(k.send(c, big), 147456, 'a partial write');
    assert.equal(code(() => k.send(c, 'x')), 'EAGAIN');
    assert.equal(k.recv(a, 65536).length, 65536);
    assert.equal(k.send(c, big), 65536);
  });
  test('SO_RCVBUF and SO_SNDBUF are doubled and bound the queue', async () => {
    const { k, c, a } = await pair();
    k.setsockopt(a, SOL_SOCKET, SO_RCVBUF, 10000);
    k.setsockopt(c, SOL_SOCKET, SO_SNDBUF, 5000);
    assert.equal(k.getsockopt(a, SOL_SOCKET, SO_RCVBUF), 20000, '"sk->sk_rcvbuf = max(val * 2, SOCK_MIN_RCVBUF)"');
    assert.equal(k.getsockopt(c, SOL_SOCKET, SO_SNDBUF), 10000);
    assert.equal(k.send(c, new Uint8Array(100_000)), 30000);
  });
  test('no queue memory is held once the bytes are read (idle pairs cost nothing)', async () => {
    const { k, c, a } = await pair();
    k.send(c, new Uint8Array(60000)); k.recv(a, 60000); // the host's I/O buffer is sized once
    const before = k.memoryUsage().total;
    for (let i = 0; i < 100; i++) { k.send(c, new Uint8Array(60000)); k.recv(a, 60000); }
    assert.equal(k.memoryUsage().total, before);
  });
  test('link delay: bytes arrive one delay later', async () => {
    const { k, c, a } = await pair({ linkDelay: 5 });
    k.advance(20);
    k.send(c, 'late');
    assert.equal(code(() => k.recv(a)), 'EAGAIN');
    k.advance(5);
    assert.equal(text(k.recv(a)), 'late');
  });
});

describe('ending a connection', () => {
  test('shutdown(SHUT_WR): the peer reads the queued bytes, then EOF; FIN_WAIT_2 / CLOSE_WAIT', async () => {
    const { k, c, a } = await pair();
    k.send(c, 'last words');
    k.shutdown(c, SHUT_WR);
    assert.equal(state(k, c), 'FIN_WAIT_2');
    assert.equal(state(k, a), 'CLOSE_WAIT');
    assert.equal(text(k.recv(a)), 'last words');
    assert.equal(k.recv(a).length, 0, 'EOF');
    assert.equal(code(() => k.send(c, 'more')), 'EPIPE', 'no sending after SHUT_WR');
    k.send(a, 'reply');                        // half-close: the other direction still works
    assert.equal(text(k.recv(c)), 'reply');
  });
  test('close(): the closer passes FIN_WAIT and waits in TIME_WAIT for 60 s, holding the port', async () => {
    const k = await kernel();
    const l = listening(k, 8, { port: 8080 });
    k.setsockopt(l.fd, SOL_SOCKET, SO_REUSEADDR, 1);
    const c = connecting(k, 8080).fd;
    const a = k.accept(l.fd).fd;
    k.close(a);                                 // the server closes first
    assert.equal(state(k, c), 'CLOSE_WAIT');
    k.close(c);                                 // LAST_ACK, then gone
    k.close(l.fd);
    const tw = k.sockets().filter((s) => s.state === 'TIME_WAIT');
    assert.equal(tw.length, 1);
    assert.equal(tw[0].local.port, 8080);
    const fresh = k.socket(AF_INET, SOCK_STREAM);
    assert.equal(code(() => k.bind(fresh, { address: '127.0.0.1', port: 8080 })), 'EADDRINUSE');
    k.setsockopt(fresh, SOL_SOCKET, SO_REUSEADDR, 1);
    k.bind(fresh, { address: '127.0.0.1', port: 8080 }); // SO_REUSEADDR on both: past TIME_WAIT
    k.advance(60_000);
    assert.equal(k.sockets().filter((s) => s.state === 'TIME_WAIT').length, 0);
  });
  test('close() with unread data resets the peer (TCPAbortOnClose): ECONNRESET, then EPIPE', async () => {
    const { k, c, a } = await pair();
    k.send(a, 'unread');
    k.close(c);
    assert.equal(k.stats().TCPAbortOnClose, 1);
    assert.equal(code(() => k.send(a, 'x')), 'ECONNRESET');
    assert.equal(code(() => k.send(a, 'x')), 'EPIPE');
  });
  test('SO_LINGER {1, 0}: close() resets at once; no TIME_WAIT', async () => {
    const { k, c, a } = await pair();
    k.setsockopt(c, SOL_SOCKET, SO_LINGER, { onoff: 1, linger: 0 });
    k.close(c);
    assert.equal(code(() => k.recv(a)), 'ECONNRESET');
    assert.equal(k.recv(a).length, 0);
    assert.equal(k.memoryUsage().timeWait, 0);
  });
  test('writing to a peer that closed: the write is taken, the peer resets, then EPIPE', async () => {
    const { k, c, a } = await pair();
    k.close(c);                                 // c: FIN_WAIT_2, orphan; a: CLOSE_WAIT
    assert.equal(k.send(a, 'anyone?'), 7);
    assert.equal(k.stats().TCPAbortOnData, 1);
    // tcp_reset: "case TCP_CLOSE_WAIT: err = EPIPE"
    assert.equal(code(() => k.send(a, 'x')), 'EPIPE');
  });
  test('a reset connection keeps its local address for getsockname (tcp_done does not reset it)', async () => {
    const { k, c, a } = await pair();
    const before = k.getsockname(c);
    k.setsockopt(a, SOL_SOCKET, SO_LINGER, { onoff: 1, linger: 0 });
    k.close(a);
    assert.equal(code(() => k.recv(c)), 'ECONNRESET');
    assert.equal(k.getsockname(c).address, before.address);
  });
  test('recv after the connection is over reads EOF', async () => {
    const { k, c, a } = await pair();
    k.close(a);
    assert.equal(k.recv(c).length, 0);
  });
});

describe('SOCK_SEQPACKET keeps record boundaries', () => {
  test('each recv returns one message; a short buffer truncates it (MSG_TRUNC)', async () => {
    const k = await kernel();
    const l = k.socket(AF_UNIX, SOCK_SEQPACKET);
    k.bind(l, { path: '/run/seq' }); k.listen(l, 4);
    const c = k.socket(AF_UNIX, SOCK_SEQPACKET);
    k.connect(c, { path: '/run/seq' });
    const a = k.accept(l).fd;
    k.send(c, 'first'); k.send(c, 'second message'); k.send(c, 'third');
    assert.equal(text(k.recv(a)), 'first');
    const r = k.recvfrom(a, 6);
    assert.equal(text(r.data), 'second');
    assert.equal(r.truncated, true, 'msg_flags has MSG_TRUNC');
    assert.equal(text(k.recv(a)), 'third', 'the rest of a truncated message is gone');
    k.send(c, 'twelve bytes');
    assert.equal(k.recvfrom(a, 3, MSG_TRUNC).length, 12, 'MSG_TRUNC returns the real length');
  });
});

describe('datagrams', () => {
  async function udp(k, port) {
    const fd = k.socket(AF_INET, SOCK_DGRAM);
    if (port !== undefined) k.bind(fd, { address: '127.0.0.1', port });
    return fd;
  }
  test('sendto/recvfrom carry the sender\'s address; boundaries are kept', async () => {
    const k = await kernel();
    const srv = await udp(k, 5353), cli = await udp(k);
    k.sendto(cli, 'ping', { address: '127.0.0.1', port: 5353 });
    k.sendto(cli, 'ping2', { address: '127.0.0.1', port: 5353 });
    const r = k.recvfrom(srv);
    assert.equal(text(r.data), 'ping');
    assert.deepEqual(r.address, { family: 'IPv4', address: '127.0.0.1', port: k.getsockname(cli).port },
      'the source the datagram left from (the socket itself is bound to 0.0.0.0)');
    k.sendto(srv, 'pong', r.address);
    assert.equal(text(k.recv(cli)), 'pong');
    assert.equal(text(k.recv(srv)), 'ping2');
  });
  test('errors users meet: EDESTADDRREQ, EMSGSIZE, ECONNREFUSED on a connected socket whose peer is gone', async () => {
    const k = await kernel();
    const u = await udp(k);
    assert.equal(code(() => k.send(u, 'x')), 'EDESTADDRREQ');
    assert.equal(code(() => k.sendto(u, new Uint8Array(65508), { address: '127.0.0.1', port: 9 })), 'EMSGSIZE');
    k.connect(u, { address: '127.0.0.1', port: 9 });
    assert.equal(k.send(u, 'x'), 1, 'the datagram leaves; the ICMP error comes back');
    assert.equal(k.stats().UdpNoPorts, 1);
    assert.equal(code(() => k.send(u, 'x')), 'ECONNREFUSED');
    assert.equal(k.send(u, 'x'), 1, 'reported once');
  });
  test('a full receive buffer drops datagrams and counts them (RcvbufErrors)', async () => {
    const k = await kernel();
    const srv = await udp(k, 5353), cli = await udp(k);
    k.setsockopt(srv, SOL_SOCKET, SO_RCVBUF, 2000); // 4000 bytes
    for (let i = 0; i < 10; i++) k.sendto(cli, new Uint8Array(1000), { address: '127.0.0.1', port: 5353 });
    assert.equal(k.stats().UdpRcvbufErrors, 7);
    let n = 0;
    while (code(() => k.recv(srv)) === 'ok') n++;
    assert.equal(n, 3);
  });
  test('AF_UNIX datagrams: by path, EAGAIN past max_dgram_qlen, EMSGSIZE past sndbuf', async () => {
    const k = await kernel();
    const srv = k.socket(AF_UNIX, SOCK_DGRAM);
    k.bind(srv, { path: '/run/log' });
    const cli = k.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK);
    k.bind(cli, { path: '/run/cli' });
    let sent = 0;
    while (code(() => k.sendto(cli, 'line', { path: '/run/log' })) === 'ok') sent++;
    assert.equal(sent, 11, 'net.unix.max_dgram_qlen 10: "skb_queue_len > max" refuses the 12th');
    const r = k.recvfrom(srv);
    assert.deepEqual(r.address, { family: 'unix', path: '/run/cli' });
    assert.equal(code(() => k.sendto(cli, new Uint8Array(300_000), { path: '/run/log' })), 'EMSGSIZE');
    assert.equal(code(() => k.sendto(cli, 'x', { path: '/run/none' })), 'ENOENT');
  });
});

test('the host keeps working when the kernel memory grows between calls (its cached view of memory is renewed)', async () => {
  const { k, c, a } = await pair({ maxFds: 1 << 20, somaxconn: 65535 });
  const before = k.memoryUsage().total;
  // 64 KiB messages queued without reading: the receive ring grows, and linear memory with it.
  const chunk = new Uint8Array(65536).fill(7);
  let queued = 0;
  for (let i = 0; i < 64; i++) { try { queued += k.send(c, chunk); } catch (e) { if (e.code !== 'EAGAIN') throw e; break; } }
  const fds = k.connectBatch(10000, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, k.getsockname(a));
  assert.ok(k.memoryUsage().total > before, 'linear memory grew');
  assert.ok(fds.every((fd) => fd >= 0), 'every client socket was made');
  // Calls that write arguments into memory and read results back still see the live buffer.
  const got = k.recv(a, queued);
  assert.equal(got.length, queued);
  assert.ok(got.every((b) => b === 7));
  assert.deepEqual(k.getsockname(c).address, '127.0.0.1');
  assert.equal(k.sys.setsockopt(c, SOL_SOCKET, SO_LINGER, { onoff: 1, linger: 0 }), 0);
});
