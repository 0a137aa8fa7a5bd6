// socket-kernel storm: the command line over the storm engine (Node only).
//
//   socket-kernel storm [options]            one scenario: the summary, --json, --plot
//   socket-kernel storm --sweep key=a,b ...  every combination on a worker-thread pool

import { parseArgs } from 'node:util';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { kernelModule } from '../index.js';
import { Storm } from './engine.js';
import { FIELDS, ScenarioError, fieldByKey, normalizeScenario, parseValue, partitionsText, setPath, type Field, type PartitionSpec } from './scenario.js';
import { formatSummary, type StormResult } from './report.js';

const NAME = 'socket-kernel storm';

/** A bad command line: exit code 2, the message names the option. */
class UsageError extends Error {}

function help(): string {
  const opt = (f: Field) => {
    const k = f.kind;
    const arg = k.type === 'enum' ? k.values.join('|') : k.type === 'bool' ? 'true|false' : k.type === 'int' ? 'N' : k.type === 'partitions' ? 'AT-HEAL+...' : 'X';
    const def = f.default === null ? "the personality's" : Array.isArray(f.default) ? 'none' : String(f.default);
    return `  --${`${f.flag} ${arg}`.padEnd(36)} ${f.help} [${def}]`;
  };
  const group = (prefix: string) => FIELDS.filter((f) => f.path.startsWith(prefix)).map(opt).join('\n');
  return `usage: socket-kernel storm [options]
       socket-kernel storm --scenario FILE.json [options]

Simulates clients arriving at one listening server on the socket kernel's simulated
clock, and tells you how many were served, refused, timed out or gave up, with their
connect and request latencies (measured from when each client meant to start).

Examples:
  # 2000 clients at once against a Linux backlog of 128: the SYN retransmit steps
  socket-kernel storm --clients 2000 --backlog 128 --plot storm.svg

  # Poisson arrivals, 8 workers of 10 ms each, beside the Erlang-C prediction
  socket-kernel storm --arrival poisson --rate 700 --duration-ms 20000 --workers 8

  # Linux against FreeBSD at three backlogs, side by side, as JSON
  socket-kernel storm --sweep backlog=16,128,1024 --sweep personality=linux,freebsd --json

Output:
  --json                 the result as JSON (schema: docs/storm.md); no summary
  --plot FILE.svg|.html  the latency histogram and the queues over time
  --scenario FILE.json   start from a scenario file; options given here override it
  --sweep KEY=V1,V2,...  run every combination (repeat for more keys; KEY is an option
                         name below, such as backlog, or a scenario path)
  --jobs N               worker threads for a sweep [cores, at most the points]
  --queue URL            run the sweep's points on a Redis job queue instead, taken by
                         \`socket-kernel worker\` on any number of machines; the same
                         table and JSON (docs/distributed.md)
  --quiet                no progress bar
  -h, --help             this text

Server:
${group('server.')}

Clients:
${group('clients.')}

Network:
${group('network.')}

Run:
${group('run.')}
${opt(FIELDS[0])}

Exit codes: 0 done, 1 failed, 2 bad options.`;
}

interface Parsed {
  input: Record<string, unknown>;
  sweeps: { field: Field; values: unknown[] }[];
  json: boolean; plot?: string; jobs?: number; quiet: boolean; help: boolean;
  /** --queue: a redis:// or rediss:// URL (the sweep runs on the job queue). */
  queue?: string;
}

