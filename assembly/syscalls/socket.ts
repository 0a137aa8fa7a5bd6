// socket(2): checks in the order of net/socket.c __sys_socket / __sock_create and
// the family's create function (net/ipv4/af_inet.c inet_create, net/unix/af_unix.c
// unix_create).

import { AF_INET, AF_INET6, AF_MAX, AF_UNIX, IPPROTO_TCP, IPPROTO_UDP, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_MAX, SOCK_NONBLOCK, SOCK_RAW, SOCK_SEQPACKET, SOCK_STREAM, SOCK_TYPE_MASK } from "../core/constants";
import { Errno } from "../core/errno";
import { fdAlloc } from "../core/fd_table";
import { sockDestroy } from "../core/release";
import { Flag, NONE, Off, setFlag, setU16, setU32, setU8, sockAlloc } from "../core/socket";
import { SockLayer, SocketState, setSockLayer, setState } from "../core/state";
import { Tunable, tunable } from "../policy/tunables";
import { ANY4, ANY6 } from "../tables/addresses";
import { proto } from "../tcp/teardown";

export function sysSocket(domain: i32, typeArg: i32, protocol: i32): i32 {
  let type = typeArg & SOCK_TYPE_MASK;
  // "if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return -EINVAL;"
  if ((typeArg & ~(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC)) != 0) return -Errno.EINVAL;
  // __sock_create: "if (family < 0 || family >= NPROTO) return -EAFNOSUPPORT;
  // if (type < 0 || type >= SOCK_MAX) return -EINVAL;"
  if (<u32>domain >= <u32>AF_MAX) return -Errno.EAFNOSUPPORT;
  if (type >= SOCK_MAX) return -Errno.EINVAL;
  let proto = 0;
  if (domain == AF_INET || domain == AF_INET6) {
    // inet_create: "if (protocol < 0 || protocol >= IPPROTO_MAX) return -EINVAL;"
    if (<u32>protocol >= 256) return -Errno.EINVAL;
    if (type == SOCK_STREAM) {
      if (protocol != 0 && protocol != IPPROTO_TCP) return -Errno.EPROTONOSUPPORT;
      proto = IPPROTO_TCP;
    } else if (type == SOCK_DGRAM) {
      if (protocol != 0 && protocol != IPPROTO_UDP) return -Errno.EPROTONOSUPPORT;
      proto = IPPROTO_UDP;
    } else if (type == SOCK_RAW) {
      // inetsw[SOCK_RAW] is a wildcard entry that wants a protocol: protocol 0 gives
      // EPROTONOSUPPORT (checked on Linux 6.18); raw sockets are not simulated, so
      // any other protocol is refused as for a process without CAP_NET_RAW.
      return protocol == 0 ? -Errno.EPROTONOSUPPORT : -Errno.EPERM;
    } else {
      // No protosw for the type (SOCK_SEQPACKET needs SCTP, not loaded): ESOCKTNOSUPPORT.
      return -Errno.ESOCKTNOSUPPORT;
    }
  } else if (domain == AF_UNIX) {
    // unix_create: "if (protocol && protocol != PF_UNIX) return -EPROTONOSUPPORT;"
    if (protocol != 0 && protocol != AF_UNIX) return -Errno.EPROTONOSUPPORT;
    if (type == SOCK_RAW) type = SOCK_DGRAM; // "case SOCK_RAW: sock->type = SOCK_DGRAM;"
    else if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET) return -Errno.ESOCKTNOSUPPORT;
  } else {
    return -Errno.EAFNOSUPPORT;
  }
  let s = sockAlloc();
  if (s == NONE) return -Errno.ENOBUFS;
  setState(s, SocketState.UNBOUND);
  setSockLayer(s, SockLayer.SS_UNCONNECTED);
  setU8(s, Off.DOMAIN, <u32>domain);
  setU8(s, Off.TYPE, <u32>type);
  setU8(s, Off.PROTOCOL, <u32>proto);
  setU16(s, Off.LADDR, domain == AF_INET6 ? ANY6 : ANY4);
  if (typeArg & SOCK_NONBLOCK) setFlag(s, Flag.NONBLOCK);
  if (typeArg & SOCK_CLOEXEC) setFlag(s, Flag.CLOEXEC);
  // get_unused_fd_flags comes after the socket exists: EMFILE frees it again.
  let fd = fdAlloc(s, <u32>tunable(Tunable.MaxFds));
  if (fd < 0) { sockDestroy(s); return fd; }
  setU32(s, Off.FD, <u32>fd);
  return fd;
}
