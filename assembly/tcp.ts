// The TCP handshake inside the kernel: SYN, SYN-ACK, ACK and RST as events between
// sockets, and the retransmission timers that resend them.
//
// With a link delay of 0 (loopback), a packet is handled the moment it is sent, so a
// connect() to a listener with room completes inside the call, as it does on Linux
// loopback. With a delay, each packet is an event on the simulated clock, and
// requests wait in the listener's SYN queue for their final ACK.
//
// Order of checks on a SYN follows net/ipv4/tcp_input.c tcp_conn_request(); the
// final ACK follows net/ipv4/tcp_minisocks.c tcp_check_req() and
// tcp_v4_syn_recv_sock(); timers follow net/ipv4/tcp_timer.c.

import { SOCK_SIZE, Off, Flag, Flag2, NONE, sockPtr, sockAlloc, sockFree, getU8, setU8, getU16, setU16, getU32, setU32,
  hasFlag, setFlag, clearFlag, getGen, isAlive } from "./socket";
import { SocketState, getState, setState } from "./state";
import { Stat, bump } from "./stats";
import { Personality, getPersonality, Tunable, tunable, acceptQueueFull, synBacklogReservesProven } from "./personality";
import { schedule, popped, pop, nextTime, nowUs, setNow } from "./timers";
import { findListener, unhashBind, hashBind } from "./port_table";
import { connRemove, connInsert, tupleKey } from "./conn_table";
import { isProven, markProven } from "./address";
import { lrLimit, aqLen, aqPush, synqAdd, synqRemove, synqLen, lrCountDrop, lrFilter, incqAppend,
  incqRemove, incqLen, incqFirst } from "./accept_queue";
import { Errno } from "./errno";
import { rxDeliver, rxFree, rxVisible, rxRead } from "./ring";
import { wake, unwatchAll } from "./epoll";
import { protoIndex } from "./socket_create";

export const EV_SYN: u32 = 1;          // a = client
export const EV_SYNACK: u32 = 2;       // a = client, b = request
export const EV_SYNACK_COOKIE: u32 = 3;// a = client, b = listener
export const EV_ACK: u32 = 4;          // a = request, b = client
export const EV_ACK_COOKIE: u32 = 5;   // a = listener, b = client
export const EV_RST: u32 = 6;          // a = socket that receives the reset
export const EV_RST_REQ: u32 = 7;      // a = request that receives the reset
export const EV_FIN: u32 = 8;          // a = peer that receives the FIN
export const EV_SYN_RTO: u32 = 9;      // a = client (timer)
export const EV_SYNACK_RTO: u32 = 10;  // a = request (timer)
export const EV_DATA: u32 = 11;        // a = receiver, b = bytes, bGen = records: they arrive
export const EV_FIN_ACK: u32 = 12;     // a = the socket whose FIN is acknowledged
export const EV_CLOSE_TIMER: u32 = 13; // a = TIME_WAIT or orphaned FIN_WAIT_2 socket (timer)

/** TCP_TIMEWAIT_LEN (include/net/tcp.h): 60 s. */
const TIMEWAIT_US: i64 = 60000000;
let timeWaitCount: u32 = 0;
export function timeWaitSockets(): u32 { return timeWaitCount; }
export function resetTimeWaitCount(): void { timeWaitCount = 0; }

/** TCP_TIMEOUT_INIT (include/net/tcp.h): 1 s. */
const TIMEOUT_INIT_US: i64 = 1000000;
/** TCP_RTO_MAX: 120 s. */
const RTO_MAX_US: i64 = 120000000;

/** Sends a packet: handled now on loopback, or delivered after the link delay. */
function send(kind: u32, a: u32, aGen: u32, b: u32, bGen: u32): void {
  let d = tunable(Tunable.LinkDelayUs);
  if (d == 0) handle(kind, a, aGen, b, bGen, 0);
  else schedule(d, kind, a, aGen, b, bGen);
}

function armTimer(s: u32, kind: u32, delay: i64): void {
  setU32(s, Off.TIMER, schedule(delay, kind, s, getGen(s), 0, 0));
}

/** Port-table index of the socket's protocol (UDP sockets come here through disconnect). */
function proto(s: u32): u32 { return protoIndex(getU8(s, Off.TYPE)); }

/** Linux tcp_set_state(TCP_CLOSE) -> inet_put_port: an autobound port goes back. */
function releasePort(s: u32, resetAddr: bool): void {
  if (hasFlag(s, Flag.TUPLED)) {
    connRemove(tupleKey(getU16(s, Off.LADDR), getU16(s, Off.LPORT), getU16(s, Off.PADDR), getU16(s, Off.PPORT)));
    clearFlag(s, Flag.TUPLED);
  }
  if (!hasFlag(s, Flag.BINDLOCK)) unhashBind(s, proto(s));
  // tcp_disconnect: "if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK)) inet_reset_saddr(sk);"
  if (resetAddr && !hasFlag(s, Flag.ADDRLOCK)) setU16(s, Off.LADDR, getU8(s, Off.DOMAIN) == 10 ? 1 : 0);
}

