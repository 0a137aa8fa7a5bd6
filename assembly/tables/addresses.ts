// Local addresses, interned: a socket stores a u16 index instead of 16 bytes, so a
// 4-tuple packs into one u64 (tables/tuples.ts). The kernel is one network namespace:
// every address a socket can bind or reach is local to it.
//
// Entries are AddressEntry records (20 bytes, below) in one array, indexed by a hash.
//
// Fixed indices: 0 = 0.0.0.0, 1 = ::, 2 = 127.0.0.1, 3 = ::1. All of 127.0.0.0/8 is
// local (Linux's "local 127.0.0.0/8 dev lo" route); other local addresses are added
// by the host (sk_add_address). IPv4-mapped IPv6 addresses are stored as their IPv4
// address and shown mapped to AF_INET6 sockets.

import { AF_INET, AF_INET6, SOCKADDR_IN6_LEN, SOCKADDR_IN_LEN } from "../core/constants";
import { Errno } from "../core/errno";

export const ANY4: u32 = 0;
export const ANY6: u32 = 1;
export const LOOP4: u32 = 2;
export const LOOP6: u32 = 3;
/** Not a local address: parse results use it for addresses that were not interned. */
export const NOT_LOCAL: u32 = 0xffff;

/** One interned address (20 bytes; byte offsets on the left). */
// @ts-ignore: decorator
@unmanaged class AddressEntry {
  /*  0 */ family: u8;    // 4 or 6
  /*  1 */ flags: u8;     // F_LOCAL, F_PROVEN
  /*  2 */ reserved: u16;
  /*  4 */ a0: u32;       // 16 bytes of address in network order (IPv4 uses a0 only)
  /*  8 */ a1: u32;
  /* 12 */ a2: u32;
  /* 16 */ a3: u32;
}
// @ts-ignore: decorator
@inline const ENTRY: u32 = offsetof<AddressEntry>();
// @ts-ignore: decorator
@inline const BYTES: usize = offsetof<AddressEntry>("a0");
const F_LOCAL: u8 = 1;
const F_PROVEN: u8 = 2;
const MAX_ADDRS: u32 = 0xfffe;

let table: usize = 0;
let count: u32 = 0;
let tcap: u32 = 0;
let hash: usize = 0;     // u16 index+1 per bucket, open addressing
let hmask: u32 = 0;

// Scratch for a parsed address: family + 16 bytes.
let scratchFamily: u32 = 0;
const scratch = memory.data(16);

export function addressesInit(): void {
  if (table != 0) { heap.free(table); heap.free(hash); }
  tcap = 64; count = 0;
  table = heap.alloc(tcap * ENTRY);
  hmask = 127;
  hash = heap.alloc((hmask + 1) << 1);
  memory.fill(hash, 0, (hmask + 1) << 1);
  memory.fill(scratch, 0, 16);
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
    let b = hashOf(e.family, bytesOf(e)) & hmask;
    while (load<u16>(hash + (b << 1)) != 0) b = (b + 1) & hmask;
    store<u16>(hash + (b << 1), <u16>(i + 1));
  }
}

/** Interns an address; NOT_LOCAL when the table is full. */
function intern(family: u32, p: usize, flags: u8): u32 {
  let i = find(family, p);
  if (i != NOT_LOCAL) { entry(i).flags = entry(i).flags | flags; return i; }
  if (count >= MAX_ADDRS) return NOT_LOCAL;
  if (count == tcap) { tcap <<= 1; table = heap.realloc(table, tcap * ENTRY); }
  i = count++;
  let e = entry(i);
  memory.fill(changetype<usize>(e), 0, ENTRY);
  e.family = <u8>family;
  e.flags = flags;
  memory.copy(bytesOf(e), p, family == 4 ? 4 : 16);
  if (count * 2 > hmask + 1) rehash();
  else {
    let b = hashOf(family, p) & hmask;
    while (load<u16>(hash + (b << 1)) != 0) b = (b + 1) & hmask;
    store<u16>(hash + (b << 1), <u16>(i + 1));
  }
  return i;
}

function isMapped(p: usize): bool {
  return load<u64>(p) == 0 && load<u32>(p + 8) == 0xffff0000;
}

/** Index of the address in scratch if it is local (interning 127/8 on demand), else NOT_LOCAL. */
function localIndex(family: u32, p: usize): u32 {
  if (family == 4 && (load<u8>(p) == 127)) return intern(4, p, F_LOCAL);
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

/** Linux ip_route_connect: connecting to INADDR_ANY / in6addr_any means loopback. */
export function connectTarget(dst: u32): u32 {
  return dst == ANY4 ? LOOP4 : dst == ANY6 ? LOOP6 : dst;
}

/** Host: adds a local address (sockaddr with port ignored). Returns its index or -errno. */
export function addLocal(ptr: usize, len: i32): i32 {
  let fam = len >= 2 ? <i32>load<u16>(ptr) : 0;
  if (fam != AF_INET && fam != AF_INET6) return -Errno.EAFNOSUPPORT;
  if (fam == AF_INET && len < SOCKADDR_IN_LEN) return -Errno.EINVAL;
  if (fam == AF_INET6 && len < 24) return -Errno.EINVAL;
  if (fam == AF_INET) store<u32>(scratch, load<u32>(ptr + 4));
  else memory.copy(scratch, ptr + 8, 16);
  let i = intern(fam == AF_INET ? 4 : 6, scratch, F_LOCAL);
  return i == NOT_LOCAL ? -Errno.ENOSPC : <i32>i;
}

/** tcp_peer_is_proven: a peer address that has completed a connection before. */
export function isProven(idx: u32): bool { return (entry(idx).flags & F_PROVEN) != 0; }
export function markProven(idx: u32): void { entry(idx).flags = entry(idx).flags | F_PROVEN; }
