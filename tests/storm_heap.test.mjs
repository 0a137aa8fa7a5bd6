// host/storm/heap.ts EventHeap: events come out by (time, insertion order), whether they
// went to the heap or to a lane of one delay (more delays than lanes, a clock that
// stands still or moves on, interleaved pops), as a sorted list says they should.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EventHeap } from '../build/host/storm/heap.js';

/** Runs ops against the heap and a sorted-array model; returns both pop sequences. */
function run(ops) {
  const h = new EventHeap(), model = [];
  let now = 0, seq = 0;
  const got = [], want = [];
  const popOne = () => {
    const t = h.peekTime();
    got.push([t, h.peekKind(), h.peekArg()]);
    h.pop();
    model.sort((a, b) => a[0] - b[0] || a[3] - b[3]);
    const [mt, mk, ma] = model.shift();
    want.push([mt, mk, ma]);
    now = Math.max(now, t);     // the engine's clock follows what it pops
  };
  for (const op of ops) {
    if (op.pop) { if (h.size > 0) popOne(); continue; }
    if (op.tick) now += op.tick;
    // A lane is only a hint: an event earlier than its delay's lane must still come out in order.
    const time = now + (op.early ?? op.delay);
    h.push(time, op.kind, seq, op.delay);
    model.push([time, op.kind, seq, seq]);
    seq++;
  }
  while (h.size > 0) popOne();
  assert.equal(h.peekTime(), Infinity);
  return { got, want };
}

test('EventHeap pops by (time, insertion order) across lanes and the heap', () => {
  const op = fc.oneof(
    { weight: 3, arbitrary: fc.record({ delay: fc.constantFrom(0, 1000, 200_000, 400_000, 7, 13, 1_000_000), kind: fc.integer({ min: 0, max: 5 }), tick: fc.constantFrom(0, 0, 1, 500) }) },
    { weight: 1, arbitrary: fc.record({ delay: fc.integer({ min: 0, max: 3000 }), kind: fc.integer({ min: 0, max: 5 }) }) },
    { weight: 1, arbitrary: fc.record({ delay: fc.constantFrom(1000, 7), early: fc.integer({ min: 0, max: 1000 }), kind: fc.integer({ min: 0, max: 5 }) }) },
    { weight: 2, arbitrary: fc.constant({ pop: true }) },
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 3000 }), (ops) => {
    const { got, want } = run(ops);
    assert.deepEqual(got, want);
  }), { numRuns: 200, seed: 12 });
});

test('EventHeap keeps a lane in order through growth and wrap-around', () => {
  // One delay, pushes and pops interleaved so the ring wraps, then grows past 1024.
  const ops = [];
  for (let i = 0; i < 5000; i++) { ops.push({ delay: 1000, kind: i & 3, tick: i % 7 === 0 ? 1 : 0 }); if (i % 3 === 0) ops.push({ pop: true }); }
  const { got, want } = run(ops);
  assert.equal(got.length, 5000);
  assert.deepEqual(got, want);
});
