// Local addresses, interned: a socket stores a u16 index instead of 16 bytes, so a
// 4-tuple packs into one u64 (tables/tuples.ts). The kernel is one network namespace:
// every address a socket can bind or reach is local to it.
//
// Entries are AddressEntry records (28 bytes, below) in one array, indexed by a hash.
// Each names its owner: the host (core/hosts.ts) the address belongs to, or SHARED
// for the wildcard and loopback addresses every host has. An address belongs to one
// host: the map address -> host is this entry, found by the hash in O(1).
//
// Addresses are reference-counted, so the table forgets what nobody uses (issue 11: it
// filled up for good after 65 530 distinct 127/8 addresses). A reference is a socket's
// local or peer address (setAddr, and sockDestroy drops both) or a queued datagram's
// source (syscalls/data.ts). An entry is released when its count falls to 0, unless
// it is one of the four fixed ones or was added by the host (sk_add_address); a 127/8
// address interned by a lookup that nobody then kept is released at the next intern.
// Released indices go on a free list; lookups stay one hash probe sequence (O(1)).
// Forgetting an address forgets that it was proven (tcp_peer_is_proven), as Linux's
// tcp_metrics cache forgets entries.
//
// Fixed indices: 0 = 0.0.0.0, 1 = ::, 2 = 127.0.0.1, 3 = ::1. All of 127.0.0.0/8 is
// local (Linux's "local 127.0.0.0/8 dev lo" route); other local addresses are added
// by the host (sk_add_address). IPv4-mapped IPv6 addresses are stored as their IPv4
// address and shown mapped to AF_INET6 sockets.

import { AF_INET, AF_INET6, SOCKADDR_IN6_LEN, SOCKADDR_IN_LEN } from "../core/constants";
import { Errno } from "../core/errno";
import { getU16, setU16 } from "../core/socket";

export const ANY4: u32 = 0;
export const ANY6: u32 = 1;
export const LOOP4: u32 = 2;
export const LOOP6: u32 = 3;
/** Not a local address: parse results use it for addresses that were not interned. */
export const NOT_LOCAL: u32 = 0xffff;

/** Owner of the addresses every host has (0.0.0.0, ::, 127/8, ::1). */
export const SHARED: u32 = 0xffffffff;

/** One interned address (28 bytes; byte offsets on the left). */
// @ts-ignore: decorator
@unmanaged class AddressEntry {
  /*  0 */ family: u8;    // 4 or 6; 0 for a released entry (a0 is then the next free index + 1)
  /*  1 */ flags: u8;     // F_LOCAL, F_PROVEN, F_ADDED
  /*  2 */ reserved: u16;
  /*  4 */ refs: u32;     // sockets and queued datagrams that hold it
  /*  8 */ a0: u32;       // 16 bytes of address in network order (IPv4 uses a0 only)
  /* 12 */ a1: u32;
  /* 16 */ a2: u32;
  /* 20 */ a3: u32;
  /* 24 */ owner: u32;    // the host it belongs to, or SHARED
}
// @ts-ignore: decorator
@inline const ENTRY: u32 = offsetof<AddressEntry>();
// @ts-ignore: decorator
@inline const BYTES: usize = offsetof<AddressEntry>("a0");
const F_LOCAL: u8 = 1;
const F_PROVEN: u8 = 2;
const F_ADDED: u8 = 4;    // sk_add_address: kept for the kernel's life
const MAX_ADDRS: u32 = 0xfffe;

let table: usize = 0;
let count: u32 = 0;      // entries ever used (the high-water mark), released ones included
let live: u32 = 0;       // entries in use
let freeHead: u32 = 0;   // released entry index + 1, 0 when none
let pending: u32 = NOT_LOCAL; // the last on-demand 127/8 entry, released at the next intern if nobody kept it
let tcap: u32 = 0;
let hash: usize = 0;     // u16 index+1 per bucket, open addressing
let hmask: u32 = 0;

// Scratch for a parsed address: family + 16 bytes.
let scratchFamily: u32 = 0;
let owner: u32 = SHARED;   // the owner intern() gives a new entry
const scratch = memory.data(16);

