// accept(2) / accept4(2): net/socket.c do_accept, net/ipv4/inet_connection_sock.c
// inet_csk_accept, net/unix/af_unix.c unix_accept.

import { Errno } from "./errno";
import { AF_UNIX, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_CLOEXEC } from "./constants";
import { Off, Flag, getU8, setU8, getU16, getU32, setU32, hasFlag, setFlag } from "./socket";
import { SocketState, SockLayer, getState } from "./state";
import { fdAlloc } from "./fd_table";
import { aqPop, aqLen, aqPushFront } from "./accept_queue";
import { Personality, getPersonality, Tunable, tunable, acceptInheritsNonblock } from "./personality";
import { formatInet } from "./address";
import { formatUnix } from "./unix_names";
import { sysClose } from "./close";

const nameBuf = memory.data(112);

/** Writes a sockaddr to the caller's (addr, *lenPtr) as move_addr_to_user does. */
export function copyName(src: usize, actual: i32, addr: usize, lenPtr: usize): void {
  let room = load<i32>(lenPtr);
  memory.copy(addr, src, <usize>(room < actual ? room : actual));
  store<i32>(lenPtr, actual);
}

/** Formats socket s's local (peer = false) or peer address into nameBuf; returns the length. */
export function formatName(s: u32, peer: bool): i32 {
  if (getU8(s, Off.DOMAIN) == <u32>AF_UNIX) {
    if (!peer) return formatUnix(<i32>getU32(s, Off.UNAME) - 1, nameBuf);
    let p = getU32(s, Off.AUX);
    return formatUnix(p == 0 ? -1 : <i32>getU32(p - 1, Off.UNAME) - 1, nameBuf);
  }
  let domain = <i32>getU8(s, Off.DOMAIN);
  return peer ? formatInet(getU16(s, Off.PADDR), getU16(s, Off.PPORT), domain, nameBuf)
              : formatInet(getU16(s, Off.LADDR), getU16(s, Off.LPORT), domain, nameBuf);
}
export function nameBuffer(): usize { return nameBuf; }

/**
 * flags < 0 means accept() (not accept4): FreeBSD then inherits O_NONBLOCK from the
 * listener (ACCEPT4_INHERIT); Linux never does.
 */
export function sysAccept(s: u32, addr: usize, lenPtr: usize, flags: i32, badAddr: bool): i32 {
  let inherit = flags < 0;
  if (inherit) flags = 0;
  let type = getU8(s, Off.TYPE);
  if (type == <u32>SOCK_DGRAM) {
    // Linux sock_no_accept: EOPNOTSUPP. FreeBSD solisten-less socket: EINVAL.
    return getPersonality() == Personality.FreeBSD ? -Errno.EINVAL : -Errno.EOPNOTSUPP;
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
  setU8(child, Off.SSLAYER, SockLayer.SS_CONNECTED);
  let nonblock = (flags & SOCK_NONBLOCK) != 0 || (inherit && acceptInheritsNonblock() && hasFlag(s, Flag.NONBLOCK));
  if (nonblock) setFlag(child, Flag.NONBLOCK);
  if (flags & SOCK_CLOEXEC) setFlag(child, Flag.CLOEXEC);
  if (badAddr) {
    sysClose(fd, <i32>child);
    return -Errno.EFAULT;
  }
  if (addr != 0) {
    if (load<i32>(lenPtr) < 0) {
      // move_addr_to_user: "if (len < 0) return -EINVAL;" after the connection was
      // taken: Linux closes the new socket and the connection is lost (checked on 6.18).
      sysClose(fd, <i32>child);
      return -Errno.EINVAL;
    }
    copyName(nameBuf, formatName(child, true), addr, lenPtr);
  }
  return fd;
}
