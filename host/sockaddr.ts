// struct sockaddr_in / sockaddr_in6 / sockaddr_un <-> JavaScript objects.
// Layouts are Linux's: family u16 in host (little-endian) order, port and address in
// network order.

import { AF_INET, AF_INET6, AF_UNIX } from './constants.js';
import { ArgumentError } from './errors.js';

export interface InetAddress { family: 'IPv4' | 'IPv6'; address: string; port: number }
/** AF_UNIX name: a path, an abstract name starting with '\0', or '' for an unnamed socket. */
export interface UnixAddress { family: 'unix'; path: string }
export type SocketAddress = InetAddress | UnixAddress;
/** What calls accept: { address, port } for AF_INET/AF_INET6, { path } for AF_UNIX. */
export type AddressInput = { address: string; port: number } | { path: string };

export function parseIPv4(s: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const b = m.slice(1).map(Number);
  return b.every((x) => x <= 255) ? b : null;
}

export function parseIPv6(s: string): number[] | null {
  if (s.includes('.')) {
    // An embedded IPv4 tail becomes two hex groups: "::ffff:1.2.3.4" -> "::ffff:102:304".
    const at = s.lastIndexOf(':');
    const v4 = at < 0 ? null : parseIPv4(s.slice(at + 1));
    if (!v4) return null;
    s = `${s.slice(0, at + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (p: string) => (p === '' ? [] : p.split(':'));
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  const out: number[] = [];
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    const v = parseInt(g, 16);
    out.push(v >> 8, v & 0xff);
  }
  return out;
}

export function formatIPv6(b: Uint8Array): string {
  const isMapped = b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  if (isMapped) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i] << 8) | b[i + 1]);
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first if tied.
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

// Parsed addresses and formatted IPv4 strings are memoised: a simulation names the
// same few addresses millions of times.
type Parsed = { v4: number | null; v6: number[] | null };
const parsedCache = new Map<string, Parsed>();
function parseCached(address: string): Parsed {
  let p = parsedCache.get(address);
  if (p === undefined) {
    const v4 = parseIPv4(address);
    p = { v4: v4 ? ((v4[0] << 24) | (v4[1] << 16) | (v4[2] << 8) | v4[3]) >>> 0 : null, v6: v4 ? null : parseIPv6(address) };
    if (parsedCache.size >= 4096) parsedCache.clear();
    parsedCache.set(address, p);
  }
  return p;
}
const v4Strings = new Map<number, string>();
function v4String(a: number): string {
  let s = v4Strings.get(a);
  if (s === undefined) {
    s = `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
    if (v4Strings.size >= 4096) v4Strings.clear();
    v4Strings.set(a, s);
  }
  return s;
}

function checkPort(port: unknown): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ArgumentError('ERR_OUT_OF_RANGE', `"port" must be an integer from 0 to 65535. Received ${String(port)}`);
  }
  return port;
}

/**
 * Encodes an address for a socket of `domain` into `view` at `off`; returns its
 * length. An IPv4 address given to an AF_INET6 socket is written IPv4-mapped; an
 * IPv6 address given to an AF_INET socket is written as sockaddr_in6, so the kernel
 * answers as Linux does (EAFNOSUPPORT).
 */
export function encodeSockaddr(domain: number, addr: AddressInput, view: DataView, off: number): number {
  if (addr === null || typeof addr !== 'object') {
    throw new ArgumentError('ERR_INVALID_ARG_TYPE', 'The "address" argument must be an object like { address, port } or { path }');
  }
  if ('path' in addr) {
    const bytes = new Uint8Array(view.buffer, view.byteOffset + off, 112);
    if (typeof addr.path !== 'string') throw new ArgumentError('ERR_INVALID_ARG_TYPE', '"path" must be a string');
    const name = new TextEncoder().encode(addr.path);
    if (name.length > 108) throw new ArgumentError('ERR_INVALID_ARG_VALUE', `"path" is longer than 108 bytes: ${addr.path}`);
    view.setUint16(off, AF_UNIX, true);
    bytes.set(name, 2);
    // '' is the family alone: bind() then autobinds (unix(7) "Autobind feature").
    if (name.length === 0) return 2;
    // A path gets its terminating NUL counted, as C callers pass sizeof or strlen+1.
    const abstract = name.length > 0 && name[0] === 0;
    if (!abstract && name.length < 108) { bytes[2 + name.length] = 0; return 3 + name.length; }
    return 2 + name.length;
  }
  if (typeof addr.address !== 'string') throw new ArgumentError('ERR_INVALID_ARG_TYPE', '"address" must be a string');
  const port = checkPort(addr.port);
  const { v4, v6 } = parseCached(addr.address);
  if (v4 === null && v6 === null) throw new ArgumentError('ERR_INVALID_ARG_VALUE', `"address" is not an IP address: ${addr.address}`);
  if (v4 !== null && domain !== AF_INET6) {
    view.setUint16(off, AF_INET, true);
    view.setUint16(off + 2, port, false);
    view.setUint32(off + 4, v4, false);
    view.setUint32(off + 8, 0, true);
    view.setUint32(off + 12, 0, true);
    return 16;
  }
  view.setUint16(off, AF_INET6, true);
  view.setUint16(off + 2, port, false);
  view.setUint32(off + 4, 0, true);
  if (v4 !== null) {
    view.setUint32(off + 8, 0, true); view.setUint32(off + 12, 0, true);
    view.setUint32(off + 16, 0xffff, false); view.setUint32(off + 20, v4, false);
  } else {
    new Uint8Array(view.buffer, view.byteOffset + off + 8, 16).set(v6!);
  }
  view.setUint32(off + 24, 0, true);
  return 28;
}

export function decodeSockaddr(view: DataView, off: number, len: number): SocketAddress {
  const family = len >= 2 ? view.getUint16(off, true) : 0;
  if (family === AF_INET) {
    return { family: 'IPv4', address: v4String(view.getUint32(off + 4, false)), port: view.getUint16(off + 2, false) };
  }
  const bytes = new Uint8Array(view.buffer, view.byteOffset + off, Math.max(len, 0));
  if (family === AF_INET6) {
    return { family: 'IPv6', address: formatIPv6(bytes.slice(8, 24)), port: view.getUint16(off + 2, false) };
  }
  // AF_UNIX: a path ends at its NUL; an abstract name keeps its leading NUL.
  let name = bytes.slice(2, len);
  if (name.length > 0 && name[0] !== 0) {
    const nul = name.indexOf(0);
    if (nul >= 0) name = name.slice(0, nul);
  }
  return { family: 'unix', path: new TextDecoder().decode(name) };
}
