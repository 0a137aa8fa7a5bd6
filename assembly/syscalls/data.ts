// The data path: send/recv on connected sockets and sendto/recvfrom on datagram
// sockets. Bytes are copied once into the receiver's queue (io/rx_queue.ts) and once out.
//
// Stream sockets: a sender may have rcvbuf(peer) + sndbuf(self) bytes queued toward
// its peer (what Linux holds in the receive queue plus the send queue on loopback);
// beyond that send() says EAGAIN, and a partial write returns the count. Message
// sockets keep boundaries.

import { AF_INET6, AF_UNIX, MSG_DONTWAIT, MSG_PEEK, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM } from "../core/constants";
import { Errno } from "../core/errno";
import { Flag, Flag2, Off, getU16, getU32, getU8, hasFlag, isAlive, setU16, setU32, setU8, takeError } from "../core/socket";
import { SocketState, getState, setState } from "../core/state";
import { Stat, bump } from "../core/stats";
import { rcvbufOf, sndbufOf } from "../io/buffers";
import { wake } from "../io/epoll";
import { peerWaitOn, peerWakeAll, unixRecvqFull } from "../io/peer_wait";
import { REC_HDR, rxAppend, rxAppendRecord, rxLen, rxNextRecord, rxRead, rxReadRecord, rxVisible } from "../io/rx_queue";
import { sendtoConnectsTcp, tcpSendNotConnectedErrno, unixAbstractNames, unixDgramReceiverPeerOnly } from "../policy/personality";
import { sysConnect } from "./connect";
import { Tunable, tunable } from "../policy/tunables";
import { NOT_LOCAL, addrDrop, addrHold, connectTarget, formatInet, isLocalTo, isWildcard, parseInet, sourceFor } from "../tables/addresses";
import { chooseBindPort, findUdpReceiver, hashBind } from "../tables/ports";
import { formatUnix, parseUnix, unixFind, unixOwner, unixOwnerGen, unixSpace } from "../tables/unix_names";
import { filterCheck } from "../tcp/accept_filter";
import { scheduleData } from "../tcp/events";
import { cookieSend } from "../tcp/client";
import { currentHost, hostCount } from "../core/hosts";
import { dataArrivedAtRequest } from "../tcp/listener";
import { abortOnData } from "../tcp/teardown";

export const MSG_TRUNC: i32 = 0x20;
export const MSG_WAITALL: i32 = 0x100;
export const MSG_NOSIGNAL: i32 = 0x4000;
const SEND_FLAGS: i32 = MSG_DONTWAIT | MSG_NOSIGNAL | 0x800 /* MSG_EOR */ | 0x8000 /* MSG_MORE */;
const RECV_FLAGS: i32 = MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT | MSG_WAITALL;

/** msg_flags of the last recv: MSG_TRUNC when a message did not fit (read with sk_msg_flags). */
let lastMsgFlags: i32 = 0;
export function msgFlags(): i32 { return lastMsgFlags; }

/** Source of the last message read, for recvfrom: packed like a record's `from`. */
let lastFrom: u32 = 0;
let lastFromDomain: i32 = 0;

function peerOf(s: u32): i32 {
  let p = getU32(s, Off.AUX);
  if (p == 0 || !isAlive(p - 1, getU32(s, Off.PEERGEN))) return -1;
  return <i32>(p - 1);
}

function isConnectedState(st: SocketState): bool {
  return st == SocketState.ESTABLISHED || st == SocketState.CLOSE_WAIT;
}

