// End-to-end kernel behaviour through the exports of index.ts, per personality:
// listen() backlogs, SYN retransmission and timeout, refused connects, accept4(),
// shutdown() and close() of a listener. Loopback (link delay 0): a connect() to a
// listener with room completes inside the call.
import { SocketState } from "../core/state";
import { Stat } from "../core/stats";
import { sk_accept, sk_accept4, sk_advance, sk_bind, sk_close, sk_connect, sk_fcntl, sk_getsockname, sk_getsockopt, sk_init, sk_listen, sk_recv, sk_scratch, sk_shutdown, sk_sock_row, sk_socket, sk_stat, sk_sysctl_set } from "../index";
import { Tunable } from "../policy/tunables";

const LINUX: i32 = 0;
const FREEBSD: i32 = 1;
const POSIX: i32 = 2;

const AF_INET: i32 = 2;
const SOCK_STREAM: i32 = 1;
const SOCK_DGRAM: i32 = 2;
const SOCK_NONBLOCK: i32 = 2048;
const SOCK_CLOEXEC: i32 = 0o2000000;
const SOL_SOCKET: i32 = 1;
const SO_ERROR: i32 = 4;
const SO_ACCEPTCONN: i32 = 30;
const SHUT_RD: i32 = 0;
const F_GETFL: i32 = 3;
const O_NONBLOCK: i32 = 2048;

const EBADF: i32 = 9;
const EAGAIN: i32 = 11;
const EINVAL: i32 = 22;
const EMFILE: i32 = 24;
const EOPNOTSUPP: i32 = 95;
const ECONNABORTED: i32 = 103;
const ECONNRESET: i32 = 104;
const EISCONN: i32 = 106;
const ENOTCONN: i32 = 107;
const ETIMEDOUT: i32 = 110;
const ECONNREFUSED: i32 = 111;
const EALREADY: i32 = 114;
const EINPROGRESS: i32 = 115;

const SECOND: i64 = 1000000;
const PORT: u16 = 8080;

// Scratch layout: [0, 256) is where sk_sock_row writes; the specs use the rest.
const ADDR: usize = 1024;   // sockaddr passed to bind/connect
const LEN: usize = 1200;    // i32 in/out length
const VAL: usize = 1216;    // getsockopt value
const PEER: usize = 1280;   // sockaddr returned by accept/getsockname
const BUF: usize = 2048;    // recv buffer

let scratch: usize = 0;

let booted: i32 = 0;
function boot(personality: i32): void {
  expect(sk_init(personality, 42)).toBe(0);
  booted = personality;
  scratch = sk_scratch();
}

/** sockaddr_in for 127.0.0.1:port in scratch: family LE, port BE, address in network order. */
function loopback(port: u16): usize {
  let a = scratch + ADDR;
  store<u16>(a, <u16>AF_INET);
  store<u8>(a + 2, <u8>(port >> 8)); store<u8>(a + 3, <u8>port);
  store<u8>(a + 4, 127); store<u8>(a + 5, 0); store<u8>(a + 6, 0); store<u8>(a + 7, 1);
  store<u64>(a + 8, 0);
  return a;
}

/** A TCP socket bound to 127.0.0.1:8080, listening with `backlog`. */
function listening(backlog: i32): i32 {
  let fd = sk_socket(AF_INET, SOCK_STREAM, 0);
  expect(fd).toBeGreaterThanOrEqual(3);
  expect(sk_bind(fd, loopback(PORT), 16)).toBe(0);
  expect(sk_listen(fd, backlog)).toBe(0);
  return fd;
}

/** The result of the last client() connect(). */
let lastConnect: i32 = 0;

/** A nonblocking TCP socket that connect()s to 127.0.0.1:8080; the result is in lastConnect. */
function client(): i32 {
  let fd = sk_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  expect(fd).toBeGreaterThanOrEqual(3);
  lastConnect = sk_connect(fd, loopback(PORT), 16);
  return fd;
}

/**
 * A nonblocking client whose connect() completed: EINPROGRESS, then the next connect()
 * reports it: 0 once (Linux __inet_stream_connect), EISCONN on FreeBSD (soconnectat).
 */
