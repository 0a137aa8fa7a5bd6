// Ports: who is bound where, who listens where, and how free ports are chosen.
//
// Per protocol (0 = TCP, 1 = UDP) and port, direct-indexed arrays (no hashing, O(1)):
//   bindHead[port]   first socket on the port's bind list (Linux bind bucket "owners"),
//                    doubly linked through the socket's bnext/bprev
//   bindUsers[port]  sockets on that list that were not bound by connect()'s autobind
//                    (Linux: a bucket whose fastreuse >= 0; connect() never takes it)
//   listenHead[port] (TCP) first LISTEN socket on the port (Linux lhash2), linked
//                    through the listener's qnext/qprev (a listener has no SYN-queue links)
// Memory: 5 arrays of 65536 u32 = 1.25 MiB, fixed, for host 0.
//
// Other hosts (core/hosts.ts) keep the same three words per (host, protocol, port) in
// one hash table (hostPorts below), an entry made at the port's first bind: 1.25 MiB
// per host would not let 100 000 hosts fit. A function given a socket uses the
// socket's host; findListener and the port choice use the current host.

import { AF_INET6, SOCK_DGRAM } from "../core/constants";
import { below, mix64, nextU32 } from "../core/prng";
import { Flag, Flag2, Off, clearFlag, getU16, getU32, getU8, hasFlag, setFlag } from "../core/socket";
import { currentHost } from "../core/hosts";
import { SocketState } from "../core/state";
import { bindFollowsInPcbbindSetup, ephemeralRandomStepOne } from "../policy/personality";
import { Tunable, tunable } from "../policy/tunables";
import { U64Hash, u64HashBytes, u64HashFind, u64HashInit, u64HashMake, u64HashRemove } from "../storage/u64_hash";
import { linkFirst, unlink } from "../storage/lists";
import { ANY4, ANY6, NOT_LOCAL, isV4 } from "./addresses";
import { connInsert, hostKey, tupleKey } from "./tuples";
import { proto } from "../tcp/teardown";
import { twRecycle } from "../tcp/time_wait";

const PORTS: u32 = 65536;
let bindHead: usize = 0;
let bindUsers: usize = 0;
let listenHead: usize = 0;
const PERTURB: u32 = 4096;
let perturb: usize = 0; // u32[PERTURB]: Linux table_perturb
let hashSecret: u64 = 0; // Linux: the siphash key of inet_sk_port_offset, drawn from the seed

export function portsInit(): void {
  if (bindHead == 0) {
    bindHead = heap.alloc(PORTS * 8);
    bindUsers = heap.alloc(PORTS * 8);
    listenHead = heap.alloc(PORTS * 4);
    perturb = heap.alloc(PERTURB * 4);
  }
  memory.fill(bindHead, 0, PORTS * 8);
  memory.fill(bindUsers, 0, PORTS * 8);
  memory.fill(listenHead, 0, PORTS * 4);
  memory.fill(perturb, 0, PERTURB * 4);
  hashSecret = (<u64>nextU32() << 32) | nextU32();
}

// ---- hosts other than 0: one hash table of (host, proto, port) entries ----------
// Entry (16 bytes): u64 key ((host << 18) | (proto << 16) | port; host >= 1, so never
// 0, which marks an empty entry), u32 bindHead, u32 bindUsers; listeners use the
// entry of proto 2 (its bindHead word). Linear probing, at most half full; an entry
// whose two words fall to 0 is removed (backward-shift deletion, u64HashRemove), so the
// table holds the ports in use, not every port a host ever used (a storm of 1 M
// connections would otherwise leave 1 M entries, 32 MiB of cache misses).
// The table: storage/u64_hash.ts.
const hp = changetype<U64Hash>(memory.data(offsetof<U64Hash>()));
const ZERO = memory.data(16);  // what a lookup of an absent entry reads

export function hostPortsInit(): void { u64HashInit(hp, 256, 16); }

/** Removes host h's (h >= 1) (proto, port) entry once nothing is bound or listening there. */
function hostPortRelease(h: u32, proto: u32, port: u32): void {
  let e = u64HashFind(hp, (<u64>h << 18) | (<u64>proto << 16) | <u64>port);
  if (load<u64>(e) != 0 && load<u64>(e, 8) == 0) u64HashRemove(hp, e);
}