/**
 * A connection attempt or a connection ends with `err` (tcp_done + sk_err). A failed
 * attempt is also disconnected (__inet_stream_connect's error path calls tcp_disconnect,
 * which forgets an address connect() chose); an established connection that is reset
 * keeps its address for getsockname.
 */
export function connectionEnds(s: u32, err: i32, disconnecting: bool = false): void {
  let wasConnecting = getState(s) == SocketState.SYN_SENT;
  setU32(s, Off.TIMER, 0);
  setU8(s, Off.SOERROR, <u32>err);
  setFlag(s, Flag.RCV_SHUT | Flag.SEND_SHUT);
  releasePort(s, wasConnecting || disconnecting);
  setState(s, SocketState.CLOSED);
}

// ---- client side -------------------------------------------------------------

/** connect(): the client (state SYN_SENT, peer address set) sends its first SYN. */
export function startHandshake(c: u32): void {
  bump(Stat.ActiveOpens);
  setU8(c, Off.RETRIES, 0);
  send(EV_SYN, c, getGen(c), 0, 0);
  // Armed after the send: on loopback the handshake may already be over, and a
  // timer that can only go stale would sit in the heap until time moves.
  if (getState(c) == SocketState.SYN_SENT) armTimer(c, EV_SYN_RTO, TIMEOUT_INIT_US);
}

/**
 * Delay before the next SYN retransmission after `n` of them. net/ipv4/tcp_timer.c
 * tcp_retransmit_timer: the backoff stays 0 (RTO = TCP_TIMEOUT_INIT) while
 * icsk_retransmits <= tcp_syn_linear_timeouts, then doubles, capped at TCP_RTO_MAX.
 * Defaults (6 retries, 4 linear) send retransmits at 1,2,3,4,5,7,11,19,35,67 s and
 * fail at 131 s; with 0 linear at 1,3,7,15,31,63 s, failing at 127 s.
 */
export function synRto(n: u32): i64 {
  let linear = <u32>tunable(Tunable.TcpSynLinearTimeouts);
  if (n <= linear) return TIMEOUT_INIT_US;
  let shift = n - linear;
  if (shift > 7) return RTO_MAX_US;
  let rto = TIMEOUT_INIT_US << shift;
  return rto > RTO_MAX_US ? RTO_MAX_US : rto;
}

function onSynRto(c: u32): void {
  if (getState(c) != SocketState.SYN_SENT) return;
  let n = <u32>getU8(c, Off.RETRIES);
  bump(Stat.TCPTimeouts);
  if (n >= <u32>(tunable(Tunable.TcpSynRetries) + tunable(Tunable.TcpSynLinearTimeouts))) {
    // tcp_write_timeout: the linear retransmits come on top of tcp_syn_retries
    // ("max_retransmits = ... + tcp_syn_linear_timeouts") -> tcp_write_err: ETIMEDOUT.
    bump(Stat.AttemptFails); bump(Stat.ConnectTimedOut);
    connectionEnds(c, Errno.ETIMEDOUT);
    return;
  }
  setU8(c, Off.RETRIES, n + 1);
  bump(Stat.TCPSynRetrans);
  armTimer(c, EV_SYN_RTO, synRto(n + 1));
  send(EV_SYN, c, getGen(c), 0, 0);
}

function onSynAck(c: u32, cGen: u32, from: u32, fromGen: u32, cookie: bool): void {
  if (!isAlive(c, cGen)) {
    // The client's port is gone: it answers the SYN-ACK with a reset.
    if (!cookie) send(EV_RST_REQ, from, fromGen, 0, 0);
    return;
  }
  let st = getState(c);
  if (st == SocketState.SYN_SENT) {
    setU32(c, Off.TIMER, 0);
    setFlag(c, Flag.WASCONN);
    if (!cookie) { setU32(c, Off.AUX, from + 1); setU32(c, Off.PEERGEN, fromGen); }
    setState(c, SocketState.ESTABLISHED);
    send(cookie ? EV_ACK_COOKIE : EV_ACK, from, fromGen, c, cGen);
    return;
  }
  if (st == SocketState.ESTABLISHED && !cookie && getU32(c, Off.AUX) == from + 1) {
    // A retransmitted SYN-ACK (our ACK was dropped on overflow): ACK again.
    send(EV_ACK, from, fromGen, c, cGen);
    return;
  }
  if (!cookie) send(EV_RST_REQ, from, fromGen, 0, 0);
}

