import { fdInit, fdAlloc, fdRelease, fdLookup } from "../fd_table";

describe("fd table", () => {
  beforeEach(() => { fdInit(); });
  it("hands out 3 first: 0, 1 and 2 are stdio and not sockets", () => {
    expect(fdAlloc(100, 1024)).toBe(3);
    expect(fdLookup(0)).toBe(-88);
    expect(fdLookup(3)).toBe(100);
  });
});
