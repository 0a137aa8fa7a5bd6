// FreeBSD's ephemeral port choice and SO_REUSEPORT_LB, read from FreeBSD's source
// (docs/personalities.md "FreeBSD rules checked against the source"). A conformance
// step cannot state a random choice, so these rules are tests here. The ones the
// FreeBSD personality did not follow before issue 16 were todo; all run now.
// Every rule runs on the kernel itself (host 0: direct port arrays) and on a FreeBSD
// host added to a Linux kernel (the per-host port hash table of tables/ports.ts, and the
// host's own personality and tunables).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AF_INET, SOCK_STREAM, SOCK_NONBLOCK, SOL_SOCKET } from 'socket-kernel';
import { kernel, listening } from './helpers.mjs';

/** FreeBSD <sys/socket.h>: SO_REUSEPORT_LB 0x00010000 (load-balanced SO_REUSEPORT, FreeBSD 12+). */
const SO_REUSEPORT_LB = 0x10000;
const SAMPLES = 24;

function boundPorts(k, n) {
  return Array.from({ length: n }, () => {
    const fd = k.socket(AF_INET, SOCK_STREAM);
    k.bind(fd, { address: '127.0.0.1', port: 0 });
    return k.getsockname(fd).port;
  });
}

function connectPorts(k, port, n) {
  return Array.from({ length: n }, () => {
    const fd = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    try { k.connect(fd, { address: '127.0.0.1', port }); } catch { /* EINPROGRESS */ }
    return k.getsockname(fd).port;
  });
}

/** Where the rules run: a FreeBSD kernel, or a FreeBSD host of a Linux kernel. */
const PLACES = {
  'host 0': (seed = 1) => kernel({ personality: 'freebsd', seed }),
  'an added host': async (seed = 1) => (await kernel({ seed })).addHost({ personality: 'freebsd', seed }),
};

for (const [place, freebsd] of Object.entries(PLACES)) describe(`on ${place}`, () => {
  test('FreeBSD: bind(port 0) ports lie in net.inet.ip.portrange.first..last (10000..65535)', async () => {
    const k = await freebsd();
    for (const p of boundPorts(k, SAMPLES)) assert.ok(p >= 10000 && p <= 65535, `${p}`);
  });

  test('FreeBSD: bind(port 0) has no parity preference: a random start, then step 1 (in_pcb_lport_dest: "*lastport = first + (arc4random() % (last - first))", "++*lastport")', async () => {
    const k = await freebsd(7);
    const parities = new Set(boundPorts(k, SAMPLES).map((p) => p % 2));
    assert.equal(parities.size, 2, `${SAMPLES} ports, all of one parity`);
  });

  test('FreeBSD: each connect() draws a fresh random start (net.inet.ip.portrange.randomized = 1), not Linux\'s per-destination sequence of even ports', async () => {
    const k = await freebsd(7);
    const l = listening(k, SAMPLES + 1);
    const ports = connectPorts(k, l.port, SAMPLES);
    const steps = new Set(ports.slice(1).map((p, i) => p - ports[i]));
    assert.ok(steps.size > 1 || !steps.has(2), `every step between consecutive ports is 2: ${ports.join(' ')}`);
  });

  test('FreeBSD: setsockopt(SO_REUSEPORT_LB) is accepted, and two listeners with it share a port (in_pcbbind_setup: "(reuseport_lb & t->inp_socket->so_options) != 0")', async () => {
    const k = await freebsd();
    const a = k.socket(AF_INET, SOCK_STREAM), b = k.socket(AF_INET, SOCK_STREAM);
    k.setsockopt(a, SOL_SOCKET, SO_REUSEPORT_LB, 1);
    k.setsockopt(b, SOL_SOCKET, SO_REUSEPORT_LB, 1);
    k.bind(a, { address: '127.0.0.1', port: 0 });
    k.listen(a, 5);
    k.bind(b, { address: '127.0.0.1', port: k.getsockname(a).port });
    k.listen(b, 5);
  });

  test('FreeBSD: without SO_REUSEPORT_LB (or SO_REUSEPORT) a second listener on the port is refused (in_pcbbind_setup: EADDRINUSE)', async () => {
    const k = await freebsd();
    const a = k.socket(AF_INET, SOCK_STREAM), b = k.socket(AF_INET, SOCK_STREAM);
    k.setsockopt(a, SOL_SOCKET, SO_REUSEPORT_LB, 1);
    k.bind(a, { address: '127.0.0.1', port: 0 });
    k.listen(a, 5);
    assert.throws(() => k.bind(b, { address: '127.0.0.1', port: k.getsockname(a).port }), { code: 'EADDRINUSE' });
  });
});

test('FreeBSD ports are per host: a port bound on one FreeBSD host is free on another and on the Linux kernel', async () => {
  const k = await kernel({ seed: 3 });
  const h1 = k.addHost({ personality: 'freebsd' }), h2 = k.addHost({ personality: 'freebsd' });
  const a = h1.socket(AF_INET, SOCK_STREAM);
  h1.bind(a, { address: '127.0.0.1', port: 0 });
  const port = h1.getsockname(a).port;
  assert.ok(port >= 10000 && port <= 65535, `${port}`);
  const again = h1.socket(AF_INET, SOCK_STREAM);
  assert.throws(() => h1.bind(again, { address: '127.0.0.1', port }), { code: 'EADDRINUSE' });
  for (const other of [h2, k]) {
    const fd = other.socket(AF_INET, SOCK_STREAM);
    other.bind(fd, { address: '127.0.0.1', port });
    assert.equal(other.getsockname(fd).port, port);
  }
});

test('FreeBSD: connect() passes over an ephemeral port a wildcard listener holds, whatever the random start (in_pcb_lport_dest with INPLOOKUP_WILDCARD)', async () => {
  for (let seed = 1; seed <= 8; seed++) {
    const k = await kernel({ personality: 'freebsd', seed, ipLocalPortRange: [40000, 40001] });
    const target = listening(k, 5, { port: 5000 });
    listening(k, 5, { address: '0.0.0.0', port: 40000 });
    const c = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    assert.throws(() => k.connect(c, { address: '127.0.0.1', port: target.port }), { code: 'EINPROGRESS' });
    assert.equal(k.getsockname(c).port, 40001, `seed ${seed}`);
  }
});
