// bind(2) for AF_INET/AF_INET6 (net/ipv4/af_inet.c __inet_bind, net/ipv6/af_inet6.c
// __inet6_bind) and AF_UNIX (net/unix/af_unix.c unix_bind).

import { AF_INET, AF_INET6, SOCK_STREAM } from "../core/constants";
import { Errno } from "../core/errno";
import { nextU32 } from "../core/prng";
import { Flag, Off, getGen, getU16, getU32, getU8, hasFlag, setFlag, setU16, setU32 } from "../core/socket";
import { SocketState, getState, setState } from "../core/state";
import { droppedRefusesBindListen, unixAbstractNames, unixAutobinds } from "../policy/personality";
import { Tunable, tunable } from "../policy/tunables";
import { ANY4, NOT_LOCAL, addrDrop, addrHold, isLocalTo, isV4, isWildcard, parseInet, setAddr } from "../tables/addresses";
import { currentHost } from "../core/hosts";
import { bindConflict, chooseBindPort, hashBind, protoIndex } from "../tables/ports";
import { parseUnix, unixCreate, unixFind, unixSpace } from "../tables/unix_names";
import { proto } from "../tcp/teardown";

const abstractFlag = memory.data(4);
const autoName = memory.data(8);

export function sysBind(s: u32, addr: usize, len: i32): i32 {
  let domain = <i32>getU8(s, Off.DOMAIN);
  if (domain != AF_INET && domain != AF_INET6) return unixBind(s, addr, len);
  let parsed: i64;
  if (domain == AF_INET && len >= 16 && load<u16>(addr) == 0) {
    // "Compatibility games: accept AF_UNSPEC (mapped to AF_INET) only if s_addr is INADDR_ANY"
    if (load<u32>(addr + 4) != 0) return -Errno.EAFNOSUPPORT;
    parsed = (<i64>ANY4 << 16) | <i64>bswap<u16>(load<u16>(addr + 2));
  } else {
    parsed = parseInet(addr, len, domain);
  }
  if (parsed < 0) return <i32>parsed;
  let st = getState(s);
  // FreeBSD tcp_usr_bind: INP_DROPPED is EINVAL before in_pcbbind (policy/personality.ts).
  if (st == SocketState.CLOSED && hasFlag(s, Flag.WASCONN) && getU8(s, Off.TYPE) == <u32>SOCK_STREAM && droppedRefusesBindListen()) return -Errno.EINVAL;
  let idx = <u32>(parsed >> 16), port = <u32>(parsed & 0xffff);
  // inet_addr_valid_or_nonlocal
  if (idx == NOT_LOCAL || !isLocalTo(idx, currentHost())) return -Errno.EADDRNOTAVAIL; // another host's address
  // "if (snum && inet_port_requires_bind_service(net, snum) && !ns_capable(..., CAP_NET_BIND_SERVICE))"
  if (port != 0 && port < <u32>tunable(Tunable.IpUnprivilegedPortStart) && tunable(Tunable.Privileged) == 0)
    return -Errno.EACCES;
  // "if (sk->sk_state != TCP_CLOSE || inet->inet_num) goto out_release_sock;" -> EINVAL
  if ((st != SocketState.UNBOUND && st != SocketState.CLOSED) || hasFlag(s, Flag.HASHED)) return -Errno.EINVAL;
  // __inet6_bind: a v4-mapped address on an IPV6_V6ONLY socket is EINVAL.
  if (domain == AF_INET6 && isV4(idx) && hasFlag(s, Flag.V6ONLY)) return -Errno.EINVAL;
  let proto = protoIndex(getU8(s, Off.TYPE));
  let oldAddr = getU16(s, Off.LADDR);
  addrHold(oldAddr);                         // kept while the bind may still fail and restore it
  setAddr(s, Off.LADDR, idx);
  if (port == 0) {
    port = chooseBindPort(s, proto);
    if (port == 0) { setAddr(s, Off.LADDR, oldAddr); addrDrop(oldAddr); return -Errno.EADDRINUSE; }
  } else if (bindConflict(s, proto, port, true)) {
    setAddr(s, Off.LADDR, oldAddr);
    addrDrop(oldAddr);
    return -Errno.EADDRINUSE;
  } else {
    // "if (snum) sk->sk_userlocks |= SOCK_BINDPORT_LOCK;"
    setFlag(s, Flag.BINDLOCK);
  }
  addrDrop(oldAddr);
  setU16(s, Off.LPORT, port);
  hashBind(s, proto, port, false);
  // "if (sk->sk_rcv_saddr) sk->sk_userlocks |= SOCK_BINDADDR_LOCK;"
  if (!isWildcard(idx)) setFlag(s, Flag.ADDRLOCK);
  setState(s, SocketState.BOUND);
  return 0;
}

/** listen()/connect() autobind of an unbound inet socket; returns 0 or -EADDRINUSE. */
export function autobind(s: u32): i32 {
  let proto = protoIndex(getU8(s, Off.TYPE));
  let port = chooseBindPort(s, proto);
  if (port == 0) return -Errno.EADDRINUSE;
  setU16(s, Off.LPORT, port);
  hashBind(s, proto, port, false);
  return 0;
}

function unixBind(s: u32, addr: usize, len: i32): i32 {
  // unix_bind: "if (addr_len == offsetof(struct sockaddr_un, sun_path) && sunaddr->sun_family == AF_UNIX) return unix_autobind(sk);"
  if (len == 2 && load<u16>(addr) == 1) {
    if (!unixAutobinds()) return -Errno.EINVAL;
    if (getU32(s, Off.UNAME) != 0) return -Errno.EINVAL;
    return unixAutobind(s);
  }
  let n = parseUnix(addr, len, abstractFlag);
  if (n < 0) return n;
  let abstract = load<u8>(abstractFlag) != 0;
  if (abstract && !unixAbstractNames()) return -Errno.ENOENT; // the empty path
  if (!abstract && n == 0) return -Errno.ENOENT;
  if (getU32(s, Off.UNAME) != 0) return -Errno.EINVAL; // "if (u->addr) goto out_up;" EINVAL
  let name = addr + 2;
  let space = unixSpace(abstract, getU8(s, Off.TYPE));
  if (unixFind(name, <u32>n, space) >= 0) return -Errno.EADDRINUSE;
  let id = unixCreate(name, <u32>n, abstract, s, getGen(s), space);
  setU32(s, Off.UNAME, id + 1);
  if (getState(s) == SocketState.UNBOUND) setState(s, SocketState.BOUND);
  return 0;
}

/** net/unix/af_unix.c unix_autobind: an abstract name "\0" + five hex digits. */
export function unixAutobind(s: u32): i32 {
  let hex = "0123456789abcdef";
  for (let tries = 0; tries < 0x100000; tries++) {
    let order = nextU32() & 0xfffff;
    store<u8>(autoName, 0);
    for (let i = 0; i < 5; i++) store<u8>(autoName + 1 + i, <u8>hex.charCodeAt((order >> ((4 - i) * 4)) & 0xf));
    let space = unixSpace(true, getU8(s, Off.TYPE));
    if (unixFind(autoName, 6, space) < 0) {
      let id = unixCreate(autoName, 6, true, s, getGen(s), space);
      setU32(s, Off.UNAME, id + 1);
      if (getState(s) == SocketState.UNBOUND) setState(s, SocketState.BOUND);
      return 0;
    }
  }
  return -Errno.ENOSPC;
}
