// The client side of the handshake: connect() sends its SYN (tcp_v4_connect ->
// tcp_connect), the SYN retransmit timer (tcp_retransmit_timer for SYN_SENT), and the
// SYN-ACK that establishes the connection (tcp_rcv_synsent_state_process).

import { Errno } from "../core/errno";
import { Flag, Flag2, Off, getGen, getU32, getU8, isAlive, setFlag, setU32, setU8 } from "../core/socket";
import { SocketState, getState, setState } from "../core/state";
import { Stat, bump } from "../core/stats";
import { Tunable, tunable } from "../policy/tunables";
import { EV_ACK, EV_ACK_COOKIE, EV_RST_REQ, EV_SYN, EV_SYN_RTO, armTimer, disarm, send } from "./events";
import { TIMEOUT_INIT_US, synRto } from "./rto";
import { rttEstablished, rttStart } from "./rtt";
import { connectionEnds } from "./teardown";

/** connect(): the client (state SYN_SENT, peer address set) sends its first SYN. */
export function startHandshake(c: u32): void {
  bump(Stat.ActiveOpens);
  setU8(c, Off.RETRIES, 0);
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

export function onSynAck(c: u32, cGen: u32, from: u32, fromGen: u32, cookie: bool): void {
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
      setU8(c, Off.FLAGS2, getU8(c, Off.FLAGS2) | Flag2.COOKIE);
    }
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

/**
 * The ACK a cookie client's next segment carries (data or FIN: tcp_v4_syn_recv_sock on
 * the listener's side, cookie_v4_check). Nothing when the server already has its socket.
 */
export function resendCookieAck(c: u32): void {
  if ((getU8(c, Off.FLAGS2) & Flag2.COOKIE) == 0) return;
  send(EV_ACK_COOKIE, getU32(c, Off.PARENT) - 1, getU32(c, Off.PEERGEN), c, getGen(c));
}