export function addressesInit(): void {
  if (table != 0) { heap.free(table); heap.free(hash); }
  tcap = 64; count = 0; live = 0; freeHead = 0; pending = NOT_LOCAL;
  table = heap.alloc(tcap * ENTRY);
  hmask = 127;
  hash = heap.alloc((hmask + 1) << 1);
  memory.fill(hash, 0, (hmask + 1) << 1);
  memory.fill(scratch, 0, 16);
  owner = SHARED;
  intern(4, scratch, F_LOCAL);               // 0.0.0.0
  intern(6, scratch, F_LOCAL);               // ::
  store<u32>(scratch, 0x0100007f);           // 127.0.0.1
  intern(4, scratch, F_LOCAL);
  memory.fill(scratch, 0, 16); store<u8>(scratch + 15, 1); // ::1
  intern(6, scratch, F_LOCAL);
}

function hashOf(family: u32, p: usize): u32 {
  let h: u32 = family * 0x9e3779b1;
  let n = family == 4 ? 1 : 4;
  for (let i = 0; i < n; i++) h = (h ^ load<u32>(p + (i << 2))) * 0x85ebca6b;
  return h ^ (h >> 15);
}

// @ts-ignore: decorator
@inline function entry(i: u32): AddressEntry { return changetype<AddressEntry>(table + <usize>i * ENTRY); }
/** The address bytes of entry e. */
// @ts-ignore: decorator
@inline function bytesOf(e: AddressEntry): usize { return changetype<usize>(e) + BYTES; }

function same(i: u32, family: u32, p: usize): bool {
  let e = entry(i);
  if (<u32>e.family != family) return false;
  if (family == 4) return e.a0 == load<u32>(p);
  return load<u64>(bytesOf(e)) == load<u64>(p) && load<u64>(bytesOf(e) + 8) == load<u64>(p + 8);
}

function find(family: u32, p: usize): u32 {
  let b = hashOf(family, p) & hmask;
  while (true) {
    let v = <u32>load<u16>(hash + (b << 1));
    if (v == 0) return NOT_LOCAL;
    if (same(v - 1, family, p)) return v - 1;
    b = (b + 1) & hmask;
  }
}

function rehash(): void {
  let ncap = (hmask + 1) << 1;
  heap.free(hash);
  hash = heap.alloc(ncap << 1);
  memory.fill(hash, 0, ncap << 1);
  hmask = ncap - 1;
  for (let i: u32 = 0; i < count; i++) {
    let e = entry(i);
    if (e.family == 0) continue;             // released
    let b = hashOf(e.family, bytesOf(e)) & hmask;
    while (load<u16>(hash + (b << 1)) != 0) b = (b + 1) & hmask;
    store<u16>(hash + (b << 1), <u16>(i + 1));
  }
}

/** Interns an address; NOT_LOCAL when the table is full. */
function intern(family: u32, p: usize, flags: u8): u32 {
  let i = find(family, p);
  if (i != NOT_LOCAL) { entry(i).flags = entry(i).flags | flags; return i; }
  if (pending != NOT_LOCAL) { let u = pending; pending = NOT_LOCAL; releaseIfUnused(u); }
  if (freeHead != 0) {
    i = freeHead - 1;
    freeHead = entry(i).a0;
  } else {
    if (count >= MAX_ADDRS) return NOT_LOCAL;
    if (count == tcap) { tcap <<= 1; table = heap.realloc(table, tcap * ENTRY); }
    i = count++;
  }
  live++;
  let e = entry(i);
  memory.fill(changetype<usize>(e), 0, ENTRY);
  e.family = <u8>family;
  e.flags = flags;
  e.owner = owner;
  memory.copy(bytesOf(e), p, family == 4 ? 4 : 16);
  if (live * 2 > hmask + 1) rehash();
  else {
    let b = hashOf(family, p) & hmask;
    while (load<u16>(hash + (b << 1)) != 0) b = (b + 1) & hmask;
    store<u16>(hash + (b << 1), <u16>(i + 1));
  }
  return i;
}

/** Takes entry i out of the hash (linear probing: the entries after it shift back). */
function unhash(i: u32): void {
  let e = entry(i);
  let b = hashOf(e.family, bytesOf(e)) & hmask;
  while (<u32>load<u16>(hash + (b << 1)) != i + 1) b = (b + 1) & hmask;
  let j = b;
  while (true) {
    j = (j + 1) & hmask;
    let v = <u32>load<u16>(hash + (j << 1));
    if (v == 0) break;
    let home = hashOf(entry(v - 1).family, bytesOf(entry(v - 1))) & hmask;
    // v stays where it is when its home lies cyclically in (b, j].
    if (b <= j ? (home > b && home <= j) : (home > b || home <= j)) continue;
    store<u16>(hash + (b << 1), <u16>v);
    b = j;
  }
  store<u16>(hash + (b << 1), 0);
}

