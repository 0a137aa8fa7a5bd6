// `socket-kernel worker --queue URL [--concurrency N]`: runs sweep points taken from the
// queue on the storm's worker-thread pool (the same pool-worker as a local sweep), until
// SIGINT or SIGTERM. Exit codes: 0 stopped, 1 Redis unreachable, 2 a bad option.

import { parseArgs } from 'node:util';
import { ArgumentError } from '../errors.js';
import { exitCodeOf, queueUrlFrom, workerCommand, QUEUE_ENV } from './cli.js';

const NAME = 'socket-kernel worker';

function help(): string {
  return `usage: socket-kernel worker [--queue redis://[:PASSWORD@]HOST:PORT] [--concurrency N]

Takes the points of storm sweeps (socket-kernel storm --sweep ... --queue URL) from a
Redis job queue and runs them on N worker threads, until stopped (Ctrl-C / SIGTERM:
running points finish first). Start one on every machine that lends its cores.

  --queue URL        redis:// or rediss:// (TLS) URL; without it, $${QUEUE_ENV}
                     (better: a command line is visible to every user in ps)
  --concurrency N    points at once, one worker thread each [1]
  -h, --help         this text

Docs: docs/distributed.md. Exit codes: 0 stopped, 1 Redis unreachable, 2 bad options.`;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const { values } = parseArgs({
      args: argv, strict: true, allowPositionals: false,
      options: { queue: { type: 'string' }, concurrency: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) { console.log(help()); return 0; }
    const concurrency = values.concurrency === undefined ? 1 : Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1024) {
      throw new ArgumentError('ERR_INVALID_ARG_VALUE', `--concurrency must be an integer from 1 to 1024. Received ${values.concurrency}`);
    }
    const queue = queueUrlFrom(values.queue);
    const { default: Tinypool } = await import('tinypool');
    const pool = new Tinypool({
      filename: new URL('../storm/pool-worker.js', import.meta.url).href, minThreads: concurrency, maxThreads: concurrency,
    });
    const stop = new AbortController();
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
    try {
      await workerCommand({ queue, concurrency, runner: { run: (scenario) => pool.run(scenario) }, signal: stop.signal });
    } finally {
      await pool.destroy();
    }
    return 0;
  } catch (err) {
    console.error(`${NAME}: ${err instanceof Error ? err.message : String(err)}`);
    return exitCodeOf(err);
  }
}
