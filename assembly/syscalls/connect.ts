// connect(2): the socket-layer state machine of net/ipv4/af_inet.c
// __inet_stream_connect, the autobind of tcp_v4_connect / __inet_hash_connect, and
// AF_UNIX unix_stream_connect / unix_dgram_connect.

import { aqLen, aqPush, lrCountDrop, lrLimit } from "../core/accept_queue";
import { AF_INET6, AF_UNIX, SOCK_DGRAM } from "../core/constants";
import { Errno } from "../core/errno";
import { Flag, Flag2, NONE, Off, clearFlag, getGen, getU16, getU32, getU8, hasFlag, isAlive, setFlag, setU16, setU32, setU8, sockAlloc, takeError } from "../core/socket";
import { SockLayer, SocketState, getSockLayer, getState, setSockLayer, setState } from "../core/state";
import { Stat, bump } from "../core/stats";
import { acceptQueueFull, connectAfterDropRefused, connectInTimeWaitInUse, connectCompletedIsEisconn, connectOnListenerErrno, connectUnspecDisconnects, unixAbstractNames, unixDgramUnspecErrno, unixFullErrno } from "../policy/personality";
import { disconnect } from "./close";
import { NOT_LOCAL, connectTarget, isLocalTo, isV4, isWildcard, parseInet, setAddr, sourceFor } from "../tables/addresses";
import { currentHost, hostPrimary } from "../core/hosts";
import { chooseBindPort, chooseConnectPort, hashBind } from "../tables/ports";
import { connContains, connInsert, hostKey, tupleKey, tupleOf } from "../tables/tuples";
import { parseUnix, unixFind, unixOwner, unixOwnerGen, unixSpace } from "../tables/unix_names";
import { startHandshake } from "../tcp/client";
import { twRecycle } from "../tcp/time_wait";
import { wake } from "../io/epoll";
import { peerWaitLeave, peerWaitOn } from "../io/peer_wait";

const abstractFlag = memory.data(4);

