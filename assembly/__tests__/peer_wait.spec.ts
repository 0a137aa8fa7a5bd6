// io/peer_wait.ts: AF_UNIX peer-wait queues (Linux peer_wait / peer_wake), kept in one
// head word as a FIFO whose first element's prev names the last (storage/lists.ts
// ringAppend / ringUnlink).
import { AF_UNIX } from "../core/constants";
import { Off, getU32, setU8, sockAlloc, socketsInit } from "../core/socket";
import { epollInit, instAlloc, itemAdd } from "../io/epoll";
import { EPOLLPEER, peerWaitLeave, peerWaitOn, peerWaiting, peerWakeAll, peerWakeOne } from "../io/peer_wait";

/** n fresh AF_UNIX sockets. */
function unixSockets(n: i32): StaticArray<u32> {
  socketsInit();
  epollInit();
  let r = new StaticArray<u32>(n);
  for (let i = 0; i < n; i++) { r[i] = sockAlloc(); setU8(r[i], Off.DOMAIN, AF_UNIX); }
  return r;
}

/** t's queue, first to last, as "slot slot ..."; then "| last" from the first's prev. */
function queue(t: u32): string {
  let out = "";
  let first = getU32(t, Off.PEER_WAIT);
  for (let n = first; n != 0; n = getU32(n - 1, Off.WAIT_LINK)) out += (out.length ? " " : "") + (n - 1).toString();
  if (first != 0) out += " | " + (getU32(first - 1, Off.WAIT_LINK + 4) - 1).toString();
  return out;
}

describe("peer-wait queue", () => {
  it("keeps its waiters in arrival order, the last named by the first's prev", () => {
    let s = unixSockets(4);
    peerWaitOn(s[1], s[0]); peerWaitOn(s[2], s[0]); peerWaitOn(s[3], s[0]);
    expect(queue(s[0])).toBe("1 2 3 | 3");
    expect(getU32(s[2], Off.WAIT_ON)).toBe(s[0] + 1);
  });

  it("takes a waiter off from the middle, the end and the front", () => {
    let s = unixSockets(4);
    peerWaitOn(s[1], s[0]); peerWaitOn(s[2], s[0]); peerWaitOn(s[3], s[0]);
    peerWaitLeave(s[2]);
    expect(queue(s[0])).toBe("1 3 | 3");
    peerWaitLeave(s[3]);
    expect(queue(s[0])).toBe("1 | 1");
    peerWaitOn(s[2], s[0]);
    peerWaitLeave(s[1]);
    expect(queue(s[0])).toBe("2 | 2");
    peerWaitLeave(s[2]);
    expect(queue(s[0])).toBe("");
    expect(peerWaiting(s[2])).toBe(false);
  });

  it("leaves a waiter where it is when it waits on the same socket again, and moves it to another's queue", () => {
    let s = unixSockets(4);
    peerWaitOn(s[1], s[0]); peerWaitOn(s[2], s[0]);
    peerWaitOn(s[1], s[0]);
    expect(queue(s[0])).toBe("1 2 | 2");
    peerWaitOn(s[1], s[3]);
    expect(queue(s[0])).toBe("2 | 2");
    expect(queue(s[3])).toBe("1 | 1");
  });

  it("wakes every waiter at once (a read, a close, a larger backlog)", () => {
    let s = unixSockets(4);
    peerWaitOn(s[1], s[0]); peerWaitOn(s[2], s[0]); peerWaitOn(s[3], s[0]);
    peerWakeAll(s[0]);
    expect(queue(s[0])).toBe("");
    expect(peerWaiting(s[1]) || peerWaiting(s[2]) || peerWaiting(s[3])).toBe(false);
  });

  it("wakes one waiter someone waits for with EPOLLPEER (an accept), and drops the ones before it that no one waits for", () => {
    let s = unixSockets(5);
    let inst = instAlloc(0);
    peerWaitOn(s[1], s[0]); peerWaitOn(s[2], s[0]); peerWaitOn(s[3], s[0]); peerWaitOn(s[4], s[0]);
    itemAdd(inst, s[1], 0, 11, 0x4, 11);          // watched, but not for EPOLLPEER
    itemAdd(inst, s[2], 0, 12, EPOLLPEER, 12);
    itemAdd(inst, s[3], 0, 13, EPOLLPEER, 13);
    peerWakeOne(s[0]);
    expect(queue(s[0])).toBe("3 4 | 4");
    peerWakeOne(s[0]);
    expect(queue(s[0])).toBe("4 | 4");
    peerWakeOne(s[0]);                              // no one waits for s[4]: it leaves, no one else is there
    expect(queue(s[0])).toBe("");
  });
});
