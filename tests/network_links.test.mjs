// Links between hosts (issue 12, docs/network.md): latency, partitions, loss of each
// handshake packet, Gilbert-Elliott bursts, drop-tail, each host's own schedule, and
// determinism.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel, AF_INET, SOCK_STREAM, SOCK_NONBLOCK } from 'socket-kernel';
import { network, listener, connectTo, stateOf, until, SERVER } from './network_helpers.mjs';

const established = (h, fd) => () => stateOf(h, fd) === 'ESTABLISHED';

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

  test('lost data is retransmitted after the RTO (Linux: 200 ms, then doubled) and arrives in order', async () => {
    const { k, srv, cli } = await network({ link: { latency: 1 } });
    const l = listener(srv);
    const c = connectTo(cli);
    k.advance(3);
    const { fd } = srv.accept(l);
    k.partition(cli, srv, { oneWay: true });
    k.heal(cli, srv, { at: k.now() + 300, oneWay: true });
    cli.send(c, 'one ');
    const t0 = k.now();
    // 200 ms: resent into the partition and lost again; 200 + 400 ms: it crosses.
    assert.equal(until(k, () => { try { return srv.recv(fd).length > 0 || true; } catch { return false; } }) - t0, 601);
    assert.equal(cli.stats().TCPTimeouts, 2);
    cli.send(c, 'two');
    k.advance(1);
    assert.equal(new TextDecoder().decode(srv.recv(fd)), 'two');
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
    // at 200 ms and 2 fit again, 6 at 600 ms (2 fit), 4 at 1400 ms, the last 2 at 3000 ms.
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
