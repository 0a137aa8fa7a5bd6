// bind(): address rules, SO_REUSEADDR / SO_REUSEPORT, privileged ports and ephemeral
// port choice (probe facts reuse_rules, ephemeral_ports, ipv6).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { AF_INET, AF_INET6, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, SO_REUSEPORT, IPPROTO_IPV6, IPV6_V6ONLY } from 'socket-kernel';
import { kernel, listening, connecting, code } from './helpers.mjs';

function sock(k, { reuseaddr = false, reuseport = false, domain = AF_INET } = {}) {
  const fd = k.socket(domain, SOCK_STREAM);
  if (reuseaddr) k.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
  if (reuseport) k.setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
  return fd;
}
const at = (address, port) => ({ address, port });

describe('bind conflicts (Linux inet_bind_conflict)', () => {
  test('same address and port without options: EADDRINUSE', async () => {
    const k = await kernel();
    k.bind(sock(k), at('127.0.0.1', 5000));
    assert.equal(code(() => k.bind(sock(k), at('127.0.0.1', 5000))), 'EADDRINUSE');
  });
  test('SO_REUSEADDR on both: bound together, but only one may listen', async () => {
    const k = await kernel();
    const a = sock(k, { reuseaddr: true }), b = sock(k, { reuseaddr: true });
    k.bind(a, at('127.0.0.1', 5000));
    k.bind(b, at('127.0.0.1', 5000));
    k.listen(a, 1);
    assert.equal(code(() => k.listen(b, 1)), 'EADDRINUSE');
    assert.equal(code(() => k.bind(sock(k, { reuseaddr: true }), at('127.0.0.1', 5000))), 'EADDRINUSE', 'not while one listens');
    k.close(a);
    k.listen(b, 1);
  });
  test('SO_REUSEADDR on the second only: EADDRINUSE', async () => {
    const k = await kernel();
    k.bind(sock(k), at('127.0.0.1', 5000));
    assert.equal(code(() => k.bind(sock(k, { reuseaddr: true }), at('127.0.0.1', 5000))), 'EADDRINUSE');
  });
  test('SO_REUSEPORT on both: all may listen; connections spread over them', async () => {
    const k = await kernel();
    const fds = [0, 1, 2].map(() => { const fd = sock(k, { reuseport: true }); k.bind(fd, at('127.0.0.1', 5000)); k.listen(fd, 64); return fd; });
    assert.equal(code(() => k.bind(sock(k), at('127.0.0.1', 5000))), 'EADDRINUSE', 'a socket without SO_REUSEPORT may not join');
    for (let i = 0; i < 60; i++) connecting(k, 5000);
    const depth = fds.map((fd) => k.sockets().find((s) => s.fd === fd).recvQ);
    assert.equal(depth.reduce((a, b) => a + b), 60);
    assert.ok(depth.every((d) => d > 5), `every listener got some: ${depth}`);
  });
  test('wildcard and specific addresses conflict unless both set SO_REUSEADDR', async () => {
    const k = await kernel();
    k.bind(sock(k), at('0.0.0.0', 5000));
    assert.equal(code(() => k.bind(sock(k), at('127.0.0.1', 5000))), 'EADDRINUSE');
    const a = sock(k, { reuseaddr: true }), b = sock(k, { reuseaddr: true });
    k.bind(a, at('127.0.0.1', 5001));
    k.bind(b, at('0.0.0.0', 5001));
    k.listen(a, 1);
  });
  test('different loopback addresses do not conflict', async () => {
    const k = await kernel();
    k.bind(sock(k), at('127.0.0.1', 5000));
    k.bind(sock(k), at('127.0.0.2', 5000));
  });
  test('dual stack: [::] covers IPv4 unless IPV6_V6ONLY', async () => {
    const k = await kernel();
    const six = sock(k, { domain: AF_INET6 });
    k.bind(six, at('::', 5000));
    assert.equal(code(() => k.bind(sock(k), at('127.0.0.1', 5000))), 'EADDRINUSE');
    const only = sock(k, { domain: AF_INET6 });
    k.setsockopt(only, IPPROTO_IPV6, IPV6_V6ONLY, 1);
    k.bind(only, at('::', 5001));
    k.bind(sock(k), at('127.0.0.1', 5001));
  });
  test('an IPv4 client reaches a [::] listener and is seen IPv4-mapped', async () => {
    const k = await kernel();
    const l = listening(k, 4, { address: '::', domain: AF_INET6 });
    connecting(k, l.port);
    const a = k.accept(l.fd);
    assert.equal(a.address.family, 'IPv6');
    assert.equal(a.address.address, '::ffff:127.0.0.1');
  });
});

