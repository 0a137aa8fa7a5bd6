// Regressions of issue 10 found at the side doors, driven through the raw exports of
// the debug kernel (assertions on): epoll registrations of a closed descriptor, the
// SYN-ACK retransmit schedule, and a clock that cannot overflow.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { rawDebugKernel, rawListener, rawConnect, EINVAL } from './raw_kernel.mjs';

const EPOLL_CTL_ADD = 1, EPOLLIN = 0x1, EPOLLOUT = 0x4, SHUT_WR = 1;
const IPPROTO_TCP = 6, TCP_DEFER_ACCEPT = 9;
const SYSCTL_LINK_DELAY_US = 12, STAT_TCP_TIMEOUTS = 8, STAT_REQ_DROPPED = 14, STAT_TCP_DEFER_ACCEPT_DROP = 24, MEM_PENDING_EVENTS = 9;

/** epoll_ctl(ADD) of fd with EPOLLIN|EPOLLOUT and `data`. */
function watch(k, ep, fd, data) {
  const ev = k.s + 64;
  k.view().setUint32(ev, EPOLLIN | EPOLLOUT, true);
  k.view().setBigUint64(ev + 4, data, true);
  return k.x.sk_epoll_ctl(ep, EPOLL_CTL_ADD, fd, ev);
}

/** The data words of the events epoll_wait reports. */
function waitData(k, ep) {
  const out = k.s + 128;
  const n = k.x.sk_epoll_wait(ep, out, 16);
  assert.ok(n >= 0, `epoll_wait: ${n}`);
  return Array.from({ length: n }, (_, i) => k.view().getBigUint64(out + i * 12 + 4, true));
}

describe('close(): epoll registrations end with the descriptor (Linux eventpoll_release)', () => {
  for (const [name, beforeClose] of [
    ['ESTABLISHED: close sends the FIN and the socket lingers as an orphan in FIN_WAIT', () => {}],
    ['after shutdown(SHUT_WR): the socket is already closing and lingers in FIN_WAIT_2', (k, a) => assert.equal(k.x.sk_shutdown(a, SHUT_WR), 0)],
  ]) {
    test(name, () => {
      const k = rawDebugKernel();
      const l = rawListener(k, 8080);
      const c = rawConnect(k, 8080);
      const a = k.x.sk_accept4(l, 0, 0, 0);
      assert.ok(a >= 0);
      const ep = k.x.sk_epoll_create(0);
      assert.equal(watch(k, ep, a, 0xdeadn), 0);
      assert.deepEqual(waitData(k, ep), [0xdeadn]);
      beforeClose(k, a);
      assert.equal(k.x.sk_close(a), 0);
      assert.equal(k.x.sk_mem(7), 4n, 'the closed socket still lives as an orphan (listener, client, orphan, epoll)');
      assert.deepEqual(waitData(k, ep), [], 'the closed descriptor is not reported');
      // The descriptor number is reused: registering it again is a new registration.
      const n = k.x.sk_socket(2, 1, 0);
      assert.equal(n, a);
      assert.equal(watch(k, ep, n, 0xbeefn), 0);
      assert.deepEqual(waitData(k, ep), [0xbeefn]);
      assert.equal(k.x.sk_check(), 0);
      k.x.sk_close(c);
    });
  }

  test('sk_close_batch drops the registrations of every descriptor it closes', () => {
    const k = rawDebugKernel();
    const l = rawListener(k, 8080);
    rawConnect(k, 8080);
    const a = k.x.sk_accept4(l, 0, 0, 0);
    const ep = k.x.sk_epoll_create(0);
    assert.equal(watch(k, ep, a, 7n), 0);
    k.view().setInt32(k.s + 512, a, true);
    assert.equal(k.x.sk_close_batch(k.s + 512, 1, 0), 1);
    assert.deepEqual(waitData(k, ep), []);
  });
});

describe('SYN-ACK retransmits: one capped RTO schedule, a clock that never stops', () => {
  test('TCP_DEFER_ACCEPT at its maximum: the request waits 255 timer periods of at most 120 s, then the last SYN-ACK completes it', () => {
    const k = rawDebugKernel();
    assert.equal(k.x.sk_sysctl_set(SYSCTL_LINK_DELAY_US, 1000n), 0);
    const l = rawListener(k, 8080);
    k.view().setInt32(k.s + 32, 0x7fffffff, true);   // secs_to_retrans caps it at 255 retransmits
    assert.equal(k.x.sk_setsockopt(l, IPPROTO_TCP, TCP_DEFER_ACCEPT, k.s + 32, 4), 0);
    rawConnect(k, 8080);
    // The bare final ACK is held back; the request then waits through 255 timer periods:
    // 2, 4 ... 64 s, then 120 s each (TCP_RTO_MAX), about 8.4 hours in all, and the
    // SYN-ACK of the last deferred period draws the ACK that completes it (syn_ack_recalc).
    // Before issue 10 the 44th period was 1 s << 44, which wraps i64: an event in the
    // past that stopped the clock for good.
    let last = -1n;
    for (let hour = 0; hour < 10; hour++) {
      assert.ok(k.x.sk_advance(3600n * 1000000n) >= 0);
      const next = k.x.sk_next_timer();
      assert.ok(next === -1n || (next > 0n && next <= 120000000n), `next timer in ${next} us`);
      last = next;
      if (hour < 8) assert.equal(k.x.sk_accept4(l, 0, 0, 0), -11, `still deferred after ${hour + 1} h`);
    }
    assert.equal(k.x.sk_stat(STAT_TCP_DEFER_ACCEPT_DROP), 1n);
    assert.equal(k.x.sk_stat(STAT_TCP_TIMEOUTS), 255n);
    assert.equal(k.x.sk_stat(STAT_REQ_DROPPED), 0n);
    assert.ok(k.x.sk_accept4(l, 0, 0, 0) >= 0, 'the connection completed after its deferral');
    assert.equal(last, -1n, 'nothing left scheduled');
    assert.equal(k.x.sk_mem(MEM_PENDING_EVENTS), 0n);
    assert.equal(k.x.sk_check(), 0);
  });

  test('the clock refuses to run past its end (EINVAL) instead of wrapping', () => {
    const k = rawDebugKernel();
    assert.equal(k.x.sk_advance(2n ** 63n - 1n), EINVAL);
    assert.equal(k.x.sk_now(), 0n);
    assert.equal(k.x.sk_advance(2n ** 62n), 0);
    assert.equal(k.x.sk_now(), 2n ** 62n);
    assert.equal(k.x.sk_advance(1n), EINVAL);
    assert.equal(k.x.sk_now(), 2n ** 62n);
    assert.equal(k.x.sk_advance(0n), 0);
  });
});
