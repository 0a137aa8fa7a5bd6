// The link model (issue 12, part 1): directed links between hosts with netem's delay,
// jitter, loss and rate, turmoil's partition / hold / release, changes on the
// simulated clock, and counters. Self-contained: it imports nothing from the kernel,
// so the kernel's index.ts can re-export this file as it is (docs/network.md,
// "Wiring plan").

import { tableInit, tableCheck } from "./link_table";
import { changesInit, changesCheck } from "./changes";
import { uplinksInit } from "./uplink";

/** Starts an empty network: no links, no uplinks, nothing staged, a default link with no delay, loss or rate; `seed` seeds every link's randomness. */
export function linkInit(seed: u64): void {
  tableInit(seed);
  changesInit();
  uplinksInit();
}

/**
 * The network's consistency check, as the kernel's sk_check: 0, or the negative number
 * of the first broken invariant (link_table.ts tableCheck, link.ts linkInvariants,
 * changes.ts changesCheck). O(links): for tests and debugging.
 */
export function linkCheck(): i32 {
  let e = tableCheck();
  return e != 0 ? e : changesCheck();
}

export { linkTransmit, linkSetLatency, linkSetLoss, linkSetLossGE, linkSetRate, linkUnset, linkRemove, linkPartition,
  linkHeal, linkHold, linkRelease, linkReleaseNext, linkReleasedToken, linkHeld, linkCounter, linkRecords, networkBytes,
  uplinkSet, uplinkCounter, linkLastDelivery, LINK_DEFAULT } from "./links";
export { linkStage, linkApply, linkStaged, LinkOp } from "./changes";
export { Counter } from "./link";
