// AF_UNIX names: filesystem paths and Linux abstract names (sun_path[0] == 0).
//
// A bound path name behaves like the socket file Linux creates: it outlives the
// socket (a later bind() gives EADDRINUSE, connect() ECONNREFUSED) until the host
// unlinks it. An abstract name disappears with its socket, and each socket type has
// its own abstract names: Linux unix_abstract_hash(sunaddr, addr_len, sk->sk_type)
// puts the type in the hash and __unix_find_socket_byname searches that bucket only
// (a path is one inode, whatever the type). Callers give the `space`: the type for an
// abstract name, 0 for a path (unixSpace).
//
// Entries (UnixName below) live in a slot array (storage/slots.ts); lookup is open
// addressing over entry ids, with tombstones on removal.

import { UNIX_PATH_MAX } from "../core/constants";
import { Errno } from "../core/errno";
import { SlotArray, slotAlloc, slotRelease, slotsInit, staticSlots } from "../storage/slots";

/** One name (128 bytes; byte offsets on the left). */
// @ts-ignore: decorator
@unmanaged class UnixName {
  /*  0 */ owner: u32;    // owning socket slot+1 (0: no socket, a stale file)
  /*  4 */ gen: u32;      // the owner's generation; the free-list link when unused
  /*  8 */ len: u16;      // name length in bytes
  /* 10 */ flags: u8;     // F_USED, F_ABSTRACT
  /* 11 */ space: u8;     // abstract names: the socket type (one namespace per type); paths: 0
  /* 12 */ // name: 108 bytes of sun_path, then padding to 128
}
// @ts-ignore: decorator
@inline const NAME: usize = offsetof<UnixName>();
const ENTRY: u32 = 128;
const F_USED: u8 = 1;
const F_ABSTRACT: u8 = 2;
const TOMB: u32 = 0xffffffff;

const names: SlotArray = staticSlots();
let buckets: usize = 0;
let bmask: u32 = 0;
let bused: u32 = 0;         // live + tombstones

export function unixInit(): void {
  if (buckets != 0) heap.free(buckets);
  slotsInit(names, ENTRY, 16, offsetof<UnixName>("gen"));
  bmask = 63; bused = 0;
  buckets = heap.alloc((bmask + 1) << 2);
  memory.fill(buckets, 0, (bmask + 1) << 2);
}

// @ts-ignore: decorator
@inline function entry(id: u32): UnixName { return changetype<UnixName>(names.base + <usize>id * ENTRY); }
// @ts-ignore: decorator
@inline function nameOf(e: UnixName): usize { return changetype<usize>(e) + NAME; }

function hashBytes(p: usize, len: u32): u32 {
  let h: u32 = 2166136261;
  for (let i: u32 = 0; i < len; i++) h = (h ^ load<u8>(p + i)) * 16777619;
  return h;
}

/** The namespace of a name: the socket type for an abstract one, 0 for a path. */
export function unixSpace(abstract: bool, type: u32): u32 { return abstract ? type : 0; }

function matches(id: u32, p: usize, len: u32, space: u32): bool {
  let e = entry(id);
  if ((e.flags & F_USED) == 0 || <u32>e.len != len || <u32>e.space != space) return false;
  return memory.compare(nameOf(e), p, len) == 0;
}

/** The entry id for a name in namespace `space` (unixSpace), or -1. */
export function unixFind(p: usize, len: u32, space: u32 = 0): i32 {
  let b = hashBytes(p, len) & bmask;
  while (true) {
    let v = load<u32>(buckets + (b << 2));
    if (v == 0) return -1;
    if (v != TOMB && matches(v - 1, p, len, space)) return <i32>(v - 1);
    b = (b + 1) & bmask;
  }
}

function rehash(): void {
  let ncap = (bmask + 1) << 1;
  heap.free(buckets);
  buckets = heap.alloc(ncap << 2);
  memory.fill(buckets, 0, ncap << 2);
  bmask = ncap - 1; bused = 0;
  for (let id: u32 = 0; id < names.count; id++) {
    let e = entry(id);
    if ((e.flags & F_USED) == 0) continue;
    let b = hashBytes(nameOf(e), e.len) & bmask;
    while (load<u32>(buckets + (b << 2)) != 0) b = (b + 1) & bmask;
    store<u32>(buckets + (b << 2), id + 1);
    bused++;
  }
}

