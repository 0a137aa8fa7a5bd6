// TCP_USER_TIMEOUT (tcp(7); net/ipv4/tcp.c do_tcp_setsockopt, net/ipv4/tcp_timer.c
// tcp_write_timeout / tcp_clamp_rto_to_user_timeout; docs/personalities.md §8): how
// long, in ms, transmitted data may stay unacknowledged before the connection is
// given up; 0 (the default) leaves it to the retransmission count.
//
// Beside the socket table (the 80-byte record has no word to spare), 8 bytes per slot:
// u32 icsk_user_timeout, u32 retrans_stamp (ms of the simulated clock when what is being
// retransmitted was first sent; kept only while a user timeout is set). `table` grows to
// the highest slot that ever had a value, so sockets that never set one cost nothing and
// a lookup is a bounds check and a load. core/release.ts sockDestroy clears a slot when
// the socket is freed, so a reused slot starts at 0.

import { nowUs } from "../storage/timer_heap";

let table: usize = 0;
let cap: u32 = 0;

export function userTimeoutInit(): void {
  if (table != 0) heap.free(table);
  table = 0; cap = 0;
}

// @ts-ignore: decorator
@inline function at(s: u32): usize { return table + (<usize>s << 3); }

/** Socket s's TCP_USER_TIMEOUT in ms, 0 when unset. */
export function userTimeoutOf(s: u32): u32 {
  return s < cap ? load<u32>(at(s)) : 0;
}

/** Sets s's TCP_USER_TIMEOUT (ms; 0 turns it off). */
export function setUserTimeout(s: u32, ms: u32): void {
  if (s >= cap) {
    if (ms == 0) return;
    let ncap: u32 = cap == 0 ? 1024 : cap;
    while (ncap <= s) ncap <<= 1;
    table = table == 0 ? heap.alloc(<usize>ncap << 3) : heap.realloc(table, <usize>ncap << 3);
    memory.fill(table + (<usize>cap << 3), 0, <usize>(ncap - cap) << 3);
    cap = ncap;
  }
  store<u32>(at(s), ms);
  // Set in the middle of a retransmission (connect() already sent its SYN), the time
  // counts from here: this kernel kept no stamp while no user timeout was set.
  store<u32>(at(s), ms == 0 ? 0 : nowMs(), 4);
}

export function userTimeoutBytes(): usize { return <usize>cap << 3; }

// @ts-ignore: decorator
@inline function nowMs(): u32 { return <u32>(nowUs() / 1000); }

/**
 * The first transmission of what may be retransmitted next (tcp_connect: the first SYN;
 * an orphan's FIN): retrans_stamp. Kept only for a socket with a user timeout.
 */
export function stampRetrans(s: u32): void {
  if (userTimeoutOf(s) != 0) store<u32>(at(s), nowMs(), 4);
}

/**
 * tcp_write_timeout's second test: "if (!expired) expired = retransmits_timed_out(sk,
 * retry_until, READ_ONCE(icsk->icsk_user_timeout));" with a user timeout set --
 * something was retransmitted ("if (!inet_csk(sk)->icsk_retransmits) return false;")
 * and the first transmission is at least user_timeout ms old.
 */
export function userTimedOut(s: u32, retransmits: u32): bool {
  let uto = userTimeoutOf(s);
  if (uto == 0 || retransmits == 0) return false;
  return nowMs() - load<u32>(at(s), 4) >= uto;
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
  let remaining = <i64>uto - <i64>(nowMs() - load<u32>(at(s), 4));
  if (remaining <= 0) return 1000;
  let r = remaining * 1000;
  return r < rtoUs ? r : rtoUs;
}
