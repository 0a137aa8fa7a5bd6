// poll(2), epoll_create1(2), epoll_ctl(2) and epoll_wait(2), all with timeout 0
// (fs/select.c do_pollfd, fs/eventpoll.c). What a socket reports is io/readiness.ts
// pollMask; the interest lists are io/epoll.ts.

import { Errno } from "../core/errno";
import { fdAlloc, fdLookup } from "../core/fd_table";
import { currentHost } from "../core/hosts";
import { sockDestroy } from "../core/release";
import { NONE, Off, getGen, getU32, getU8, isAlive, setU32, setU8, sockAlloc } from "../core/socket";
import { SocketState, setState } from "../core/state";
import { EPOLLET, EPOLLONESHOT, EPOLL_DOMAIN, findItem, instAlloc, item, itemAdd, itemDisable, itemModify, itemNextReady, itemRemove, itemRequeue, itemUnready, readyFirst, readyLast } from "../io/epoll";
import { POLLERR, POLLHUP, POLLNVAL, pollMask } from "../io/readiness";
import { EPOLLPEER, peerWaiting } from "../io/peer_wait";
import { AF_UNIX } from "../core/constants";
import { Tunable, tunable } from "../policy/tunables";

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
  setU32(s, Off.HOST, currentHost());
  let fd = fdAlloc(s, <u32>tunable(Tunable.MaxFds));
  if (fd < 0) { sockDestroy(s); return fd; }
  setU32(s, Off.FD, <u32>fd);
  setU32(s, Off.AUX, instAlloc(currentHost()) + 1);
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

/** EPOLLPEER when asked for and s waits for room in no one's queue (io/peer_wait.ts). */
function peerMask(s: u32, want: u32): u32 {
  if ((want & EPOLLPEER) == 0) return 0;
  return getU8(s, Off.DOMAIN) == <u32>AF_UNIX && peerWaiting(s) ? 0 : EPOLLPEER;
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
    let p = item(i);
    let s = p.sock;
    let want = p.events;
    let m = isAlive(s, p.gen) ? (pollMask(s) | peerMask(s, want)) & want : 0;
    if (m == 0) itemUnready(i);
    else {
      let e = out + <usize>count * 12;
      store<u32>(e, m);
      store<u64>(e + 4, p.data);
      count++;
      if ((want & EPOLLONESHOT) != 0) itemDisable(i);
      else if ((want & EPOLLET) != 0) itemUnready(i);
      else if (next != 0) itemRequeue(i); // fairness; the last one stays where it is
    }
    it = next;
  }
  return count;
}