function onRst(s: u32): void {
  let st = getState(s);
  if (st == SocketState.SYN_SENT) {
    // tcp_rcv_synsent_state_process -> tcp_reset: ECONNREFUSED.
    bump(Stat.AttemptFails); bump(Stat.ConnectRefused);
    connectionEnds(s, Errno.ECONNREFUSED);
    return;
  }
  if (st == SocketState.ESTABLISHED || st == SocketState.CLOSE_WAIT) bump(Stat.EstabResets);
  if (st == SocketState.TIME_WAIT) {
    // tcp_timewait_state_process: a reset kills TIME_WAIT (tcp_rfc1337 = 0).
    finish(s);
    return;
  }
  if (st >= SocketState.ESTABLISHED && st <= SocketState.LAST_ACK) {
    // tcp_reset: "case TCP_CLOSE_WAIT: err = EPIPE; ... default: err = ECONNRESET;"
    setU32(s, Off.AUX, 0);
    if (hasFlag(s, Flag.ORPHAN)) { freeConnected(s); return; }
    connectionEnds(s, st == SocketState.CLOSE_WAIT ? Errno.EPIPE : Errno.ECONNRESET);
    wake(s);
  }
}

// ---- the end of a connection: FIN, its ACK, TIME_WAIT ---------------------------

/** Frees a socket no descriptor names (an orphan, or a queued child): every table lets go. */
export function freeConnected(s: u32): void {
  if (getState(s) == SocketState.TIME_WAIT) timeWaitCount--;
  if (hasFlag(s, Flag.TUPLED)) {
    connRemove(tupleKey(getU16(s, Off.LADDR), getU16(s, Off.LPORT), getU16(s, Off.PADDR), getU16(s, Off.PPORT)));
    clearFlag(s, Flag.TUPLED);
  }
  unhashBind(s, proto(s));
  rxFree(s);
  unwatchAll(s);
  setState(s, SocketState.FREE);
  sockFree(s);
}

/** The connection is over for good: an orphan is freed, a socket the user holds becomes CLOSED. */
function finish(s: u32): void {
  if (hasFlag(s, Flag.ORPHAN)) { freeConnected(s); return; }
  if (getState(s) == SocketState.TIME_WAIT) timeWaitCount--;
  setU32(s, Off.TIMER, 0);
  setU32(s, Off.AUX, 0);
  setFlag(s, Flag.RCV_SHUT | Flag.SEND_SHUT);
  setState(s, SocketState.CLOSED);
}

/**
 * Enters TIME_WAIT for 2MSL (60 s on Linux), keeping the port and the 4-tuple; past
 * tcp_max_tw_buckets the socket is dropped at once ("TCP: time wait bucket table
 * overflow", TCPTimeWaitOverflow).
 */
function enterTimeWait(s: u32): void {
  if (timeWaitCount >= <u32>tunable(Tunable.TcpMaxTwBuckets)) {
    bump(Stat.TCPTimeWaitOverflow);
    finish(s);
    return;
  }
  if (!hasFlag(s, Flag.ORPHAN)) {
    // tcp_time_wait: a timewait socket takes over the port and the 4-tuple, and the
    // user's own socket is done (tcp_done: CLOSED), as ss and TCP_INFO show on Linux.
    let tw = sockAlloc();
    if (tw == NONE) { finish(s); return; }
    let gen = getGen(tw);
    memory.copy(sockPtr(tw), sockPtr(s), SOCK_SIZE);
    setU32(tw, Off.GEN, gen);
    setU32(tw, Off.FD, 0xffffffff);
    setU32(tw, Off.RX, 0); setU32(tw, Off.WATCH, 0); setU32(tw, Off.TIMER, 0);
    setU32(tw, Off.BNEXT, 0); setU32(tw, Off.BPREV, 0);
    clearFlag(tw, Flag.HASHED | Flag.CONNBOUND | Flag.TUPLED);
    setU8(tw, Off.STATE, 0); // a fresh slot: FREE until setState below
    if (hasFlag(s, Flag.TUPLED)) {
      let key = tupleKey(getU16(s, Off.LADDR), getU16(s, Off.LPORT), getU16(s, Off.PADDR), getU16(s, Off.PPORT));
      connRemove(key); clearFlag(s, Flag.TUPLED);
      connInsert(key); setFlag(tw, Flag.TUPLED);
    }
    if (hasFlag(s, Flag.HASHED)) {
      let byConnect = hasFlag(s, Flag.CONNBOUND);
      unhashBind(s, proto(s));
      hashBind(tw, proto(tw), getU16(tw, Off.LPORT), byConnect);
    }
    setFlag(tw, Flag.ORPHAN);
    finish(s);
    s = tw;
  }
  timeWaitCount++;
  setState(s, SocketState.TIME_WAIT);
  armTimer(s, EV_CLOSE_TIMER, TIMEWAIT_US);
}

