// listen(2). Errors in the order of net/socket.c __sys_listen and net/ipv4/af_inet.c
// inet_listen / net/unix/af_unix.c unix_listen; the backlog rules live in policy/personality.ts.

import { lrAlloc, lrLimit, lrSetLimit } from "../core/accept_queue";
import { AF_UNIX, SOCK_DGRAM } from "../core/constants";
import { Errno } from "../core/errno";
import { Flag, Off, getU16, getU32, getU8, hasFlag, setU32 } from "../core/socket";
import { SockLayer, SocketState, getSockLayer, getState, setState } from "../core/state";
import { backlogLimit, droppedRefusesBindListen, listenRechecksPort, unixListenChecksConnectedFirst, unixListenUnboundErrno } from "../policy/personality";
import { autobind } from "./bind";
import { peerWaitLeave, peerWakeAll } from "../io/peer_wait";
import { bindConflict, hashListen, listenConflict } from "../tables/ports";

export function sysListen(s: u32, backlog: i32): i32 {
  // sock_no_listen for datagram sockets.
  if (getU8(s, Off.TYPE) == <u32>SOCK_DGRAM) return -Errno.EOPNOTSUPP;
  let limit = backlogLimit(backlog);
  let st = getState(s);
  if (getU8(s, Off.DOMAIN) == <u32>AF_UNIX) {
    // unix_listen: "if (!READ_ONCE(u->addr)) goto out;" then
    // "if (sk->sk_state != TCP_CLOSE && sk->sk_state != TCP_LISTEN) goto out;" (EINVAL)
    // FreeBSD uipc_listen tests "connected" first (policy/personality.ts).
    if (unixListenChecksConnectedFirst() && st == SocketState.ESTABLISHED) return -Errno.EINVAL;
    if (getU32(s, Off.UNAME) == 0) return -unixListenUnboundErrno();
    if (st == SocketState.LISTEN) {
      let id = getU32(s, Off.AUX) - 1;
      // "if (backlog > sk->sk_max_ack_backlog) wake_up_interruptible_all(&u->peer_wait);"
      if (limit > lrLimit(id)) peerWakeAll(s);
      lrSetLimit(id, limit);
      return 0;
    }
    if (st != SocketState.BOUND) return -Errno.EINVAL;
    peerWaitLeave(s);   // a listener waits for no one's queue (it cannot connect any more)
    setU32(s, Off.AUX, lrAlloc(s, limit) + 1);
    setState(s, SocketState.LISTEN);
    return 0;
  }
  // FreeBSD tcp_usr_listen: INP_DROPPED is EINVAL first (policy/personality.ts).
  if (st == SocketState.CLOSED && hasFlag(s, Flag.WASCONN) && droppedRefusesBindListen()) return -Errno.EINVAL;
  // inet_listen: "if (sock->state != SS_UNCONNECTED || sock->type != SOCK_STREAM) goto out;"
  // "if (!((1 << old_state) & (TCPF_CLOSE | TCPF_LISTEN))) goto out;" -> EINVAL
  if (getSockLayer(s) != SockLayer.SS_UNCONNECTED) return -Errno.EINVAL;
  if (st == SocketState.LISTEN) {
    // A second listen() only stores the new backlog (Linux "WRITE_ONCE(sk->sk_max_ack_backlog,
    // backlog)"; FreeBSD solisten_proto sets sol_qlimit again). Queued connections stay.
    lrSetLimit(getU32(s, Off.AUX) - 1, limit);
    return 0;
  }
  if (st != SocketState.UNBOUND && st != SocketState.BOUND && st != SocketState.CLOSED) return -Errno.EINVAL;
  // inet_csk_listen_start: the socket enters LISTEN, then get_port re-checks the port
  // as a listener (or autobinds an unbound socket: an odd ephemeral port).
  let port = getU16(s, Off.LPORT);
  if (!hasFlag(s, Flag.HASHED)) {
    let e = autobind(s);
    if (e < 0) return e;
    port = getU16(s, Off.LPORT);
  } else {
    // FreeBSD tcp_usr_listen does not check a bound port again (policy/personality.ts).
    if (listenRechecksPort() && (bindConflict(s, 0, port, true) || listenConflict(s, port))) return -Errno.EADDRINUSE;
  }
  setU32(s, Off.AUX, lrAlloc(s, limit) + 1);
  hashListen(s, port);
  setState(s, SocketState.LISTEN);
  return 0;
}
