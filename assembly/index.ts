// socket-kernel ABI: every export returns a result >= 0 or a negative Linux errno.
// Pointers are offsets into this module's memory; the host writes arguments into the
// scratch area (sk_scratch) and reads results from it. See docs/abi.md.
//
// This file holds the exports and their argument checks only: every pointer range is
// checked here, by inMemory/outInMemory/arrayInMemory, before any effect, so no
// argument makes the module trap; the system calls are in syscalls/.

import { aqLen, listenersBytes, listenersInit, lrDrops, lrLimit, synqLen } from "./core/accept_queue";
import { checkAll } from "./core/check";
import { Errno } from "./core/errno";
import { fdInit, fdLookup, fdTableBytes, fdsUsed } from "./core/fd_table";
import { currentHost, hostCount, hostCreate, hostEnter, hostPrimary, hostsBytes, hostsInit, isHostId, setHostPrimary } from "./core/hosts";
import { Flag, Off, getU32, getU8, setFlag, socketsBytes, socketsHighWater, socketsInit, socketsLive } from "./core/socket";
import { SocketState, getState } from "./core/state";
import { Stat, readStat } from "./core/stats";
import { EPOLL_DOMAIN, epollInit, epollTakeReady } from "./io/epoll";
import { rxHeldBytes, rxResetAccounting } from "./io/rx_queue";
import { sqHeldBytes, sqResetAccounting } from "./io/send_queue";
import { Personality } from "./policy/personality";
import { Tunable, setTunable, tunable } from "./policy/tunables";
import { MAX_DELAY_US, NO_EVENT, nextTime, nowUs, pending, schedule, timersBytes, timersInit } from "./storage/timer_heap";
import { sysAccept } from "./syscalls/accept";
import { sysBind } from "./syscalls/bind";
import { sysClose, sysShutdown } from "./syscalls/close";
import { sysConnect } from "./syscalls/connect";
import { msgFlags, sysRecv, sysSend, sysSendto } from "./syscalls/data";
import { sysListen } from "./syscalls/listen";
import { sysEpollCreate, sysEpollCtl, sysEpollWait, sysPoll } from "./syscalls/poll";
import { sysSocket } from "./syscalls/socket";
import { sysFcntl, sysGetpeername, sysGetsockname, sysGetsockopt, sysSetsockopt } from "./syscalls/sockopt";
import { addLocal, addressesInit } from "./tables/addresses";
import { portTableBytes, portsInit } from "./tables/ports";
import { formatName, nameBuffer } from "./tables/sockaddr";
import { connBytes, connInit } from "./tables/tuples";
import { unixInit, unixUnlink } from "./tables/unix_names";
import { advance, selectHost, selectedHost } from "./tcp/events";
import { EV_LINK, onLinkChange, wireInit } from "./tcp/wire";
import { LinkOp, linkCheck, linkCounter, linkInit, linkStage, networkBytes, uplinkCounter } from "./net/index";
import { addressOwner } from "./tables/addresses";
import { hostPortsBytes, hostPortsInit } from "./tables/ports";
import { timeWaitSockets } from "./tcp/teardown";
import { twIndexBytes, twIndexInit } from "./tcp/time_wait";
import { userTimeoutBytes, userTimeoutInit } from "./tcp/user_timeout";

const SCRATCH_SIZE: i32 = 4096;
let scratch: usize = 0;

/** ABI version: bump on any incompatible change of an export or a layout. */
export const SK_ABI_VERSION: i32 = 1;

/**
 * (Re)initialises the kernel: personality 0 Linux, 1 FreeBSD, 2 POSIX; a 64-bit seed
 * for every random choice (ephemeral ports, autobind names). Returns 0 or -EINVAL.
 */
export function sk_init(personality: i32, seedValue: i64): i32 {
  if (<u32>personality > 2) return -Errno.EINVAL;
  hostsInit(<Personality>personality, <u64>seedValue);
  if (scratch == 0) scratch = heap.alloc(SCRATCH_SIZE);
  socketsInit(); fdInit(); addressesInit(); portsInit(); connInit(); unixInit();
  listenersInit(); timersInit(); epollInit(); hostPortsInit(); linkInit(<u64>seedValue); wireInit();
  selectHost(0); twIndexInit(); userTimeoutInit(); rxResetAccounting(); sqResetAccounting();
  return 0;
}