/** A FIN reaches s (tcp_fin): EOF after the queued bytes, and the next state. */
function onFin(s: u32, from: u32, fromGen: u32): void {
  let st = getState(s);
  if (st == SocketState.ESTABLISHED || st == SocketState.FIN_WAIT_1 || st == SocketState.FIN_WAIT_2) {
    setU8(s, Off.FLAGS2, getU8(s, Off.FLAGS2) | Flag2.DONE); // tcp_fin: sock_set_flag(sk, SOCK_DONE)
  }
  if (st == SocketState.ESTABLISHED) {
    setFlag(s, Flag.RCV_SHUT);
    setState(s, SocketState.CLOSE_WAIT);
  } else if (st == SocketState.FIN_WAIT_1) {
    setFlag(s, Flag.RCV_SHUT);
    setState(s, SocketState.CLOSING);              // simultaneous close
  } else if (st == SocketState.FIN_WAIT_2) {
    setFlag(s, Flag.RCV_SHUT);
    enterTimeWait(s);
  } else {
    return;
  }
  wake(s);
  send(EV_FIN_ACK, from, fromGen, 0, 0);
}

/** Our FIN is acknowledged. */
function onFinAck(s: u32): void {
  let st = getState(s);
  if (st == SocketState.FIN_WAIT_1) {
    setState(s, SocketState.FIN_WAIT_2);
    // tcp_fin_timeout: an orphan does not wait in FIN_WAIT_2 for ever.
    if (hasFlag(s, Flag.ORPHAN)) armTimer(s, EV_CLOSE_TIMER, tunable(Tunable.TcpFinTimeoutUs));
  } else if (st == SocketState.CLOSING) {
    enterTimeWait(s);
  } else if (st == SocketState.LAST_ACK) {
    finish(s);
    return;
  } else {
    return;
  }
  wake(s);
}

/** A socket sends its FIN (close or shutdown(SHUT_WR)): ESTABLISHED -> FIN_WAIT_1, CLOSE_WAIT -> LAST_ACK. */
export function sendFin(s: u32): void {
  let st = getState(s);
  if (st == SocketState.ESTABLISHED) setState(s, SocketState.FIN_WAIT_1);
  else if (st == SocketState.CLOSE_WAIT) setState(s, SocketState.LAST_ACK);
  else return;
  wake(s);
  let p = getU32(s, Off.AUX);
  if (p == 0 || !isAlive(p - 1, getU32(s, Off.PEERGEN))) {
    // Nobody on the other side any more: nothing acknowledges, the connection ends.
    finish(s);
    return;
  }
  send(EV_FIN, p - 1, getU32(s, Off.PEERGEN), s, getGen(s));
}

/** An orphan left in FIN_WAIT_2 gives up after tcp_fin_timeout. */
export function armOrphanTimer(s: u32): void { armTimer(s, EV_CLOSE_TIMER, tunable(Tunable.TcpFinTimeoutUs)); }

/** Sends a reset to s's peer and forgets it (close with unread data, SO_LINGER 0). */
export function abortConnection(s: u32): void {
  resetPeer(s);
  setU32(s, Off.AUX, 0);
}

/**
 * tcp_rcv_state_process, TCP_SYN_RECV: "if (sk->sk_shutdown & SEND_SHUTDOWN)
 * tcp_shutdown(sk, SEND_SHUTDOWN);" -- a child cloned from a listener that was shut
 * down for writing sends its FIN as soon as it is established.
 */
function finOnEstablish(s: u32): void {
  if (hasFlag(s, Flag.SEND_SHUT) && getState(s) == SocketState.ESTABLISHED) sendFin(s);
}

/**
 * Data reached a socket in FIN_WAIT that no longer reads (its user closed it, or shut
 * it down for reading): tcp_rcv_state_process "if (sk->sk_shutdown & RCV_SHUTDOWN)
 * { NET_INC_STATS(..., LINUX_MIB_TCPABORTONDATA); tcp_reset(sk, skb); }" -- it resets,
 * and answers the sender with a reset.
 */
export function abortOnData(peer: u32, sender: u32): void {
  bump(Stat.TCPAbortOnData);
  bump(Stat.OutRsts);
  if (hasFlag(peer, Flag.ORPHAN)) freeConnected(peer);
  else { setU32(peer, Off.AUX, 0); connectionEnds(peer, Errno.ECONNRESET); wake(peer); }
  send(EV_RST, sender, getGen(sender), 0, 0);
}

/**
 * FreeBSD accept filter: a completed connection waits in the incomplete queue until its
 * data satisfies the filter. listen(2): "if the queue is full, the oldest entry is
 * dropped" (solisten_enqueue: "while (head->sol_incqlen > head->sol_qlimit)" soabort
 * of the first).
 */
