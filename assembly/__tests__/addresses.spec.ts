// tables/addresses.ts: sockaddr_in / sockaddr_in6 parsing and formatting, and the interned
// address table (0 = 0.0.0.0, 1 = ::, 2 = 127.0.0.1, 3 = ::1).
import { ANY4, ANY6, LOOP4, LOOP6, NOT_LOCAL, SHARED, addLocal, addrDrop, addrHold, addressOwner, addressesInit, addressesLive, connectTarget, formatInet, isV4, isWildcard, parseInet, sourceFor } from "../tables/addresses";

const AF_INET: i32 = 2;
const AF_INET6: i32 = 10;
const EINVAL: i64 = -22;
const EAFNOSUPPORT: i64 = -97;

// Memory for the sockaddrs the specs build and the ones the kernel writes.
const IN = memory.data(128);
const OUT = memory.data(128);

/** sockaddr_in for a.b.c.d:port at IN: family little-endian, port big-endian, address in network order. */
function sin(a: u8, b: u8, c: u8, d: u8, port: u16): usize {
  memory.fill(IN, 0, 128);
  store<u16>(IN, <u16>AF_INET);
  store<u8>(IN + 2, <u8>(port >> 8)); store<u8>(IN + 3, <u8>port);
  store<u8>(IN + 4, a); store<u8>(IN + 5, b); store<u8>(IN + 6, c); store<u8>(IN + 7, d);
  return IN;
}

/** sockaddr_in6 for a 16-byte address (network order) and port at IN. */
function sin6(addr: StaticArray<u8>, port: u16): usize {
  memory.fill(IN, 0, 128);
  store<u16>(IN, <u16>AF_INET6);
  store<u8>(IN + 2, <u8>(port >> 8)); store<u8>(IN + 3, <u8>port);
  for (let i = 0; i < 16; i++) store<u8>(IN + 8 + i, addr[i]);
  return IN;
}

const ANY6_BYTES: StaticArray<u8> = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const LOOP6_BYTES: StaticArray<u8> = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const MAPPED_LOOP4: StaticArray<u8> = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1];
const MAPPED_10_1_2_3: StaticArray<u8> = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3];
const DOC6: StaticArray<u8> = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]; // 2001:db8::1

/** The interned index and the port from a parseInet result. */
function indexOf(parsed: i64): u32 { return <u32>(parsed >> 16); }
function portOf(parsed: i64): u32 { return <u32>(parsed & 0xffff); }

/** The index of an IPv4 address, interning 127/8 on the way. */
function v4Index(a: u8, b: u8, c: u8, d: u8): u32 { return indexOf(parseInet(sin(a, b, c, d, 0), 16, AF_INET)); }

/** Formats (idx, port) for a socket of `domain` into OUT and parses it back. */
function roundTrip(idx: u32, port: u32, domain: i32): i64 {
  let n = formatInet(idx, port, domain, OUT);
  return parseInet(OUT, n, domain);
}

