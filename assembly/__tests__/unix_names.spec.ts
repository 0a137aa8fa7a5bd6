// tables/unix_names.ts: AF_UNIX names. A path name outlives its socket as a stale socket
// file until unlinked; an abstract name (sun_path[0] == 0) goes with its socket.
import { formatUnix, parseUnix, unixCreate, unixFind, unixInit, unixIsAbstract, unixOwner, unixOwnerGen, unixRelease, unixUnlink } from "../tables/unix_names";

const EINVAL: i32 = -22;
const ENOENT: i32 = -2;

const NAME = memory.data(256);
const SUN = memory.data(256);
const OUT = memory.data(256);
const ABSTRACT_OUT = memory.data(4);

/** Writes the bytes of `s` (ASCII, "\0" allowed) at NAME; returns NAME. */
function name(s: string): usize {
  for (let i = 0; i < s.length; i++) store<u8>(NAME + i, <u8>s.charCodeAt(i));
  return NAME;
}

/** Creates a path name owned by socket slot `slot`, generation `gen`. */
function pathOwnedBy(s: string, slot: u32, gen: u32): u32 {
  return unixCreate(name(s), s.length, false, slot, gen);
}

/** Creates an abstract name ("\0..." in s) owned by slot. */
function abstractOwnedBy(s: string, slot: u32): u32 {
  return unixCreate(name(s), s.length, true, slot, 0);
}

function find(s: string): i32 { return unixFind(name(s), s.length); }
function unlink(s: string): i32 { return unixUnlink(name(s), s.length); }

/** sockaddr_un at SUN: family AF_UNIX (1), then the sun_path bytes of s. */
function sockaddrUn(s: string): usize {
  memory.fill(SUN, 0xee, 256);
  store<u16>(SUN, 1);
  for (let i = 0; i < s.length; i++) store<u8>(SUN + 2 + i, <u8>s.charCodeAt(i));
  return SUN;
}

function parsedLength(s: string, addrlen: i32): i32 { return parseUnix(sockaddrUn(s), addrlen, ABSTRACT_OUT); }
function parsedAbstract(): bool { return load<u8>(ABSTRACT_OUT) != 0; }

describe("a path name", () => {
  beforeEach(() => { unixInit(); });

  it("is found after bind() created it, with its owner slot+1 and generation", () => {
    let id = pathOwnedBy("/tmp/sock", 4, 9);
    expect(find("/tmp/sock")).toBe(<i32>id);
    expect(unixOwner(id)).toBe(5);
    expect(unixOwnerGen(id)).toBe(9);
    expect(unixIsAbstract(id)).toBe(false);
  });

  it("is not found under a prefix or an extension of itself", () => {
    pathOwnedBy("/tmp/ab", 0, 0);
    expect(find("/tmp/a")).toBe(-1);
    expect(find("/tmp/abc")).toBe(-1);
    expect(find("/tmp/ac")).toBe(-1);
  });

  it("stays as a stale socket file with owner 0 when its socket closes", () => {
    let id = pathOwnedBy("/tmp/sock", 4, 0);
    unixRelease(id);
    expect(find("/tmp/sock")).toBe(<i32>id);
    expect(unixOwner(id)).toBe(0);
  });

  it("is gone after unlink, which returns the owner (slot+1) so the socket can be detached", () => {
    pathOwnedBy("/tmp/sock", 4, 0);
    expect(unlink("/tmp/sock")).toBe(5);
    expect(find("/tmp/sock")).toBe(-1);
  });

  it("unlinks as a stale file with owner 0", () => {
    let id = pathOwnedBy("/tmp/sock", 4, 0);
    unixRelease(id);
    expect(unlink("/tmp/sock")).toBe(0);
    expect(find("/tmp/sock")).toBe(-1);
  });

  it("says ENOENT when unlinking a name that does not exist", () => {
    expect(unlink("/tmp/none")).toBe(ENOENT);
    pathOwnedBy("/tmp/sock", 1, 0);
    unlink("/tmp/sock");
    expect(unlink("/tmp/sock")).toBe(ENOENT);
  });

  it("can be created again after unlink, for a new owner", () => {
    pathOwnedBy("/tmp/sock", 1, 0);
    unlink("/tmp/sock");
    let id = pathOwnedBy("/tmp/sock", 2, 3);
    expect(find("/tmp/sock")).toBe(<i32>id);
    expect(unixOwner(id)).toBe(3);
  });
});

describe("an abstract name", () => {
  beforeEach(() => { unixInit(); });

  it("is found while its socket lives", () => {
    let id = abstractOwnedBy("\0srv", 6);
    expect(find("\0srv")).toBe(<i32>id);
    expect(unixIsAbstract(id)).toBe(true);
    expect(unixOwner(id)).toBe(7);
  });

  it("disappears when its socket closes", () => {
    let id = abstractOwnedBy("\0srv", 6);
    unixRelease(id);
    expect(find("\0srv")).toBe(-1);
  });

  it("cannot be unlinked (ENOENT) and stays bound", () => {
    abstractOwnedBy("\0srv", 6);
    expect(unlink("\0srv")).toBe(ENOENT);
    expect(find("\0srv")).toBeGreaterThanOrEqual(0);
  });

  it("is a different name from the path with the same characters", () => {
    pathOwnedBy("srv", 1, 0);
    expect(find("\0srv")).toBe(-1);
  });
});