/** Releases entry i if nothing holds it and it is neither fixed nor added by the host. */
function releaseIfUnused(i: u32): void {
  if (i <= LOOP6) return;
  let e = entry(i);
  if (e.family == 0 || e.refs != 0 || (e.flags & F_ADDED) != 0) return;
  unhash(i);
  e.family = 0;
  e.flags = 0;
  e.owner = SHARED;                          // no host has it any more
  e.a0 = freeHead;
  freeHead = i + 1;
  live--;
}

/** One more holder of address i (the fixed ones are not counted). */
export function addrHold(i: u32): void {
  if (i > LOOP6) entry(i).refs = entry(i).refs + 1;
}

/** One holder fewer: the address is released when none is left. */
export function addrDrop(i: u32): void {
  if (i <= LOOP6) return;
  let e = entry(i);
  if (!ASC_NO_ASSERT) assert(e.family != 0 && e.refs != 0, "addrDrop: not held");
  e.refs = e.refs - 1;
  if (e.refs == 0) releaseIfUnused(i);
}

/** Sets a socket's address field (Off.LADDR or Off.PADDR) to i, holding i and dropping the old one. */
export function setAddr(s: u32, field: u32, i: u32): void {
  let old = getU16(s, field);
  if (old == i) return;
  addrHold(i);
  setU16(s, field, i);
  addrDrop(old);
}

/** Addresses in use (the fixed four included), for tests and accounting. */
export function addressesLive(): u32 { return live; }
/** How many hold entry i (sk_check compares it with what it counts). */
export function addrRefs(i: u32): u32 { return i < count && entry(i).family != 0 ? entry(i).refs : 0; }
/** Entries ever used: indices below this may be live. */
export function addressesHighWater(): u32 { return count; }

function isMapped(p: usize): bool {
  return load<u64>(p) == 0 && load<u32>(p + 8) == 0xffff0000;
}

/** Index of the address in scratch if it is local (interning 127/8 on demand), else NOT_LOCAL. */
function localIndex(family: u32, p: usize): u32 {
  if (family == 4 && (load<u8>(p) == 127)) {
    let i = find(4, p);
    if (i != NOT_LOCAL) return i;
    owner = SHARED;
    i = intern(4, p, F_LOCAL);
    pending = i;                             // released at the next intern unless held by then
    return i;
  }
  let i = find(family, p);
  if (i != NOT_LOCAL && (entry(i).flags & F_LOCAL) != 0) return i;
  return NOT_LOCAL;
}

/**
 * Parses a sockaddr_in / sockaddr_in6 for a socket of `domain`. Returns
 * (index << 16) | port, with index NOT_LOCAL for an address this kernel does not own,
 * or a negative errno: -EINVAL for a short length, -EAFNOSUPPORT for a wrong family
 * (Linux inet_bind / tcp_v4_connect).
 */
export function parseInet(ptr: usize, len: i32, domain: i32): i64 {
  if (domain == AF_INET) {
    if (len < SOCKADDR_IN_LEN) return -Errno.EINVAL;
    if (<i32>load<u16>(ptr) != AF_INET) return -Errno.EAFNOSUPPORT;
    let port = bswap<u16>(load<u16>(ptr + 2));
    let a = load<u32>(ptr + 4);
    // The fixed entries need no lookup: 0.0.0.0 and 127.0.0.1 are local from the start.
    if (a == 0x0100007f) return (<i64>LOOP4 << 16) | port;
    if (a == 0) return (<i64>ANY4 << 16) | port;
    store<u32>(scratch, a);
    return (<i64>localIndex(4, scratch) << 16) | port;
  }
  // net/ipv6/af_inet6.c __inet6_bind: "if (addr_len < SIN6_LEN_RFC2133) return -EINVAL;" (24)
  if (len < 24) return -Errno.EINVAL;
  if (<i32>load<u16>(ptr) != AF_INET6) return -Errno.EAFNOSUPPORT;
  let port = bswap<u16>(load<u16>(ptr + 2));
  memory.copy(scratch, ptr + 8, 16);
  if (isMapped(scratch)) {
    store<u32>(scratch, load<u32>(ptr + 20));
    return (<i64>localIndex(4, scratch) << 16) | port;
  }
  return (<i64>localIndex(6, scratch) << 16) | port;
}

