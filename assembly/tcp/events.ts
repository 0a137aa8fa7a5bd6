// TCP packets and timers as events between sockets: the event kinds, sending a packet
// (handled at once on loopback, or scheduled after the link delay), arming a socket's
// timer, and the dispatch of every event when the clock moves (advance).
//
// With a link delay of 0 (loopback), a packet is handled the moment it is sent, so a
// connect() to a listener with room completes inside the call, as it does on Linux
// loopback. With a delay, each packet is an event on the simulated clock, and
// requests wait in the listener's SYN queue for their final ACK.
//
// The handlers live by side: tcp/client.ts (SYN, SYN-ACK, SYN retransmits),
// tcp/listener.ts (SYN at a listener, the final ACK, cookies, SYN-ACK retransmits),
// tcp/teardown.ts (RST, FIN, TIME_WAIT), tcp/accept_filter.ts.

import { Errno } from "../core/errno";
import { sockDestroy } from "../core/release";
import { NONE, Off, getGen, getU16, getU32, isAlive, setU32 } from "../core/socket";
import { SocketState, getState } from "../core/state";
import { Stat, bump } from "../core/stats";
import { wake } from "../io/epoll";
import { Arrival, rxArrive, rxFinWaits, rxGapDue } from "../io/rx_queue";
import { Tunable, tunable } from "../policy/tunables";
import { CLOCK_END_US, cancelTimer, nextTime, nowUs, pop, popped, schedule, scheduleTimer, setNow } from "../storage/timer_heap";
import { currentHost, hostCount, hostEnter } from "../core/hosts";
import { SHARED, addressOwner } from "../tables/addresses";
import { EV_GAP, EV_LINK, EV_RTX, FILLS_GAP, onLinkChange, onRtx, wireSend } from "./wire";
import { filterCheck } from "./accept_filter";
import { onCookieRto, onSynAck, onSynRto } from "./client";
import { dataArrivedAtRequest, onAck, onAckCookie, onSyn, onSynackRto } from "./listener";
import { onFin, onFinAck, onOrphanTimer, onRst } from "./teardown";

export const EV_SYN: u32 = 1;          // a = client
export const EV_SYNACK: u32 = 2;       // a = client, b = request
export const EV_SYNACK_COOKIE: u32 = 3;// a = client, b = listener; the cookie's period in the kind word's bits 8-31
export const EV_ACK: u32 = 4;          // a = request, b = client
export const EV_ACK_COOKIE: u32 = 5;   // a = listener, b = client; the cookie's period in the kind word's bits 8-31
export const EV_RST: u32 = 6;          // a = socket that receives the reset
export const EV_RST_REQ: u32 = 7;      // a = request that receives the reset
export const EV_FIN: u32 = 8;          // a = peer that receives the FIN
export const EV_SYN_RTO: u32 = 9;      // a = client (timer)
export const EV_SYNACK_RTO: u32 = 10;  // a = request (timer)
export const EV_DATA: u32 = 11;        // a = receiver, b = bytes (| FILLS_GAP: a retransmission, tcp/wire.ts)
export const EV_FIN_ACK: u32 = 12;     // a = the socket whose FIN is acknowledged
export const EV_CLOSE_TIMER: u32 = 13; // a = an orphan: TIME_WAIT, FIN_WAIT_2, or its FIN unacknowledged (timer)
// 14 EV_RTX, 15 EV_LINK and 17 EV_GAP: tcp/wire.ts
export const EV_COOKIE_RTO: u32 = 16;  // a = a cookie client with data or a FIN outstanding (timer, client.ts onCookieRto)

/**
 * The host that receives a packet: a SYN goes to the host owning the client's peer
 * address, every other packet to its socket `a`'s host. A dead `a` stays on the
 * sender's host (its handler drops it).
 */
function receiverHost(kind: u32, a: u32, aGen: u32): u32 {
  if (!isAlive(a, aGen)) return currentHost();
  if (kind == EV_SYN) {
    let o = addressOwner(getU16(a, Off.PADDR));
    return o == SHARED ? getU32(a, Off.HOST) : o;
  }
  return getU32(a, Off.HOST);
}

/**
 * Sends a packet. Between sockets of one host: handled now on loopback, or delivered
 * after the host's link delay. Between hosts: across the link model (tcp/wire.ts).
 */
export function send(kind: u32, a: u32, aGen: u32, b: u32, bGen: u32): void {
  if (hostCount() > 1) {             // a kernel with one host has no links to look at
    let src = currentHost(), dst = receiverHost(kind, a, aGen);
    if (dst != src) { wireSend(src, dst, kind, a, aGen, b, bGen, 0); return; }
  }
  let d = tunable(Tunable.LinkDelayUs);
  if (d == 0) handle(kind, a, aGen, b, bGen, 0);
  else schedule(d, kind, a, aGen, b, bGen);
}

/** Arms s's timer, replacing the one it had (removed from the heap). */
export function armTimer(s: u32, kind: u32, delay: i64): void {
  setU32(s, Off.TIMER, scheduleTimer(delay, kind, s, getGen(s)));
}

/** Stops s's timer: its event leaves the heap at once. */
export function disarm(s: u32): void {
  cancelTimer(s);
  setU32(s, Off.TIMER, 0);
}

