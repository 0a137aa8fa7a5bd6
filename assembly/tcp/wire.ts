// The wire between hosts (docs/network.md, section 4): a packet from one host to
// another crosses the link model (assembly/net/) and becomes an event at its delivery
// time; a lost, queue-dropped or partitioned one becomes nothing (the link counted
// it) and the sender's timers do the rest; a held one waits in `parked` until the
// link is released. Packets between sockets of one host never come here (loopback,
// tcp/events.ts send).
//
// Retransmission of what the handshake timers do not cover: data and FIN segments
// (RFC 6298 with each host's bounds, policy/personality.ts dataRto*). A lost one is
// sent again after the RTO, doubled per loss, and the connection ends with ETIMEDOUT
// after the personality's retries (tcp_retries2 / TCP_MAXRXTSHIFT). The retry count
// and the original kind ride in the event's kind word: EV_RTX | kind << 8 | n << 16.

import { hostEnter } from "../core/hosts";
import { Off, getU32, isAlive } from "../core/socket";
import { Stat, bump } from "../core/stats";
import { dataRetries } from "../policy/personality";
import { sqLen } from "../io/send_queue";
import { rtoOf } from "./rtt";
import { clampRto, stampRetrans, userTimedOut, userTimeoutOf } from "./user_timeout";
import { writeTimedOut } from "./teardown";
import { rxLost } from "../io/rx_queue";
import { schedule, nowUs } from "../storage/timer_heap";
import { LinkOp, linkApply, linkLastDelivery, linkReleaseNext, linkReleasedToken, linkTransmit } from "../net/index";

/** Retransmission of a lost data or FIN segment: a timer of the sender. */
export const EV_RTX: u32 = 14;
/** A staged link change (net/changes.ts) comes due: a = change id, b = src host, bGen = dst host, seq = op. */
export const EV_LINK: u32 = 15;
/** A lost data segment would have arrived by now (a = receiver): its hole is due (io/rx_queue.ts rxGapDue). */
export const EV_GAP: u32 = 17;

/** Marks an EV_DATA event that carries a retransmission: it fills the hole its bGen names (io/rx_queue.ts rxArrive). */
export const FILLS_GAP: u32 = 1 << 8;

const HELD: i64 = -4;

/** Bytes on the wire: 40 of IPv4 + TCP headers (20 more for the SYN and SYN-ACK options), plus the payload. */
function wireBytes(kind: u32, b: u32): i32 {
  if (kind == 11) return 40 + <i32>min(b, <u32>(1 << 29));   // EV_DATA: b = bytes
  if ((kind & 0xff) == 5) return 40 + <i32>min(sqLen(b), <u32>(1 << 29)); // EV_ACK_COOKIE: b = the client, with its queued data
  return (kind & 0xff) <= 3 ? 60 : 40;                        // EV_SYN, EV_SYNACK(_COOKIE); a cookie's period rides in bits 8-31
}

// Held packets: 5 words each (kind, a, aGen, b, bGen) by token (index + 1), with a
// free list threaded through the first word. The token is chosen before the packet
// is sent (peekToken) and taken only if the link holds it.
const PARK: usize = 20;
let parked: usize = 0;
let parkedCap: u32 = 0;
let parkedUsed: u32 = 0;    // records ever handed out
let parkedFree: u32 = 0;    // first free token, 0 when none

export function wireInit(): void {
  if (parked != 0) heap.free(parked);
  parked = 0; parkedCap = 0; parkedUsed = 0; parkedFree = 0;
}

// @ts-ignore: decorator
@inline function peekToken(): u32 { return parkedFree != 0 ? parkedFree : parkedUsed + 1; }

function park(token: u32, kind: u32, a: u32, aGen: u32, b: u32, bGen: u32): void {
  if (token == parkedFree) parkedFree = load<u32>(parked + <usize>(token - 1) * PARK);
  else {
    if (parkedUsed == parkedCap) {
      parkedCap = parkedCap == 0 ? 64 : parkedCap << 1;
      parked = parked == 0 ? heap.alloc(<usize>parkedCap * PARK) : heap.realloc(parked, <usize>parkedCap * PARK);
    }
    parkedUsed++;
  }
  let p = parked + <usize>(token - 1) * PARK;
  store<u32>(p, kind); store<u32>(p, a, 4); store<u32>(p, aGen, 8); store<u32>(p, b, 12); store<u32>(p, bGen, 16);
}

/** Packets held on links now (for memory reports). */
export function parkedBytes(): usize { return <usize>parkedCap * PARK; }

/**
 * A packet from host src to host dst (src != dst): an event at its delivery time, held
 * until its link is released, or lost (`retries`: how often it was sent before).
 */
