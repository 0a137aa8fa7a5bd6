// Regressions: kernel bugs found while writing the unit specs, each fixed and kept
// here so it stays fixed (UDP disconnect used the TCP port table; the port range
// swapped its ends; isLegal accepted out-of-range states).
import { SocketState, isLegal } from "../core/state";
import { sk_bind, sk_close, sk_connect, sk_getsockname, sk_init, sk_listen, sk_scratch, sk_socket, sk_sysctl_get, sk_sysctl_set } from "../index";

const LINUX: i32 = 0;
const AF_INET: i32 = 2;
const SOCK_STREAM: i32 = 1;
const SOCK_DGRAM: i32 = 2;
const SOCK_NONBLOCK: i32 = 2048;
const EINPROGRESS: i32 = 115;
const IP_LOCAL_PORT_RANGE_LOW: i32 = 7;
const IP_LOCAL_PORT_RANGE_HIGH: i32 = 8;

const ADDR: usize = 1024;
const LEN: usize = 1200;
const NAME: usize = 1280;

let scratch: usize = 0;

function boot(): void { sk_init(LINUX, 42); scratch = sk_scratch(); }

/** sockaddr_in for 127.0.0.1:port in scratch. */
function loopback(port: u32): usize {
  let a = scratch + ADDR;
  store<u16>(a, <u16>AF_INET);
  store<u8>(a + 2, <u8>(port >> 8)); store<u8>(a + 3, <u8>port);
  store<u32>(a + 4, 0x0100007f);
  store<u64>(a + 8, 0);
  return a;
}

/** sockaddr with family AF_UNSPEC: connect() to it disconnects. */
function unspec(): usize { let a = loopback(0); store<u16>(a, 0); return a; }

function localPort(fd: i32): u32 {
  store<i32>(scratch + LEN, 16);
  sk_getsockname(fd, scratch + NAME, scratch + LEN);
  return (<u32>load<u8>(scratch + NAME + 2) << 8) | load<u8>(scratch + NAME + 3);
}

/** A UDP socket that connect()ed (autobinding a port), then connect(AF_UNSPEC)ed. */
function disconnectedUdp(): i32 {
  let u = sk_socket(AF_INET, SOCK_DGRAM, 0);
  expect(sk_connect(u, loopback(9), 16)).toBe(0);
  expect(sk_connect(u, unspec(), 16)).toBe(0);
  return u;
}

describe("UDP connect(AF_UNSPEC)", () => {
  beforeEach(boot);

  // Was a kernel bug: tcp.ts releasePort() unhashed with proto(s), which always returned 0
  // (TCP), so a UDP socket was unlinked from the TCP port table instead of the UDP one:
  // the UDP bind list kept the socket (even after close()), and the TCP table's
  // bindUsers count for that port dropped below zero (u32 0xffffffff).
  // Path: sk_connect(AF_UNSPEC) -> connect.ts sysConnect -> close.ts disconnect ->
  // tcp.ts connectionEnds -> releasePort -> unhashBind(s, 0).
  // Linux udp_disconnect unhashes an autobound port ("if (!(sk->sk_userlocks &
  // SOCK_BINDPORT_LOCK)) { sk->sk_prot->unhash(sk); inet->inet_sport = 0; }").
  it("gives the autobound port back: another UDP socket can bind it", () => {
    let u = sk_socket(AF_INET, SOCK_DGRAM, 0);
    expect(sk_connect(u, loopback(9), 16)).toBe(0);
    let port = localPort(u);
    expect(sk_connect(u, unspec(), 16)).toBe(0);
    let v = sk_socket(AF_INET, SOCK_DGRAM, 0);
    expect(sk_bind(v, loopback(port), 16)).toBe(0);
  });

  // Was a kernel bug: same cause; the stale entry outlives the socket. Once the freed slot
  // is reused by a new (unbound) socket, that socket "holds" the port.
  it("leaves the port free once the socket is closed and its slot reused", () => {
    let u = sk_socket(AF_INET, SOCK_DGRAM, 0);
    expect(sk_connect(u, loopback(9), 16)).toBe(0);
    let port = localPort(u);
    expect(sk_connect(u, unspec(), 16)).toBe(0);
    expect(sk_close(u)).toBe(0);
    sk_socket(AF_INET, SOCK_DGRAM, 0);                  // takes the freed slot
    let v = sk_socket(AF_INET, SOCK_DGRAM, 0);
    expect(sk_bind(v, loopback(port), 16)).toBe(0);
  });

  // Was a kernel bug: same cause, seen from TCP: the underflowed TCP bindUsers count makes
  // connect()'s autobind (port_table.ts chooseConnectPort) skip the port for good.
  // With ip_local_port_range 40000..40001 the UDP autobind takes one of the two ports;
  // two TCP connect()s to one listener should then use both, but the second gets
  // EADDRNOTAVAIL.
  it("does not hide the port from TCP connect()'s autobind", () => {
    expect(sk_sysctl_set(IP_LOCAL_PORT_RANGE_LOW, 40000)).toBe(0);
    expect(sk_sysctl_set(IP_LOCAL_PORT_RANGE_HIGH, 40001)).toBe(0);
    let l = sk_socket(AF_INET, SOCK_STREAM, 0);
    expect(sk_bind(l, loopback(8080), 16)).toBe(0);
    expect(sk_listen(l, 10)).toBe(0);
    expect(sk_close(disconnectedUdp())).toBe(0);
    let c1 = sk_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    expect(sk_connect(c1, loopback(8080), 16)).toBe(-EINPROGRESS);
    let c2 = sk_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    expect(sk_connect(c2, loopback(8080), 16)).toBe(-EINPROGRESS);
  });
});

describe("ip_local_port_range tunables", () => {
  beforeEach(boot);

  // Was a kernel bug: personality.ts setTunable swapped low and high when low > high, so a
  // write to one end silently rewrites the other. Moving the range up low end first
  // (low = 61000, then high = 62000, from the default 32768..60999) ends as
  // 60999..62000: 60999 is a value nobody set. Linux rejects low > high with EINVAL
  // (ipv4_local_port_range). setTunable now refuses with -EINVAL.
  it("never changes the high end on a write to the low end", () => {
    expect(sk_sysctl_set(IP_LOCAL_PORT_RANGE_LOW, 61000)).toBe(-22);
    expect(sk_sysctl_get(IP_LOCAL_PORT_RANGE_HIGH)).toBe(60999);
    expect(sk_sysctl_get(IP_LOCAL_PORT_RANGE_LOW)).toBe(32768);
  });
});

describe("state transition table", () => {
  // Was a kernel bug (debug check only): state.ts isLegal range-checked `from` but not
  // `to`; bit(to) is `1 << to` on u32, and wasm shifts modulo 32, so a target of 40
  // aliased FIN_WAIT_1 (8) and ESTABLISHED -> 40 passed setState's assertion.
  it("refuses a target state far outside the enum", () => {
    expect(isLegal(SocketState.ESTABLISHED, <SocketState>40)).toBe(false);
    expect(isLegal(SocketState.UNBOUND, <SocketState>33)).toBe(false);
  });
});