describe("parseInet on an AF_INET socket", () => {
  beforeEach(() => { addressesInit(); });

  it("reads 127.0.0.1 as index 2 and the port big-endian", () => {
    let p = parseInet(sin(127, 0, 0, 1, 0x1f90), 16, AF_INET);
    expect(indexOf(p)).toBe(LOOP4);
    expect(portOf(p)).toBe(8080);
  });

  it("reads 0.0.0.0 as index 0", () => {
    expect(indexOf(parseInet(sin(0, 0, 0, 0, 80), 16, AF_INET))).toBe(ANY4);
  });

  it("treats all of 127/8 as local, interning each address once", () => {
    let a = v4Index(127, 1, 2, 3);
    expect(a).toBeGreaterThan(LOOP6);
    expect(a).not.toBe(NOT_LOCAL);
    expect(v4Index(127, 1, 2, 3)).toBe(a);
    addrHold(a);                              // a socket keeps it
    expect(v4Index(127, 1, 2, 4)).not.toBe(a);
    expect(v4Index(127, 1, 2, 3)).toBe(a);
    addrDrop(a);
  });

  it("forgets a 127/8 address nobody holds: its index is reused (issue 11)", () => {
    let before = addressesLive();
    let a = v4Index(127, 9, 9, 1);           // looked up, never held
    let b = v4Index(127, 9, 9, 2);           // the next intern releases a, and reuses its index
    expect(b).toBe(a);
    expect(addressesLive()).toBe(before + 1);
    addrHold(b);
    addrDrop(b);                              // the last holder: released at once
    expect(addressesLive()).toBe(before);
  });

  it("keeps a host's address, and its owner, after its last holder lets go", () => {
    let ten = addLocal(sin(10, 0, 0, 7, 0), 16, 1);  // host 1: ip addr add
    expect(ten).toBeGreaterThan(<i32>LOOP6);
    let live = addressesLive();
    addrHold(<u32>ten);
    addrDrop(<u32>ten);                        // pinned: not released
    expect(addressesLive()).toBe(live);
    expect(addressOwner(<u32>ten)).toBe(1);
    expect(addLocal(sin(10, 0, 0, 7, 0), 16, 2)).toBe(-98); // another host: EADDRINUSE
  });

  it("pins a 127/8 address the host adds after a lookup interned it", () => {
    let a = v4Index(127, 8, 8, 8);            // interned on demand, releasable
    expect(addLocal(sin(127, 8, 8, 8, 0), 16, 1)).toBe(<i32>a);
    let live = addressesLive();
    addrHold(a);
    addrDrop(a);
    expect(v4Index(127, 8, 8, 9)).not.toBe(a); // a was not released and reused
    expect(addressesLive()).toBe(live + 1);
    expect(addressOwner(a)).toBe(SHARED);      // 127/8 is every host's
  });

  it("says NOT_LOCAL (0xffff) for 10.1.2.3, keeping the port", () => {
    let p = parseInet(sin(10, 1, 2, 3, 443), 16, AF_INET);
    expect(indexOf(p)).toBe(NOT_LOCAL);
    expect(portOf(p)).toBe(443);
  });

  it("makes an address local once the host adds it", () => {
    let idx = addLocal(sin(10, 1, 2, 3, 0), 16);
    expect(idx).toBeGreaterThan(<i32>LOOP6);
    expect(v4Index(10, 1, 2, 3)).toBe(<u32>idx);
  });

  it("says EINVAL for a length below sizeof(sockaddr_in)", () => {
    expect(parseInet(sin(127, 0, 0, 1, 80), 15, AF_INET)).toBe(EINVAL);
    expect(parseInet(sin(127, 0, 0, 1, 80), 0, AF_INET)).toBe(EINVAL);
    expect(parseInet(sin(127, 0, 0, 1, 80), -1, AF_INET)).toBe(EINVAL);
  });

  it("says EAFNOSUPPORT for a sockaddr of another family", () => {
    expect(parseInet(sin6(LOOP6_BYTES, 80), 28, AF_INET)).toBe(EAFNOSUPPORT);
    let p = sin(127, 0, 0, 1, 80);
    store<u16>(p, 1); // AF_UNIX
    expect(parseInet(p, 16, AF_INET)).toBe(EAFNOSUPPORT);
  });
});

describe("parseInet on an AF_INET6 socket", () => {
  beforeEach(() => { addressesInit(); });

  it("reads ::1 as index 3 and :: as index 1", () => {
    let p = parseInet(sin6(LOOP6_BYTES, 8080), 28, AF_INET6);
    expect(indexOf(p)).toBe(LOOP6);
    expect(portOf(p)).toBe(8080);
    expect(indexOf(parseInet(sin6(ANY6_BYTES, 0), 28, AF_INET6))).toBe(ANY6);
  });

  it("maps ::ffff:127.0.0.1 to the IPv4 index 2", () => {
    expect(indexOf(parseInet(sin6(MAPPED_LOOP4, 80), 28, AF_INET6))).toBe(LOOP4);
  });

  it("says NOT_LOCAL for ::ffff:10.1.2.3 and for 2001:db8::1 until the host adds them", () => {
    expect(indexOf(parseInet(sin6(MAPPED_10_1_2_3, 80), 28, AF_INET6))).toBe(NOT_LOCAL);
    expect(indexOf(parseInet(sin6(DOC6, 80), 28, AF_INET6))).toBe(NOT_LOCAL);
    let idx = addLocal(sin6(DOC6, 0), 28);
    expect(indexOf(parseInet(sin6(DOC6, 80), 28, AF_INET6))).toBe(<u32>idx);
    expect(isV4(<u32>idx)).toBe(false);
  });

  it("accepts the 24-byte RFC 2133 sockaddr_in6 and says EINVAL below it", () => {
    expect(indexOf(parseInet(sin6(LOOP6_BYTES, 80), 24, AF_INET6))).toBe(LOOP6);
    expect(parseInet(sin6(LOOP6_BYTES, 80), 23, AF_INET6)).toBe(EINVAL);
    expect(parseInet(sin6(LOOP6_BYTES, 80), 16, AF_INET6)).toBe(EINVAL);
  });

  it("says EAFNOSUPPORT for a sockaddr_in", () => {
    expect(parseInet(sin(127, 0, 0, 1, 80), 28, AF_INET6)).toBe(EAFNOSUPPORT);
  });
});

