// A growable array of fixed-size records with a free list, written once for every
// table of records named by index: listener records (core/accept_queue.ts), epoll
// items and instances (io/epoll.ts), AF_UNIX names (tables/unix_names.ts). Records
// are named by index (links store index+1, 0 for none); the array doubles when full
// (one copy, amortised O(1)), so no caller keeps a record's address across an alloc.
//
// The header is itself a record, read through the class (as std/assembly/rt/common.ts
// reads BLOCK):
//
//    0 usize base    the records
//    4 u32   size    bytes per record
//    8 u32   cap     records allocated
//   12 u32   count   records ever handed out (the high-water mark)
//   16 u32   free    index+1 of the first free record, 0 when none
//   20 u32   link    byte offset, inside a free record, of its free-list link
//
// Each owner keeps its own inline accessor (base + index * its constant size) for the
// hot paths; alloc and release go through here.

// @ts-ignore: decorator
@unmanaged export class SlotArray {
  base: usize;
  size: u32;
  cap: u32;
  count: u32;
  free: u32;
  link: u32;
}

/** A slot array header in static memory (call at module level). */
// @ts-ignore: decorator
@inline export function staticSlots(): SlotArray { return changetype<SlotArray>(memory.data(offsetof<SlotArray>())); }

/** (Re)initialises `a` for records of `size` bytes, `cap` of them to start, the free link at `link`. */
export function slotsInit(a: SlotArray, size: u32, cap: u32, link: u32): void {
  if (a.base != 0) heap.free(a.base);
  a.size = size; a.cap = cap; a.count = 0; a.free = 0; a.link = link;
  a.base = heap.alloc(<usize>cap * size);
}

// @ts-ignore: decorator
@inline function at(a: SlotArray, i: u32): usize { return a.base + <usize>i * a.size; }

/** Takes a free record, or a new one (doubling the array when full); returns its index, zeroed. */
export function slotAlloc(a: SlotArray): u32 {
  let i: u32;
  if (a.free != 0) {
    i = a.free - 1;
    a.free = load<u32>(at(a, i) + a.link);
  } else {
    if (a.count == a.cap) {
      a.cap <<= 1;
      a.base = heap.realloc(a.base, <usize>a.cap * a.size);
    }
    i = a.count++;
  }
  memory.fill(at(a, i), 0, a.size);
  return i;
}

/** Puts record i on the free list (its bytes at `link` become the link). */
export function slotRelease(a: SlotArray, i: u32): void {
  store<u32>(at(a, i) + a.link, a.free);
  a.free = i + 1;
}

export function slotsBytes(a: SlotArray): usize { return <usize>a.cap * a.size; }
