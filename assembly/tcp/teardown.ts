// The end of a connection: RST, FIN and its ACK, FIN_WAIT, CLOSING, LAST_ACK,
// TIME_WAIT (net/ipv4/tcp_input.c tcp_fin / tcp_reset, tcp_minisocks.c
// tcp_time_wait / tcp_timewait_state_process, tcp.c __tcp_close).

import { Errno } from "../core/errno";
import { sockDestroy } from "../core/release";
import { hostCount, hostTimeWait, hostTimeWaitAdd } from "../core/hosts";
import { Flag, Flag2, NONE, Off, SOCK_SIZE, clearFlag, getGen, getU16, getU32, getU8, hasFlag, isAlive, setFlag, setU16, setU32, setU8, sockAlloc, sockPtr } from "../core/socket";
import { SocketState, getState, setState } from "../core/state";
import { Stat, bump } from "../core/stats";
import { wake } from "../io/epoll";
import { Tunable, tunable } from "../policy/tunables";
import { ANY4, ANY6, addrHold, setAddr } from "../tables/addresses";
import { hashBind, protoIndex, unhashBind } from "../tables/ports";
import { connInsert, connRemove, tupleOf } from "../tables/tuples";
import { EV_CLOSE_TIMER, EV_FIN, EV_FIN_ACK, EV_RST, armTimer, disarm, send } from "./events";
import { armCookieRto, forgetCookie, resendCookieAck } from "./client";
import { rtoOf } from "./rtt";
import { filterCheck } from "./accept_filter";
import { resetPeer } from "./listener";
import { backoffRto } from "./rto";
import { twEnter } from "./time_wait";
import { clampRto, stampRetrans, userTimedOut } from "./user_timeout";

/**
 * tcp_orphan_retries() with net.ipv4.tcp_orphan_retries at its default 0: "if (retries == 0
 * && alive) retries = 8;" -- an orphan's unanswered FIN is sent 8 more times.
 */
const ORPHAN_RETRIES: u32 = 8;

/** TCP_TIMEWAIT_LEN (include/net/tcp.h): 60 s. */
const TIMEWAIT_US: i64 = 60000000;
/** Sockets in TIME_WAIT on every host (O(hosts): for reports and sk_check, not a hot path). */
export function timeWaitSockets(): u32 {
  let n: u32 = 0;
  for (let h: u32 = 0; h < hostCount(); h++) n += hostTimeWait(h);
  return n;
}
/** A TIME_WAIT socket is freed (core/release.ts sockDestroy). */
export function timeWaitLeaves(s: u32): void { hostTimeWaitAdd(getU32(s, Off.HOST), -1); }

/** Port-table index of the socket's protocol (UDP sockets come here through disconnect). */
export function proto(s: u32): u32 { return protoIndex(getU8(s, Off.TYPE)); }

/** Linux tcp_set_state(TCP_CLOSE) -> inet_put_port: an autobound port goes back. */
export function releasePort(s: u32, resetAddr: bool): void {
  if (hasFlag(s, Flag.TUPLED)) {
    connRemove(tupleOf(s));
    clearFlag(s, Flag.TUPLED);
  }
  if (!hasFlag(s, Flag.BINDLOCK)) unhashBind(s, proto(s));
  // tcp_disconnect: "if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK)) inet_reset_saddr(sk);"
  if (resetAddr && !hasFlag(s, Flag.ADDRLOCK)) setAddr(s, Off.LADDR, getU8(s, Off.DOMAIN) == 10 ? ANY6 : ANY4);
}

/**
 * A connection attempt or a connection ends with `err` (tcp_done + sk_err). A failed
 * attempt is also disconnected (__inet_stream_connect's error path calls tcp_disconnect,
 * which forgets an address connect() chose); an established connection that is reset
 * keeps its address for getsockname.
 */
export function connectionEnds(s: u32, err: i32, disconnecting: bool = false): void {
  let wasConnecting = getState(s) == SocketState.SYN_SENT;
  disarm(s);
  forgetCookie(s);              // tcp_done: tcp_write_queue_purge
  setU8(s, Off.SOERROR, <u32>err);
  setFlag(s, Flag.RCV_SHUT | Flag.SEND_SHUT);
  releasePort(s, wasConnecting || disconnecting);
  setState(s, SocketState.CLOSED);
}

