// tcp_tw_reuse: connect() taking a 4-tuple that a TIME_WAIT socket holds
// (net/ipv4/tcp_ipv4.c tcp_twsk_unique, from __inet_check_established; docs/personalities.md
// §8 "tcp_tw_reuse"). A client reconnecting from the same port to the same server gets
// the 4-tuple back only when Linux would give it: at once from a bound port, after
// tcp_tw_reuse_delay (1 s) from an ephemeral one on loopback with tcp_tw_reuse 2; never
// when tcp_tw_reuse is 0, nor on FreeBSD. TWRecycled counts each one.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR } from 'socket-kernel';
import { kernel, listening, code, isConnected } from './helpers.mjs';

/** A server and one port: clients connect to the server from `port` only (ipLocalPortRange [port, port]). */
const PORT = 40000;

/**
 * A client connected from PORT (ephemeral, the range is that one port) that closed
 * first, the server closing after: the client's 4-tuple sits in TIME_WAIT.
 * With `finWait2` the server never closes: the client is an orphan in FIN_WAIT_2.
 */
function clientGone(k, server, { finWait2 = false, bound = false } = {}) {
  const c = k.socket(2, SOCK_STREAM);
  if (bound) { k.setsockopt(c, SOL_SOCKET, SO_REUSEADDR, 1); k.bind(c, { address: '127.0.0.1', port: PORT }); }
  k.connect(c, { address: server.address, port: server.port });
  assert.equal(k.getsockname(c).port, PORT);
  const a = k.accept(server.fd).fd;
  k.close(c);
  if (!finWait2) k.close(a);
  const want = finWait2 ? 'FIN_WAIT_2' : 'TIME_WAIT';
  assert.ok(k.sockets().some((s) => s.state === want && s.local.port === PORT), `the client's 4-tuple is in ${want}`);
  return a;
}

/** A new client to the same server, from PORT: connect()'s errno name, or 'ok'. */
function reconnect(k, server, { bound = false } = {}) {
  const c = k.socket(2, SOCK_STREAM);
  if (bound) {
    k.setsockopt(c, SOL_SOCKET, SO_REUSEADDR, 1);
    k.bind(c, { address: '127.0.0.1', port: PORT });
  }
  const r = code(() => k.connect(c, { address: server.address, port: server.port }));
  if (r === 'ok') assert.equal(isConnected(k, c), true);
  return r;
}

const timeWaits = (k) => k.sockets().filter((s) => s.state === 'TIME_WAIT').length;

describe('tcp_tw_reuse: an ephemeral port (__inet_hash_connect, twp != NULL)', () => {
  test('default (2, loopback): the TIME_WAIT 4-tuple is busy for tcp_tw_reuse_delay, then taken; TWRecycled counts it', async () => {
    const k = await kernel({ ipLocalPortRange: [PORT, PORT] });
    assert.equal(k.sysctl('tcpTwReuse'), 2);
    assert.equal(k.sysctl('tcpTwReuseDelayMs'), 1000);
    const server = listening(k, 8, { port: 8080 });
    clientGone(k, server);
    assert.equal(reconnect(k, server), 'EADDRNOTAVAIL', 'every port busy: the only one is in TIME_WAIT');
    k.advance(1000);
    assert.equal(reconnect(k, server), 'EADDRNOTAVAIL', 'exactly tcp_tw_reuse_delay: not after it yet (time_after32)');
    k.advance(1);
    assert.equal(timeWaits(k), 1);
    assert.equal(reconnect(k, server), 'ok');
    assert.equal(k.stats().TWRecycled, 1);
    assert.equal(timeWaits(k), 0, 'the TIME_WAIT socket was killed (inet_twsk_deschedule_put)');
  });

  test('tcpTwReuse 0: the 4-tuple stays busy for the whole TIME_WAIT (60 s), then is free', async () => {
    const k = await kernel({ ipLocalPortRange: [PORT, PORT], tcpTwReuse: 0 });
    const server = listening(k, 8, { port: 8080 });
    clientGone(k, server);
    k.advance(59_000);
    assert.equal(reconnect(k, server), 'EADDRNOTAVAIL');
    k.advance(1_000);
    assert.equal(reconnect(k, server), 'ok', 'TIME_WAIT is over');
    assert.equal(k.stats().TWRecycled, 0);
  });

  test('tcpTwReuseDelay moves the threshold (6.13+ tcp_tw_reuse_delay)', async () => {
    const k = await kernel({ ipLocalPortRange: [PORT, PORT], tcpTwReuseDelay: 5000 });
    const server = listening(k, 8, { port: 8080 });
    clientGone(k, server);
    k.advance(4000);
    assert.equal(reconnect(k, server), 'EADDRNOTAVAIL');
    k.advance(1001);
    assert.equal(reconnect(k, server), 'ok');
  });

  test('tcpTwReuse 2 takes only loopback 4-tuples; 1 takes any', async () => {
    for (const [mode, want] of [[2, 'EADDRNOTAVAIL'], [1, 'ok']]) {
      const k = await kernel({ ipLocalPortRange: [PORT, PORT], tcpTwReuse: mode });
      k.addAddress('10.0.0.1');
      const server = listening(k, 8, { address: '10.0.0.1', port: 8080 });
      clientGone(k, server);
      k.advance(1001);
      assert.equal(reconnect(k, server), want, `tcp_tw_reuse ${mode}, 10.0.0.1 to itself`);
    }
  });

  test('linux-5.15 .. 6.12: the last timestamp must come from an earlier whole second (no tcp_tw_reuse_delay)', async () => {
    const k = await kernel({ kernel: 'linux-6.12', ipLocalPortRange: [PORT, PORT] });
    assert.equal(k.sysctl('twReuseWholeSeconds'), 1);
    const server = listening(k, 8, { port: 8080 });
    k.advance(400);                   // TIME_WAIT starts at 0.4 s
    clientGone(k, server);
    k.advance(500);                   // 0.9 s: the same second
    assert.equal(reconnect(k, server), 'EADDRNOTAVAIL');
    k.advance(100);                   // 1.0 s: the next second, 0.6 s after
    assert.equal(reconnect(k, server), 'ok');
    assert.equal(k.stats().TWRecycled, 1);
  });

  test('an orphan in FIN_WAIT_2: 6.12 and the default (6.11+) never take its 4-tuple; 6.1 does', async () => {
    for (const [name, want] of [[undefined, 'EADDRNOTAVAIL'], ['linux-6.12', 'EADDRNOTAVAIL'], ['linux-6.1', 'ok'], ['linux-5.15', 'ok']]) {
      const k = await kernel({ ...(name ? { kernel: name } : {}), ipLocalPortRange: [PORT, PORT] }, { debug: true });
      const server = listening(k, 8, { port: 8080 });
      const a = clientGone(k, server, { finWait2: true });
      k.check();
      k.advance(2000);
      assert.equal(reconnect(k, server), want, name ?? 'default');
      assert.equal(k.stats().TWRecycled, want === 'ok' ? 1 : 0);
      k.close(a);                    // the server's FIN: the orphan (if it lives) goes to TIME_WAIT
      k.check();
    }
  });

  test('FreeBSD never recycles: the 4-tuple is busy for the whole TIME_WAIT', async () => {
    const k = await kernel({ personality: 'freebsd', ipLocalPortRange: [PORT, PORT] });
    assert.equal(k.sysctl('tcpTwReuse'), 0);
    k.setSysctl('tcpTwReuse', 2);   // even when asked to: FreeBSD has no such rule
    const server = listening(k, 8, { port: 8080 });
    clientGone(k, server);
    k.advance(5000);
    assert.equal(reconnect(k, server), 'EADDRNOTAVAIL');
    assert.equal(k.stats().TWRecycled, 0);
  });
});