function filterEnqueue(id: u32, s: u32): void {
  setU8(s, Off.FLAGS2, getU8(s, Off.FLAGS2) | Flag2.FILTERED);
  incqAppend(id, s);
  while (incqLen(id) > lrLimit(id)) {
    let old = incqFirst(id) - 1;
    incqRemove(id, old);
    bump(Stat.AcceptFilterDrops);
    lrCountDrop(id);
    resetPeer(old);
    freeConnected(old);
  }
  filterCheck(s);
}

/** Does the queued data pass the filter? dataready: any byte; httpready: a whole request head. */
export function filterCheck(s: u32): void {
  if ((getU8(s, Off.FLAGS2) & Flag2.FILTERED) == 0) return;
  let l = getU32(s, Off.PARENT) - 1;
  let id = listenerId(l);
  let f = lrFilter(id);
  let n = rxVisible(s);
  let pass = false;
  if (f == 1) pass = n > 0;
  else if (n > 0) {
    // sys/netinet/accf_http.c: not "GET "/"HEAD " -> pass at once; else wait for the
    // blank line that ends the headers.
    let cap = min(n, <u32>4096);
    let buf = heap.alloc(cap);
    rxRead(s, buf, cap, true);
    if (startsWith(buf, cap, "GET ") || startsWith(buf, cap, "HEAD ")) {
      for (let i: u32 = 0; i + 3 < cap; i++) if (load<u32>(buf + i) == 0x0a0d0a0d) { pass = true; break; } // "\r\n\r\n"
    } else {
      // Not (yet) a GET or HEAD: pass once the bytes cannot become one.
      pass = !prefixOf(buf, cap, "GET ") && !prefixOf(buf, cap, "HEAD ");
    }
    heap.free(buf);
  }
  if (!pass) return;
  setU8(s, Off.FLAGS2, getU8(s, Off.FLAGS2) & ~Flag2.FILTERED);
  incqRemove(id, s);
  aqPush(id, s);
  wake(l);
}

function startsWith(buf: usize, n: u32, word: string): bool {
  let w = <u32>word.length;
  if (n < w) return false;
  for (let i: u32 = 0; i < w; i++) if (<u32>load<u8>(buf + i) != <u32>word.charCodeAt(i)) return false;
  return true;
}
/** Whether the n bytes are a proper prefix of word (more bytes could still make it). */
function prefixOf(buf: usize, n: u32, word: string): bool {
  let w = <u32>word.length;
  if (n >= w) return false;
  for (let i: u32 = 0; i < n; i++) if (<u32>load<u8>(buf + i) != <u32>word.charCodeAt(i)) return false;
  return true;
}

/** Bytes on the wire for `r` (link delay > 0). */
export function scheduleData(r: u32, bytes: u32, records: u32): void {
  schedule(tunable(Tunable.LinkDelayUs), EV_DATA, r, getGen(r), bytes, records);
}

/**
 * Data reached a request still in the SYN queue (its final ACK was dropped): a data
 * segment carries the ACK too, so the handshake completes now if the queue has room.
 */
export function dataArrivedAtRequest(r: u32): void {
  let l = getU32(r, Off.PARENT) - 1;
  let id = listenerId(l);
  if (acceptQueueFull(aqLen(id), lrLimit(id))) return;
  let c = getU32(r, Off.AUX) - 1;
  promote(r, l, c);
}

// ---- listener side -------------------------------------------------------------

/** Initialises a server-side socket (request or child) from its listener and client. */
function initServerSide(s: u32, l: u32, c: u32): void {
  let sp = sockPtr(s), lp = sockPtr(l), cp = sockPtr(c);
  store<u16>(sp + Off.DOMAIN, load<u16>(lp + Off.DOMAIN));   // domain and type
  store<u8>(sp + Off.PROTOCOL, load<u8>(lp + Off.PROTOCOL));
  store<u8>(sp + Off.SSLAYER, 3 /* SS_CONNECTED once accepted */);
  store<u32>(sp + Off.LADDR, load<u32>(cp + Off.PADDR));      // local = client's peer (addr, port)
  store<u32>(sp + Off.PADDR, load<u32>(cp + Off.LADDR));      // peer = client's local
  store<u32>(sp + Off.PARENT, l + 1);
  store<u32>(sp + Off.AUX, c + 1);
  store<u32>(sp + Off.PEERGEN, load<u32>(cp + Off.GEN));
  store<u32>(sp + Off.SNDBUF, load<u32>(lp + Off.SNDBUF));     // sk_clone_lock copies the buffers
  store<u32>(sp + Off.RCVBUF, load<u32>(lp + Off.RCVBUF));
  // sk_clone_lock copies sk_reuse/sk_reuseport (a TIME_WAIT child keeps them for bind())
  // and sk_shutdown (a listener shut down before listen() passes it on).
  let inherited = load<u16>(lp + Off.FLAGS) & <u16>(Flag.REUSEADDR | Flag.REUSEPORT | Flag.RCV_SHUT | Flag.SEND_SHUT);
  store<u16>(sp + Off.FLAGS, load<u16>(sp + Off.FLAGS) | <u16>(Flag.WASCONN | Flag.BINDLOCK) | inherited);
  // __inet_inherit_port: the child joins the listener's bind bucket.
  hashBind(s, 0, getU16(l, Off.LPORT), false);
}