/** send() on a connected stream or seqpacket socket (tcp_sendmsg_locked, unix_stream_sendmsg, unix_seqpacket_sendmsg). */
export function sysSend(s: u32, buf: usize, len: i32, flags: i32): i32 {
  if (len < 0) return -Errno.EINVAL;
  if ((flags & ~SEND_FLAGS) != 0) return -Errno.EOPNOTSUPP;
  let type = getU8(s, Off.TYPE);
  if (type == <u32>SOCK_DGRAM) return sysSendto(s, buf, len, flags, 0, 0);
  let unix = getU8(s, Off.DOMAIN) == <u32>AF_UNIX;
  let st = getState(s);
  // "if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN)) goto do_error;" -> the error, else EPIPE;
  // unix_seqpacket_sendmsg: "err = sock_error(sk); if (err) return err;" first too.
  if (!unix || type == <u32>SOCK_SEQPACKET) {
    let e = takeError(s);
    if (e != 0) return -e;
  }
  // unix_stream_sendmsg checks SEND_SHUTDOWN and the peer, never sk_err (recv reports it).
  if (hasFlag(s, Flag.SEND_SHUT)) return -Errno.EPIPE;
  if (!isConnectedState(st)) {
    if (unix) return -Errno.ENOTCONN;                    // "other = unix_peer(sk); if (!other) goto out_err;"
    // A connection that ended: EPIPE (FreeBSD: soisdisconnected set SBS_CANTSENDMORE);
    // none yet: policy/personality.ts tcpSendNotConnectedErrno.
    if (st == SocketState.CLOSED && hasFlag(s, Flag.WASCONN)) return -Errno.EPIPE;
    return -tcpSendNotConnectedErrno(st == SocketState.SYN_SENT);
  }
  // A cookie client whose ACK no server socket took yet: its send queue (tcp/client.ts).
  if (!unix && (getU8(s, Off.FLAGS2) & Flag2.COOKIE) != 0) return cookieSend(s, buf, len);
  let p = peerOf(s);
  if (p < 0) return -Errno.EPIPE;
  let peer = <u32>p;
  if (unix && (hasFlag(peer, Flag.RCV_SHUT) || hasFlag(peer, Flag.ORPHAN))) return -Errno.EPIPE;
  if (type == <u32>SOCK_SEQPACKET) {
    // unix_seqpacket_sendmsg -> unix_dgram_sendmsg: "if (len > READ_ONCE(sk->sk_sndbuf) - 32) goto out;" EMSGSIZE
    if (<u32>len > sndbufOf(s) - 32) return -Errno.EMSGSIZE;
    if (rxLen(peer) + <u32>len + REC_HDR > rcvbufOf(peer) + sndbufOf(s)) return -Errno.EAGAIN;
    rxAppendRecord(peer, buf, <u32>len, getU32(s, Off.UNAME), true); // the sender's name, for recvfrom
    wake(peer);
    return len;
  }
  let room = rcvbufOf(peer) + sndbufOf(s);
  let used = rxLen(peer);
  let n = used >= room ? 0 : min(<u32>len, room - used);
  if (n == 0) return len == 0 ? 0 : -Errno.EAGAIN;
  // A peer on another host: the bytes cross its link as one event (tcp/wire.ts).
  let delay = unix ? 0 : hostCount() > 1 && getU32(peer, Off.HOST) != currentHost() ? 1 : tunable(Tunable.LinkDelayUs);
  if (!unix) {
    let pst = getState(peer);
    if ((pst == SocketState.FIN_WAIT_1 || pst == SocketState.FIN_WAIT_2) && hasFlag(peer, Flag.RCV_SHUT)) {
      // The peer no longer reads (its user closed it or shut it down for reading): the
      // segment is answered with a reset, not queued (tcp_rcv_state_process,
      // FIN_WAIT states: TCPAbortOnData + tcp_reset).
      abortOnData(peer, s);
      return <i32>n;
    }
  }
  rxAppend(peer, buf, n, delay == 0);
  if (!unix) {
    if (delay != 0) scheduleData(peer, n, 0);   // promotion and filters when it arrives
    else {
      if (getState(peer) == SocketState.SYN_RECEIVED) dataArrivedAtRequest(peer);
      filterCheck(peer);
    }
  }
  wake(peer);
  return <i32>n;
}

