// close(2), shutdown(2), and stopping a listener (net/ipv4/inet_connection_sock.c
// inet_csk_listen_stop; net/unix/af_unix.c unix_release_sock).

import { aqPop, incqFirst, lrFree, synqFirst } from "../core/accept_queue";
import { AF_UNIX, SHUT_RD, SHUT_RDWR, SOCK_DGRAM } from "../core/constants";
import { Errno } from "../core/errno";
import { fdRelease } from "../core/fd_table";
import { sockDestroy } from "../core/release";
import { Flag, Flag2, Off, clearFlag, getU32, getU8, hasFlag, isAlive, setFlag, setU32, setU8 } from "../core/socket";
import { SockLayer, SocketState, getSockLayer, getState, setSockLayer, setState } from "../core/state";
import { Stat, bump } from "../core/stats";
import { EPOLL_DOMAIN, unwatchAll, wake } from "../io/epoll";
import { rxFree, rxLen } from "../io/rx_queue";
import { shutdownStopsListener, shutdownUnconnectedRecorded } from "../policy/personality";
import { unhashBind, unhashListen } from "../tables/ports";
import { resetPeer } from "../tcp/listener";
import { abortConnection, armFinTimer, armOrphanTimer, connectionEnds, sendFin } from "../tcp/teardown";

function isUnix(s: u32): bool { return getU8(s, Off.DOMAIN) == <u32>AF_UNIX; }

/**
 * Resets an AF_UNIX stream or seqpacket peer as unix_release_sock does ("skpair->sk_err =
 * ECONNRESET", SHUTDOWN_MASK, then "skpair->sk_state_change(skpair)": its waiters wake).
 */
function unixResetPeer(s: u32, err: i32): void {
  let p = getU32(s, Off.AUX);
  if (p == 0 || !isAlive(p - 1, getU32(s, Off.PEERGEN))) return;
  let peer = p - 1;
  if (err != 0) setU8(peer, Off.SOERROR, <u32>err);
  setFlag(peer, Flag.RCV_SHUT | Flag.SEND_SHUT);
  setU32(peer, Off.AUX, 0);
  wake(peer);
}

/**
 * inet_csk_listen_stop: requests in the SYN queue are dropped, connections in the
 * accept queue are reset (their clients read ECONNRESET, then EOF). This is what
 * close() (through core/release.ts sockDestroy) and a Linux shutdown(SHUT_RD) do to
 * queued connections.
 */
export function listenStop(s: u32): void {
  let id = getU32(s, Off.AUX) - 1;
  // Connections waiting for an accept filter are aborted like the queued ones
  // (sockDestroy takes each off the filter's queue).
  while (incqFirst(id) != 0) {
    let w = incqFirst(id) - 1;
    bump(Stat.AcceptQueueResets);
    resetPeer(w);
    sockDestroy(w);
  }
  let r = synqFirst(id);
  while (r != 0) {
    let next = getU32(r - 1, Off.QNEXT);
    sockDestroy(r - 1);                      // a request: off the SYN queue, freed
    r = next;
  }
  while (true) {
    let ch = aqPop(id);
    if (ch == 0xffffffff) break;
    bump(Stat.AcceptQueueResets);
    if (isUnix(ch)) unixResetPeer(ch, Errno.ECONNRESET);
    else resetPeer(ch);
    sockDestroy(ch);
  }
  if (!isUnix(s)) unhashListen(s);
  lrFree(id);
  setU32(s, Off.AUX, 0);
}

/**
 * The last descriptor of s is gone (net/ipv4/tcp.c __tcp_close). A TCP connection with
 * unread data, or with SO_LINGER 0, is reset; otherwise it sends its FIN and lives on
 * as an orphan through FIN_WAIT / LAST_ACK / TIME_WAIT (tcp/teardown.ts frees it at the
 * end). Everything else is freed now (a listener's queues too: sockDestroy).
 */
