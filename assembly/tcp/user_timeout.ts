// TCP_USER_TIMEOUT (tcp(7); net/ipv4/tcp.c do_tcp_setsockopt, net/ipv4/tcp_timer.c
// tcp_write_timeout / tcp_clamp_rto_to_user_timeout; docs/personalities.md §8): how
// long, in ms, transmitted data may stay unacknowledged before the connection is
// given up; 0 (the default) leaves it to the retransmission count.
//
// The value is Linux's icsk_user_timeout, kept beside the socket table in one u32 per
// slot (the 80-byte record has no word to spare): `table` grows to the highest slot
// that ever had a value, so sockets that never set it cost nothing and a lookup is a
// bounds check and a load. core/release.ts sockDestroy clears a slot's value when the
// socket is freed, so a reused slot starts at 0.
//
// The time the unacknowledged transmission began (Linux retrans_stamp) is the socket's
// Off.RETRANS_STAMP_MS (core/socket.ts).

import { Off, getU32, setU32 } from "../core/socket";
import { nowUs } from "../storage/timer_heap";

let table: usize = 0;
let cap: u32 = 0;

export function userTimeoutInit(): void {
  if (table != 0) heap.free(table);
  table = 0; cap = 0;
}

/** Socket s's TCP_USER_TIMEOUT in ms, 0 when unset. */
export function userTimeoutOf(s: u32): u32 {
  return s < cap ? load<u32>(table + (<usize>s << 2)) : 0;
}

/** Sets s's TCP_USER_TIMEOUT (ms; 0 turns it off). */
export function setUserTimeout(s: u32, ms: u32): void {
  if (s >= cap) {
    if (ms == 0) return;
    let ncap: u32 = cap == 0 ? 1024 : cap;
    while (ncap <= s) ncap <<= 1;
    table = table == 0 ? heap.alloc(<usize>ncap << 2) : heap.realloc(table, <usize>ncap << 2);
    memory.fill(table + (<usize>cap << 2), 0, <usize>(ncap - cap) << 2);
    cap = ncap;
  }
  store<u32>(table + (<usize>s << 2), ms);
}

export function userTimeoutBytes(): usize { return <usize>cap << 2; }

// @ts-ignore: decorator
@inline function nowMs(): u32 { return <u32>(nowUs() / 1000); }

/** The first transmission of what is now being retransmitted (tcp_connect: the first SYN). */
export function stampRetrans(s: u32): void { setU32(s, Off.RETRANS_STAMP_MS, nowMs()); }

/**
 * tcp_write_timeout's second test: "if (!expired) expired = retransmits_timed_out(sk,
 * retry_until, READ_ONCE(icsk->icsk_user_timeout));" with a user timeout set --
 * something was retransmitted ("if (!inet_csk(sk)->icsk_retransmits) return false;")
 * and the first transmission is at least user_timeout ms old.
 */
export function userTimedOut(s: u32, retransmits: u32): bool {
  let uto = userTimeoutOf(s);
  if (uto == 0 || retransmits == 0) return false;
  return nowMs() - getU32(s, Off.RETRANS_STAMP_MS) >= uto;
}

/**
 * tcp_clamp_rto_to_user_timeout: the next retransmission timer, `rtoUs`, cut to the
 * time the user timeout leaves: "remaining = user_timeout - elapsed; if (remaining <=
 * 0) return 1; ... rto = min(icsk->icsk_rto, (u32)msecs_to_jiffies(remaining));" --
 * one jiffy taken as 1 ms (HZ = 1000).
 */
export function clampRto(s: u32, rtoUs: i64): i64 {
  let uto = userTimeoutOf(s);
  if (uto == 0) return rtoUs;
  let remaining = <i64>uto - <i64>(nowMs() - getU32(s, Off.RETRANS_STAMP_MS));
  if (remaining <= 0) return 1000;
  let r = remaining * 1000;
  return r < rtoUs ? r : rtoUs;
}