export function parseCommandLine(argv: string[]): Parsed {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    scenario: { type: 'string' }, json: { type: 'boolean' }, plot: { type: 'string' },
    sweep: { type: 'string', multiple: true }, jobs: { type: 'string' }, quiet: { type: 'boolean' }, queue: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const f of FIELDS) options[f.flag] = { type: 'string' };
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError(`${(e as Error).message.replace(/\. To specify a positional.*$/s, '')}`);
  }
  let input: Record<string, unknown> = {};
  if (typeof values.scenario === 'string') {
    let text: string;
    try { text = readFileSync(values.scenario, 'utf8'); } catch (e) { throw new UsageError(`--scenario: cannot read ${values.scenario}: ${(e as Error).message}`); }
    try { input = JSON.parse(text); } catch (e) { throw new UsageError(`--scenario: ${values.scenario} is not JSON: ${(e as Error).message}`); }
    try { normalizeScenario(input); } catch (e) { if (e instanceof ScenarioError) throw new UsageError(`--scenario ${values.scenario}: ${e.message}`); throw e; }
  }
  for (const f of FIELDS) {
    const v = values[f.flag];
    if (typeof v === 'string') setPath(input, f.path, parseValue(f, v, `--${f.flag}`));
  }
  const sweeps: Parsed['sweeps'] = [];
  for (const spec of (values.sweep as string[] | undefined) ?? []) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new UsageError(`--sweep must be KEY=V1,V2,... (for example backlog=16,128); received "${spec}"`);
    const key = spec.slice(0, eq), field = fieldByKey(key);
    if (!field) throw new UsageError(`--sweep: unknown key "${key}"; use an option name such as backlog, workers, personality, latency-ms`);
    if (sweeps.some((s) => s.field === field)) throw new UsageError(`--sweep: "${key}" is swept twice`);
    const values = spec.slice(eq + 1).split(',').map((t) => parseValue(field, t.trim(), `--sweep ${key}`));
    sweeps.push({ field, values });
  }
  let jobs: number | undefined;
  if (typeof values.jobs === 'string') {
    jobs = Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 1024) throw new UsageError(`--jobs must be an integer from 1 to 1024; received "${values.jobs}"`);
  }
  const plot = values.plot as string | undefined;
  if (plot !== undefined && !/\.(svg|html)$/i.test(plot)) throw new UsageError(`--plot must name a .svg or .html file; received "${plot}"`);
  if (plot !== undefined && sweeps.length > 0) throw new UsageError('--plot draws one scenario; drop it or the --sweep');
  if (values.queue !== undefined && sweeps.length === 0) throw new UsageError('--queue runs a sweep: add --sweep KEY=V1,V2,...');
  return {
    input, sweeps, json: values.json === true, plot, jobs, quiet: values.quiet === true, help: values.help === true,
    queue: values.queue as string | undefined,
  };
}

/** Every combination of the swept values, applied to the base input (first key varies slowest). */
export function sweepPoints(input: Record<string, unknown>, sweeps: Parsed['sweeps']): { point: Record<string, unknown>; scenario: Record<string, unknown> }[] {
  let points: { point: Record<string, unknown>; scenario: Record<string, unknown> }[] = [{ point: {}, scenario: structuredClone(input) }];
  for (const { field, values } of sweeps) {
    points = points.flatMap((p) => values.map((v) => {
      const scenario = structuredClone(p.scenario);
      setPath(scenario, field.path, v);
      return { point: { ...p.point, [field.flag]: v }, scenario };
    }));
  }
  return points;
}

/**
 * A progress bar on stderr: only on a TTY, and only once a run has lasted a second
 * (SOCKET_KERNEL_PROGRESS_AFTER_MS changes that second; the tests set 0).
 */