/** The (bindHead, bindUsers) words of host h's (proto, port): made when `make`, else ZERO if absent. */
function hostPort(h: u32, proto: u32, port: u32, make: bool): usize {
  let key = (<u64>h << 18) | (<u64>proto << 16) | <u64>port;
  if (!make) {
    let e = u64HashFind(hp, key);
    return load<u64>(e) == 0 ? ZERO : e + 8;
  }
  return u64HashMake(hp, key) + 8;
}

// The three lists of (host, proto, port): `make` for a write (the entry is made).
// @ts-ignore: decorator
@inline function headAt(h: u32, proto: u32, port: u32, make: bool): usize {
  return h == 0 ? bindHead + ((proto * PORTS + port) << 2) : hostPort(h, proto, port, make);
}
// @ts-ignore: decorator
@inline function usersAt(h: u32, proto: u32, port: u32, make: bool): usize {
  return h == 0 ? bindUsers + ((proto * PORTS + port) << 2) : hostPort(h, proto, port, make) + 4;
}
// @ts-ignore: decorator
@inline function listenAt(h: u32, port: u32, make: bool): usize {
  return h == 0 ? listenHead + (port << 2) : hostPort(h, 2, port, make);
}
// @ts-ignore: decorator
@inline function hostOf(s: u32): u32 { return getU32(s, Off.HOST); }

export function hostPortsBytes(): usize { return u64HashBytes(hp); }

// ---- address overlap (Linux inet_rcv_saddr_equal, match_wildcard = true) ----

/** The IPv4 view of a socket's bound address (Linux sk_rcv_saddr); NOT_LOCAL for a specific IPv6 address. */
function v4View(s: u32): u32 {
  let a = getU16(s, Off.LADDR);
  if (getU8(s, Off.DOMAIN) != <u32>AF_INET6) return a;
  if (a == ANY6) return ANY4;            // net/ipv6/af_inet6.c __inet6_bind: v4addr = 0 for ::
  return isV4(a) ? a : NOT_LOCAL;        // ... LOOPBACK4_IPV6 for other IPv6 addresses
}

/** net/ipv4/inet_connection_sock.c ipv4_rcv_saddr_equal. */
function v4Equal(a: u32, b: u32, bV6only: bool): bool {
  if (bV6only) return false;
  if (a == b) return true;
  return a == ANY4 || b == ANY4;
}

/**
 * Whether a new socket `s` binding the same port as `s2` would share its address,
 * asked from s's side as Linux asks it (the answer is not symmetric: 0.0.0.0 after
 * [::1] conflicts, [::1] after 0.0.0.0 does not).
 */
export function addrOverlap(s: u32, s2: u32): bool {
  let v6only2 = hasFlag(s2, Flag.V6ONLY);
  if (getU8(s, Off.DOMAIN) != <u32>AF_INET6) return v4Equal(v4View(s), v4View(s2), v6only2);
  // net/ipv4/inet_connection_sock.c ipv6_rcv_saddr_equal
  let a = getU16(s, Off.LADDR);
  let a2 = getU8(s2, Off.DOMAIN) == <u32>AF_INET6 ? getU16(s2, Off.LADDR) : v4View(s2);
  let v6only = hasFlag(s, Flag.V6ONLY);
  let mapped = isV4(a), mapped2 = isV4(a2) || getU8(s2, Off.DOMAIN) != <u32>AF_INET6;
  if (mapped && mapped2) return v4Equal(a, v4View(s2), v6only2);
  if (a == ANY6 && a2 == ANY6) return true;
  if (a2 == ANY6 && !(v6only2 && mapped)) return true;
  if (a == ANY6 && !(v6only && mapped2)) return true;
  return getU8(s2, Off.DOMAIN) == <u32>AF_INET6 && a == a2;
}

/**
 * net/ipv4/inet_connection_sock.c inet_bind_conflict, with one user id (every socket
 * here belongs to one process). relax is true for bind()/listen(), false for choosing
 * a free port.
 */