function connected(): i32 {
  let fd = client();
  expect(lastConnect).toBe(-EINPROGRESS);
  expect(sk_connect(fd, loopback(PORT), 16)).toBe(booted == FREEBSD ? -EISCONN : 0);
  return fd;
}

function reconnect(fd: i32): i32 { return sk_connect(fd, loopback(PORT), 16); }

function intOption(fd: i32, name: i32): i32 {
  store<i32>(scratch + LEN, 4);
  expect(sk_getsockopt(fd, SOL_SOCKET, name, scratch + VAL, scratch + LEN)).toBe(0);
  return load<i32>(scratch + VAL);
}

/** getsockopt(SO_ERROR): the pending error, cleared by reading it. */
function soError(fd: i32): i32 { return intOption(fd, SO_ERROR); }

function recv(fd: i32): i32 { return sk_recv(fd, scratch + BUF, 100, 0); }

function accept(l: i32): i32 { return sk_accept4(l, 0, 0, 0); }

/** Accepts until the queue is empty (EAGAIN); returns how many were accepted. */
function acceptAll(l: i32): i32 {
  let n = 0;
  while (true) {
    let fd = accept(l);
    if (fd < 0) { expect(fd).toBe(-EAGAIN); return n; }
    n++;
  }
}

/** The socket state of fd, from its `ss` row; -1 if no row names fd. */
function stateOf(fd: i32): i32 {
  let cursor = 0;
  while ((cursor = sk_sock_row(cursor)) >= 0) {
    if (load<i32>(scratch) == fd) return <i32>load<u8>(scratch + 4);
  }
  return -1;
}

/** A listener's `ss -lt` Send-Q: the backlog limit in force. */
function sendQ(l: i32): u32 {
  expect(stateOf(l)).toBe(SocketState.LISTEN);   // leaves l's row in scratch
  return load<u32>(scratch + 12);
}

/** The local port of fd (getsockname). */
function localPort(fd: i32): u32 {
  store<i32>(scratch + LEN, 16);
  expect(sk_getsockname(fd, scratch + PEER, scratch + LEN)).toBe(0);
  return (<u32>load<u8>(scratch + PEER + 2) << 8) | load<u8>(scratch + PEER + 3);
}

// ---- shared scenarios (run once per personality) ---------------------------------

/** connect() to a port nobody listens on: reset at once. */
function refusedWithoutListener(personality: i32): void {
  boot(personality);
  let c = client();
  expect(lastConnect).toBe(-EINPROGRESS);          // nonblocking: the RST comes after
  expect(stateOf(c)).toBe(SocketState.CLOSED);
  expect(soError(c)).toBe(ECONNREFUSED);
  expect(soError(c)).toBe(0);                      // read once, then cleared
  if (personality == FREEBSD) {
    // tcp_usr_connect: "if (inp->inp_flags & INP_DROPPED) { error = ECONNREFUSED; ...}", for good.
    expect(reconnect(c)).toBe(-ECONNREFUSED);
    expect(reconnect(c)).toBe(-ECONNREFUSED);
    expect(sk_stat(Stat.ConnectRefused)).toBe(1);
    return;
  }
  expect(reconnect(c)).toBe(-ECONNABORTED);        // the error was consumed
  expect(reconnect(c)).toBe(-EINPROGRESS);         // a fresh attempt
  expect(soError(c)).toBe(ECONNREFUSED);
  expect(sk_stat(Stat.ConnectRefused)).toBe(2);
}

function blockingRefused(personality: i32): void {
  boot(personality);
  let c = sk_socket(AF_INET, SOCK_STREAM, 0);
  expect(sk_connect(c, loopback(PORT), 16)).toBe(-ECONNREFUSED);
  expect(soError(c)).toBe(0);
}

function listenOnUdp(personality: i32): void {
  boot(personality);
  let u = sk_socket(AF_INET, SOCK_DGRAM, 0);
  expect(sk_bind(u, loopback(PORT), 16)).toBe(0);
  expect(sk_listen(u, 5)).toBe(-EOPNOTSUPP);
}