/** recv() (tcp_recvmsg_locked / unix_stream_recvmsg / unix_dgram_recvmsg). */
export function sysRecv(s: u32, buf: usize, len: i32, flags: i32, addr: usize, lenPtr: usize): i32 {
  if (len < 0) return -Errno.EINVAL;
  if ((flags & ~RECV_FLAGS) != 0) return -Errno.EOPNOTSUPP;
  lastMsgFlags = 0;
  let type = getU8(s, Off.TYPE);
  let st = getState(s);
  let peekOnly = (flags & MSG_PEEK) != 0;
  if (type == <u32>SOCK_STREAM) {
    // unix_stream_read_generic: "if (unlikely(READ_ONCE(sk->sk_state) != TCP_ESTABLISHED)) { err = -EINVAL; goto out; }"
    if (getU8(s, Off.DOMAIN) == <u32>AF_UNIX && st != SocketState.ESTABLISHED) return -Errno.EINVAL;
    if (st == SocketState.LISTEN) return -Errno.ENOTCONN;
    // tcp_recvmsg: the target is at least one byte, so len 0 reads 0 only when data waits.
    if (len == 0 && rxVisible(s) != 0) return 0;
    let n = rxRead(s, buf, <u32>len, peekOnly);
    if (n > 0) {
      if (!peekOnly) { let p = peerOf(s); if (p >= 0) wake(<u32>p); }
      if (addr != 0) {
        // unix_stream_read_generic: "unix_copy_addr(state->msg, skb->sk)": the sender's
        // name (the peer's; an accepted socket carries its listener's), none if unnamed.
        let p = getU8(s, Off.DOMAIN) == <u32>AF_UNIX ? peerOf(s) : -1;
        copyFrom(addr, lenPtr, p < 0 ? 0 : getU32(<u32>p, Off.UNAME), AF_UNIX);
      }
      return <i32>n;
    }
    return noData(s, st);
  }
  let rec = rxNextRecord(s);
  if (rec < 0) {
    if (type == <u32>SOCK_DGRAM) {
      let e = takeError(s);
      if (e != 0) return -e;
      if (hasFlag(s, Flag.RCV_SHUT)) return 0;
      return -Errno.EAGAIN;
    }
    if (st == SocketState.LISTEN) return -Errno.ENOTCONN;
    return noData(s, st);
  }
  let mlen = <u32>rec;
  let from = <u32>(rec >> 32);
  rxReadRecord(s, buf, <u32>len, peekOnly);
  let inet = getU8(s, Off.DOMAIN) != <u32>AF_UNIX;
  if (mlen > <u32>len) lastMsgFlags |= MSG_TRUNC;
  if (!peekOnly && type == <u32>SOCK_SEQPACKET) { let p = peerOf(s); if (p >= 0) wake(<u32>p); }
  // __unix_dgram_recvmsg (datagram and seqpacket): "if (wq_has_sleeper(&u->peer_wait))
  // wake_up_interruptible_sync_poll(&u->peer_wait, EPOLLOUT | ...)": the senders that
  // found this queue full wake (io/peer_wait.ts).
  if (!peekOnly && !inet) peerWakeAll(s);
  // unix_dgram_recvmsg (seqpacket too): "if (msg->msg_name) unix_copy_addr(msg, skb->sk);"
  if (addr != 0) copyFrom(addr, lenPtr, from, getU8(s, Off.DOMAIN));
  if (inet && !peekOnly) addrDrop(from >> 16);   // the datagram held its source (udpSend)
  // "MSG_TRUNC: return the real length of the packet, even when it was longer than the buffer"
  return (flags & MSG_TRUNC) != 0 ? <i32>mlen : <i32>min(mlen, <u32>len);
}

const scratchName = memory.data(112);

/** recvfrom's address: a record's `from` (AF_UNIX: name id + 1; inet: address << 16 | port). */
function copyFrom(addr: usize, lenPtr: usize, from: u32, domain: u32): void {
  // unix_copy_addr: an unnamed sender leaves msg_namelen at 0.
  let n = domain == <u32>AF_UNIX
    ? (from == 0 ? 0 : formatUnix(<i32>from - 1, scratchName))
    : formatInet(from >> 16, from & 0xffff, <i32>domain, scratchName);
  let room = load<i32>(lenPtr);
  memory.copy(addr, scratchName, <usize>(room < n ? max(room, 0) : n));
  store<i32>(lenPtr, n);
}

