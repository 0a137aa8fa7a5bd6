// The client side of the handshake: connect() sends its SYN (tcp_v4_connect ->
// tcp_connect), the SYN retransmit timer (tcp_retransmit_timer for SYN_SENT), the
// SYN-ACK that establishes the connection (tcp_rcv_synsent_state_process), and a cookie
// client's segments, which carry its ACK until a server socket takes it.

import { Errno } from "../core/errno";
import { Flag, Flag2, Off, getGen, getU32, getU8, hasFlag, isAlive, setFlag, setU32, setU8 } from "../core/socket";
import { SocketState, getState, setState } from "../core/state";
import { Stat, bump } from "../core/stats";
import { Tunable, tunable } from "../policy/tunables";
import { dataRetries } from "../policy/personality";
import { sndbufOf } from "../io/buffers";
import { sqAppend, sqFree, sqLen } from "../io/send_queue";
import { EV_ACK, EV_ACK_COOKIE, EV_COOKIE_RTO, EV_RST_REQ, EV_SYN, EV_SYN_RTO, armTimer, disarm, send } from "./events";
import { TIMEOUT_INIT_US, synRto } from "./rto";
import { rtoOf, rttEstablished, rttStart } from "./rtt";
import { connectionEnds, writeTimedOut } from "./teardown";
import { clampRto, stampRetrans, userTimedOut } from "./user_timeout";

/** connect(): the client (state SYN_SENT, peer address set) sends its first SYN. */
export function startHandshake(c: u32): void {
  bump(Stat.ActiveOpens);
  setU8(c, Off.RETRIES, 0);
  stampRetrans(c);              // retrans_stamp: TCP_USER_TIMEOUT counts from the first SYN
  setU32(c, Off.REQUEST, 0);    // no request on the server yet (tcp/listener.ts requestOf)
  rttStart(c);
  send(EV_SYN, c, getGen(c), 0, 0);
  // Armed after the send: on loopback the handshake may already be over, and a
  // timer that can only go stale would sit in the heap until time moves.
  if (getState(c) == SocketState.SYN_SENT) armTimer(c, EV_SYN_RTO, TIMEOUT_INIT_US);
}

export function onSynRto(c: u32): void {
  if (getState(c) != SocketState.SYN_SENT) return;
  let n = <u32>getU8(c, Off.RETRIES);
  bump(Stat.TCPTimeouts);
  if (n >= <u32>(tunable(Tunable.TcpSynRetries) + tunable(Tunable.TcpSynLinearTimeouts)) || userTimedOut(c, n)) {
    // tcp_write_timeout: the linear retransmits come on top of tcp_syn_retries
    // ("max_retransmits = ... + tcp_syn_linear_timeouts"), or TCP_USER_TIMEOUT has passed
    // since the first SYN (tcp/user_timeout.ts) -> tcp_write_err: ETIMEDOUT.
    bump(Stat.AttemptFails); bump(Stat.ConnectTimedOut);
    connectionEnds(c, Errno.ETIMEDOUT);
    return;
  }
  setU8(c, Off.RETRIES, n + 1);
  bump(Stat.TCPSynRetrans);
  armTimer(c, EV_SYN_RTO, clampRto(c, synRto(n + 1)));   // tcp_clamp_rto_to_user_timeout
  send(EV_SYN, c, getGen(c), 0, 0);
}

/** A SYN-ACK reaches the client; `period` is the one a cookie encodes (tcp/listener.ts cookiePeriod). */
export function onSynAck(c: u32, cGen: u32, from: u32, fromGen: u32, cookie: bool, period: u32): void {
  if (!isAlive(c, cGen)) {
    // The client's port is gone: it answers the SYN-ACK with a reset.
    if (!cookie) send(EV_RST_REQ, from, fromGen, 0, 0);
    return;
  }
  let st = getState(c);
  if (st == SocketState.SYN_SENT) {
    disarm(c);
    setFlag(c, Flag.WASCONN);
    rttEstablished(c, getU8(c, Off.RETRIES) == 0);   // Karn: a retransmitted SYN gives no sample
    if (!cookie) { setU32(c, Off.AUX, from + 1); setU32(c, Off.PEERGEN, fromGen); }
    else {
      // The listener that sent the cookie, for the ACKs the next segments carry (R4).
      setU32(c, Off.PARENT, from + 1); setU32(c, Off.PEERGEN, fromGen);
      setU32(c, Off.COOKIE_AGE, period);
      setU8(c, Off.FLAGS2, getU8(c, Off.FLAGS2) | Flag2.COOKIE);
    }
    setState(c, SocketState.ESTABLISHED);
    send(cookie ? EV_ACK_COOKIE | (period << 8) : EV_ACK, from, fromGen, c, cGen);
    return;
  }
  if (st == SocketState.ESTABLISHED && !cookie && getU32(c, Off.AUX) == from + 1) {
    // A retransmitted SYN-ACK (our ACK was dropped on overflow): ACK again.
    send(EV_ACK, from, fromGen, c, cGen);
    return;
  }
  if (!cookie) send(EV_RST_REQ, from, fromGen, 0, 0);
}

