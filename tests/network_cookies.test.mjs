// Syncookies across a link (docs/network.md R4): a final ACK that finds the accept
// queue full is dropped and counted, the client believes it is connected, and its next
// segment (data or FIN) carries the ACK again until a server socket takes it.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel, AF_INET, SOCK_STREAM, SOCK_NONBLOCK } from 'socket-kernel';
import { SERVER, listener } from './network_helpers.mjs';

describe('syncookies over a link', () => {
  test('a burst of 100 000 clients that close at once against backlog 128: the server that keeps accepting gets far more than 129', async () => {
    const k = await createKernel({ seed: 3 });
    const srv = k.addHost({ name: 'server', addresses: [SERVER], maxFds: 1 << 20 });
    const clients = Array.from({ length: 10 }, (_, i) => k.addHost({ addresses: [`10.0.1.${i + 1}`], maxFds: 1 << 16 }));
    k.defaultLink({ latency: 1 });
    const l = listener(srv, 128);
    const fds = clients.map((c) => c.connectBatch(10_000, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, { address: SERVER, port: 8080 }));
    k.advance(3);
    fds.forEach((f, i) => clients[i].closeBatch(f));   // every client closes: a FIN each
    let accepted = 0;
    for (let t = 0; t < 1000 * 60; t += 10) {          // accept for a simulated minute
      k.advance(10);
      const a = srv.acceptBatch(l, 1 << 16);
      accepted += a.length;
      srv.closeBatch(a);
    }
    const s = srv.stats();
    assert.ok(s.SyncookiesSent > 90_000, `${s.SyncookiesSent} cookies`);
    assert.ok(s.ListenOverflows > 0 && s.ListenDrops >= s.ListenOverflows);
    assert.ok(accepted > 1000, `${accepted} accepted (the bug: 129)`);
    assert.equal(s.OutRsts, 0, 'no reset was sent, none is counted');
    const retrans = clients.reduce((n, c) => n + c.stats().TCPTimeouts, 0);
    assert.ok(retrans > 0, 'the clients retransmitted their FINs');
    console.log(`accepted ${accepted}, cookies ${s.SyncookiesSent}, overflows ${s.ListenOverflows}, client FIN retransmissions ${retrans}`);
  });

  test("a cookie client's data waits in its send queue and reaches the server with the ACK that finds room", async () => {
    const k = await createKernel();
    const srv = k.addHost({ addresses: [SERVER], tcpSyncookies: 2 });   // cookies always
    const cli = k.addHost({ addresses: ['10.0.0.2'] });
    k.defaultLink({ latency: 1 });
    const l = listener(srv, 0);      // Linux backlog 0 admits one
    const first = cli.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK), c = cli.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    for (const fd of [first, c]) assert.throws(() => cli.connect(fd, { address: SERVER, port: 8080 }), { code: 'EINPROGRESS' });
    k.advance(3);
    assert.equal(srv.stats().ListenOverflows, 1, "the second client's cookie ACK found the queue full");
    assert.equal(cli.send(c, 'hi'), 2, 'send() queues the bytes (tcp_sendmsg), no EAGAIN');
    k.advance(1);                    // the segment (data + ACK) arrives: the queue is still full
    assert.equal(srv.stats().ListenOverflows, 2);
    srv.close(srv.accept(l).fd);     // room
    k.advance(resendAt('linux', 3, 1) - k.now()); // the client's RTO (202 ms): the resend leaves now
    assert.throws(() => srv.accept(l), { code: 'EAGAIN' });
    k.advance(1);                    // and arrives a millisecond later, finding room
    const { fd } = srv.accept(l);
    assert.equal(new TextDecoder().decode(srv.recv(fd)), 'hi', 'the bytes came with the ACK');
    assert.equal(cli.stats().CookieAckResends, 1);
    assert.equal(srv.stats().OutRsts, 0);
  });
});

