// accept(2) / accept4(2): net/socket.c do_accept, net/ipv4/inet_connection_sock.c
// inet_csk_accept, net/unix/af_unix.c unix_accept.

import { aqLen, aqPop, aqPushFront } from "../core/accept_queue";
import { AF_UNIX, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK } from "../core/constants";
import { Errno } from "../core/errno";
import { fdAlloc } from "../core/fd_table";
import { Flag, Off, getU32, getU8, hasFlag, setFlag, setU32, setU8 } from "../core/socket";
import { SockLayer, SocketState, getState, setSockLayer } from "../core/state";
import { acceptDatagramErrno, acceptInheritsNonblock } from "../policy/personality";
import { Tunable, tunable } from "../policy/tunables";
import { sysClose } from "./close";
import { peerWakeOne } from "../io/peer_wait";
import { copyName, formatName, nameBuffer } from "../tables/sockaddr";

/**
 * flags < 0 means accept() (not accept4): FreeBSD then inherits O_NONBLOCK from the
 * listener (ACCEPT4_INHERIT); Linux never does.
 */
export function sysAccept(s: u32, addr: usize, lenPtr: usize, flags: i32): i32 {
  let inherit = flags < 0;
  if (inherit) flags = 0;
  let type = getU8(s, Off.TYPE);
  if (type == <u32>SOCK_DGRAM) {
    return -acceptDatagramErrno();
  }
  // inet_csk_accept: "error = -EINVAL; if (sk->sk_state != TCP_LISTEN) goto out_err;"
  if (getState(s) != SocketState.LISTEN) return -Errno.EINVAL;
  let soErr = getU8(s, Off.SOERROR);
  if (soErr != 0) {
    // FreeBSD: a shutdown() listener reports ECONNABORTED once (kern_accept4 so_error).
    setU8(s, Off.SOERROR, 0);
    return -<i32>soErr;
  }
  let id = getU32(s, Off.AUX) - 1;
  if (aqLen(id) == 0) return -Errno.EAGAIN; // would block: this API never does
  let child = aqPop(id);
  // get_unused_fd_flags comes first in do_accept, so EMFILE leaves the queue alone.
  let fd = fdAlloc(child, <u32>tunable(Tunable.MaxFds));
  if (fd < 0) {
    aqPushFront(id, child);
    return fd;
  }
  setU32(child, Off.FD, <u32>fd);
  setU32(child, Off.PARENT, 0);
  // unix_accept: "wake_up_interruptible(&unix_sk(sk)->peer_wait);": a connect() waiting
  // for room in this queue asks again (io/peer_wait.ts).
  if (getU8(s, Off.DOMAIN) == <u32>AF_UNIX) peerWakeOne(s);
  setSockLayer(child, SockLayer.SS_CONNECTED);
  let nonblock = (flags & SOCK_NONBLOCK) != 0 || (inherit && acceptInheritsNonblock() && hasFlag(s, Flag.NONBLOCK));
  if (nonblock) setFlag(child, Flag.NONBLOCK);
  if (flags & SOCK_CLOEXEC) setFlag(child, Flag.CLOEXEC);
  if (addr != 0) {
    if (load<i32>(lenPtr) < 0) {
      // move_addr_to_user: "if (len < 0) return -EINVAL;" after the connection was
      // taken: Linux closes the new socket and the connection is lost (checked on 6.18).
      sysClose(fd, <i32>child);
      return -Errno.EINVAL;
    }
    copyName(nameBuffer(), formatName(child, true), addr, lenPtr);
  }
  return fd;
}