/** No bytes queued: a pending error first, then end of file, then ENOTCONN or EAGAIN. */
function noData(s: u32, st: SocketState): i32 {
  // tcp_recvmsg_locked: "if (sock_flag(sk, SOCK_DONE)) break;" comes before sk_err:
  // after a FIN, end of file; a later reset's error waits for the next send.
  if ((getU8(s, Off.FLAGS2) & Flag2.DONE) != 0) return 0;
  let e = takeError(s);
  if (e != 0) return -e;
  if (hasFlag(s, Flag.RCV_SHUT)) return 0;
  if (st == SocketState.UNBOUND || st == SocketState.BOUND || (st == SocketState.CLOSED && !hasFlag(s, Flag.WASCONN)))
    return -Errno.ENOTCONN;
  if (st == SocketState.CLOSED || st == SocketState.TIME_WAIT) return 0;
  return -Errno.EAGAIN;
}

/** Largest UDP payload: 65535 - IP header - UDP header (ip_append_data's EMSGSIZE). */
function udpMax(domain: u32): u32 { return domain == <u32>AF_INET6 ? 65527 : 65507; }

/** sendto() on a datagram socket (udp_sendmsg, unix_dgram_sendmsg); other sockets ignore addr. */
export function sysSendto(s: u32, buf: usize, len: i32, flags: i32, addr: usize, alen: i32): i32 {
  if (len < 0) return -Errno.EINVAL;
  if ((flags & ~SEND_FLAGS) != 0) return -Errno.EOPNOTSUPP;
  let type = getU8(s, Off.TYPE);
  if (type != <u32>SOCK_DGRAM) {
    // Connection-oriented: tcp_sendmsg ignores the address; a connected unix socket
    // given one says EISCONN (unix_stream_sendmsg).
    if (addr != 0 && getU8(s, Off.DOMAIN) == <u32>AF_UNIX) {
      // unix_seqpacket_sendmsg: "if (sk->sk_state != TCP_ESTABLISHED) return -ENOTCONN;
      // if (msg->msg_namelen) msg->msg_namelen = 0;" -- the address is ignored.
      if (type == <u32>SOCK_SEQPACKET && getState(s) == SocketState.ESTABLISHED) return sysSend(s, buf, len, flags);
      if (type == <u32>SOCK_SEQPACKET) { let e = takeError(s); return -(e != 0 ? e : Errno.ENOTCONN); }
      return isConnectedState(getState(s)) ? -Errno.EISCONN : -Errno.EOPNOTSUPP;
    }
    if (addr != 0 && sendtoConnectsTcp()) {
      let st = getState(s);
      if (st == SocketState.UNBOUND || st == SocketState.BOUND) {
        // FreeBSD tcp_usr_send: "if (nam != NULL && tp->t_state < TCPS_SYN_SENT)" -> tcp_connect,
        // then the data is queued (policy/personality.ts sendtoConnectsTcp).
        let e = sysConnect(s, addr, alen);
        if (e < 0 && e != -Errno.EINPROGRESS) return e;
        // With a link delay the handshake is still in flight and this kernel has no send
        // buffer to hold the bytes until it completes: the caller is told to retry once
        // writable (EAGAIN), as for a full buffer (docs/personalities.md §7 S1).
        if (getState(s) == SocketState.SYN_SENT) return -Errno.EAGAIN;
      }
    }
    return sysSend(s, buf, len, flags);
  }
  let domain = getU8(s, Off.DOMAIN);
  if (domain == <u32>AF_UNIX) return unixDgramSend(s, buf, len, addr, alen);
  let dst: u32, dport: u32;
  if (addr != 0) {
    let parsed = parseInet(addr, alen, <i32>domain);
    if (parsed < 0) return <i32>parsed;
    dst = <u32>(parsed >> 16); dport = <u32>(parsed & 0xffff);
    if (dst == NOT_LOCAL || !isLocalTo(dst, currentHost())) return -Errno.ENETUNREACH; // UDP stays within a host (docs/network.md)
    dst = connectTarget(dst);
    // udp_sendmsg: "if (dport == 0) return -EINVAL;"
    if (dport == 0) return -Errno.EINVAL;
  } else {
    // "if (sk->sk_state != TCP_ESTABLISHED) return -EDESTADDRREQ;"
    if (getState(s) != SocketState.ESTABLISHED) return -Errno.EDESTADDRREQ;
    dst = getU16(s, Off.PADDR); dport = getU16(s, Off.PPORT);
  }
  if (<u32>len > udpMax(domain)) return -Errno.EMSGSIZE;
  let e = takeError(s); // sock_alloc_send_pskb: "err = sock_error(sk); if (err != 0) goto failure;"
  if (e != 0) return -e;
  if (hasFlag(s, Flag.SEND_SHUT)) return -Errno.EPIPE;
  if (!hasFlag(s, Flag.HASHED)) {
    let p = chooseBindPort(s, 1);
    if (p == 0) return -Errno.EAGAIN;
    setU16(s, Off.LPORT, p);
    hashBind(s, 1, p, false);
    if (getState(s) == SocketState.UNBOUND) setState(s, SocketState.BOUND);
  }
  let src = isWildcard(getU16(s, Off.LADDR)) ? sourceFor(dst) : getU16(s, Off.LADDR);
  let r = findUdpReceiver(dst, dport, src, getU16(s, Off.LPORT));
  if (r < 0) {
    // No socket: ICMP port unreachable. A connected socket learns ECONNREFUSED (__udp4_lib_err).
    bump(Stat.UdpNoPorts);
    if (getState(s) == SocketState.ESTABLISHED) { setU8(s, Off.SOERROR, Errno.ECONNREFUSED); wake(s); }
    return len;
  }
  let rs = <u32>r;
  if (rxLen(rs) + <u32>len + REC_HDR > rcvbufOf(rs)) {
    // __udp_queue_rcv_skb: the receive buffer is full -> dropped (Udp: RcvbufErrors, InErrors).
    bump(Stat.UdpRcvbufErrors);
    return len;
  }
  if (rxAppendRecord(rs, buf, <u32>len, (src << 16) | getU16(s, Off.LPORT), true)) addrHold(src); // the datagram holds its source
  wake(rs);
  return len;
}