function listenerId(l: u32): u32 { return getU32(l, Off.AUX) - 1; }

function countDrop(l: u32): void { bump(Stat.ListenDrops); lrCountDrop(listenerId(l)); }

/** A SYN arrives for the client's destination (tcp_conn_request). */
function onSyn(c: u32, cGen: u32): void {
  if (!isAlive(c, cGen) || getState(c) != SocketState.SYN_SENT) return;
  let dst = getU16(c, Off.PADDR), dport = getU16(c, Off.PPORT);
  let l = findListener(dst, dport, tupleKey(getU16(c, Off.LADDR), getU16(c, Off.LPORT), dst, dport));
  if (l == NONE) {
    // tcp_v4_rcv: no socket -> tcp_v4_send_reset.
    bump(Stat.OutRsts);
    send(EV_RST, c, cGen, 0, 0);
    return;
  }
  let id = listenerId(l);
  let limit = lrLimit(id);
  let personality = getPersonality();
  let cookies = tunable(Tunable.TcpSyncookies);
  let wantCookie = false;
  // "if ((syncookies == 2 || inet_csk_reqsk_queue_is_full(sk)) && !isn)":
  // inet_csk_reqsk_queue_is_full is "reqsk_queue_len > sk_max_ack_backlog" since
  // commit 3479c7549fb1 ("tcp/dccp: allow a connection when sk_max_ack_backlog is zero").
  // FreeBSD's syncache is bounded by the same tunable here (its cache_limit).
  if (cookies == 2 || synqLen(id) > (getPersonality() != Personality.FreeBSD ? limit : <u32>tunable(Tunable.TcpMaxSynBacklog))) {
    if (cookies != 0) {
      // tcp_syn_flood_action
      wantCookie = true;
      if (cookies != 2) bump(Stat.TCPReqQFullDoCookies);
    } else {
      bump(Stat.TCPReqQFullDrop);
      countDrop(l);
      return;
    }
  }
  // "if (sk_acceptq_is_full(sk)) { NET_INC_STATS(..., LINUX_MIB_LISTENOVERFLOWS); goto drop; }"
  // The SYN is dropped silently and the client retransmits. FreeBSD does not look at
  // the accept queue here: its syncache answers and sonewconn decides at the ACK.
  if (personality != Personality.FreeBSD && acceptQueueFull(aqLen(id), limit)) {
    bump(Stat.ListenOverflows);
    countDrop(l);
    return;
  }
  if (!wantCookie && cookies == 0 && synBacklogReservesProven()) {
    // "Without syncookies last quarter of backlog is filled with destinations,
    // proven to be alive."
    let maxSyn = <u32>tunable(Tunable.TcpMaxSynBacklog);
    if (maxSyn - synqLen(id) < (maxSyn >> 2) && !isProven(getU16(c, Off.LADDR))) {
      countDrop(l);
      return;
    }
  }
  if (wantCookie) {
    bump(Stat.SyncookiesSent);
    send(EV_SYNACK_COOKIE, c, cGen, l, getGen(l));
    return;
  }
  if (tunable(Tunable.LinkDelayUs) == 0 && personality != Personality.FreeBSD && getU8(l, Off.DEFER) == 0) {
    // Loopback: SYN-ACK and ACK would be handled inside this call, so the request
    // would enter and leave the SYN queue at once, and the accept queue, checked just
    // above, still has room when the ACK arrives. Build the child directly: the same
    // states, counters and queues as the three-packet path, without its bookkeeping.
    let ch = sockAlloc();
    if (ch == NONE) { countDrop(l); return; }
    setState(ch, SocketState.ESTABLISHED);
    initServerSide(ch, l, c);
    setU32(c, Off.TIMER, 0);
    setFlag(c, Flag.WASCONN);
    setU32(c, Off.AUX, ch + 1);
    setU32(c, Off.PEERGEN, getGen(ch));
    setState(c, SocketState.ESTABLISHED);
    childReady(id, l, ch, c);
    return;
  }
  let r = sockAlloc();
  if (r == NONE) { countDrop(l); return; }
  setState(r, SocketState.SYN_RECEIVED);
  initServerSide(r, l, c);
  synqAdd(id, r);
  setU8(r, Off.RETRIES, 0);
  let rGen = getGen(r);
  send(EV_SYNACK, c, cGen, r, rGen);
  if (isAlive(r, rGen) && getState(r) == SocketState.SYN_RECEIVED) armTimer(r, EV_SYNACK_RTO, TIMEOUT_INIT_US);
}

