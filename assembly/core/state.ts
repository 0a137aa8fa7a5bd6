// Socket states and the one function that changes them.
//
// TCP's own states keep their RFC 793 names; the states that exist only because a
// socket is a kernel object (not yet bound, bound but idle) are ours, grouped apart,
// as gVisor keeps them in pkg/tcpip/transport/tcp/endpoint.go.

export enum SocketState {
  // --- ours, not TCP's (Linux calls all three TCP_CLOSE) ---
  FREE = 0,          // slot on the free list
  UNBOUND = 1,       // socket() returned it; no local address
  BOUND = 2,         // bind() or autobind gave it a local address
  CLOSED = 3,        // a connection ended (reset, refused, timed out); may connect again

  // --- TCP (RFC 793), also used by AF_UNIX stream/seqpacket and connected UDP ---
  LISTEN = 4,
  SYN_SENT = 5,
  SYN_RECEIVED = 6,  // a request in a listener's SYN queue (Linux TCP_NEW_SYN_RECV)
  ESTABLISHED = 7,
  FIN_WAIT_1 = 8,
  FIN_WAIT_2 = 9,
  CLOSE_WAIT = 10,
  CLOSING = 11,
  LAST_ACK = 12,
  TIME_WAIT = 13,
}

/**
 * Socket-layer state (Linux struct socket::state, include/uapi/linux/net.h): what
 * connect() and listen() consult, apart from the protocol state. Written only by
 * setSockLayer.
 */
export enum SockLayer {
  SS_FREE = 0,
  SS_UNCONNECTED = 1,
  SS_CONNECTING = 2,
  SS_CONNECTED = 3,
  SS_DISCONNECTING = 4,
}

// @ts-ignore: decorator
@inline function bit(s: SocketState): u32 { return 1 << <u32>s; }

/** Legal next states, indexed by the current state. */
const LEGAL: StaticArray<u32> = [
  /* FREE */         bit(SocketState.UNBOUND) | bit(SocketState.SYN_RECEIVED) | bit(SocketState.ESTABLISHED) | bit(SocketState.TIME_WAIT),
  /* UNBOUND */      bit(SocketState.FREE) | bit(SocketState.BOUND) | bit(SocketState.LISTEN) | bit(SocketState.SYN_SENT) | bit(SocketState.ESTABLISHED),
  /* BOUND */        bit(SocketState.FREE) | bit(SocketState.UNBOUND) | bit(SocketState.LISTEN) | bit(SocketState.SYN_SENT) | bit(SocketState.ESTABLISHED),
  /* CLOSED */       bit(SocketState.FREE) | bit(SocketState.UNBOUND) | bit(SocketState.BOUND) | bit(SocketState.LISTEN) | bit(SocketState.SYN_SENT) | bit(SocketState.ESTABLISHED),
  /* LISTEN */       bit(SocketState.FREE) | bit(SocketState.UNBOUND) | bit(SocketState.BOUND),
  /* SYN_SENT */     bit(SocketState.FREE) | bit(SocketState.ESTABLISHED) | bit(SocketState.CLOSED) | bit(SocketState.UNBOUND) | bit(SocketState.BOUND),
  /* SYN_RECEIVED */ bit(SocketState.FREE) | bit(SocketState.ESTABLISHED),
  /* ESTABLISHED */  bit(SocketState.FREE) | bit(SocketState.CLOSE_WAIT) | bit(SocketState.CLOSED) | bit(SocketState.FIN_WAIT_1),
  /* FIN_WAIT_1 */   bit(SocketState.FREE) | bit(SocketState.FIN_WAIT_2) | bit(SocketState.CLOSING) | bit(SocketState.TIME_WAIT) | bit(SocketState.CLOSED),
  /* FIN_WAIT_2 */   bit(SocketState.FREE) | bit(SocketState.TIME_WAIT) | bit(SocketState.CLOSED),
  /* CLOSE_WAIT */   bit(SocketState.FREE) | bit(SocketState.LAST_ACK) | bit(SocketState.CLOSED),
  /* CLOSING */      bit(SocketState.FREE) | bit(SocketState.TIME_WAIT) | bit(SocketState.CLOSED),
  /* LAST_ACK */     bit(SocketState.FREE) | bit(SocketState.CLOSED),
  /* TIME_WAIT */    bit(SocketState.FREE) | bit(SocketState.CLOSED),
];

export function isLegal(from: SocketState, to: SocketState): bool {
  return <u32>from < 14 && <u32>to < 14 && (unchecked(LEGAL[from]) & bit(to)) != 0;
}

import { Off, sockPtr } from "./socket";
import { wake } from "../io/epoll";

// @ts-ignore: decorator
@inline export function getState(s: u32): SocketState {
  return <SocketState>load<u8>(sockPtr(s), Off.STATE);
}

/**
 * The one door through which a socket changes state (smoltcp's set_state). Debug
 * builds check every transition against LEGAL.
 */
// @ts-ignore: decorator
@inline export function setState(s: u32, to: SocketState): void {
  let p = sockPtr(s);
  if (!ASC_NO_ASSERT) {
    let from = <SocketState>load<u8>(p, Off.STATE);
    assert(isLegal(from, to), "illegal socket state transition");
  }
  store<u8>(p, <u8>to, Off.STATE);
  // Every state change may change readiness; epoll items watching s are queued (O(watchers)).
  if (load<u32>(p, Off.WATCH) != 0) wake(s);
}

// @ts-ignore: decorator
@inline export function getSockLayer(s: u32): SockLayer {
  return <SockLayer>load<u8>(sockPtr(s), Off.SSLAYER);
}

/** The one door for the socket-layer state (Linux writes sock->state in af_inet.c and af_unix.c). */
// @ts-ignore: decorator
@inline export function setSockLayer(s: u32, to: SockLayer): void {
  store<u8>(sockPtr(s), <u8>to, Off.SSLAYER);
}
