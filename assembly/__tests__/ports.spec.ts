// tables/ports.ts: who is bound to which port (bind conflicts), who listens where
// (listener lookup), and the ephemeral port choice for bind(0)/listen() and connect().
import { seed } from "../core/prng";
import { Flag, NONE, Off, setFlag, setU16, setU8, sockAlloc, socketsInit } from "../core/socket";
import { SocketState, setState } from "../core/state";
import { Personality, setDefaults } from "../policy/personality";
import { Tunable, setTunable } from "../policy/tunables";
import { ANY4, ANY6, LOOP4, LOOP6, addLocal, addressesInit } from "../tables/addresses";
import { addrOverlap, bindConflict, chooseBindPort, chooseConnectPort, findListener, hashBind, hashListen, listenConflict, portsInit, unhashBind, unhashListen } from "../tables/ports";
import { connContains, connInit, connInsert, tupleKey } from "../tables/tuples";

const AF_INET: u32 = 2;
const AF_INET6: u32 = 10;
const TCP: u32 = 0;
const UDP: u32 = 1;
const PORT: u32 = 8080;
const BIND: bool = true;      // relax: the bind()/listen() check
const SEARCH: bool = false;   // no relax: the ephemeral port search

const SA = memory.data(32);

/** Index of 127.0.0.a (interned). */
function loop4(a: u8): u32 {
  store<u16>(SA, 2); store<u16>(SA + 2, 0);
  store<u8>(SA + 4, 127); store<u8>(SA + 5, 0); store<u8>(SA + 6, 0); store<u8>(SA + 7, a);
  return <u32>addLocal(SA, 16);
}

/** A TCP socket of `domain` with local address `addr`, not yet on any port. */
function unbound(domain: u32, addr: u32): u32 {
  let s = sockAlloc();
  setState(s, SocketState.UNBOUND);
  setU8(s, Off.DOMAIN, domain);
  setU8(s, Off.TYPE, 1);
  setU16(s, Off.LADDR, addr);
  return s;
}

/** A socket bound by bind() to (addr, port) on the TCP port table, with extra flags. */
function boundTo(domain: u32, addr: u32, port: u32, flags: u32): u32 {
  let s = unbound(domain, addr);
  setFlag(s, flags | Flag.BINDLOCK);
  setU16(s, Off.LPORT, port);
  hashBind(s, TCP, port, false);
  setState(s, SocketState.BOUND);
  return s;
}

/** A TCP listener on (addr, port). */
function listeningOn(domain: u32, addr: u32, port: u32, flags: u32): u32 {
  let s = boundTo(domain, addr, port, flags);
  setState(s, SocketState.LISTEN);
  hashListen(s, port);
  return s;
}

/** Would a new socket (domain, addr, flags) get EADDRINUSE from bind() on PORT? */
function bindWouldConflict(domain: u32, addr: u32, flags: u32): bool {
  let s = unbound(domain, addr);
  setFlag(s, flags);
  return bindConflict(s, TCP, PORT, BIND);
}

function setPortRange(low: i64, high: i64): void {
  // Low first: both values stay within the default range's ordering.
  setTunable(Tunable.IpLocalPortRangeLow, low);
  setTunable(Tunable.IpLocalPortRangeHigh, high);
}

function init(): void {
  setDefaults(Personality.Linux);
  seed(7);
  socketsInit(); addressesInit(); portsInit(); connInit();
}