/** Removes a request from its listener's SYN queue and frees it. */
export function dropRequest(r: u32): void {
  let l = getU32(r, Off.PARENT) - 1;
  synqRemove(listenerId(l), r);
  unhashBind(r, 0);
  setState(r, SocketState.FREE);
  sockFree(r);
}

/** Tells the client its server side is gone; used for resets the kernel sends. */
export function resetPeer(s: u32): void {
  let p = getU32(s, Off.AUX);
  if (p == 0) return;
  bump(Stat.OutRsts);
  send(EV_RST, p - 1, getU32(s, Off.PEERGEN), 0, 0);
}

function promote(r: u32, l: u32, c: u32): void {
  let id = listenerId(l);
  synqRemove(id, r);
  setU32(r, Off.TIMER, 0);
  clearFlag(r, Flag.ACKED);
  setState(r, SocketState.ESTABLISHED);
  childReady(id, l, r, c);
}

/**
 * A new ESTABLISHED child joins its listener, whichever way the handshake finished
 * (loopback, the final ACK, a syncookie): the accept queue, or an accept filter's
 * waiting queue; a FIN if the listener was shut down for writing; the counters.
 */
function childReady(id: u32, l: u32, ch: u32, c: u32): void {
  if (lrFilter(id) != 0) {
    filterEnqueue(id, ch);
  } else {
    aqPush(id, ch);
    wake(l);
  }
  finOnEstablish(ch);
  bump(Stat.PassiveOpens);
  markProven(getU16(c, Off.LADDR));
}

/** The final ACK for a request (tcp_check_req -> tcp_v4_syn_recv_sock). */
function onAck(r: u32, rGen: u32, c: u32, cGen: u32): void {
  if (!isAlive(r, rGen) || getState(r) != SocketState.SYN_RECEIVED) {
    // No request any more: the listener answers the stray ACK with a reset.
    bump(Stat.OutRsts);
    send(EV_RST, c, cGen, 0, 0);
    return;
  }
  let l = getU32(r, Off.PARENT) - 1;
  let id = listenerId(l);
  // tcp_check_req: "While TCP_DEFER_ACCEPT is active, drop bare ACK."
  // "if (req->num_timeout < rskq_defer_accept && end_seq == rcv_isn + 1) { acked = 1; TCPDEFERACCEPTDROP; return NULL; }"
  if (<u32>getU8(r, Off.RETRIES) < <u32>getU8(l, Off.DEFER)) {
    setFlag(r, Flag.ACKED);
    bump(Stat.TCPDeferAcceptDrop);
    return;
  }
  if (acceptQueueFull(aqLen(id), lrLimit(id))) {
    // tcp_v4_syn_recv_sock: "if (sk_acceptq_is_full(sk)) goto exit_overflow;" ->
    // LISTENOVERFLOWS and tcp_listendrop. tcp_check_req then either marks the request
    // acked and waits for a retransmitted ACK, or with tcp_abort_on_overflow resets.
    bump(Stat.ListenOverflows);
    countDrop(l);
    // FreeBSD: syncache_expand -> sonewconn fails; net.inet.tcp.syncache.rst_on_sock_fail
    // (default 1, mapped to tcpAbortOnOverflow) answers with a reset.
    if (tunable(Tunable.TcpAbortOnOverflow) != 0) {
      bump(Stat.EmbryonicRsts);
      bump(Stat.OutRsts);
      dropRequest(r);
      send(EV_RST, c, cGen, 0, 0);
    } else {
      setFlag(r, Flag.ACKED);
    }
    return;
  }
  promote(r, l, c);
}

/** An ACK carrying a syncookie: the listener rebuilds the connection (cookie_v4_check). */
function onAckCookie(l: u32, lGen: u32, c: u32, cGen: u32): void {
  if (!isAlive(l, lGen) || getState(l) != SocketState.LISTEN || !isAlive(c, cGen)) {
    bump(Stat.OutRsts);
    if (isAlive(c, cGen)) send(EV_RST, c, cGen, 0, 0);
    return;
  }
  bump(Stat.SyncookiesRecv);
  let id = listenerId(l);
  if (acceptQueueFull(aqLen(id), lrLimit(id))) {
    // The cookie is stateless: the ACK is dropped and the client, which believes it is
    // connected, stays so until it sends again (tcp_get_cookie_sock fails).
    bump(Stat.ListenOverflows);
    countDrop(l);
    if (tunable(Tunable.TcpAbortOnOverflow) != 0) {
      bump(Stat.OutRsts);
      send(EV_RST, c, cGen, 0, 0);
    }
    return;
  }
  let ch = sockAlloc();
  if (ch == NONE) { countDrop(l); return; }
  setState(ch, SocketState.ESTABLISHED);
  initServerSide(ch, l, c);
  setU32(c, Off.AUX, ch + 1);
  setU32(c, Off.PEERGEN, getGen(ch));
  childReady(id, l, ch, c);
}

