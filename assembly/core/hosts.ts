// Hosts: machines inside one kernel, as Linux network namespaces with the operating
// system chosen per namespace (docs/network.md). A host has its own personality,
// tunables, counters, random stream (ephemeral ports), descriptor table and port
// tables; addresses belong to one host (tables/addresses.ts owner). Sockets, the
// clock and the event heap are shared: a socket records its host (Off.HOST).
//
// The rest of the kernel reads "the current host" through module globals (policy/,
// core/stats.ts, core/fd_table.ts, core/prng.ts). hostEnter switches them: a system
// call runs on the host the caller selected (sk_host_select), an event on the host
// of the socket that receives it (tcp/events.ts). Entering the host already current
// costs one compare, so a kernel that never makes a second host runs as before.
//
// Host record layout (REC bytes, in one array that doubles; a record's address is
// not kept across hostCreate):
//    0 u8   personality
//    8 u64  prng state (while the host is not current)
//   16      descriptor table globals (fd_table.ts fdSave / fdLoad), FD_STATE_BYTES
//   TUN     tunables, TUNABLES_BYTES (hosts >= 1; host 0's are in tunables.ts)
//   STA     counters, STATS_BYTES (hosts >= 1; host 0's are in stats.ts)
//   PRI u32 primary address index+1 (the source address for other hosts), 0 none
//   TW  u32 its sockets in TIME_WAIT (tcp/teardown.ts; tcp_max_tw_buckets is per host)
// A host without sockets costs REC bytes (under 512); its descriptor table (4.6 KiB)
// is made at its first descriptor and its port entries at its first bind.

import { Errno } from "./errno";
import { FD_STATE_BYTES, fdFree, fdLoad, fdSave } from "./fd_table";
import { prngState, seed, setPrngState } from "./prng";
import { STATS_BYTES, resetStats, useStats } from "./stats";
import { Personality, setDefaults, usePersonality } from "../policy/personality";
import { TUNABLES_BYTES, useTunables } from "../policy/tunables";

const FD_AT: usize = 16;
const TUN_AT: usize = (FD_AT + FD_STATE_BYTES + 7) & ~7;
const STA_AT: usize = TUN_AT + TUNABLES_BYTES;
const PRI_AT: usize = STA_AT + STATS_BYTES;
const TW_AT: usize = PRI_AT + 4;
export const HOST_RECORD_BYTES: usize = (TW_AT + 4 + 7) & ~7;

/** At most this many hosts (a socket's host id is kept in 32 bits; this bounds memory). */
export const MAX_HOSTS: u32 = 1 << 20;

let base: usize = 0;
let capacity: u32 = 0;
let count: u32 = 0;
let cur: u32 = 0;

// @ts-ignore: decorator
@inline function rec(h: u32): usize { return base + <usize>h * HOST_RECORD_BYTES; }

/** sk_init: host 0 only, current; every other host's tables freed. */
export function hostsInit(p: Personality, seedValue: u64): void {
  if (base != 0) {
    fdSave(rec(cur) + FD_AT);   // the globals hold the current host's table
    for (let h: u32 = 0; h < count; h++) { fdLoad(rec(h) + FD_AT); fdFree(); }
    heap.free(base);
  }
  capacity = 16; count = 1; cur = 0;
  base = heap.alloc(<usize>capacity * HOST_RECORD_BYTES);
  memory.fill(base, 0, HOST_RECORD_BYTES);
  store<u8>(base, <u8>p);
  useTunables(0); useStats(0); usePersonality(p);
  setDefaults(p);
  seed(seedValue);
  resetStats();
  fdLoad(base + FD_AT);         // no table yet: sk_init makes host 0's (fdInit)
}

/** A new host with its personality's defaults and its own seed; its id, or -errno. */
export function hostCreate(p: i32, seedValue: u64): i32 {
  if (<u32>p > 2) return -Errno.EINVAL;
  if (count >= MAX_HOSTS) return -Errno.ENOSPC;
  if (count == capacity) {
    capacity <<= 1;
    base = heap.realloc(base, <usize>capacity * HOST_RECORD_BYTES);
    if (cur != 0) { useTunables(rec(cur) + TUN_AT); useStats(rec(cur) + STA_AT); }
  }
  let h = count++;
  let r = rec(h);
  memory.fill(r, 0, HOST_RECORD_BYTES);
  store<u8>(r, <u8>p);
  // The defaults are written through the current-table pointers: point them at the
  // new host for that, then back.
  let was = cur;
  useTunables(r + TUN_AT);
  setDefaults(<Personality>p);
  usePersonality(<Personality>load<u8>(rec(was)));
  useTunables(was == 0 ? 0 : rec(was) + TUN_AT);
  // Each host's own SplitMix64 stream (seed() xors the same constant).
  store<u64>(r, seedValue ^ 0x9e3779b97f4a7c15, 8);
  return <i32>h;
}

/** Makes h the current host (its personality, tunables, counters, descriptors, random stream). */
export function hostEnter(h: u32): void {
  if (h == cur) return;
  let r = rec(cur);
  store<u64>(r, prngState(), 8);
  fdSave(r + FD_AT);
  r = rec(h);
  usePersonality(<Personality>load<u8>(r));
  useTunables(h == 0 ? 0 : r + TUN_AT);
  useStats(h == 0 ? 0 : r + STA_AT);
  setPrngState(load<u64>(r, 8));
  fdLoad(r + FD_AT);
  cur = h;
}

// @ts-ignore: decorator
@inline export function currentHost(): u32 { return cur; }
// @ts-ignore: decorator
@inline export function hostCount(): u32 { return count; }
export function isHostId(h: i32): bool { return <u32>h < count; }

/** The host's primary address (index+1; 0 none): the source it uses to reach other hosts. */
export function hostPrimary(h: u32): u32 { return load<u32>(rec(h) + PRI_AT); }
export function setHostPrimary(h: u32, idx1: u32): void { store<u32>(rec(h) + PRI_AT, idx1); }

/**
 * The host's sockets in TIME_WAIT. Linux counts them per network namespace
 * (`net->ipv4.tcp_death_row`: `inet_twsk_alloc` checks `refcount_read(&dr->tw_refcount) - 1
 * >= READ_ONCE(dr->sysctl_max_tw_buckets)`), so one host's TIME_WAITs never crowd out
 * another's.
 */
export function hostTimeWait(h: u32): u32 { return load<u32>(rec(h) + TW_AT); }
export function hostTimeWaitAdd(h: u32, delta: i32): void {
  let p = rec(h) + TW_AT;
  store<u32>(p, load<u32>(p) + <u32>delta);
}

/** Bytes held by the host records (not their descriptor and port tables). */
export function hostsBytes(): usize { return <usize>capacity * HOST_RECORD_BYTES; }