const abstractFlag = memory.data(4);

function unixDgramSend(s: u32, buf: usize, len: i32, addr: usize, alen: i32): i32 {
  // "if (len > READ_ONCE(sk->sk_sndbuf) - 32) goto out;" EMSGSIZE
  if (<u32>len > sndbufOf(s) - 32) return -Errno.EMSGSIZE;
  let other: i32;
  if (addr != 0) {
    let n = parseUnix(addr, alen, abstractFlag);
    if (n < 0) return n;
    let abstract = load<u8>(abstractFlag) != 0;
    if (abstract && !unixAbstractNames()) return -Errno.ENOENT; // the empty path
    let id = unixFind(addr + 2, <u32>n, unixSpace(abstract, SOCK_DGRAM));
    if (id < 0) return abstract ? -Errno.ECONNREFUSED : -Errno.ENOENT;
    let owner = unixOwner(<u32>id);
    if (owner == 0 || !isAlive(owner - 1, unixOwnerGen(<u32>id))) return -Errno.ECONNREFUSED;
    if (getU8(owner - 1, Off.TYPE) != <u32>SOCK_DGRAM) return abstract ? -Errno.ECONNREFUSED : -Errno.EPROTOTYPE;
    other = <i32>(owner - 1);
  } else {
    other = peerOf(s);
    if (getU32(s, Off.AUX) == 0) return -Errno.ENOTCONN;
    if (other < 0) {
      // The peer is gone: "unix_peer(sk) = NULL; ... err = -ECONNREFUSED" -- once; then ENOTCONN.
      setU32(s, Off.AUX, 0);
      return -Errno.ECONNREFUSED;
    }
  }
  let o = <u32>other;
  // A receiver connected elsewhere hears only its peer (policy/personality.ts).
  if (unixDgramReceiverPeerOnly() && getU32(o, Off.AUX) != 0 && peerOf(o) != <i32>s) return -Errno.EPERM;
  if (hasFlag(o, Flag.RCV_SHUT)) return -Errno.EPIPE;
  // unix_recvq_full (io/peer_wait.ts). "if (unix_peer(sk) != other ||
  // unix_dgram_peer_wake_me(sk, other)) err = -EAGAIN": a sender refused by its own
  // peer waits on its queue, and the receiver's next read wakes its watchers.
  if (unixRecvqFull(o)) {
    bump(Stat.UnixRefusedFull);
    if (peerOf(s) == <i32>o) peerWaitOn(s, o);
    return -Errno.EAGAIN;
  }
  rxAppendRecord(o, buf, <u32>len, getU32(s, Off.UNAME), true);
  wake(o);
  return len;
}