export function sysConnect(s: u32, addr: usize, len: i32): i32 {
  let domain = <i32>getU8(s, Off.DOMAIN);
  if (domain == AF_UNIX) {
    let r = unixConnect(s, addr, len);
    // A stream socket waits for room in a listener only after the connect() told EAGAIN
    // for it (unixConnect); any other outcome ends an earlier wait (io/peer_wait.ts).
    if (r != -Errno.EAGAIN && getU8(s, Off.TYPE) != <u32>SOCK_DGRAM) peerWaitLeave(s);
    return r;
  }
  // inet_stream_connect: "if (addr_len < sizeof(uaddr->sa_family)) return -EINVAL;"
  if (len < 2) return -Errno.EINVAL;
  let unspec = load<u16>(addr) == 0;
  let dgram = getU8(s, Off.TYPE) == <u32>SOCK_DGRAM;
  if (unspec && (dgram || connectUnspecDisconnects())) {
    // AF_UNSPEC: "err = sk->sk_prot->disconnect(sk, flags); sock->state = err ? SS_DISCONNECTING : SS_UNCONNECTED;"
    disconnect(s);
    setSockLayer(s, SockLayer.SS_UNCONNECTED);
    return 0;
  }
  if (dgram) return udpConnect(s, addr, len);
  if (connectCompletedIsEisconn()) {
    let e = soconnectState(s, unspec);
    if (e != 0) return e;
  } else {
    switch (getSockLayer(s)) {
      case SockLayer.SS_CONNECTED: return -Errno.EISCONN;
      case SockLayer.SS_CONNECTING: {
        let st = getState(s);
        if (st == SocketState.SYN_SENT) return -Errno.EALREADY;
        if (st == SocketState.CLOSED || st == SocketState.UNBOUND || st == SocketState.BOUND) {
          // sock_error: "err = sock_error(sk) ? : -ECONNABORTED; sock->state = SS_UNCONNECTED;"
          let e = takeError(s);
          setSockLayer(s, SockLayer.SS_UNCONNECTED);
          return -(e != 0 ? e : Errno.ECONNABORTED);
        }
        // The attempt completed since the last call: "sock->state = SS_CONNECTED; err = 0;"
        setSockLayer(s, SockLayer.SS_CONNECTED);
        return 0;
      }
      case SockLayer.SS_DISCONNECTING: return -Errno.EINVAL;
      default: break;
    }
    let st = getState(s);
    // "err = -EISCONN; if (sk->sk_state != TCP_CLOSE) goto out;" (a listener, for one)
    if (st == SocketState.LISTEN) return -connectOnListenerErrno(false);
    if (st != SocketState.UNBOUND && st != SocketState.BOUND && st != SocketState.CLOSED) return -Errno.EISCONN;
  }
  let parsed = parseInet(addr, len, domain);
  if (parsed < 0) return <i32>parsed;
  let dst = <u32>(parsed >> 16), dport = <u32>(parsed & 0xffff);
  if (dst == NOT_LOCAL) return -Errno.ENETUNREACH; // one namespace: nothing else is routable
  if (domain == AF_INET6 && isV4(dst) && hasFlag(s, Flag.V6ONLY)) return -Errno.ENETUNREACH;
  dst = connectTarget(dst);
  let laddr = getU16(s, Off.LADDR);
  let src = isWildcard(laddr) ? sourceFor(dst) : laddr;
  if (!isLocalTo(dst, currentHost())) {
    // Another host's address: the route's source is this host's primary address
    // (core/hosts.ts); a host without one has no route.
    let primary = hostPrimary(currentHost());
    if (primary == 0) return -Errno.ENETUNREACH;
    if (isWildcard(laddr)) src = primary - 1;
  }
  if (isV4(src) != isV4(dst)) return -Errno.ENETUNREACH;
  let lport = getU16(s, Off.LPORT);
  if (!hasFlag(s, Flag.HASHED)) {
    lport = chooseConnectPort(0, src, dst, dport, s);
    if (lport == 0) return -Errno.EADDRNOTAVAIL;
    setAddr(s, Off.LADDR, src);
    setU16(s, Off.LPORT, lport);
    hashBind(s, 0, lport, true);
  } else {
    // __inet_check_established: the 4-tuple must be unused, or held by a timewait
    // socket that tcp_twsk_unique lets go (a bound port: twp == NULL, tcp/time_wait.ts).
    let key = hostKey(getU32(s, Off.HOST), tupleKey(src, lport, dst, dport));
    if (!connInsert(key) && !twRecycle(key, true)) return -Errno.EADDRNOTAVAIL;
    setAddr(s, Off.LADDR, src);
  }
  setFlag(s, Flag.TUPLED);
  setAddr(s, Off.PADDR, dst);
  setU16(s, Off.PPORT, dport);
  setU8(s, Off.SOERROR, 0);
  setFlag(s, Flag.WASCONN);
  clearFlag(s, Flag.RCV_SHUT | Flag.SEND_SHUT);
  setU8(s, Off.FLAGS2, getU8(s, Off.FLAGS2) & ~Flag2.DONE);
  setState(s, SocketState.SYN_SENT);
  setSockLayer(s, SockLayer.SS_CONNECTING);
  startHandshake(s);
  // On loopback the handshake has already run. A nonblocking socket still says
  // EINPROGRESS (Linux answers before release_sock() processes the SYN-ACK); a
  // blocking one returns what its wait would have returned, or EINPROGRESS where it
  // would really block (this API never blocks).
  let st = getState(s);
  if (st == SocketState.SYN_SENT || hasFlag(s, Flag.NONBLOCK)) return -Errno.EINPROGRESS;
  if (st == SocketState.ESTABLISHED || st == SocketState.CLOSE_WAIT) {
    setSockLayer(s, SockLayer.SS_CONNECTED);
    return 0;
  }
  let e = takeError(s);
  setSockLayer(s, SockLayer.SS_UNCONNECTED);
  return -(e != 0 ? e : Errno.ECONNABORTED);
}

/**
 * The checks FreeBSD makes before a TCP connect() reaches the protocol (§7 C1, C3-C6,
 * C8): kern_connectat "if (so->so_state & SS_ISCONNECTING) { error = EALREADY; ...}";
 * soconnectat EISCONN when connected (never a second 0) and "so->so_error = 0;"; then
 * tcp_usr_connect's family test (EAFNOSUPPORT), INP_DROPPED (ECONNREFUSED for good once
 * a connection ended) and SOLISTENING (EOPNOTSUPP), in that order. 0: go on connecting.
 */
