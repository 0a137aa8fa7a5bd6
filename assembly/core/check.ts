// The consistency check (sk_check): walks every table and says which invariant, if any,
// is broken -- in the spirit of FreeBSD's KASSERTs and Linux's WARN_ON_ONCE, but as an
// export the tests call after every step. O(tables): for tests and debugging, never on
// a per-call path. Returns 0, or the negative number of the first broken invariant.

import { aqAt, aqLen, incqFirst, incqLen, synqFirst, synqLen } from "./accept_queue";
import { fdEntriesCap, fdEntry, fdsUsed } from "./fd_table";
import { Flag, Flag2, Off, getU16, getU32, getU8, hasFlag, socketsHighWater, socketsLive } from "./socket";
import { SocketState, getState } from "./state";
import { EPOLL_DOMAIN } from "../io/epoll";
import { currentHost } from "./hosts";
import { bindHeadOf, bindUsersOf, listenHeadOf } from "../tables/ports";
import { connContains, connCount, tupleOf } from "../tables/tuples";
import { proto, timeWaitSockets } from "../tcp/teardown";
import { twIndexCount, twIndexed } from "../tcp/time_wait";
import { AF_UNIX, SOCK_DGRAM } from "./constants";
import { rxCountSources } from "../io/rx_queue";
import { LOOP6, addrRefs, addressesHighWater } from "../tables/addresses";

/**
 * 21. Every address's reference count is what holds it: the local and peer addresses of
 * live sockets and the sources of queued datagrams (tables/addresses.ts).
 */
function checkAddressRefs(hw: u32): i32 {
  let n = addressesHighWater();
  let counts = heap.alloc(<usize>n << 2);
  memory.fill(counts, 0, <usize>n << 2);
  for (let s: u32 = 0; s < hw; s++) {
    if (getState(s) == SocketState.FREE || getU8(s, Off.DOMAIN) == EPOLL_DOMAIN) continue;
    let l = counts + (<usize>getU16(s, Off.LADDR) << 2), p = counts + (<usize>getU16(s, Off.PADDR) << 2);
    store<u32>(l, load<u32>(l) + 1);
    store<u32>(p, load<u32>(p) + 1);
    if (getU8(s, Off.TYPE) == SOCK_DGRAM && getU8(s, Off.DOMAIN) != AF_UNIX) rxCountSources(s, counts);
  }
  let r = 0;
  for (let i: u32 = LOOP6 + 1; i < n; i++) if (load<u32>(counts + (<usize>i << 2)) != addrRefs(i)) { r = -21; break; }
  heap.free(counts);
  return r;
}

/**
 * 22-23. AF_UNIX peer waits (io/peer_wait.ts): each queue's members wait on its owner,
 * its links run both ways (the first's prev names the last), and every waiting socket
 * is on the queue it names: the waiters counted equal the queues' members.
 */
function checkPeerWaits(hw: u32): i32 {
  let waiting: u32 = 0, queued: u32 = 0;
  for (let t: u32 = 0; t < hw; t++) {
    if (getState(t) == SocketState.FREE || getU8(t, Off.DOMAIN) != AF_UNIX) continue;
    if (getU32(t, Off.WAIT_ON) != 0) waiting++;
    let first = getU32(t, Off.PEER_WAIT), prev: u32 = 0;
    for (let n = first; n != 0; n = getU32(n - 1, Off.WAIT_LINK)) {
      let w = n - 1;
      if (getState(w) == SocketState.FREE || getU8(w, Off.DOMAIN) != AF_UNIX || getU32(w, Off.WAIT_ON) != t + 1) return -22;
      if (prev != 0 && getU32(w, Off.WAIT_LINK + 4) != prev) return -23;
      if (++queued > hw) return -23;          // a cycle
      prev = n;
    }
    if (first != 0 && getU32(first - 1, Off.WAIT_LINK + 4) != prev) return -23;
  }
  return waiting == queued ? 0 : -22;
}