/**
 * tcp_write_timeout gave up on a connection's retransmissions: tcp_write_err ->
 * tcp_done_with_error "WRITE_ONCE(sk->sk_err, READ_ONCE(sk->sk_err_soft) ? : ETIMEDOUT);
 * ... tcp_done(sk);" and "__NET_INC_STATS(sock_net(sk), LINUX_MIB_TCPABORTONTIMEOUT)";
 * no reset is sent. An orphan is freed.
 */
export function writeTimedOut(s: u32): void {
  bump(Stat.TCPAbortOnTimeout);
  if (hasFlag(s, Flag.ORPHAN)) { sockDestroy(s); return; }
  connectionEnds(s, Errno.ETIMEDOUT);
  wake(s);
}

export function onRst(s: u32): void {
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
    if (hasFlag(s, Flag.ORPHAN)) { sockDestroy(s); return; }
    connectionEnds(s, st == SocketState.CLOSE_WAIT ? Errno.EPIPE : Errno.ECONNRESET);
    wake(s);
  }
}

// ---- the end of a connection: FIN, its ACK, TIME_WAIT ---------------------------

/** The connection is over for good: an orphan is freed, a socket the user holds becomes CLOSED. */
export function finish(s: u32): void {
  if (hasFlag(s, Flag.ORPHAN)) { sockDestroy(s); return; }
  if (getState(s) == SocketState.TIME_WAIT) timeWaitLeaves(s);
  disarm(s);
  forgetCookie(s);
  setU32(s, Off.AUX, 0);
  setFlag(s, Flag.RCV_SHUT | Flag.SEND_SHUT);
  // tcp_done -> tcp_set_state(TCP_CLOSE): "sk->sk_prot->unhash(sk); if (... icsk_bind_hash &&
  // !(sk->sk_userlocks & SOCK_BINDPORT_LOCK)) inet_put_port(sk);" -- the 4-tuple and an
  // autobound port go back, so a later connect() of this socket starts afresh.
  releasePort(s, false);
  setState(s, SocketState.CLOSED);
}

/**
 * Enters TIME_WAIT for 2MSL (60 s on Linux), keeping the port and the 4-tuple; past
 * tcp_max_tw_buckets the socket is dropped at once ("TCP: time wait bucket table
 * overflow", TCPTimeWaitOverflow).
 */
