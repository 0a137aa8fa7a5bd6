// FreeBSD accept filters (accf_data, accf_http): a completed connection waits in its
// listener's incomplete queue (sol_incomp) until its data passes the filter.

import { aqPush, incqAppend, incqFirst, incqLen, incqRemove, lrCountDrop, lrFilter, lrLimit } from "../core/accept_queue";
import { sockDestroy } from "../core/release";
import { Flag2, Off, getU32, getU8, setU8 } from "../core/socket";
import { Stat, bump } from "../core/stats";
import { wake } from "../io/epoll";
import { rxRead, rxVisible } from "../io/rx_queue";
import { listenerId, resetPeer } from "./listener";

/**
 * FreeBSD accept filter: a completed connection waits in the incomplete queue until its
 * data satisfies the filter. listen(2): "if the queue is full, the oldest entry is
 * dropped" (solisten_enqueue: "while (head->sol_incqlen > head->sol_qlimit)" soabort
 * of the first).
 */
export function filterEnqueue(id: u32, s: u32): void {
  setU8(s, Off.FLAGS2, getU8(s, Off.FLAGS2) | Flag2.FILTERED);
  incqAppend(id, s);
  while (incqLen(id) > lrLimit(id)) {
    let old = incqFirst(id) - 1;
    bump(Stat.AcceptFilterDrops);
    lrCountDrop(id);
    resetPeer(old);
    sockDestroy(old);           // off the filter's queue, freed
  }
  filterCheck(s);
}

/** Does the queued data pass the filter? dataready: any byte; httpready: a whole request head. */
export function filterCheck(s: u32): void {
  if ((getU8(s, Off.FLAGS2) & Flag2.FILTERED) == 0) return;
  let l = getU32(s, Off.PARENT) - 1;
  let id = listenerId(l);
  let f = lrFilter(id);
  let n = rxVisible(s);
  let pass = false;
  if (f == 1) pass = n > 0;
  else if (n > 0) {
    // sys/netinet/accf_http.c: not "GET "/"HEAD " -> pass at once; else wait for the
    // blank line that ends the headers.
    let cap = min(n, <u32>4096);
    let buf = heap.alloc(cap);
    rxRead(s, buf, cap, true);
    if (startsWith(buf, cap, "GET ") || startsWith(buf, cap, "HEAD ")) {
      for (let i: u32 = 0; i + 3 < cap; i++) if (load<u32>(buf + i) == 0x0a0d0a0d) { pass = true; break; } // "\r\n\r\n"
    } else {
      // Not (yet) a GET or HEAD: pass once the bytes cannot become one.
      pass = !prefixOf(buf, cap, "GET ") && !prefixOf(buf, cap, "HEAD ");
    }
    heap.free(buf);
  }
  if (!pass) return;
  setU8(s, Off.FLAGS2, getU8(s, Off.FLAGS2) & ~Flag2.FILTERED);
  incqRemove(id, s);
  aqPush(id, s);
  wake(l);
}

function startsWith(buf: usize, n: u32, word: string): bool {
  let w = <u32>word.length;
  if (n < w) return false;
  for (let i: u32 = 0; i < w; i++) if (<u32>load<u8>(buf + i) != <u32>word.charCodeAt(i)) return false;
  return true;
}
/** Whether the n bytes are a proper prefix of word (more bytes could still make it). */
function prefixOf(buf: usize, n: u32, word: string): bool {
  let w = <u32>word.length;
  if (n >= w) return false;
  for (let i: u32 = 0; i < n; i++) if (<u32>load<u8>(buf + i) != <u32>word.charCodeAt(i)) return false;
  return true;
}
