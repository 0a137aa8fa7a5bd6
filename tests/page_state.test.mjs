// The storm page's state (host/page/state.ts, bundled here with esbuild as the page
// bundles it) against the CLI's parser: for random settings of every field in FIELDS,
// "copy as CLI command" parsed by the CLI's parseCommandLine gives the scenario the page
// runs, and the URL's query string reads back as the same settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as esbuild from 'esbuild';
import fc from 'fast-check';
import { parseCommandLine } from '../build/host/storm/cli.js';
import { FIELDS, normalizeScenario } from '../build/host/storm/scenario.js';

const root = new URL('..', import.meta.url).pathname;
const bundle = await esbuild.build({ entryPoints: [`${root}host/page/state.ts`], bundle: true, write: false, format: 'esm', platform: 'neutral' });
const state = await import(`data:text/javascript;base64,${Buffer.from(bundle.outputFiles[0].contents).toString('base64')}`);

/** Text a user could type for a field, valid for it. */
function validText(f) {
  const k = f.kind;
  switch (k.type) {
    case 'int': return fc.integer({ min: k.min, max: k.max }).map(String);
    case 'number': return fc.double({ min: k.min, max: k.max, noNaN: true, noDefaultInfinity: true })
      .filter((v) => !(k.exclusiveMin && v <= k.min)).map(String);
    case 'enum': return fc.constantFrom(...k.values);
    case 'bool': return fc.constantFrom('true', 'false', ...(k.nullable ? [''] : []));
    case 'partitions':
      // AT-HEAL[:oneway] joined by '+', in time order without overlap; the last may never heal.
      return fc.array(fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 5000 }), fc.boolean()), { maxLength: 3 })
        .chain((parts) => fc.boolean().map((open) => {
          let t = -1;
          const text = parts.map(([gap, len, oneWay], i) => {
            const at = t + gap, heal = open && i === parts.length - 1 ? '' : String(at + len);
            t = at + len;
            return `${at}-${heal}${oneWay ? ':oneway' : ''}`;
          }).join('+');
          return text === '' ? 'none' : text;
        }));
  }
}

/** A configuration: a random subset of the fields, each with a valid text. */
const config = fc.dictionary(fc.constantFrom(...FIELDS.map((f) => f.flag)), fc.constant(null), { maxKeys: 8 })
  .chain((keys) => fc.tuple(...Object.keys(keys).map((flag) => validText(FIELDS.find((f) => f.flag === flag)).map((t) => [flag, t]))))
  .map((entries) => new Map(entries));

const outcome = (f) => { try { return { scenario: f() }; } catch (e) { return { error: `${e.name}: ${e.message.replace(/^--|^[a-z]+\.[A-Za-z]+/, '')}`.split(';')[0] }; } };

test('copy as CLI command: the CLI parses it to the scenario the page runs (every field)', () => {
  fc.assert(fc.property(config, (c) => {
    const args = state.cliArgs(c);
    assert.equal(state.cliCommand(c), ['npx', 'socket-kernel', 'storm', ...args].join(' '), 'no argument needs quoting');
    const page = outcome(() => state.scenarioOf(c));
    const cli = outcome(() => normalizeScenario(parseCommandLine(args).input));
    if (page.scenario) assert.deepEqual(cli, page);
    else assert.ok(cli.error, `the CLI refuses what the page refuses (${page.error})`);
  }), { numRuns: 300 });
});

test('the query string reads back as the same settings, with B beside A', () => {
  fc.assert(fc.property(config, fc.option(config), (a, b) => {
    const { state: back, unknown } = state.parseQuery(`?${state.toQuery({ a, b })}`);
    assert.deepEqual(unknown, []);
    for (const [name, orig] of [['a', a], ['b', b]]) {
      if (orig === null) { assert.equal(back[name], null); continue; }
      for (const f of FIELDS) assert.equal(state.textOf(back[name], f), state.textOf(orig, f), `${name}: ${f.flag}`);
    }
  }), { numRuns: 200 });
});

test('unknown URL parameters are reported, not dropped silently', () => {
  const { state: s, unknown } = state.parseQuery('?backlog=16&delay-ms=3&b.loss=0.1&server.backlog=4&b.backlog=8');
  assert.deepEqual(unknown, ['delay-ms', 'b.loss', 'server.backlog', 'b.backlog']);
  assert.equal(s.a.get('backlog'), '16');
  assert.equal(s.b, null, 'no compare=1: no configuration B, and its fields are named as unused');
});

test('side by side names its points by the fields that differ, as --sweep does', () => {
  const a = state.scenarioOf(new Map([['backlog', '16']])), b = state.scenarioOf(new Map([['backlog', '1024'], ['personality', 'freebsd']]));
  assert.deepEqual(state.comparePoints(a, b), [{ personality: 'linux', backlog: 16 }, { personality: 'freebsd', backlog: 1024 }]);
});