function flagsConflict(s: u32, s2: u32, relax: bool): bool {
  let reuse = hasFlag(s, Flag.REUSEADDR), reuse2 = hasFlag(s2, Flag.REUSEADDR);
  let listen2 = getU8(s2, Off.STATE) == <u32>SocketState.LISTEN;
  if (reuse && reuse2 && !listen2) return !relax;
  // "else if (!reuseport_ok || !sk->sk_reuseport || !sk2->sk_reuseport || ...)": with
  // one uid, two SO_REUSEPORT sockets never conflict when reuseport is allowed (relax).
  return !relax || !hasFlag(s, Flag.REUSEPORT) || !hasFlag(s2, Flag.REUSEPORT);
}

/** inet_csk_bind_conflict: does any socket on `port` conflict with s binding it? */
export function bindConflict(s: u32, proto: u32, port: u32, relax: bool): bool {
  if (bindFollowsInPcbbindSetup()) return bsdBindConflict(s, proto, port);
  let n = load<u32>(headAt(hostOf(s), proto, port, false));
  while (n != 0) {
    let s2 = n - 1;
    if (s2 != s && flagsConflict(s, s2, relax) && addrOverlap(s, s2)) return true;
    n = getU32(s2, Off.BNEXT);
  }
  return false;
}

function hasReuseLb(s: u32): bool { return (getU8(s, Off.FLAGS2) & Flag2.REUSEPORT_LB) != 0; }

/** A PCB with no foreign address (FreeBSD inp_faddr == INADDR_ANY): bound or listening. */
function unconnected(s: u32): bool {
  let st = getU8(s, Off.STATE);
  return st == <u32>SocketState.BOUND || st == <u32>SocketState.LISTEN || st == <u32>SocketState.CLOSED;
}

/**
 * FreeBSD in_pcbbind_setup (policy/personality.ts bindFollowsInPcbbindSetup): the PCBs
 * in_pcblookup_local finds for s's address and the port -- every PCB whose address
 * overlaps when s has no reuse option (INPLOOKUP_WILDCARD), else the unconnected ones on
 * exactly s's address -- conflict unless both have SO_REUSEPORT or both SO_REUSEPORT_LB.
 * One user id, so the first (cross-user) lookup never refuses.
 */
function bsdBindConflict(s: u32, proto: u32, port: u32): bool {
  let mode = bindLookup(s);
  let laddr = getU16(s, Off.LADDR);
  let n = load<u32>(headAt(hostOf(s), proto, port, false));
  while (n != 0) {
    let s2 = n - 1;
    n = getU32(s2, Off.BNEXT);
    if (s2 == s || !lookupMatches(s, s2, laddr, mode)) continue;
    if ((hasFlag(s, Flag.REUSEPORT) && hasFlag(s2, Flag.REUSEPORT)) || (hasReuseLb(s) && hasReuseLb(s2))) continue;
    return true;
  }
  return false;
}

/** in_pcbbind_setup's lookup flags: "if ((so->so_options & (SO_REUSEADDR|SO_REUSEPORT|SO_REUSEPORT_LB)) == 0) lookupflags = INPLOOKUP_WILDCARD;" */
function bindLookup(s: u32): u32 {
  return !hasFlag(s, Flag.REUSEADDR) && !hasFlag(s, Flag.REUSEPORT) && !hasReuseLb(s) ? LOOKUP_WILDCARD : LOOKUP_EXACT;
}

/**
 * FreeBSD in_pcb_lport_dest (policy/personality.ts ephemeralRandomStepOne): a random
 * start on every call, "*lastport = first + (arc4random() % (last - first));", then
 * "++*lastport; if (*lastport < first || *lastport > last) *lastport = first;" until a
 * port's lookup finds nothing, at most the whole range ("if (count-- < 0) return
 * (EADDRNOTAVAIL);"). bind(): in_pcblookup_local with bind()'s lookup flags (as
 * bsdBindConflict, without the SO_REUSEPORT exception); connect() (dst != NOT_LOCAL):
 * in_pcblookup_hash_locked with INPLOOKUP_WILDCARD, so a taken 4-tuple or an
 * unconnected PCB on the source address and port is skipped; the tuple is entered for
 * s as it is found. Returns 0 when none is free.
 */