describe("bind() conflicts", () => {
  beforeEach(init);

  it("refuses a second socket on the same address and port", () => {
    boundTo(AF_INET, LOOP4, PORT, 0);
    expect(bindWouldConflict(AF_INET, LOOP4, 0)).toBe(true);
  });

  it("lets two specific addresses share a port", () => {
    boundTo(AF_INET, LOOP4, PORT, 0);
    expect(bindWouldConflict(AF_INET, loop4(2), 0)).toBe(false);
  });

  it("makes 0.0.0.0 conflict with a specific address, in both orders", () => {
    boundTo(AF_INET, LOOP4, PORT, 0);
    expect(bindWouldConflict(AF_INET, ANY4, 0)).toBe(true);
    init();
    boundTo(AF_INET, ANY4, PORT, 0);
    expect(bindWouldConflict(AF_INET, LOOP4, 0)).toBe(true);
  });

  it("lets SO_REUSEADDR sockets share a port nobody listens on, for bind() but not for the port search", () => {
    boundTo(AF_INET, LOOP4, PORT, Flag.REUSEADDR);
    let s = unbound(AF_INET, LOOP4);
    setFlag(s, Flag.REUSEADDR);
    expect(bindConflict(s, TCP, PORT, BIND)).toBe(false);
    expect(bindConflict(s, TCP, PORT, SEARCH)).toBe(true);
  });

  it("never lets SO_REUSEADDR share a port with a listener", () => {
    listeningOn(AF_INET, LOOP4, PORT, Flag.REUSEADDR);
    expect(bindWouldConflict(AF_INET, LOOP4, Flag.REUSEADDR)).toBe(true);
  });

  it("lets SO_REUSEPORT sockets share a port for bind() (one user), even with a listener", () => {
    listeningOn(AF_INET, LOOP4, PORT, Flag.REUSEPORT);
    expect(bindWouldConflict(AF_INET, LOOP4, Flag.REUSEPORT)).toBe(false);
    expect(bindWouldConflict(AF_INET, LOOP4, 0)).toBe(true);
  });

  it("frees the port when the holder leaves the bind list", () => {
    let s = boundTo(AF_INET, LOOP4, PORT, 0);
    unhashBind(s, TCP);
    expect(bindWouldConflict(AF_INET, LOOP4, 0)).toBe(false);
  });

  it("keeps the other sockets on the port when one in the middle of the list leaves", () => {
    let a = boundTo(AF_INET, loop4(2), PORT, 0);
    let b = boundTo(AF_INET, loop4(3), PORT, 0);
    let c = boundTo(AF_INET, loop4(4), PORT, 0);
    unhashBind(b, TCP);
    expect(bindWouldConflict(AF_INET, loop4(2), 0)).toBe(true);
    expect(bindWouldConflict(AF_INET, loop4(3), 0)).toBe(false);
    expect(bindWouldConflict(AF_INET, loop4(4), 0)).toBe(true);
    unhashBind(a, TCP); unhashBind(c, TCP);
    expect(bindWouldConflict(AF_INET, ANY4, 0)).toBe(false);
  });

  it("keeps TCP and UDP ports apart", () => {
    let u = unbound(AF_INET, LOOP4);
    setU16(u, Off.LPORT, PORT);
    hashBind(u, UDP, PORT, false);
    expect(bindWouldConflict(AF_INET, LOOP4, 0)).toBe(false);
    expect(bindConflict(unbound(AF_INET, LOOP4), UDP, PORT, BIND)).toBe(true);
  });
});

describe("address overlap between IPv4 and IPv6 (inet_rcv_saddr_equal)", () => {
  beforeEach(init);

  it("is not symmetric: 0.0.0.0 after [::1] conflicts, [::1] after 0.0.0.0 does not", () => {
    let v6 = boundTo(AF_INET6, LOOP6, PORT, 0);
    let v4 = unbound(AF_INET, ANY4);
    expect(addrOverlap(v4, v6)).toBe(true);
    let v4b = boundTo(AF_INET, ANY4, PORT + 1, 0);
    let v6b = unbound(AF_INET6, LOOP6);
    expect(addrOverlap(v6b, v4b)).toBe(false);
  });

  it("makes a dual-stack [::] conflict with 0.0.0.0 and 127.0.0.1", () => {
    boundTo(AF_INET6, ANY6, PORT, 0);
    expect(bindWouldConflict(AF_INET, ANY4, 0)).toBe(true);
    expect(bindWouldConflict(AF_INET, LOOP4, 0)).toBe(true);
  });

  it("keeps an IPV6_V6ONLY [::] apart from IPv4 but not from [::1]", () => {
    boundTo(AF_INET6, ANY6, PORT, Flag.V6ONLY);
    expect(bindWouldConflict(AF_INET, ANY4, 0)).toBe(false);
    expect(bindWouldConflict(AF_INET, LOOP4, 0)).toBe(false);
    expect(bindWouldConflict(AF_INET6, LOOP6, 0)).toBe(true);
  });

  it("treats an AF_INET6 socket bound to ::ffff:127.0.0.1 as 127.0.0.1", () => {
    boundTo(AF_INET6, LOOP4, PORT, 0);
    expect(bindWouldConflict(AF_INET, LOOP4, 0)).toBe(true);
    expect(bindWouldConflict(AF_INET, loop4(2), 0)).toBe(false);
    expect(bindWouldConflict(AF_INET6, LOOP6, 0)).toBe(false);
  });
});

