// The host API at its door: options and arguments are checked with Node-shaped
// errors, kernels are independent, and no sequence of calls can make the kernel trap.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  createKernel, SocketError, KernelPanic, AF_INET, AF_INET6, AF_UNIX, SOCK_STREAM, SOCK_DGRAM,
  SOCK_SEQPACKET, SOCK_NONBLOCK, SOL_SOCKET, SO_REUSEADDR, SO_REUSEPORT, SO_ERROR, SO_LINGER,
} from 'socket-kernel';
import { kernel, listening, connecting, code } from './helpers.mjs';

describe('createKernel options', () => {
  test('unknown keys and bad values are rejected with Node-style codes', async () => {
    await assert.rejects(createKernel({ backlog: 5 }), { code: 'ERR_INVALID_ARG_VALUE', message: 'Unknown option "backlog"' });
    await assert.rejects(createKernel({ personality: 'windows' }), { code: 'ERR_INVALID_ARG_VALUE' });
    await assert.rejects(createKernel({ somaxconn: 1.5 }), { code: 'ERR_INVALID_ARG_TYPE', message: '"somaxconn" must be an integer. Received 1.5' });
    await assert.rejects(createKernel({ tcpSyncookies: 3 }), { code: 'ERR_OUT_OF_RANGE' });
    await assert.rejects(createKernel({ ipLocalPortRange: [5000, 4000] }), { code: 'ERR_INVALID_ARG_VALUE' });
    await assert.rejects(createKernel({ linkDelay: -1 }), { code: 'ERR_OUT_OF_RANGE' });
  });
  test('tunables read back by their sysctl names', async () => {
    const k = await createKernel({ somaxconn: 77, ipLocalPortRange: [20000, 20999] });
    assert.equal(k.sysctl('somaxconn'), 77);
    assert.equal(k.sysctl('ipLocalPortRangeLow'), 20000);
    assert.equal(k.sysctl('tcpSynRetries'), 6);
    k.setSysctl('somaxconn', 5);
    const l = listening(k, 100);
    assert.equal(k.sockets().find((s) => s.fd === l.fd).sendQ, 5);
  });
  test('personality defaults: FreeBSD somaxconn 128, Linux 4096', async () => {
    assert.equal((await createKernel({ personality: 'freebsd' })).sysctl('somaxconn'), 128);
    assert.equal((await createKernel()).sysctl('somaxconn'), 4096);
  });
});

