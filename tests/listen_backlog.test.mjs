// listen(2) backlog rules per personality: how many connections a listener admits,
// what happens to the next one, and what a second listen() changes.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SOL_SOCKET, SO_ERROR } from 'socket-kernel';
import { kernel, listening, connecting, fillBacklog, isConnected, soError, code, PERSONALITIES } from './helpers.mjs';

// Capacity of the accept queue for a listen(fd, backlog) call with somaxconn 64.
const capacity = {
  // include/net/sock.h sk_acceptq_is_full uses '>': backlog N admits N+1; negative -> somaxconn.
  linux: (b) => (b < 0 || b > 64 ? 64 : b) + 1,
  // uipc_socket.c sonewconn: qlen > 3*qlimit/2 refuses; negative or too big -> somaxconn.
  freebsd: (b) => Math.floor((3 * (b < 0 || b > 64 ? 64 : b)) / 2) + 1,
  // listen(3p): negative behaves as 0; 0 admits an implementation-defined minimum (1).
  posix: (b) => Math.max(b < 0 ? 0 : b > 64 ? 64 : b, 1),
};

for (const personality of PERSONALITIES) {
  describe(`${personality}: LISTEN accept-queue capacity`, () => {
    for (const backlog of [-1, 0, 1, 2, 3, 5, 8, 16, 128]) {
      test(`backlog ${backlog} admits ${capacity[personality](backlog)} connections, then turns the next away`, async () => {
        const k = await kernel({ personality, somaxconn: 64, maxFds: 4096 });
        const l = listening(k, backlog);
        const { completed, blocked } = fillBacklog(k, l.port, 300);
        assert.equal(completed, capacity[personality](backlog));
        const row = k.sockets().find((s) => s.fd === l.fd);
        assert.equal(row.recvQ, completed, 'ss Recv-Q is the accept queue length');
        const clamped = backlog > 64 ? 64 : backlog < 0 ? (personality === 'posix' ? 0 : 64) : backlog;
        assert.equal(row.sendQ, clamped, 'ss Send-Q is the clamped backlog');
        if (personality === 'freebsd') {
          // The syncache completes the handshake, sonewconn refuses, rst_on_sock_fail resets.
          assert.equal(soError(k, blocked), 104, 'ECONNRESET');
          assert.equal(k.stats().EmbryonicRsts, 1);
        } else {
          // Linux drops the SYN: the client stays in SYN_SENT and retransmits.
          assert.equal(k.sockets().find((s) => s.fd === blocked).state, 'SYN_SENT');
          assert.equal(k.stats().ListenOverflows, 1);
          assert.equal(k.stats().ListenDrops, 1);
        }
        assert.equal(row.drops, 1, 'the listener counts its own drops');
      });
    }
  });
}

describe('linux: a second listen() replaces the backlog', () => {
  test('growing 1 -> 4 admits 3 more (probe: relisten.more_after_grow)', async () => {
    const k = await kernel();
    const l = listening(k, 1);
    assert.equal(fillBacklog(k, l.port).completed, 2);
    k.listen(l.fd, 4);
    assert.equal(k.getsockname(l.fd).port, l.port, 'the port is unchanged');
    // The blocked client from the first fill retransmits after 1 s and gets in too.
    k.advance(1000);
    assert.equal(fillBacklog(k, l.port).completed, 2, '5 in all: 2 + the retransmitted one + 2');
    assert.equal(k.sockets().find((s) => s.fd === l.fd).recvQ, 5);
  });
  test('shrinking 4 -> 0 keeps the queued five and admits none until one is accepted', async () => {
    const k = await kernel();
    const l = listening(k, 4);
    assert.equal(fillBacklog(k, l.port).completed, 5);
    k.listen(l.fd, 0);
    assert.equal(fillBacklog(k, l.port).completed, 0);
    for (let i = 0; i < 5; i++) k.accept(l.fd);
    assert.equal(fillBacklog(k, l.port).completed, 1, 'backlog 0 admits one (N+1)');
  });
  test('somaxconn clamps a large backlog; a negative backlog means somaxconn', async () => {
    const k = await kernel({ somaxconn: 3 });
    const big = listening(k, 1000);
    assert.equal(fillBacklog(k, big.port).completed, 4);
    const neg = listening(k, -1);
    assert.equal(fillBacklog(k, neg.port).completed, 4);
  });
});

describe('freebsd: a second listen() updates sol_qlimit', () => {
  test('growing 1 -> 4 raises the capacity from 2 to 7', async () => {
    const k = await kernel({ personality: 'freebsd' });
    const l = listening(k, 1);
    assert.equal(fillBacklog(k, l.port).completed, 2);
    k.listen(l.fd, 4);
    assert.equal(fillBacklog(k, l.port).completed, 5);
  });
});