function bsdChoosePort(s: u32, proto: u32, src: u32, dst: u32, dport: u32): u32 {
  let first = <u32>tunable(Tunable.IpLocalPortRangeLow);
  let last = <u32>tunable(Tunable.IpLocalPortRangeHigh);
  let port = last > first ? first + below(last - first) : first;
  let connect = dst != NOT_LOCAL;
  let mode = connect ? LOOKUP_HASH_WILDCARD : bindLookup(s);
  for (let count = last - first + 1; count > 0; count--) {
    port++;
    if (port < first || port > last) port = first;
    if (portTaken(s, proto, port, src, mode)) continue;
    if (!connect || connInsert(hostKey(hostOf(s), tupleKey(src, port, dst, dport)))) return port;
  }
  return 0;
}

/** in_pcblookup_local with INPLOOKUP_WILDCARD: any PCB whose address overlaps. */
const LOOKUP_WILDCARD: u32 = 0;
/** in_pcblookup_local without it: an unconnected PCB on exactly the address. */
const LOOKUP_EXACT: u32 = 1;
/** in_pcblookup_hash_locked with INPLOOKUP_WILDCARD (beside the 4-tuple): an unconnected PCB on the address or the wildcard. */
const LOOKUP_HASH_WILDCARD: u32 = 2;

/** Whether the lookup `mode` finds a PCB other than s on `port` for address `src`. */
function portTaken(s: u32, proto: u32, port: u32, src: u32, mode: u32): bool {
  let n = load<u32>(headAt(hostOf(s), proto, port, false));
  while (n != 0) {
    let s2 = n - 1;
    n = getU32(s2, Off.BNEXT);
    if (s2 != s && lookupMatches(s, s2, src, mode)) return true;
  }
  return false;
}

function lookupMatches(s: u32, s2: u32, src: u32, mode: u32): bool {
  if (mode == LOOKUP_WILDCARD) return addrOverlap(s, s2);
  let a = getU16(s2, Off.LADDR);
  if (!unconnected(s2)) return false;
  return a == src || (mode == LOOKUP_HASH_WILDCARD && (a == ANY4 || a == ANY6));
}

/** Puts s on the port's bind list (its lport must be set). */
export function hashBind(s: u32, proto: u32, port: u32, byConnect: bool): void {
  let h = hostOf(s);
  linkFirst(s, Off.BNEXT, headAt(h, proto, port, true));
  setFlag(s, Flag.HASHED);
  if (byConnect) setFlag(s, Flag.CONNBOUND);
  else { let up = usersAt(h, proto, port, true); store<u32>(up, load<u32>(up) + 1); }
}

export function unhashBind(s: u32, proto: u32): void {
  if (!hasFlag(s, Flag.HASHED)) return;
  let port = getU16(s, Off.LPORT), h = hostOf(s);
  unlink(s, Off.BNEXT, headAt(h, proto, port, true), 0);
  if (!hasFlag(s, Flag.CONNBOUND)) { let up = usersAt(h, proto, port, true); store<u32>(up, load<u32>(up) - 1); }
  clearFlag(s, Flag.HASHED | Flag.CONNBOUND);
  if (h != 0) hostPortRelease(h, proto, port);
}

// ---- listeners by port -----------------------------------------------------

export function hashListen(s: u32, port: u32): void {
  linkFirst(s, Off.QNEXT, listenAt(hostOf(s), port, true));
}

export function unhashListen(s: u32): void {
  let h = hostOf(s), port = getU16(s, Off.LPORT);
  unlink(s, Off.QNEXT, listenAt(h, port, true), 0);
  if (h != 0) hostPortRelease(h, 2, port);
}

/** Whether another TCP socket already listens on s's address and port (for listen()'s EADDRINUSE). */
export function listenConflict(s: u32, port: u32): bool {
  let n = load<u32>(listenAt(hostOf(s), port, false));
  while (n != 0) {
    let s2 = n - 1;
    if (s2 != s && !(hasFlag(s, Flag.REUSEPORT) && hasFlag(s2, Flag.REUSEPORT)) && addrOverlap(s, s2)) return true;
    n = getU32(s2, Off.QNEXT);
  }
  return false;
}

