// TIME_WAIT sockets by 4-tuple, and connect()'s reuse of one: net/ipv4/tcp_ipv4.c
// tcp_twsk_unique, which inet_hashtables.c __inet_check_established asks when the
// 4-tuple connect() wants is taken (docs/personalities.md §8 "tcp_tw_reuse").
//
// Linux keeps its timewait sockets in the established hash: TIME_WAIT, and an orphan
// in FIN_WAIT2 (tcp_close / tcp_rcv_state_process: "tcp_time_wait(sk, TCP_FIN_WAIT2,
// tmo)" when tcp_fin_timeout <= TCP_TIMEWAIT_LEN), so the lookup that finds a tuple
// taken finds its owner. The tuple table here (tables/tuples.ts) answers only "is it
// taken?"; this index maps the tuples of those sockets to their slot, so that each
// candidate costs one more O(1) lookup, never a walk of a port's sockets.
//
// Entry (storage/u64_hash.ts, 24 bytes): u64 key (tables/tuples.ts tupleOf; never 0),
// u32 slot + 1, and the two stamps tcp_twsk_unique reads: u32 tw_entry_stamp (ms of the
// simulated clock), u32 tw_ts_recent_stamp (stampSecs), u32 unused. They live here, not
// in the socket record, whose words the connection's other states use.

import { sockDestroy } from "../core/release";
import { Flag, Off, getU16, hasFlag } from "../core/socket";
import { SocketState, getState } from "../core/state";
import { Stat, bump } from "../core/stats";
import { connectRecyclesTimeWait } from "../policy/personality";
import { Tunable, tunable } from "../policy/tunables";
import { U64Hash, u64HashBytes, u64HashFind, u64HashInit, u64HashMake, u64HashRemove } from "../storage/u64_hash";
import { nowUs } from "../storage/timer_heap";
import { isLoopback } from "../tables/addresses";
import { connInsert, tupleOf } from "../tables/tuples";

const index = changetype<U64Hash>(memory.data(offsetof<U64Hash>()));
const ENTRY: u32 = 24;
/** Byte offsets in an entry. */
const SLOT: usize = 8, ENTRY_MS: usize = 12, TS_SECS: usize = 16;

export function twIndexInit(): void { u64HashInit(index, 256, ENTRY); }

/** Timewait sockets indexed now (for memory reports). */
export function twIndexCount(): u32 { return index.count; }
export function twIndexBytes(): usize { return u64HashBytes(index); }

// @ts-ignore: decorator
@inline function nowMs(): u32 { return <u32>(nowUs() / 1000); }
/**
 * ktime_get_seconds() + 1: Linux's clock counts from boot and a stamp of 0 means "no
 * timestamp seen"; the simulated clock starts at 0, so stamps are kept one higher.
 */
// @ts-ignore: decorator
@inline function stampSecs(): u32 { return <u32>(nowUs() / 1000000) + 1; }

/**
 * Socket s (connected by connect(), so its 4-tuple is in the tuple table) becomes a
 * timewait socket: TIME_WAIT, or an orphan whose FIN was acknowledged (FIN_WAIT2).
 * tcp_time_wait stamps tw_entry_stamp (6.13+: "tw->tw_entry_stamp =
 * tcp_time_stamp_ms(tp)") once, when the timewait socket is made; the timestamp of
 * the last segment (tw_ts_recent_stamp = ktime_get_seconds()) again for each segment
 * that reaches it (tcp_timewait_state_process: the FIN that ends FIN_WAIT2).
 */
export function twEnter(s: u32): void {
  if (!hasFlag(s, Flag.TUPLED)) return;        // an accepted socket: its tuple is not a client's
  let e = u64HashMake(index, tupleOf(s));
  if (load<u32>(e, SLOT) == 0) {
    store<u32>(e, s + 1, SLOT);
    store<u32>(e, nowMs(), ENTRY_MS);
  } else if (!ASC_NO_ASSERT) {
    assert(load<u32>(e, SLOT) == s + 1, "twEnter: another socket holds the tuple");
  }
  store<u32>(e, stampSecs(), TS_SECS);
}