describe('linux: SYN_SENT client retransmits its SYN on the simulated clock', () => {
  test('a dropped SYN gets in at the 1 s retransmit once the queue has room', async () => {
    const k = await kernel();
    const l = listening(k, 0);
    const { blocked } = fillBacklog(k, l.port);
    k.accept(l.fd);
    k.advance(999);
    assert.equal(isConnected(k, blocked), false, 'not before 1 s');
    k.advance(1);
    assert.equal(isConnected(k, blocked), true, 'at 1 s (TCP_TIMEOUT_INIT)');
    assert.equal(k.stats().TCPSynRetrans, 1);
  });
  for (const [linear, retransmits, failAt] of [[4, [1, 2, 3, 4, 5, 7, 11, 19, 35, 67], 131], [0, [1, 3, 7, 15, 31, 63], 127]]) {
    test(`tcp_syn_linear_timeouts=${linear}: retransmits at ${retransmits.join(',')} s, ETIMEDOUT at ${failAt} s`, async () => {
      const k = await kernel({ tcpSynLinearTimeouts: linear });
      const l = listening(k, 0);
      const { blocked } = fillBacklog(k, l.port);
      const seen = [];
      let last = k.stats().TCPSynRetrans;
      for (let t = 1; t <= failAt + 1; t++) {
        k.advance(1000);
        const now = k.stats().TCPSynRetrans;
        if (now !== last) seen.push(t);
        last = now;
        if (t === failAt - 1) assert.equal(soError(k, blocked), 0, 'still trying just before');
        if (t === failAt) break;
      }
      assert.deepEqual(seen, retransmits);
      assert.equal(soError(k, blocked), 110, 'ETIMEDOUT');
      assert.equal(k.stats().ConnectTimedOut, 1);
      assert.equal(code(() => k.connect(blocked, { address: '127.0.0.1', port: l.port })), 'ECONNABORTED',
        'the error was read through SO_ERROR, so connect() reports ECONNABORTED');
    });
  }
});

describe('linux: SYN queue and syncookies (link delay 1 ms)', () => {
  async function burst(options, clients) {
    const k = await kernel({ linkDelay: 1, ...options });
    const l = listening(k, 4);
    const fds = [];
    for (let i = 0; i < clients; i++) fds.push(connecting(k, l.port).fd);
    return { k, l, fds };
  }
  test('requests beyond backlog answered with cookies when tcp_syncookies=1', async () => {
    const { k, l, fds } = await burst({}, 20);
    k.advance(1); // SYNs arrive
    const row = k.sockets().find((s) => s.fd === l.fd);
    assert.equal(row.synRecv, 5, 'the SYN queue holds backlog+1 requests ("reqsk_queue_len > max" is full)');
    assert.equal(k.stats().TCPReqQFullDoCookies, 15);
    assert.equal(k.stats().SyncookiesSent, 15);
    k.advance(2); // SYN-ACKs and ACKs
    assert.equal(k.stats().SyncookiesRecv, 15);
    assert.equal(k.sockets().find((s) => s.fd === l.fd).recvQ, 5, 'the accept queue still caps at backlog+1');
    assert.equal(k.stats().ListenOverflows, 15, 'every cookie ACK found the accept queue full');
    assert.ok(fds.every((fd) => isConnected(k, fd)), 'clients believe they are connected (ghosts)');
  });
  test('without syncookies the extra SYNs are dropped and retransmitted', async () => {
    const { k, l } = await burst({ tcpSyncookies: 0 }, 20);
    k.advance(1);
    assert.equal(k.stats().TCPReqQFullDrop, 15);
    assert.equal(k.stats().ListenDrops, 15);
    k.advance(2);
    assert.equal(k.sockets().find((s) => s.fd === l.fd).recvQ, 5);
  });
  test('tcp_syncookies=2 sends cookies for every SYN', async () => {
    const { k } = await burst({ tcpSyncookies: 2 }, 3);
    k.advance(3);
    assert.equal(k.stats().SyncookiesSent, 3);
    assert.equal(k.stats().PassiveOpens, 3);
  });
  test('final ACK on a full accept queue: request kept (acked) and SYN-ACK retransmitted', async () => {
    const k = await kernel({ linkDelay: 1, tcpSyncookies: 0 });
    const l = listening(k, 1);
    for (let i = 0; i < 2; i++) connecting(k, l.port);
    k.advance(3);                       // two handshakes done: queue at capacity 2
    const c = connecting(k, l.port);    // SYN at t=3 sees a full accept queue: dropped
    k.advance(1);
    assert.equal(k.stats().ListenOverflows, 1);
    k.accept(l.fd);                     // room again; the SYN retransmit at 1 s gets in
    k.advance(1003);
    assert.equal(isConnected(k, c.fd), true);
  });
  test('tcp_abort_on_overflow resets the client whose final ACK overflows', async () => {
    const k = await kernel({ linkDelay: 1, tcpSyncookies: 0, tcpAbortOnOverflow: 1 });
    const l = listening(k, 1);
    connecting(k, l.port);
    k.advance(3); // one queued: qlen 1 of capacity 2
    const b = connecting(k, l.port), c = connecting(k, l.port);
    k.advance(4); // both SYNs found room (1 > 1 is false); b's ACK fills the queue, c's overflows;
                  // the reset reaches c one link delay after its ACK
    assert.equal(isConnected(k, b.fd), true);
    assert.equal(k.stats().ListenOverflows, 1);
    assert.equal(k.stats().EmbryonicRsts, 1);
    assert.equal(soError(k, c.fd), 104, 'ECONNRESET');
  });
});

describe('determinism', () => {
  test('the same calls from the same seed give identical tables and counters', async () => {
    const run = async () => {
      const k = await kernel({ seed: 42, linkDelay: 0.5 });
      const l = listening(k, 3);
      for (let i = 0; i < 50; i++) connecting(k, l.port);
      k.advance(5000);
      return JSON.stringify([k.sockets(), k.stats(), k.now()]);
    };
    assert.equal(await run(), await run());
  });
  test('a different seed picks different ephemeral ports', async () => {
    const port = async (seed) => { const k = await kernel({ seed }); return listening(k, 1).port; };
    assert.notEqual(await port(1), await port(2));
  });
});
