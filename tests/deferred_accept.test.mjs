// Deferred accept: Linux TCP_DEFER_ACCEPT (tcp_check_req, syn_ack_recalc) and FreeBSD
// accept filters (listen(2) "INTERACTION WITH ACCEPT FILTERS", accf_data, accf_http).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SOL_SOCKET, IPPROTO_TCP, TCP_DEFER_ACCEPT, SO_ACCEPTFILTER } from 'socket-kernel';
import { kernel, listening, connecting, isConnected, code } from './helpers.mjs';

const text = (u8) => new TextDecoder().decode(u8);

describe('linux: TCP_DEFER_ACCEPT', () => {
  test('the value is rounded up to whole SYN-ACK retransmit periods (secs_to_retrans)', async () => {
    const k = await kernel();
    const l = listening(k, 8);
    for (const [set, get] of [[1, 1], [2, 3], [5, 7], [30, 31], [0, 0]]) {
      k.setsockopt(l.fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, set);
      assert.equal(k.getsockopt(l.fd, IPPROTO_TCP, TCP_DEFER_ACCEPT), get, `set ${set}`);
    }
  });
  test('accept() does not see the connection until its first data; then the data is there', async () => {
    const k = await kernel();
    const l = listening(k, 8);
    k.setsockopt(l.fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, 5);
    const c = connecting(k, l.port).fd;
    assert.equal(isConnected(k, c), true, 'the client completed its handshake');
    assert.equal(code(() => k.accept(l.fd)), 'EAGAIN');
    assert.equal(k.stats().TCPDeferAcceptDrop, 1, 'the bare ACK was dropped');
    k.send(c, 'GET / HTTP/1.0\r\n\r\n');
    const a = k.accept(l.fd).fd;
    assert.equal(text(k.recv(a)), 'GET / HTTP/1.0\r\n\r\n');
  });
  test('with a link delay, the data that arrives later still releases the connection', async () => {
    const k = await kernel({ linkDelay: 5 });
    const l = listening(k, 8);
    k.setsockopt(l.fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, 5);
    const c = connecting(k, l.port).fd;
    k.advance(15);                       // SYN, SYN-ACK, the bare ACK (dropped)
    assert.equal(k.stats().TCPDeferAcceptDrop, 1);
    k.send(c, 'late data');
    assert.equal(code(() => k.accept(l.fd)), 'EAGAIN', 'still on the wire');
    k.advance(5);
    assert.equal(text(k.recv(k.accept(l.fd).fd)), 'late data');
  });
  test('without data the connection is accepted when the deferral ends (SYN-ACK at 1+2+4 s)', async () => {
    const k = await kernel();
    const l = listening(k, 8);
    k.setsockopt(l.fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, 5); // 3 retransmits: 7 s
    connecting(k, l.port);
    k.advance(6999);
    assert.equal(code(() => k.accept(l.fd)), 'EAGAIN');
    k.advance(1);
    k.accept(l.fd);
  });
});

describe('freebsd: accept filters', () => {
  async function filtered(name, backlog = 2) {
    const k = await kernel({ personality: 'freebsd' });
    const l = listening(k, backlog);
    k.setsockopt(l.fd, SOL_SOCKET, SO_ACCEPTFILTER, { name });
    return { k, l };
  }
  test('SO_ACCEPTFILTER needs a listening socket and a known filter', async () => {
    const k = await kernel({ personality: 'freebsd' });
    const l = listening(k, 2);
    const fresh = k.socket(2, 1);
    assert.equal(code(() => k.setsockopt(fresh, SOL_SOCKET, SO_ACCEPTFILTER, { name: 'dataready' })), 'EINVAL');
    assert.equal(code(() => k.setsockopt(l.fd, SOL_SOCKET, SO_ACCEPTFILTER, { name: 'nosuch' })), 'ENOENT');
    const linux = await kernel();
    const ll = listening(linux, 2);
    assert.equal(code(() => linux.setsockopt(ll.fd, SOL_SOCKET, SO_ACCEPTFILTER, { name: 'dataready' })), 'ENOPROTOOPT');
  });
  test('dataready: a connection waits until data arrives', async () => {
    const { k, l } = await filtered('dataready');
    const c = connecting(k, l.port).fd;
    assert.equal(code(() => k.accept(l.fd)), 'EAGAIN');
    k.send(c, 'x');
    assert.equal(text(k.recv(k.accept(l.fd).fd)), 'x');
  });
  // solisten_enqueue trims before it inserts ("while (head->sol_incqlen >
  // head->sol_qlimit)" then TAILQ_INSERT_TAIL): backlog + 1 connections wait.
  test('the waiting queue keeps backlog + 1 entries: the oldest is dropped (and reset) when it overflows', async () => {
    const { k, l } = await filtered('dataready', 2);
    const cs = [0, 1, 2].map(() => connecting(k, l.port).fd);
    assert.equal(k.stats().AcceptFilterDrops, 0, 'three wait');
    cs.push(connecting(k, l.port).fd);
    assert.equal(k.stats().AcceptFilterDrops, 1);
    assert.equal(code(() => k.recv(cs[0])), 'ECONNRESET', 'the oldest was aborted');
    k.send(cs[3], 'y');
    assert.equal(text(k.recv(k.accept(l.fd).fd)), 'y');
    assert.equal(code(() => k.accept(l.fd)), 'EAGAIN', 'cs[1] and cs[2] still wait');
  });
  test('httpready: waits for the blank line that ends a GET request head; other data passes at once', async () => {
    const { k, l } = await filtered('httpready', 8);
    const c = connecting(k, l.port).fd;
    k.send(c, 'GET / HTTP/1.1\r\nHost: x\r\n');
    assert.equal(code(() => k.accept(l.fd)), 'EAGAIN');
    k.send(c, '\r\n');
    k.accept(l.fd);
    const p = connecting(k, l.port).fd;
    k.send(p, 'POST / HTTP/1.1\r\n');
    k.accept(l.fd);
  });
  test('closing the listener resets the connections still waiting', async () => {
    const { k, l } = await filtered('dataready', 4);
    const c = connecting(k, l.port).fd;
    k.close(l.fd);
    assert.equal(code(() => k.recv(c)), 'ECONNRESET');
  });
});