function release(s: u32): void {
  let st = getState(s);
  if (st == SocketState.LISTEN) {
    // sockDestroy stops it: inet_csk_listen_stop / unix_release_sock.
  } else if (isUnix(s)) {
    // unix_release_sock shuts the peer down for "SOCK_STREAM || SOCK_SEQPACKET" only: a
    // datagram receiver a closed sender was connected to reads on (io/peer_wait.ts
    // takes the sender off its queue when sockDestroy frees it).
    if ((st == SocketState.ESTABLISHED || st == SocketState.CLOSE_WAIT) && getU8(s, Off.TYPE) != <u32>SOCK_DGRAM) {
      // unix_release_sock: "if (!skb_queue_empty(&sk->sk_receive_queue) || embrion) skpair->sk_err = ECONNRESET;"
      unixResetPeer(s, rxLen(s) != 0 ? Errno.ECONNRESET : 0);
    }
  } else if (getU8(s, Off.TYPE) != <u32>SOCK_DGRAM && st >= SocketState.ESTABLISHED && st <= SocketState.TIME_WAIT) {
    if (st == SocketState.ESTABLISHED || st == SocketState.CLOSE_WAIT) {
      if (rxLen(s) != 0) {
        // "if (data_was_unread) { tcp_set_state(sk, TCP_CLOSE); tcp_send_active_reset(...);
        // NET_INC_STATS(sock_net(sk), LINUX_MIB_TCPABORTONCLOSE); }"
        bump(Stat.TCPAbortOnClose);
        abortConnection(s);
      } else if (hasFlag(s, Flag.LINGER0)) {
        // "else if (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime) { sk->sk_prot->disconnect(sk, 0);
        // NET_INC_STATS(sock_net(sk), LINUX_MIB_TCPABORTONDATA); }"
        bump(Stat.TCPAbortOnData);
        abortConnection(s);
      } else {
        // __tcp_close: "WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);" then tcp_send_fin.
        setFlag(s, Flag.ORPHAN | Flag.RCV_SHUT | Flag.SEND_SHUT);
        rxFree(s);
        sendFin(s);
        return;
      }
    } else if (hasFlag(s, Flag.LINGER0) && st != SocketState.TIME_WAIT) {
      bump(Stat.TCPAbortOnData);
      abortConnection(s);
    } else {
      // Already closing (shutdown(SHUT_WR) came first): the connection finishes on its own.
      setFlag(s, Flag.ORPHAN | Flag.RCV_SHUT | Flag.SEND_SHUT);
      rxFree(s);
      if (st == SocketState.FIN_WAIT_2) armOrphanTimer(s);
      else armFinTimer(s);                   // FIN_WAIT_1, CLOSING, LAST_ACK: its FIN is due again
      return;
    }
  }
  sockDestroy(s);
}

/**
 * close(fd), for every way a descriptor is closed (sk_close, sk_close_batch, a
 * connect_batch socket whose connect failed). The descriptor's epoll registrations end
 * here, whatever becomes of the socket (fs/eventpoll.c eventpoll_release, called from
 * __fput: registrations belong to the file) -- an orphan lingering in FIN_WAIT or
 * TIME_WAIT is no longer reported, and the fd number can be registered afresh.
 */
export function sysClose(fd: i32, s: i32): i32 {
  fdRelease(fd);
  if (s < 0) return 0;
  unwatchAll(<u32>s);
  setU32(<u32>s, Off.FD, 0xffffffff);
  if (getU8(<u32>s, Off.DOMAIN) == EPOLL_DOMAIN) sockDestroy(<u32>s);
  else release(<u32>s);
  return 0;
}

/**
 * tcp_disconnect for a listener or a connecting or connected socket (shutdown(SHUT_RD)
 * on a Linux listener, connect(AF_UNSPEC)): back to CLOSE, an autobound port released,
 * unread bytes purged, sk_shutdown 0.
 */
export function disconnect(s: u32): void {
  let st = getState(s);
  if (st == SocketState.LISTEN) {
    listenStop(s);
    // tcp_set_state(TCP_CLOSE) -> inet_put_port unless SOCK_BINDPORT_LOCK; getsockname
    // still shows the old port (inet_sport), checked on Linux 6.18.
    if (!hasFlag(s, Flag.BINDLOCK)) {
      unhashBind(s, 0);
      setState(s, SocketState.UNBOUND);
    } else setState(s, SocketState.BOUND);
  } else if (st == SocketState.SYN_SENT || st == SocketState.ESTABLISHED || st == SocketState.CLOSE_WAIT ||
             st == SocketState.FIN_WAIT_1 || st == SocketState.FIN_WAIT_2) {
    // tcp_need_reset: "TCPF_ESTABLISHED | TCPF_CLOSE_WAIT | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2 |
    // TCPF_SYN_RECV" (a socket shut down for writing is reset too; checked on Linux 6.18).
    if (st != SocketState.SYN_SENT) resetPeer(s);
    setU32(s, Off.AUX, 0);
    // tcp_disconnect: "if (tcp_need_reset(old_state) ...) { tcp_send_active_reset(...);
    // WRITE_ONCE(sk->sk_err, ECONNRESET); } else if (old_state == TCP_SYN_SENT)
    // WRITE_ONCE(sk->sk_err, ECONNRESET);"
    connectionEnds(s, Errno.ECONNRESET, true);
    setState(s, hasFlag(s, Flag.HASHED) ? SocketState.BOUND : SocketState.UNBOUND);
  } else return;
  if (getU8(s, Off.TYPE) == <u32>SOCK_DGRAM) return;   // __udp_disconnect keeps both
  // tcp_disconnect leaves a socket that can bind, listen or connect afresh, whatever it
  // was: "__skb_queue_purge(&sk->sk_receive_queue);" (nothing of the old connection is
  // read on the next), "WRITE_ONCE(sk->sk_shutdown, 0);" (a listener forgets an
  // earlier failed connect's shutdown too) and "sock_reset_flag(sk, SOCK_DONE);" (an
  // earlier FIN no longer means end of file: recv() reports the reset, checked on
  // Linux 6.18).
  rxFree(s);
  clearFlag(s, Flag.RCV_SHUT | Flag.SEND_SHUT | Flag.WASCONN);
  setU8(s, Off.FLAGS2, getU8(s, Off.FLAGS2) & ~Flag2.DONE);
}

