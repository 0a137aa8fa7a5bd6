// Syncookies across a link (docs/network.md R4): a final ACK that finds the accept
// queue full is dropped and counted, the client believes it is connected, and its next
// segment (data or FIN) carries the ACK again until a server socket takes it.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel, AF_INET, SOCK_STREAM, SOCK_NONBLOCK } from 'socket-kernel';
import { SERVER, listener } from './network_helpers.mjs';

describe('syncookies over a link', () => {
  test('a burst of 100 000 clients that close at once against backlog 128: the server that keeps accepting gets far more than 129', async () => {
    const k = await createKernel({ seed: 3 });
    const srv = k.addHost({ name: 'server', addresses: [SERVER], maxFds: 1 << 20 });
    const clients = Array.from({ length: 10 }, (_, i) => k.addHost({ addresses: [`10.0.1.${i + 1}`], maxFds: 1 << 16 }));
    k.defaultLink({ latency: 1 });
    const l = listener(srv, 128);
    const fds = clients.map((c) => c.connectBatch(10_000, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, { address: SERVER, port: 8080 }));
    k.advance(3);
    fds.forEach((f, i) => clients[i].closeBatch(f));   // every client closes: a FIN each
    let accepted = 0;
    for (let t = 0; t < 1000 * 60; t += 10) {          // accept for a simulated minute
      k.advance(10);
      const a = srv.acceptBatch(l, 1 << 16);
      accepted += a.length;
      srv.closeBatch(a);
    }
    const s = srv.stats();
    assert.ok(s.SyncookiesSent > 90_000, `${s.SyncookiesSent} cookies`);
    assert.ok(s.ListenOverflows > 0 && s.ListenDrops >= s.ListenOverflows);
    assert.ok(accepted > 1000, `${accepted} accepted (the bug: 129)`);
    assert.equal(s.OutRsts, 0, 'no reset was sent, none is counted');
    const retrans = clients.reduce((n, c) => n + c.stats().TCPTimeouts, 0);
    assert.ok(retrans > 0, 'the clients retransmitted their FINs');
    console.log(`accepted ${accepted}, cookies ${s.SyncookiesSent}, overflows ${s.ListenOverflows}, client FIN retransmissions ${retrans}`);
  });

  test("a cookie client's data is refused with EAGAIN until a server socket took its ACK, then flows", async () => {
    const k = await createKernel();
    const srv = k.addHost({ addresses: [SERVER], tcpSyncookies: 2 });   // cookies always
    const cli = k.addHost({ addresses: ['10.0.0.2'] });
    k.defaultLink({ latency: 1 });
    const l = listener(srv, 0);      // Linux backlog 0 admits one
    const first = cli.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK), c = cli.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    for (const fd of [first, c]) assert.throws(() => cli.connect(fd, { address: SERVER, port: 8080 }), { code: 'EINPROGRESS' });
    k.advance(3);
    assert.equal(srv.stats().ListenOverflows, 1, "the second client's cookie ACK found the queue full");
    assert.throws(() => cli.send(c, 'hi'), { code: 'EAGAIN' });
    srv.accept(l);                   // room
    k.advance(1);                    // the ACK that send carried arrives
    k.advance(1);
    assert.equal(cli.send(c, 'hi'), 2);
    k.advance(1);
    const { fd } = srv.accept(l);
    assert.equal(new TextDecoder().decode(srv.recv(fd)), 'hi');
  });
});
