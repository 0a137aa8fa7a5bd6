// The "young request" shortening of SYN-ACK retries (Linux reqsk_timer_handler,
// docs/personalities.md §8): when the SYN queue is more than half full (relative to
// max(8, backlog)) of requests that were already retransmitted, each gets fewer retries,
// never fewer than 2. Requests stay in the SYN queue here because their final ACKs meet
// a full accept queue and are dropped (tcp_abort_on_overflow 0), again at every
// retransmitted SYN-ACK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernel, listening, connecting } from './helpers.mjs';

/** Backlog 8 (accept queue of 9) holding 8 connections; then `burst` clients at once: one fills the queue, the rest stay requests. */
async function stuckRequests(burst) {
  const k = await kernel({ linkDelay: 1, tcpSyncookies: 0 });
  const l = listening(k, 8);
  for (let i = 0; i < 8; i++) { connecting(k, l.port); k.advance(10); }
  for (let i = 0; i < burst; i++) connecting(k, l.port);
  k.advance(10);
  const row = () => k.sockets().find((s) => s.fd === l.fd);
  assert.equal(row().recvQ, 9, 'the accept queue is full');
  return { k, synRecv: () => row().synRecv };
}

test('linux: 8 old requests behind a backlog of 8 (more than half of max(8, 8)) get 2 SYN-ACK retries at 7 s, until the queue is half empty again', async () => {
  const { k, synRecv } = await stuckRequests(9);
  assert.equal(synRecv(), 8);
  k.advance(6900);                 // 1 s and 3 s: retransmitted; every request is old now
  assert.equal(synRecv(), 8);
  assert.equal(k.stats().ReqDropped, 0);
  // 7 s: the third timeout finds 2 retries used while the queue holds more than 4; once
  // 4 are dropped, 2 * 4 > max(8, 8) no longer holds and the rest keep all 5.
  k.advance(200);
  assert.equal(synRecv(), 4);
  assert.equal(k.stats().ReqDropped, 4);
  k.advance(55700);                // just before 63 s
  assert.equal(synRecv(), 4);
  k.advance(200);
  assert.equal(synRecv(), 0);
  assert.equal(k.stats().ReqDropped, 8);
});

test('linux: 4 requests (at most half of max(8, backlog)) keep all 5 retries: dropped at 63 s', async () => {
  const { k, synRecv } = await stuckRequests(5);
  assert.equal(synRecv(), 4);
  k.advance(62900);
  assert.equal(synRecv(), 4, 'still retransmitting just before 63 s');
  assert.equal(k.stats().ReqDropped, 0);
  k.advance(200);
  assert.equal(synRecv(), 0);
  assert.equal(k.stats().ReqDropped, 4);
});
