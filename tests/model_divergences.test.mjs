// Divergences the model-based fuzzer (tests/model/commands.mjs, npm run fuzz) found
// between the kernel and the rules it follows, each as its shrunk reproduction. Those
// still open are `todo` and listed in KNOWN_DIVERGENCES (tests/model/kernel_model.mjs),
// where the model answers as the kernel does so the fuzzer can look further.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel, AF_INET, SOCK_STREAM, SOCK_NONBLOCK, SOL_SOCKET, SO_ACCEPTFILTER, SO_ERROR, POLLIN, POLLOUT, POLLHUP, POLLRDHUP } from 'socket-kernel';
import { debugWasm, PERSONALITIES } from './model/commands.mjs';
import { ModelKernel, SHUT_WR } from './model/kernel_model.mjs';

// FreeBSD refuses connect(AF_UNSPEC) on TCP (tcp_usr_connect EAFNOSUPPORT;
// policy/personality.ts connectUnspecDisconnects): no disconnect to test there.
for (const personality of PERSONALITIES.filter((p) => p !== 'freebsd')) {
  // Found by `npm run fuzz -- --seed 102` (shrunk): socket, connect(3, 127.0.0.1:7000)
  // (refused), listen(3, -1), disconnect(3), poll([3]): kernel POLLIN|POLLOUT|POLLHUP|POLLRDHUP,
  // Linux tcp_disconnect "WRITE_ONCE(sk->sk_shutdown, 0)": POLLOUT|POLLHUP.
  test(`${personality}: a listener disconnected with connect(AF_UNSPEC) forgets an earlier failed connect's shutdown`, async () => {
      const k = await createKernel({ personality, wasm: await debugWasm() });
      const fd = k.socket(AF_INET, SOCK_STREAM);
      assert.equal(k.sys.connect(fd, { address: '127.0.0.1', port: 7000 }), -111);
      k.listen(fd, -1);
      k.disconnect(fd);
      assert.deepEqual(k.poll([{ fd, events: POLLIN | POLLOUT | POLLRDHUP }]), [POLLOUT | POLLHUP]);
      assert.throws(() => k.recv(fd, 16), { code: 'ENOTCONN' });
    });
}

// Found by `npm run fuzz -- --runs 3000 --commands 80 --seed 5152` (run 2687, shrunk):
// socket, shutdown(SHUT_WR) (ENOTCONN), bind, listen, socket, connect. Linux (probe fact
// shutdown_before_listen): inet_shutdown ORs SEND_SHUTDOWN in despite ENOTCONN, listen
// keeps it, sk_clone_lock copies it into the child, which sends its FIN at once: the
// client sits in CLOSE_WAIT (the model said ESTABLISHED). FreeBSD soshutdown returns
// ENOTCONN before touching an unconnected stream socket and solisten_clone copies no
// shutdown state: the connection stays ESTABLISHED both ways (the kernel inherited it).
// policy/personality.ts shutdownUnconnectedRecorded, acceptInheritsShutdown.
for (const personality of PERSONALITIES) {
  test(`${personality}: shutdown(SHUT_WR) before listen(): what the accepted connection inherits, kernel and model alike`, async () => {
    const inherits = personality !== 'freebsd';
    const k = await createKernel({ personality, wasm: await debugWasm() });
    const m = new ModelKernel({ personality });
    const both = (call) => [call(k.sys, m), call(m, m)];
    const l = k.sys.socket(AF_INET, SOCK_STREAM);
    assert.equal(m.socket(false), l);
    assert.deepEqual(both((x) => x.shutdown(l, SHUT_WR)), [-107, -107]);
    assert.equal(k.sys.bind(l, { address: '127.0.0.1', port: 7000 }), m.bind(l, '127.0.0.1', 7000));
    assert.deepEqual(both((x) => x.listen(l, 1)), [0, 0]);
    const c = k.sys.socket(AF_INET, SOCK_STREAM);
    assert.equal(m.socket(false), c);
    assert.deepEqual([k.sys.connect(c, { address: '127.0.0.1', port: 7000 }), m.connect(c, '127.0.0.1', 7000)], [0, 0]);
    const state = (fd) => k.sockets().find((x) => x.fd === fd).state;
    const want = inherits ? 'CLOSE_WAIT' : 'ESTABLISHED';
    assert.equal(state(c), want, 'the kernel');
    assert.equal(m.rows().get(c).state, want, 'the model');
    const readable = POLLIN | POLLOUT | POLLRDHUP;
    assert.deepEqual(k.poll([{ fd: c, events: readable }]), [inherits ? readable : POLLOUT]);
    assert.equal(m.pollMask(c), inherits ? readable : POLLOUT);
    const a = k.sys.accept(l);
    assert.equal(m.accept(l), a);
    assert.equal(state(a), inherits ? 'FIN_WAIT_2' : 'ESTABLISHED');
    assert.equal(m.rows().get(a).state, state(a));
    const sent = inherits ? -32 : 1;   // EPIPE after SEND_SHUTDOWN
    assert.deepEqual([k.sys.send(a, Uint8Array.of(1)), m.send(a, [1])], [sent, sent]);
  });
}