export function sk_scratch(): usize { return scratch; }
export function sk_scratch_size(): i32 { return SCRATCH_SIZE; }

export function sk_sysctl_set(id: i32, value: i64): i32 { return setTunable(id, value); }
export function sk_sysctl_get(id: i32): i64 { return id >= 0 && id < <i32>Tunable.Count ? tunable(id) : -Errno.EINVAL; }

// ---- system calls ---------------------------------------------------------------

export function sk_socket(domain: i32, type: i32, protocol: i32): i32 { return sysSocket(domain, type, protocol); }

/** net/socket.c move_addr_to_kernel: "if (ulen < 0 || ulen > sizeof(struct sockaddr_storage)) return -EINVAL;" */
const SOCKADDR_STORAGE: i32 = 128;

/** The socket's address family (AF_INET, AF_INET6, AF_UNIX), or -errno. */
export function sk_domain(fd: i32): i32 {
  let s = sockLookup(fd); if (s < 0) return s;
  return <i32>getU8(<u32>s, Off.DOMAIN);
}

export function sk_bind(fd: i32, addr: usize, len: i32): i32 {
  let s = sockLookup(fd); if (s < 0) return s;
  if (len < 0 || len > SOCKADDR_STORAGE) return -Errno.EINVAL;
  if (!inMemory(addr, len)) return -Errno.EFAULT;
  return sysBind(<u32>s, addr, len);
}

export function sk_listen(fd: i32, backlog: i32): i32 {
  let s = sockLookup(fd); if (s < 0) return s;
  return sysListen(<u32>s, backlog);
}

export function sk_connect(fd: i32, addr: usize, len: i32): i32 {
  let s = sockLookup(fd); if (s < 0) return s;
  if (len < 0 || len > SOCKADDR_STORAGE) return -Errno.EINVAL;
  if (!inMemory(addr, len)) return -Errno.EFAULT;
  return sysConnect(<u32>s, addr, len);
}

// ---- pointer ranges: one check, in 64-bit arithmetic so that nothing wraps ---------

/** Bytes of linear memory. */
// @ts-ignore: decorator
@inline function memoryTop(): u64 { return <u64>memory.size() << 16; }

/**
 * Whether [p, p + len) lies inside linear memory (a negative len does not). The sum is
 * taken in 64 bits: p + len cannot wrap past 4 GiB back into memory.
 */
// @ts-ignore: decorator
@inline function inMemory(p: usize, len: i64): bool {
  return len >= 0 && <u64>p + <u64>len <= memoryTop();
}

/** Whether `count` elements of `size` bytes at p lie inside memory (count * size in 64 bits). */
// @ts-ignore: decorator
@inline function arrayInMemory(p: usize, count: i32, size: i32): bool {
  return count >= 0 && inMemory(p, <i64>count * <i64>size);
}

/**
 * An out-parameter address and its in/out length (accept, getsockname, recvfrom...):
 * addr 0 means no address is wanted; otherwise *lenPtr must be in memory, and a
 * non-negative *lenPtr bytes at addr too (a negative one is the system call's EINVAL).
 */
function outInMemory(addr: usize, lenPtr: usize): bool {
  if (addr == 0) return true;
  if (!inMemory(lenPtr, 4)) return false;
  let len = load<i32>(lenPtr);
  return len < 0 || inMemory(addr, len);
}

/**
 * accept(): addr may be 0 (no address wanted); lenPtr points at an i32 in/out length.
 * A range outside memory fails with EFAULT before the connection is taken. (Linux
 * takes it first and loses it when the address is unwritable, net/socket.c do_accept;
 * linear memory has no unwritable bytes, so every EFAULT here is a range outside it,
 * which Linux's access_ok refuses before any effect: tests/linux/known-differences.json.)
 */
export function sk_accept(fd: i32, addr: usize, lenPtr: usize): i32 {
  let s = sockLookup(fd); if (s < 0) return s;
  if (!outInMemory(addr, lenPtr)) return -Errno.EFAULT;
  return sysAccept(<u32>s, addr, lenPtr, -1);
}

