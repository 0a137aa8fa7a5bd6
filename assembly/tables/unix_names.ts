// AF_UNIX names: filesystem paths and Linux abstract names (sun_path[0] == 0).
//
// A bound path name behaves like the socket file Linux creates: it outlives the
// socket (a later bind() gives EADDRINUSE, connect() ECONNREFUSED) until the host
// unlinks it. An abstract name disappears with its socket.
//
// Entry layout (128 bytes): u32 owner slot+1 (0: no socket, a stale file), u32 owner
// gen, u16 length, u8 flags, u8 reserved, 108 bytes of name (sun_path bytes).
// Lookup: open addressing over entry ids, tombstones on removal.

import { UNIX_PATH_MAX } from "../core/constants";

const ENTRY: u32 = 128;
const F_USED: u8 = 1;
const F_ABSTRACT: u8 = 2;
const TOMB: u32 = 0xffffffff;

let entries: usize = 0;
let ecap: u32 = 0;
let ecount: u32 = 0;
let freeIds: usize = 0;     // stack of free entry ids
let nfree: u32 = 0;
let buckets: usize = 0;
let bmask: u32 = 0;
let bused: u32 = 0;         // live + tombstones

export function unixInit(): void {
  if (entries != 0) { heap.free(entries); heap.free(buckets); heap.free(freeIds); }
  ecap = 16; ecount = 0; nfree = 0;
  entries = heap.alloc(ecap * ENTRY);
  freeIds = heap.alloc(ecap * 4);
  bmask = 63; bused = 0;
  buckets = heap.alloc((bmask + 1) << 2);
  memory.fill(buckets, 0, (bmask + 1) << 2);
}

function ep(id: u32): usize { return entries + <usize>id * ENTRY; }

function hashBytes(p: usize, len: u32): u32 {
  let h: u32 = 2166136261;
  for (let i: u32 = 0; i < len; i++) h = (h ^ load<u8>(p + i)) * 16777619;
  return h;
}

function matches(id: u32, p: usize, len: u32): bool {
  let e = ep(id);
  if ((load<u8>(e, 10) & F_USED) == 0 || <u32>load<u16>(e, 8) != len) return false;
  return memory.compare(e + 12, p, len) == 0;
}

/** The entry id for a name, or -1. */
export function unixFind(p: usize, len: u32): i32 {
  let b = hashBytes(p, len) & bmask;
  while (true) {
    let v = load<u32>(buckets + (b << 2));
    if (v == 0) return -1;
    if (v != TOMB && matches(v - 1, p, len)) return <i32>(v - 1);
    b = (b + 1) & bmask;
  }
}

function rehash(): void {
  let ncap = (bmask + 1) << 1;
  heap.free(buckets);
  buckets = heap.alloc(ncap << 2);
  memory.fill(buckets, 0, ncap << 2);
  bmask = ncap - 1; bused = 0;
  for (let id: u32 = 0; id < ecount; id++) {
    let e = ep(id);
    if ((load<u8>(e, 10) & F_USED) == 0) continue;
    let b = hashBytes(e + 12, load<u16>(e, 8)) & bmask;
    while (load<u32>(buckets + (b << 2)) != 0) b = (b + 1) & bmask;
    store<u32>(buckets + (b << 2), id + 1);
    bused++;
  }
}

/** Creates a name owned by (slot, gen). The caller checked it does not exist. */
export function unixCreate(p: usize, len: u32, abstract: bool, slot: u32, gen: u32): u32 {
  let id: u32;
  if (nfree > 0) id = load<u32>(freeIds + (--nfree << 2));
  else {
    if (ecount == ecap) {
      ecap <<= 1;
      entries = heap.realloc(entries, ecap * ENTRY);
      freeIds = heap.realloc(freeIds, ecap * 4);
    }
    id = ecount++;
  }
  let e = ep(id);
  store<u32>(e, slot + 1); store<u32>(e, gen, 4);
  store<u16>(e, <u16>len, 8);
  store<u8>(e, F_USED | (abstract ? F_ABSTRACT : 0), 10);
  memory.copy(e + 12, p, len);
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
  let e = ep(id);
  let b = hashBytes(e + 12, load<u16>(e, 8)) & bmask;
  while (load<u32>(buckets + (b << 2)) != id + 1) b = (b + 1) & bmask;
  store<u32>(buckets + (b << 2), TOMB);
  store<u8>(e, 0, 10);
  store<u32>(freeIds + (nfree++ << 2), id);
}

/** The socket slot bound to the name (slot+1, 0 for a stale file) and its generation. */
export function unixOwner(id: u32): u32 { return load<u32>(ep(id)); }
export function unixOwnerGen(id: u32): u32 { return load<u32>(ep(id), 4); }
export function unixIsAbstract(id: u32): bool { return (load<u8>(ep(id), 10) & F_ABSTRACT) != 0; }

/** The owning socket closes: an abstract name goes, a path stays as a stale file. */
export function unixRelease(id: u32): void {
  if (unixIsAbstract(id)) remove(id);
  else store<u32>(ep(id), 0);
}

/** unlink(2) of a socket file: -ENOENT if there is none. The socket keeps working. */
export function unixUnlink(p: usize, len: u32): i32 {
  let id = unixFind(p, len);
  if (id < 0 || unixIsAbstract(<u32>id)) return -2;
  let owner = unixOwner(<u32>id);
  remove(<u32>id);
  return <i32>owner; // caller detaches the socket's reference when owner != 0
}

/** Writes sockaddr_un for name id (or the unnamed form when id < 0); returns its length. */
export function formatUnix(id: i32, out: usize): i32 {
  store<u16>(out, 1); // AF_UNIX
  if (id < 0) return 2; // unnamed: "addrlen == sizeof(sa_family_t)" (unix(7))
  let e = ep(<u32>id);
  let len = <u32>load<u16>(e, 8);
  memory.copy(out + 2, e + 12, len);
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
  if (len <= 2 || len > 2 + UNIX_PATH_MAX) return -22;
  if (load<u16>(ptr) != 1) return -22;
  let n = len - 2;
  if (load<u8>(ptr + 2) == 0) { store<u8>(abstractOut, 1); return n; }
  store<u8>(abstractOut, 0);
  let i = 0;
  while (i < n && load<u8>(ptr + 2 + i) != 0) i++;
  return i;
}