// The model's FreeBSD rules (tests/model/policy.mjs droppedRefusesBindListen) against the
// kernel, which had Linux's: once a connect() was refused, FreeBSD's inpcb is
// INP_DROPPED for good, and tcp_usr_bind / tcp_usr_listen answer "if (inp->inp_flags &
// INP_DROPPED)" EINVAL (docs/personalities.md F9, §7 L8); Linux binds and listens afresh.
for (const personality of PERSONALITIES) {
  test(`${personality}: bind() and listen() after a refused connect(), kernel and model alike`, async () => {
    const want = personality === 'freebsd' ? -22 : 0;
    for (const call of ['bind', 'listen']) {
      const k = await createKernel({ personality, wasm: await debugWasm() });
      const m = new ModelKernel({ personality });
      const fd = k.sys.socket(AF_INET, SOCK_STREAM);
      assert.equal(m.socket(false), fd);
      assert.deepEqual([k.sys.connect(fd, { address: '127.0.0.1', port: 7000 }), m.connect(fd, '127.0.0.1', 7000)], [-111, -111]);
      const got = call === 'bind' ? [k.sys.bind(fd, { address: '127.0.0.1', port: 7001 }), m.bind(fd, '127.0.0.1', 7001)]
        : [k.sys.listen(fd, 1), m.listen(fd, 1)];
      assert.deepEqual(got, [want, want], call);
    }
  });
}

// The model's accept filters (§7 F4, from uipc_accf.c accept_filt_setopt) against the
// kernel, which kept held connections waiting after the filter was removed: "Move from
// incomplete queue to complete only those connections, that are blocked by us."
// (tcp/accept_filter.ts filterRemove).
test('freebsd: removing an accept filter moves the connections it held to the accept queue, kernel and model alike', async () => {
  const k = await createKernel({ personality: 'freebsd', wasm: await debugWasm() });
  const m = new ModelKernel({ personality: 'freebsd' });
  const l = k.sys.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
  assert.equal(m.socket(true), l);
  assert.deepEqual([k.sys.bind(l, { address: '127.0.0.1', port: 7000 }), m.bind(l, '127.0.0.1', 7000)], [0, 0]);
  assert.deepEqual([k.sys.listen(l, 2), m.listen(l, 2)], [0, 0]);
  assert.deepEqual([k.sys.setsockopt(l, SOL_SOCKET, SO_ACCEPTFILTER, { name: 'dataready' }), m.setsockopt(l, 'acceptfilter', 'dataready')], [0, 0]);
  for (let i = 0; i < 2; i++) {
    const c = k.sys.socket(AF_INET, SOCK_STREAM);
    assert.equal(m.socket(false), c);
    assert.deepEqual([k.sys.connect(c, { address: '127.0.0.1', port: 7000 }), m.connect(c, '127.0.0.1', 7000)], [0, 0]);
  }
  assert.deepEqual([k.sys.accept(l), m.accept(l)], [-11, -11], 'held by dataready');
  assert.deepEqual([k.sys.setsockopt(l, SOL_SOCKET, SO_ACCEPTFILTER, null), m.setsockopt(l, 'acceptfilter', null)], [0, 0]);
  assert.deepEqual(k.poll([{ fd: l, events: POLLIN }]), [POLLIN]);
  assert.equal(m.pollMask(l), POLLIN);
  assert.equal(k.sockets().find((x) => x.fd === l).recvQ, 2);
  assert.equal(m.rows().get(l).recvQ, 2);
  for (let i = 0; i < 2; i++) {
    const a = k.sys.accept(l);
    assert.ok(a >= 0, `accept ${i}: ${a}`);
    assert.equal(m.accept(l), a);
  }
});

/**
 * Fixture: the kernel and the model side by side, a listener on 127.0.0.1:7000 and a
 * client connected to it (nonblocking: its connect() said EINPROGRESS), each answer
 * checked to agree.
 */
