// A host's uplink (issue 12, docs/network.md "Uplinks"): the egress queue of a host's
// interface, shared by every packet it sends to another host, before the link. What a
// user sizing a server relies on: clients share the server's bandwidth, a full uplink
// drops and counts, loopback never waits there, a link's own rate still applies.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from 'socket-kernel';
import { listener, connectTo, stateOf, until, SERVER } from './network_helpers.mjs';
import { rawDebugKernel, EINVAL } from './raw_kernel.mjs';

/** 960 bytes of payload + 40 of headers = 1000 bytes on the wire: 1 ms at 8 Mbit/s. */
const PAYLOAD = 960;
const RATE_8M = 8_000_000;

/** A server and two client hosts, each client linked both ways with `link`; the server with `uplink` (or none). */
async function twoClients({ uplink, link = { latency: 1 }, seed = 1 } = {}) {
  const k = await createKernel({ seed });
  const srv = k.addHost({ name: 'server', addresses: [SERVER], ...(uplink ? { uplink } : {}) });
  const clients = ['10.0.0.2', '10.0.0.3'].map((address) => k.addHost({ addresses: [address] }));
  for (const c of clients) k.link(c, srv, link, { both: true });
  const l = listener(srv);
  const fds = clients.map((c) => connectTo(c));
  k.advance(50);
  const accepted = fds.map(() => srv.accept(l).fd);
  fds.forEach((fd, i) => assert.equal(stateOf(clients[i], fd), 'ESTABLISHED'));
  return { k, srv, clients, fds, accepted };
}

/** Bytes client socket fd of host h has received so far (read as they come: nonblocking recv until EAGAIN). */
const received = new WeakMap();
function recvQ(h, fd) {
  const seen = received.get(h) ?? new Map();
  received.set(h, seen);
  for (;;) {
    let n;
    try { n = h.recv(fd, 65536).length; } catch (e) { if (e.code === 'EAGAIN') break; throw e; }
    if (n === 0) break;
    seen.set(fd, (seen.get(fd) ?? 0) + n);
  }
  return seen.get(fd) ?? 0;
}

/** The simulated ms, after now, at which client i has `bytes` readable. */
function readableAt(k, h, fd, bytes) {
  const t0 = k.now();
  const t = until(k, () => recvQ(h, fd) >= bytes, 5000);
  assert.notEqual(t, null, `${bytes} bytes never became readable`);
  return Math.round((t - t0) * 1000) / 1000;
}