/** Writes the sockaddr for (index, port) as a socket of `domain` sees it; returns its length. */
export function formatInet(idx: u32, port: u32, domain: i32, out: usize): i32 {
  let e = entry(idx);
  if (domain == AF_INET) {
    store<u16>(out, <u16>AF_INET);
    store<u16>(out + 2, bswap<u16>(<u16>port));
    store<u32>(out + 4, e.family == 4 ? e.a0 : 0);
    store<u64>(out + 8, 0);
    return SOCKADDR_IN_LEN;
  }
  store<u16>(out, <u16>AF_INET6);
  store<u16>(out + 2, bswap<u16>(<u16>port));
  store<u32>(out + 4, 0);                 // flowinfo
  if (e.family == 6) memory.copy(out + 8, bytesOf(e), 16);
  else if (idx == ANY4) memory.fill(out + 8, 0, 16);
  else {                                  // IPv4-mapped
    store<u64>(out + 8, 0);
    store<u32>(out + 16, 0xffff0000);
    store<u32>(out + 20, e.a0);
  }
  store<u32>(out + 24, 0);                // scope id
  return SOCKADDR_IN6_LEN;
}

// @ts-ignore: decorator
@inline export function isV4(idx: u32): bool { return entry(idx).family == 4; }
// @ts-ignore: decorator
@inline export function isWildcard(idx: u32): bool { return idx <= ANY6; }

/**
 * The source address Linux's route lookup picks to reach local address `dst`: the
 * loopback route carries "src 127.0.0.1" for all of 127/8; any other local address
 * reaches itself.
 */
export function sourceFor(dst: u32): u32 {
  if (dst == ANY4) return LOOP4;
  if (dst == ANY6) return LOOP6;
  if (isV4(dst) && (entry(dst).a0 & 0xff) == 127) return LOOP4;    // the first byte, network order
  return dst;
}

/**
 * Linux ipv4_is_loopback (127/8) and ipv6_addr_loopback (::1); a v4-mapped address is
 * its IPv4 entry here, so this also answers ipv6_addr_v4mapped_loopback.
 */
export function isLoopback(idx: u32): bool {
  if (idx == LOOP4 || idx == LOOP6) return true;
  return idx != NOT_LOCAL && idx > ANY6 && isV4(idx) && (entry(idx).a0 & 0xff) == 127;
}

/** Linux ip_route_connect: connecting to INADDR_ANY / in6addr_any means loopback. */
export function connectTarget(dst: u32): u32 {
  return dst == ANY4 ? LOOP4 : dst == ANY6 ? LOOP6 : dst;
}

/** The host an address belongs to, or SHARED (every host's). */
// @ts-ignore: decorator
@inline export function addressOwner(idx: u32): u32 { return entry(idx).owner; }

/** Whether host h may bind idx: its own address or one every host has. */
// @ts-ignore: decorator
@inline export function isLocalTo(idx: u32, h: u32): bool {
  let o = addressOwner(idx);
  return o == h || o == SHARED;
}

/**
 * Host: adds an address to host h (sockaddr with port ignored), as `ip addr add` in
 * its namespace. Returns its index, or -EAFNOSUPPORT, -EINVAL, -ENOSPC (table full),
 * -EADDRINUSE when another host has it.
 */
export function addLocal(ptr: usize, len: i32, h: u32 = 0): i32 {
  let fam = len >= 2 ? <i32>load<u16>(ptr) : 0;
  if (fam != AF_INET && fam != AF_INET6) return -Errno.EAFNOSUPPORT;
  if (fam == AF_INET && len < SOCKADDR_IN_LEN) return -Errno.EINVAL;
  if (fam == AF_INET6 && len < 24) return -Errno.EINVAL;
  if (fam == AF_INET) store<u32>(scratch, load<u32>(ptr + 4));
  else memory.copy(scratch, ptr + 8, 16);
  let family: u32 = fam == AF_INET ? 4 : 6;
  let known = find(family, scratch);
  if (known != NOT_LOCAL && (entry(known).flags & F_LOCAL) != 0) {
    let o = entry(known).owner;
    if (o != h && o != SHARED) return -Errno.EADDRINUSE; // one address, one host
    entry(known).flags = entry(known).flags | F_ADDED; // pinned from now on
    return <i32>known;
  }
  owner = family == 4 && load<u8>(scratch) == 127 ? SHARED : h;
  let i = intern(family, scratch, F_LOCAL | F_ADDED);
  owner = SHARED;
  return i == NOT_LOCAL ? -Errno.ENOSPC : <i32>i;
}

/** tcp_peer_is_proven: a peer address that has completed a connection before. */
export function isProven(idx: u32): bool { return (entry(idx).flags & F_PROVEN) != 0; }
export function markProven(idx: u32): void { entry(idx).flags = entry(idx).flags | F_PROVEN; }
