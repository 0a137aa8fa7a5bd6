// Readiness: what poll() and epoll report for a socket, computed from its state and
// queues when asked (net/ipv4/tcp.c tcp_poll, net/core/datagram.c datagram_poll,
// net/unix/af_unix.c unix_poll), and the poll / epoll system calls.

import { Errno } from "./errno";
import { AF_UNIX, SOCK_DGRAM } from "./constants";
import { Off, Flag, getU8, getU32, hasFlag, isAlive, getGen, sockAlloc, sockFree, setU8, setU32, NONE } from "./socket";
import { SocketState, getState, setState } from "./state";
import { aqLen } from "./accept_queue";
import { rxVisible, rxRecords, rxLen, rxQueuedRecords } from "./ring";
import { sndbufOf, rcvbufOf } from "./buffers";
import { fdAlloc, fdLookup } from "./fd_table";
import { Tunable, tunable } from "./personality";
import { EPOLL_DOMAIN, EPOLLET, EPOLLONESHOT, instAlloc, findItem, itemAdd, itemModify, itemRemove,
  readyFirst, readyLast, itemNextReady, itemDisable, itemUnready, itemRequeue, ip } from "./epoll";

export const POLLIN: u32 = 0x1;
export const POLLPRI: u32 = 0x2;
export const POLLOUT: u32 = 0x4;
export const POLLERR: u32 = 0x8;
export const POLLHUP: u32 = 0x10;
export const POLLNVAL: u32 = 0x20;
export const POLLRDNORM: u32 = 0x40;
export const POLLWRNORM: u32 = 0x100;
export const POLLWRBAND: u32 = 0x200;
export const POLLRDHUP: u32 = 0x2000;

/** Bytes the socket has queued toward its peer beyond the peer's receive buffer. */
function sendQueued(s: u32): u32 {
  let p = getU32(s, Off.AUX);
  if (p == 0 || !isAlive(p - 1, getU32(s, Off.PEERGEN))) return 0;
  let used = rxLen(p - 1), rcv = rcvbufOf(p - 1);
  return used > rcv ? used - rcv : 0;
}

/** include/net/sock.h __sk_stream_is_writeable: free send space >= half of what is queued. */
export function streamWritable(s: u32): bool {
  let q = sendQueued(s);
  let snd = sndbufOf(s);
  return q < snd && snd - q >= (q >> 1);
}

export function pollMask(s: u32): u32 {
  let st = getState(s);
  let domain = getU8(s, Off.DOMAIN), type = getU8(s, Off.TYPE);
  let rd = hasFlag(s, Flag.RCV_SHUT), wr = hasFlag(s, Flag.SEND_SHUT);
  let err = getU8(s, Off.SOERROR) != 0;
  let m: u32 = 0;
  if (st == SocketState.LISTEN) {
    // inet_csk_listen_poll / unix_poll: readable when a connection waits.
    if (aqLen(getU32(s, Off.AUX) - 1) != 0) m |= POLLIN | POLLRDNORM;
    if (domain == <u32>AF_UNIX) {
      if (err) m |= POLLERR;
      if (rd) m |= POLLRDHUP | POLLIN | POLLRDNORM;
    }
    return m;
  }
  let closed = st == SocketState.UNBOUND || st == SocketState.BOUND || st == SocketState.CLOSED;
  if (type == <u32>SOCK_DGRAM) {
    if (err) m |= POLLERR;
    if (rd) m |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (rd && wr) m |= POLLHUP;
    if (rxRecords(s) != 0) m |= POLLIN | POLLRDNORM;
    // unix_dgram_poll: "if (other && unix_peer(other) != sk && unix_recvq_full_lockless(other)) writable = 0;"
    if (domain == <u32>AF_UNIX) {
      let p = getU32(s, Off.AUX);
      if (p != 0 && isAlive(p - 1, getU32(s, Off.PEERGEN)) && getU32(p - 1, Off.AUX) != s + 1 &&
          rxQueuedRecords(p - 1) > 10) return m;
    }
    m |= POLLOUT | POLLWRNORM | POLLWRBAND;
    return m;
  }
  if (domain == <u32>AF_UNIX) {
    if (err) m |= POLLERR;
    if (rd && wr) m |= POLLHUP;
    if (rd) m |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (rxVisible(s) != 0) m |= POLLIN | POLLRDNORM;
    if (closed) m |= POLLHUP;
    if (!wr) m |= POLLOUT | POLLWRNORM | POLLWRBAND; // unix_writable; peer-full is EAGAIN at send
    else m |= POLLOUT | POLLWRNORM | POLLWRBAND;
    return m;
  }
  // tcp_poll
  if ((rd && wr) || closed) m |= POLLHUP;
  if (rd) m |= POLLIN | POLLRDNORM | POLLRDHUP;
  if (st != SocketState.SYN_SENT && st != SocketState.SYN_RECEIVED) {
    if (rxVisible(s) != 0) m |= POLLIN | POLLRDNORM;
    if (!wr) { if (streamWritable(s)) m |= POLLOUT | POLLWRNORM; }
    else m |= POLLOUT | POLLWRNORM;
  }
  if (err) m |= POLLERR;
  return m;
}