describe('arguments', () => {
  test('non-integer descriptors and bad addresses are TypeErrors, not kernel calls', async () => {
    const k = await kernel();
    assert.throws(() => k.listen('3', 1), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => k.bind(k.socket(AF_INET, SOCK_STREAM), { address: 'localhost', port: 1 }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => k.bind(k.socket(AF_INET, SOCK_STREAM), { address: '127.0.0.1', port: 70000 }), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => k.bind(k.socket(AF_INET, SOCK_STREAM), null), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => k.advance(-5), { code: 'ERR_OUT_OF_RANGE' });
  });
  test('kernel errors are SocketErrors with a negative errno, as Node reports them', async () => {
    const k = await kernel();
    const err = (() => { try { k.listen(42, 1); } catch (e) { return e; } })();
    assert.ok(err instanceof SocketError);
    assert.deepEqual([err.code, err.errno, err.syscall, err.message], ['EBADF', -9, 'listen', 'listen EBADF: bad file descriptor']);
  });
});

describe('batched calls', () => {
  test('connectBatch / acceptBatch / closeBatch follow the same rules as one call at a time', async () => {
    const k = await kernel();
    const l = listening(k, 2);
    const fds = k.connectBatch(6, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, { address: '127.0.0.1', port: l.port });
    assert.deepEqual([...fds], [4, 5, 6, 7, 8, 9], 'lowest-free descriptors, in order');
    assert.equal(k.sockets().find((s) => s.fd === l.fd).recvQ, 3, 'backlog 2 admits 3; the others wait in SYN_SENT');
    assert.equal(k.stats().ListenOverflows, 3);
    const accepted = k.acceptBatch(l.fd, 10);
    assert.equal(accepted.length, 3);
    assert.deepEqual(k.getpeername(accepted[0]), k.getsockname(fds[0]), 'FIFO');
    assert.equal(k.acceptBatch(l.fd, 10).length, 0, 'empty queue: no descriptors, no error');
    assert.equal(k.closeBatch([...accepted, ...fds, 99]), 9, 'the bad descriptor is skipped');
    assert.equal(k.memoryUsage().timeWait, 3, 'the accepted sides closed first: they wait in TIME_WAIT');
    k.advance(60_000);
    assert.equal(k.memoryUsage().liveSockets, 1, 'after 2MSL only the listener is left');
  });
  test('a failed connect in a batch reports -errno and closes that socket', async () => {
    const k = await kernel();
    const fds = k.connectBatch(2, AF_INET, SOCK_STREAM, { address: '127.0.0.1', port: 9 });
    assert.deepEqual([...fds], [-111, -111], 'blocking connects to a closed port: ECONNREFUSED');
    assert.equal(k.memoryUsage().liveSockets, 0);
    assert.throws(() => k.acceptBatch(0, 4), { code: 'ENOTSOCK' });
  });
});

describe('memory stays flat', () => {
  test('loopback handshake cycles leave only TIME_WAIT behind, and it expires after 60 s', async () => {
    const k = await kernel({ maxFds: 64 });
    const l = listening(k, 16);
    for (let i = 0; i < 5000; i++) {
      const c = connecting(k, l.port).fd;
      k.close(k.accept(l.fd).fd);   // the server closes first: its side enters TIME_WAIT
      k.close(c);
    }
    let m = k.memoryUsage();
    assert.equal(m.timeWait, 5000);
    // One TIME_WAIT timer each: the orphan FIN_WAIT_2 timer it replaced left the heap
    // when it was rearmed (storage/timer_heap.ts). A loopback handshake arms none.
    assert.equal(m.pendingEvents, 5000);
    k.advance(60_000);
    m = k.memoryUsage();
    assert.equal(m.timeWait, 0);
    assert.equal(m.pendingEvents, 0);
    assert.equal(m.liveSockets, 1, 'only the listener');
    assert.ok(m.total < 8 << 20, `linear memory ${m.total} bytes`);
  });
  test('tcp_max_tw_buckets is per host, as per network namespace on Linux (tcp_death_row): one host\'s TIME_WAITs leave another\'s room', async () => {
    const k = await kernel({ maxFds: 64, tcpMaxTwBuckets: 3 });
    const other = k.addHost({ tcpMaxTwBuckets: 3 });
    const cycles = (h, n) => {
      const l = listening(h, 16);
      for (let i = 0; i < n; i++) {
        const c = connecting(h, l.port).fd;
        h.close(h.accept(l.fd).fd);   // the server closes first: its side enters TIME_WAIT
        h.close(c);
      }
    };
    cycles(k, 5);
    cycles(other, 2);
    assert.equal(k.stats().TCPTimeWaitOverflow, 2, 'host 0: 3 kept, 2 over');
    assert.equal(other.stats().TCPTimeWaitOverflow, 0, 'the other host counts its own 2');
    assert.equal(k.memoryUsage().timeWait, 5, 'the kernel holds both hosts\' TIME_WAITs');
    k.advance(60_000);
    cycles(other, 4);
    assert.equal(other.stats().TCPTimeWaitOverflow, 1, 'expired ones gave their room back');
  });
  test('tcp_max_tw_buckets caps TIME_WAIT; the rest are counted as TCPTimeWaitOverflow', async () => {
    const k = await kernel({ maxFds: 64, tcpMaxTwBuckets: 100 });
    const l = listening(k, 16);
    for (let i = 0; i < 1000; i++) {
      const c = connecting(k, l.port).fd;
      k.close(k.accept(l.fd).fd);
      k.close(c);
    }
    assert.equal(k.memoryUsage().timeWait, 100);
    assert.equal(k.stats().TCPTimeWaitOverflow, 900);
  });
  test('an abortive close (SO_LINGER 0) leaves nothing at all', async () => {
    const k = await kernel({ maxFds: 64 });
    const l = listening(k, 16);
    for (let i = 0; i < 1000; i++) {
      const c = connecting(k, l.port).fd;
      const a = k.accept(l.fd).fd;
      k.setsockopt(c, SOL_SOCKET, SO_LINGER, { onoff: 1, linger: 0 });
      k.close(c);
      k.close(a);
    }
    const m = k.memoryUsage();
    assert.deepEqual([m.liveSockets, m.timeWait, m.pendingEvents], [1, 0, 0]);
    assert.equal(k.stats().TCPAbortOnData, 1000);
  });
});

describe('the errno API (k.sys)', () => {
  test('returns -errno instead of throwing; setsockopt takes ints and SO_LINGER', async () => {
    const k = await kernel();
    const l = listening(k, 4);
    const c = k.sys.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    assert.equal(k.sys.setsockopt(c, SOL_SOCKET, SO_LINGER, { onoff: 1, linger: 0 }), 0);
    assert.equal(k.sys.connect(c, { address: '127.0.0.1', port: l.port }), -115, '-EINPROGRESS');
    const a = k.sys.accept(l.fd);
    assert.ok(a > 0);
    assert.equal(k.sys.accept(l.fd), -11, '-EAGAIN');
    assert.equal(k.sys.setsockopt(c, SOL_SOCKET, 12345, 1), -92, '-ENOPROTOOPT');
    assert.equal(k.sys.close(c), 0);
    assert.equal(code(() => k.recv(a)), 'ECONNRESET', 'the linger-0 close reset the peer');
    assert.equal(k.sys.close(99), -9, '-EBADF');
  });
});

describe('would-block errors', () => {
  test('EINPROGRESS and EAGAIN are full SocketErrors, made without a stack capture', async () => {
    const k = await kernel();
    const l = listening(k, 4);
    const c = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    const e = (() => { try { k.connect(c, { address: '127.0.0.1', port: l.port }); } catch (x) { return x; } })();
    assert.ok(e instanceof SocketError && e instanceof Error);
    assert.deepEqual([e.name, e.code, e.errno, e.syscall, e.address, e.port], ['SocketError', 'EINPROGRESS', -115, 'connect', '127.0.0.1', l.port]);
    assert.equal(e.message, `connect EINPROGRESS: operation in progress 127.0.0.1:${l.port}`);
    assert.equal(e.stack, `SocketError: ${e.message}`);
    k.accept(l.fd);
    const again = (() => { try { k.accept(l.fd); } catch (x) { return x; } })();
    assert.deepEqual([again.code, again.errno, again.message], ['EAGAIN', -11, 'accept EAGAIN: resource temporarily unavailable']);
    const real = (() => { try { k.listen(99, 1); } catch (x) { return x; } })();
    assert.match(real.stack, /\n\s+at /, 'other errors keep their stack');
  });
});

describe('several kernels', () => {
  test('are fully independent: same port, separate fd tables and clocks', async () => {
    const a = await kernel(), b = await kernel();
    const la = listening(a, 1, { port: 8080 }), lb = listening(b, 1, { port: 8080 });
    assert.equal(la.fd, lb.fd);
    a.advance(5000);
    assert.equal(a.now(), 5000);
    assert.equal(b.now(), 0);
    connecting(a, 8080);
    assert.equal(b.sockets().find((s) => s.fd === lb.fd).recvQ, 0);
  });
});

describe('the kernel never traps on input it can be given (debug build, assertions on)', () => {
  const addr = fc.oneof(
    fc.record({ address: fc.constantFrom('127.0.0.1', '127.0.0.2', '0.0.0.0', '::1', '::', '::ffff:127.0.0.1', '10.0.0.1'), port: fc.constantFrom(0, 1, 80, 8080, 8081, 40000) }),
    fc.record({ path: fc.constantFrom('/a', '/b', '\0x', '') }),
  );
  const fd = fc.integer({ min: -2, max: 12 });
  const call = fc.oneof(
    fc.tuple(fc.constant('socket'), fc.constantFrom(AF_INET, AF_INET6, AF_UNIX, 0, 99), fc.constantFrom(SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM | SOCK_NONBLOCK, 3, 0x4000), fc.constantFrom(0, 6, 17, 1, 300)),
    fc.tuple(fc.constant('bind'), fd, addr),
    fc.tuple(fc.constant('listen'), fd, fc.integer({ min: -3, max: 5 })),
    fc.tuple(fc.constant('connect'), fd, addr),
    fc.tuple(fc.constant('accept'), fd),
    fc.tuple(fc.constant('accept4'), fd, fc.constantFrom(0, SOCK_NONBLOCK, 0x1234)),
    fc.tuple(fc.constant('close'), fd),
    fc.tuple(fc.constant('shutdown'), fd, fc.integer({ min: -1, max: 3 })),
    fc.tuple(fc.constant('recv'), fd),
    fc.tuple(fc.constant('disconnect'), fd),
    fc.tuple(fc.constant('setsockopt'), fd, fc.constantFrom(SO_REUSEADDR, SO_REUSEPORT, 77), fc.boolean()),
    fc.tuple(fc.constant('getsockopt'), fd, fc.constantFrom(SO_ERROR, 30, 3, 77)),
    fc.tuple(fc.constant('getsockname'), fd),
    fc.tuple(fc.constant('getpeername'), fd),
    fc.tuple(fc.constant('advance'), fc.constantFrom(0, 1, 200, 1000, 3000, 70000)),
    fc.tuple(fc.constant('unlink'), fc.constantFrom('/a', '/b')),
    fc.tuple(fc.constant('send'), fd, fc.constantFrom('x', 'hello', 'GET / HTTP/1.0\r\n\r\n'), fc.constantFrom(0, 0x40, 0x4000)),
    fc.tuple(fc.constant('sendBig'), fd),
    fc.tuple(fc.constant('recv'), fd, fc.constantFrom(0, 1, 4096), fc.constantFrom(0, 2, 0x20, 0x100)),
    fc.tuple(fc.constant('sendto'), fd, fc.constant('d'), addr),
    fc.tuple(fc.constant('recvfrom'), fd, fc.constantFrom(1, 100)),
    fc.tuple(fc.constant('linger'), fd),
    fc.tuple(fc.constant('defer'), fd, fc.constantFrom(0, 1, 5)),
    fc.tuple(fc.constant('filter'), fd, fc.constantFrom('dataready', 'httpready', 'nope')),
    fc.tuple(fc.constant('poll'), fd),
    fc.tuple(fc.constant('epoll'), fd, fd, fc.constantFrom(1, 2, 3, 7), fc.constantFrom(1, 4, 1 | 4 | -0x80000000, 1 | (1 << 30))),
    fc.tuple(fc.constant('epollWait'), fd),
  );
  for (const personality of ['linux', 'freebsd', 'posix']) {
    test(`${personality}: random call sequences end in results or SocketErrors only`, async () => {
      await fc.assert(fc.asyncProperty(
        fc.array(call, { maxLength: 60 }), fc.constantFrom(0, 0.5), fc.integer({ min: 0, max: 2 }),
        async (calls, linkDelay, tcpSyncookies) => {
          const k = await kernel({ personality, linkDelay, tcpSyncookies, maxFds: 12 }, { debug: true });
          for (const [name, ...args] of calls) {
            try {
              if (name === 'setsockopt') k.setsockopt(args[0], SOL_SOCKET, args[1], args[2]);
              else if (name === 'getsockopt') k.getsockopt(args[0], SOL_SOCKET, args[1]);
              else if (name === 'sendBig') k.send(args[0], new Uint8Array(300_000));
              else if (name === 'linger') k.setsockopt(args[0], SOL_SOCKET, SO_LINGER, { onoff: 1, linger: 0 });
              else if (name === 'defer') k.setsockopt(args[0], 6, 9, args[1]);
              else if (name === 'filter') k.setsockopt(args[0], SOL_SOCKET, 0x1000, { name: args[1] });
              else if (name === 'poll') k.poll([{ fd: args[0], events: 0x2005 }]);
              else if (name === 'epoll') k.epollCtl(args[0], args[2], args[1], args[3]);
              else if (name === 'epollWait') k.epollWait(args[0]);
              else if (name === 'socket' && args[0] === 0 && args[1] === 0x4000) k.epollCreate();
              else k[name](...args);
            } catch (e) {
              if (e instanceof KernelPanic) throw e;
              if (!(e instanceof SocketError) && !(e instanceof TypeError)) throw e;
            }
            k.check(); // every table consistent after every call (assembly/core/check.ts)
          }
          k.runUntilIdle(200_000);
          // Every queue was freed or is still owned: closing everything leaves no socket.
          // Every socket the table shows is consistent with the fd table.
          const rows = k.sockets();
          const fds = rows.filter((r) => r.fd !== null).map((r) => r.fd);
          assert.equal(new Set(fds).size, fds.length, 'no descriptor names two sockets');
          assert.ok(k.memoryUsage().fds >= fds.length);
          // Nothing leaks: once every descriptor is closed and the clock has run past
          // every TIME_WAIT and FIN_WAIT_2 timeout, no socket is left.
          for (let fd = 0; fd < 12; fd++) { try { k.close(fd); } catch { /* not open */ } }
          k.runUntilIdle(10_000_000);
          assert.equal(k.memoryUsage().liveSockets, 0, JSON.stringify(k.sockets()));
        },
      ), { numRuns: 150, seed: 20261121 });
    });
  }
});
