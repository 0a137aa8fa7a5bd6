// FreeBSD accept filters (accf_data, accf_http): a completed connection waits in its
// listener's incomplete queue (sol_incomp) until its data passes the filter.

import { aqPush, incqAppend, incqFirst, incqLen, incqRemove, lrCountDrop, lrFilter, lrLimit, lrSetFilter } from "../core/accept_queue";
import { sockDestroy } from "../core/release";
import { Flag2, Off, getU32, getU8, setU8 } from "../core/socket";
import { rcvbufOf } from "../io/buffers";
import { Stat, bump } from "../core/stats";
import { wake } from "../io/epoll";
import { rxPeekAt, rxVisible } from "../io/rx_queue";
import { listenerId, resetPeer } from "./listener";

/**
 * FreeBSD accept filter: a completed connection waits in the incomplete queue until its
 * data satisfies the filter. listen(2): "if the queue is full, the oldest entry is
 * dropped" -- solisten_enqueue trims before it inserts: "while (head->sol_incqlen >
 * head->sol_qlimit)" soabort of the first, then "TAILQ_INSERT_TAIL(&head->sol_incomp,
 * so, so_list); head->sol_incqlen++;", so qlimit + 1 connections wait (§7 F13).
 */
export function filterEnqueue(id: u32, s: u32): void {
  setU8(s, Off.FLAGS2, getU8(s, Off.FLAGS2) | Flag2.FILTERED);
  while (incqLen(id) > lrLimit(id)) {
    let old = incqFirst(id) - 1;
    bump(Stat.AcceptFilterDrops);
    lrCountDrop(id);
    resetPeer(old);
    sockDestroy(old);           // off the filter's queue, freed
  }
  incqAppend(id, s);
  filterCheck(s);
}

/**
 * The filter is removed (uipc_accf.c accept_filt_setopt with a NULL value): "Move from
 * incomplete queue to complete only those connections, that are blocked by us." --
 * every held connection joins the accept queue, oldest first, with no limit test, and
 * the listener l is woken (solisten_wakeup) if any moved.
 */
export function filterRemove(id: u32, l: u32): void {
  lrSetFilter(id, 0);
  let moved = false;
  for (let n = incqFirst(id); n != 0; n = incqFirst(id)) {
    let s = n - 1;
    setU8(s, Off.FLAGS2, getU8(s, Off.FLAGS2) & ~Flag2.FILTERED);
    incqRemove(id, s);
    aqPush(id, s);
    moved = true;
  }
  if (moved) wake(l);
}

/**
 * Does the queued data pass the filter? Run on every arrival of data and at end of file.
 * dataready (sys/netinet/accf_data.c sohasdata): "if (!soreadable(so)) return (SU_OK);"
 * -- bytes, or end of file (soreadable is true at SBS_CANTRCVMORE). httpready: httpReady.
 */
export function filterCheck(s: u32): void {
  if ((getU8(s, Off.FLAGS2) & Flag2.FILTERED) == 0) return;
  let l = getU32(s, Off.PARENT) - 1;
  let id = listenerId(l);
  let eof = (getU8(s, Off.FLAGS2) & Flag2.DONE) != 0;
  let n = rxVisible(s);
  // Both filters pass at end of file or with a full buffer (accf_http: "if
  // ((so->so_rcv.sb_state & SBS_CANTRCVMORE) != 0 || sbfull(&so->so_rcv)) goto gotit;").
  let pass = eof || n >= rcvbufOf(s);
  if (!pass) pass = lrFilter(id) == 1 ? n > 0 : httpReady(s, n);
  if (!pass) return;
  setU8(s, Off.FLAGS2, getU8(s, Off.FLAGS2) & ~Flag2.FILTERED);
  incqRemove(id, s);
  aqPush(id, s);
  wake(l);
}

/** Bytes of the request line read at once; a longer line is read in further chunks. */
const CHUNK: u32 = 256;
const chunk = memory.data(CHUNK);

/**
 * sys/netinet/accf_http.c, with net.inet.accf.http.parsehttpversion = 1 (the default):
 * sohashttpget -> soparsehttpvers -> soishttpconnected. Returns true to pass.
 */
function httpReady(s: u32, n: u32): bool {
  // sohashttpget: "cc = sbavail(&so->so_rcv) - 1; if (cc < 1) return (SU_OK);"
  if (n < 2) return false;
  rxPeekAt(s, 0, chunk, 5);
  // "switch (*mtod(m, char *)) { case 'G': cmp = "ET "; ... case 'H': cmp = "EAD "; ... default: goto fallout; }"
  let first = <u32>load<u8>(chunk);
  let word = first == 0x47 ? "GET " : first == 0x48 ? "HEAD " : "";
  if (word.length == 0) return true;
  let w = <u32>word.length;
  // "if (cc < cmplen) { if (mbufstrncmp(m, m, 1, cc, cmp) == 1) return (SU_OK); else goto fallout; }"
  let have = min(n, w);
  for (let i: u32 = 1; i < have; i++) if (<u32>load<u8>(chunk + i) != <u32>word.charCodeAt(i)) return true;
  if (n < w) return false;
  // soparsehttpvers: the request line up to its second space, then "HTTP/1.0" or
  // "HTTP/1.1"; "case '\r': case '\n': goto fallout;" before that (HTTP/0.9 passes);
  // fewer bytes than the version needs: wait.
  let spaces = 0;
  for (let off: u32 = 0; off < n; off += CHUNK) {
    let m = rxPeekAt(s, off, chunk, CHUNK);
    for (let i: u32 = 0; i < m; i++) {
      let c = <u32>load<u8>(chunk + i);
      if (c == 0x0d || c == 0x0a) return true;
      if (c != 0x20 || ++spaces != 2) continue;
      let at = off + i + 1;
      if (n - at < 8) return false;
      rxPeekAt(s, at, chunk, 8);
      let isVersion = true;
      for (let k = 0; k < 7; k++) if (<u32>load<u8>(chunk + k) != <u32>"HTTP/1.".charCodeAt(k)) isVersion = false;
      let minor = <u32>load<u8>(chunk + 7);
      if (!isVersion || (minor != 0x30 && minor != 0x31)) return true;
      return lastThreeEndRequest(s, n);
    }
  }
  return false;
}

/**
 * soishttpconnected: "copy the last NCHRS (3) into a, b, and c" and "if (c == '\n' &&
 * (b == '\n' || (b == '\r' && a == '\n'))) goto gotit;" -- the buffer ends in "\n\n"
 * (so also "\r\n\n") or "\n\r\n"; anything after the empty line keeps it waiting.
 */
function lastThreeEndRequest(s: u32, n: u32): bool {
  if (n < 3) return false;
  rxPeekAt(s, n - 3, chunk, 3);
  let a = <u32>load<u8>(chunk), b = <u32>load<u8>(chunk + 1), c = <u32>load<u8>(chunk + 2);
  return c == 0x0a && (b == 0x0a || (b == 0x0d && a == 0x0a));
}