describe('a host\'s uplink', () => {
  test('two clients share the server\'s uplink: the second response arrives one serialisation later', async () => {
    const { k, srv, clients, fds, accepted } = await twoClients({ uplink: { rate: RATE_8M } });
    const t0 = k.now();
    srv.send(accepted[0], new Uint8Array(PAYLOAD));
    srv.send(accepted[1], new Uint8Array(PAYLOAD));
    assert.equal(readableAt(k, clients[0], fds[0], PAYLOAD), 2, '1 ms on the uplink + 1 ms of latency');
    assert.equal(recvQ(clients[1], fds[1]), 0, 'not yet for the second client');
    const second = until(k, () => recvQ(clients[1], fds[1]) >= PAYLOAD, 5000) - t0;
    assert.equal(Math.round(second * 1000) / 1000, 3, 'it waits for the first to leave the uplink: one serialisation later');
    const st = k.uplinkStats(srv);
    assert.equal(st.queueDrops, 0);
    assert.ok(st.sent >= 2 && st.departed === st.sent, `every packet left the uplink: ${JSON.stringify(st)}`);
    assert.ok(st.departedBytes >= 2000);
    assert.equal(k.uplinkStats(clients[0]).sent, 0, 'a host without an uplink counts nothing');
  });

  test('without an uplink both responses arrive one latency after they were sent', async () => {
    const { k, srv, clients, fds, accepted } = await twoClients();
    const t0 = k.now();
    srv.send(accepted[0], new Uint8Array(PAYLOAD));
    srv.send(accepted[1], new Uint8Array(PAYLOAD));
    assert.equal(until(k, () => recvQ(clients[0], fds[0]) >= PAYLOAD && recvQ(clients[1], fds[1]) >= PAYLOAD) - t0, 1);
    assert.deepEqual(k.uplinkStats(), { sent: 0, departed: 0, queueDrops: 0, sentBytes: 0, departedBytes: 0, queueDropBytes: 0 });
  });

  test('a full uplink drops the packet and counts it on the host; the link never sees it and TCP resends it', async () => {
    const { k, srv, clients, fds, accepted } = await twoClients({ uplink: { rate: RATE_8M, limit: 1500 } });
    const linkSent = k.linkStats(srv, clients[1]).sent;
    srv.send(accepted[0], new Uint8Array(PAYLOAD));     // 1000 bytes queued
    srv.send(accepted[1], new Uint8Array(PAYLOAD));     // 2000 > 1500: dropped
    const st = k.uplinkStats(srv);
    assert.equal(st.queueDrops, 1);
    assert.equal(st.queueDropBytes, 1000);
    assert.equal(k.uplinkStats().queueDrops, 1, 'and in every uplink\'s total');
    assert.equal(k.linkStats(srv, clients[1]).sent, linkSent, 'the dropped packet never reached its link');
    // The data segment is resent after the RTO (200 ms on Linux) and then fits.
    const t = readableAt(k, clients[1], fds[1], PAYLOAD);
    assert.ok(t >= 200 && t < 210, `resent after the RTO: ${t} ms`);
    assert.equal(srv.stats().TCPTimeouts, 1);
  });

  test('loopback never waits in the uplink', async () => {
    const k = await createKernel({ seed: 1 });
    const srv = k.addHost({ addresses: [SERVER], uplink: { rate: 1000, limit: 100 } });   // 1 kbit/s, 100 bytes
    listener(srv);
    const c = connectTo(srv);
    k.advance(0);
    assert.equal(stateOf(srv, c), 'ESTABLISHED');
    assert.equal(k.uplinkStats(srv).sent, 0);
  });

  test('a link\'s own rate still applies after the uplink', async () => {
    // Uplink 80 Mbit/s (0.1 ms per 1000 bytes), link server -> client 8 Mbit/s (1 ms).
    const { k, srv, clients, fds, accepted } = await twoClients({ uplink: { rate: 10 * RATE_8M } });
    k.link(srv, clients[0], { rate: RATE_8M, latency: 1 });
    const t0 = k.now();
    srv.send(accepted[0], new Uint8Array(PAYLOAD));
    srv.send(accepted[0], new Uint8Array(PAYLOAD));
    assert.equal(readableAt(k, clients[0], fds[0], PAYLOAD), 2.1, '0.1 ms uplink + 1 ms link + 1 ms latency');
    assert.equal(Math.round((until(k, () => recvQ(clients[0], fds[0]) >= 2 * PAYLOAD) - t0) * 1000) / 1000, 3.1, 'the second waits for the link\'s serialisation');
  });

  test('setUplink changes it on the simulated clock; rate 0 removes it', async () => {
    const { k, srv, clients, fds, accepted } = await twoClients();
    k.setUplink(srv, { rate: RATE_8M }, { at: k.now() + 10 });
    srv.send(accepted[0], new Uint8Array(PAYLOAD));
    assert.equal(readableAt(k, clients[0], fds[0], PAYLOAD), 1, 'not yet in force');
    k.advance(20);
    srv.send(accepted[0], new Uint8Array(PAYLOAD));
    assert.equal(readableAt(k, clients[0], fds[0], 2 * PAYLOAD), 2, 'in force: 1 ms of serialisation');
    k.setUplink(srv, { rate: 0 });
    srv.send(accepted[1], new Uint8Array(PAYLOAD));
    assert.equal(readableAt(k, clients[1], fds[1], PAYLOAD), 1, 'removed');
    assert.equal(k.uplinkStats(srv).sent, 2, 'its counters stay');
  });

  test('the same seed and calls give the same uplink counters and times', async () => {
    const run = async () => {
      const { k, srv, clients, fds, accepted } = await twoClients({ uplink: { rate: RATE_8M, limit: 3000 }, link: { latency: 1, jitter: 0.5, loss: 0.1 } });
      for (let i = 0; i < 20; i++) { srv.send(accepted[i % 2], new Uint8Array(PAYLOAD)); k.advance(0.3); }
      k.advance(3000);
      return { up: k.uplinkStats(srv), link: k.linkStats(), got: fds.map((fd, i) => recvQ(clients[i], fd)) };
    };
    const a = await run();
    assert.deepEqual(await run(), a);
    assert.ok(a.up.queueDrops > 0, 'some packets found the uplink full');
    assert.deepEqual(a.got, [10 * PAYLOAD, 10 * PAYLOAD], 'every byte arrived in the end');
  });

  test('bad options are Node-coded errors before any change', async () => {
    const k = await createKernel({ seed: 1 });
    const h = k.addHost({ addresses: [SERVER] });
    assert.throws(() => k.setUplink(h, { rate: 999 }), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => k.setUplink(h, { rate: 1.5e3 + 0.5 }), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => k.setUplink(h, { rate: '1e9' }), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => k.setUplink(h, { rate: 1e9, limit: 0 }), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => k.setUplink(h, { rateBps: 1e9 }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => k.setUplink(h, null), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => k.setUplink(h, { rate: 1e9 }, { at: -1 }), { code: 'ERR_OUT_OF_RANGE' });
    const other = await createKernel({ seed: 1 });
    assert.throws(() => k.setUplink(other, { rate: 1e9 }), { code: 'ERR_INVALID_ARG_TYPE' });
    const hosts = k.hostCount();
    assert.throws(() => k.addHost({ uplink: { rate: -1 } }), { code: 'ERR_OUT_OF_RANGE' });
    assert.equal(k.hostCount(), hosts, 'no host was made');
    assert.equal(k.uplinkStats(h).sent, 0);
  });

  test('the kernel refuses a bad uplink change or counter with -EINVAL (raw ABI)', () => {
    const { x } = rawDebugKernel();
    const h = x.sk_host_create(0, 2n);
    assert.equal(x.sk_link_change(10, h, -1, 1_000_000_000n, 1500n, 0n, 0n, 0n), 0);
    assert.equal(x.sk_link_change(10, h, 0, 1_000_000_000n, 1500n, 0n, 0n, 0n), EINVAL, 'dst must be -1');
    assert.equal(x.sk_link_change(10, -1, -1, 1_000_000_000n, 1500n, 0n, 0n, 0n), EINVAL, 'no default uplink');
    assert.equal(x.sk_link_change(10, h + 1, -1, 1_000_000_000n, 1500n, 0n, 0n, 0n), EINVAL, 'unknown host');
    assert.equal(x.sk_link_change(10, h, -1, 999n, 1500n, 0n, 0n, 0n), EINVAL, 'below 1 kbit/s');
    assert.equal(x.sk_link_change(10, h, -1, 1_000_000_000n, 0n, 0n, 0n, 0n), EINVAL, 'limit 0');
    assert.equal(x.sk_link_change(10, h, -1, 1_000_000_000n, (1n << 32n) + 1n, 0n, 0n, 0n), EINVAL, 'limit above 4 GiB');
    assert.equal(x.sk_link_change(11, h, -1, 0n, 1500n, 0n, 0n, 0n), EINVAL, 'no op 11');
    assert.equal(x.sk_uplink_counter(h + 1, 0), BigInt(EINVAL));
    assert.equal(x.sk_uplink_counter(h, 12), BigInt(EINVAL));
    assert.equal(x.sk_uplink_counter(-2, 0), BigInt(EINVAL));
    assert.equal(x.sk_uplink_counter(h, 0), 0n);
    assert.equal(x.sk_check(), 0);
  });
});