describe('a bound port (__inet_hash_connect "if (port)": twp == NULL)', () => {
  test('the TIME_WAIT 4-tuple is taken at once, whatever tcp_tw_reuse says', async () => {
    for (const tcpTwReuse of [0, 2]) {
      const k = await kernel({ tcpTwReuse });
      const server = listening(k, 8, { port: 8080 });
      clientGone(k, server, { bound: true });
      assert.equal(reconnect(k, server, { bound: true }), 'ok', `tcp_tw_reuse ${tcpTwReuse}`);
      assert.equal(k.stats().TWRecycled, 1);
      assert.equal(timeWaits(k), 0);
    }
  });

  test('without SO_REUSEADDR bind() itself refuses the port a TIME_WAIT holds', async () => {
    const k = await kernel();
    const server = listening(k, 8, { port: 8080 });
    clientGone(k, server, { bound: true });
    const c = k.socket(2, SOCK_STREAM);
    assert.equal(code(() => k.bind(c, { address: '127.0.0.1', port: PORT })), 'EADDRINUSE');
  });

  test('FreeBSD: the 4-tuple stays busy', async () => {
    const k = await kernel({ personality: 'freebsd' });
    const server = listening(k, 8, { port: 8080 });
    clientGone(k, server, { bound: true });
    assert.equal(reconnect(k, server, { bound: true }), 'EADDRNOTAVAIL');
  });
});

test('the recycled TIME_WAIT releases what it held (debug build: every table consistent)', async () => {
  const k = await kernel({ ipLocalPortRange: [PORT, PORT] }, { debug: true });
  const server = listening(k, 8, { port: 8080 });
  for (let i = 0; i < 5; i++) {
    clientGone(k, server);
    k.check();
    k.advance(1001);
  }
  assert.equal(k.stats().TWRecycled, 4);
  assert.equal(timeWaits(k), 1);
  k.advance(60_000);
  assert.equal(timeWaits(k), 0);
  k.check();
});

test('per host: each host of a network follows its own tcp_tw_reuse and kernel version (a namespace\'s sysctls)', async () => {
  const k = await kernel({ ipLocalPortRange: [PORT, PORT] });
  const h = k.addHost({ kernel: 'linux-6.12', tcpTwReuse: 0, ipLocalPortRange: [PORT, PORT] });
  assert.equal(h.sysctl('tcpTwReuse'), 0);
  assert.equal(h.sysctl('twReuseWholeSeconds'), 1);
  assert.equal(k.sysctl('tcpTwReuse'), 2);
  assert.equal(k.sysctl('twReuseWholeSeconds'), 0);
  const onK = listening(k, 8, { port: 8080 }), onH = listening(h, 8, { port: 8080 });
  clientGone(k, onK);
  clientGone(h, onH);
  k.advance(1001);
  assert.equal(reconnect(k, onK), 'ok');
  assert.equal(reconnect(h, onH), 'EADDRNOTAVAIL', 'tcp_tw_reuse 0 on this host');
  assert.equal(k.stats().TWRecycled, 1);
  assert.equal(h.stats().TWRecycled, 0);
});