export function sk_accept4(fd: i32, addr: usize, lenPtr: usize, flags: i32): i32 {
  // __sys_accept4: "if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return -EINVAL;" before the fd.
  if ((flags & ~(0o4000 | 0o2000000)) != 0) return -Errno.EINVAL;
  let s = sockLookup(fd); if (s < 0) return s;
  if (!outInMemory(addr, lenPtr)) return -Errno.EFAULT;
  return sysAccept(<u32>s, addr, lenPtr, flags);
}

export function sk_close(fd: i32): i32 {
  let s = fdLookup(fd);
  if (s == -Errno.EBADF) return s;
  return sysClose(fd, s); // stdio (-ENOTSOCK) closes too: close(2) takes any fd
}

export function sk_shutdown(fd: i32, how: i32): i32 {
  let s = sockLookup(fd); if (s < 0) return s;
  return sysShutdown(<u32>s, how);
}

export function sk_getsockname(fd: i32, addr: usize, lenPtr: usize): i32 {
  let s = sockLookup(fd); if (s < 0) return s;
  if (addr == 0 || !outInMemory(addr, lenPtr)) return -Errno.EFAULT;
  return sysGetsockname(<u32>s, addr, lenPtr);
}

export function sk_getpeername(fd: i32, addr: usize, lenPtr: usize): i32 {
  let s = sockLookup(fd); if (s < 0) return s;
  if (addr == 0 || !outInMemory(addr, lenPtr)) return -Errno.EFAULT;
  return sysGetpeername(<u32>s, addr, lenPtr);
}

export function sk_getsockopt(fd: i32, level: i32, name: i32, val: usize, lenPtr: usize): i32 {
  let s = sockLookup(fd); if (s < 0) return s;
  if (val == 0 || !outInMemory(val, lenPtr)) return -Errno.EFAULT;
  return sysGetsockopt(<u32>s, level, name, val, lenPtr);
}

export function sk_setsockopt(fd: i32, level: i32, name: i32, val: usize, len: i32): i32 {
  let s = sockLookup(fd); if (s < 0) return s;
  if (!inMemory(val, len)) return -Errno.EFAULT;
  return sysSetsockopt(<u32>s, level, name, val, len);
}

export function sk_fcntl(fd: i32, cmd: i32, arg: i32): i32 {
  let s = sockLookup(fd); if (s < 0) return s;
  return sysFcntl(<u32>s, cmd, arg);
}

/** The socket behind fd: -EBADF, or -ENOTSOCK for stdio and epoll descriptors. */
function sockLookup(fd: i32): i32 {
  let s = fdLookup(fd);
  if (s >= 0 && getU8(<u32>s, Off.DOMAIN) == EPOLL_DOMAIN) return -Errno.ENOTSOCK;
  return s;
}

/** send(fd, buf, len, flags): bytes queued (a partial count for streams), or -errno. */
export function sk_send(fd: i32, buf: usize, len: i32, flags: i32): i32 {
  let s = sockLookup(fd); if (s < 0) return s;
  if (!inMemory(buf, len)) return -Errno.EFAULT;
  return sysSend(<u32>s, buf, len, flags);
}

/** sendto(): addr may be 0 (connected sockets). */
export function sk_sendto(fd: i32, buf: usize, len: i32, flags: i32, addr: usize, alen: i32): i32 {
  let s = sockLookup(fd); if (s < 0) return s;
  if (!inMemory(buf, len)) return -Errno.EFAULT;
  if (addr != 0 && (alen < 0 || alen > SOCKADDR_STORAGE)) return -Errno.EINVAL;
  if (addr != 0 && !inMemory(addr, alen)) return -Errno.EFAULT;
  return sysSendto(<u32>s, buf, len, flags, addr, alen);
}

/** recv(fd, buf, len, flags): bytes read, 0 at end of file, or -errno. */
export function sk_recv(fd: i32, buf: usize, len: i32, flags: i32): i32 {
  let s = sockLookup(fd); if (s < 0) return s;
  if (!inMemory(buf, len)) return -Errno.EFAULT;
  return sysRecv(<u32>s, buf, len, flags, 0, 0);
}

