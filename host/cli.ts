#!/usr/bin/env node
// socket-kernel: the command line. One entry per subcommand; each module exports
// main(argv) and returns the exit code. To add one (e.g. `worker`), add a row here.

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ main(argv: string[]): Promise<number> }> }> = {
  storm: { summary: 'simulate a connection storm against a listening server', load: () => import('./storm/cli.js') },
  worker: { summary: 'run storm sweep points from a Redis job queue (docs/distributed.md)', load: () => import('./queue/worker-cli.js') },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: socket-kernel <command> [options]\n\ncommands:\n${rows.join('\n')}\n\nsocket-kernel <command> --help shows a command's options.`;
}

const [cmd, ...rest] = process.argv.slice(2);
if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
  console.log(usage());
  process.exit(cmd === undefined ? 2 : 0);
}
const command = COMMANDS[cmd];
if (!command) {
  console.error(`socket-kernel: unknown command "${cmd}"\n\n${usage()}`);
  process.exit(2);
}
process.exitCode = await (await command.load()).main(rest);