/**
 * The ACK a cookie client's next segment carries (data or FIN: tcp_v4_syn_recv_sock on
 * the listener's side, cookie_v4_check), with the cookie it echoes. Nothing when the
 * server already has its socket.
 */
export function resendCookieAck(c: u32): void {
  if ((getU8(c, Off.FLAGS2) & Flag2.COOKIE) == 0) return;
  send(EV_ACK_COOKIE | (getU32(c, Off.COOKIE_AGE) << 8), getU32(c, Off.PARENT) - 1, getU32(c, Off.PEERGEN), c, getGen(c));
}

/**
 * The client is a cookie client no longer: a server socket took its ACK (after its
 * queued data went to it), or the connection ended (tcp_done's tcp_write_queue_purge).
 * A CLOSED socket may connect again, and must do so afresh.
 */
export function forgetCookie(c: u32): void {
  if ((getU8(c, Off.FLAGS2) & Flag2.COOKIE) == 0) return;  // (and qnext may be a list link)
  sqFree(c);
  setU8(c, Off.FLAGS2, getU8(c, Off.FLAGS2) & ~Flag2.COOKIE);
  setU32(c, Off.PARENT, 0);
  setU32(c, Off.COOKIE_AGE, 0);
}

/**
 * The client's next segments go to listener `l` as a cookie made in `period` (FreeBSD:
 * its request was forgotten, tcp/listener.ts forgetRequest): what it has queued or a FIN
 * it sent goes again on its retransmission timer, with the ACK.
 */
export function becomeCookieClient(c: u32, l: u32, period: u32): void {
  setU32(c, Off.AUX, 0);
  setU32(c, Off.PARENT, l + 1); setU32(c, Off.PEERGEN, getGen(l));
  setU32(c, Off.COOKIE_AGE, period);
  setU8(c, Off.FLAGS2, getU8(c, Off.FLAGS2) | Flag2.COOKIE);
  if (sqLen(c) == 0 && getState(c) != SocketState.FIN_WAIT_1) return;
  disarm(c);                    // an orphan's FIN timer gives way to this one
  armCookieRto(c);
}

/**
 * The cookie client's retransmission timer runs while it has data or a FIN outstanding
 * (tcp_rearm_rto when the first segment goes out); armed once, so that later segments
 * do not push it back.
 */
export function armCookieRto(c: u32): void {
  if (getU32(c, Off.TIMER) != 0) return;
  setU8(c, Off.RETRIES, 0);
  armTimer(c, EV_COOKIE_RTO, rtoOf(c, 0));
}

/**
 * send() on a cookie client (Flag2.COOKIE): tcp_sendmsg_locked queues the bytes on the
 * write queue, up to SO_SNDBUF (sk_stream_memory_free; nobody has acknowledged anything,
 * so that is all the room there is), and sends them at once, the segment carrying the
 * ACK; the retransmission timer sends them again until a server socket takes them
 * (onCookieRto). On loopback the segment is handled within the call.
 */
export function cookieSend(c: u32, buf: usize, len: i32): i32 {
  let queued = sqLen(c), room = sndbufOf(c);
  let n = queued >= room ? 0 : min(<u32>len, room - queued);
  if (n == 0) return len == 0 ? 0 : -Errno.EAGAIN;
  sqAppend(c, buf, n);
  armCookieRto(c);
  resendCookieAck(c);
  return <i32>n;
}

/**
 * The cookie client's retransmission timer (tcp_retransmit_timer): its data and FIN go
 * again, with the ACK, after an RTO doubled each time (tcp/rtt.ts rtoOf: its handshake's
 * RTT sample plus Linux's 200 ms floor, up to TCP_RTO_MAX 120 s); after tcp_retries2 (15) the connection
 * ends: tcp_write_timeout -> tcp_write_err "WRITE_ONCE(sk->sk_err, READ_ONCE(sk->sk_err_soft)
 * ? : ETIMEDOUT); ... tcp_done(sk); __NET_INC_STATS(sock_net(sk), LINUX_MIB_TCPABORTONTIMEOUT);".
 */
export function onCookieRto(c: u32): void {
  if ((getU8(c, Off.FLAGS2) & Flag2.COOKIE) == 0) return;
  let st = getState(c);
  if (sqLen(c) == 0 && st != SocketState.FIN_WAIT_1 && st != SocketState.LAST_ACK) return;
  let n = <u32>getU8(c, Off.RETRIES);
  bump(Stat.TCPTimeouts);
  if (n >= dataRetries()) { writeTimedOut(c); return; }
  setU8(c, Off.RETRIES, n + 1);
  armTimer(c, EV_COOKIE_RTO, rtoOf(c, n + 1));
  bump(Stat.CookieAckResends);
  resendCookieAck(c);
}
