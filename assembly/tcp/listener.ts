// The listener side of the handshake: a SYN at a listener (net/ipv4/tcp_input.c
// tcp_conn_request), syncookies, the final ACK (tcp_minisocks.c tcp_check_req ->
// tcp_v4_syn_recv_sock), accept-queue overflow, the SYN-ACK retransmit timer
// (reqsk_timer_handler), and the child a completed handshake creates and what it
// inherits from its listener (initServerSide: sk_clone_lock, __inet_inherit_port).

import { aqLen, aqPush, lrCountDrop, lrFilter, lrLimit, lrOverflowUs, lrSetOverflowUs, synqAdd, synqAged, synqLen, synqRemove, synqRenewed, synqYoung } from "../core/accept_queue";
import { sockDestroy } from "../core/release";
import { currentHost } from "../core/hosts";
import { Flag, Flag2, NONE, Off, clearFlag, getGen, getU16, getU32, getU8, hasFlag, isAlive, setFlag, setU32, setU8, sockAlloc, sockPtr } from "../core/socket";
import { SockLayer, SocketState, getState, setSockLayer, setState } from "../core/state";
import { Stat, bump } from "../core/stats";
import { wake } from "../io/epoll";
import { COOKIE_MAX_AGE, acceptInheritsReuse, acceptedKeepsPort, acceptInheritsShutdown, acceptQueueFull, cookieOverflowResets, overflowKeepsRequest, cookiePeriodUs, cookieRecentOverflow, cookieStamp, dupSynRateLimited, dupSynRestartsTimer, synackRetries, synBacklogReservesProven, synChecksAcceptQueue, synQueueLimit } from "../policy/personality";
import { Tunable, tunable } from "../policy/tunables";
import { addrHold, isProven, markProven } from "../tables/addresses";
import { findListener, hashBind } from "../tables/ports";
import { tupleKey } from "../tables/tuples";
import { filterEnqueue } from "./accept_filter";
import { EV_FIN, EV_RST, EV_SYNACK, EV_SYNACK_COOKIE, EV_SYNACK_RTO, armTimer, disarm, send } from "./events";
import { TIMEOUT_INIT_US, synackRto } from "./rto";
import { nowUs } from "../storage/timer_heap";
import { sqDeliver } from "../io/send_queue";
import { rttEstablished, rttSample, rttStart, synackOnce } from "./rtt";
import { finOnEstablish } from "./teardown";
import { setUserTimeout, userTimeoutOf } from "./user_timeout";
import { becomeCookieClient, forgetCookie } from "./client";
import { rxCopyAll, rxLen } from "../io/rx_queue";
import { sqAppend } from "../io/send_queue";

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
  setSockLayer(s, SockLayer.SS_CONNECTED);      // once accepted
  store<u32>(sp + Off.LADDR, load<u32>(cp + Off.PADDR));      // local = client's peer (addr, port)
  store<u32>(sp + Off.PADDR, load<u32>(cp + Off.LADDR));      // peer = client's local
  addrHold(getU16(s, Off.LADDR)); addrHold(getU16(s, Off.PADDR)); // over a fresh record's 0s
  store<u32>(sp + Off.PARENT, l + 1);
  store<u32>(sp + Off.AUX, c + 1);
  store<u32>(sp + Off.PEERGEN, load<u32>(cp + Off.GEN));
  store<u32>(sp + Off.SNDBUF, load<u32>(lp + Off.SNDBUF));     // sk_clone_lock copies the buffers
  store<u32>(sp + Off.RCVBUF, load<u32>(lp + Off.RCVBUF));
  store<u32>(sp + Off.HOST, load<u32>(lp + Off.HOST));        // the listener's host
  // sk_clone_lock copies sk_reuse/sk_reuseport (a TIME_WAIT child keeps them for bind();
  // not on FreeBSD: policy/personality.ts acceptInheritsReuse) and sk_shutdown (a
  // listener shut down before listen() passes it on; not on FreeBSD: acceptInheritsShutdown).
  let mask = Flag.LINGER0;
  if (acceptInheritsShutdown()) mask |= Flag.RCV_SHUT | Flag.SEND_SHUT;
  if (acceptInheritsReuse()) mask |= Flag.REUSEADDR | Flag.REUSEPORT;
  let inherited = load<u16>(lp + Off.FLAGS) & <u16>mask;
  let lock = acceptedKeepsPort() ? Flag.BINDLOCK : 0;
  store<u16>(sp + Off.FLAGS, load<u16>(sp + Off.FLAGS) | <u16>(Flag.WASCONN | lock) | inherited);
  // SO_LINGER and its time, in every personality: Linux sk_clone_lock copies the whole
  // sock (SOCK_LINGER, sk_lingertime; the real kernel's accepted socket reports it);
  // FreeBSD solisten_clone "head->so_options & (... SO_LINGER ...)" and "so->so_linger
  // = head->so_linger;".
  store<u8>(sp + Off.LINGER, load<u8>(lp + Off.LINGER));
  store<u8>(sp + Off.FLAGS2, load<u8>(sp + Off.FLAGS2) | (load<u8>(lp + Off.FLAGS2) & <u8>Flag2.LINGER));
  // __inet_inherit_port: the child joins the listener's bind bucket.
  hashBind(s, 0, getU16(l, Off.LPORT), false);
}

