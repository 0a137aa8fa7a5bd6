// Links between hosts (issue 12, docs/network.md): latency, partitions, loss of each
// handshake packet, Gilbert-Elliott bursts, drop-tail, each host's own schedule, and
// determinism.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel, AF_INET, SOCK_STREAM, SOCK_NONBLOCK, IPPROTO_TCP, TCP_USER_TIMEOUT } from 'socket-kernel';
import { network, listener, connectTo, stateOf, until, SERVER } from './network_helpers.mjs';

const established = (h, fd) => () => stateOf(h, fd) === 'ESTABLISHED';
/** RFC 6298 after one sample R (ms): SRTT = R, RTTVAR = R / 2; Linux's RTO = SRTT + max(TCP_RTO_MIN, 4 RTTVAR). */
const linuxRto = (r) => r + Math.max(200, 4 * (r / 2));

describe('links', () => {
  test('latency shows in connect time as one round trip', async () => {
    const { k, srv, cli } = await network({ link: { latency: 20 } });
    listener(srv);
    const c = connectTo(cli);
    assert.equal(until(k, established(cli, c)), 40, 'SYN 20 ms out, SYN-ACK 20 ms back');
    assert.equal(stateOf(cli, c), 'ESTABLISHED');
    const l = srv.sockets().find((s) => s.state === 'LISTEN');
    assert.equal(l.recvQ, 0, 'the final ACK is still on the wire');
    k.advance(20);
    assert.equal(srv.sockets().find((s) => s.state === 'LISTEN').recvQ, 1, 'queued at 60 ms');
    const st = k.linkStats(cli, srv);
    assert.equal(st.sent, 2); assert.equal(st.delivered, 2);
    assert.equal(k.linkStats(srv, cli).sent, 1);
  });

  test("a partition healed at 2.5 s lets the client's SYN through at its 3 s retransmit (Linux: tcp_syn_linear_timeouts = 4)", async () => {
    const { k, srv, cli } = await network({ link: { latency: 1 } });
    listener(srv);
    k.partition(cli, srv);
    k.heal(cli, srv, { at: 2500 });
    const c = connectTo(cli);
    assert.equal(until(k, established(cli, c)), 3002, 'SYNs at 0, 1, 2 s dropped; the one at 3 s crosses');
    assert.equal(k.linkStats(cli, srv).partitionDrops, 3);
    assert.equal(cli.stats().TCPSynRetrans, 3);
  });

  test('each host follows its own rules: a FreeBSD client backs off on its schedule against a Linux server', async () => {
    const { k, srv, cli } = await network({ client: { personality: 'freebsd' } });
    listener(srv);
    k.partition(cli, srv);
    const c = connectTo(cli);
    k.advance(3500);
    // FreeBSD here retransmits at 1, 3, 7 s (no linear timeouts); the Linux default host would at 1, 2, 3 s.
    assert.equal(cli.stats().TCPSynRetrans, 2);
    const lin = k.addHost({ addresses: ['10.0.0.3'] });
    k.partition(lin, srv);
    const c2 = connectTo(lin);
    k.advance(3500);
    assert.equal(lin.stats().TCPSynRetrans, 3);
    assert.equal(stateOf(cli, c), 'SYN_SENT'); assert.equal(stateOf(lin, c2), 'SYN_SENT');
  });

  test('a FreeBSD server resets a final ACK that finds its queue full (rst_on_sock_fail); the Linux client sees ECONNRESET', async () => {
    const { k, srv, cli } = await network({ server: { personality: 'freebsd' } });
    listener(srv, 0);   // FreeBSD: 3 * 0 / 2 = 0, so the second connection overflows
    const a = connectTo(cli), b = connectTo(cli);
    k.advance(10);
    assert.equal(stateOf(cli, a), 'ESTABLISHED');
    assert.equal(srv.stats().ListenOverflows, 1);
    assert.throws(() => cli.recv(b), { code: 'ECONNRESET' });
  });

  test('lost final ACK: the client is ESTABLISHED, the request stays in the SYN queue and resends its SYN-ACK, whose ACK completes it', async () => {
    const { k, srv, cli } = await network({ link: { latency: 1 } });
    listener(srv);
    const c = connectTo(cli);
    k.partition(cli, srv, { at: 1.5, oneWay: true });   // after the SYN, before the ACK
    k.heal(cli, srv, { at: 100, oneWay: true });
    k.advance(2);
    assert.equal(stateOf(cli, c), 'ESTABLISHED', 'connect() has returned');
    const row = () => srv.sockets().find((s) => s.state === 'LISTEN');
    k.advance(500);
    assert.equal(row().synRecv, 1, 'still a request');
    assert.equal(row().recvQ, 0);
    assert.equal(until(k, () => row().recvQ === 1), 1003, 'SYN-ACK resent at 1001 ms, re-ACKed at 1002, queued at 1003');
    assert.equal(srv.stats().TCPTimeouts, 1);
  });

  test("lost final ACK: the client's first data segment carries the ACK and completes the handshake", async () => {
    const { k, srv, cli } = await network({ link: { latency: 1 } });
    const l = listener(srv);
    const c = connectTo(cli);
    k.partition(cli, srv, { at: 1.5, oneWay: true });
    k.heal(cli, srv, { at: 100, oneWay: true });
    k.advance(200);
    cli.send(c, 'hello');
    k.advance(1);
    const { fd } = srv.accept(l);
    assert.equal(new TextDecoder().decode(srv.recv(fd)), 'hello');
    assert.equal(k.now(), 201);
  });

  test('lost data is retransmitted after the RTO (Linux: SRTT + max(200 ms, 4 RTTVAR) from the handshake, then doubled) and arrives in order', async () => {
    const { k, srv, cli } = await network({ link: { latency: 1 } });
    const l = listener(srv);
    const c = connectTo(cli);
    k.advance(3);
    const { fd } = srv.accept(l);
    k.partition(cli, srv, { oneWay: true });
    k.heal(cli, srv, { at: k.now() + 300, oneWay: true });
    cli.send(c, 'one ');
    const t0 = k.now();
    // The client timed its SYN: R = 2 ms, so RTO = R + max(200, 2 R) (docs/network.md R5).
    const rto = linuxRto(2);
    // At one RTO: resent into the partition and lost again; after two more it crosses.
    assert.equal(until(k, () => { try { return srv.recv(fd).length > 0 || true; } catch { return false; } }) - t0, rto + 2 * rto + 1);
    assert.equal(cli.stats().TCPTimeouts, 2);
    cli.send(c, 'two');
    k.advance(1);
    assert.equal(new TextDecoder().decode(srv.recv(fd)), 'two');
  });

  /** A connected pair over 1 ms links whose client -> server direction is then cut for good; the client sends one byte. */
  async function cutAfterSend(personality, userTimeoutMs = 0) {
    const { k, srv, cli } = await network({ client: { personality }, link: { latency: 1 } });
    const l = listener(srv);
    const c = connectTo(cli);
    k.advance(3);
    const { fd } = srv.accept(l);
    if (userTimeoutMs) cli.setsockopt(c, IPPROTO_TCP, TCP_USER_TIMEOUT, userTimeoutMs);
    k.partition(cli, srv, { oneWay: true });
    cli.send(c, 'x');
    const t0 = k.now();
    const end = until(k, () => stateOf(cli, c) !== 'ESTABLISHED', 2_000_000) - t0;
    return { k, srv, cli, c, fd, end };
  }

  test('Linux: lost data retransmitted tcp_retries2 (15) times ends the connection with ETIMEDOUT (tcp_write_err), no reset', async () => {
    const { srv, cli, c, fd, end } = await cutAfterSend('linux');
    // RTO 202 ms (R = 2 ms) doubling, capped at TCP_RTO_MAX 120 s; the 16th timer gives up.
    const rtos = Array.from({ length: 16 }, (_, i) => Math.min(120_000, linuxRto(2) * 2 ** i));
    assert.equal(end, rtos.reduce((a, b) => a + b), 'about 924.6 s, as tcp(7) says of tcp_retries2 = 15');
    assert.equal(stateOf(cli, c), 'CLOSED');
    assert.throws(() => cli.recv(c), { code: 'ETIMEDOUT' }, 'sk_err, reported once');
    assert.throws(() => cli.send(c, 'y'), { code: 'EPIPE' });
    assert.deepEqual([cli.stats().TCPTimeouts, cli.stats().TCPAbortOnTimeout], [15, 1]);
    assert.equal(srv.stats().OutRsts + cli.stats().OutRsts, 0, 'tcp_write_err sends no reset');
    assert.equal(stateOf(srv, fd), 'ESTABLISHED', 'the server never hears of it');
  });

  test('FreeBSD: lost data is dropped after TCP_MAXRXTSHIFT (12) retransmissions with ETIMEDOUT (tcp_timer_rexmt -> tcp_drop)', async () => {
    const { cli, c } = await cutAfterSend('freebsd');
    assert.equal(stateOf(cli, c), 'CLOSED');
    assert.throws(() => cli.recv(c), { code: 'ETIMEDOUT' });
    assert.deepEqual([cli.stats().TCPTimeouts, cli.stats().TCPAbortOnTimeout], [12, 1]);
  });

  test('TCP_USER_TIMEOUT bounds lost data over a link: the RTO is clamped to the time left and the connection ends at the timeout (tcp_clamp_rto_to_user_timeout)', async () => {
    const { cli, c, end } = await cutAfterSend('linux', 1000);
    // Retransmissions at 202 and 606 ms are lost; the next timer (due at 1414 ms) is
    // cut to 1000 ms, when 1000 ms have passed since the first transmission.
    assert.equal(end, 1000);
    assert.throws(() => cli.recv(c), { code: 'ETIMEDOUT' });
    assert.deepEqual([cli.stats().TCPTimeouts, cli.stats().TCPAbortOnTimeout], [2, 1]);
  });

  for (const personality of ['linux', 'freebsd']) {
    test(`${personality} server: a retransmitted SYN that finds its request draws the SYN-ACK again, not a second request (R2)`, async () => {
      // SYN-ACKs are cut until 1 s. The first SYN crosses in 300 ms, the retransmitted one
      // (client timer: 1 s) in 50 ms, so it reaches the request at 1050 ms, before the
      // request's own timer (300 + 1000 ms).
      const { k, srv, cli } = await network({ server: { personality }, link: { latency: 300 } });
      k.link(srv, cli, { latency: 50 });
      k.link(cli, srv, { latency: 50 }, { at: 500 });
      k.partition(srv, cli, { oneWay: true });
      k.heal(srv, cli, { oneWay: true, at: 1000 });
      listener(srv);
      const c = connectTo(cli);
      const row = () => srv.sockets().find((s) => s.state === 'LISTEN');
      k.advance(1049);
      assert.equal(row().synRecv, 1);
      assert.equal(srv.stats().TCPSynRetrans, 0, 'the first SYN-ACK is lost; no timer has fired');
      k.advance(1);
      assert.equal(srv.stats().TCPSynRetrans, 1, 'the duplicate SYN drew the SYN-ACK at once');
      assert.equal(row().synRecv, 1, 'one request, not two');
      assert.equal(until(k, established(cli, c)), 1100, 'SYN-ACK back in 50 ms');
      assert.equal(until(k, () => row().recvQ === 1), 1150, 'the ACK completes the one request');
      k.advance(5000);
      const s = srv.stats();
      assert.equal(row().synRecv, 0);
      assert.equal(row().recvQ, 1);
      assert.equal(s.PassiveOpens, 1);
      assert.equal(s.TCPTimeouts, 0, "the request's own timer never fired (pushed back, then stopped)");
      assert.equal(s.AttemptFails, 0); assert.equal(s.EmbryonicRsts, 0); assert.equal(s.OutRsts, 0);
      assert.equal(s.TCPAckSkippedSynRecv, 0);
      assert.equal(cli.stats().TCPSynRetrans, 1);
      assert.equal(cli.stats().AttemptFails, 0);
    });
  }

  test("the request's timer and a duplicate SYN at the same instant send two SYN-ACKs: the second ACK is an old one to the connection, not a reset", async () => {
    const { k, srv, cli } = await network({ link: { latency: 1 } });
    const l = listener(srv);
    k.partition(srv, cli, { oneWay: true });
    k.heal(srv, cli, { oneWay: true, at: 500 });
    const c = connectTo(cli);
    k.advance(1001);   // SYN-ACK timer at 1 + 1000 ms, the client's second SYN arrives at 1000 + 1 ms
    assert.equal(srv.stats().TCPSynRetrans, 2);
    k.advance(10);
    const { fd } = srv.accept(l);
    cli.send(c, 'ok');
    k.advance(1);
    assert.equal(new TextDecoder().decode(srv.recv(fd)), 'ok');
    assert.equal(srv.stats().OutRsts, 0);
    assert.equal(stateOf(cli, c), 'ESTABLISHED');
  });

  test('Linux rate-limits the SYN-ACKs duplicate SYNs draw to one per 500 ms (tcp_invalid_ratelimit); FreeBSD answers each', async () => {
    // Three SYNs (0, 1, 2 s) are held on the link and released together at 2.5 s: the first
    // makes the request, the second draws a SYN-ACK, the third (the same instant) is skipped.
    for (const [personality, resent, skipped] of [['linux', 1, 1], ['freebsd', 2, 0]]) {
      const { k, srv, cli } = await network({ server: { personality }, link: { latency: 10 } });
      listener(srv);
      k.hold(cli, srv);
      k.release(cli, srv, { at: 2500 });
      connectTo(cli);
      k.advance(2510);
      const s = srv.stats();
      assert.equal(s.TCPSynRetrans, resent, personality);
      assert.equal(s.TCPAckSkippedSynRecv, skipped, personality);
      assert.equal(srv.sockets().find((x) => x.state === 'LISTEN').synRecv, 1, `${personality}: one request`);
    }
  });

  test('the data RTO follows the path: over a 300 ms round trip a lost segment is resent after R + max(200, 2 R) ms', async () => {
    for (const [latency, name] of [[150, '300 ms RTT'], [0.5, '1 ms RTT: the 200 ms floor']]) {
      const { k, srv, cli } = await network({ link: { latency } });
      const l = listener(srv);
      const c = connectTo(cli);
      until(k, () => srv.sockets().find((s) => s.state === 'LISTEN').recvQ === 1);
      const { fd } = srv.accept(l);
      k.link(cli, srv, { latency, loss: 1 });
      cli.send(c, 'lost once');
      k.link(cli, srv, { latency, loss: 0 });
      const t0 = k.now();
      const rto = linuxRto(2 * latency);
      const got = until(k, () => { try { return srv.recv(fd).length > 0; } catch { return false; } });
      assert.equal(got - t0, rto + latency, name);
      assert.equal(cli.stats().TCPTimeouts, 1);
    }
  });

  test("Karn's rule: a connection whose SYN was retransmitted has no RTT sample, and its data RTO falls back to 3 s (Linux) / 1 s (FreeBSD)", async () => {
    for (const [personality, rto] of [['linux', 3000], ['freebsd', 1000]]) {
      const { k, srv, cli } = await network({ client: { personality }, link: { latency: 1 } });
      const l = listener(srv);
      k.partition(cli, srv, { oneWay: true });
      k.heal(cli, srv, { oneWay: true, at: 500 });
      const c = connectTo(cli);
      until(k, established(cli, c));
      k.advance(1);
      const { fd } = srv.accept(l);
      k.link(cli, srv, { latency: 1, loss: 1 });
      cli.send(c, 'x');
      k.link(cli, srv, { latency: 1, loss: 0 });
      const t0 = k.now();
      const got = until(k, () => { try { return srv.recv(fd).length > 0; } catch { return false; } });
      assert.equal(got - t0, rto + 1, personality);
    }
  });

  test('FreeBSD: RTO = max(30 ms, SRTT + 4 RTTVAR) + 200 ms slop (TCPT_RANGESET), backed off by tcp_backoff[]', async () => {
    const { k, srv, cli } = await network({ client: { personality: 'freebsd' }, link: { latency: 1 } });
    const l = listener(srv);
    const c = connectTo(cli);
    k.advance(3);
    const { fd } = srv.accept(l);
    k.partition(cli, srv, { oneWay: true });
    cli.send(c, 'x');
    const r = 2, val = Math.max(30, r + 4 * (r / 2)), rto = (n) => val * 2 ** n + 200;
    const t0 = k.now();
    k.heal(cli, srv, { oneWay: true, at: t0 + rto(0) + 1 });   // the first retransmission is lost, the second crosses
    const got = until(k, () => { try { return srv.recv(fd).length > 0; } catch { return false; } });
    assert.equal(got - t0, rto(0) + rto(1) + 1);
  });

  /** A connection over 10 ms links, accepted: `read()` gives the text or the error code, `lose(text)` sends text that the link loses. */
  async function overTenMs() {
    const { k, srv, cli } = await network({ link: { latency: 10 } });
    const l = listener(srv);
    const c = connectTo(cli);
    until(k, () => srv.sockets().find((s) => s.state === 'LISTEN').recvQ === 1);
    const { fd } = srv.accept(l);
    const read = () => { try { return new TextDecoder().decode(srv.recv(fd)); } catch (e) { return e.code; } };
    const lose = (text) => { k.link(cli, srv, { latency: 10, loss: 1 }); cli.send(c, text); k.link(cli, srv, { latency: 10, loss: 0 }); };
    return { k, cli, c, read, lose };
  }

  test('head-of-line blocking: bytes sent after a lost segment wait for its retransmission, then all arrive at once; so does a FIN', async () => {
    const { k, cli, c, read, lose } = await overTenMs();
    cli.send(c, 'a');                          // in flight before the loss: readable at +10 ms
    lose('b');
    cli.send(c, 'c'); cli.send(c, 'd');
    cli.close(c);                              // its FIN waits behind the gap too
    const t0 = k.now();
    k.advance(10);
    assert.equal(read(), 'a');
    assert.equal(read(), 'EAGAIN', "'c', 'd' and the FIN arrived, behind the gap");
    const rto = linuxRto(20);                  // the handshake's sample: R = 20 ms
    k.advance(rto - 1);
    assert.equal(read(), 'EAGAIN');
    k.advance(1);                              // the retransmission of 'b' lands at rto + 10 ms
    assert.equal(k.now() - t0, rto + 10);
    assert.equal(read(), 'bcd', 'everything at once, in order');
    assert.equal(read(), '', 'then end of file');
  });

  test('head-of-line blocking with two holes: the first retransmission releases the bytes up to the second hole, not past it', async () => {
    const { k, cli, c, read, lose } = await overTenMs();
    lose('1');                                 // hole at t0
    cli.send(c, '2');
    k.advance(100);
    lose('3');                                 // hole at t0 + 100 ms
    cli.send(c, '4');
    const t0 = k.now() - 100, rto = linuxRto(20);
    k.advance(rto + 10 - 100);                 // '1' lands at t0 + rto + 10
    assert.equal(k.now() - t0, rto + 10);
    assert.equal(read(), '12', "'2' waited only for '1'");
    assert.equal(read(), 'EAGAIN', "'4' waits for '3'");
    k.advance(100);
    assert.equal(read(), '34');
  });

  test('Gilbert-Elliott loss comes in bursts of mean 1/r; Bernoulli at the same mean rate does not', async () => {
    const runs = async (link) => {
      const { k, srv, cli } = await network({ link: { latency: 1 } });
      const l = listener(srv);
      const c = connectTo(cli);
      k.advance(3);
      srv.accept(l);
      k.link(cli, srv, link);
      const outcome = [];
      for (let i = 0; i < 20_000; i++) {
        const before = k.linkStats(cli, srv).lost;
        cli.send(c, 'x');
        outcome.push(k.linkStats(cli, srv).lost > before);
        if (i % 500 === 499) k.advance(1);   // the receiver's queue drains as data arrives
        while (true) { try { srv.recv(4, 65536); } catch { break; } }
      }
      const losses = outcome.filter(Boolean).length;
      let bursts = 0;
      outcome.forEach((lost, i) => { if (lost && !outcome[i - 1]) bursts++; });
      return { rate: losses / outcome.length, meanBurst: losses / bursts };
    };
    // p = 5 %, r = 25 %: bad a sixth of the time (p / (p + r)), bursts of 1/r = 4.
    const ge = await runs({ lossModel: { type: 'gemodel', p: 0.05, r: 0.25 } });
    const be = await runs({ loss: 1 / 6 });
    assert.ok(Math.abs(ge.rate - 1 / 6) < 0.03, `gemodel loss rate ${ge.rate}`);
    assert.ok(Math.abs(ge.meanBurst - 4) < 0.6, `gemodel mean burst ${ge.meanBurst}`);
    assert.ok(Math.abs(be.rate - 1 / 6) < 0.03, `bernoulli loss rate ${be.rate}`);
    assert.ok(be.meanBurst < 1.4, `bernoulli mean burst ${be.meanBurst}`);
  });

  test('rate and a drop-tail queue: what does not fit the limit is dropped, counted, and resent', async () => {
    const { k, srv, cli } = await network({ link: { latency: 1 } });
    const l = listener(srv);
    const c = connectTo(cli);
    k.advance(3);
    const { fd } = srv.accept(l);
    k.link(cli, srv, { latency: 1, rate: 1_000_000, limit: 3000 });
    const chunk = 'y'.repeat(1000);
    for (let i = 0; i < 10; i++) assert.equal(cli.send(c, chunk), 1000);
    const st = k.linkStats(cli, srv);
    assert.equal(st.queueDrops, 8, 'two 1040-byte packets fit 3000 bytes');
    assert.equal(st.queueDropBytes, 8 * 1040);
    k.advance(1 + 9);     // 1040 * 8 bits at 1 Mbit/s = 8.32 ms each
    assert.equal(srv.recv(fd).length, 1000, 'the first after 8.32 + 1 ms');
    // No congestion window (docs/network.md): the 8 dropped segments are resent together
    // after the RTO (202 ms: the handshake's 2 ms RTT + 200) and 2 fit again, 6 at 606 ms
    // (2 fit), 4 at 1414 ms, the last 2 at 3030 ms.
    // Each round's two fill the first holes, so what they complete is readable at once
    // (head-of-line blocking releases each stretch as the hole before it fills).
    const readAll = () => { let n = 0; for (;;) { try { n += srv.recv(fd).length; } catch { return n; } } };
    k.advance(2000);
    assert.equal(1000 + readAll(), 8000);
    k.advance(1200);
    assert.equal(readAll(), 2000, 'the last two after four rounds of backoff');
    assert.equal(k.linkStats(cli, srv).queueDrops, 8 + 6 + 4 + 2);
  });

  test('hold and release: packets wait, then all go in order', async () => {
    const { k, srv, cli } = await network({ link: { latency: 1 } });
    listener(srv);
    k.hold(cli, srv);
    const c = connectTo(cli);
    k.advance(500);
    assert.equal(k.linkStats(cli, srv).held, 1);
    assert.equal(stateOf(cli, c), 'SYN_SENT');
    k.release(cli, srv, { at: 700 });
    assert.equal(until(k, established(cli, c)), 702, 'the held SYN crosses at 700 ms');
  });

  test('bad link options are Node-coded errors and change nothing', async () => {
    const { k, srv, cli } = await network();
    assert.throws(() => k.link(cli, srv, { loss: 1.5 }), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => k.link(cli, srv, { latency: -1 }), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => k.link(cli, srv, { delay: 1 }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => k.link(cli, cli, { latency: 1 }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => k.partition(cli, srv, { at: -5 }), { code: 'ERR_OUT_OF_RANGE' });
    // A full queue must drain within 2^38 µs, or a packet's delivery would lie past the
    // event heap's horizon (it trapped the kernel before: 4 GiB at 1 kbit/s).
    assert.throws(() => k.link(cli, srv, { rate: 1000, limit: 2 ** 32 }), { code: 'ERR_OUT_OF_RANGE', message: /"limit" must drain/ });
    assert.throws(() => k.setUplink(cli, { rate: 1000, limit: 34_359_739 }), { code: 'ERR_OUT_OF_RANGE' });
    k.link(cli, srv, { rate: 1000, limit: 34_359_738 });
    const other = await createKernel();
    assert.throws(() => k.link(cli, other, { latency: 1 }), { code: 'ERR_INVALID_ARG_TYPE' });
  });

  test('determinism: the same seed and calls give the same result, whatever the batching', async () => {
    const run = async (batched) => {
      const { k, srv, cli } = await network({ link: { latency: 2, jitter: 1, loss: 0.05 }, seed: 42 });
      const l = listener(srv, 64);
      if (batched) cli.connectBatch(300, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, { address: SERVER, port: 8080 });
      else for (let i = 0; i < 300; i++) connectTo(cli);
      const accepted = [];
      for (let t = 0; t < 200; t++) {
        k.advance(25);
        for (const fd of srv.acceptBatch(l, 1000)) accepted.push([k.now(), srv.getpeername(fd).port]);
      }
      return JSON.stringify({ accepted, s: srv.stats(), c: cli.stats(), link: k.linkStats(cli, srv), back: k.linkStats(srv, cli) });
    };
    const a = await run(false), b = await run(true), c = await run(false);
    assert.equal(a, c);
    assert.equal(a, b);
  });
});
