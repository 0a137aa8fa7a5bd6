// The `kernel` option: a kernel version's personality and the tunables and rules that
// differ between versions (host/options.ts KERNELS, docs/personalities.md §8).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel, SHUT_WR } from 'socket-kernel';
import { kernel, listening, connecting, fillBacklog, isConnected, soError, code } from './helpers.mjs';

/** Seconds (of the first `limit`) at which a blocked client retransmitted its SYN. */
function synRetransmits(k, limit) {
  const l = listening(k, 0);
  const { blocked } = fillBacklog(k, l.port);
  const seen = [];
  let last = k.stats().TCPSynRetrans;
  for (let t = 1; t <= limit; t++) {
    k.advance(1000);
    const now = k.stats().TCPSynRetrans;
    if (now !== last) seen.push(t);
    last = now;
  }
  return { seen, error: soError(k, blocked) };
}

describe('kernel option: Linux versions', () => {
  for (const [name, retransmits] of [['linux-5.15', [1, 3, 7, 15, 31, 63]], ['linux-6.1', [1, 3, 7, 15, 31, 63]], ['linux-6.12', [1, 2, 3, 4, 5, 7, 11, 19, 35, 67]]]) {
    test(`${name}: the SYN retransmit schedule is ${retransmits.join(', ')} s (tcp_syn_linear_timeouts ${name === 'linux-6.12' ? '4' : 'absent before 6.5'})`, async () => {
      const k = await kernel({ kernel: name });
      assert.equal(k.personality, 'linux');
      assert.equal(k.sysctl('tcpSynLinearTimeouts'), name === 'linux-6.12' ? 4 : 0);
      const { seen, error } = synRetransmits(k, retransmits.at(-1));
      assert.deepEqual(seen, retransmits);
      assert.equal(error, 0, 'still trying at the last retransmit');
    });
  }

  test('an explicit tunable option overrides the version\'s default', async () => {
    const k = await kernel({ kernel: 'linux-5.15', tcpSynLinearTimeouts: 4 });
    assert.equal(k.sysctl('tcpSynLinearTimeouts'), 4);
  });

  test('the newest defaults stay without the option (Linux 6.18: linear timeouts 4)', async () => {
    const k = await kernel();
    assert.equal(k.sysctl('tcpSynLinearTimeouts'), 4);
  });
});

describe('kernel option: FreeBSD versions', () => {
  /** A client whose own connection sits in TIME_WAIT: it closed its side first, the server then closed. */
  function clientInTimeWait(k) {
    const l = listening(k, 5);
    const c = connecting(k, l.port).fd;
    assert.equal(isConnected(k, c), true);
    const a = k.accept(l.fd).fd;
    k.shutdown(c, SHUT_WR);
    k.close(a);
    return { c, port: l.port };
  }

  test('freebsd-13: connect() on a socket whose connection is in TIME_WAIT is EADDRINUSE (tcp_usr_connect: INP_TIMEWAIT)', async () => {
    const k = await kernel({ kernel: 'freebsd-13' });
    assert.equal(k.personality, 'freebsd');
    assert.equal(k.sysctl('connectTimeWaitInUse'), 1);
    const { c, port } = clientInTimeWait(k);
    assert.equal(code(() => k.connect(c, { address: '127.0.0.1', port })), 'EADDRINUSE');
  });

  test('freebsd-14: no INP_TIMEWAIT check (the flag is gone with struct tcptw)', async () => {
    const k = await kernel({ kernel: 'freebsd-14' });
    assert.equal(k.sysctl('connectTimeWaitInUse'), 0);
    const { c, port } = clientInTimeWait(k);
    assert.notEqual(code(() => k.connect(c, { address: '127.0.0.1', port })), 'EADDRINUSE');
  });

  test('a host added with kernel freebsd-13 follows it; the Linux kernel it belongs to does not (per-host tunables)', async () => {
    const k = await kernel();
    const h = k.addHost({ kernel: 'freebsd-13' });
    assert.equal(h.personality, 'freebsd');
    assert.equal(h.sysctl('connectTimeWaitInUse'), 1);
    assert.equal(k.sysctl('connectTimeWaitInUse'), 0);
    const { c, port } = clientInTimeWait(h);
    assert.equal(code(() => h.connect(c, { address: '127.0.0.1', port })), 'EADDRINUSE');
  });
});

describe('kernel option: checked at the door', () => {
  test('an unknown version is ERR_INVALID_ARG_VALUE', async () => {
    await assert.rejects(createKernel({ kernel: 'linux-4.19' }), { code: 'ERR_INVALID_ARG_VALUE', message: /"kernel" must be one of/ });
    await assert.rejects(createKernel({ kernel: 5 }), { code: 'ERR_INVALID_ARG_VALUE' });
  });

  test('a personality that contradicts the version is ERR_INVALID_ARG_VALUE; the same one is accepted', async () => {
    await assert.rejects(createKernel({ kernel: 'freebsd-13', personality: 'linux' }), { code: 'ERR_INVALID_ARG_VALUE', message: /freebsd kernel/ });
    const k = await kernel({ kernel: 'linux-6.1', personality: 'linux' });
    assert.equal(k.personality, 'linux');
  });
});