/** recvfrom(): also writes the source address of a datagram (addr may be 0). */
export function sk_recvfrom(fd: i32, buf: usize, len: i32, flags: i32, addr: usize, lenPtr: usize): i32 {
  let s = sockLookup(fd); if (s < 0) return s;
  if (!inMemory(buf, len) || !outInMemory(addr, lenPtr)) return -Errno.EFAULT;
  return sysRecv(<u32>s, buf, len, flags, addr, lenPtr);
}

/** msg_flags of the last recv (MSG_TRUNC = 0x20 when a message was cut). */
export function sk_msg_flags(): i32 { return msgFlags(); }

/** poll(fds, n, 0): struct pollfd[n] (i32 fd, i16 events, i16 revents). */
export function sk_poll(fds: usize, n: i32): i32 {
  if (!arrayInMemory(fds, n, 8)) return -Errno.EFAULT;
  return sysPoll(fds, n);
}

export function sk_epoll_create(flags: i32): i32 { return sysEpollCreate(flags); }

function epollLookup(epfd: i32): i32 {
  let e = fdLookup(epfd);
  if (e == -Errno.ENOTSOCK) return -Errno.EINVAL;
  if (e < 0) return e;
  return getU8(<u32>e, Off.DOMAIN) == EPOLL_DOMAIN ? e : -Errno.EINVAL;
}

/** epoll_ctl(epfd, op, fd, ev): ev points at 12 bytes (u32 events, u64 data), unused for DEL. */
export function sk_epoll_ctl(epfd: i32, op: i32, fd: i32, ev: usize): i32 {
  let e = epollLookup(epfd); if (e < 0) return e;
  if (op != 2 && !inMemory(ev, 12)) return -Errno.EFAULT;
  return sysEpollCtl(<u32>e, op, fd, ev);
}

/**
 * The hosts whose epoll instances gained a ready item since the last call (u32 host ids
 * at out, up to max, oldest first; a host may repeat): a caller with many hosts waits
 * only on those. Not a system call of any real kernel: the simulator's own.
 */
export function sk_epoll_ready_hosts(out: usize, max: i32): i32 {
  if (max < 0) return -Errno.EINVAL;
  if (max > 0 && !arrayInMemory(out, max, 4)) return -Errno.EFAULT;
  return <i32>epollTakeReady(out, <u32>max);
}

/** epoll_wait(epfd, out, max, 0): ready events (12 bytes each) into out. */
export function sk_epoll_wait(epfd: i32, out: usize, max: i32): i32 {
  let e = epollLookup(epfd); if (e < 0) return e;
  if (max > 0 && !arrayInMemory(out, max, 12)) return -Errno.EFAULT;
  return sysEpollWait(<u32>e, out, max);
}

// ---- batched calls: one host crossing for many system calls -----------------------

let ioBuf: usize = 0;
let ioCap: i32 = 0;

/**
 * A host I/O buffer of at least `bytes` bytes (kept and reused; grows on demand). Returns
 * its pointer, or 0 when `bytes` is refused (0 is never a buffer, even for 0 bytes).
 */
export function sk_buffer(bytes: i32): usize {
  if (bytes < 0 || bytes > (64 << 20)) return 0;
  if (bytes > ioCap || ioBuf == 0) {
    if (ioBuf != 0) heap.free(ioBuf);
    ioCap = bytes < 4096 ? 4096 : bytes;
    ioBuf = heap.alloc(<usize>ioCap);
  }
  return ioBuf;
}

/**
 * n times socket(domain, type, 0) + connect(addr): writes each new fd to out[i], or
 * -errno when socket() or connect() failed (EINPROGRESS counts as success; a socket
 * whose connect failed is closed). Returns n, or -EFAULT for a bad range.
 */
export function sk_connect_batch(n: i32, domain: i32, type: i32, addr: usize, len: i32, out: usize): i32 {
  if (len > SOCKADDR_STORAGE || !arrayInMemory(out, n, 4) || !inMemory(addr, len)) return -Errno.EFAULT;
  for (let i = 0; i < n; i++) {
    let fd = sysSocket(domain, type, 0);
    if (fd >= 0) {
      let r = sysConnect(<u32>fdLookup(fd), addr, len);
      if (r < 0 && r != -Errno.EINPROGRESS) { sysClose(fd, fdLookup(fd)); fd = r; }
    }
    store<i32>(out + (<usize>i << 2), fd);
  }
  return n;
}

