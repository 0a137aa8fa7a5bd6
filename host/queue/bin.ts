#!/usr/bin/env node
// A standalone command for the queue until the storm CLI hooks it in (tests and bench use
// it), with the stand-in runner:
//   node build/host/queue/bin.js worker --queue URL [--concurrency N] [--lock-ms N]
//   node build/host/queue/bin.js sweep --queue URL --sweep key=v1,v2 ... [--set key=v] [--json] [--local]
// Without --queue, the URL is read from $SOCKET_KERNEL_QUEUE (kept out of `ps`).
// Exit codes: 0 done; 1 Redis unreachable or some point failed (the sweep still reports
// every point); 2 a bad option.

import { parseArgs } from 'node:util';
import { ArgumentError } from '../errors.js';
import { defaultSalt, exitCodeOf, queueSweepCommand, queueUrlFrom, workerCommand } from './cli.js';
import { expandStandinSweep, standinRunner, type StandinScenario } from './standin.js';
import { runLocalSweep, type SweepOutcome } from './sweep.js';

const USAGE = `usage:
  bin.js worker [--queue redis://[:PASSWORD@]HOST:PORT] [--concurrency N] [--lock-ms MS]
  bin.js sweep [--queue URL | --local] --sweep KEY=V1,V2 ... [--set KEY=V ...] [--json]
  (without --queue: $SOCKET_KERNEL_QUEUE)
`;

function positiveInt(name: string, text: string | undefined, fallback: number | undefined): number | undefined {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError('ERR_INVALID_ARG_VALUE', `--${name} must be a positive integer. Received ${text}`);
  return n;
}

function printOutcome(outcome: SweepOutcome, json: boolean): void {
  if (json) { process.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`); return; }
  const width = Math.max(5, ...outcome.points.map((p) => p.key.length));
  process.stdout.write(`${'point'.padEnd(width)}  result\n`);
  for (const p of outcome.points) {
    process.stdout.write(`${p.key.padEnd(width)}  ${p.ok ? JSON.stringify(p.result) : `FAILED: ${p.error.message}`}\n`);
  }
  process.stdout.write(`${outcome.points.length} points, ${outcome.failures} failed (sweep ${outcome.sweepId})\n`);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'worker' && command !== 'sweep') {
    throw new ArgumentError('ERR_INVALID_ARG_VALUE', `the command must be "worker" or "sweep". Received ${command ?? 'nothing'}\n${USAGE}`);
  }
  const { values } = parseArgs({
    args: rest, strict: true,
    options: {
      queue: { type: 'string' }, concurrency: { type: 'string' }, 'lock-ms': { type: 'string' },
      sweep: { type: 'string', multiple: true }, set: { type: 'string', multiple: true },
      json: { type: 'boolean' }, local: { type: 'boolean' },
    },
  });
  if (command === 'worker') {
    const lockDuration = positiveInt('lock-ms', values['lock-ms'], undefined);
    const stop = new AbortController();
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
    await workerCommand({
      queue: queueUrlFrom(values.queue), concurrency: positiveInt('concurrency', values.concurrency, 1), runner: standinRunner,
      lockDuration, stalledInterval: lockDuration === undefined ? undefined : Math.max(100, lockDuration >> 1),
      signal: stop.signal,
    });
    return 0;
  }
  const base: Record<string, number | string> = {};
  for (const kv of values.set ?? []) {
    const [k, v] = kv.split('=');
    if (!k || v === undefined) throw new ArgumentError('ERR_INVALID_ARG_VALUE', `--set must read key=value. Received ${kv}`);
    base[k] = /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  }
  const points = expandStandinSweep(base as Partial<StandinScenario>, values.sweep ?? []);
  let outcome: SweepOutcome;
  if (values.local) outcome = await runLocalSweep(standinRunner, points, { salt: defaultSalt() });
  else {
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    outcome = await queueSweepCommand({ queue: queueUrlFrom(values.queue), points, signal: stop.signal });
  }
  printOutcome(outcome, values.json ?? false);
  return outcome.failures > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`socket-kernel: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(exitCodeOf(err));
});