/** Listener score for a destination, 0 = no match (net/ipv4/inet_hashtables.c compute_score). */
function score(l: u32, dst: u32, v4dst: bool): u32 {
  let a = getU16(l, Off.LADDR);
  let isV6sock = getU8(l, Off.DOMAIN) == <u32>AF_INET6;
  if (v4dst) {
    if (isV6sock && hasFlag(l, Flag.V6ONLY)) return 0;
    if (a == dst) return isV6sock ? 3 : 4;          // exact address (lhash2 by address first)
    if (a == ANY4) return 2;
    if (a == ANY6) return 1;                         // dual-stack [::] listener
    return 0;
  }
  if (!isV6sock) return 0;
  if (a == dst) return 4;
  return a == ANY6 ? 2 : 0;
}

/**
 * The listener that receives a SYN for (dst, dport), or NONE. Among equal-scoring
 * SO_REUSEPORT listeners, a hash of the 4-tuple picks one (reuseport_select_sock:
 * reciprocal_scale).
 */
export function findListener(dst: u32, dport: u32, tuple: u64): u32 {
  let head = load<u32>(listenAt(currentHost(), dport, false));
  if (head == 0) return 0xffffffff;
  let v4dst = isV4(dst);
  let best: u32 = 0, n: u32 = 0, pick: u32 = 0xffffffff;
  let it = head;
  while (it != 0) {
    let l = it - 1;
    let sc = score(l, dst, v4dst);
    if (sc > best) { best = sc; n = 1; pick = l; }
    else if (sc == best && sc != 0) n++;
    it = getU32(l, Off.QNEXT);
  }
  if (n <= 1 || (!hasFlag(pick, Flag.REUSEPORT) && !hasReuseLb(pick))) return pick;
  let hash = <u32>mix64(tuple ^ hashSecret);
  let want = <u32>((<u64>hash * <u64>n) >> 32);
  it = head;
  while (it != 0) {
    let l = it - 1;
    if (score(l, dst, v4dst) == best) { if (want == 0) return l; want--; }
    it = getU32(l, Off.QNEXT);
  }
  return pick;
}

// ---- ephemeral ports -------------------------------------------------------

/**
 * bind(port 0) and listen()'s autobind: net/ipv4/inet_connection_sock.c
 * inet_csk_find_open_port starts at a random offset, scans odd ports first ("offset |= 1U",
 * leaving even ones to connect()), then the other parity, and takes a port nobody is
 * bound to. Returns the port or 0 when none is free (the caller says EADDRINUSE).
 */
export function chooseBindPort(s: u32, proto: u32): u32 {
  if (ephemeralRandomStepOne()) return bsdChoosePort(s, proto, getU16(s, Off.LADDR), NOT_LOCAL, 0);
  let low = <u32>tunable(Tunable.IpLocalPortRangeLow);
  let high = <u32>tunable(Tunable.IpLocalPortRangeHigh) + 1;
  if (proto == 1) {
    // UDP: net/ipv4/udp.c udp_lib_get_port starts at a random port and takes the
    // first free one, with no parity rule (walked here port by port).
    let span = high - low;
    let port = low + below(span);
    for (let i: u32 = 0; i < span; i++, port++) {
      if (port >= high) port -= span;
      if (load<u32>(headAt(hostOf(s), proto, port, false)) == 0 || !bindConflict(s, proto, port, false)) return port;
    }
    return 0;
  }
  let remaining = high - low;
  if (remaining > 1) remaining &= ~1;
  let offset = below(remaining) | 1;
  for (let pass = 0; pass < 2; pass++) {
    let port = low + offset;
    for (let i: u32 = 0; i < remaining; i += 2, port += 2) {
      if (port >= high) port -= remaining;
      let head = load<u32>(headAt(hostOf(s), proto, port, false));
      if (head == 0 || !bindConflict(s, proto, port, false)) return port;
    }
    offset--; // the other parity
  }
  return 0;
}