/** Accepts up to max connections into out[] (fds, no addresses); returns how many, or -errno if none could be. */
export function sk_accept_batch(fd: i32, out: usize, max: i32, flags: i32): i32 {
  if ((flags & ~(0o4000 | 0o2000000)) != 0) return -Errno.EINVAL;
  let s = sockLookup(fd); if (s < 0) return s;
  if (!arrayInMemory(out, max, 4)) return -Errno.EFAULT;
  let n = 0;
  while (n < max) {
    let r = sysAccept(<u32>s, 0, 0, flags);
    if (r < 0) { if (n == 0) return r; break; }
    store<i32>(out + (<usize>n << 2), r);
    n++;
  }
  return n;
}

/**
 * close() of n descriptors from fds[]; returns how many closed (bad ones are skipped).
 * flags 1: abortive close, as if SO_LINGER {1, 0} were set on each (a reset, no
 * TIME_WAIT), which is what the real-kernel benchmark does.
 */
export function sk_close_batch(fds: usize, n: i32, flags: i32): i32 {
  if (!arrayInMemory(fds, n, 4)) return -Errno.EFAULT;
  if ((flags & ~1) != 0) return -Errno.EINVAL;
  let closed = 0;
  for (let i = 0; i < n; i++) {
    let fd = load<i32>(fds + (<usize>i << 2));
    let s = fdLookup(fd);                       // one lookup serves the flag and the close
    if (s == -Errno.EBADF) continue;
    if (flags != 0 && s >= 0) setFlag(<u32>s, Flag.LINGER0); // an epoll instance's close ignores it
    sysClose(fd, s);
    closed++;
  }
  return closed;
}

/** unlink() of an AF_UNIX socket file (path bytes at p, length len). */
export function sk_unlink(p: usize, len: i32): i32 {
  if (len <= 0 || len > 108) return -Errno.EINVAL;
  if (!inMemory(p, len)) return -Errno.EFAULT;
  let r = unixUnlink(p, <u32>len);
  return r < 0 ? r : 0;
}

/** Adds a local address (a sockaddr_in/in6 at p; the port is ignored). */
export function sk_add_address(p: usize, len: i32): i32 {
  if (len > 0 && !inMemory(p, len)) return -Errno.EFAULT; // a shorter len reads nothing: EAFNOSUPPORT
  let h = currentHost();
  let r = addLocal(p, len, h);
  // The first address of a host other than 0 is its source address towards other hosts.
  if (r >= 0 && hostPrimary(h) == 0 && addressOwner(<u32>r) == h) setHostPrimary(h, <u32>r + 1);
  return r;
}

// ---- hosts and links (docs/network.md) ---------------------------------------------

/**
 * A new host: personality 0 Linux, 1 FreeBSD, 2 POSIX, with its defaults, and its own
 * seed. Returns its id (>= 1; host 0 is the one sk_init made), -EINVAL or -ENOSPC.
 */
export function sk_host_create(personality: i32, seedValue: i64): i32 { return hostCreate(personality, <u64>seedValue); }

/**
 * Makes host `id` the one the following system calls act on (its descriptors,
 * tunables, counters, addresses). Returns 0, or -EINVAL for an unknown id.
 */
export function sk_host_select(id: i32): i32 {
  if (!isHostId(id)) return -Errno.EINVAL;
  selectHost(<u32>id);
  return 0;
}

/** How many hosts exist (ids 0 .. n-1). */
export function sk_host_count(): i32 { return <i32>hostCount(); }

/**
 * A change to the link src -> dst (-1, -1: the default link), now (atUs <= now) or at
 * simulated time atUs. op (net/changes.ts LinkOp): 1 LATENCY (a latency us, b jitter
 * us), 2 LOSS (a = p in 1e-9), 3 LOSS_GE (a p, b r, c 1-h, d 1-k, each in 1e-9), 4 RATE
 * (a bit/s, 0 none; b limit bytes), 5 UNSET, 6 PARTITION / 7 HEAL (a = 1 both ways),
 * 8 HOLD, 9 RELEASE, 10 UPLINK (host src's uplink, dst = -1: a bit/s, 0 none; b limit
 * bytes). Returns 0 (a release now: the packets it released), or -EINVAL before any
 * effect (unknown host, bad value, a time in the past is "now").
 */