function enterTimeWait(s: u32): void {
  if (hostTimeWait(getU32(s, Off.HOST)) >= <u32>tunable(Tunable.TcpMaxTwBuckets)) {
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
    addrHold(getU16(tw, Off.LADDR)); addrHold(getU16(tw, Off.PADDR)); // the copy holds them too
    if (hasFlag(s, Flag.TUPLED)) {
      let key = tupleOf(s);
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
  hostTimeWaitAdd(getU32(s, Off.HOST), 1);
  setState(s, SocketState.TIME_WAIT);
  twEnter(s);                        // connect() may recycle it (tcp/time_wait.ts)
  armTimer(s, EV_CLOSE_TIMER, TIMEWAIT_US);
}

/** A FIN reaches s (tcp_fin): EOF after the queued bytes, and the next state. */
export function onFin(s: u32, from: u32, fromGen: u32): void {
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
  filterCheck(s);               // end of file passes an accept filter (accept_filter.ts)
  wake(s);
  send(EV_FIN_ACK, from, fromGen, 0, 0);
}

/** Our FIN is acknowledged. */
export function onFinAck(s: u32): void {
  let st = getState(s);
  if (st == SocketState.FIN_WAIT_1) {
    setState(s, SocketState.FIN_WAIT_2);
    // tcp_fin_timeout: an orphan does not wait in FIN_WAIT_2 for ever.
    if (hasFlag(s, Flag.ORPHAN)) armOrphanTimer(s);
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
  if ((getU8(s, Off.FLAGS2) & Flag2.COOKIE) != 0) {
    // A cookie client whose ACK no server socket took (the accept queue was full): its
    // FIN joins its queued data, carries the ACK again and is retransmitted on its RTO
    // until one is taken (docs/network.md R4, R6; tcp/client.ts onCookieRto), instead of
    // the connection vanishing.
    armCookieRto(s);
    resendCookieAck(s);
    return;
  }
  let p = getU32(s, Off.AUX);
  if (p == 0 || !isAlive(p - 1, getU32(s, Off.PEERGEN))) {
    // Nobody on the other side any more: nothing acknowledges, the connection ends.
    finish(s);
    return;
  }
  let gen = getGen(s);
  send(EV_FIN, p - 1, getU32(s, Off.PEERGEN), s, gen);
  if (isAlive(s, gen) && hasFlag(s, Flag.ORPHAN)) armFinTimer(s);
}

function finUnacked(st: SocketState): bool {
  return st == SocketState.FIN_WAIT_1 || st == SocketState.CLOSING || st == SocketState.LAST_ACK;
}

/**
 * An orphan whose FIN is not acknowledged yet (FIN_WAIT_1, CLOSING, LAST_ACK) waits for
 * its retransmission timer (tcp_retransmit_timer), so that a FIN nobody answers -- one
 * that reached a TCP_DEFER_ACCEPT request, which drops it -- cannot hold the socket and
 * its port for ever. On loopback an answered FIN is acknowledged before this is called.
 */
export function armFinTimer(s: u32): void {
  if (!finUnacked(getState(s))) return;
  setU8(s, Off.RETRIES, 0);
  stampRetrans(s);              // TCP_USER_TIMEOUT counts from here (tcp/user_timeout.ts)
  armTimer(s, EV_CLOSE_TIMER, backoffRto(0));
}

/**
 * The orphan's FIN retransmission timer fired (tcp_retransmit_timer -> tcp_write_timeout):
 * after tcp_orphan_retries retransmissions, or once TCP_USER_TIMEOUT has passed since
 * the FIN was first sent (tcp/user_timeout.ts), the orphan is dropped (tcp_write_err,
 * LINUX_MIB_TCPABORTONTIMEOUT); otherwise the FIN goes again with backoff (tcp/rto.ts). A
 * FIN that meets no socket any more is answered by a reset (tcp_v4_rcv no_tcp_socket ->
 * tcp_v4_send_reset), which ends the orphan (tcp_reset).
 */
function onOrphanFinRto(s: u32): void {
  let n = <u32>getU8(s, Off.RETRIES);
  if (n >= ORPHAN_RETRIES || userTimedOut(s, n)) {
    bump(Stat.TCPAbortOnTimeout);
    sockDestroy(s);
    return;
  }
  setU8(s, Off.RETRIES, n + 1);
  armTimer(s, EV_CLOSE_TIMER, clampRto(s, backoffRto(n + 1)));
  let p = getU32(s, Off.AUX);
  if (p == 0 || !isAlive(p - 1, getU32(s, Off.PEERGEN))) {
    bump(Stat.OutRsts);
    sockDestroy(s);
    return;
  }
  send(EV_FIN, p - 1, getU32(s, Off.PEERGEN), s, getGen(s));
}

/**
 * An orphan's timer (EV_CLOSE_TIMER): TIME_WAIT is over, FIN_WAIT_2 waited tcp_fin_timeout,
 * or an unacknowledged FIN is due again.
 */
export function onOrphanTimer(s: u32): void {
  let st = getState(s);
  if (st == SocketState.TIME_WAIT || (st == SocketState.FIN_WAIT_2 && hasFlag(s, Flag.ORPHAN))) finish(s);
  else if (finUnacked(st) && hasFlag(s, Flag.ORPHAN)) onOrphanFinRto(s);
}

/**
 * An orphan left in FIN_WAIT_2 gives up after tcp_fin_timeout. With tcp_fin_timeout <=
 * TCP_TIMEWAIT_LEN Linux makes it a timewait socket at once ("tcp_time_wait(sk,
 * TCP_FIN_WAIT2, tmo)"), which connect() may recycle (tcp/time_wait.ts); a longer one
 * keeps the full socket (which is never recycled here, where Linux would make it a
 * timewait socket for the last 60 s).
 */
export function armOrphanTimer(s: u32): void {
  let tmo = tunable(Tunable.TcpFinTimeoutUs);
  if (tmo <= TIMEWAIT_US) twEnter(s);
  armTimer(s, EV_CLOSE_TIMER, tmo);
}

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
export function finOnEstablish(s: u32): void {
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
  if (hasFlag(peer, Flag.ORPHAN)) sockDestroy(peer);
  else { setU32(peer, Off.AUX, 0); connectionEnds(peer, Errno.ECONNRESET); wake(peer); }
  send(EV_RST, sender, getGen(sender), 0, 0);
}