describe("listener lookup for an incoming SYN", () => {
  beforeEach(init);

  it("finds nobody (NONE) on a port without listeners", () => {
    boundTo(AF_INET, LOOP4, PORT, 0);
    expect(findListener(LOOP4, PORT, 0)).toBe(NONE);
  });

  it("prefers the exact address over 0.0.0.0 over a dual-stack [::]", () => {
    // SO_REUSEPORT is what lets the three listen on one port together.
    let dual = listeningOn(AF_INET6, ANY6, PORT, Flag.REUSEPORT);
    expect(findListener(LOOP4, PORT, 0)).toBe(dual);
    let any = listeningOn(AF_INET, ANY4, PORT, Flag.REUSEPORT);
    expect(findListener(LOOP4, PORT, 0)).toBe(any);
    let exact = listeningOn(AF_INET, LOOP4, PORT, Flag.REUSEPORT);
    expect(findListener(LOOP4, PORT, 0)).toBe(exact);
    expect(findListener(loop4(2), PORT, 0)).toBe(any);
  });

  it("does not give IPv4 connections to an IPV6_V6ONLY listener", () => {
    listeningOn(AF_INET6, ANY6, PORT, Flag.V6ONLY);
    expect(findListener(LOOP4, PORT, 0)).toBe(NONE);
    expect(findListener(LOOP6, PORT, 0)).not.toBe(NONE);
  });

  it("does not give IPv6 connections to an IPv4 listener", () => {
    listeningOn(AF_INET, ANY4, PORT, 0);
    expect(findListener(LOOP6, PORT, 0)).toBe(NONE);
  });

  it("stops finding a listener taken off the port", () => {
    let a = listeningOn(AF_INET, loop4(2), PORT, 0);
    let b = listeningOn(AF_INET, LOOP4, PORT, 0);
    unhashListen(b);
    expect(findListener(LOOP4, PORT, 0)).toBe(NONE);
    expect(findListener(loop4(2), PORT, 0)).toBe(a);
  });

  it("spreads connections over SO_REUSEPORT listeners by hash", () => {
    let a = listeningOn(AF_INET, LOOP4, PORT, Flag.REUSEPORT);
    let b = listeningOn(AF_INET, LOOP4, PORT, Flag.REUSEPORT);
    let low = findListener(LOOP4, PORT, 0);
    let high = findListener(LOOP4, PORT, 0xffffffff);
    expect(low).not.toBe(high);
    expect(low == a || low == b).toBe(true);
    expect(high == a || high == b).toBe(true);
  });

  it("refuses a second listener on an overlapping address unless both have SO_REUSEPORT", () => {
    listeningOn(AF_INET, ANY4, PORT, 0);
    let s = boundTo(AF_INET, LOOP4, PORT, 0);
    expect(listenConflict(s, PORT)).toBe(true);
    init();
    listeningOn(AF_INET, ANY4, PORT, Flag.REUSEPORT);
    let t = boundTo(AF_INET, ANY4, PORT, Flag.REUSEPORT);
    expect(listenConflict(t, PORT)).toBe(false);
  });
});

