// Socket addresses as the user sees them: a socket's local or peer name formatted as
// a sockaddr (inet: tables/addresses.ts formatInet; AF_UNIX: tables/unix_names.ts
// formatUnix), and copied out as net/socket.c move_addr_to_user does.

import { AF_UNIX } from "../core/constants";
import { Off, getU16, getU32, getU8 } from "../core/socket";
import { formatInet } from "./addresses";
import { formatUnix } from "./unix_names";

const nameBuf = memory.data(112);

/** Writes a sockaddr to the caller's (addr, *lenPtr) as move_addr_to_user does. */
export function copyName(src: usize, actual: i32, addr: usize, lenPtr: usize): void {
  let room = load<i32>(lenPtr);
  memory.copy(addr, src, <usize>(room < actual ? room : actual));
  store<i32>(lenPtr, actual);
}

/** Formats socket s's local (peer = false) or peer address into nameBuf; returns the length. */
export function formatName(s: u32, peer: bool): i32 {
  if (getU8(s, Off.DOMAIN) == <u32>AF_UNIX) {
    if (!peer) return formatUnix(<i32>getU32(s, Off.UNAME) - 1, nameBuf);
    let p = getU32(s, Off.AUX);
    return formatUnix(p == 0 ? -1 : <i32>getU32(p - 1, Off.UNAME) - 1, nameBuf);
  }
  let domain = <i32>getU8(s, Off.DOMAIN);
  return peer ? formatInet(getU16(s, Off.PADDR), getU16(s, Off.PPORT), domain, nameBuf)
              : formatInet(getU16(s, Off.LADDR), getU16(s, Off.LPORT), domain, nameBuf);
}
export function nameBuffer(): usize { return nameBuf; }
