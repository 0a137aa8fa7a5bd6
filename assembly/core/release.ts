// The one door through which a socket is freed (Linux sk_free -> __sk_destruct,
// FreeBSD sofree): whichever path ended it -- close(), a reset, the end of TIME_WAIT,
// a request that timed out, a listener that stopped, socket() failing with EMFILE --
// sockDestroy releases everything the socket still holds, so no path frees a subset.
//
// What a descriptor holds is released earlier, by close() itself (syscalls/close.ts
// sysClose: its epoll registrations, as Linux eventpoll_release does from __fput);
// sockDestroy drops any left too, for sockets that never had one.

import { incqRemove, synqRemove } from "./accept_queue";
import { Flag, Flag2, Off, getU16, getU32, getU8, hasFlag, sockFree } from "./socket";
import { SocketState, getState, setState } from "./state";
import { EPOLL_DOMAIN, instFree, unwatchAll } from "../io/epoll";
import { rxDropRecord, rxFree } from "../io/rx_queue";
import { peerWaitRelease } from "../io/peer_wait";
import { sqFree } from "../io/send_queue";
import { AF_UNIX, SOCK_DGRAM } from "./constants";
import { ANY4, addrDrop, setAddr } from "../tables/addresses";
import { listenStop } from "../syscalls/close";
import { protoIndex, unhashBind } from "../tables/ports";
import { connRemove, tupleOf } from "../tables/tuples";
import { unixOwner, unixRelease } from "../tables/unix_names";
import { listenerId } from "../tcp/listener";
import { timeWaitLeaves } from "../tcp/teardown";
import { twLeave } from "../tcp/time_wait";
import { setUserTimeout } from "../tcp/user_timeout";
import { cancelTimer } from "../storage/timer_heap";

export function sockDestroy(s: u32): void {
  if (!ASC_NO_ASSERT) assert(<i32>getU32(s, Off.FD) < 0, "sockDestroy: a descriptor still names the socket");
  let st = getState(s);
  if (getU8(s, Off.DOMAIN) == EPOLL_DOMAIN) {
    let n = getU32(s, Off.AUX);
    if (n != 0) instFree(n - 1);                   // its registrations
  } else {
    if (st == SocketState.LISTEN) {
      if (getU32(s, Off.AUX) != 0) listenStop(s);  // the SYN and accept queues, the record
    } else if (st == SocketState.SYN_RECEIVED) {
      synqRemove(listenerId(getU32(s, Off.PARENT) - 1), s);
    } else if (st == SocketState.TIME_WAIT) {
      timeWaitLeaves(s);
    }
    if (st == SocketState.TIME_WAIT || st == SocketState.FIN_WAIT_2) twLeave(s); // tcp/time_wait.ts's index
    if ((getU8(s, Off.FLAGS2) & Flag2.FILTERED) != 0) {
      incqRemove(listenerId(getU32(s, Off.PARENT) - 1), s); // an accept filter's queue
    }
    if (hasFlag(s, Flag.TUPLED)) {                // the 4-tuple
      connRemove(tupleOf(s));
    }
    unhashBind(s, protoIndex(getU8(s, Off.TYPE))); // the port
    if (getU8(s, Off.DOMAIN) == AF_UNIX) {
      peerWaitRelease(s);                          // the queue it waits on, its waiters
      // An AF_UNIX name it owns. Only AF_UNIX: an inet socket's same word is its host
      // (Off.HOST), which read as a name id reached past the name table and, when the
      // word there happened to equal s + 1, released memory that was not a name (found
      // by node bench/network.mjs: 1 000 hosts, an address entry zeroed).
      let name = getU32(s, Off.UNAME);
      if (name != 0 && unixOwner(name - 1) == s + 1) unixRelease(name - 1);
    }
    if (getU8(s, Off.TYPE) == SOCK_DGRAM && getU8(s, Off.DOMAIN) != AF_UNIX) {
      // queued datagrams hold their sources (syscalls/data.ts udpSend)
      for (let from = rxDropRecord(s); from >= 0; from = rxDropRecord(s)) addrDrop(<u32>(from >> 16));
    }
    rxFree(s);                                      // the receive queue
    if ((getU8(s, Off.FLAGS2) & Flag2.COOKIE) != 0) sqFree(s); // a cookie client's send queue (qnext is a list link otherwise)
    setAddr(s, Off.LADDR, ANY4);                    // its addresses
    setAddr(s, Off.PADDR, ANY4);
  }
  setUserTimeout(s, 0);                             // TCP_USER_TIMEOUT, kept beside the record
  unwatchAll(s);                                    // epoll registrations
  cancelTimer(s);                                   // its pending timer leaves the heap
  setState(s, SocketState.FREE);
  sockFree(s);
}