describe("ephemeral port for bind(port 0) and listen()", () => {
  beforeEach(init);

  it("picks an odd port inside ip_local_port_range", () => {
    let wrong = 0;
    for (let i = 0; i < 200; i++) {
      let p = chooseBindPort(unbound(AF_INET, LOOP4), TCP);
      if (p < 32768 || p > 60999 || (p & 1) == 0) wrong++;
    }
    expect(wrong).toBe(0);
  });

  it("takes an even port once every odd one is taken", () => {
    setPortRange(40000, 40003);
    boundTo(AF_INET, ANY4, 40001, 0);
    boundTo(AF_INET, ANY4, 40003, 0);
    let p = chooseBindPort(unbound(AF_INET, LOOP4), TCP);
    expect(p == 40000 || p == 40002).toBe(true);
  });

  it("returns 0 when every port in the range is taken", () => {
    setPortRange(40000, 40003);
    for (let p: u32 = 40000; p <= 40003; p++) boundTo(AF_INET, ANY4, p, 0);
    expect(chooseBindPort(unbound(AF_INET, LOOP4), TCP)).toBe(0);
  });

  it("uses a port held only on another address", () => {
    setPortRange(40000, 40001);
    boundTo(AF_INET, loop4(2), 40001, 0);
    boundTo(AF_INET, loop4(2), 40000, 0);
    expect(chooseBindPort(unbound(AF_INET, LOOP4), TCP)).toBe(40001);
  });
});

describe("ephemeral port for a UDP autobind", () => {
  beforeEach(init);

  it("takes any free port in the range, even ones included (udp_lib_get_port has no parity rule)", () => {
    setPortRange(40000, 40001);
    let u = unbound(AF_INET, ANY4);
    setU16(u, Off.LPORT, 40001);
    hashBind(u, UDP, 40001, false);
    expect(chooseBindPort(unbound(AF_INET, LOOP4), UDP)).toBe(40000);
  });

  it("returns 0 when every UDP port in the range is taken, whatever TCP holds", () => {
    setPortRange(40000, 40001);
    for (let p: u32 = 40000; p <= 40001; p++) {
      let u = unbound(AF_INET, ANY4);
      setU16(u, Off.LPORT, p);
      hashBind(u, UDP, p, false);
    }
    expect(chooseBindPort(unbound(AF_INET, LOOP4), UDP)).toBe(0);
    expect(chooseBindPort(unbound(AF_INET, LOOP4), TCP)).toBe(40001);
  });
});

describe("ephemeral port for connect()", () => {
  beforeEach(init);

  it("picks an even port and a different one for the next connection to the same destination", () => {
    setPortRange(40000, 40007);
    let a = chooseConnectPort(TCP, LOOP4, LOOP4, PORT, 0);
    let b = chooseConnectPort(TCP, LOOP4, LOOP4, PORT, 0);
    expect(a & 1).toBe(0);
    expect(b & 1).toBe(0);
    expect(a >= 40000 && a <= 40007).toBe(true);
    expect(b).not.toBe(a);
    expect(connContains(tupleKey(LOOP4, a, LOOP4, PORT))).toBe(true); // the tuple is taken as it is chosen
  });

  it("skips ports that bind() or listen() hold", () => {
    setPortRange(40000, 40007);
    boundTo(AF_INET, loop4(9), 40000, 0);   // held, even on another address
    boundTo(AF_INET, loop4(9), 40002, 0);
    boundTo(AF_INET, loop4(9), 40006, 0);
    expect(chooseConnectPort(TCP, LOOP4, LOOP4, PORT, 0)).toBe(40004);
  });

  it("reuses a port another connect() took, when the 4-tuple differs", () => {
    setPortRange(40000, 40001);
    let c = unbound(AF_INET, LOOP4);
    setU16(c, Off.LPORT, 40000);
    hashBind(c, TCP, 40000, true);             // connect()'s autobind
    connInsert(tupleKey(LOOP4, 40000, LOOP4, PORT + 1));
    expect(chooseConnectPort(TCP, LOOP4, LOOP4, PORT, 0)).toBe(40000);
  });

  it("skips a port whose 4-tuple is in use and falls back to odd ports", () => {
    setPortRange(40000, 40003);
    connInsert(tupleKey(LOOP4, 40000, LOOP4, PORT));
    connInsert(tupleKey(LOOP4, 40002, LOOP4, PORT));
    let p = chooseConnectPort(TCP, LOOP4, LOOP4, PORT, 0);
    expect(p == 40001 || p == 40003).toBe(true);
  });

  it("returns 0 when every port is taken (connect() says EADDRNOTAVAIL)", () => {
    setPortRange(40000, 40003);
    for (let p: u32 = 40000; p <= 40003; p++) connInsert(tupleKey(LOOP4, p, LOOP4, PORT));
    expect(chooseConnectPort(TCP, LOOP4, LOOP4, PORT, 0)).toBe(0);
  });
});