/** Whether s is in the index under its own slot (core/check.ts). */
export function twIndexed(s: u32): bool {
  if (!hasFlag(s, Flag.TUPLED)) return false;
  let e = u64HashFind(index, tupleOf(s));
  return load<u64>(e) != 0 && load<u32>(e, SLOT) == s + 1;
}

/** Socket s leaves the index (core/release.ts sockDestroy), if it is there. */
export function twLeave(s: u32): void {
  if (!hasFlag(s, Flag.TUPLED)) return;
  let e = u64HashFind(index, tupleOf(s));
  if (load<u64>(e) != 0 && load<u32>(e, SLOT) == s + 1) u64HashRemove(index, e);
}

/**
 * net/ipv4/tcp_ipv4.c tcp_twsk_unique, for a connect() that found `key` taken: true
 * when a timewait socket holds it and lets it go -- the socket is killed through the
 * one release door (inet_twsk_deschedule_put), TWRecycled is counted
 * (__inet_check_established: "__NET_INC_STATS(net, LINUX_MIB_TIMEWAITRECYCLED)") and
 * the tuple is entered for the caller. `bound`: the socket had its port before
 * connect() (__inet_hash_connect "if (port) ... check_established(death_row, sk,
 * port, NULL)": twp == NULL), which skips tcp_tw_reuse and the delay entirely:
 *
 *   if (ts_recent_stamp && (!twp || (reuse && time_after32(now, reuse_thresh))))
 *
 * (the new connection's write_seq = tw_snd_nxt + 65535 + 2 and ts_recent are not
 * modelled: nothing here carries sequence numbers or timestamps).
 */
export function twRecycle(key: u64, bound: bool): bool {
  if (!connectRecyclesTimeWait()) return false;
  let e = u64HashFind(index, key);
  if (load<u64>(e) == 0) return false;
  let tw = load<u32>(e, SLOT) - 1;
  // Linux negotiates timestamps (tcp_timestamps = 1) on every connection here, so
  // tw_ts_recent_stamp is never 0.
  if (!bound) {
    let reuse = tunable(Tunable.TcpTwReuse);
    // 6.11+ (and the stable trees after it): "if (READ_ONCE(tw->tw_substate) == TCP_FIN_WAIT2) reuse = 0;"
    if (getState(tw) == SocketState.FIN_WAIT_2 && tunable(Tunable.TwReuseFinWait2) == 0) reuse = 0;
    // "if (reuse == 2) { ... if (ipv4_is_loopback(tw->tw_daddr) || ipv4_is_loopback(tw->tw_rcv_saddr)) loopback = true; ... if (!loopback) reuse = 0; }"
    if (reuse == 2 && !isLoopback(getU16(tw, Off.PADDR)) && !isLoopback(getU16(tw, Off.LADDR))) reuse = 0;
    if (reuse == 0) return false;
    if (tunable(Tunable.TwReuseWholeSeconds) != 0) {
      // 5.15-6.12: "time_after32(ktime_get_seconds(), tcptw->tw_ts_recent_stamp)"
      if (<i32>(stampSecs() - load<u32>(e, TS_SECS)) <= 0) return false;
    } else {
      // 6.13+: "reuse_thresh = READ_ONCE(tw->tw_entry_stamp) + READ_ONCE(...sysctl_tcp_tw_reuse_delay);
      // ... time_after32(tcp_clock_ms(), reuse_thresh)"
      let thresh = load<u32>(e, ENTRY_MS) + <u32>tunable(Tunable.TcpTwReuseDelayMs);
      if (<i32>(nowMs() - thresh) <= 0) return false;
    }
  }
  bump(Stat.TWRecycled);
  sockDestroy(tw);
  let entered = connInsert(key);
  if (!ASC_NO_ASSERT) assert(entered, "twRecycle: the tuple is still taken");
  return true;
}