describe('bind errors', () => {
  test('EADDRNOTAVAIL for an address this kernel does not own, until it is added', async () => {
    const k = await kernel();
    assert.equal(code(() => k.bind(sock(k), at('10.1.2.3', 5000))), 'EADDRNOTAVAIL');
    k.addAddress('10.1.2.3');
    k.bind(sock(k), at('10.1.2.3', 5000));
  });
  test('EINVAL when already bound; EINVAL for a short address; EAFNOSUPPORT for the wrong family', async () => {
    const k = await kernel();
    const fd = sock(k);
    k.bind(fd, at('127.0.0.1', 0));
    assert.equal(code(() => k.bind(fd, at('127.0.0.1', 0))), 'EINVAL');
    assert.equal(code(() => k.bind(sock(k), at('::1', 0))), 'EAFNOSUPPORT');
    assert.equal(code(() => k.bind(sock(k, { domain: AF_INET6 }), at('127.0.0.1', 0))), 'ok', 'mapped');
  });
  test('ports below ip_unprivileged_port_start: EACCES unless privileged', async () => {
    const k = await kernel();
    assert.equal(code(() => k.bind(sock(k), at('127.0.0.1', 80))), 'EACCES');
    const root = await kernel({ privileged: true });
    root.bind(sock(root), at('127.0.0.1', 80));
    const low = await kernel({ ipUnprivilegedPortStart: 80 });
    low.bind(sock(low), at('127.0.0.1', 80));
  });
  test('SocketError carries code, errno, syscall, address and port like Node', async () => {
    const k = await kernel();
    k.bind(sock(k), at('127.0.0.1', 8080));
    try { k.bind(sock(k), at('127.0.0.1', 8080)); assert.fail('no error'); } catch (e) {
      assert.equal(e.code, 'EADDRINUSE');
      assert.equal(e.errno, -98);
      assert.equal(e.syscall, 'bind');
      assert.equal(e.address, '127.0.0.1');
      assert.equal(e.port, 8080);
      assert.equal(e.message, 'bind EADDRINUSE: address already in use 127.0.0.1:8080');
    }
  });
  test('listen EADDRINUSE names the address in Node\'s words', async () => {
    const k = await kernel();
    const a = sock(k, { reuseaddr: true }), b = sock(k, { reuseaddr: true });
    k.bind(a, at('127.0.0.1', 8080)); k.bind(b, at('127.0.0.1', 8080));
    k.listen(a, 1);
    assert.throws(() => k.listen(b, 1), { message: 'listen EADDRINUSE: address already in use 127.0.0.1:8080' });
  });
});

describe('ephemeral ports (ip_local_port_range)', () => {
  test('bind(port 0) and listen() autobind pick odd ports; connect() picks even ones', async () => {
    const k = await kernel({ maxFds: 4096 });
    for (let i = 0; i < 20; i++) {
      const fd = sock(k);
      k.bind(fd, at('127.0.0.1', 0));
      const p = k.getsockname(fd).port;
      assert.ok(p % 2 === 1 && p >= 32768 && p <= 60999, `bind port ${p}`);
      const l = sock(k);
      k.listen(l, 1);
      assert.equal(k.getsockname(l).port % 2, 1);
    }
    const l = listening(k, 64);
    for (let i = 0; i < 20; i++) {
      const p = k.getsockname(connecting(k, l.port).fd).port;
      assert.ok(p % 2 === 0 && p >= 32768 && p <= 60999, `connect port ${p}`);
    }
  });
  test('a tiny range runs out: bind EADDRINUSE, connect EADDRNOTAVAIL', async () => {
    const k = await kernel({ ipLocalPortRange: [40000, 40003] });
    const l = listening(k, 64, { port: 5000 });
    const ports = [0, 1].map(() => k.getsockname(connecting(k, 5000).fd).port);
    assert.deepEqual(ports.sort(), [40000, 40002]);
    // Even ports are used up: connect falls back to the odd ones, then runs out.
    connecting(k, 5000); connecting(k, 5000);
    assert.equal(connecting(k, 5000).code, 'EADDRNOTAVAIL');
    assert.equal(code(() => k.bind(sock(k), at('127.0.0.1', 0))), 'EADDRINUSE');
    void l;
  });
  test('connect reuses a port for a different destination (4-tuples differ)', async () => {
    const k = await kernel({ ipLocalPortRange: [40000, 40001] });
    const a = listening(k, 8, { port: 5000 }), b = listening(k, 8, { port: 5001 });
    const pa = k.getsockname(connecting(k, a.port).fd).port;
    const pb = k.getsockname(connecting(k, b.port).fd).port;
    assert.equal(pa, 40000);
    assert.equal(pb, 40000);
  });
});