export function listenerId(l: u32): u32 { return getU32(l, Off.AUX) - 1; }

function countDrop(l: u32): void { bump(Stat.ListenDrops); lrCountDrop(listenerId(l)); }

/**
 * The request a retransmitted SYN of c belongs to, or NONE. Linux finds it before any
 * listener: requests are in the established hash (reqsk_queue_hash_req ->
 * inet_ehash_insert), so tcp_v4_rcv's lookup of the 4-tuple returns the request and
 * hands the SYN to tcp_check_req; FreeBSD syncache_add's syncache_lookup. Here c's
 * record names the request its SYN made (Off.REQUEST, set in onSyn, cleared by each
 * connect(): a connecting socket's 4-tuple is its own, tables/tuples.ts): O(1). The
 * slot is c's request only while it is a request whose client is (c, cGen).
 */
function requestOf(c: u32, cGen: u32): u32 {
  let r1 = getU32(c, Off.REQUEST);
  if (r1 == 0) return NONE;
  let r = r1 - 1;
  if (getState(r) != SocketState.SYN_RECEIVED) return NONE;   // a slot once handed out: r < highWater
  return getU32(r, Off.AUX) == c + 1 && getU32(r, Off.PEERGEN) == cGen ? r : NONE;
}

/** tcp_invalid_ratelimit (net.ipv4.tcp_invalid_ratelimit, "HZ / 2"): 500 ms. */
const OOW_RATELIMIT_US: u32 = 500000;

/**
 * A retransmitted SYN reaches the request it made: the SYN-ACK goes again, no second
 * request. Linux tcp_check_req "Check for pure retransmitted SYN.": "if
 * (!tcp_oow_rate_limited(sock_net(sk), skb, LINUX_MIB_TCPACKSKIPPEDSYNRECV,
 * &tcp_rsk(req)->last_oow_ack_time) && !inet_rtx_syn_ack(sk, req)) { ... expires +=
 * reqsk_timeout(req, TCP_RTO_MAX); if (!fastopen) mod_timer_pending(&req->rsk_timer,
 * expires); }" -- at most one per tcp_invalid_ratelimit (__tcp_oow_rate_limited: a
 * last time of 0 means never), counted by tcp_rtx_synack (TCPSynRetrans) or as
 * TCPAckSkippedSynRecv; the timer restarts at TCP_TIMEOUT_INIT << num_timeout, and
 * num_timeout stays. FreeBSD syncache_add: "If we do, resend the SYN,ACK, and reset the
 * retransmit timer." -- syncache_respond, then "sc->sc_rxmits = 0; syncache_timeout(sc,
 * sch, 1);": the schedule starts over (policy: dupSynRestartsTimer).
 */