// How long a cookie stays good (docs/network.md R4): a client whose ACK was dropped
// resends on its RTO (Linux 202 ms doubling to 120 s: 0.2, 0.6, 1.4, 3.0, 6.3, 12.7,
// 25.7, 51.5, 103.2, 206.6 s after its first send); a resend the listener no longer
// checks, or whose cookie is too old, draws a reset.
// The client's data RTO (tcp/rtt.ts, docs/network.md R5) from its handshake's RTT,
// R = 2 ms over 1 ms links: Linux R + max(200, 2R) = 202 ms, doubled (to 120 s);
// FreeBSD max(30, 3R) ms times tcp_backoff[] (1, 2, 4 ... 512) plus the 200 ms slop
// (TCPT_RANGESET), at most 64 s.
const R = 2;
const RTO = {
  linux: (n) => Math.min(120_000, (R + Math.max(200, 2 * R)) * 2 ** n),
  freebsd: (n) => Math.min(64_000, Math.max(30, 3 * R) * Math.min(512, 2 ** n) + 200),
};
/** When a segment first sent at `sent` ms is sent for the n-th time again (n >= 1). */
const resendAt = (personality, sent, n) => sent + Array.from({ length: n }, (_, i) => RTO[personality](i)).reduce((a, b) => a + b, 0);

describe('the age of a cookie', () => {
  /** Two cookie clients against backlog 0 (one fits): the second's ACK was dropped and its request waits, sent at 3 ms. */
  async function waitingClient(personality = 'linux', server = {}) {
    const k = await createKernel();
    const srv = k.addHost({ addresses: [SERVER], personality, tcpSyncookies: 2, ...server });
    const cli = k.addHost({ addresses: ['10.0.0.2'], personality });
    k.defaultLink({ latency: 1 });
    const l = listener(srv, 0);
    const first = cli.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK), c = cli.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    for (const fd of [first, c]) assert.throws(() => cli.connect(fd, { address: SERVER, port: 8080 }), { code: 'EINPROGRESS' });
    k.advance(3);
    assert.equal(srv.stats().ListenOverflows, 1);
    assert.equal(cli.send(c, 'hi'), 2);
    return { k, srv, cli, l, c };
  }
  const room = (srv, l) => srv.close(srv.accept(l).fd);

  test('Linux: room at 60 s, the resend of 103.2 s gets in (the cookie is 1 period old, the last overflow 103 s ago)', async () => {
    const { k, srv, cli, l } = await waitingClient();
    k.advance(60_000 - 3);
    room(srv, l);
    k.advance(resendAt('linux', 3, 9) - k.now());   // 103.2 s: the ninth resend leaves
    assert.throws(() => srv.accept(l), { code: 'EAGAIN' });
    k.advance(1);
    assert.equal(new TextDecoder().decode(srv.recv(srv.accept(l).fd)), 'hi');
    assert.equal(cli.stats().CookieAckResends, 9);
    assert.deepEqual([srv.stats().OutRsts, srv.stats().SyncookiesFailed], [0, 0]);
  });

  test('Linux: room at 150 s is too late: the next segment (here a send at 204 s) comes more than 2 minutes after the last cookie and draws a reset (ECONNRESET)', async () => {
    const { k, srv, cli, l, c } = await waitingClient();
    k.advance(150_000 - 3);
    assert.equal(srv.stats().ListenOverflows, 11, 'the data segment and 9 resends found the queue full');
    room(srv, l);
    k.advance(54_000);               // 204 s
    assert.equal(cli.send(c, '!'), 1, 'still connected, as far as the client knows');
    k.advance(1_000);
    assert.throws(() => cli.send(c, '!'), { code: 'ECONNRESET' });
    assert.throws(() => srv.accept(l), { code: 'EAGAIN' });
    const s = srv.stats();
    assert.equal(s.OutRsts, 1, 'tcp_v4_send_reset');
    assert.equal(s.SyncookiesFailed, 0, 'tcp_synq_no_recent_overflow: the cookie was not even looked at');
    assert.equal(cli.stats().EstabResets, 1);
    k.check();                       // the reset client holds no cookie state and no send queue
  });

  test('Linux: with fresh cookies going out, the old cookie itself fails (MAX_SYNCOOKIE_AGE): SyncookiesFailed and a reset', async () => {
    const { k, srv, cli, l, c } = await waitingClient();
    k.advance(150_000 - 3);
    // A new client at 150 s gets a cookie (the listener's overflow stamp is fresh again);
    // its ACK finds the queue full and it never sends, so nothing of it comes back.
    const late = cli.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    assert.throws(() => cli.connect(late, { address: SERVER, port: 8080 }), { code: 'EINPROGRESS' });
    k.advance(3);
    room(srv, l);
    k.advance(resendAt('linux', 3, 10) + 2 - k.now()); // the tenth resend (206.6 s, period 3 against the cookie's 0) and its reset
    assert.throws(() => cli.send(c, '!'), { code: 'ECONNRESET' });
    const s = srv.stats();
    assert.deepEqual([s.SyncookiesFailed, s.OutRsts], [1, 1]);
  });

  test('FreeBSD (rst_on_sock_fail 0, syncookies_only): cookies last 16 to 32 s; the resend of 17.1 s gets in, that of 32.7 s is reset', async () => {
    // The ninth and tenth resends (RTO above): 17.13 s, in the cookie secret's second
    // 16 s period, and 32.69 s, in its third (the secret is gone).
    const early = await waitingClient('freebsd', { tcpAbortOnOverflow: 0 });
    early.k.advance(10_000);
    room(early.srv, early.l);
    early.k.advance(resendAt('freebsd', 3, 9) + 1 - early.k.now());
    assert.equal(new TextDecoder().decode(early.srv.recv(early.srv.accept(early.l).fd)), 'hi');
    const late = await waitingClient('freebsd', { tcpAbortOnOverflow: 0 });
    late.k.advance(20_000);
    room(late.srv, late.l);
    late.k.advance(resendAt('freebsd', 3, 10) + 2 - late.k.now());
    assert.throws(() => late.cli.send(late.c, '!'), { code: 'ECONNRESET' });
    assert.deepEqual([late.srv.stats().SyncookiesFailed, late.srv.stats().OutRsts], [1, 1]);
  });
});