/** Creates a name owned by (slot, gen). The caller checked it does not exist. */
export function unixCreate(p: usize, len: u32, abstract: bool, slot: u32, gen: u32, space: u32 = 0): u32 {
  let id = slotAlloc(names);
  let e = entry(id);
  e.owner = slot + 1; e.gen = gen;
  e.len = <u16>len;
  e.flags = F_USED | (abstract ? F_ABSTRACT : 0);
  e.space = <u8>space;
  memory.copy(nameOf(e), p, len);
  if ((bused + 1) * 2 > bmask + 1) rehash();
  let b = hashBytes(p, len) & bmask;
  while (true) {
    let v = load<u32>(buckets + (b << 2));
    if (v == 0 || v == TOMB) break;
    b = (b + 1) & bmask;
  }
  if (load<u32>(buckets + (b << 2)) == 0) bused++;
  store<u32>(buckets + (b << 2), id + 1);
  return id;
}

function remove(id: u32): void {
  let e = entry(id);
  let b = hashBytes(nameOf(e), e.len) & bmask;
  while (load<u32>(buckets + (b << 2)) != id + 1) b = (b + 1) & bmask;
  store<u32>(buckets + (b << 2), TOMB);
  e.flags = 0;
  slotRelease(names, id);
}

/** The socket slot bound to the name (slot+1, 0 for a stale file) and its generation. */
export function unixOwner(id: u32): u32 { return entry(id).owner; }
export function unixOwnerGen(id: u32): u32 { return entry(id).gen; }
export function unixIsAbstract(id: u32): bool { return (entry(id).flags & F_ABSTRACT) != 0; }

/** The owning socket closes: an abstract name goes, a path stays as a stale file. */
export function unixRelease(id: u32): void {
  if (unixIsAbstract(id)) remove(id);
  else entry(id).owner = 0;
}

/** unlink(2) of a socket file: -ENOENT if there is none. The socket keeps working. */
export function unixUnlink(p: usize, len: u32): i32 {
  let id = unixFind(p, len);
  if (id < 0 || unixIsAbstract(<u32>id)) return -Errno.ENOENT;
  let owner = unixOwner(<u32>id);
  remove(<u32>id);
  return <i32>owner; // caller detaches the socket's reference when owner != 0
}

/** Writes sockaddr_un for name id (or the unnamed form when id < 0); returns its length. */
export function formatUnix(id: i32, out: usize): i32 {
  store<u16>(out, 1); // AF_UNIX
  if (id < 0) return 2; // unnamed: "addrlen == sizeof(sa_family_t)" (unix(7))
  let e = entry(<u32>id);
  let len = <u32>e.len;
  memory.copy(out + 2, nameOf(e), len);
  // unix(7): pathname: offsetof(sun_path) + strlen(sun_path) + 1; abstract: exact length.
  if (unixIsAbstract(<u32>id)) return 2 + <i32>len;
  store<u8>(out + 2 + len, 0);
  return 3 + <i32>len;
}

/**
 * Parses sockaddr_un: returns the name length (bytes from sun_path, a path cut at its
 * first NUL), writing whether it is abstract into *abstractOut; -EINVAL for a bad
 * family or length (net/unix/af_unix.c unix_validate_addr / unix_mkname_bsd).
 */
export function parseUnix(ptr: usize, len: i32, abstractOut: usize): i32 {
  if (len <= 2 || len > 2 + UNIX_PATH_MAX) return -Errno.EINVAL;
  if (load<u16>(ptr) != 1) return -Errno.EINVAL;
  let n = len - 2;
  if (load<u8>(ptr + 2) == 0) { store<u8>(abstractOut, 1); return n; }
  store<u8>(abstractOut, 0);
  let i = 0;
  while (i < n && load<u8>(ptr + 2 + i) != 0) i++;
  return i;
}
