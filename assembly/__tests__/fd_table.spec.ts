// core/fd_table.ts: POSIX lowest-free descriptor allocation over a hierarchy of bitmaps.
import { fdAlloc, fdCapacity, fdInit, fdLookup, fdRelease, fdsUsed } from "../core/fd_table";

const EBADF: i32 = -9;
const EMFILE: i32 = -24;
const ENOTSOCK: i32 = -88;

/** A limit the table itself reaches first (RLIMIT_NOFILE up to 16 M). */
const NO_LIMIT: u32 = 1 << 24;

/**
 * Opens descriptors for socket slots 0..n-1, so fd i+3 names slot i. Returns how many
 * allocations did not hand out the expected lowest fd (0 when all did).
 */
function opened(n: i32): i32 {
  let wrong = 0;
  for (let i = 0; i < n; i++) if (fdAlloc(<u32>i, NO_LIMIT) != i + 3) wrong++;
  return wrong;
}

/** Closes the given descriptors in the given order. */
function closeAll(fds: StaticArray<i32>): void {
  for (let i = 0; i < fds.length; i++) fdRelease(fds[i]);
}

/** Allocates fds.length descriptors and counts those that differ from fds (expected order). */
function reopenMismatches(fds: StaticArray<i32>): i32 {
  let wrong = 0;
  for (let i = 0; i < fds.length; i++) if (fdAlloc(900000 + <u32>i, NO_LIMIT) != fds[i]) wrong++;
  return wrong;
}

describe("fd table: lowest free descriptor", () => {
  beforeEach(() => { fdInit(); });

  it("hands out 3 first: 0, 1 and 2 are stdio", () => {
    expect(fdAlloc(100, NO_LIMIT)).toBe(3);
    expect(fdLookup(3)).toBe(100);
  });

  it("hands out a closed stdio descriptor first (close(0), then socket())", () => {
    fdRelease(0);
    expect(fdLookup(0)).toBe(EBADF);
    expect(fdAlloc(9, NO_LIMIT)).toBe(0);
    expect(fdLookup(0)).toBe(9);
    expect(fdAlloc(10, NO_LIMIT)).toBe(3);
  });

  it("hands out consecutive descriptors while none is closed", () => {
    expect(opened(100)).toBe(0);
    expect(fdsUsed()).toBe(103);
  });

  it("reuses a closed middle descriptor before a new one", () => {
    opened(10);                       // fds 3..12
    fdRelease(7);
    expect(fdLookup(7)).toBe(EBADF);
    expect(fdAlloc(50, NO_LIMIT)).toBe(7);
    expect(fdLookup(7)).toBe(50);
    expect(fdAlloc(51, NO_LIMIT)).toBe(13);
  });

  it("reuses closed descriptors in ascending order whatever order they were closed in", () => {
    opened(200);                      // fds 3..202
    closeAll([150, 4, 66, 67, 128, 63, 64]);
    expect(reopenMismatches([4, 63, 64, 66, 67, 128, 150, 203])).toBe(0);
  });

  it("keeps lowest-free exact when it grows past 4096 descriptors", () => {
    expect(fdCapacity()).toBe(4096);
    expect(opened(5000)).toBe(0);     // fds 3..5002
    expect(fdCapacity()).toBe(262144);
    closeAll([4096, 7, 4095, 5000]);
    expect(reopenMismatches([7, 4095, 4096, 5000, 5003])).toBe(0);
  });

  it("keeps lowest-free exact when it grows past 262144 descriptors", () => {
    expect(opened(300000)).toBe(0);   // fds 3..300002
    expect(fdCapacity()).toBe(16777216);
    expect(fdLookup(262144)).toBe(262141);
    expect(fdLookup(300002)).toBe(299999);
    // One descriptor from each region: first 4096, first 262144 (both sides of
    // 64-bit word and 4096-fd block boundaries), and the newest block.
    closeAll([299999, 64, 262144, 4095, 131072, 262143, 3, 4096, 63]);
    expect(fdsUsed()).toBe(300003 - 9);
    expect(reopenMismatches([3, 63, 64, 4095, 4096, 131072, 262143, 262144, 299999, 300003])).toBe(0);
  });

  it("fills every hole left by closing a whole 64-descriptor word before going past the end", () => {
    opened(300);                      // fds 3..302
    let word = new StaticArray<i32>(64);
    for (let i = 0; i < 64; i++) word[i] = 128 + i;
    closeAll(word);
    let expected = new StaticArray<i32>(65);
    for (let i = 0; i < 64; i++) expected[i] = 128 + i;
    expected[64] = 303;
    expect(reopenMismatches(expected)).toBe(0);
  });
});

describe("fd table: RLIMIT_NOFILE", () => {
  beforeEach(() => { fdInit(); });

  it("returns EMFILE when the lowest free fd would reach the limit", () => {
    expect(fdAlloc(0, 5)).toBe(3);
    expect(fdAlloc(1, 5)).toBe(4);
    expect(fdAlloc(2, 5)).toBe(EMFILE);
  });

  it("uses up no descriptor when it returns EMFILE", () => {
    fdAlloc(0, 4);
    let used = fdsUsed();
    expect(fdAlloc(1, 4)).toBe(EMFILE);
    expect(fdsUsed()).toBe(used);
    expect(fdLookup(4)).toBe(EBADF);
  });

  it("hands out a closed fd below the limit again after EMFILE", () => {
    fdAlloc(0, 6); fdAlloc(1, 6); fdAlloc(2, 6);   // 3, 4, 5
    expect(fdAlloc(3, 6)).toBe(EMFILE);
    fdRelease(4);
    expect(fdAlloc(3, 6)).toBe(4);
  });

  it("returns EMFILE for every fd when the limit is 3 (stdio only)", () => {
    expect(fdAlloc(0, 3)).toBe(EMFILE);
  });
});

describe("fd table: lookup", () => {
  beforeEach(() => { fdInit(); });

  it("gives the socket slot behind an open fd", () => {
    fdAlloc(41, NO_LIMIT);
    fdAlloc(0, NO_LIMIT);
    expect(fdLookup(3)).toBe(41);
    expect(fdLookup(4)).toBe(0);
  });

  it("says ENOTSOCK for stdio 0, 1 and 2", () => {
    expect(fdLookup(0)).toBe(ENOTSOCK);
    expect(fdLookup(1)).toBe(ENOTSOCK);
    expect(fdLookup(2)).toBe(ENOTSOCK);
  });

  it("says EBADF for a negative fd", () => {
    expect(fdLookup(-1)).toBe(EBADF);
    expect(fdLookup(i32.MIN_VALUE)).toBe(EBADF);
  });

  it("says EBADF for an fd that was never opened or was closed", () => {
    expect(fdLookup(3)).toBe(EBADF);
    fdAlloc(7, NO_LIMIT);
    fdRelease(3);
    expect(fdLookup(3)).toBe(EBADF);
  });

  it("says EBADF for an fd beyond the table", () => {
    expect(fdLookup(4096)).toBe(EBADF);
    expect(fdLookup(1 << 24)).toBe(EBADF);
    expect(fdLookup(i32.MAX_VALUE)).toBe(EBADF);
  });
});
