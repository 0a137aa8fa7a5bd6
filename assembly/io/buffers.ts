// Socket buffer sizes: SO_SNDBUF / SO_RCVBUF, with Linux's defaults and rules
// (net/core/sock.c sk_setsockopt; Documentation/networking/ip-sysctl.rst).

import { AF_UNIX, SOCK_STREAM } from "../core/constants";
import { Off, getU32, getU8, setU32 } from "../core/socket";
import { sockbufSize } from "../policy/personality";

/** tcp_wmem[1], tcp_rmem[1]: the initial TCP buffers. */
const TCP_SNDBUF: u32 = 16384;
const TCP_RCVBUF: u32 = 131072;
/** net.core.wmem_default / rmem_default: every other socket. */
const DEFAULT_BUF: u32 = 212992;
/** net.core.wmem_max / rmem_max on the reference machine. */
export const BUF_MAX: u32 = 4194304;
/** SOCK_MIN_SNDBUF / SOCK_MIN_RCVBUF on x86_64 (include/net/sock.h: 2 * SKB_TRUESIZE(256) and half). */
const MIN_SNDBUF: u32 = 4608;
const MIN_RCVBUF: u32 = 2304;

function isTcp(s: u32): bool { return getU8(s, Off.TYPE) == <u32>SOCK_STREAM && getU8(s, Off.DOMAIN) != <u32>AF_UNIX; }

export function sndbufOf(s: u32): u32 { let v = getU32(s, Off.SNDBUF); return v != 0 ? v : isTcp(s) ? TCP_SNDBUF : DEFAULT_BUF; }
export function rcvbufOf(s: u32): u32 { let v = getU32(s, Off.RCVBUF); return v != 0 ? v : isTcp(s) ? TCP_RCVBUF : DEFAULT_BUF; }

/** SO_SNDBUF / SO_RCVBUF: stores the size policy/personality.ts sockbufSize gives (Linux doubles it); 0 or a negative errno. */
function setBuf(s: u32, field: u32, v: i32, minimum: u32): i32 {
  let x = sockbufSize(v, BUF_MAX, minimum);
  if (x < 0) return <i32>x;
  setU32(s, field, <u32>x);
  return 0;
}
export function setSndbuf(s: u32, v: i32): i32 { return setBuf(s, Off.SNDBUF, v, MIN_SNDBUF); }
export function setRcvbuf(s: u32, v: i32): i32 { return setBuf(s, Off.RCVBUF, v, MIN_RCVBUF); }