export function checkAll(): i32 {
  let hw = socketsHighWater();
  // 1. Descriptors name live sockets that know their descriptor.
  let used: u32 = 0;
  for (let fd: u32 = 0; fd < fdEntriesCap(); fd++) {
    let e = fdEntry(fd);
    if (e == 0) continue;
    used++;
    if (e == 1) continue;
    let s = e - 2;
    if (s >= hw || getState(s) == SocketState.FREE) return -1;
    if (getU32(s, Off.FD) != fd) return -2;
  }
  if (used != fdsUsed()) return -3;
  let live: u32 = 0, tupled: u32 = 0, tw: u32 = 0, twIn: u32 = 0, listening: u32 = 0;
  for (let s: u32 = 0; s < hw; s++) {
    let st = getState(s);
    if (st == SocketState.FREE) continue;
    live++;
    let fd = <i32>getU32(s, Off.FD);
    // Descriptors are per host: only the current host's table is checked.
    let own = getU8(s, Off.DOMAIN) == 1 ? currentHost() == 0 : getU32(s, Off.HOST) == currentHost();
    if (fd >= 0 && own && fdEntry(<u32>fd) != s + 2) return -4;
    if (getU8(s, Off.DOMAIN) == EPOLL_DOMAIN) continue;
    if (st == SocketState.TIME_WAIT) {
      tw++;
      if (fd >= 0 || !hasFlag(s, Flag.ORPHAN)) return -5;   // TIME_WAIT belongs to no descriptor
    }
    if (hasFlag(s, Flag.ORPHAN) && fd >= 0) return -6;
    // Epoll registrations belong to a descriptor (eventpoll_release): a socket no
    // descriptor names (an orphan, TIME_WAIT, a queued child) is watched by nothing.
    if (fd < 0 && getU32(s, Off.WATCH) != 0) return -20;
    // 27. A cookie client is ESTABLISHED or FIN_WAIT_1, names its listener and has no
    // peer yet. 28. Only a cookie client has a send queue (io/send_queue.ts): qnext is a
    // list link for listeners, requests, an accept filter's connections and AF_UNIX
    // sockets on a peer-wait list (io/peer_wait.ts).
    let cookie = (getU8(s, Off.FLAGS2) & Flag2.COOKIE) != 0;
    if (cookie && (getU32(s, Off.AUX) != 0 || getU32(s, Off.PARENT) == 0 ||
        (st != SocketState.ESTABLISHED && st != SocketState.FIN_WAIT_1))) return -27;
    let listed = st == SocketState.LISTEN || st == SocketState.SYN_RECEIVED || (getU8(s, Off.FLAGS2) & Flag2.FILTERED) != 0;
    if (!cookie && !listed && getU8(s, Off.DOMAIN) != AF_UNIX && getU32(s, Off.SENDQ) != 0) return -28;
    if (hasFlag(s, Flag.TUPLED)) {
      tupled++;
      let key = tupleOf(s);
      if (!connContains(key)) return -7; // one entry per TUPLED socket: the count below
      // The timewait index (tcp/time_wait.ts): every connected TIME_WAIT socket, and the
      // orphans in FIN_WAIT_2 it holds, under their own slot; nothing else (the count below).
      let indexed = twIndexed(s);
      if (st == SocketState.TIME_WAIT && !indexed) return -24;
      if (indexed) {
        if (st != SocketState.TIME_WAIT && !(st == SocketState.FIN_WAIT_2 && hasFlag(s, Flag.ORPHAN))) return -25;
        twIn++;
      }
    }
    if (st == SocketState.LISTEN) {
      listening++;
      if (getU8(s, Off.DOMAIN) == 1) continue;
      // 4. On its port's listener list.
      let found = false;
      for (let n = listenHeadOf(getU32(s, Off.HOST), getU16(s, Off.LPORT)); n != 0; n = getU32(n - 1, Off.QNEXT)) if (n == s + 1) { found = true; break; }
      if (!found) return -8;
      let id = getU32(s, Off.AUX) - 1;
      // 5. Queued connections belong to this listener and to no descriptor.
      for (let i: u32 = 0; i < aqLen(id); i++) {
        let c = aqAt(id, i);
        if (getU32(c, Off.PARENT) != s + 1 || <i32>getU32(c, Off.FD) >= 0) return -9;
        let cs = getState(c);
        if (cs == SocketState.FREE || cs == SocketState.SYN_RECEIVED || cs == SocketState.LISTEN) return -10;
      }
      let n: u32 = 0;
      for (let r = synqFirst(id); r != 0; r = getU32(r - 1, Off.QNEXT)) {
        n++;
        if (getState(r - 1) != SocketState.SYN_RECEIVED || getU32(r - 1, Off.PARENT) != s + 1) return -11;
      }
      if (n != synqLen(id)) return -12;
      n = 0;
      for (let w = incqFirst(id); w != 0; w = getU32(w - 1, Off.QNEXT)) n++;
      if (n != incqLen(id)) return -13;
    }
  }
  if (live != socketsLive()) return -14;
  let a = checkAddressRefs(hw);
  if (a != 0) return a;
  let w = checkPeerWaits(hw);
  if (w != 0) return w;
  if (tupled != connCount()) return -15;
  if (tw != timeWaitSockets()) return -16;   // the per-host counts (tcp_max_tw_buckets) add up
  if (twIn != twIndexCount()) return -26;
  // 3. Bind lists: links, ports, and the count of bind()-owned members.
  for (let proto: u32 = 0; proto < 2; proto++) {
    for (let port: u32 = 0; port < 65536; port++) {
      let users: u32 = 0, prev: u32 = 0;
      for (let n = bindHeadOf(proto, port); n != 0; n = getU32(n - 1, Off.BNEXT)) {
        let s = n - 1;
        if (getState(s) == SocketState.FREE || !hasFlag(s, Flag.HASHED)) return -17;
        if (getU16(s, Off.LPORT) != port || getU32(s, Off.BPREV) != prev) return -18;
        if (!hasFlag(s, Flag.CONNBOUND)) users++;
        prev = n;
      }
      if (users != bindUsersOf(proto, port)) return -19;
    }
  }
  return 0;
}