/** Bytes on the wire for `r` (link delay > 0, or r on another host). */
export function scheduleData(r: u32, bytes: u32, records: u32): void {
  if (hostCount() > 1) {
    let src = currentHost(), dst = getU32(r, Off.HOST);
    if (dst != src) { wireSend(src, dst, EV_DATA, r, getGen(r), bytes, records, 0); return; }
  }
  schedule(tunable(Tunable.LinkDelayUs), EV_DATA, r, getGen(r), bytes, records);
}

/** Dispatches one packet or timer. `seq` is the event's seq (0 for loopback packets). */
function handle(kind: u32, a: u32, aGen: u32, b: u32, bGen: u32, seq: u32): void {
  switch (kind & 0xff) {
    case EV_SYN: onSyn(a, aGen); break;
    case EV_SYNACK: onSynAck(a, aGen, b, bGen, false, 0); break;
    case EV_SYNACK_COOKIE: onSynAck(a, aGen, b, bGen, true, kind >> 8); break;
    case EV_ACK: onAck(a, aGen, b, bGen); break;
    case EV_ACK_COOKIE: onAckCookie(a, aGen, b, bGen, kind >> 8); break;
    case EV_RST: if (isAlive(a, aGen)) onRst(a); break;
    case EV_RST_REQ:
      if (isAlive(a, aGen) && getState(a) == SocketState.SYN_RECEIVED) {
        // tcp_check_req: "if (flg & (TCP_FLAG_RST|TCP_FLAG_SYN)) ... goto embryonic_reset"
        bump(Stat.AttemptFails); bump(Stat.EmbryonicRsts);
        sockDestroy(a);
      }
      break;
    case EV_FIN: if (isAlive(a, aGen) && !rxFinWaits(a)) onFin(a, b, bGen); break;
    case EV_FIN_ACK: if (isAlive(a, aGen)) onFinAck(a); break;
    // A retransmission (| FILLS_GAP, tcp/wire.ts) names the hole it fills in bGen.
    case EV_DATA: if (isAlive(a, aGen)) arrived(a, rxArrive(a, b, (kind & FILLS_GAP) != 0 ? <i64>bGen : -1), true); break;
    case EV_GAP: if (isAlive(a, aGen)) arrived(a, rxGapDue(a), false); break;
    case EV_CLOSE_TIMER: if (isAlive(a, aGen) && getU32(a, Off.TIMER) == seq) onOrphanTimer(a); break;
    case EV_SYN_RTO: if (isAlive(a, aGen) && getU32(a, Off.TIMER) == seq) onSynRto(a); break;
    case EV_SYNACK_RTO: if (isAlive(a, aGen) && getU32(a, Off.TIMER) == seq) onSynackRto(a); break;
    case EV_COOKIE_RTO: if (isAlive(a, aGen) && getU32(a, Off.TIMER) == seq) onCookieRto(a); break;
    default:
      if ((kind & 0xff) == EV_RTX) onRtx(kind, a, aGen, b, bGen);
  }
}

/**
 * Bytes of r's stream arrived (io/rx_queue.ts rxArrive / rxGapDue: `got`); `segment`: a
 * data segment came, whose ACK counts even behind a hole (a request completes).
 */
function arrived(r: u32, got: i32, segment: bool): void {
  if (segment && getState(r) == SocketState.SYN_RECEIVED) dataArrivedAtRequest(r);
  if (got == Arrival.HELD) return;
  wake(r);
  filterCheck(r);
  if (got == Arrival.FIN_TOO && isAlive(r, getGen(r))) {
    let p = getU32(r, Off.AUX);    // the FIN's sender is the peer
    onFin(r, p == 0 ? NONE : p - 1, getU32(r, Off.PEERGEN));
  }
}

/**
 * Moves the clock forward by `us` microseconds, firing every event due on the way in
 * (time, seq) order. Returns the number of events handled.
 */
// The host the caller selected (sk_host_select): system calls run on it, and advance
// comes back to it after running each event on its own host.
let selected: u32 = 0;
export function selectHost(h: u32): void { selected = h; hostEnter(h); }
export function selectedHost(): u32 { return selected; }

export function advance(us: i64): i32 {
  if (us < 0 || us > CLOCK_END_US - nowUs()) return -Errno.EINVAL;
  let end = nowUs() + us;
  let n = 0;
  while (true) {
    let t = nextTime();
    if (t > end) break;                    // NO_EVENT is later than any end
    pop();
    setNow(t);
    let kind = popped.kind, a = popped.a, aGen = popped.aGen;
    if (kind == EV_LINK) {
      onLinkChange(a, aGen, popped.b, popped.bGen);
    } else {
      // An event runs on the host of the socket that receives it (tcp/wire.ts onRtx
      // moves to the sender's). A slot freed and reused by AF_UNIX holds no host id.
      if (kind != EV_RTX && (kind & 0xff) != EV_RTX) {
        let h = receiverHost(kind, a, aGen);
        if (h < hostCount()) hostEnter(h);
      }
      handle(kind, a, aGen, popped.b, popped.bGen, popped.seq);
    }
    n++;
  }
  hostEnter(selected);
  setNow(end);
  return n;
}