function onDuplicateSyn(r: u32): void {
  if (dupSynRateLimited()) {
    let now = <u32>nowUs(), last = getU32(r, Off.OOW_AT);
    if (last != 0 && now - last < OOW_RATELIMIT_US) {   // "0 <= elapsed && elapsed < ratelimit"
      bump(Stat.TCPAckSkippedSynRecv);
      return;
    }
    setU32(r, Off.OOW_AT, now);
  }
  bump(Stat.TCPSynRetrans);
  setU8(r, Off.FLAGS2, getU8(r, Off.FLAGS2) | Flag2.SYNACK_AGAIN);  // Karn: no RTT sample now
  let n = <u32>getU8(r, Off.RETRIES);
  if (dupSynRestartsTimer()) {
    if (n != 0) synqRenewed(listenerId(getU32(r, Off.PARENT) - 1));
    n = 0;
    setU8(r, Off.RETRIES, 0);
  }
  armTimer(r, EV_SYNACK_RTO, synackRto(n));
  let c = getU32(r, Off.AUX) - 1;
  send(EV_SYNACK, c, getU32(r, Off.PEERGEN), r, getGen(r));
}

/** A SYN arrives for the client's destination (tcp_conn_request). */
export function onSyn(c: u32, cGen: u32): void {
  if (!isAlive(c, cGen) || getState(c) != SocketState.SYN_SENT) return;
  let dup = requestOf(c, cGen);
  if (dup != NONE) { onDuplicateSyn(dup); return; }
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
  let cookies = tunable(Tunable.TcpSyncookies);
  let wantCookie = false;
  // "if ((syncookies == 2 || inet_csk_reqsk_queue_is_full(sk)) && !isn)" (policy: synQueueLimit)
  if (cookies == 2 || synqLen(id) > synQueueLimit(limit)) {
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
  // Accept queue full at the SYN: dropped silently, the client retransmits (policy:
  // synChecksAcceptQueue, acceptQueueFull).
  if (synChecksAcceptQueue() && acceptQueueFull(aqLen(id), limit)) {
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
    // cookie_init_sequence: "tcp_synq_overflow(sk); __NET_INC_STATS(..., LINUX_MIB_SYNCOOKIESSENT);"
    // The cookie carries the period it was made in (the count in its top bits), here in
    // the packet's kind word; the client echoes it in every ACK.
    let now = nowUs();
    lrSetOverflowUs(id, cookieStamp(lrOverflowUs(id), now));
    bump(Stat.SyncookiesSent);
    send(EV_SYNACK_COOKIE | (cookiePeriod(now) << 8), c, cGen, l, getGen(l));
    return;
  }
  if (tunable(Tunable.LinkDelayUs) == 0 && getU32(c, Off.HOST) == currentHost() && synChecksAcceptQueue() && getU8(l, Off.DEFER) == 0) {
    // Loopback: SYN-ACK and ACK would be handled inside this call, so the request
    // would enter and leave the SYN queue at once, and the accept queue, checked just
    // above, still has room when the ACK arrives. Build the child directly: the same
    // states, counters and queues as the three-packet path, without its bookkeeping.
    let ch = sockAlloc();
    if (ch == NONE) { countDrop(l); return; }
    setState(ch, SocketState.ESTABLISHED);
    initServerSide(ch, l, c);
    disarm(c);
    setFlag(c, Flag.WASCONN);
    setU32(c, Off.AUX, ch + 1);
    setU32(c, Off.PEERGEN, getGen(ch));
    rttEstablished(c, getU8(c, Off.RETRIES) == 0);   // the handshake took no time
    rttSample(ch, 0);
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
  setU32(c, Off.REQUEST, r + 1);
  rttStart(r);
  send(EV_SYNACK, c, cGen, r, rGen);
  if (isAlive(r, rGen) && getState(r) == SocketState.SYN_RECEIVED) armTimer(r, EV_SYNACK_RTO, TIMEOUT_INIT_US);
}

/** Tells the client its server side is gone; used for resets the kernel sends. */
export function resetPeer(s: u32): void {
  let p = getU32(s, Off.AUX);
  if (p == 0) return;
  bump(Stat.OutRsts);
  send(EV_RST, p - 1, getU32(s, Off.PEERGEN), 0, 0);
}

function promote(r: u32, l: u32, c: u32): void {
  rttEstablished(r, synackOnce(r));
  let id = listenerId(l);
  synqRemove(id, r);
  disarm(r);
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
  // sk_clone_lock copies the listener's inet_connection_sock, icsk_user_timeout with it.
  setUserTimeout(ch, userTimeoutOf(l));
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
export function onAck(r: u32, rGen: u32, c: u32, cGen: u32): void {
  if (!isAlive(r, rGen) || getState(r) != SocketState.SYN_RECEIVED) {
    // The request is the connection now (promoted in place): a second ACK -- its SYN-ACK
    // went twice, by its timer and for a duplicate SYN -- is an old ACK to it, which
    // tcp_ack ignores.
    if (isAlive(r, rGen) && getU32(r, Off.AUX) == c + 1) return;
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
      sockDestroy(r);  // off the SYN queue, freed
      send(EV_RST, c, cGen, 0, 0);
    } else if (overflowKeepsRequest()) {
      setFlag(r, Flag.ACKED);
    } else {
      forgetRequest(r, l, c, cGen);
    }
    return;
  }
  promote(r, l, c);
}

/**
 * FreeBSD, rst_on_sock_fail=0: syncache_expand took the entry off its bucket before
 * syncache_socket failed (policy/personality.ts overflowKeepsRequest), so nothing is
 * left of the request, and the client's next segment finds no entry and is checked as a
 * syncookie (syncache_expand "if (sc == NULL) { ... syncookie_lookup"): its SYN-ACK's ISS
 * was one (syncache_add "if (V_tcp_syncookies) sc->sc_iss = syncookie_generate(sch,
 * sc);"; with syncookies off that check fails too). Here the client becomes a cookie
 * client, its period the current one (one round trip after the SYN-ACK's), and the bytes
 * it already sent toward the request go back to its send queue, for its retransmission
 * timer: they were on their way to a connection that no longer exists.
 */
function forgetRequest(r: u32, l: u32, c: u32, cGen: u32): void {
  if (isAlive(c, cGen) && getU32(c, Off.AUX) == r + 1 &&
      (getState(c) == SocketState.ESTABLISHED || getState(c) == SocketState.FIN_WAIT_1)) {
    let n = rxLen(r);
    if (n != 0) {
      let tmp = heap.alloc(<usize>n);
      rxCopyAll(r, tmp);
      sqAppend(c, tmp, n);
      heap.free(tmp);
    }
    becomeCookieClient(c, l, cookiePeriod(nowUs()));
  }
  sockDestroy(r);  // off the SYN queue, freed
}

/** The cookie period `now` falls in (tcp_cookie_time), 24 bits of it as the packet's kind word carries it. */
export function cookiePeriod(now: i64): u32 { return <u32>(now / cookiePeriodUs()) & 0xffffff; }

/**
 * An ACK carrying a syncookie made in period `period`: the listener rebuilds the
 * connection (cookie_v4_check). The segment may carry the client's queued data and its
 * FIN (io/send_queue.ts): the new child gets them.
 */
export function onAckCookie(l: u32, lGen: u32, c: u32, cGen: u32, period: u32): void {
  if (isAlive(c, cGen) && (getU8(c, Off.FLAGS2) & Flag2.COOKIE) == 0) return; // a repeated ACK: the connection exists
  if (!isAlive(l, lGen) || getState(l) != SocketState.LISTEN || !isAlive(c, cGen)) {
    // Counted only when sent: a client that is gone gets nothing.
    if (isAlive(c, cGen)) { bump(Stat.OutRsts); send(EV_RST, c, cGen, 0, 0); }
    return;
  }
  let id = listenerId(l);
  // cookie_v4_check: "if (!READ_ONCE(...sysctl_tcp_syncookies) || !th->ack || th->rst) goto
  // out;" then "if (tcp_synq_no_recent_overflow(sk)) goto out;" (more than 2 minutes since
  // the listener last sent a cookie; FreeBSD 16 s, policy/personality.ts), then
  // "mss = __cookie_v4_check(...); if (mss == 0) { __NET_INC_STATS(..., LINUX_MIB_SYNCOOKIESFAILED);
  // goto out; }" (older than MAX_SYNCOOKIE_AGE periods). "out: return ret;" returns the
  // listener itself, and tcp_v4_do_rcv hands the segment to tcp_rcv_state_process, whose
  // TCP_LISTEN case says "if (th->ack) return 1;": "reset: tcp_v4_send_reset(rsk, skb);".
  // FreeBSD syncache_expand "goto failed" likewise ends in tcp_input's dropwithreset.
  let now = nowUs();
  let stale = (cookiePeriod(now) - period) & 0xffffff;
  let checked = tunable(Tunable.TcpSyncookies) != 0 && cookieRecentOverflow(lrOverflowUs(id), now);
  if (checked && stale >= COOKIE_MAX_AGE) bump(Stat.SyncookiesFailed);
  if (!checked || stale >= COOKIE_MAX_AGE) {
    bump(Stat.OutRsts);
    send(EV_RST, c, cGen, 0, 0);
    return;
  }
  bump(Stat.SyncookiesRecv);
  if (acceptQueueFull(aqLen(id), lrLimit(id))) {
    // The cookie is stateless: the ACK is dropped and the client, which believes it is
    // connected, stays so until it sends again (tcp_get_cookie_sock fails; policy:
    // cookieOverflowResets).
    bump(Stat.ListenOverflows);
    countDrop(l);
    if (cookieOverflowResets()) {
      bump(Stat.OutRsts);
      send(EV_RST, c, cGen, 0, 0);
    }
    return;
  }
  let ch = sockAlloc();
  if (ch == NONE) { countDrop(l); return; }
  setState(ch, SocketState.ESTABLISHED);
  initServerSide(ch, l, c);
  // The segment's data reaches the child with it (tcp_child_process), and the server's
  // ACK of it empties the client's send queue and stops its retransmission timer: a new
  // EPOLLOUT edge for the client (sk_stream_write_space).
  sqDeliver(c, ch);
  forgetCookie(c);
  setU32(c, Off.AUX, ch + 1);
  setU32(c, Off.PEERGEN, getGen(ch));
  disarm(c);
  wake(c);
  childReady(id, l, ch, c);
  if (getState(c) == SocketState.FIN_WAIT_1) {
    // The ACK came with the client's FIN (it closed before a server socket existed): the
    // child gets the FIN too.
    send(EV_FIN, ch, getGen(ch), c, cGen);
  }
}

/** reqsk_timer_handler: resend the SYN-ACK with backoff, drop after tcp_synack_retries. */
export function onSynackRto(r: u32): void {
  if (getState(r) != SocketState.SYN_RECEIVED) return;
  let n = <u32>getU8(r, Off.RETRIES);
  bump(Stat.TCPTimeouts);
  // syn_ack_recalc: with TCP_DEFER_ACCEPT an acked request waits for data without
  // SYN-ACKs until the last deferred period, and lives until the deferral is over.
  let l = getU32(r, Off.PARENT) - 1;
  let id = listenerId(l);
  let defer = <u32>getU8(l, Off.DEFER);
  let acked = hasFlag(r, Flag.ACKED);
  // The "young request" shortening (policy/personality.ts synackRetries).
  let maxRetries = synackRetries(<u32>tunable(Tunable.TcpSynackRetries), synqLen(id), synqYoung(id), lrLimit(id));
  let expire = defer == 0 ? n >= maxRetries : n >= maxRetries && (!acked || n >= defer);
  let resend = defer == 0 || !acked || n + 1 >= defer;
  if (expire) {
    bump(Stat.ReqDropped);
    sockDestroy(r);  // off the SYN queue, freed
    return;
  }
  // num_timeout is counted before the retransmitted SYN-ACK is answered: on loopback
  // the client's ACK is processed after the timer handler returns.
  if (n == 0) synqAged(id);     // "if (req->num_timeout++ == 0) atomic_dec(&queue->young);"
  setU8(r, Off.RETRIES, n + 1);
  armTimer(r, EV_SYNACK_RTO, synackRto(n + 1));
  if (!resend) return;
  bump(Stat.TCPSynRetrans);     // inet_rtx_syn_ack -> tcp_rtx_synack: "LINUX_MIB_TCPSYNRETRANS"
  let c = getU32(r, Off.AUX) - 1;
  send(EV_SYNACK, c, getU32(r, Off.PEERGEN), r, getGen(r));
}
