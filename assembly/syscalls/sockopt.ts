// getsockopt/setsockopt (net/core/sock.c sk_getsockopt / sk_setsockopt),
// getsockname/getpeername (inet_getname, unix_getname) and fcntl flags. The data
// path, with recv()'s error and end-of-file reporting, is syscalls/data.ts.

import { lrFilter, lrSetFilter } from "../core/accept_queue";
import { AF_INET6, AF_UNIX, FD_CLOEXEC, F_GETFD, F_GETFL, F_SETFD, F_SETFL, IPPROTO_IPV6, IPPROTO_TCP, IPV6_V6ONLY, O_NONBLOCK, O_RDWR, SOL_SOCKET, SO_ACCEPTCONN, SO_DOMAIN, SO_ERROR, SO_LINGER, SO_PROTOCOL, SO_RCVBUF, SO_REUSEADDR, SO_REUSEPORT, SO_REUSEPORT_LB, SO_SNDBUF, SO_TYPE } from "../core/constants";
import { Errno } from "../core/errno";
import { Flag, Flag2, Off, clearFlag, getU16, getU32, getU8, hasFlag, setFlag, setU8, takeError } from "../core/socket";
import { SocketState, getState } from "../core/state";
import { rcvbufOf, setRcvbuf, setSndbuf, sndbufOf } from "../io/buffers";
import { acceptFiltersExist, reuseportLbExists, tcpDeferAcceptExists, tcpUserTimeoutExists } from "../policy/personality";
import { setUserTimeout, userTimeoutOf } from "../tcp/user_timeout";
import { copyName, formatName, nameBuffer } from "../tables/sockaddr";
import { filterRemove } from "../tcp/accept_filter";

export function sysGetsockopt(s: u32, level: i32, name: i32, val: usize, lenPtr: usize): i32 {
  let len = load<i32>(lenPtr);
  if (len < 0) return -Errno.EINVAL; // "if (len < 0) return -EINVAL;"
  let v: i32 = 0;
  if (level == SOL_SOCKET && name == SO_LINGER) {
    // struct linger { int l_onoff; int l_linger; }: only the zero-timeout form changes close() here.
    let on = (getU8(s, Off.FLAGS2) & Flag2.LINGER) != 0 ? 1 : 0;
    let n = len < 8 ? len : 8;
    let tmp = memory.data(8);
    store<i32>(tmp, on); store<i32>(tmp, <i32>getU8(s, Off.LINGER), 4);
    memory.copy(val, tmp, <usize>n);
    store<i32>(lenPtr, n);
    return 0;
  }
  if (level == SOL_SOCKET) {
    switch (name) {
      case SO_SNDBUF: v = <i32>sndbufOf(s); break;
      case SO_RCVBUF: v = <i32>rcvbufOf(s); break;
      case SO_ACCEPTCONN: v = getState(s) == SocketState.LISTEN ? 1 : 0; break;
      case SO_ERROR: v = takeError(s); break;
      case SO_TYPE: v = <i32>getU8(s, Off.TYPE); break;
      case SO_DOMAIN: v = <i32>getU8(s, Off.DOMAIN); break;
      case SO_PROTOCOL: v = <i32>getU8(s, Off.PROTOCOL); break;
      case SO_REUSEADDR: v = hasFlag(s, Flag.REUSEADDR) ? 1 : 0; break;
      case SO_REUSEPORT: v = hasFlag(s, Flag.REUSEPORT) ? 1 : 0; break;
      case SO_REUSEPORT_LB:
        if (!reuseportLbExists()) return -Errno.ENOPROTOOPT;
        v = (getU8(s, Off.FLAGS2) & Flag2.REUSEPORT_LB) != 0 ? 1 : 0; break;
      default: return -Errno.ENOPROTOOPT;
    }
  } else if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && getU8(s, Off.DOMAIN) == <u32>AF_INET6) {
    v = hasFlag(s, Flag.V6ONLY) ? 1 : 0;
  } else if (level == IPPROTO_TCP && name == TCP_DEFER_ACCEPT && isTcp(s) && tcpDeferAcceptExists()) {
    v = retransToSecs(getU8(s, Off.DEFER));
  } else if (level == IPPROTO_TCP && name == TCP_USER_TIMEOUT && isTcp(s) && tcpUserTimeoutExists()) {
    v = <i32>userTimeoutOf(s);   // do_tcp_getsockopt: "val = READ_ONCE(icsk->icsk_user_timeout);"
  } else {
    return -unknownOption(s, level, true);
  }
  // sk_getsockopt: "if (len > lv) len = lv;" then copies len bytes of the int.
  let n = len < 4 ? len : 4;
  for (let i = 0; i < n; i++) store<u8>(val + i, <u8>(v >> (i * 8)));
  store<i32>(lenPtr, n);
  return 0;
}