/** reqsk_timer_handler: resend the SYN-ACK with backoff, drop after tcp_synack_retries. */
function onSynackRto(r: u32): void {
  if (getState(r) != SocketState.SYN_RECEIVED) return;
  let n = <u32>getU8(r, Off.RETRIES);
  bump(Stat.TCPTimeouts);
  // syn_ack_recalc: with TCP_DEFER_ACCEPT an acked request waits for data without
  // SYN-ACKs until the last deferred period, and lives until the deferral is over.
  let defer = <u32>getU8(getU32(r, Off.PARENT) - 1, Off.DEFER);
  let acked = hasFlag(r, Flag.ACKED);
  let maxRetries = <u32>tunable(Tunable.TcpSynackRetries);
  let expire = defer == 0 ? n >= maxRetries : n >= maxRetries && (!acked || n >= defer);
  let resend = defer == 0 || !acked || n + 1 >= defer;
  if (expire) {
    bump(Stat.ReqDropped);
    dropRequest(r);
    return;
  }
  // num_timeout is counted before the retransmitted SYN-ACK is answered: on loopback
  // the client's ACK is processed after the timer handler returns.
  setU8(r, Off.RETRIES, n + 1);
  let d = TIMEOUT_INIT_US << (n + 1);
  armTimer(r, EV_SYNACK_RTO, d > RTO_MAX_US ? RTO_MAX_US : d);
  if (!resend) return;
  let c = getU32(r, Off.AUX) - 1;
  send(EV_SYNACK, c, getU32(r, Off.PEERGEN), r, getGen(r));
}

/** Dispatches one packet or timer. `seq` is the event's seq (0 for loopback packets). */
function handle(kind: u32, a: u32, aGen: u32, b: u32, bGen: u32, seq: u32): void {
  switch (kind) {
    case EV_SYN: onSyn(a, aGen); break;
    case EV_SYNACK: onSynAck(a, aGen, b, bGen, false); break;
    case EV_SYNACK_COOKIE: onSynAck(a, aGen, b, bGen, true); break;
    case EV_ACK: onAck(a, aGen, b, bGen); break;
    case EV_ACK_COOKIE: onAckCookie(a, aGen, b, bGen); break;
    case EV_RST: if (isAlive(a, aGen)) onRst(a); break;
    case EV_RST_REQ:
      if (isAlive(a, aGen) && getState(a) == SocketState.SYN_RECEIVED) {
        // tcp_check_req: "if (flg & (TCP_FLAG_RST|TCP_FLAG_SYN)) ... goto embryonic_reset"
        bump(Stat.AttemptFails); bump(Stat.EmbryonicRsts);
        dropRequest(a);
      }
      break;
    case EV_FIN: if (isAlive(a, aGen)) onFin(a, b, bGen); break;
    case EV_FIN_ACK: if (isAlive(a, aGen)) onFinAck(a); break;
    case EV_DATA:
      if (isAlive(a, aGen)) {
        rxDeliver(a, b, bGen);
        wake(a);
        if (getState(a) == SocketState.SYN_RECEIVED) dataArrivedAtRequest(a);
        filterCheck(a);
      }
      break;
    case EV_CLOSE_TIMER:
      if (isAlive(a, aGen) && getU32(a, Off.TIMER) == seq) {
        let st = getState(a);
        if (st == SocketState.TIME_WAIT || (st == SocketState.FIN_WAIT_2 && hasFlag(a, Flag.ORPHAN))) finish(a);
      }
      break;
    case EV_SYN_RTO: if (isAlive(a, aGen) && getU32(a, Off.TIMER) == seq) onSynRto(a); break;
    case EV_SYNACK_RTO: if (isAlive(a, aGen) && getU32(a, Off.TIMER) == seq) onSynackRto(a); break;
  }
}


/**
 * Moves the clock forward by `us` microseconds, firing every event due on the way in
 * (time, seq) order. Returns the number of events handled.
 */
export function advance(us: i64): i32 {
  let end = nowUs() + us;
  let n = 0;
  while (true) {
    let t = nextTime();
    if (t < 0 || t > end) break;
    pop();
    setNow(t);
    handle(load<u32>(popped, 12), load<u32>(popped, 16), load<u32>(popped, 20),
      load<u32>(popped, 24), load<u32>(popped, 28), load<u32>(popped, 8));
    n++;
  }
  setNow(end);
  return n;
}
