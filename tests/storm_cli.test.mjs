// socket-kernel storm from the outside: options and their errors, --json, sweeps on the
// worker pool (identical to each point alone, whatever the pool size), the progress bar.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = new URL('../build/host/cli.js', import.meta.url).pathname;
const storm = (...args) => spawnSync(process.execPath, [CLI, 'storm', ...args], { encoding: 'utf8', timeout: 120_000 });
const small = ['--clients', '10', '--backlog', '2', '--workers', '1', '--service', 'fixed', '--service-ms', '1'];

test('bad options exit 2 with a message naming the option and what it must be', () => {
  const cases = [
    [['--backlog', 'abc'], /--backlog must be an integer from -1 to 2147483647; received "abc"/],
    [['--personality', 'windows'], /--personality must be one of linux, freebsd, posix/],
    [['--latency-ms=-1'], /--latency-ms must be a number >= 0/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--sweep', 'nope=1,2'], /--sweep: unknown key "nope"/],
    [['--sweep', 'backlog'], /--sweep must be KEY=V1,V2/],
    [['--sweep', 'backlog=1,x'], /--sweep backlog must be an integer/],
    [['--jobs', '0'], /--jobs must be an integer from 1/],
    [['--plot', 'out.png'], /--plot must name a .svg or .html file/],
    [['--scenario', '/nonexistent.json'], /--scenario: cannot read/],
    [['--loss-percent', '150'], /--loss-percent must be a number >= 0 and <= 100; received "150"/],
    [['--network', 'wan'], /--network must be one of hosts, loopback/],
    [['--partitions', '3000-1000'], /--partitions must be a list of partitions/],
    [['--partitions', 'soon'], /--partitions must be a list of partitions/],
    [['--network', 'loopback', '--jitter-ms', '5'], /network\.jitterMs must be left at its default with network mode loopback/],
    [['--rate-mbps', '0.001', '--limit-bytes', '4294967296'], /network\.limitBytes must be a queue that drains in at most 2\^38 µs at --rate-mbps 0\.001 \(at most 34359738 bytes\)/],
  ];
  for (const [args, message] of cases) {
    const r = storm(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  }
  const bad = spawnSync(process.execPath, [CLI, 'nosuch'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown command "nosuch"/);
});

test('a scenario file with an unknown key is refused, naming the key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'storm-'));
  const file = join(dir, 's.json');
  writeFileSync(file, JSON.stringify({ network: { latencyMs: 1, loss: 0.01 } }));
  const r = storm('--scenario', file);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /network\.loss must be a known key of network/);
});

test('--help explains the options with three worked examples', () => {
  const r = storm('--help');
  assert.equal(r.status, 0);
  assert.equal((r.stdout.match(/^ {2}socket-kernel storm /gm) ?? []).length, 3);
  for (const flag of ['--backlog', '--workers', '--arrival', '--latency-ms', '--sweep', '--plot', '--json', '--seed']) assert.ok(r.stdout.includes(flag), flag);
});

test('--json is the result schema; the same options and seed give the same bytes; --scenario and options merge', () => {
  const a = storm(...small, '--json');
  assert.equal(a.status, 0, a.stderr);
  const r = JSON.parse(a.stdout);
  assert.equal(r.schemaVersion, 2);   // 2: the network section (hosts and links)
  assert.equal(r.clients.served, 10);
  assert.equal(storm(...small, '--json').stdout, a.stdout);
  const dir = mkdtempSync(join(tmpdir(), 'storm-'));
  const file = join(dir, 's.json');
  writeFileSync(file, JSON.stringify({ server: { backlog: 2, workers: 1, service: 'fixed', serviceMs: 1 }, clients: { count: 10 } }));
  assert.equal(storm('--scenario', file, '--json').stdout, a.stdout);
  assert.notEqual(storm('--scenario', file, '--backlog', '3', '--json').stdout, a.stdout);
});

test('a sweep runs every combination; results are those of each point alone, on 1 or 2 worker threads', () => {
  const args = [...small, '--sweep', 'backlog=2,4', '--sweep', 'personality=linux,freebsd', '--json'];
  const one = storm(...args, '--jobs', '1');
  const two = storm(...args, '--jobs', '2');
  assert.equal(one.status, 0, one.stderr);
  assert.equal(one.stdout, two.stdout);
  const sweep = JSON.parse(one.stdout).sweep;
  assert.deepEqual(sweep.map((p) => p.point), [
    { backlog: 2, personality: 'linux' }, { backlog: 2, personality: 'freebsd' },
    { backlog: 4, personality: 'linux' }, { backlog: 4, personality: 'freebsd' },
  ]);
  const alone = JSON.parse(storm(...small, '--backlog', '4', '--personality', 'freebsd', '--json').stdout);
  assert.deepEqual(sweep[3].result, alone);
  const table = storm(...small, '--sweep', 'backlog=2,4');
  assert.match(table.stdout, /backlog\s+served\s+refused/);
});

test('--plot writes the SVG it names; .html is self-contained with the result inside', () => {
  const dir = mkdtempSync(join(tmpdir(), 'storm-'));
  const r = storm(...small, '--plot', join(dir, 'p.svg'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`plot: ${join(dir, 'p.svg')}`));
  assert.match(readFileSync(join(dir, 'p.svg'), 'utf8'), /^<svg[^>]*xmlns/);
  storm(...small, '--plot', join(dir, 'p.html'));
  const html = readFileSync(join(dir, 'p.html'), 'utf8');
  assert.doesNotMatch(html, /<script src=|<link /);
  assert.equal(JSON.parse(html.match(/<script type="application\/json" id="storm-result">(.*?)<\/script>/s)[1]).clients.served, 10);
});

// A run of a few seconds of wall time (every one of 100 000 clients retransmits ten times).
const long = ['--clients', '100000', '--workers', '0'];

test('the progress bar is drawn on a TTY only', () => {
  const piped = storm(...long);
  assert.equal(piped.status, 0);
  assert.equal(piped.stderr, '');
  // A pseudo-terminal: script(1) runs the command with its stdio on a pty.
  // The bar waits for a second of wall time; 0 here, so a fast machine still draws it.
  const tty = spawnSync('script', ['-qec', `${process.execPath} ${CLI} storm ${long.join(' ')}`, '/dev/null'],
    { encoding: 'utf8', timeout: 120_000, env: { ...process.env, SOCKET_KERNEL_PROGRESS_AFTER_MS: '0' } });
  if (tty.error?.code === 'ENOENT') return; // util-linux script(1) is in every Debian base image; CI has it
  assert.equal(tty.status, 0);
  assert.match(tty.stdout, /\r\[#*\.*\]\s+\d+ %/);
  assert.match(tty.stdout, /clients 100000/);
});

test('a sweep over the network (loss, partitions) gives the same bytes on 1 or 2 worker threads, each point as run alone', () => {
  const args = [...small, '--sweep', 'loss-percent=0,5', '--sweep', 'partitions=none,0-1500+4000-4500:oneway', '--json'];
  const one = storm(...args, '--jobs', '1');
  const two = storm(...args, '--jobs', '2');
  assert.equal(one.status, 0, one.stderr);
  assert.equal(one.stdout, two.stdout);
  const sweep = JSON.parse(one.stdout).sweep;
  assert.equal(sweep.length, 4);
  const cut = sweep[1].result;
  assert.deepEqual(cut.scenario.network.partitions, [{ atMs: 0, healMs: 1500, oneWay: false }, { atMs: 4000, healMs: 4500, oneWay: true }]);
  assert.ok(cut.network.links.toServer.partitionDrops > 0);
  const alone = JSON.parse(storm(...small, '--loss-percent', '5', '--partitions', '0-1500+4000-4500:oneway', '--json').stdout);
  assert.deepEqual(sweep[3].result, alone);
});

test("docs/storm.md's option table is the FIELDS table, row for row", async () => {
  const { FIELDS } = await import('../build/host/storm/scenario.js');
  const doc = readFileSync(new URL('../docs/storm.md', import.meta.url), 'utf8');
  const rows = doc.split('\n').filter((line) => /^\| `--[a-z-]+` \| `[a-zA-Z.]+` \|/.test(line));
  const value = (k) => {
    const orNull = k.nullable ? ' or null' : '';
    switch (k.type) {
      case 'int': return `integer ${k.min}..${k.max}${orNull}`;
      case 'number': return `number ${k.exclusiveMin ? '>' : '>='} ${k.min}, <= ${k.max}`;
      case 'enum': return k.values.join(' \\| ');
      case 'bool': return `true \\| false${orNull}`;
      case 'partitions': return 'partitions: `[{ atMs, healMs, oneWay }]`; on the command line `AT-HEAL[:oneway]` joined by `+`, `none`';
    }
    throw new Error(`no doc text for kind ${k.type}`);
  };
  const expected = FIELDS.map((f) => `| \`--${f.flag}\` | \`${f.path}\` | ${value(f.kind)} | ${JSON.stringify(f.default)} | ${f.help} |`);
  assert.deepEqual(rows, expected, 'regenerate the rows from host/storm/scenario.ts FIELDS');
});