/**
 * poll(): fds points at `n` struct pollfd (i32 fd, i16 events, i16 revents). Never
 * blocks (timeout 0). Returns how many have nonzero revents.
 */
export function sysPoll(fds: usize, n: i32): i32 {
  let ready = 0;
  for (let i = 0; i < n; i++) {
    let p = fds + (<usize>i << 3);
    let fd = load<i32>(p);
    let rev: u32 = 0;
    if (fd >= 0) {
      let s = fdLookup(fd);
      if (s == -Errno.EBADF) rev = POLLNVAL;
      else if (s >= 0 && getU8(<u32>s, Off.DOMAIN) != EPOLL_DOMAIN) {
        // "POLLERR | POLLHUP | POLLNVAL are always reported"
        rev = pollMask(<u32>s) & (<u32>load<u16>(p, 4) | POLLERR | POLLHUP);
      }
    }
    store<u16>(p, <u16>rev, 6);
    if (rev != 0) ready++;
  }
  return ready;
}

// ---- epoll -------------------------------------------------------------------------

/** epoll_create1(flags): a new epoll descriptor. */
export function sysEpollCreate(flags: i32): i32 {
  if ((flags & ~0o2000000) != 0) return -Errno.EINVAL; // EPOLL_CLOEXEC only
  let s = sockAlloc();
  if (s == NONE) return -Errno.ENOMEM;
  setState(s, SocketState.UNBOUND);
  setU8(s, Off.DOMAIN, EPOLL_DOMAIN);
  let fd = fdAlloc(s, <u32>tunable(Tunable.MaxFds));
  if (fd < 0) { setState(s, SocketState.FREE); sockFree(s); return fd; }
  setU32(s, Off.FD, <u32>fd);
  setU32(s, Off.AUX, instAlloc() + 1);
  return fd;
}

export const EPOLL_CTL_ADD: i32 = 1;
export const EPOLL_CTL_DEL: i32 = 2;
export const EPOLL_CTL_MOD: i32 = 3;

/** epoll_ctl (fs/eventpoll.c do_epoll_ctl), `ev` at (u32 events, u64 data), 12 bytes packed. */
export function sysEpollCtl(ep: u32, op: i32, fd: i32, ev: usize): i32 {
  let t = fdLookup(fd);
  if (t < 0) return t == -Errno.ENOTSOCK ? -Errno.EPERM : t; // stdio: not pollable here
  let s = <u32>t;
  if (s == ep) return -Errno.EINVAL;                         // "if (fd_file(f) == fd_file(tf)) goto error_tgt_fput" EINVAL
  if (getU8(s, Off.DOMAIN) == EPOLL_DOMAIN) return -Errno.EINVAL; // nesting epoll is not supported here
  let n = getU32(ep, Off.AUX) - 1;
  let it = findItem(n, s);
  let events = op == EPOLL_CTL_DEL ? 0 : load<u32>(ev);
  let data = op == EPOLL_CTL_DEL ? 0 : load<u64>(ev + 4);
  switch (op) {
    case EPOLL_CTL_ADD:
      if (it >= 0) return -Errno.EEXIST;
      itemAdd(n, s, getGen(s), fd, events | POLLERR | POLLHUP, data);
      return 0;
    case EPOLL_CTL_MOD:
      if (it < 0) return -Errno.ENOENT;
      itemModify(<u32>it, events | POLLERR | POLLHUP, data);
      return 0;
    case EPOLL_CTL_DEL:
      if (it < 0) return -Errno.ENOENT;
      itemRemove(<u32>it);
      return 0;
    default:
      return -Errno.EINVAL;
  }
}

/**
 * epoll_wait with timeout 0: writes up to max events (u32 events, u64 data; 12 bytes
 * each) to out. Only the ready list is walked: items whose socket is no longer ready
 * leave it; level-triggered ones that were reported go to its tail.
 */
export function sysEpollWait(ep: u32, out: usize, max: i32): i32 {
  if (max <= 0) return -Errno.EINVAL;
  let n = getU32(ep, Off.AUX) - 1;
  let count = 0;
  let it = readyFirst(n);
  // Items re-queued at the tail during this walk are not visited twice: stop after
  // the item that was last when the walk began.
  let last = readyLast(n);
  while (it != 0 && count < max) {
    let i = it - 1;
    let next = it == last ? 0 : itemNextReady(i);
    let p = ip(i);
    let s = load<u32>(p, 4);
    let want = load<u32>(p, 16);
    let m = isAlive(s, load<u32>(p, 8)) ? pollMask(s) & want : 0;
    if (m == 0) itemUnready(i);
    else {
      let e = out + <usize>count * 12;
      store<u32>(e, m);
      store<u64>(e + 4, load<u64>(p, 24));
      count++;
      if ((want & EPOLLONESHOT) != 0) itemDisable(i);
      else if ((want & EPOLLET) != 0) itemUnready(i);
      else if (next != 0) itemRequeue(i); // fairness; the last one stays where it is
    }
    it = next;
  }
  return count;
}