describe('FreeBSD, rst_on_sock_fail 0: the final ACK that finds no room', () => {
  test('the entry is forgotten; the request the client sent with it goes again on its RTO, is checked as a cookie, and draws a reset (no recent overflow)', async () => {
    // syncache_expand takes the entry off its bucket before syncache_socket fails; the
    // client's next segment finds none, and without a syncache overflow in the last 16 s
    // its cookie is not looked at ("Spurious ACK"): a reset.
    const k = await createKernel();
    const srv = k.addHost({ addresses: [SERVER], personality: 'freebsd', tcpAbortOnOverflow: 0 });
    const cli = k.addHost({ addresses: ['10.0.0.2'], personality: 'freebsd' });
    k.defaultLink({ latency: 1 });
    const l = listener(srv, 0);      // FreeBSD backlog 0 admits one (3/2 rule)
    const first = cli.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK), c = cli.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    for (const fd of [first, c]) assert.throws(() => cli.connect(fd, { address: SERVER, port: 8080 }), { code: 'EINPROGRESS' });
    k.advance(2);                    // both ESTABLISHED; their ACKs are on the wire
    assert.equal(cli.send(c, 'hi'), 2);
    k.advance(1);                    // the ACKs arrive: the second finds no room
    const s = srv.stats();
    assert.deepEqual([s.ListenOverflows, s.EmbryonicRsts, s.OutRsts], [1, 0, 0], 'dropped without a reset');
    assert.equal(srv.listenQueues(l).synRecv, 0, 'nothing is left of the request');
    srv.close(srv.accept(l).fd);     // room now: too late, the entry is gone
    k.advance(RTO.freebsd(0) + 2);   // the client's RTO (230 ms), the resend's way there and the reset's way back
    assert.throws(() => cli.send(c, '!'), { code: 'ECONNRESET' });
    assert.equal(srv.stats().OutRsts, 1);
    assert.throws(() => srv.accept(l), { code: 'EAGAIN' });
    k.check();
  });
});