export function sysShutdown(s: u32, how: i32): i32 {
  // inet_shutdown: "how++; if ((how & ~SHUTDOWN_MASK) || !how) return -EINVAL;"
  if (<u32>how > <u32>SHUT_RDWR) return -Errno.EINVAL;
  let rd = how != 1, wr = how != SHUT_RD;
  let st = getState(s);
  if (st == SocketState.LISTEN && !shutdownStopsListener()) {
    // FreeBSD soshutdown: a listening socket is not connected (soerror_enotconn), so
    // ENOTCONN for any `how`; unless SHUT_WR, "so->so_error = ECONNABORTED;
    // solisten_wakeup(so)": the next accept() fails once, and it keeps listening.
    if (rd) {
      setU8(s, Off.SOERROR, Errno.ECONNABORTED);
      wake(s);                  // solisten_wakeup: poll now says POLLIN|POLLHUP (io/readiness.ts)
    }
    return -Errno.ENOTCONN;
  }
  if (isUnix(s)) {
    // unix_shutdown sets the bits on both ends and returns 0, connected or not; a
    // listener stays one, but refuses new connections once RCV_SHUTDOWN is set.
    if (rd) setFlag(s, Flag.RCV_SHUT);
    if (wr) setFlag(s, Flag.SEND_SHUT);
    let p = getU32(s, Off.AUX);
    wake(s);                                  // "sk->sk_state_change(sk);"
    if (st == SocketState.ESTABLISHED && p != 0 && isAlive(p - 1, getU32(s, Off.PEERGEN)) && getU8(s, Off.TYPE) != <u32>SOCK_DGRAM) {
      if (wr) setFlag(p - 1, Flag.RCV_SHUT);
      if (rd) setFlag(p - 1, Flag.SEND_SHUT);
      wake(p - 1);                            // "other->sk_state_change(other);"
    }
    return 0;
  }
  if (getSockLayer(s) == SockLayer.SS_CONNECTING) {
    setSockLayer(s, st == SocketState.SYN_SENT || st == SocketState.CLOSED || st == SocketState.UNBOUND || st == SocketState.BOUND
      ? SockLayer.SS_DISCONNECTING : SockLayer.SS_CONNECTED);
  }
  switch (st) {
    case SocketState.LISTEN:
      if (!rd) return 0;                      // "if (!(how & RCV_SHUTDOWN)) break;"
      disconnect(s);
      return 0;
    case SocketState.SYN_SENT:
      disconnect(s);
      setSockLayer(s, SockLayer.SS_UNCONNECTED);
      return 0;
    case SocketState.UNBOUND:
    case SocketState.BOUND:
    case SocketState.CLOSED:
      // "case TCP_CLOSE: err = -ENOTCONN; fallthrough; default: sk->sk_shutdown |= how"
      // (FreeBSD: not for a stream socket; policy: shutdownUnconnectedRecorded).
      if (shutdownUnconnectedRecorded(getU8(s, Off.TYPE) == <u32>SOCK_DGRAM)) {
        if (rd) setFlag(s, Flag.RCV_SHUT);
        if (wr) setFlag(s, Flag.SEND_SHUT);
      }
      return -Errno.ENOTCONN;
    default:
      if (rd) setFlag(s, Flag.RCV_SHUT);
      if (wr && !hasFlag(s, Flag.SEND_SHUT)) {
        setFlag(s, Flag.SEND_SHUT);
        // tcp_shutdown: "if ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_SYN_SENT |
        // TCPF_SYN_RECV | TCPF_CLOSE_WAIT)) { if (tcp_close_state(sk)) tcp_send_fin(sk); }"
        if (getU8(s, Off.TYPE) != <u32>SOCK_DGRAM) sendFin(s);
      }
      wake(s);
      return 0;
  }
}