/** close() of a listener with two connections waiting in its accept queue. */
function closeResetsQueue(personality: i32): void {
  boot(personality);
  let l = listening(5);
  let c1 = connected(), c2 = connected();
  expect(sk_close(l)).toBe(0);
  expect(recv(c1)).toBe(-ECONNRESET);
  expect(recv(c1)).toBe(0);                        // then end of file
  expect(recv(c2)).toBe(-ECONNRESET);
  expect(recv(c2)).toBe(0);
  expect(stateOf(c1)).toBe(SocketState.CLOSED);
  expect(sk_stat(Stat.AcceptQueueResets)).toBe(2);
  listening(5);                                    // the port is free again
}

/** An accepted connection's peer address is the client's. */
function acceptGivesPeer(personality: i32): void {
  boot(personality);
  let l = listening(1);
  let c = connected();
  store<i32>(scratch + LEN, 16);
  let a = sk_accept4(l, scratch + PEER, scratch + LEN, SOCK_CLOEXEC);
  expect(a).toBeGreaterThanOrEqual(3);
  expect(load<i32>(scratch + LEN)).toBe(16);
  expect(load<u16>(scratch + PEER)).toBe(<u16>AF_INET);
  expect(load<u32>(scratch + PEER + 4)).toBe(0x0100007f);        // 127.0.0.1 in network order
  let port = (<u32>load<u8>(scratch + PEER + 2) << 8) | load<u8>(scratch + PEER + 3);
  expect(port).toBe(localPort(c));
}

// ---- Linux ----------------------------------------------------------------------

describe("Linux listener", () => {
  beforeEach(() => { boot(LINUX); });

  it("admits backlog + 1 connections; the next SYN is dropped and its client stays in SYN_SENT", () => {
    let l = listening(2);
    for (let i = 0; i < 3; i++) connected();
    let late = client();
    expect(lastConnect).toBe(-EINPROGRESS);
    expect(stateOf(late)).toBe(SocketState.SYN_SENT);
    expect(soError(late)).toBe(0);
    expect(reconnect(late)).toBe(-EALREADY);
    expect(sk_stat(Stat.ListenOverflows)).toBe(1);
    expect(acceptAll(l)).toBe(3);
  });

  it("admits one connection with backlog 0", () => {
    let l = listening(0);
    connected();
    let late = client();
    expect(stateOf(late)).toBe(SocketState.SYN_SENT);
    expect(acceptAll(l)).toBe(1);
  });

  it("stores somaxconn (4096) for a negative backlog", () => {
    expect(sendQ(listening(-1))).toBe(4096);
  });

  it("completes a waiting client on its SYN retransmission after accept() made room", () => {
    let l = listening(0);
    connected();
    let late = client();
    expect(stateOf(late)).toBe(SocketState.SYN_SENT);
    expect(accept(l)).toBeGreaterThanOrEqual(3);
    sk_advance(SECOND);                               // first SYN retransmission at 1 s
    expect(stateOf(late)).toBe(SocketState.ESTABLISHED);
    expect(reconnect(late)).toBe(0);
    expect(accept(l)).toBeGreaterThanOrEqual(3);
    expect(sk_stat(Stat.TCPSynRetrans)).toBe(1);
  });

  it("times out a SYN_SENT client with ETIMEDOUT after 131 s (6 retries + 4 linear timeouts)", () => {
    let l = listening(0);
    connected();                                      // fills the queue for good
    let late = client();
    sk_advance(130 * SECOND);
    expect(stateOf(late)).toBe(SocketState.SYN_SENT);
    expect(soError(late)).toBe(0);
    expect(reconnect(late)).toBe(-EALREADY);
    sk_advance(2 * SECOND);
    expect(stateOf(late)).toBe(SocketState.CLOSED);
    expect(soError(late)).toBe(ETIMEDOUT);
    expect(reconnect(late)).toBe(-ECONNABORTED);
    expect(sk_stat(Stat.TCPSynRetrans)).toBe(10);
    expect(sk_stat(Stat.ConnectTimedOut)).toBe(1);
    expect(acceptAll(l)).toBe(1);
  });

  it("stops listening on shutdown(SHUT_RD) and resets the queued connections", () => {
    let l = listening(5);
    let c = connected();
    expect(sk_shutdown(l, SHUT_RD)).toBe(0);
    expect(intOption(l, SO_ACCEPTCONN)).toBe(0);
    expect(accept(l)).toBe(-EINVAL);
    expect(recv(c)).toBe(-ECONNRESET);
    expect(sk_listen(l, 5)).toBe(0);                  // and may listen again
    expect(intOption(l, SO_ACCEPTCONN)).toBe(1);
  });

  it("never lets accept() inherit O_NONBLOCK from the listener", () => {
    let l = sk_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sk_bind(l, loopback(PORT), 16);
    sk_listen(l, 5);
    connected();
    let a = sk_accept(l, 0, 0);
    expect(sk_fcntl(a, F_GETFL, 0) & O_NONBLOCK).toBe(0);
  });

  it("shows SO_ACCEPTCONN 1 on a listener and 0 on a connected socket", () => {
    let l = listening(1);
    let c = connected();
    expect(intOption(l, SO_ACCEPTCONN)).toBe(1);
    expect(intOption(c, SO_ACCEPTCONN)).toBe(0);
  });
});

