// Readiness: what poll() and epoll report for a socket, computed from its state and
// queues when asked (net/ipv4/tcp.c tcp_poll, net/core/datagram.c datagram_poll,
// net/unix/af_unix.c unix_poll). The system calls are in syscalls/poll.ts.

import { aqLen } from "../core/accept_queue";
import { AF_UNIX, SOCK_DGRAM } from "../core/constants";
import { Flag, Flag2, Off, getU32, getU8, hasFlag, isAlive } from "../core/socket";
import { SocketState, getState } from "../core/state";
import { listenerPollsSoError } from "../policy/personality";
import { rcvbufOf, sndbufOf } from "./buffers";
import { peerWaitOn, unixRecvqFull } from "./peer_wait";
import { rxLen, rxQueuedRecords, rxRecords, rxVisible } from "./rx_queue";
import { sqLen } from "./send_queue";

export const POLLIN: u32 = 0x1;
export const POLLOUT: u32 = 0x4;
export const POLLERR: u32 = 0x8;
export const POLLHUP: u32 = 0x10;
export const POLLNVAL: u32 = 0x20;
export const POLLRDNORM: u32 = 0x40;
export const POLLWRNORM: u32 = 0x100;
export const POLLWRBAND: u32 = 0x200;
export const POLLRDHUP: u32 = 0x2000;

/** Bytes the socket has queued toward its peer beyond the peer's receive buffer (a cookie client: its send queue). */
function sendQueued(s: u32): u32 {
  let p = getU32(s, Off.AUX);
  if (p == 0 || !isAlive(p - 1, getU32(s, Off.PEERGEN))) return (getU8(s, Off.FLAGS2) & Flag2.COOKIE) != 0 ? sqLen(s) : 0;
  let used = rxLen(p - 1), rcv = rcvbufOf(p - 1);
  return used > rcv ? used - rcv : 0;
}

/** include/net/sock.h __sk_stream_is_writeable: free send space >= half of what is queued. */
export function streamWritable(s: u32): bool {
  let q = sendQueued(s);
  let snd = sndbufOf(s);
  return q < snd && snd - q >= (q >> 1);
}

/**
 * AF_UNIX stream and seqpacket: unix_writable, "(refcount_read(&sk->sk_wmem_alloc) << 2)
 * <= READ_ONCE(sk->sk_sndbuf)": what the socket has queued at its peer is at most a
 * quarter of what it may queue there (syscalls/data.ts sysSend: the peer's SO_RCVBUF
 * plus its own SO_SNDBUF). Without a peer it is writable (unix_poll: "we set writable
 * also when the other side has shut down the connection"); send() then says why not.
 */
function unixWritable(s: u32): bool {
  let p = getU32(s, Off.AUX);
  if (p == 0 || !isAlive(p - 1, getU32(s, Off.PEERGEN))) return true;
  return (<u64>rxLen(p - 1) << 2) <= <u64>rcvbufOf(p - 1) + <u64>sndbufOf(s);
}

export function pollMask(s: u32): u32 {
  let st = getState(s);
  let domain = getU8(s, Off.DOMAIN), type = getU8(s, Off.TYPE);
  let rd = hasFlag(s, Flag.RCV_SHUT), wr = hasFlag(s, Flag.SEND_SHUT);
  let err = getU8(s, Off.SOERROR) != 0;
  let m: u32 = 0;
  if (st == SocketState.LISTEN) {
    // inet_csk_listen_poll / unix_poll: readable when a connection waits.
    if (aqLen(getU32(s, Off.AUX) - 1) != 0) m |= POLLIN | POLLRDNORM;
    else if (err && listenerPollsSoError()) m |= POLLIN | POLLRDNORM | POLLHUP;
    if (listenerPollsSoError()) return m; // sopoll_generic, AF_UNIX included
    if (domain == <u32>AF_UNIX) {
      if (err) m |= POLLERR;
      if (rd) m |= POLLRDHUP | POLLIN | POLLRDNORM;
    }
    return m;
  }
  let closed = st == SocketState.UNBOUND || st == SocketState.BOUND || st == SocketState.CLOSED;
  if (type == <u32>SOCK_DGRAM) {
    if (err) m |= POLLERR;
    if (rd) m |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (rd && wr) m |= POLLHUP;
    if (rxRecords(s) != 0) m |= POLLIN | POLLRDNORM;
    // unix_dgram_poll: "if (other && unix_peer(other) != sk && unix_recvq_full_lockless(other) &&
    // unix_dgram_peer_wake_me(sk, other)) writable = 0;": not writable, and the
    // receiver's next read wakes this socket's watchers (io/peer_wait.ts). Linux exempts
    // a receiver connected back to the sender (it limits that pair by SO_SNDBUF alone);
    // the kernel's send applies max_dgram_qlen to every sender (syscalls/data.ts
    // unixDgramSend), and poll must not say writable where send says EAGAIN (an async
    // send would wake and fail for ever), so the exemption is not made here either.
    if (domain == <u32>AF_UNIX) {
      let p = getU32(s, Off.AUX);
      if (p != 0 && isAlive(p - 1, getU32(s, Off.PEERGEN)) && unixRecvqFull(p - 1)) {
        peerWaitOn(s, p - 1);
        return m;
      }
    }
    m |= POLLOUT | POLLWRNORM | POLLWRBAND;
    return m;
  }
  if (domain == <u32>AF_UNIX) {
    if (err) m |= POLLERR;
    if (rd && wr) m |= POLLHUP;
    if (rd) m |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (rxVisible(s) != 0) m |= POLLIN | POLLRDNORM;
    if (closed) m |= POLLHUP;
    if (unixWritable(s)) m |= POLLOUT | POLLWRNORM | POLLWRBAND;
    return m;
  }
  // tcp_poll
  if ((rd && wr) || closed) m |= POLLHUP;
  if (rd) m |= POLLIN | POLLRDNORM | POLLRDHUP;
  if (st != SocketState.SYN_SENT && st != SocketState.SYN_RECEIVED) {
    if (rxVisible(s) != 0) m |= POLLIN | POLLRDNORM;
    if (!wr) { if (streamWritable(s)) m |= POLLOUT | POLLWRNORM; }
    else m |= POLLOUT | POLLWRNORM;
  }
  if (err) m |= POLLERR;
  return m;
}