describe("formatInet", () => {
  beforeEach(() => { addressesInit(); });

  it("writes a 16-byte sockaddr_in: family little-endian, port big-endian, address in network order, zero padding", () => {
    memory.fill(OUT, 0xaa, 128);
    expect(formatInet(LOOP4, 0x1f90, AF_INET, OUT)).toBe(16);
    expect(load<u16>(OUT)).toBe(<u16>AF_INET);
    expect(load<u8>(OUT + 2)).toBe(0x1f);
    expect(load<u8>(OUT + 3)).toBe(0x90);
    expect(load<u8>(OUT + 4)).toBe(127);
    expect(load<u8>(OUT + 7)).toBe(1);
    expect(load<u64>(OUT + 8)).toBe(0);
  });

  it("shows 127.0.0.1 to an AF_INET6 socket as ::ffff:127.0.0.1 in a 28-byte sockaddr_in6", () => {
    expect(formatInet(LOOP4, 80, AF_INET6, OUT)).toBe(28);
    expect(load<u16>(OUT)).toBe(<u16>AF_INET6);
    expect(load<u32>(OUT + 4)).toBe(0);          // flowinfo
    let wrong = 0;
    for (let i = 0; i < 16; i++) if (load<u8>(OUT + 8 + i) != MAPPED_LOOP4[i]) wrong++;
    expect(wrong).toBe(0);
    expect(load<u32>(OUT + 24)).toBe(0);         // scope id
  });

  it("shows 0.0.0.0 to an AF_INET6 socket as :: (not ::ffff:0.0.0.0)", () => {
    formatInet(ANY4, 80, AF_INET6, OUT);
    expect(load<u64>(OUT + 8)).toBe(0);
    expect(load<u64>(OUT + 16)).toBe(0);
  });

  it("round-trips the fixed addresses through format and parse", () => {
    expect(roundTrip(ANY4, 1, AF_INET)).toBe((<i64>ANY4 << 16) | 1);
    expect(roundTrip(LOOP4, 8080, AF_INET)).toBe((<i64>LOOP4 << 16) | 8080);
    expect(roundTrip(ANY6, 65535, AF_INET6)).toBe((<i64>ANY6 << 16) | 65535);
    expect(roundTrip(LOOP6, 80, AF_INET6)).toBe((<i64>LOOP6 << 16) | 80);
  });

  it("round-trips IPv4 addresses through their mapped form on AF_INET6 sockets", () => {
    expect(roundTrip(LOOP4, 80, AF_INET6)).toBe((<i64>LOOP4 << 16) | 80);
    let other = v4Index(127, 9, 8, 7);
    expect(roundTrip(other, 5000, AF_INET6)).toBe((<i64>other << 16) | 5000);
    expect(roundTrip(other, 5000, AF_INET)).toBe((<i64>other << 16) | 5000);
  });

  it("round-trips an IPv6 address the host added", () => {
    let idx = <u32>addLocal(sin6(DOC6, 0), 28);
    expect(roundTrip(idx, 443, AF_INET6)).toBe((<i64>idx << 16) | 443);
  });
});

describe("local addresses", () => {
  beforeEach(() => { addressesInit(); });

  it("refuses to add a sockaddr of another family (EAFNOSUPPORT) or a short one (EINVAL)", () => {
    let p = sin(10, 0, 0, 1, 0);
    expect(addLocal(p, 15)).toBe(-22);
    store<u16>(p, 1);
    expect(addLocal(p, 16)).toBe(-97);
    expect(addLocal(p, 1)).toBe(-97);
    expect(addLocal(sin6(DOC6, 0), 23)).toBe(-22);
  });

  it("gives the same index when an address is added twice", () => {
    let a = addLocal(sin(10, 0, 0, 1, 0), 16);
    expect(addLocal(sin(10, 0, 0, 1, 0), 16)).toBe(a);
  });

  it("knows the wildcards and the family of each fixed index", () => {
    expect(isWildcard(ANY4)).toBe(true);
    expect(isWildcard(ANY6)).toBe(true);
    expect(isWildcard(LOOP4)).toBe(false);
    expect(isV4(ANY4)).toBe(true);
    expect(isV4(LOOP4)).toBe(true);
    expect(isV4(ANY6)).toBe(false);
    expect(isV4(LOOP6)).toBe(false);
  });

  it("connects to the wildcard as loopback and sources all of 127/8 from 127.0.0.1", () => {
    expect(connectTarget(ANY4)).toBe(LOOP4);
    expect(connectTarget(ANY6)).toBe(LOOP6);
    expect(sourceFor(v4Index(127, 0, 0, 5))).toBe(LOOP4);
    expect(sourceFor(LOOP6)).toBe(LOOP6);
    let ten = <u32>addLocal(sin(10, 0, 0, 1, 0), 16);
    expect(sourceFor(ten)).toBe(ten);
  });

  it("keeps every address findable as the table grows past 64 entries", () => {
    let idx = new StaticArray<u32>(300);
    for (let i = 0; i < 300; i++) idx[i] = v4Index(127, 5, <u8>(i >> 8), <u8>i);
    let wrong = 0;
    for (let i = 0; i < 300; i++) if (v4Index(127, 5, <u8>(i >> 8), <u8>i) != idx[i]) wrong++;
    expect(wrong).toBe(0);
    expect(v4Index(127, 0, 0, 1)).toBe(LOOP4);
  });
});