/** include/uapi/linux/tcp.h */
const TCP_DEFER_ACCEPT: i32 = 9;
/** include/uapi/linux/tcp.h: "How long for loss retry before timeout" (ms). */
const TCP_USER_TIMEOUT: i32 = 18;
/** FreeBSD sys/sys/socket.h: SO_ACCEPTFILTER, struct accept_filter_arg { char af_name[16]; char af_arg[240]; } */
const SO_ACCEPTFILTER: i32 = 0x1000;

/** net/ipv4/tcp.c secs_to_retrans: seconds -> SYN-ACK retransmits that cover them. */
function secsToRetrans(seconds: i32): u32 {
  if (seconds <= 0) return 0;
  let timeout = 1, period = 1, res: u32 = 1;
  while (seconds > period && res < 255) {
    res++;
    timeout <<= 1;
    if (timeout > 120) timeout = 120;
    period += timeout;
  }
  return res;
}
/** retrans_to_secs: what getsockopt(TCP_DEFER_ACCEPT) reports. */
function retransToSecs(retrans: u32): i32 {
  if (retrans == 0) return 0;
  let timeout = 1, period = 1;
  while (--retrans > 0) { timeout <<= 1; if (timeout > 120) timeout = 120; period += timeout; }
  return period;
}

function isTcp(s: u32): bool { return getU8(s, Off.DOMAIN) != <u32>AF_UNIX && getU8(s, Off.TYPE) == 1; }

export function sysSetsockopt(s: u32, level: i32, name: i32, val: usize, len: i32): i32 {
  if (level == IPPROTO_TCP && name == TCP_DEFER_ACCEPT && isTcp(s) && tcpDeferAcceptExists()) {
    if (len < 4) return -Errno.EINVAL;
    setU8(s, Off.DEFER, secsToRetrans(load<i32>(val)));
    return 0;
  }
  if (level == IPPROTO_TCP && name == TCP_USER_TIMEOUT && isTcp(s) && tcpUserTimeoutExists()) {
    // do_tcp_setsockopt: "if (optlen < sizeof(int)) return -EINVAL;" ... "case
    // TCP_USER_TIMEOUT: if (val < 0) return -EINVAL; tcp_sock_set_user_timeout(sk, val);"
    // -- any TCP socket, in any state; a listener passes it to its children.
    if (len < 4) return -Errno.EINVAL;
    let ms = load<i32>(val);
    if (ms < 0) return -Errno.EINVAL;
    setUserTimeout(s, <u32>ms);
    return 0;
  }
  if (level == SOL_SOCKET && name == SO_ACCEPTFILTER && acceptFiltersExist()) {
    // accept_filt_setopt: a NULL value removes the filter ("if ((so->so_options &
    // SO_ACCEPTCONN) == 0) return (EINVAL);"); otherwise the name is looked up before
    // the socket is ("afp = accept_filt_get(afap->af_name); if (afp == NULL) ... return
    // (ENOENT);"), then "if ((so->so_options & SO_ACCEPTCONN) == 0 ||
    // so->sol_accept_filter != NULL) { error = EINVAL; goto out; }": it must listen, and
    // a filter is not replaced without removing it first.
    let listening = getState(s) == SocketState.LISTEN;
    let id = getU32(s, Off.AUX) - 1;
    if (val == 0 || len == 0) {
      if (!listening) return -Errno.EINVAL;
      filterRemove(id, s);
      return 0;
    }
    if (len < 16) return -Errno.EINVAL;
    let f: u32 = nameIs(val, "dataready") ? 1 : nameIs(val, "httpready") ? 2 : 0;
    if (f == 0) return -Errno.ENOENT; // "accept filter not found"
    if (!listening || lrFilter(id) != 0) return -Errno.EINVAL;
    lrSetFilter(id, f);
    return 0;
  }
  // "if (optlen < sizeof(int)) return -EINVAL;"
  if (level == SOL_SOCKET) {
    if (len < 4) return -Errno.EINVAL;
    let on = load<i32>(val) != 0;
    let f: u32;
    switch (name) {
      case SO_SNDBUF: return setSndbuf(s, load<i32>(val));
      case SO_RCVBUF: return setRcvbuf(s, load<i32>(val));
      case SO_LINGER:
        // "if (optlen < sizeof(ling)) { ret = -EINVAL; break; }"
        if (len < 8) return -Errno.EINVAL;
        if (on && load<i32>(val, 4) == 0) setFlag(s, Flag.LINGER0); else clearFlag(s, Flag.LINGER0);
        // Only l_linger == 0 changes close() here (close never blocks); the time is kept
        // for getsockopt, up to 255 s (docs/personalities.md).
        let secs = load<i32>(val, 4);
        setU8(s, Off.LINGER, secs < 0 ? 0 : secs > 255 ? 255 : <u32>secs);
        setU8(s, Off.FLAGS2, on ? getU8(s, Off.FLAGS2) | Flag2.LINGER : getU8(s, Off.FLAGS2) & ~Flag2.LINGER);
        return 0;
      case SO_REUSEADDR: f = Flag.REUSEADDR; break;
      case SO_REUSEPORT: f = Flag.REUSEPORT; break;
      case SO_REUSEPORT_LB:
        // FreeBSD sosetopt: a flag in so_options like SO_REUSEPORT (§7 R7).
        if (!reuseportLbExists()) return -Errno.ENOPROTOOPT;
        setU8(s, Off.FLAGS2, on ? getU8(s, Off.FLAGS2) | Flag2.REUSEPORT_LB : getU8(s, Off.FLAGS2) & ~Flag2.REUSEPORT_LB);
        return 0;
      default: return -Errno.ENOPROTOOPT;
    }
    if (on) setFlag(s, f); else clearFlag(s, f);
    return 0;
  }
  if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && getU8(s, Off.DOMAIN) == <u32>AF_INET6) {
    if (len < 4) return -Errno.EINVAL;
    // do_ipv6_setsockopt: "if (optlen < sizeof(int) || inet_sk(sk)->inet_num) break;" -> EINVAL
    if (hasFlag(s, Flag.HASHED)) return -Errno.EINVAL;
    if (load<i32>(val) != 0) setFlag(s, Flag.V6ONLY); else clearFlag(s, Flag.V6ONLY);
    return 0;
  }
  return -unknownOption(s, level, false);
}