// ---- FreeBSD --------------------------------------------------------------------

describe("FreeBSD listener", () => {
  beforeEach(() => { boot(FREEBSD); });

  it("admits floor(3 * 2 / 2) + 1 = 4 connections for backlog 2 and resets the 5th (ECONNRESET)", () => {
    let l = listening(2);
    for (let i = 0; i < 4; i++) connected();
    let late = client();
    expect(lastConnect).toBe(-EINPROGRESS);
    // The syncache answered the SYN; the final ACK found the queue full and
    // rst_on_sock_fail (default 1) reset the client.
    expect(stateOf(late)).toBe(SocketState.CLOSED);
    expect(soError(late)).toBe(ECONNRESET);
    expect(recv(late)).toBe(0);
    expect(sk_stat(Stat.ListenOverflows)).toBe(1);
    expect(acceptAll(l)).toBe(4);
  });

  it("stores somaxconn (128) for a negative or too large backlog", () => {
    expect(sendQ(listening(-1))).toBe(128);
    boot(FREEBSD);
    expect(sendQ(listening(1000))).toBe(128);
  });

  it("keeps listening after shutdown(SHUT_RD): ENOTCONN, accept() says ECONNABORTED once, the queue stays", () => {
    let l = listening(5);
    connected();
    expect(sk_shutdown(l, SHUT_RD)).toBe(-ENOTCONN);
    expect(intOption(l, SO_ACCEPTCONN)).toBe(1);
    expect(accept(l)).toBe(-ECONNABORTED);
    expect(accept(l)).toBeGreaterThanOrEqual(3);
    expect(accept(l)).toBe(-EAGAIN);
  });

  it("lets accept() inherit O_NONBLOCK from the listener, but not accept4()", () => {
    let l = sk_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sk_bind(l, loopback(PORT), 16);
    sk_listen(l, 5);
    connected(); connected();
    let a = sk_accept(l, 0, 0);
    expect(sk_fcntl(a, F_GETFL, 0) & O_NONBLOCK).toBe(O_NONBLOCK);
    let b = sk_accept4(l, 0, 0, 0);
    expect(sk_fcntl(b, F_GETFL, 0) & O_NONBLOCK).toBe(0);
  });
});

// ---- POSIX ----------------------------------------------------------------------

describe("POSIX listener", () => {
  beforeEach(() => { boot(POSIX); });

  it("admits exactly backlog connections; the third SYN for backlog 2 is dropped", () => {
    let l = listening(2);
    connected(); connected();
    let late = client();
    expect(stateOf(late)).toBe(SocketState.SYN_SENT);
    expect(reconnect(late)).toBe(-EALREADY);
    expect(acceptAll(l)).toBe(2);
  });

  it("treats a negative backlog as 0, which still admits one connection", () => {
    let l = listening(-1);
    expect(sendQ(l)).toBe(0);
    connected();
    let late = client();
    expect(stateOf(late)).toBe(SocketState.SYN_SENT);
    expect(acceptAll(l)).toBe(1);
  });
});

// ---- every personality ----------------------------------------------------------