describe("many names", () => {
  beforeEach(() => { unixInit(); });

  it("keeps every live name findable through growth, releases and reuse of entries", () => {
    // 1000 abstract names, every other one released (tombstones), then 500 new paths.
    for (let i = 0; i < 1000; i++) abstractOwnedBy("\0n" + i.toString(), <u32>i);
    for (let i = 0; i < 1000; i += 2) unixRelease(<u32>find("\0n" + i.toString()));
    for (let i = 0; i < 500; i++) pathOwnedBy("/p/" + i.toString(), 5000 + <u32>i, 0);
    let wrong = 0;
    for (let i = 0; i < 1000; i++) {
      let id = find("\0n" + i.toString());
      if (i % 2 == 0 ? id != -1 : id < 0 || unixOwner(<u32>id) != <u32>i + 1) wrong++;
    }
    for (let i = 0; i < 500; i++) {
      let id = find("/p/" + i.toString());
      if (id < 0 || unixOwner(<u32>id) != 5001 + <u32>i) wrong++;
    }
    expect(wrong).toBe(0);
  });
});

describe("parseUnix", () => {
  it("gives the path length up to the first NUL", () => {
    expect(parsedLength("/tmp/sock\0garbage", 2 + 17)).toBe(9);
    expect(parsedAbstract()).toBe(false);
  });

  it("gives the whole sun_path when there is no NUL", () => {
    expect(parsedLength("/tmp/sock", 2 + 9)).toBe(9);
  });

  it("takes a full 108-byte sun_path", () => {
    let long = "/".repeat(108);
    expect(parsedLength(long, 110)).toBe(108);
  });

  it("reads a leading NUL as an abstract name of addrlen - 2 bytes, NULs included", () => {
    expect(parsedLength("\0a\0b", 2 + 4)).toBe(4);
    expect(parsedAbstract()).toBe(true);
  });

  it("says EINVAL for an addrlen of 2 or less (no sun_path) or above sizeof(sockaddr_un)", () => {
    expect(parsedLength("/tmp/x", 2)).toBe(EINVAL);
    expect(parsedLength("/tmp/x", 1)).toBe(EINVAL);
    expect(parsedLength("/tmp/x", 0)).toBe(EINVAL);
    expect(parsedLength("/tmp/x", -1)).toBe(EINVAL);
    expect(parsedLength("/tmp/x", 111)).toBe(EINVAL);
  });

  it("says EINVAL for a family other than AF_UNIX", () => {
    let p = sockaddrUn("/tmp/x");
    store<u16>(p, 2);
    expect(parseUnix(p, 8, ABSTRACT_OUT)).toBe(EINVAL);
  });
});

describe("formatUnix", () => {
  beforeEach(() => { unixInit(); });

  it("writes just the family (length 2) for an unnamed socket", () => {
    expect(formatUnix(-1, OUT)).toBe(2);
    expect(load<u16>(OUT)).toBe(1);
  });

  it("writes a path with its terminating NUL: length offsetof(sun_path) + strlen + 1", () => {
    let id = pathOwnedBy("/tmp/s", 0, 0);
    memory.fill(OUT, 0xee, 256);
    expect(formatUnix(<i32>id, OUT)).toBe(2 + 6 + 1);
    expect(load<u8>(OUT + 2)).toBe(<u8>0x2f); // '/'
    expect(load<u8>(OUT + 8)).toBe(0);
  });

  it("writes an abstract name with its exact length and no terminator", () => {
    let id = abstractOwnedBy("\0srv", 0);
    memory.fill(OUT, 0xee, 256);
    expect(formatUnix(<i32>id, OUT)).toBe(2 + 4);
    expect(load<u8>(OUT + 2)).toBe(0);
    expect(load<u8>(OUT + 5)).toBe(<u8>0x76); // 'v'
    expect(load<u8>(OUT + 6)).toBe(0xee);
  });

  it("gives back what parseUnix read (path and abstract)", () => {
    let n = parsedLength("/tmp/rt\0", 2 + 8);
    let id = unixCreate(SUN + 2, <u32>n, parsedAbstract(), 0, 0);
    expect(formatUnix(<i32>id, OUT)).toBe(2 + 7 + 1);
    expect(memory.compare(OUT + 2, SUN + 2, 7)).toBe(0);
    let m = parsedLength("\0rt", 2 + 3);
    let id2 = unixCreate(SUN + 2, <u32>m, parsedAbstract(), 0, 0);
    expect(formatUnix(<i32>id2, OUT)).toBe(2 + 3);
  });
});