function soconnectState(s: u32, unspec: bool): i32 {
  let st = getState(s);
  if (st == SocketState.SYN_SENT) return -Errno.EALREADY;
  let layer = getSockLayer(s);
  if (st == SocketState.CLOSED && connectInTimeWaitInUse() && hasFlag(s, Flag.WASCONN) &&
      connContains(tupleOf(s))) {
    // The connection's TIME_WAIT (tcp/teardown.ts enterTimeWait: a twin holds the
    // 4-tuple) still stands: FreeBSD 13's INP_TIMEWAIT. tcp_twstart's soisdisconnected
    // left the socket unconnected; soconnectat clears so_error first.
    setU8(s, Off.SOERROR, 0);
    return -Errno.EADDRINUSE;
  }
  let open = st != SocketState.UNBOUND && st != SocketState.BOUND && st != SocketState.CLOSED && st != SocketState.LISTEN;
  if (open) {
    // A nonblocking connect's completion is not reported again: SS_ISCONNECTED -> EISCONN.
    if (layer == SockLayer.SS_CONNECTING) setSockLayer(s, SockLayer.SS_CONNECTED);
    return -Errno.EISCONN;
  }
  setU8(s, Off.SOERROR, 0);
  if (layer == SockLayer.SS_CONNECTING) setSockLayer(s, SockLayer.SS_UNCONNECTED); // soisdisconnected
  if (unspec) return -Errno.EAFNOSUPPORT;
  if (st == SocketState.CLOSED && hasFlag(s, Flag.WASCONN) && connectAfterDropRefused()) return -Errno.ECONNREFUSED;
  if (st == SocketState.LISTEN) return -connectOnListenerErrno(false);
  return 0;
}

/** UDP connect: sets the default peer; no packets (net/ipv4/datagram.c __ip4_datagram_connect). */
function udpConnect(s: u32, addr: usize, len: i32): i32 {
  let domain = <i32>getU8(s, Off.DOMAIN);
  let parsed = parseInet(addr, len, domain);
  if (parsed < 0) return <i32>parsed;
  let dst = <u32>(parsed >> 16), dport = <u32>(parsed & 0xffff);
  if (dst == NOT_LOCAL || !isLocalTo(dst, currentHost())) return -Errno.ENETUNREACH; // UDP stays within a host (docs/network.md)
  dst = connectTarget(dst);
  if (!hasFlag(s, Flag.HASHED)) {
    let p = chooseBindPort(s, 1);
    if (p == 0) return -Errno.EAGAIN; // udp_lib_get_port failure
    setU16(s, Off.LPORT, p);
    hashBind(s, 1, p, false);
  }
  if (isWildcard(getU16(s, Off.LADDR))) setAddr(s, Off.LADDR, sourceFor(dst));
  setAddr(s, Off.PADDR, dst);
  setU16(s, Off.PPORT, dport);
  let st = getState(s);
  if (st != SocketState.ESTABLISHED) setState(s, SocketState.ESTABLISHED);
  setSockLayer(s, SockLayer.SS_CONNECTED);
  return 0;
}

/**
 * A datagram socket's association ends or changes: it no longer waits on its old
 * peer's queue, and its watchers wake (unix_dgram_connect:
 * unix_dgram_peer_wake_disconnect_wakeup(sk, old_peer)).
 */
function dgramPeerChanges(s: u32): void {
  peerWaitLeave(s);
  wake(s);
}

