// A small assert for the platforms without node:assert (browsers, Web Workers, the edge
// vm context). The subset of node:assert/strict the shared scenarios use, with the same
// meaning, so the Node adapter can pass node:assert/strict instead. Plain ESM, web APIs only.

export class AssertionError extends Error {
  constructor(message, actual, expected) {
    super(message);
    this.name = 'AssertionError';
    this.code = 'ERR_ASSERTION';
    this.actual = actual;
    this.expected = expected;
  }
}

function show(v) {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

function fail(message, actual, expected, what) {
  throw new AssertionError(`${message ? `${message}: ` : ''}${what}\n  actual:   ${show(actual)}\n  expected: ${show(expected)}`, actual, expected);
}

function same(a, b) {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor.name !== b.constructor.name || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same(a[k], b[k]));
}

/** Checks an error against node:assert's object form: each key equal, or matched by a RegExp. */
function matches(err, expected, message, call) {
  if (expected === undefined) return;
  if (typeof expected === 'function') {
    if (!(err instanceof expected)) fail(message, err, expected.name, `${call} threw the wrong class`);
    return;
  }
  for (const [key, want] of Object.entries(expected)) {
    const got = err?.[key];
    const ok = want instanceof RegExp && typeof got === 'string' ? want.test(got) : same(got, want);
    if (!ok) fail(message, got, want, `${call}: error.${key} differs (${err?.name}: ${err?.message})`);
  }
}

export const assert = {
  ok(value, message) {
    if (!value) fail(message, value, true, 'expected a truthy value');
  },
  equal(actual, expected, message) {
    if (!Object.is(actual, expected)) fail(message, actual, expected, 'values differ');
  },
  notEqual(actual, expected, message) {
    if (Object.is(actual, expected)) fail(message, actual, `anything but ${show(expected)}`, 'values are equal');
  },
  deepEqual(actual, expected, message) {
    if (!same(actual, expected)) fail(message, actual, expected, 'values differ');
  },
  match(actual, regexp, message) {
    if (typeof actual !== 'string' || !regexp.test(actual)) fail(message, actual, String(regexp), 'no match');
  },
  throws(fn, expected, message) {
    try {
      fn();
    } catch (err) {
      matches(err, expected, message, 'throws');
      return;
    }
    fail(message, 'no exception', expected, 'missing expected exception');
  },
  async rejects(promiseOrFn, expected, message) {
    try {
      await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
    } catch (err) {
      matches(err, expected, message, 'rejects');
      return;
    }
    fail(message, 'no rejection', expected, 'missing expected rejection');
  },
};

export default assert;
