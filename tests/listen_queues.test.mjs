// Host calls the storm simulator added: listenQueues(fd) in O(1), the errno send/recv,
// epoll data as any integer of up to 53 bits, and epollWaitInto.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel, AF_INET, SOCK_STREAM, SOCK_NONBLOCK, EPOLLIN, EPOLL_CTL_ADD, Errno } from 'socket-kernel';

async function listenerWith(clients, backlog) {
  const k = await createKernel({ personality: 'linux' });
  const l = k.socket(AF_INET, SOCK_STREAM);
  k.bind(l, { address: '127.0.0.1', port: 8080 });
  k.listen(l, backlog);
  const fds = k.connectBatch(clients, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, { address: '127.0.0.1', port: 8080 });
  return { k, l, fds };
}

test('listenQueues gives the accept queue, the backlog in force and the drops, as sockets() does', async () => {
  const { k, l } = await listenerWith(5, 2);
  const q = k.listenQueues(l);
  const row = k.sockets().find((s) => s.fd === l);
  assert.deepEqual(q, { recvQ: row.recvQ, sendQ: row.sendQ, synRecv: row.synRecv, drops: row.drops });
  assert.equal(q.recvQ, 3);                  // backlog + 1 on Linux
  assert.equal(q.drops, 2);
  assert.throws(() => k.listenQueues(99), { code: 'EBADF' });
  const c = k.socket(AF_INET, SOCK_STREAM);
  assert.throws(() => k.listenQueues(c), { code: 'EINVAL' });   // not listening
});

test('k.sys.send and k.sys.recv answer with byte counts or -errno instead of throwing', async () => {
  const { k, l, fds } = await listenerWith(1, 4);
  const server = k.sys.accept(l);
  const buf = new Uint8Array(8);
  assert.equal(k.sys.recv(server, buf), -Errno.EAGAIN);
  assert.equal(k.sys.send(fds[0], new Uint8Array([1, 2, 3])), 3);
  assert.equal(k.sys.recv(server, buf), 3);
  assert.deepEqual([...buf.subarray(0, 3)], [1, 2, 3]);
  k.sys.close(fds[0]);
  assert.equal(k.sys.recv(server, buf), 0);  // end of file
  assert.equal(k.sys.send(99, new Uint8Array(1)), -Errno.EBADF);
  assert.throws(() => k.sys.recv(server, 'x'), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('epoll data round-trips any integer of up to 53 bits, negative too, through epollWait and epollWaitInto', async () => {
  const { k, l } = await listenerWith(1, 4);
  for (const data of [0, 3, -1, 2 ** 32 + 5, -(2 ** 40) - 7, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
    const ep = k.epollCreate();
    k.epollCtl(ep, EPOLL_CTL_ADD, l, EPOLLIN, data);
    assert.deepEqual(k.epollWait(ep), [{ events: EPOLLIN, data }]);
    const events = new Uint32Array(4), into = new Float64Array(4);
    assert.equal(k.epollWaitInto(ep, events, into), 1);   // level-triggered: still ready
    assert.deepEqual([events[0], into[0]], [EPOLLIN, data]);
    k.close(ep);
  }
});