export function wireSend(src: u32, dst: u32, kind: u32, a: u32, aGen: u32, b: u32, bGen: u32, retries: u32): void {
  let now = nowUs();
  let token = peekToken();
  let t = linkTransmit(<i32>src, <i32>dst, wireBytes(kind, b), now, token);
  let k = kind == 11 && retries != 0 ? kind | FILLS_GAP : kind;
  if (t >= 0) schedule(t - now, k, a, aGen, b, bGen);
  else if (t == HELD) park(token, k, a, aGen, b, bGen);
  else lost(src, dst, kind, a, aGen, b, bGen, retries);
}

/** The sender of a data or FIN segment finds out by its timer: retransmit after its RTO (tcp/rtt.ts). */
function lost(src: u32, dst: u32, kind: u32, a: u32, aGen: u32, b: u32, bGen: u32, retries: u32): void {
  if (kind != 11 && kind != 8) return;     // EV_DATA, EV_FIN; the handshake's own timers cover SYN, SYN-ACK, ACK; RST is never resent
  let s = rtxSender(kind, a, aGen, b, bGen);
  if (s < 0) return;
  if (retries == 0) stampRetrans(<u32>s); // retrans_stamp: TCP_USER_TIMEOUT counts from the first transmission
  if (kind == 11 && retries == 0) {
    // A hole at the receiver, named in the retransmission's bGen (a stream segment's
    // records word is 0). Later segments wait for it (R5) from when it would have
    // arrived: after every segment sent before it (no reordering), before any after it.
    bGen = rxLost(a, b);
    let now = nowUs(), at = linkLastDelivery(<i32>src, <i32>dst);
    schedule(at > now ? at - now : 0, EV_GAP, a, aGen, 0, 0);
  }
  // tcp_clamp_rto_to_user_timeout: never past the user timeout.
  schedule(clampRto(<u32>s, rtoOf(<u32>s, retries)), EV_RTX | (kind << 8) | ((retries + 1) << 16), a, aGen, b, bGen);
}

/** The socket that sends the segment an EV_RTX event retransmits, or -1 when its connection is gone. */
function rtxSender(kind: u32, a: u32, aGen: u32, b: u32, bGen: u32): i32 {
  if (!isAlive(a, aGen)) return -1;
  if (kind == 8) return isAlive(b, bGen) ? <i32>b : -1;   // EV_FIN: b = sender
  let p = getU32(a, Off.AUX);                            // EV_DATA: a's peer
  return p == 0 ? -1 : <i32>(p - 1);
}

/** EV_RTX: the segment goes again, from its sender's host, on the sender's schedule. */
export function onRtx(word: u32, a: u32, aGen: u32, b: u32, bGen: u32): void {
  let kind = (word >> 8) & 0xff, retries = word >> 16;
  let s = rtxSender(kind, a, aGen, b, bGen);
  if (s < 0) return;
  let src = getU32(<u32>s, Off.HOST);
  hostEnter(src);
  // tcp_retransmit_timer -> tcp_write_timeout, before the segment goes again: "expired =
  // retransmits_timed_out(sk, retry_until, READ_ONCE(icsk->icsk_user_timeout));" -- with
  // TCP_USER_TIMEOUT set, the time since the first transmission (after at least one
  // retransmission) decides; else tcp_retries2 retransmissions (15 Linux, 12 FreeBSD,
  // TCP_MAXRXTSHIFT) are all sent before the next timer gives up.
  let sent = retries - 1;
  if (userTimeoutOf(<u32>s) != 0 ? userTimedOut(<u32>s, sent) : sent >= dataRetries()) {
    writeTimedOut(<u32>s);
    return;
  }
  bump(Stat.TCPTimeouts);
  wireSend(src, getU32(a, Off.HOST), kind, a, aGen, b, bGen, retries);
}

/** EV_LINK: apply a staged change; a release sends every held packet of the link, oldest first. */
export function onLinkChange(id: u32, src: u32, dst: u32, op: u32): void {
  let n = linkApply(<i32>id);
  if (op != <u32>LinkOp.RELEASE) return;
  let now = nowUs();
  for (let i = 0; i < n; i++) {
    let t = linkReleaseNext(<i32>src, <i32>dst, now);
    let tok = linkReleasedToken();
    let r = parked + <usize>(tok - 1) * PARK;
    let kind = load<u32>(r), a = load<u32>(r, 4), aGen = load<u32>(r, 8), b = load<u32>(r, 12), bGen = load<u32>(r, 16);
    if (t == HELD) continue;                // held again: the record keeps its token
    store<u32>(r, parkedFree); parkedFree = tok;
    if (t >= 0) schedule(t - now, kind, a, aGen, b, bGen);
    else lost(src, dst, kind & 0xff, a, aGen, b, bGen, (kind & FILLS_GAP) != 0 ? 1 : 0);   // a retransmission's gap is open already
  }
}
