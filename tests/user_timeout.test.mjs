// TCP_USER_TIMEOUT (tcp(7); net/ipv4/tcp_timer.c tcp_write_timeout and
// tcp_clamp_rto_to_user_timeout; docs/personalities.md §8 "TCP_USER_TIMEOUT"): the
// option's values, its inheritance by accepted sockets, and a connect() that gives up
// with ETIMEDOUT once the user timeout has passed instead of after the whole SYN schedule.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { AF_UNIX, IPPROTO_TCP, SOCK_NONBLOCK, SOCK_STREAM, TCP_USER_TIMEOUT } from 'socket-kernel';
import { kernel, listening, fillBacklog, soError, code, isConnected } from './helpers.mjs';

const get = (k, fd) => k.getsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT);
const set = (k, fd, ms) => k.setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, ms);

describe('TCP_USER_TIMEOUT: the option', () => {
  test('0 by default; any non-negative ms is kept as given, on any TCP socket; negative is EINVAL', async () => {
    const k = await kernel();
    const s = k.socket(2, SOCK_STREAM);
    assert.equal(get(k, s), 0);
    for (const ms of [500, 1, 0x7fffffff, 0]) {
      set(k, s, ms);
      assert.equal(get(k, s), ms);
    }
    assert.equal(code(() => set(k, s, -1)), 'EINVAL');
    assert.equal(get(k, s), 0, 'a refused value changes nothing');
    const l = listening(k, 4);
    set(k, l.fd, 250);
    assert.equal(get(k, l.fd), 250, 'a listener keeps it too');
  });

  test('FreeBSD has no TCP_USER_TIMEOUT (ENOPROTOOPT); AF_UNIX has no TCP options (EOPNOTSUPP)', async () => {
    const f = await kernel({ personality: 'freebsd' });
    const s = f.socket(2, SOCK_STREAM);
    assert.equal(code(() => set(f, s, 500)), 'ENOPROTOOPT');
    assert.equal(code(() => get(f, s)), 'ENOPROTOOPT');
    const k = await kernel();
    const u = k.socket(AF_UNIX, SOCK_STREAM);
    assert.equal(code(() => set(k, u, 500)), 'EOPNOTSUPP');
  });

  test('an accepted socket inherits its listener\'s value (sk_clone_lock copies icsk_user_timeout)', async () => {
    const k = await kernel();
    const l = listening(k, 4);
    set(k, l.fd, 750);
    const c = k.socket(2, SOCK_STREAM);
    k.connect(c, { address: '127.0.0.1', port: l.port });
    const a = k.accept(l.fd).fd;
    assert.equal(get(k, a), 750);
    assert.equal(get(k, c), 0, 'the client has its own');
    set(k, l.fd, 0);
    assert.equal(get(k, a), 750, 'a copy, not a reference');
  });

  test('a reused socket slot starts at 0 (the value goes with the socket)', async () => {
    const k = await kernel();
    const s = k.socket(2, SOCK_STREAM);
    set(k, s, 900);
    k.close(s);
    const t = k.socket(2, SOCK_STREAM);
    assert.equal(get(k, t), 0);
  });
});

/** A client whose SYNs a full listener drops, with TCP_USER_TIMEOUT `ms` set before connect(). */
function stuckClient(k, ms) {
  const l = listening(k, 0);
  const { blocked } = fillBacklog(k, l.port);
  k.close(blocked);             // its own SYNs would count too
  const c = k.socket(2, SOCK_STREAM | SOCK_NONBLOCK);
  if (ms !== undefined) set(k, c, ms);
  assert.equal(code(() => k.connect(c, { address: '127.0.0.1', port: l.port })), 'EINPROGRESS');
  return c;
}

/** Advances in 1 ms steps until c's connect() ends; the simulated ms it took and its error. */
function untilDone(k, c, limitMs) {
  const t0 = k.now();
  for (let t = 0; t < limitMs; t++) {
    const e = soError(k, c);
    if (e !== 0) return { ms: Math.round(k.now() - t0), error: e };
    k.advance(1);
  }
  return { ms: -1, error: 0 };
}

describe('TCP_USER_TIMEOUT in SYN_SENT (tcp_write_timeout, tcp_clamp_rto_to_user_timeout)', () => {
  test('500 ms: the SYN goes again at 1 s (nothing was retransmitted yet), the clamped timer fires 1 ms later: ETIMEDOUT', async () => {
    const k = await kernel();
    const c = stuckClient(k, 500);
    const before = k.stats();
    const { ms, error } = untilDone(k, c, 5000);
    assert.equal(error, 110 /* ETIMEDOUT */);
    assert.equal(ms, 1001);
    const after = k.stats();
    assert.equal(after.TCPSynRetrans - before.TCPSynRetrans, 1);
    assert.equal(after.ConnectTimedOut - before.ConnectTimedOut, 1);
    assert.equal(isConnected(k, c), false);
  });

  // 6.18 (the default): linear retransmits at 1 and 2 s; linux-6.1: one at 1 s, then the
  // doubled 2 s RTO clamped to the 1.5 s left. ETIMEDOUT at 2.5 s either way.
  for (const [name, retransmits] of [['default', 2], ['linux-6.1', 1]]) {
    test(`2500 ms, ${name}: ${retransmits} SYN retransmit(s), ETIMEDOUT at 2.5 s`, async () => {
      const k = await kernel(name === 'default' ? {} : { kernel: name });
      const c = stuckClient(k, 2500);
      const before = k.stats().TCPSynRetrans;
      const { ms, error } = untilDone(k, c, 10_000);
      assert.equal(error, 110);
      assert.equal(ms, 2500);
      assert.equal(k.stats().TCPSynRetrans - before, retransmits);
    });
  }

  test('a user timeout longer than the SYN schedule changes nothing: ETIMEDOUT at 131 s either way', async () => {
    for (const ms of [undefined, 200_000]) {
      const k = await kernel();
      const c = stuckClient(k, ms);
      k.advance(130_999);
      assert.equal(soError(k, c), 0, `still connecting at 130.999 s (${ms ?? 'unset'})`);
      k.advance(1);
      assert.equal(soError(k, c), 110);
    }
  });

  test('set while the SYN is out: the time counts from the setsockopt (no stamp was kept before)', async () => {
    const k = await kernel();
    const c = stuckClient(k);
    k.advance(600);
    set(k, c, 500);
    k.advance(400);               // the 1 s timer: nothing retransmitted yet, the SYN goes again
    assert.equal(soError(k, c), 0);
    const { ms, error } = untilDone(k, c, 5000);
    assert.equal(error, 110);
    assert.equal(ms, 100, 'expires 500 ms after the setsockopt, at 1.1 s');
  });
});