/**
 * connect()'s autobind: net/ipv4/inet_hashtables.c __inet_hash_connect. Even ports
 * first ("offset &= ~1"), starting at a per-destination offset that moves past each
 * port it hands out (table_perturb), so the scan is O(1) amortised. A port is usable
 * when no bind()/listen() socket holds it and the 4-tuple is unused (or recycled from a
 * timewait socket: __inet_check_established with twp != NULL); the tuple is
 * entered for socket s as it is found. Returns 0 when every port is taken (the caller
 * says EADDRNOTAVAIL).
 */
export function chooseConnectPort(proto: u32, src: u32, dst: u32, dport: u32, s: u32): u32 {
  if (ephemeralRandomStepOne()) return bsdChoosePort(s, proto, src, dst, dport);
  let h = currentHost();   // connect() runs on its socket's host
  let low = <u32>tunable(Tunable.IpLocalPortRangeLow);
  let high = <u32>tunable(Tunable.IpLocalPortRangeHigh) + 1;
  let remaining = high - low;
  if (remaining > 1) remaining &= ~1;
  let portOffset = <u32>(mix64(tupleKey(src, 0, dst, dport) ^ hashSecret) >> 32);
  let index = portOffset & (PERTURB - 1);
  let pp = perturb + (index << 2);
  let offset = (load<u32>(pp) + (portOffset >> 16)) % remaining;
  offset &= ~1;
  for (let pass = 0; pass < 2; pass++) {
    let port = low + offset;
    for (let i: u32 = 0; i < remaining; i += 2, port += 2) {
      if (port >= high) port -= remaining;
      if (load<u32>(usersAt(h, proto, port, false)) != 0) continue;
      let key = hostKey(h, tupleKey(src, port, dst, dport));
      // Taken, unless a timewait socket holds it and tcp_tw_reuse lets it go (tcp/time_wait.ts).
      if (!connInsert(key) && !twRecycle(key, false)) continue;
      store<u32>(pp, load<u32>(pp) + i + 2);
      return port;
    }
    offset++;
  }
  return 0;
}

export function portTableBytes(): usize { return PORTS * 20 + PERTURB * 4; }

/**
 * The UDP socket a datagram for (dst, dport) from (src, sport) reaches, or -1
 * (net/ipv4/udp.c compute_score: bound address and connected peer must match; the
 * more specific socket wins).
 */
export function findUdpReceiver(dst: u32, dport: u32, src: u32, sport: u32): i32 {
  let n = load<u32>(headAt(currentHost(), 1, dport, false));
  let best = -1, bestScore = 0;
  let v4dst = isV4(dst);
  while (n != 0) {
    let s = n - 1;
    let sc: i32 = 0;
    let a = getU16(s, Off.LADDR);
    let v6sock = getU8(s, Off.DOMAIN) == <u32>AF_INET6;
    if (a == dst) sc = 4;
    else if (v4dst && (a == ANY4 || (a == ANY6 && !hasFlag(s, Flag.V6ONLY)))) sc = 2;
    else if (!v4dst && v6sock && a == ANY6) sc = 2;
    if (sc != 0 && v4dst && v6sock && hasFlag(s, Flag.V6ONLY)) sc = 0;
    if (sc != 0 && getU8(s, Off.STATE) == <u32>SocketState.ESTABLISHED) {
      if (getU16(s, Off.PADDR) != src || getU16(s, Off.PPORT) != sport) sc = 0; else sc += 4;
    }
    if (sc > bestScore) { bestScore = sc; best = <i32>s; }
    n = getU32(s, Off.BNEXT);
  }
  return best;
}

/** For the consistency check: heads and counts. */
export function bindHeadOf(proto: u32, port: u32): u32 { return load<u32>(headAt(0, proto, port, false)); }
export function bindUsersOf(proto: u32, port: u32): u32 { return load<u32>(usersAt(0, proto, port, false)); }
export function listenHeadOf(h: u32, port: u32): u32 { return load<u32>(listenAt(h, port, false)); }

/** Port table index of a socket's protocol: 0 TCP, 1 UDP. */
// @ts-ignore: decorator
@inline export function protoIndex(type: u32): u32 { return type == <u32>SOCK_DGRAM ? 1 : 0; }