export function sk_link_change(op: i32, src: i32, dst: i32, a: i64, b: i64, c: i64, d: i64, atUs: i64): i32 {
  if (op <= 0 || op >= <i32>LinkOp.Count) return -Errno.EINVAL;
  if (op == <i32>LinkOp.UPLINK) {
    if (!isHostId(src) || dst != -1) return -Errno.EINVAL;
  } else if (!(src == -1 && dst == -1) && (!isHostId(src) || !isHostId(dst))) return -Errno.EINVAL;
  if (atUs < 0 || atUs - nowUs() > MAX_DELAY_US) return -Errno.EINVAL;   // the heap's furthest event
  let prob = op == <i32>LinkOp.LOSS || op == <i32>LinkOp.LOSS_GE;
  let fa = prob ? <f64>a / 1e9 : <f64>a, fb = op == <i32>LinkOp.LOSS_GE ? <f64>b / 1e9 : <f64>b;
  let fc = <f64>c / 1e9, fd = <f64>d / 1e9;
  let id = linkStage(<u32>op, src, dst, fa, fb, fc, fd);
  if (id < 0) return id;
  if (atUs <= nowUs()) {
    let was = selectedHost();
    onLinkChange(<u32>id, <u32>src, <u32>dst, <u32>op);
    hostEnter(was);
    return 0;
  }
  schedule(atUs - nowUs(), EV_LINK, <u32>id, <u32>src, <u32>dst, <u32>op);
  return 0;
}

/** A link counter (net/link.ts Counter: 0 sent, 2 delivered, 4 lost, 6 queueDrop, 8 held, 10 partitionDrop packets, each followed by its bytes); (-1, -1): the network's totals. */
export function sk_link_counter(src: i32, dst: i32, which: i32): i64 { return linkCounter(src, dst, which); }

/** A counter of host's uplink (net/uplink.ts; which as sk_link_counter: 0 sent, 2 left the uplink, 6 dropped by its full queue); -1: every uplink's. 0 for a host without one; -EINVAL for an unknown host or which. */
export function sk_uplink_counter(host: i32, which: i32): i64 {
  if (host != -1 && !isHostId(host)) return -Errno.EINVAL;
  return uplinkCounter(host, which);
}

// ---- time -------------------------------------------------------------------------

/**
 * Advances simulated time by `us` microseconds; returns the events handled, or -EINVAL
 * for a negative `us` or one that would take the clock past its end (2^62 us).
 */
export function sk_advance(us: i64): i32 { return advance(us); }
export function sk_now(): i64 { return nowUs(); }
/** Microseconds until the next event, or -1 when nothing is scheduled. */
export function sk_next_timer(): i64 { let t = nextTime(); return t == NO_EVENT ? -1 : t - nowUs(); }

// ---- observability ----------------------------------------------------------------

export function sk_stat(id: i32): i64 { return <i64>readStat(id); }
export function sk_stat_count(): i32 { return Stat.Count; }

/**
 * One row of the socket table (`ss`): walks socket slots from `cursor`, writes the
 * next live socket's row into the scratch area and returns the cursor for the next
 * call, or -1 at the end. Row layout (docs/abi.md):
 *   0 i32 fd, 4 u8 state, 5 u8 domain, 6 u8 type, 7 u8 pad, 8 u32 recvQ, 12 u32 sendQ,
 *   16 u32 synRecv, 20 u32 drops, 24 i32 localLen, 28 i32 peerLen, 32 local[112], 144 peer[112]
 */