describe("connect() to a port nobody listens on", () => {
  it("Linux: SO_ERROR says ECONNREFUSED, the next connect() ECONNABORTED", () => { refusedWithoutListener(LINUX); });
  it("FreeBSD: SO_ERROR says ECONNREFUSED, every later connect() ECONNREFUSED (INP_DROPPED)", () => { refusedWithoutListener(FREEBSD); });
  it("POSIX: SO_ERROR says ECONNREFUSED, the next connect() ECONNABORTED", () => { refusedWithoutListener(POSIX); });
  it("Linux: a blocking connect() returns ECONNREFUSED itself", () => { blockingRefused(LINUX); });
  it("FreeBSD: a blocking connect() returns ECONNREFUSED itself", () => { blockingRefused(FREEBSD); });
  it("POSIX: a blocking connect() returns ECONNREFUSED itself", () => { blockingRefused(POSIX); });
});

describe("listen() on a UDP socket", () => {
  it("Linux: says EOPNOTSUPP", () => { listenOnUdp(LINUX); });
  it("FreeBSD: says EOPNOTSUPP", () => { listenOnUdp(FREEBSD); });
  it("POSIX: says EOPNOTSUPP", () => { listenOnUdp(POSIX); });
});

describe("close() of a listener with queued connections", () => {
  it("Linux: resets each one (recv() ECONNRESET, then end of file) and frees the port", () => { closeResetsQueue(LINUX); });
  it("FreeBSD: resets each one (recv() ECONNRESET, then end of file) and frees the port", () => { closeResetsQueue(FREEBSD); });
  it("POSIX: resets each one (recv() ECONNRESET, then end of file) and frees the port", () => { closeResetsQueue(POSIX); });
});

describe("close()", () => {
  beforeEach(() => { boot(LINUX); });

  it("closes stdio fd 0 like any descriptor, and the next socket() gets 0", () => {
    expect(sk_close(0)).toBe(0);
    expect(sk_socket(AF_INET, SOCK_STREAM, 0)).toBe(0);
    expect(sk_close(0)).toBe(0);
    expect(sk_close(0)).toBe(-EBADF);
  });

  it("says EBADF for a descriptor that is not open", () => {
    expect(sk_close(3)).toBe(-EBADF);
    expect(sk_close(-1)).toBe(-EBADF);
    let fd = sk_socket(AF_INET, SOCK_STREAM, 0);
    expect(sk_close(fd)).toBe(0);
    expect(sk_close(fd)).toBe(-EBADF);
  });
});

describe("accept4()", () => {
  beforeEach(() => { boot(LINUX); });

  it("says EINVAL for flags other than SOCK_NONBLOCK | SOCK_CLOEXEC, before looking at the fd", () => {
    let l = listening(1);
    connected();
    expect(sk_accept4(l, 0, 0, 1)).toBe(-EINVAL);
    expect(sk_accept4(l, 0, 0, 0x40000000)).toBe(-EINVAL);
    expect(sk_accept4(-1, 0, 0, 1)).toBe(-EINVAL);
    expect(sk_accept4(999, 0, 0, SOCK_NONBLOCK | 4)).toBe(-EINVAL);
    // The connection is still there for a valid call.
    let a = sk_accept4(l, 0, 0, SOCK_NONBLOCK | SOCK_CLOEXEC);
    expect(a).toBeGreaterThanOrEqual(3);
    expect(sk_fcntl(a, F_GETFL, 0) & O_NONBLOCK).toBe(O_NONBLOCK);
  });

  it("says EAGAIN on an empty queue and EINVAL on a socket that is not listening", () => {
    let l = listening(1);
    expect(accept(l)).toBe(-EAGAIN);
    let s = sk_socket(AF_INET, SOCK_STREAM, 0);
    expect(accept(s)).toBe(-EINVAL);
  });

  it("leaves the connection queued when it fails with EMFILE", () => {
    expect(sk_sysctl_set(Tunable.MaxFds, 5)).toBe(0);   // fds 3 and 4 only
    let l = listening(1);                                // 3
    connected();                                         // 4
    expect(accept(l)).toBe(-EMFILE);
    expect(sk_sysctl_set(Tunable.MaxFds, 6)).toBe(0);
    expect(accept(l)).toBe(5);
    expect(accept(l)).toBe(-EAGAIN);
  });

  it("Linux: writes the client's address and port", () => { acceptGivesPeer(LINUX); });
  it("FreeBSD: writes the client's address and port", () => { acceptGivesPeer(FREEBSD); });
  it("POSIX: writes the client's address and port", () => { acceptGivesPeer(POSIX); });
});