async function listenerAndClient(personality, nonblock) {
  const k = await createKernel({ personality, wasm: await debugWasm() });
  const m = new ModelKernel({ personality });
  const l = k.sys.socket(AF_INET, SOCK_STREAM);
  assert.equal(m.socket(false), l);
  assert.deepEqual([k.sys.bind(l, { address: '127.0.0.1', port: 7000 }), m.bind(l, '127.0.0.1', 7000)], [0, 0]);
  assert.deepEqual([k.sys.listen(l, 1), m.listen(l, 1)], [0, 0]);
  const c = k.sys.socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0));
  assert.equal(m.socket(nonblock), c);
  const want = nonblock ? -115 : 0;
  assert.deepEqual([k.sys.connect(c, { address: '127.0.0.1', port: 7000 }), m.connect(c, '127.0.0.1', 7000)], [want, want]);
  return { k, m, l, c };
}

// Found by `npm run fuzz -- --personality linux --seed 801` (shrunk): connect, shutdown(SHUT_WR)
// (FIN_WAIT_2), connect(AF_UNSPEC). Linux tcp_disconnect resets every tcp_need_reset state,
// FIN_WAIT1/2 included: the socket is CLOSE with ECONNRESET pending, its peer reset
// (checked on Linux 6.18); the kernel left it in FIN_WAIT_2.
for (const personality of PERSONALITIES.filter((p) => p !== 'freebsd')) {
  test(`${personality}: connect(AF_UNSPEC) after shutdown(SHUT_WR) resets the connection, kernel and model alike`, async () => {
    const { k, m, c } = await listenerAndClient(personality, false);
    assert.deepEqual([k.sys.shutdown(c, SHUT_WR), m.shutdown(c, SHUT_WR)], [0, 0]);
    k.disconnect(c);
    assert.equal(m.disconnect(c), 0);
    const state = (fd) => k.sockets().find((x) => x.fd === fd).state;
    assert.equal(state(c), 'UNBOUND');
    assert.equal(m.rows().get(c).state, 'UNBOUND');
    assert.equal(k.stats().OutRsts, 1);
    assert.equal(m.stats.OutRsts, 1);
    assert.deepEqual([k.getsockopt(c, SOL_SOCKET, SO_ERROR), m.soErrorRead(c)], [104, 104]);
  });
}

// Found by `npm run fuzz -- --personality linux --seed 801` (shrunk): a connection whose
// peer sent a FIN (SOCK_DONE), then connect(AF_UNSPEC). tcp_disconnect
// "sock_reset_flag(sk, SOCK_DONE)": recv() reports the reset (ECONNRESET), then ENOTCONN
// (checked on Linux 6.18); the kernel kept answering end of file.
for (const personality of PERSONALITIES.filter((p) => p !== 'freebsd')) {
  test(`${personality}: after connect(AF_UNSPEC) an earlier FIN no longer reads as end of file, kernel and model alike`, async () => {
    const { k, m, l, c } = await listenerAndClient(personality, true);
    const a = k.sys.accept(l);
    assert.equal(m.accept(l), a);
    assert.deepEqual([k.sys.shutdown(a, SHUT_WR), m.shutdown(a, SHUT_WR)], [0, 0]);
    assert.deepEqual([[...k.recv(c, 4)], m.recv(c, 4)], [[], []], 'end of file');
    k.disconnect(c);
    assert.equal(m.disconnect(c), 0);
    const recv = (fd) => { try { return k.recv(fd, 4).length; } catch (e) { return -Math.abs(e.errno); } };
    assert.deepEqual([recv(c), m.recv(c, 4)], [-104, -104]);
    assert.deepEqual([recv(c), m.recv(c, 4)], [-107, -107]);
  });
}

// Was KNOWN_DIVERGENCES 'child-keeps-port' (found by `npm run fuzz -- --seed 9001`): an
// accepted socket has no SOCK_BINDPORT_LOCK on Linux (sk_clone_lock: "newsk->sk_userlocks
// = sk->sk_userlocks & ~SOCK_BINDPORT_LOCK"), so connect(AF_UNSPEC) releases its port
// and bind() works (checked on Linux 6.18); the kernel's child kept the port (BOUND)
// until policy/personality.ts acceptedKeepsPort.
for (const personality of PERSONALITIES.filter((p) => p !== 'freebsd')) {
  test(`${personality}: an accepted socket disconnected with connect(AF_UNSPEC) gives its port back`, async () => {
    const { k, l } = await listenerAndClient(personality, false);
    const a = k.sys.accept(l);
    k.disconnect(a);
    assert.equal(k.sockets().find((x) => x.fd === a).state, 'UNBOUND');
    assert.equal(k.sys.bind(a, { address: '127.0.0.1', port: 0 }), 0);
  });
}