/**
 * The errno for an option this kernel does not know, as the layer Linux hands it to
 * answers: SOL_SOCKET (sk_setsockopt / sk_getsockopt default) ENOPROTOOPT; AF_UNIX has
 * no protocol options (sock_no_setsockopt / sock_no_getsockopt) EOPNOTSUPP; TCP options
 * ENOPROTOOPT (do_tcp_setsockopt default); any other level falls to the IP layer:
 * ip_setsockopt "if (level != SOL_IP) return -ENOPROTOOPT", do_ip_getsockopt
 * "if (level != SOL_IP) return -EOPNOTSUPP", and IPv6 ENOPROTOOPT both ways.
 */
function unknownOption(s: u32, level: i32, get: bool): i32 {
  if (level == SOL_SOCKET) return Errno.ENOPROTOOPT;
  let domain = <i32>getU8(s, Off.DOMAIN);
  if (domain == AF_UNIX) return Errno.EOPNOTSUPP;
  if (level == IPPROTO_TCP && isTcp(s)) return Errno.ENOPROTOOPT;
  if (domain == AF_INET6) return Errno.ENOPROTOOPT;
  if (level == 0 /* SOL_IP */) return Errno.ENOPROTOOPT;
  return get ? Errno.EOPNOTSUPP : Errno.ENOPROTOOPT;
}

export function sysGetsockname(s: u32, addr: usize, lenPtr: usize): i32 {
  if (load<i32>(lenPtr) < 0) return -Errno.EINVAL;
  copyName(nameBuffer(), formatName(s, false), addr, lenPtr);
  return 0;
}

export function sysGetpeername(s: u32, addr: usize, lenPtr: usize): i32 {
  if (load<i32>(lenPtr) < 0) return -Errno.EINVAL;
  let st = getState(s);
  if (getU8(s, Off.DOMAIN) == <u32>AF_UNIX) {
    // unix_getname(peer): "if (!sk) ... -ENOTCONN" when there is no peer.
    if (getU32(s, Off.AUX) == 0 || st == SocketState.LISTEN) return -Errno.ENOTCONN;
  } else {
    // inet_getname: "if (!inet->inet_dport || (((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_SYN_SENT)) && peer == 1)) return -ENOTCONN;"
    if (getU16(s, Off.PPORT) == 0 || st == SocketState.SYN_SENT || st == SocketState.CLOSED ||
        st == SocketState.UNBOUND || st == SocketState.BOUND || st == SocketState.LISTEN) return -Errno.ENOTCONN;
  }
  copyName(nameBuffer(), formatName(s, true), addr, lenPtr);
  return 0;
}

export function sysFcntl(s: u32, cmd: i32, arg: i32): i32 {
  switch (cmd) {
    case F_GETFL: return O_RDWR | (hasFlag(s, Flag.NONBLOCK) ? O_NONBLOCK : 0);
    case F_SETFL: if (arg & O_NONBLOCK) setFlag(s, Flag.NONBLOCK); else clearFlag(s, Flag.NONBLOCK); return 0;
    case F_GETFD: return hasFlag(s, Flag.CLOEXEC) ? FD_CLOEXEC : 0;
    case F_SETFD: if (arg & FD_CLOEXEC) setFlag(s, Flag.CLOEXEC); else clearFlag(s, Flag.CLOEXEC); return 0;
    default: return -Errno.EINVAL;
  }
}

function nameIs(p: usize, name: string): bool {
  let n = name.length;
  for (let i = 0; i < n; i++) if (<i32>load<u8>(p + i) != name.charCodeAt(i)) return false;
  return load<u8>(p + n) == 0;
}