export function sk_sock_row(cursor: i32): i32 {
  if (cursor < 0) return -Errno.EINVAL;
  let hw = <i32>socketsHighWater();
  for (let s = cursor; s < hw; s++) {
    let st = getState(<u32>s);
    if (st == SocketState.FREE || st == SocketState.SYN_RECEIVED || getU8(<u32>s, Off.DOMAIN) == EPOLL_DOMAIN) continue;
    if (!ofCurrentHost(<u32>s)) continue;
    let out = scratch;
    memory.fill(out, 0, 256);
    store<i32>(out, <i32>getU32(<u32>s, Off.FD));
    store<u8>(out + 4, <u8>st);
    store<u8>(out + 5, <u8>getU8(<u32>s, Off.DOMAIN));
    store<u8>(out + 6, <u8>getU8(<u32>s, Off.TYPE));
    if (st == SocketState.LISTEN) {
      let id = getU32(<u32>s, Off.AUX) - 1;
      store<u32>(out + 8, aqLen(id));      // ss -lt Recv-Q: current accept queue
      store<u32>(out + 12, lrLimit(id));   // ss -lt Send-Q: the backlog in force
      store<u32>(out + 16, synqLen(id));
      store<u32>(out + 20, lrDrops(id));
    }
    let n = formatName(<u32>s, false);
    store<i32>(out + 24, n);
    memory.copy(out + 32, nameBuffer(), <usize>n);
    let connected = st == SocketState.ESTABLISHED || st == SocketState.CLOSE_WAIT;
    if (connected && (getU8(<u32>s, Off.DOMAIN) != 1 || getU32(<u32>s, Off.AUX) != 0)) {
      let m = formatName(<u32>s, true);
      store<i32>(out + 28, m);
      memory.copy(out + 144, nameBuffer(), <usize>m);
    }
    return s + 1;
  }
  return -1;
}

/** Whether socket s belongs to the selected host (AF_UNIX: by its descriptor; those without one, host 0). */
function ofCurrentHost(s: u32): bool {
  if (getU8(s, Off.DOMAIN) != 1) return getU32(s, Off.HOST) == currentHost();
  let fd = <i32>getU32(s, Off.FD);
  return fd >= 0 ? fdLookup(fd) == <i32>s : currentHost() == 0;
}

/**
 * The queues of one listening socket, as sk_sock_row gives them for every socket but
 * in O(1): writes accept-queue length, backlog in force, SYN-queue length and drops
 * as four u32 at scratch. 0, or -EBADF/-ENOTSOCK, or -EINVAL when fd is not listening.
 */
export function sk_listen_queues(fd: i32): i32 {
  let s = sockLookup(fd); if (s < 0) return s;
  if (getState(<u32>s) != SocketState.LISTEN) return -Errno.EINVAL;
  let id = getU32(<u32>s, Off.AUX) - 1;
  store<u32>(scratch, aqLen(id));
  store<u32>(scratch + 4, lrLimit(id));
  store<u32>(scratch + 8, synqLen(id));
  store<u32>(scratch + 12, lrDrops(id));
  return 0;
}

/**
 * Checks every table's consistency (core/check.ts): 0, or the negative number of the first
 * broken invariant. O(tables): for tests and debugging.
 */
export function sk_check(): i32 {
  let r = checkAll();
  if (r != 0) return r;
  r = linkCheck();                      // the link model's own (assembly/net): -100 - its number
  return r == 0 ? 0 : r - 100;
}

/** Memory accounting: 0 total linear memory bytes, 1 socket table (and the TCP_USER_TIMEOUT words beside it), 2 fd table, 3 port
 * tables, 4 4-tuple tables (connected tuples and the timewait index), 5 listeners, 6 timers, 7 live sockets, 8 fds in use, 9 pending events,
 * 10 sockets in TIME_WAIT, 11 bytes held by receive queues and cookie clients' send queues, 12 host records, 13 port
 * entries of hosts other than 0, 14 link records and staged changes. */
export function sk_mem(what: i32): i64 {
  switch (what) {
    case 0: return <i64>memory.size() << 16;
    case 1: return <i64>(socketsBytes() + userTimeoutBytes());
    case 2: return <i64>fdTableBytes();
    case 3: return <i64>portTableBytes();
    case 4: return <i64>(connBytes() + twIndexBytes());
    case 5: return <i64>listenersBytes();
    case 6: return <i64>timersBytes();
    case 7: return <i64>socketsLive();
    case 8: return <i64>fdsUsed();
    case 9: return <i64>pending();
    case 10: return <i64>timeWaitSockets();
    case 11: return <i64>(rxHeldBytes() + sqHeldBytes());
    case 12: return <i64>hostsBytes();
    case 13: return <i64>hostPortsBytes();
    case 14: return <i64>networkBytes();
    default: return -Errno.EINVAL;
  }
}