/** AF_UNIX connect (unix_stream_connect; datagram: unix_dgram_connect). */
function unixConnect(s: u32, addr: usize, len: i32): i32 {
  if (getU8(s, Off.TYPE) == <u32>SOCK_DGRAM && len >= 2 && load<u16>(addr) == 0) {
    // AF_UNSPEC dissolves a datagram association (policy/personality.ts unixDgramUnspecErrno).
    if (getU32(s, Off.AUX) != 0) {
      dgramPeerChanges(s);
      setU32(s, Off.AUX, 0);
      setU32(s, Off.PEERGEN, 0);
      if (getState(s) == SocketState.ESTABLISHED) setState(s, SocketState.CLOSED);
      setSockLayer(s, SockLayer.SS_UNCONNECTED);
    }
    return -unixDgramUnspecErrno();
  }
  let n = parseUnix(addr, len, abstractFlag);
  if (n < 0) return n;
  let abstract = load<u8>(abstractFlag) != 0;
  if (abstract && !unixAbstractNames()) return -Errno.ENOENT; // the empty path
  let type = getU8(s, Off.TYPE);
  let st = getState(s);
  if (type != <u32>SOCK_DGRAM) {
    // "switch (READ_ONCE(sk->sk_state)) { case TCP_CLOSE: break; case TCP_ESTABLISHED:
    // err = -EISCONN; goto out_unlock; default: err = -EINVAL; goto out_unlock; }"
    if (st == SocketState.LISTEN) return -connectOnListenerErrno(true);
    if (st == SocketState.ESTABLISHED || st == SocketState.CLOSE_WAIT) return -Errno.EISCONN;
    if (st != SocketState.UNBOUND && st != SocketState.BOUND && st != SocketState.CLOSED) return -Errno.EINVAL;
  }
  if (!abstract && n == 0) return -Errno.ENOENT;
  let id = unixFind(addr + 2, <u32>n, unixSpace(abstract, type));
  // unix_find_bsd: no inode -> ENOENT; unix_find_abstract: not found -> ECONNREFUSED.
  if (id < 0) return abstract ? -Errno.ECONNREFUSED : -Errno.ENOENT;
  let owner = unixOwner(<u32>id);
  if (owner == 0 || !isAlive(owner - 1, unixOwnerGen(<u32>id))) return -Errno.ECONNREFUSED;
  let l = owner - 1;
  if (getU8(l, Off.TYPE) != type) {
    // A path's inode is found whatever its type, then "if (sk->sk_type != type) goto
    // fail" with EPROTOTYPE; abstract names hash the type in, so none is found.
    return abstract ? -Errno.ECONNREFUSED : -Errno.EPROTOTYPE;
  }
  if (type == <u32>SOCK_DGRAM) {
    if (getU32(s, Off.AUX) != 0) dgramPeerChanges(s);
    setU32(s, Off.AUX, l + 1);
    setU32(s, Off.PEERGEN, getGen(l));
    if (st != SocketState.ESTABLISHED) setState(s, SocketState.ESTABLISHED);
    setSockLayer(s, SockLayer.SS_CONNECTED);
    return 0;
  }
  // "if (other->sk_state != TCP_LISTEN) goto out_unlock; if (other->sk_shutdown & RCV_SHUTDOWN) goto out_unlock;" ECONNREFUSED
  if (getState(l) != SocketState.LISTEN || hasFlag(l, Flag.RCV_SHUT)) return -Errno.ECONNREFUSED;
  let id2 = getU32(l, Off.AUX) - 1;
  // unix_recvq_full_lockless: "skb_queue_len_lockless(&sk->sk_receive_queue) > READ_ONCE(sk->sk_max_ack_backlog)"
  if (acceptQueueFull(aqLen(id2), lrLimit(id2))) {
    bump(Stat.UnixRefusedFull);
    lrCountDrop(id2);
    let e = unixFullErrno();
    // "if (!timeo) { err = -EAGAIN; ...} timeo = unix_wait_for_peer(other, timeo);": where
    // a blocking call would sleep, s waits on the listener's queue; the async layer waits
    // for its EPOLLPEER and asks again (io/peer_wait.ts).
    if (e == Errno.EAGAIN) peerWaitOn(s, l);
    return -e;
  }
  let ch = sockAlloc();
  if (ch == NONE) return -Errno.ENOBUFS;
  setState(ch, SocketState.ESTABLISHED);
  setU8(ch, Off.DOMAIN, AF_UNIX);
  setU8(ch, Off.TYPE, type);
  setSockLayer(ch, SockLayer.SS_CONNECTED);
  setU32(ch, Off.UNAME, getU32(l, Off.UNAME)); // "unix_sk(newsk)->addr = otheru->addr" (not the owner)
  setU32(ch, Off.PARENT, l + 1);
  setU32(ch, Off.SNDBUF, getU32(l, Off.SNDBUF));
  setU32(ch, Off.RCVBUF, getU32(l, Off.RCVBUF));
  setU32(ch, Off.AUX, s + 1);
  setU32(ch, Off.PEERGEN, getGen(s));
  setFlag(ch, Flag.WASCONN);
  aqPush(id2, ch);
  setU32(s, Off.AUX, ch + 1);
  setU32(s, Off.PEERGEN, getGen(ch));
  setFlag(s, Flag.WASCONN);
  setState(s, SocketState.ESTABLISHED);
  setSockLayer(s, SockLayer.SS_CONNECTED);
  return 0;
}