export function progressBar(stream: NodeJS.WriteStream, enabled: boolean): { update(fraction: number, label: string): void; done(): void } {
  const t0 = Date.now();
  const after = Number(process.env.SOCKET_KERNEL_PROGRESS_AFTER_MS ?? 1000);
  const delayMs = Number.isFinite(after) && after >= 0 ? after : 1000;
  let drawn = false;
  return {
    update(fraction, label) {
      if (!enabled || !stream.isTTY || Date.now() - t0 < delayMs) return;
      const width = 30, filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)} % ${label}\x1b[K`);
      drawn = true;
    },
    done() { if (drawn) stream.write('\r\x1b[K'); },
  };
}

function writePlot(file: string, r: StormResult, summary: string, svg: typeof import('./svg.js')): void {
  mkdirSync(dirname(resolve(file)), { recursive: true });
  writeFileSync(file, /\.html$/i.test(file) ? svg.plotHtml(r, summary) : svg.plotSvg(r));
}

function sweepTable(rows: { point: Record<string, unknown>; result: StormResult }[]): string {
  const keys = Object.keys(rows[0].point);
  const f = (v: number | null) => (v === null ? '-' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);
  const cols: [string, (r: StormResult) => string][] = [
    ['served', (r) => String(r.clients.served)], ['refused', (r) => String(r.clients.refused)],
    ['timedOut', (r) => String(r.clients.timedOut)], ['abandoned', (r) => String(r.clients.abandoned)],
    ['connect p50', (r) => f(r.latencyMs.connect.p50)], ['connect p99', (r) => f(r.latencyMs.connect.p99)],
    ['connect p99.9', (r) => f(r.latencyMs.connect.p999)], ['request p99', (r) => f(r.latencyMs.request.p99)],
    ['SYNs dropped', (r) => String(r.syn.dropped)],
  ];
  const header = [...keys, ...cols.map(([n]) => n)];
  const body = rows.map(({ point, result }) => [...keys.map((k) => (Array.isArray(point[k]) ? partitionsText(point[k] as PartitionSpec[]) : String(point[k]))), ...cols.map(([, g]) => g(result))]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < keys.length ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...body.map(line)].join('\n');
}

/**
 * The sweep on a job queue (host/queue/, docs/distributed.md): one job per point, run by
 * `socket-kernel worker`s; prints the same table and JSON as the local sweep.
 */
async function queuedSweep(args: Parsed, points: ReturnType<typeof sweepPoints>, t0: number): Promise<number> {
  const { queueSweepCommand, exitCodeOf } = await import('../queue/cli.js');
  let outcome;
  try {
    outcome = await queueSweepCommand({
      queue: args.queue!,
      points: points.map((p, index) => ({
        index, key: Object.entries(p.point).map(([k, v]) => `${k}=${String(v)}`).join(','), scenario: p.scenario,
      })),
    });
  } catch (e) {
    console.error(`${NAME}: ${e instanceof Error ? e.message : String(e)}`);
    return exitCodeOf(e);
  }
  for (const p of outcome.points) if (!p.ok) console.error(`${NAME}: sweep point ${p.key}: ${p.error.message}`);
  const results = outcome.points.flatMap((p) => (p.ok ? [{ point: points[p.index].point, result: p.result as StormResult }] : []));
  if (results.length === 0) return 1;
  if (args.json) console.log(JSON.stringify({ schemaVersion: results[0].result.schemaVersion, sweep: results }, null, 2));
  else {
    console.log(`${NAME}: ${points.length} points on the queue in ${((performance.now() - t0) / 1000).toFixed(2)} s of wall time`);
    console.log(sweepTable(results));
  }
  return outcome.failures > 0 ? 1 : 0;
}

export async function main(argv: string[]): Promise<number> {
  let args: Parsed;
  try {
    args = parseCommandLine(argv);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ScenarioError) {
      console.error(`${NAME}: ${e.message}\nRun "socket-kernel storm --help" for the options.`);
      return 2;
    }
    throw e;
  }
  if (args.help) { console.log(help()); return 0; }
  try { normalizeScenario(args.input); } catch (e) {
    if (e instanceof ScenarioError) { console.error(`${NAME}: ${e.message}`); return 2; }
    throw e;
  }
  const bar = progressBar(process.stderr, !args.quiet);   // stderr: --json on stdout stays clean
  const t0 = performance.now();

  if (args.sweeps.length > 0) {
    const points = sweepPoints(args.input, args.sweeps);
    for (const p of points) {
      try { normalizeScenario(p.scenario); } catch (e) {
        if (e instanceof ScenarioError) { console.error(`${NAME}: sweep point ${JSON.stringify(p.point)}: ${e.message}`); return 2; }
        throw e;
      }
    }
    if (args.queue !== undefined) return queuedSweep(args, points, t0);
    const jobs = Math.min(points.length, args.jobs ?? availableParallelism());
    const { default: Tinypool } = await import('tinypool');
    const pool = new Tinypool({ filename: new URL('./pool-worker.js', import.meta.url).href, minThreads: jobs, maxThreads: jobs });
    let finished = 0;
    try {
      const results = await Promise.all(points.map(async (p) => {
        const result = (await pool.run(p.scenario)) as StormResult;
        bar.update(++finished / points.length, `${finished}/${points.length} points`);
        return { point: p.point, result };
      }));
      bar.done();
      if (args.json) console.log(JSON.stringify({ schemaVersion: results[0].result.schemaVersion, sweep: results }, null, 2));
      else {
        console.log(`${NAME}: ${points.length} points on ${jobs} worker thread${jobs > 1 ? 's' : ''} in ${((performance.now() - t0) / 1000).toFixed(2)} s of wall time`);
        console.log(sweepTable(results));
      }
    } finally {
      await pool.destroy();
    }
    return 0;
  }

  const storm = new Storm(await kernelModule(), args.input, {
    onProgress: (p) => bar.update(p.fraction, `simulated ${(p.simulatedMs / 1000).toFixed(1)} s, ${p.finished}/${p.total} clients`),
  });
  const result = storm.run();
  bar.done();
  const wallMs = performance.now() - t0;
  const summary = formatSummary(result, { wallMs });
  if (args.json) console.log(JSON.stringify(result, null, 2));
  else console.log(summary);
  if (args.plot) {
    writePlot(args.plot, result, summary, await import('./svg.js'));
    if (!args.json) console.log(`\nplot: ${resolve(args.plot)}`);
  }
  return 0;
}
